"""Fixtures: one `moto_server` subprocess for the directory (reset before each test), a
client factory for the CLI talking HTTP to it, and the stack's resources built through it."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from .ecs_support import EcsStack, build_ecs_stack, hybrid_factory, offline_ecs
from .support import REGION, ClientFactory, Stack, build_stack

START_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _request(port: int, method: str, path: str) -> int | None:
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


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT)


def _command(port: int) -> list[str]:
    script = Path(sys.executable).with_name("moto_server")
    base = [str(script)] if script.exists() else [sys.executable, "-m", "moto.server"]
    return [*base, "-H", "127.0.0.1", "-p", str(port)]


@pytest.fixture(scope="session")
def moto_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """Port of a moto_server subprocess; its ECS services report two running tasks."""
    log_path = tmp_path_factory.mktemp("moto") / "server.log"
    for _attempt in range(3):
        port = _free_port()
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                _command(port),
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "MOTO_ECS_SERVICE_RUNNING": "2", "PYTHONDONTWRITEBYTECODE": "1"},
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            if _request(port, "GET", "/moto-api/") is not None:
                break
            time.sleep(0.05)
        else:
            _stop(proc)
            output = log_path.read_text(errors="replace")
            if "address already in use" in output.lower():
                continue
            raise RuntimeError(f"moto_server did not answer within {START_TIMEOUT:g} s:\n{output[-2000:]}")
        try:
            yield port
        finally:
            _stop(proc)
        return
    raise RuntimeError("moto_server: no free port after 3 attempts")


@pytest.fixture(scope="session")
def _client_cache(moto_port: int) -> dict[tuple[str, str], Any]:
    return {}


@pytest.fixture
def endpoint(moto_port: int) -> str:
    """The moto server's URL, reset to empty for this test."""
    assert _request(moto_port, "POST", "/moto-api/reset") == 200
    return f"http://127.0.0.1:{moto_port}"


@pytest.fixture
def clients(endpoint: str, _client_cache: dict[tuple[str, str], Any]) -> ClientFactory:
    """The CLI's client factory: real boto3 clients talking HTTP to moto, without retries
    (cached for the session: creating them is the slow part, moto's state is reset per test)."""

    def make(service: str, region: str) -> Any:
        key = (service, region)
        if key not in _client_cache:
            _client_cache[key] = boto3.session.Session().client(
                service,
                region_name=region,
                endpoint_url=endpoint,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=10),
            )
        return _client_cache[key]

    return make


@pytest.fixture
def client(clients: ClientFactory) -> Callable[[str], Any]:
    return lambda service: clients(service, REGION)


@pytest.fixture
def stack(client: Callable[[str], Any]) -> Stack:
    return build_stack(client)


@pytest.fixture
def ecs_api() -> Iterator[Stubber]:
    """The Stubber answering ECS's service-deployment calls (queued per test; all must be used)."""
    with Stubber(offline_ecs()) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def ecs_clients(clients: ClientFactory, ecs_api: Stubber) -> ClientFactory:
    """moto for everything but ECS's service-deployment calls, which go to ``ecs_api``."""
    return hybrid_factory(clients, ecs_api.client)


@pytest.fixture
def ecs_stack(client: Callable[[str], Any]) -> EcsStack:
    return build_ecs_stack(client)
