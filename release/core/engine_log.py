"""Progress lines from inside a dynamic provider into the `pulumi up` output.

The Python dynamic provider host has no engine connection of its own, so ``pulumi.log``
there only reaches stderr. Pulumi starts every provider plugin with the engine's gRPC
address as its first argument; sending ``LogRequest``s there shows the lines in the
update's diagnostics as they happen.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

_ADDRESS = re.compile(r"^[\w.\-\[\]:]+:\d+$")


def engine_logger(prefix: str, argv: list[str] | None = None) -> Callable[[str], None]:
    """A log function that writes to the Pulumi engine, or to stderr when there is none."""
    args = sys.argv[1:] if argv is None else argv
    address = next((a for a in args if _ADDRESS.match(a)), None)
    if address is not None:
        try:
            import grpc
            from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

            stub = engine_pb2_grpc.EngineStub(grpc.insecure_channel(address))

            def to_engine(message: str) -> None:
                try:
                    request = engine_pb2.LogRequest(severity=engine_pb2.INFO, message=f"{prefix}{message}")
                    stub.Log(request, timeout=10)  # an engine that never answers must not hang a release
                except grpc.RpcError:
                    print(f"{prefix}{message}", file=sys.stderr, flush=True)

            return to_engine
        except ImportError:
            pass

    def to_stderr(message: str) -> None:
        print(f"{prefix}{message}", file=sys.stderr, flush=True)

    return to_stderr
