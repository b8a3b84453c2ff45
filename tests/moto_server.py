"""A moto server subprocess on a free loopback port, for tests that want real boto3 over HTTP.

It is moto's own server with two endpoints in front (tests/moto_snapshots.py): ``save`` keeps
its state under a name and ``restore`` puts it back, so a stack built once is not rebuilt."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

START_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SERVER = Path(__file__).with_name("moto_snapshots.py")


def _command(port: int) -> list[str]:
    """This interpreter running tests/moto_snapshots.py (-P: its folder is not put on sys.path)."""
    return [sys.executable, "-P", str(SERVER), "-H", "127.0.0.1", "-p", str(port)]


def request(port: int, method: str, path: str) -> int | None:
    """The HTTP status of one request to the server, or None when nothing answers."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        response.read()
        return response.status
    except OSError:
        return None
    finally:
        conn.close()


def reset(port: int) -> None:
    """Empty every backend of the server (moto's reset API), as if it had just started."""
    status = request(port, "POST", "/moto-api/reset")
    assert status == 200, f"POST /moto-api/reset answered {status}"


def save(port: int, name: str) -> None:
    """Keep the server's current state as ``name``."""
    status = request(port, "POST", f"/tests-api/save/{name}")
    assert status == 200, f"POST /tests-api/save/{name} answered {status}"


def restore(port: int, name: str) -> bool:
    """Put back the state saved as ``name``; False when nothing was saved under it."""
    status = request(port, "POST", f"/tests-api/restore/{name}")
    assert status in (200, 404), f"POST /tests-api/restore/{name} answered {status}"
    return status == 200


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Kill the server: it holds nothing worth a clean shutdown, and SIGTERM took about 0.5 s."""
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=STOP_TIMEOUT)


def start(log_path: Path, extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], int]:
    """Start moto_server and wait (bounded) until it answers; retry on a port taken meanwhile."""
    output = ""
    for _attempt in range(3):
        port = _free_port()
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                _command(port),
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **(extra_env or {})},
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            if request(port, "GET", "/moto-api/") is not None:
                return proc, port
            time.sleep(0.05)
        stop(proc)
        output = log_path.read_text(errors="replace")
        if "address already in use" not in output.lower():
            break
    raise RuntimeError(f"moto_server did not answer within {START_TIMEOUT:g} s:\n{output[-2000:]}")
