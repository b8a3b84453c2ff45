"""One command's run: its arguments and names, AWS clients made on first use (for the resolved
region), its output streams, clock and sleep (injected by tests), and the deployment it is about
(for error lines). Also the two things every following command does with it: the options a
watcher polls with (and the flags that set them), and reporting the outcome as an exit code."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

from release.cli.errors import EXIT_DEPLOYMENT_FAILED, EXIT_OK
from release.cli.names import Names
from release.cli.text import progress_log
from release.core.outcome import Outcome

ClientFactory = Callable[[str, str], Any]
"""(service, region) -> a boto3 client."""

DEFAULT_TIMEOUT_MINUTES = 60.0
DEFAULT_POLL_SECONDS = 10.0


def positive(kind: type[float] | type[int]) -> Callable[[str], float]:
    """An argparse type: a number of ``kind`` above zero."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
        return value

    return parse


def add_follow_flags(parser: argparse.ArgumentParser) -> None:
    """--timeout-minutes and --poll-seconds, which Context.follow_options passes to a watcher."""
    parser.add_argument(
        "--timeout-minutes",
        type=positive(float),
        default=DEFAULT_TIMEOUT_MINUTES,
        help=f"give up following after this long (default {DEFAULT_TIMEOUT_MINUTES:g})",
    )
    parser.add_argument(
        "--poll-seconds",
        type=positive(float),
        default=DEFAULT_POLL_SECONDS,
        help=f"seconds between polls (default {DEFAULT_POLL_SECONDS:g})",
    )


@dataclass
class Context:
    args: argparse.Namespace
    names: Names
    clients: ClientFactory
    out: TextIO
    err: TextIO
    sleep: Callable[[float], None]
    clock: Callable[[], float]
    deployment_id: str | None = None
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    """Wall-clock time (aware), for what AWS dates: how long a ready wait has left."""
    _cache: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self._cache:
            self._cache[service] = self.clients(service, self.names.require("region"))
        return self._cache[service]

    def forget_clients(self) -> None:
        """Drop the clients made so far (the region changed)."""
        self._cache.clear()

    def print(self, line: str = "") -> None:
        print(line, file=self.out, flush=True)

    def warn(self, line: str) -> None:
        print(line, file=self.err, flush=True)

    def follow_options(self) -> dict[str, Any]:
        """The keyword arguments a watcher follows a deployment with: --timeout-minutes,
        --poll-seconds, progress lines with green bars, the clock and sleep."""
        return {
            "timeout_seconds": self.args.timeout_minutes * 60,
            "poll_seconds": self.args.poll_seconds,
            "log": progress_log(self.print),
            "clock": self.clock,
            "sleep": self.sleep,
        }

    def report(self, outcome: Outcome) -> int:
        """0 when the deployment succeeded, else 1 with the outcome (and its diagnosis) on stderr."""
        if outcome.succeeded:
            self.print(outcome.describe())
            return EXIT_OK
        self.warn(outcome.report())
        return EXIT_DEPLOYMENT_FAILED
