"""Run the bundled smoke-test hook's real handler once, as the engine's Lambda would.

``python -m rehearse.hookrun TIMEOUT_SECONDS < event.json`` calls
``hooks.smoke_test.handler.handler(event, context)`` in a fresh process with the hook's
environment (the engine sets it: ``TEST_URL`` on the test listener, CodeDeploy's endpoint on
the local stand-in) and prints its return value as one JSON line. The context gives the
function's configured timeout as its remaining time, as Lambda does at the start of an
invocation.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from hooks.smoke_test.handler import handler


class LambdaContext:
    """The one method of Lambda's context object that the handler reads."""

    def __init__(self, timeout_seconds: float) -> None:
        self.deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def main(argv: list[str]) -> int:
    event: Any = json.load(sys.stdin)
    result = handler(event, LambdaContext(float(argv[0])))
    print(json.dumps({"result": result}, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
