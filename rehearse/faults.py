"""Faults for the rehearsal's scenarios, injected from outside the app.

Each is a small process that a task runs in place of, or in front of, the real app:

- ``crash``: the task's process exits at start (an image whose entry point fails);
- ``proxy``: a reverse proxy on the task's port in front of the real app on another port,
  that answers the health check path with 503 (``--unhealthy``), answers a share of the other
  requests with 500 (``--error-share``), or delays them (``--delay``);
- ``no-forward``: a parent process that ignores SIGTERM and does not pass it on (the
  ``sh -c`` entry point of many images): the app never drains, and the SIGKILL at the end
  of the stop timeout drops whatever it was serving.

``python -m rehearse.faults MODE ...``; standard library only, every socket on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import signal
import subprocess
import sys

LOOPBACK = "127.0.0.1"
HEAD_LIMIT = 64 * 1024
DRAIN_SECONDS = 30.0
"""How long the proxy lets requests in flight finish after SIGTERM (the app's own limit is 25 s)."""


def _response(status: int, reason: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


def request_path(head: bytes) -> str:
    """The path of a request head's first line (without the query), ``""`` when unreadable."""
    first = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = first.split(" ")
    return parts[1].split("?", 1)[0] if len(parts) >= 2 else ""


def with_connection_close(head: bytes) -> bytes:
    """The request head with ``Connection: close``: one request per upstream connection."""
    lines = [line for line in head.split(b"\r\n") if line and not line.lower().startswith(b"connection:")]
    return b"\r\n".join([*lines, b"Connection: close", b"", b""])


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return int(value.strip())
    return 0


class FaultProxy:
    """What the proxy does to each request; ``decide`` is pure so tests can check the choices."""

    def __init__(
        self, upstream_port: int, health_path: str, unhealthy: bool, error_share: float, delay: float
    ) -> None:
        if not 0 <= error_share <= 1:
            raise ValueError(f"--error-share {error_share!r} is outside 0-1")
        self.upstream_port = upstream_port
        self.health_path = health_path
        self.unhealthy = unhealthy
        self.error_share = error_share
        self.delay = delay
        self.random = random.Random()
        self.active: set[asyncio.Task[None]] = set()

    def decide(self, path: str) -> str:
        """``unhealthy`` (503), ``error`` (500), ``slow`` (delay, then forward) or ``forward``."""
        if path == self.health_path:
            return "unhealthy" if self.unhealthy else "forward"
        if self.error_share > 0 and self.random.random() < self.error_share:
            return "error"
        return "slow" if self.delay > 0 else "forward"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.active.add(task)
            task.add_done_callback(self.active.discard)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            body = await reader.readexactly(_content_length(head))
            action = self.decide(request_path(head))
            if action == "unhealthy":
                writer.write(_response(503, "Service Unavailable", b"unhealthy (rehearsal fault)\n"))
            elif action == "error":
                writer.write(_response(500, "Internal Server Error", b"error (rehearsal fault)\n"))
            else:
                if action == "slow":
                    await asyncio.sleep(self.delay)
                await self._forward(with_connection_close(head) + body, writer)
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _forward(self, request: bytes, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(LOOPBACK, self.upstream_port)
        except OSError:
            writer.write(_response(502, "Bad Gateway", b"app not reachable\n"))
            return
        try:
            up_writer.write(request)
            await up_writer.drain()
            while chunk := await up_reader.read(65536):
                writer.write(chunk)
        finally:
            up_writer.close()


async def _serve(proxy: FaultProxy, port: int) -> None:
    server = await asyncio.start_server(proxy.handle, LOOPBACK, port, limit=HEAD_LIMIT)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()
        server.close()  # SIGTERM: no new connections; the requests in flight finish, as the app's do
        if proxy.active:
            await asyncio.wait(set(proxy.active), timeout=DRAIN_SECONDS)


def _no_forward(command: list[str]) -> int:
    """Run ``command`` as a child; SIGTERM is ignored here and never reaches it."""
    # Ignored before the child exists, so a SIGTERM that comes as it starts cannot end this
    # process; the child gets the default back before it runs the command (an ignored signal
    # would otherwise be inherited across exec).
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    child = subprocess.Popen(command, preexec_fn=_default_sigterm)  # safe: this process has one thread
    return child.wait()


def _default_sigterm() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m rehearse.faults")
    modes = parser.add_subparsers(dest="mode", required=True)
    crash = modes.add_parser("crash", help="exit at start")
    crash.add_argument("--code", type=int, default=1)
    proxy = modes.add_parser("proxy", help="a reverse proxy in front of the app that injects faults")
    proxy.add_argument("--listen", type=int, required=True)
    proxy.add_argument("--upstream", type=int, required=True)
    proxy.add_argument("--health-path", default="/health")
    proxy.add_argument("--unhealthy", action="store_true")
    proxy.add_argument("--error-share", type=float, default=0.0)
    proxy.add_argument("--delay", type=float, default=0.0)
    no_forward = modes.add_parser("no-forward", help="ignore SIGTERM, do not pass it on")
    no_forward.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.mode == "crash":
        print("rehearsal fault: the task's process exits at start", file=sys.stderr, flush=True)
        return int(args.code)
    if args.mode == "proxy":
        fault = FaultProxy(args.upstream, args.health_path, args.unhealthy, args.error_share, args.delay)
        asyncio.run(_serve(fault, args.listen))
        return 0
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no-forward needs the command to run")
    return _no_forward(command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
