"""Fixtures: one `moto_server` subprocess for the directory, boto3 clients against it over
HTTP, and CodeDeploy applications / blue-green deployment groups created through them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests import moto_server

from .support import REGION, Group, create_application_and_group


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a moto server subprocess shared by this directory's tests; always stopped after."""
    proc, port = moto_server.start(tmp_path_factory.mktemp("moto") / "server.log")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        moto_server.stop(proc)


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
