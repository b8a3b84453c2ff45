"""Runs of the real program under mocks, shared by the tests of each component."""

from __future__ import annotations

import pytest

from tests.program.harness import ProgramRun, run_stack


@pytest.fixture(scope="session")
def dev() -> ProgramRun:
    return run_stack("dev")


@pytest.fixture(scope="session")
def prod() -> ProgramRun:
    return run_stack("prod")


@pytest.fixture(params=["dev", "prod"])
def each_stack(request: pytest.FixtureRequest, dev: ProgramRun, prod: ProgramRun) -> ProgramRun:
    return {"dev": dev, "prod": prod}[request.param]
