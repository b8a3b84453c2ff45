"""The real program's resources for both stacks, as checked in and with their known gaps fixed.

Each under both deployment engines: as the stack files configure them (``codedeploy``) and
switched to ``deployment.controller: ecs`` (the ``ecs_*`` fixtures).
"""

from __future__ import annotations

import pytest

from tests.policy.support import Res, from_recorded
from tests.program.harness import run_stack, stack_value

# An ACM certificate ARN of the right shape (stack_config validates it); nothing calls AWS.
EXAMPLE_CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0b5e7a52-3c1d-4c36-9f61-1d2b3c4d5e6f"


def gap_fixes(stack: str) -> dict[str, object]:
    """Config overrides that fix what the checked-in stack files break (see test_real_stacks.KNOWN_GAPS).

    prod: production on HTTPS needs a certificate (kept if the stack file sets one). Each
    override replaces a whole key, so it starts from the stack's own value of that key.
    """
    if stack == "prod":
        load_balancer = stack_value("prod", "loadBalancer") or {}
        load_balancer.setdefault("certificateArn", EXAMPLE_CERTIFICATE)
        return {"loadBalancer": load_balancer}
    return {}


def ecs_engine(stack: str) -> dict[str, object]:
    """The config override that switches a stack to the ECS engine, keeping its other deployment settings."""
    deployment = stack_value(stack, "deployment") or {}
    deployment["controller"] = "ecs"
    return {"deployment": deployment}


@pytest.fixture(scope="session")
def checked_in() -> dict[str, list[Res]]:
    """Each stack exactly as Pulumi.<stack>.yaml configures it."""
    return {stack: [from_recorded(r) for r in run_stack(stack).resources] for stack in ("dev", "prod")}


@pytest.fixture(scope="session")
def compliant() -> dict[str, list[Res]]:
    """Each stack with the known gaps of its stack file fixed by config overrides."""
    return {
        stack: [from_recorded(r) for r in run_stack(stack, gap_fixes(stack)).resources]
        for stack in ("dev", "prod")
    }


@pytest.fixture(scope="session")
def ecs_checked_in() -> dict[str, list[Res]]:
    """Each stack as its file configures it, but deployed by the ECS engine."""
    return {
        stack: [from_recorded(r) for r in run_stack(stack, ecs_engine(stack)).resources]
        for stack in ("dev", "prod")
    }


@pytest.fixture(scope="session")
def ecs_compliant() -> dict[str, list[Res]]:
    """Each stack deployed by the ECS engine, with the known gaps of its stack file fixed."""
    return {
        stack: [
            from_recorded(r) for r in run_stack(stack, {**ecs_engine(stack), **gap_fixes(stack)}).resources
        ]
        for stack in ("dev", "prod")
    }
