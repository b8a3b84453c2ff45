"""Fixtures: one `moto_server` subprocess for the directory, boto3 clients against it over
HTTP, and CodeDeploy applications / blue-green deployment groups created through them."""

from __future__ import annotations

import http.client
import os
import shutil
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

from .support import REGION, Group, create_application_and_group

SERVER_START_TIMEOUT = 20.0
SERVER_STOP_TIMEOUT = 5.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_command(port: int) -> list[str]:
    """The venv's `moto_server` console script next to this interpreter, else `-m moto.server`."""
    script = Path(sys.executable).with_name("moto_server")
    if not script.exists():
        found = shutil.which("moto_server")
        script = Path(found) if found else script
    base = [str(script)] if script.exists() else [sys.executable, "-m", "moto.server"]
    return [*base, "-H", "127.0.0.1", "-p", str(port)]


def _answers(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        conn.request("GET", "/moto-api/")
        conn.getresponse().read()
        return True
    except OSError:
        return False
    finally:
        conn.close()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=SERVER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=SERVER_STOP_TIMEOUT)


def _start_server(log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start moto_server on a free port and wait (bounded) until it answers HTTP."""
    last_output = ""
    for _attempt in range(3):
        port = _free_port()
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                _server_command(port),
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            )
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            if _answers(port):
                return proc, f"http://127.0.0.1:{port}"
            time.sleep(0.05)
        _stop(proc)
        last_output = log_path.read_text(errors="replace")
        if "address already in use" not in last_output.lower():
            break
    raise RuntimeError(
        f"moto_server did not answer within {SERVER_START_TIMEOUT:g} s:\n{last_output[-2000:]}"
    )


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a moto server subprocess shared by this directory's tests; always stopped after."""
    proc, url = _start_server(tmp_path_factory.mktemp("moto") / "server.log")
    try:
        yield url
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def make_client(moto_endpoint: str) -> Callable[[str], Any]:
    """Factory: a real boto3 client for ``service`` talking HTTP to the moto server."""

    def make(service: str) -> Any:
        return boto3.session.Session().client(
            service,
            region_name=REGION,
            endpoint_url=moto_endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=10),
        )

    return make


@pytest.fixture(scope="session")
def codedeploy(make_client: Callable[[str], Any]) -> Any:
    return make_client("codedeploy")


@pytest.fixture(scope="session")
def ecs(make_client: Callable[[str], Any]) -> Any:
    return make_client("ecs")


@pytest.fixture
def group(codedeploy: Any) -> Group:
    """A fresh CodeDeploy application (ECS) and BLUE_GREEN deployment group on the moto server."""
    return create_application_and_group(codedeploy)
