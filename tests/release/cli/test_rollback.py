"""`rollback` against moto_server: picks the revision before the live one and starts a
CodeDeploy deployment of it (--no-wait); refuses when there is nothing to roll back to."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from release.codedeploy.deployments import appspec_of, start_deployment
from specs.appspec import appspec_content

from .support import (
    APPLICATION,
    FAMILY,
    GROUP,
    STACK_APPSPEC_FLAGS,
    ClientFactory,
    Stack,
    create_service,
    names_flags,
    register_revisions,
    run_cli,
)


def _deployed_appspec(client: Callable[[str], Any], deployment_id: str) -> dict[str, Any]:
    info = client("codedeploy").get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    text = appspec_of(info)
    assert text is not None
    return dict(json.loads(text))


def _deployments(client: Callable[[str], Any]) -> list[str]:
    return list(
        client("codedeploy").list_deployments(applicationName=APPLICATION, deploymentGroupName=GROUP)[
            "deployments"
        ]
    )


def test_rollback_no_wait_deploys_the_previous_revision(
    stack: Stack, clients: ClientFactory, client: Callable[[str], Any]
) -> None:
    result = run_cli(["rollback", "--no-wait", *STACK_APPSPEC_FLAGS, *names_flags()], clients)

    assert result.code == 0, result.err
    assert result.err == ""
    lines = result.out.splitlines()
    assert lines[0] == f"rolling back {FAMILY}:3 -> {FAMILY}:2"
    deployment_id = lines[-1]
    assert _deployments(client) == [deployment_id]
    appspec = _deployed_appspec(client, deployment_id)
    properties = appspec["Resources"][0]["TargetService"]["Properties"]
    assert properties["TaskDefinition"] == stack.task_definitions[1]
    assert properties["LoadBalancerInfo"] == {"ContainerName": "app", "ContainerPort": 8080}
    assert "Hooks" not in appspec

    status = run_cli(["status", *names_flags()], clients)
    assert f"current deployment {deployment_id}: Created" in status.out


def test_rollback_to_revision_with_hooks_and_container(
    stack: Stack, clients: ClientFactory, client: Callable[[str], Any]
) -> None:
    hook = "arn:aws:lambda:us-east-1:123456789012:function:smoke-test"
    result = run_cli(
        [
            "rollback",
            "--no-wait",
            "--to-revision",
            "1",
            "--hook",
            f"AfterAllowTestTraffic={hook}",
            "--container-name",
            "web",
            "--container-port",
            "9090",
            "--platform-version",
            "1.4.0",
            *names_flags(),
        ],
        clients,
    )

    assert result.code == 0, result.err
    appspec = _deployed_appspec(client, result.out.splitlines()[-1])
    properties = appspec["Resources"][0]["TargetService"]["Properties"]
    assert properties["TaskDefinition"] == stack.task_definitions[0]
    assert properties["LoadBalancerInfo"] == {"ContainerName": "web", "ContainerPort": 9090}
    assert properties["PlatformVersion"] == "1.4.0"
    assert appspec["Hooks"] == [{"AfterAllowTestTraffic": hook}]


def test_rollback_to_arn(stack: Stack, clients: ClientFactory, client: Callable[[str], Any]) -> None:
    result = run_cli(
        ["rollback", "--no-wait", "--to", stack.task_definitions[0], *STACK_APPSPEC_FLAGS, *names_flags()],
        clients,
    )

    assert result.code == 0, result.err
    appspec = _deployed_appspec(client, result.out.splitlines()[-1])
    assert (
        appspec["Resources"][0]["TargetService"]["Properties"]["TaskDefinition"] == stack.task_definitions[0]
    )


def test_rollback_skips_deregistered_revisions(
    stack: Stack, clients: ClientFactory, client: Callable[[str], Any]
) -> None:
    client("ecs").deregister_task_definition(taskDefinition=stack.task_definitions[1])

    result = run_cli(["rollback", "--no-wait", *STACK_APPSPEC_FLAGS, *names_flags()], clients)

    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == f"rolling back {FAMILY}:3 -> {FAMILY}:1"


def test_rollback_with_only_one_revision_refuses(
    stack: Stack, clients: ClientFactory, client: Callable[[str], Any]
) -> None:
    ecs = client("ecs")
    [solo] = register_revisions(ecs, "solo-task", 1)
    create_service(ecs, stack.subnets, stack.security_group, stack.blue_arn, "solo-svc", solo)

    result = run_cli(
        ["rollback", "--no-wait", *STACK_APPSPEC_FLAGS, *names_flags(service="solo-svc")], clients
    )

    assert result.code == 2
    assert result.err_lines == [
        "error: no ACTIVE revision of solo-task earlier than the live solo-task:1: nothing to roll back to"
    ]
    assert _deployments(client) == []


def test_rollback_to_unknown_revision_refuses(stack: Stack, clients: ClientFactory) -> None:
    result = run_cli(["rollback", "--no-wait", "--to-revision", "7", *names_flags()], clients)

    assert result.code == 2
    assert result.err_lines == [f"error: {FAMILY}:7 is not an ACTIVE revision (ACTIVE: 1, 2, 3)"]


def test_rollback_to_the_live_revision_refuses(stack: Stack, clients: ClientFactory) -> None:
    result = run_cli(["rollback", "--no-wait", "--to-revision", "3", *names_flags()], clients)

    assert result.code == 2
    assert result.err_lines == [f"error: {FAMILY}:3 is already the live revision"]


def test_rollback_refuses_while_another_deployment_runs(
    stack: Stack, clients: ClientFactory, client: Callable[[str], Any]
) -> None:
    appspec = appspec_content(
        task_definition_arn=stack.task_definitions[2], container_name="app", container_port=8080
    )
    running = start_deployment(client("codedeploy"), APPLICATION, GROUP, appspec, "other")

    result = run_cli(["rollback", "--no-wait", *STACK_APPSPEC_FLAGS, *names_flags()], clients)

    assert result.code == 2
    assert len(result.err_lines) == 1
    assert result.err.startswith(f"error: deployment {running} is in progress for {GROUP}")
    assert _deployments(client) == [running]


def test_rollback_bad_hook_is_one_line(stack: Stack, clients: ClientFactory) -> None:
    result = run_cli(["rollback", "--no-wait", "--hook", "Nope=arn:x", *names_flags()], clients)

    assert result.code == 2
    assert len(result.err_lines) == 1
    assert result.err.startswith("error: --hook Nope: not an ECS hook")


def test_rollback_no_wait_again_reports_the_running_one(stack: Stack, clients: ClientFactory) -> None:
    first = run_cli(["rollback", "--no-wait", *STACK_APPSPEC_FLAGS, *names_flags()], clients)
    again = run_cli(["rollback", "--no-wait", *STACK_APPSPEC_FLAGS, *names_flags()], clients)

    assert (first.code, again.code) == (0, 0), again.err
    deployment_id = first.out.splitlines()[-1]
    assert again.out.splitlines()[-2:] == [
        f"deployment {deployment_id} of this AppSpec is already in progress",
        deployment_id,
    ]
