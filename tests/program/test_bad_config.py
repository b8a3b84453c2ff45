"""Bad configuration stops `pulumi up` before a single resource is declared."""

from __future__ import annotations

import pytest

from stack_config.errors import ConfigError
from tests.program.harness import run_stack_expecting_error, stack_value

CASES = [
    ("unknown strategy", {"deployment": {"strategy": "blue-green"}}, "deployment.strategy", "'blue-green'"),
    ("typo inside an object", {"deployment": {"stratgy": "canary"}}, "deployment.stratgy", "unknown key"),
    (
        "percentage out of range",
        {"deployment": {"strategy": "canary", "percentage": 100, "intervalMinutes": 5}},
        "deployment.percentage",
        "100",
    ),
    (
        "interval below one minute",
        {"deployment": {"strategy": "linear", "percentage": 10, "intervalMinutes": 0}},
        "deployment.intervalMinutes",
        "0",
    ),
    ("not a Fargate size", {"task": {"cpu": 256, "memory": 4096}}, "task.memory", "512, 1024, 2048"),
    (
        "timeout not below interval",
        {"healthCheck": {"intervalSeconds": 10, "timeoutSeconds": 10}},
        "healthCheck.timeoutSeconds",
        "less than",
    ),
    (
        "threshold outside AWS limits",
        {"healthCheck": {"healthyThreshold": 11}},
        "healthCheck.healthyThreshold",
        "11",
    ),
    ("port out of range", {"container": {"port": 70000}}, "container.port", "70000"),
    (
        "unknown top-level key",
        {"deploymnet": {"strategy": "canary"}},
        "fargate-bluegreen:deploymnet",
        "unknown",
    ),
    ("missing region", {"aws:region": None}, "aws:region", "not set"),
]


@pytest.mark.parametrize(("overrides", "key", "detail"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_rejected_with_the_key_and_nothing_created(
    stack: str, overrides: dict, key: str, detail: str
) -> None:
    error, registered = run_stack_expecting_error(stack, overrides)
    assert isinstance(error, ConfigError), repr(error)
    assert key in str(error) and detail in str(error), str(error)
    assert registered == [], (
        f"resources were declared before the config was rejected: {[r.urn for r in registered]}"
    )


def test_all_problems_reported_at_once() -> None:
    deployment = stack_value("prod", "deployment") | {"percentage": 0}
    error, _ = run_stack_expecting_error(
        "prod", {"deployment": deployment, "task": {"cpu": 100, "memory": 512}}
    )
    assert isinstance(error, ConfigError)
    assert len(error.problems) == 2, error.problems
