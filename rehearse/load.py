"""Steady load on the production listener: a fixed rate, every request recorded.

Requests leave on a fixed schedule (request ``n`` at ``n / rate`` seconds), each on its own
connection, whether or not earlier ones have answered: a user does not wait for another
user's request. For every request the generator records when it was sent, its latency, its
status (0 when no answer came) and the colour that served it (HAProxy's colour header).
The load is bounded twice: at most ``max_requests`` requests and ``max_seconds`` seconds,
whatever the caller does. Runs an asyncio loop in its own thread; 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass

from rehearse.haproxy import COLOUR_HEADER
from rehearse.records import Colour, RequestRecord

LOOPBACK = "127.0.0.1"
DEFAULT_RATE = 50.0
MAX_RATE = 1000.0
DEFAULT_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Response:
    status: int
    colour: Colour | None


def parse_response_head(head: bytes) -> Response:
    """Status and colour from an HTTP/1.x response head; status 0 when it is not one."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        return Response(0, None)
    colour: Colour | None = None
    wanted = COLOUR_HEADER.lower()
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == wanted:
            text = value.strip()
            colour = "blue" if text == "blue" else "green" if text == "green" else None
    return Response(int(parts[1]), colour)


async def request_once(port: int, path: str, timeout: float) -> Response:
    """One GET on a fresh connection, read to the end; status 0 on any failure or timeout."""

    async def exchange() -> Response:
        reader, writer = await asyncio.open_connection(LOOPBACK, port)
        try:
            writer.write(f"GET {path} HTTP/1.1\r\nHost: rehearsal\r\nConnection: close\r\n\r\n".encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            response = parse_response_head(head)
            while await reader.read(65536):
                pass
            return response
        finally:
            writer.close()

    try:
        return await asyncio.wait_for(exchange(), timeout)
    except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return Response(0, None)


class LoadGenerator:
    """Fixed-rate GETs to 127.0.0.1:``port``; ``start()``, later ``stop()``, then ``records``."""

    def __init__(
        self,
        port: int,
        epoch: float,
        rate: float = DEFAULT_RATE,
        max_seconds: float = 600.0,
        path: str = "/",
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        if not 0 < rate <= MAX_RATE:
            raise ValueError(f"--rate {rate:g} is outside 0-{MAX_RATE:g} requests/s")
        self.port = port
        self.epoch = epoch
        """time.monotonic() at the rehearsal's start: records are on the rehearsal clock."""
        self.rate = rate
        self.max_seconds = max_seconds
        self.max_requests = int(rate * max_seconds) + 1
        self.path = path
        self.timeout = timeout
        self._records: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def records(self) -> list[RequestRecord]:
        """The requests answered (or failed) so far, in order of sending."""
        with self._lock:
            return sorted(self._records, key=lambda record: record.sent_at)

    def start(self) -> None:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), name="load", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop sending, wait for the requests in flight (at most their timeout)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.timeout + 5)

    async def _one(self, sent_monotonic: float) -> None:
        response = await request_once(self.port, self.path, self.timeout)
        record = RequestRecord(
            sent_at=sent_monotonic - self.epoch,
            latency_seconds=time.monotonic() - sent_monotonic,
            status=response.status,
            colour=response.colour,
        )
        with self._lock:
            self._records.append(record)

    async def _run(self) -> None:
        started = time.monotonic()
        pending: set[asyncio.Task[None]] = set()
        for index in range(self.max_requests):
            due = started + index / self.rate
            if self._stop.is_set() or due - started > self.max_seconds:
                break
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(self._one(time.monotonic()))
            pending.add(task)
            task.add_done_callback(pending.discard)
        if pending:
            await asyncio.wait(pending, timeout=self.timeout + 1)
