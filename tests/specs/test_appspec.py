"""The ECS AppSpec CodeDeploy receives, and reading the revision back out of one."""

from __future__ import annotations

import json

import pytest

from specs.appspec import ECS_HOOKS, appspec_content, ecs_appspec, task_definition_of

ARN = "arn:aws:ecs:us-east-1:123456789012:task-definition/my-app-prod-task:7"
HOOK = "arn:aws:lambda:us-east-1:123456789012:function:my-app-prod-smoke-test"


def test_target_service_names_the_revision_container_and_port() -> None:
    assert ecs_appspec(task_definition_arn=ARN, container_name="app", container_port=8080) == {
        "version": 0.0,
        "Resources": [
            {
                "TargetService": {
                    "Type": "AWS::ECS::Service",
                    "Properties": {
                        "TaskDefinition": ARN,
                        "LoadBalancerInfo": {"ContainerName": "app", "ContainerPort": 8080},
                        "PlatformVersion": "LATEST",
                    },
                }
            }
        ],
    }


def test_hooks_follow_the_ecs_order_whatever_order_they_are_given_in() -> None:
    hooks = {name: f"{HOOK}-{name}" for name in reversed(ECS_HOOKS)}
    document = ecs_appspec(task_definition_arn=ARN, container_name="app", container_port=80, hooks=hooks)
    assert [next(iter(h)) for h in document["Hooks"]] == list(ECS_HOOKS)
    assert document["Hooks"][2] == {"AfterAllowTestTraffic": f"{HOOK}-AfterAllowTestTraffic"}


def test_no_hooks_means_no_hooks_section() -> None:
    assert "Hooks" not in ecs_appspec(
        task_definition_arn=ARN, container_name="app", container_port=80, hooks={}
    )


def test_unknown_hook_is_rejected_with_the_allowed_names() -> None:
    with pytest.raises(ValueError, match="AfterDeploy not ECS hooks; allowed: BeforeInstall, AfterInstall"):
        ecs_appspec(
            task_definition_arn=ARN, container_name="app", container_port=80, hooks={"AfterDeploy": HOOK}
        )


def test_content_is_json_and_round_trips_the_revision() -> None:
    content = appspec_content(task_definition_arn=ARN, container_name="web", container_port=3000)
    assert json.loads(content)["Resources"][0]["TargetService"]["Properties"]["LoadBalancerInfo"] == {
        "ContainerName": "web",
        "ContainerPort": 3000,
    }
    assert task_definition_of(content) == ARN


@pytest.mark.parametrize("content", ["", "not json", "{}", '{"Resources": []}', "[1]"])
def test_task_definition_of_something_else_is_none(content: str) -> None:
    assert task_definition_of(content) is None
