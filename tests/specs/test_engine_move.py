"""specs/engine_move.py: which way moves in place, the live target group, and the refusals."""

from __future__ import annotations

import pytest

from specs.ecs_engine import deployment_configuration
from specs.engine_move import (
    NO_ROUTE_ACTION,
    EngineMoveRefusedError,
    api_deployment_configuration,
    deployments_in_progress_refusal,
    forward_pairs,
    live_target_groups,
    moves_in_place,
)
from stack_config.model import DeploymentSettings

BLUE = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/my-app-dev-blue/abc"
GREEN = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/my-app-dev-green/def"
WHERE = "production listener L"


def test_only_codedeploy_to_ecs_moves_in_place() -> None:
    assert moves_in_place("codedeploy", "ecs")
    assert not moves_in_place("ecs", "codedeploy")


@pytest.mark.parametrize(
    ("forward", "live", "idle"), [([(BLUE, 100), (GREEN, 0)], BLUE, GREEN), ([(GREEN, 1)], GREEN, BLUE)]
)
def test_the_live_target_group_is_read_not_assumed(
    forward: list[tuple[str, int]], live: str, idle: str
) -> None:
    found = live_target_groups(forward, BLUE, GREEN, WHERE)
    assert (found.live, found.idle) == (live, idle)


def test_a_split_forward_is_a_release_under_way() -> None:
    with pytest.raises(EngineMoveRefusedError) as refused:
        live_target_groups([(BLUE, 90), (GREEN, 10)], BLUE, GREEN, WHERE)
    assert str(refused.value) == (
        "production listener L splits traffic (my-app-dev-blue 90, my-app-dev-green 10): a release is "
        "shifting it; wait until it ends (python -m release status), then run `pulumi up` again"
    )


def test_a_forward_to_another_target_group_is_refused() -> None:
    other = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/someone-else/123"
    with pytest.raises(EngineMoveRefusedError, match="forwards to someone-else, which is neither"):
        live_target_groups([(other, 100)], BLUE, GREEN, WHERE)


def test_a_deployment_in_progress_is_one_line_saying_what_to_do() -> None:
    assert deployments_in_progress_refusal("web", [], 1) is None
    refusal = deployments_in_progress_refusal("web", ["d-2", "d-1"], 2)
    assert refusal is not None and "\n" not in refusal
    assert refusal.startswith(
        "cannot move ECS service web to the ECS engine while CodeDeploy deployment d-1, d-2"
    )
    assert refusal.endswith(
        "wait for it to end or stop it (python -m release stop), then run `pulumi up` again"
    )
    sets = deployments_in_progress_refusal("web", [], 2)
    assert sets is not None and "while it has 2 task sets" in sets


def test_forward_pairs_of_each_action_shape() -> None:
    weighted = {
        "Type": "forward",
        "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": BLUE, "Weight": 0}, {"TargetGroupArn": GREEN}]},
    }
    assert forward_pairs(weighted) == [(BLUE, 0), (GREEN, 1)]
    assert forward_pairs({"Type": "forward", "TargetGroupArn": GREEN}) == [(GREEN, 1)]
    assert forward_pairs(NO_ROUTE_ACTION) == []


def test_the_move_sends_the_declared_configuration_in_the_api_shape() -> None:
    plan = DeploymentSettings.model_validate(
        {
            "controller": "ecs",
            "strategy": "canary",
            "percentage": 10,
            "intervalMinutes": 5,
            "terminationWaitMinutes": 7,
        }
    ).native_plan
    config = api_deployment_configuration(
        deployment_configuration(plan),
        {"enable": True, "rollback": True},
        {"alarmNames": ("a", "b"), "enable": True, "rollback": True},
        [],
    )
    assert config == {
        "strategy": "CANARY",
        "bakeTimeInMinutes": 7,
        "canaryConfiguration": {"canaryPercent": 10, "canaryBakeTimeInMinutes": 5},
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "alarms": {"alarmNames": ["a", "b"], "enable": True, "rollback": True},
    }
