"""Fixtures: a real `python -m server` subprocess per test, always killed afterwards."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator

import pytest

from .support import APP_DIR, STARTUP_TIMEOUT, ServerProcess, free_port

# Lets the in-process unit tests `import server` like the image does from /app.
if str(APP_DIR) not in sys.path:
    sys.path.insert(0, str(APP_DIR))


@pytest.fixture
def start_server() -> Iterator[Callable[..., ServerProcess]]:
    """Factory: start the server with extra env, wait until it listens; always killed after."""
    started: list[ServerProcess] = []

    def start(**env: str) -> ServerProcess:
        for attempt in range(3):
            srv = ServerProcess(free_port(), env)
            started.append(srv)
            try:
                srv.wait_for_event("startup", STARTUP_TIMEOUT)
                return srv
            except AssertionError:
                srv.stop()
                if attempt == 2 or "address already in use" not in srv.output().lower():
                    raise
        raise AssertionError("unreachable")

    yield start
    for srv in started:
        srv.stop()


@pytest.fixture
def server(start_server: Callable[..., ServerProcess]) -> ServerProcess:
    """A server with default settings."""
    return start_server()
