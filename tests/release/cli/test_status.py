"""`status` end to end against moto_server: deployment, production listener split, ECS tasks."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from release.codedeploy.deployments import start_deployment
from specs.appspec import appspec_content

from .support import (
    APPLICATION,
    BLUE,
    CLUSTER,
    GREEN,
    GROUP,
    SERVICE,
    ClientFactory,
    Stack,
    names_flags,
    run_cli,
)


def _deploy(client: Callable[[str], Any], task_definition: str) -> str:
    appspec = appspec_content(task_definition_arn=task_definition, container_name="app", container_port=8080)
    return start_deployment(client("codedeploy"), APPLICATION, GROUP, appspec, "test deployment")


def test_status_without_any_deployment_says_so_and_exits_2(stack: Stack, clients: ClientFactory) -> None:
    result = run_cli(["status", *names_flags()], clients)

    assert result.code == 2
    assert result.err_lines == [
        f"error: no deployment found for deployment group {GROUP} of application {APPLICATION}"
    ]
    assert "deployment: none yet" in result.out
    assert f"production traffic: {BLUE} 100%" in result.out


def test_status_shows_the_created_deployment_traffic_and_tasks(
    stack: Stack, clients: ClientFactory, client: Callable[[str], Any]
) -> None:
    deployment_id = _deploy(client, stack.task_definitions[1])

    result = run_cli(["status", *names_flags()], clients)

    assert result.code == 0, result.err
    assert result.err == ""
    lines = result.out.splitlines()
    assert f"current deployment {deployment_id}: Created" in lines
    assert any(line.startswith("  created: ") for line in lines)
    assert "  task definition: my-app-dev-task:2" in lines
    assert "  lifecycle events: none reported" in lines
    assert f"production traffic: {BLUE} 100%" in lines
    assert f"ECS service {SERVICE} in cluster {CLUSTER}: 2 running, 2 desired, 0 pending" in lines
    assert "  live task definition: my-app-dev-task:3 (revision 3)" in lines
    assert any(line.startswith("  task set ") and "PRIMARY: my-app-dev-task:3" in line for line in lines)


def test_status_json_is_one_object_with_the_same_facts(
    stack: Stack, clients: ClientFactory, client: Callable[[str], Any]
) -> None:
    deployment_id = _deploy(client, stack.task_definitions[1])

    result = run_cli(["status", "--json", *names_flags()], clients)

    assert result.code == 0, result.err
    state = json.loads(result.out)
    assert state["application"] == APPLICATION
    assert state["deploymentGroup"] == GROUP
    assert state["deploymentActive"] is True
    assert state["deployment"]["id"] == deployment_id
    assert state["deployment"]["status"] == "Created"
    assert state["deployment"]["createTime"]
    assert state["deployment"]["taskDefinition"] == stack.task_definitions[1]
    assert state["productionTraffic"] == [
        {
            "listenerArn": stack.prod_listener,
            "targetGroups": [{"name": BLUE, "arn": stack.blue_arn, "percent": 100.0}],
        }
    ]
    ecs = state["ecs"]
    assert (ecs["runningCount"], ecs["desiredCount"]) == (2, 2)
    assert ecs["liveTaskDefinition"] == stack.task_definitions[2]
    assert ecs["liveRevision"] == 3
    assert [task_set["status"] for task_set in ecs["taskSets"]] == ["PRIMARY"]


def test_status_json_without_deployment_still_parses(stack: Stack, clients: ClientFactory) -> None:
    result = run_cli(["status", "--json", *names_flags()], clients)

    assert result.code == 2
    assert json.loads(result.out)["deployment"] is None
    assert len(result.err_lines) == 1


def test_status_reads_weighted_split_from_the_listener(
    stack: Stack, clients: ClientFactory, client: Callable[[str], Any]
) -> None:
    _deploy(client, stack.task_definitions[1])
    client("elbv2").modify_listener(
        ListenerArn=stack.prod_listener,
        DefaultActions=[
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [
                        {"TargetGroupArn": stack.blue_arn, "Weight": 90},
                        {"TargetGroupArn": stack.green_arn, "Weight": 10},
                    ]
                },
            }
        ],
    )

    result = run_cli(["status", *names_flags()], clients)

    assert result.code == 0, result.err
    assert f"production traffic: {BLUE} 90% / {GREEN} 10%" in result.out.splitlines()


def test_status_takes_cluster_and_service_from_the_deployment_group(
    stack: Stack, clients: ClientFactory, client: Callable[[str], Any]
) -> None:
    _deploy(client, stack.task_definitions[1])

    result = run_cli(["status", *names_flags(cluster="", service="")], clients)

    assert result.code == 0, result.err
    assert f"ECS service {SERVICE} in cluster {CLUSTER}: 2 running, 2 desired, 0 pending" in result.out


def test_status_unknown_cluster_is_one_line(stack: Stack, clients: ClientFactory) -> None:
    result = run_cli(["status", *names_flags(cluster="nope")], clients)

    assert result.code == 2
    assert result.err_lines == ["error: ECS cluster nope not found in us-east-1 (ClusterNotFoundException)"]


def test_status_unknown_service_is_one_line(stack: Stack, clients: ClientFactory) -> None:
    result = run_cli(["status", *names_flags(service="nope")], clients)

    assert result.code == 2
    assert result.err_lines == [f"error: ECS service nope not found in cluster {CLUSTER} (us-east-1)"]
