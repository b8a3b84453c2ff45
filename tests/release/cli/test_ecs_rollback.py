"""`rollback` under the ecs engine: UpdateService to the previous revision on moto_server (which
then runs it), the service deployment that starts found and followed through a Stubber, and the
same revision-picking rules and refusals as under CodeDeploy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from botocore.stub import Stubber

from .ecs_support import (
    T0,
    EcsStack,
    brief,
    deployment,
    deployment_arn,
    expect_describe,
    expect_list,
    expect_revisions,
)
from .support import CLUSTER, FAMILY, REGION, SERVICE, ClientFactory, FakeClock, Stack, run_cli

ECS_FLAGS = ["--engine", "ecs", "--region", REGION, "--cluster", CLUSTER, "--service", SERVICE]
LATER = T0 + dt.timedelta(minutes=10)
RB = deployment_arn("rb")


def _live(client: Callable[[str], Any], service: str = SERVICE) -> str:
    return str(
        client("ecs").describe_services(cluster=CLUSTER, services=[service])["services"][0]["taskDefinition"]
    )


def _started(stubber: Stubber, task_definition: str, *, after: dt.datetime | None = T0) -> None:
    """ListServiceDeployments (created after the newest earlier one) finds the rollback's deployment."""
    expect_list(stubber, [brief("rb", 4, "PENDING", LATER)], created_after=after)
    expect_revisions(stubber, {4: task_definition})


def test_rollback_no_wait_updates_the_service_to_the_previous_revision(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber, client: Callable[[str], Any]
) -> None:
    expect_list(ecs_api, [brief("old", 3, "SUCCESSFUL", T0)])
    _started(ecs_api, ecs_stack.task_definitions[1])

    result = run_cli(["rollback", "--no-wait", *ECS_FLAGS], ecs_clients)

    assert result.code == 0, result.err
    assert result.err == ""
    assert result.out.splitlines() == [
        f"rolling back {FAMILY}:3 -> {FAMILY}:2",
        f"started service deployment {RB} of {ecs_stack.task_definitions[1]}",
        RB,
    ]
    assert _live(client) == ecs_stack.task_definitions[1]


def test_rollback_waits_for_its_service_deployment_to_succeed(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber, client: Callable[[str], Any]
) -> None:
    expect_list(ecs_api, [brief("old", 3, "SUCCESSFUL", T0)])
    _started(ecs_api, ecs_stack.task_definitions[1])
    expect_describe(ecs_api, deployment("rb", "IN_PROGRESS", target=4, source=3, traffic=(100.0, 0.0)))
    expect_describe(ecs_api, deployment("rb", "SUCCESSFUL", target=4, source=3, traffic=(0.0, 100.0)))
    clock = FakeClock()

    result = run_cli(
        ["rollback", "--poll-seconds", "3", *ECS_FLAGS], ecs_clients, sleep=clock.sleep, clock=clock
    )

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[:2] == [
        f"rolling back {FAMILY}:3 -> {FAMILY}:2",
        f"started service deployment {RB} of {ecs_stack.task_definitions[1]}",
    ]
    assert "rb: [##########] green 100%" in lines
    assert lines[-1] == f"deployment {RB} succeeded"
    assert clock.sleeps == [3.0]


def test_rollback_that_ecs_rolls_back_exits_1(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber
) -> None:
    expect_list(ecs_api, [])
    _started(ecs_api, ecs_stack.task_definitions[1], after=None)
    expect_describe(
        ecs_api,
        deployment(
            "rb",
            "ROLLBACK_SUCCESSFUL",
            target=4,
            source=3,
            reason="circuit breaker",
            breaker={"status": "TRIGGERED", "failureCount": 2, "threshold": 2},
        ),
    )

    result = run_cli(["rollback", *ECS_FLAGS], ecs_clients, sleep=FakeClock().sleep)

    assert result.code == 1
    assert result.err_lines == [
        f"deployment {RB} failed; ECS status ROLLBACK_SUCCESSFUL: circuit breaker; rolled back; "
        "deployment circuit breaker triggered (2 failed tasks of a threshold of 2)"
    ]


@pytest.mark.parametrize("flags", [["--to-revision", "1"], ["--to", "ARN"]])
def test_rollback_to_a_chosen_revision(
    ecs_stack: EcsStack,
    ecs_clients: ClientFactory,
    ecs_api: Stubber,
    client: Callable[[str], Any],
    flags: list[str],
) -> None:
    target = ecs_stack.task_definitions[0]
    flags = [target if flag == "ARN" else flag for flag in flags]
    expect_list(ecs_api, [brief("old", 3, "SUCCESSFUL", T0)])
    _started(ecs_api, target)

    result = run_cli(["rollback", "--no-wait", *flags, *ECS_FLAGS], ecs_clients)

    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == f"rolling back {FAMILY}:3 -> {FAMILY}:1"
    assert _live(client) == target


def test_rollback_skips_deregistered_revisions(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber, client: Callable[[str], Any]
) -> None:
    client("ecs").deregister_task_definition(taskDefinition=ecs_stack.task_definitions[1])
    expect_list(ecs_api, [brief("old", 3, "SUCCESSFUL", T0)])
    _started(ecs_api, ecs_stack.task_definitions[0])

    result = run_cli(["rollback", "--no-wait", *ECS_FLAGS], ecs_clients)

    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == f"rolling back {FAMILY}:3 -> {FAMILY}:1"


def test_rollback_with_nothing_earlier_refuses(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber, client: Callable[[str], Any]
) -> None:
    for arn in ecs_stack.task_definitions[:2]:
        client("ecs").deregister_task_definition(taskDefinition=arn)
    expect_list(ecs_api, [brief("old", 3, "SUCCESSFUL", T0)])

    result = run_cli(["rollback", "--no-wait", *ECS_FLAGS], ecs_clients)

    assert result.code == 2
    assert result.err_lines == [
        f"error: no ACTIVE revision of {FAMILY} earlier than the live {FAMILY}:3: nothing to roll back to"
    ]
    assert _live(client) == ecs_stack.task_definitions[2]


@pytest.mark.parametrize(
    ("revision", "expected"),
    [
        ("7", f"error: {FAMILY}:7 is not an ACTIVE revision (ACTIVE: 1, 2, 3)"),
        ("3", f"error: {FAMILY}:3 is already the live revision"),
    ],
)
def test_rollback_to_an_impossible_revision_refuses(
    ecs_stack: EcsStack,
    ecs_clients: ClientFactory,
    ecs_api: Stubber,
    client: Callable[[str], Any],
    revision: str,
    expected: str,
) -> None:
    expect_list(ecs_api, [brief("old", 3, "SUCCESSFUL", T0)])

    result = run_cli(["rollback", "--no-wait", "--to-revision", revision, *ECS_FLAGS], ecs_clients)

    assert result.code == 2
    assert result.err_lines == [expected]
    assert _live(client) == ecs_stack.task_definitions[2]


def test_rollback_no_wait_refuses_while_another_deployment_runs(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber, client: Callable[[str], Any]
) -> None:
    other = deployment_arn("other")
    expect_list(ecs_api, [brief("other", 3, "IN_PROGRESS", T0)])
    expect_describe(ecs_api, deployment("other", "IN_PROGRESS", target=3, source=2))
    expect_revisions(ecs_api, {3: ecs_stack.task_definitions[2], 2: ecs_stack.task_definitions[1]})

    result = run_cli(["rollback", "--no-wait", *ECS_FLAGS], ecs_clients)

    assert result.code == 2
    # While 2 -> 3 runs, 2 is what serves: the revision before it is 1.
    assert result.out.splitlines() == [f"rolling back {FAMILY}:2 -> {FAMILY}:1"]
    assert result.err_lines == [
        f"error: service deployment {other} is in progress for {SERVICE}; wait for it "
        f"(python -m release watch {other}) or stop it (python -m release stop {other})"
    ]
    assert _live(client) == ecs_stack.task_definitions[2]


def test_rollback_again_reports_the_running_rollback(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber, client: Callable[[str], Any]
) -> None:
    # The first rollback already pointed the service at revision 2; its deployment still runs.
    client("ecs").update_service(
        cluster=CLUSTER, service=SERVICE, taskDefinition=ecs_stack.task_definitions[1]
    )
    expect_list(ecs_api, [brief("old", 3, "SUCCESSFUL", T0), brief("rb", 4, "IN_PROGRESS", LATER)])
    expect_describe(ecs_api, deployment("rb", "IN_PROGRESS", target=4, source=3))
    expect_revisions(ecs_api, {4: ecs_stack.task_definitions[1], 3: ecs_stack.task_definitions[2]})

    result = run_cli(["rollback", "--no-wait", *ECS_FLAGS], ecs_clients)

    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        f"rolling back {FAMILY}:3 -> {FAMILY}:2",
        f"service deployment {RB} of {FAMILY}:2 is already in progress",
        RB,
    ]


def test_rollback_waits_for_another_deployment_then_rolls_back(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber, client: Callable[[str], Any]
) -> None:
    other = deployment_arn("other")
    expect_list(ecs_api, [brief("other", 3, "IN_PROGRESS", T0)])
    expect_describe(ecs_api, deployment("other", "IN_PROGRESS", target=3, source=2))
    expect_revisions(ecs_api, {3: ecs_stack.task_definitions[2], 2: ecs_stack.task_definitions[1]})
    expect_describe(ecs_api, deployment("other", "SUCCESSFUL", target=3, source=2))
    expect_list(ecs_api, [brief("other", 3, "SUCCESSFUL", T0)])
    _started(ecs_api, ecs_stack.task_definitions[0])
    expect_describe(ecs_api, deployment("rb", "SUCCESSFUL", target=4, source=3))

    result = run_cli(["rollback", *ECS_FLAGS], ecs_clients, sleep=FakeClock().sleep)

    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        f"rolling back {FAMILY}:2 -> {FAMILY}:1",
        f"service deployment {other} of another revision is in progress for {SERVICE}; "
        "waiting for it to end before rolling back",
        "other: status SUCCESSFUL (BLUE_GREEN)",
        f"service deployment {other} ended: Succeeded",
        f"started service deployment {RB} of {ecs_stack.task_definitions[0]}",
        "rb: status SUCCESSFUL (BLUE_GREEN)",
        f"deployment {RB} succeeded",
    ]
    assert _live(client) == ecs_stack.task_definitions[0]


def test_rollback_when_no_service_deployment_appears(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber, client: Callable[[str], Any]
) -> None:
    expect_list(ecs_api, [])
    for _ in range(25):  # every 5 s for 120 s
        expect_list(ecs_api, [])
    clock = FakeClock()

    result = run_cli(["rollback", *ECS_FLAGS], ecs_clients, sleep=clock.sleep, clock=clock)

    assert result.code == 2
    assert result.err_lines == [
        f"error: updated ECS service {SERVICE} to {FAMILY}:2, but no service deployment of it appeared "
        f"within 120 s: aws ecs list-service-deployments --cluster {CLUSTER} --service {SERVICE}"
    ]
    assert clock.sleeps == [5.0] * 24


def test_rollback_refuses_codedeploy_settings(ecs_stack: EcsStack, ecs_clients: ClientFactory) -> None:
    result = run_cli(
        [
            "rollback",
            "--no-wait",
            "--hook",
            "AfterAllowTestTraffic=arn:x",
            "--container-port",
            "9090",
            *ECS_FLAGS,
        ],
        ecs_clients,
    )

    assert result.code == 2
    assert result.err_lines == [
        "error: --hook, --container-port: CodeDeploy AppSpec settings, not used by the ecs engine "
        "(its hooks and load balancer come from the service's own configuration)"
    ]


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (
            ["--cluster", "nope", "--service", SERVICE],
            f"ECS cluster nope not found in {REGION} (ClusterNotFoundException)",
        ),
        (
            ["--cluster", CLUSTER, "--service", "nope"],
            f"ECS service nope not found in cluster {CLUSTER} ({REGION})",
        ),
    ],
)
def test_rollback_unknown_cluster_or_service_is_one_line(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, names: list[str], expected: str
) -> None:
    result = run_cli(["rollback", "--no-wait", "--engine", "ecs", "--region", REGION, *names], ecs_clients)

    assert result.code == 2
    assert result.err_lines == [f"error: {expected}"]


def test_rollback_of_a_codedeploy_service_under_ecs_refuses(stack: Stack, clients: ClientFactory) -> None:
    result = run_cli(["rollback", "--no-wait", *ECS_FLAGS], clients)

    assert result.code == 2
    assert result.err_lines == [
        f"error: ECS service {SERVICE} uses the CODE_DEPLOY deployment controller: CodeDeploy deploys it; "
        "give --engine codedeploy"
    ]
