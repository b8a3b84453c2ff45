"""Fixtures: the session's `moto_server` subprocess (tests/conftest.py, reset before each
test), a client factory for the CLI talking HTTP to it, and the stack's resources built
through it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from tests.moto_snapshots import BuiltOnce

from .ecs_support import EcsStack, build_ecs_stack, hybrid_factory, offline_ecs
from .support import REGION, ClientFactory, Stack, build_stack


@pytest.fixture(scope="session")
def _client_cache(moto_port: int) -> dict[tuple[str, str], Any]:
    return {}


@pytest.fixture
def endpoint(moto_url: str) -> str:
    """The moto server's URL, reset to empty for this test (tests/conftest.py: one server a session)."""
    return moto_url


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
def stack(client: Callable[[str], Any], moto_built: BuiltOnce) -> Stack:
    """The stack's resources, built on the first use in the session and put back after."""
    return moto_built("codedeploy-stack", lambda: build_stack(client))


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
def ecs_stack(client: Callable[[str], Any], moto_built: BuiltOnce) -> EcsStack:
    """The ECS-engine stack's resources, built on the first use in the session and put back after."""
    return moto_built("ecs-stack", lambda: build_ecs_stack(client))
