"""Fixtures: an offline ECS client and the Stubber answering it (every queued answer used)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from tests.release.ecs.support import offline_client


@pytest.fixture
def ecs() -> Any:
    return offline_client()


@pytest.fixture
def stubber(ecs: Any) -> Iterator[Stubber]:
    with Stubber(ecs) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()
