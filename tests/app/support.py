"""Helpers that run the real service as a subprocess and talk to it over HTTP."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

APP_DIR = Path(__file__).resolve().parents[2] / "app"

STARTUP_TIMEOUT = 60.0  # generous: imports are slow on a busy shared machine
APP_ENV_VARS = (
    "PORT",
    "APP_VERSION",
    "IMAGE_REF",
    "ENABLE_SLEEP_ENDPOINT",
    "SHUTDOWN_TIMEOUT_SECONDS",
)


def free_port() -> int:
    """A port that is free right now; start_server retries if it gets taken meanwhile."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(**overrides: str) -> dict[str, str]:
    """The caller's env minus any app settings leaking in, plus the overrides."""
    env = {k: v for k, v in os.environ.items() if k not in APP_ENV_VARS}
    env.update(overrides, PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1")
    return env


def run_module(module: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m <module>` from app/ like the image does; killed on timeout."""
    return subprocess.run(
        [sys.executable, "-m", module],
        check=False,
        cwd=APP_DIR,
        env=app_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def http_get(port: int, path: str, timeout: float = 10) -> tuple[int, Any]:
    """GET over a fresh connection (http.client: no proxy env surprises); JSON-decodes."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    return resp.status, json.loads(body) if body else None


class ServerProcess:
    """`python -m server` with its stdout collected by a thread so waits can poll it."""

    def __init__(self, port: int, env: dict[str, str]) -> None:
        self.port = port
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server"],
            cwd=APP_DIR,
            env=app_env(PORT=str(port), **env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._eof = False
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def output(self) -> str:
        with self._cond:
            return "\n".join(self.lines)

    def records(self) -> list[dict[str, Any]]:
        """Parsed JSON log lines (non-JSON lines, e.g. tracebacks, are skipped)."""
        out = []
        with self._cond:
            lines = list(self.lines)
        for line in lines:
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out

    def wait_for_event(self, event: str, timeout: float = 30) -> dict[str, Any]:
        """Block until the app logs `event`; fail fast if it exits first."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for record in self.records():
                    if record.get("logger") == "server" and record.get("message") == event:
                        return record
                remaining = deadline - time.monotonic()
                if self._eof or remaining <= 0:
                    why = "exited" if self._eof else f"did not log it within {timeout}s"
                    raise AssertionError(f"waiting for {event!r}: server {why}:\n{self.output()}")
                self._cond.wait(remaining)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=15)
        self._reader.join(timeout=5)
        if self.proc.stdout:
            self.proc.stdout.close()
