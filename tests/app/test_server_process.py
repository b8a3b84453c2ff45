"""End-to-end: the real `python -m server` subprocess over real HTTP."""

from __future__ import annotations

import http.client
import signal
import threading
from collections.abc import Callable
from typing import Any

import pytest

from .support import ServerProcess, free_port, http_get, run_module

SLOW_SECONDS = 2


def test_health_ok(server: ServerProcess) -> None:
    assert http_get(server.port, "/health") == (200, {"status": "ok"})


def test_version_reflects_env(start_server: Callable[..., ServerProcess]) -> None:
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.2.3"
    srv = start_server(APP_VERSION="1.2.3", IMAGE_REF=image)
    status, body = http_get(srv.port, "/version")
    assert status == 200
    assert body["version"] == "1.2.3"
    assert body["image"] == image
    assert body["hostname"]
    assert body["pid"] == srv.proc.pid


def test_root_and_defaults(server: ServerProcess) -> None:
    status, body = http_get(server.port, "/")
    assert status == 200
    assert body["version"] == "dev"
    assert "dev" in body["message"]
    assert http_get(server.port, "/version")[1]["image"] == "unknown"


def test_unknown_route_404(server: ServerProcess) -> None:
    assert http_get(server.port, "/no-such-route") == (404, {"error": "Not Found"})


def test_sleep_endpoint_disabled_by_default(server: ServerProcess) -> None:
    assert http_get(server.port, "/sleep?seconds=1")[0] == 404


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("PORT", "abc", "from 1 to 65535"),
        ("PORT", "0", "from 1 to 65535"),
        ("PORT", "65536", "from 1 to 65535"),
        ("PORT", "80.5", "from 1 to 65535"),
        ("SHUTDOWN_TIMEOUT_SECONDS", "-1", "from 1 to 120"),
        ("SHUTDOWN_TIMEOUT_SECONDS", "soon", "from 1 to 120"),
    ],
)
def test_bad_env_fails_with_one_clear_line(name: str, value: str, allowed: str) -> None:
    env = {name: value}
    if name != "PORT":
        env["PORT"] = str(free_port())  # in case validation were broken, fail on output, not bind
    result = run_module("server", **env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert name in lines[0] and repr(value) in lines[0] and allowed in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_healthcheck_passes_against_running_server(server: ServerProcess) -> None:
    result = run_module("server.healthcheck", PORT=str(server.port))
    assert result.returncode == 0, result.stderr


def test_healthcheck_fails_when_nothing_listens() -> None:
    result = run_module("server.healthcheck", PORT=str(free_port()))
    assert result.returncode == 1
    assert "healthcheck" in result.stderr


def test_sigterm_drains_in_flight_request(
    start_server: Callable[..., ServerProcess],
) -> None:
    srv = start_server(ENABLE_SLEEP_ENDPOINT="1", SHUTDOWN_TIMEOUT_SECONDS="20")
    result: dict[str, Any] = {}

    def slow_request() -> None:
        try:
            result["response"] = http_get(srv.port, f"/sleep?seconds={SLOW_SECONDS}", timeout=30)
        except (
            OSError,
            http.client.HTTPException,
            ValueError,
        ) as exc:  # asserted below
            result["error"] = exc

    thread = threading.Thread(target=slow_request, daemon=True)
    thread.start()
    srv.wait_for_event("sleep_begin")
    srv.proc.send_signal(signal.SIGTERM)

    # Logged after the listener is closed, with the slow request still running.
    begin = srv.wait_for_event("shutdown_begin")
    assert begin["in_flight"] >= 1, srv.output()
    with pytest.raises((OSError, http.client.HTTPException)):
        http_get(srv.port, "/health", timeout=5)

    thread.join(timeout=30)
    assert not thread.is_alive()
    assert result.get("response") == (200, {"slept": SLOW_SECONDS}), result
    assert srv.proc.wait(timeout=30) == 0, srv.output()
    srv.wait_for_event("shutdown_complete", timeout=10)
