"""Fixtures: boto3 clients over HTTP against the session's `moto_server` subprocess
(tests/conftest.py), and CodeDeploy applications / blue-green deployment groups created
through them, each on a server reset for its test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config

from .support import REGION, Group, create_application_and_group


@pytest.fixture(scope="session")
def moto_endpoint(moto_port: int) -> str:
    """URL of the session's moto server (tests/conftest.py starts it, and stops it after)."""
    return f"http://127.0.0.1:{moto_port}"


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
def group(moto_url: str, codedeploy: Any) -> Group:
    """A fresh CodeDeploy application (ECS) and BLUE_GREEN deployment group on the moto server
    (reset for this test by ``moto_url``)."""
    return create_application_and_group(codedeploy)
