"""Fixtures: real local HTTP/HTTPS servers, a port that refuses connections, a clean hook env."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from .support import LocalServer, write_self_signed_cert

HOOK_ENV_VARS = (
    "TEST_URL",
    "CHECKS",
    "REQUEST_TIMEOUT_SECONDS",
    "ATTEMPTS",
    "RETRY_DELAY_SECONDS",
    "VERIFY_TLS",
    "MAX_IN_PROGRESS",
    "CALLBACK_DELAY_SECONDS",
)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    srv = LocalServer()
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def cert_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def tls_server(cert_files: tuple[Path, Path]) -> Iterator[LocalServer]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*cert_files)
    srv = LocalServer(tls_context=context)
    yield srv
    srv.close()


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A port bound but not listening: connecting is refused at once, and nobody can take it meanwhile."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def hook_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The hook's variables cleared (so the host's environment cannot leak in); set what a test needs."""
    for name in HOOK_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch
