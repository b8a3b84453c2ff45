"""The stack's strategy on ECS's built-in deployments, and the native ranges."""

from __future__ import annotations

import pytest

from specs.native_deployment import (
    NativeDeploymentPlan,
    native_problems,
    plan_native_deployment,
)
from specs.release_model import LIFECYCLE_STAGE


@pytest.mark.parametrize(
    ("strategy", "percentage", "interval", "wait", "plan"),
    [
        ("canary", 10, 5, 5, NativeDeploymentPlan("CANARY", 5, canary_percent=10.0, canary_bake_minutes=5)),
        ("canary", 25, 15, 0, NativeDeploymentPlan("CANARY", 0, canary_percent=25.0, canary_bake_minutes=15)),
        ("linear", 10, 1, 3, NativeDeploymentPlan("LINEAR", 3, step_percent=10.0, step_bake_minutes=1)),
        ("all-at-once", 10, 5, 7, NativeDeploymentPlan("BLUE_GREEN", 7)),
    ],
)
def test_plan(strategy: str, percentage: int, interval: int, wait: int, plan: NativeDeploymentPlan) -> None:
    assert plan_native_deployment(strategy, percentage, interval, wait) == plan


def test_values_inside_the_native_ranges_have_no_problems() -> None:
    assert native_problems("linear", 3, 1440, 1440, 0) == []
    assert native_problems("canary", 1, 1, 0, 0) == []
    assert native_problems("all-at-once", 10, 5000, 0, 0) == []  # no interval in blue/green


@pytest.mark.parametrize(
    ("args", "field", "fragment"),
    [
        (("linear", 2, 1, 0, 0), "percentage", "2 is below ECS's native linear step minimum of 3 %"),
        (("canary", 10, 1441, 0, 0), "intervalMinutes", "1441 exceeds ECS's native bake time limit of 1440"),
        (("linear", 10, 1441, 0, 0), "intervalMinutes", "1441 exceeds"),
        (
            ("all-at-once", 10, 5, 1441, 0),
            "terminationWaitMinutes",
            "(controller codedeploy allows up to 2880)",
        ),
        (("canary", 10, 5, 5, 1), "readyWaitMinutes", "1 is a CodeDeploy setting"),
    ],
)
def test_each_problem_names_the_field_and_what_codedeploy_would_accept(
    args: tuple, field: str, fragment: str
) -> None:
    ((got_field, message),) = native_problems(*args)
    assert got_field == field and fragment in message


def test_every_problem_is_reported() -> None:
    assert [field for field, _ in native_problems("linear", 1, 2000, 2000, 5)] == [
        "percentage",
        "intervalMinutes",
        "terminationWaitMinutes",
        "readyWaitMinutes",
    ]


def test_every_codedeploy_hook_has_an_ecs_stage() -> None:
    from specs.appspec import ECS_HOOKS

    assert set(LIFECYCLE_STAGE) == set(ECS_HOOKS)
    assert LIFECYCLE_STAGE["AfterAllowTestTraffic"] == "POST_TEST_TRAFFIC_SHIFT"
    assert len(set(LIFECYCLE_STAGE.values())) == len(LIFECYCLE_STAGE)
