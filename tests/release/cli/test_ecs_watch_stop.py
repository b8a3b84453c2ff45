"""`watch` and `stop` under the ecs engine: following a service deployment with the green bar,
StopServiceDeployment with rollback, and their one-line refusals (the service-deployment APIs
through a Stubber, the service on moto_server, time on a fake clock)."""

from __future__ import annotations

import datetime as dt

import pytest
from botocore.stub import Stubber

from .ecs_support import (
    T0,
    EcsStack,
    brief,
    deployment,
    deployment_arn,
    expect_describe,
    expect_describe_missing,
    expect_list,
    expect_stop,
    revision_arn,
)
from .support import CLUSTER, REGION, SERVICE, ClientFactory, FakeClock, run_cli

ECS_FLAGS = ["--engine", "ecs", "--region", REGION, "--cluster", CLUSTER, "--service", SERVICE]
NEW = deployment_arn("new")
LATER = T0 + dt.timedelta(minutes=10)


@pytest.fixture
def no_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)


# ------------------------------------------------------------------------------ watch


def _succeeding(stubber: Stubber) -> None:
    """Pre-check read, then three polls: scale up, half the traffic, done."""
    expect_describe(stubber, deployment("new", "IN_PROGRESS", stage="SCALE_UP", traffic=(100.0, 0.0)))
    expect_describe(stubber, deployment("new", "IN_PROGRESS", stage="SCALE_UP", traffic=(100.0, 0.0)))
    expect_describe(
        stubber, deployment("new", "IN_PROGRESS", stage="PRODUCTION_TRAFFIC_SHIFT", traffic=(50.0, 50.0))
    )
    expect_describe(stubber, deployment("new", "SUCCESSFUL", stage="CLEAN_UP", traffic=(0.0, 100.0)))


def test_watch_follows_the_given_arn_to_successful_with_a_green_bar(
    ecs_clients: ClientFactory, ecs_api: Stubber
) -> None:
    _succeeding(ecs_api)
    clock = FakeClock()

    result = run_cli(
        ["watch", NEW, *ECS_FLAGS, "--poll-seconds", "5"], ecs_clients, sleep=clock.sleep, clock=clock
    )

    assert result.code == 0, result.err
    assert result.err == ""
    assert result.out.splitlines() == [
        "new: status IN_PROGRESS (BLUE_GREEN)",
        "new: stage SCALE_UP",
        "new: traffic Blue 100% / Green 0%",
        "new: [----------] green 0%",
        "new: stage PRODUCTION_TRAFFIC_SHIFT",
        "new: traffic Blue 50% / Green 50%",
        "new: [#####-----] green 50%",
        "new: status SUCCESSFUL",
        "new: stage CLEAN_UP",
        "new: traffic Blue 0% / Green 100%",
        "new: [##########] green 100%",
        f"deployment {NEW} succeeded",
    ]
    assert clock.sleeps == [5.0, 5.0]


def test_watch_an_arn_alone_selects_ecs_and_its_region(
    ecs_clients: ClientFactory, ecs_api: Stubber, no_region: None
) -> None:
    expect_describe(ecs_api, deployment("new", "SUCCESSFUL"))
    expect_describe(ecs_api, deployment("new", "SUCCESSFUL"))

    result = run_cli(["watch", NEW], ecs_clients, sleep=FakeClock().sleep)

    assert result.code == 0, result.err
    assert result.out.splitlines()[-1] == f"deployment {NEW} succeeded"


def test_watch_without_arn_follows_the_in_progress_one(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber
) -> None:
    expect_list(ecs_api, [brief("old", 2, "SUCCESSFUL", T0), brief("new", 3, "IN_PROGRESS", LATER)])
    expect_describe(ecs_api, deployment("new", "IN_PROGRESS", target=3, source=2))
    expect_describe(ecs_api, deployment("new", "SUCCESSFUL", target=3, source=2))

    result = run_cli(["watch", *ECS_FLAGS], ecs_clients, sleep=FakeClock().sleep)

    assert result.code == 0, result.err
    assert result.out.splitlines() == ["new: status SUCCESSFUL (BLUE_GREEN)", f"deployment {NEW} succeeded"]


def test_watch_by_the_deployments_id(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber
) -> None:
    old = deployment_arn("old")
    expect_list(ecs_api, [brief("old", 2, "SUCCESSFUL", T0), brief("new", 3, "IN_PROGRESS", LATER)])
    expect_describe(ecs_api, deployment("old", "SUCCESSFUL"))
    expect_describe(ecs_api, deployment("old", "SUCCESSFUL"))

    result = run_cli(["watch", "old", *ECS_FLAGS], ecs_clients, sleep=FakeClock().sleep)

    assert result.code == 0, result.err
    assert result.out.splitlines()[-1] == f"deployment {old} succeeded"


def test_watch_exits_1_when_ecs_rolls_back(ecs_clients: ClientFactory, ecs_api: Stubber) -> None:
    expect_describe(ecs_api, deployment("new", "IN_PROGRESS", stage="BAKE_TIME", traffic=(0.0, 100.0)))
    expect_describe(ecs_api, deployment("new", "IN_PROGRESS", stage="BAKE_TIME", traffic=(0.0, 100.0)))
    expect_describe(
        ecs_api,
        deployment(
            "new",
            "ROLLBACK_SUCCESSFUL",
            reason="alarm triggered",
            traffic=(100.0, 0.0),
            rollback={"reason": "alarm triggered", "serviceRevisionArn": revision_arn(1)},
            alarms={"status": "TRIGGERED", "alarmNames": ["5xx"], "triggeredAlarmNames": ["5xx"]},
        ),
    )
    clock = FakeClock()

    result = run_cli(["watch", NEW, *ECS_FLAGS], ecs_clients, sleep=clock.sleep, clock=clock)

    assert result.code == 1
    assert "new: alarm 5xx triggered" in result.out.splitlines()
    assert "new: [----------] green 0%" in result.out.splitlines()
    assert result.err_lines[:1] == [
        f"deployment {NEW} failed; ECS status ROLLBACK_SUCCESSFUL: alarm triggered; "
        f"rolled back to service revision {revision_arn(1)}; it failed during stage BAKE_TIME; "
        "alarm in ALARM: 5xx"
    ]
    assert result.err_lines[1].startswith("diagnosis: ")  # release/diagnosis, after the outcome
    assert clock.sleeps == [10.0]


def test_watch_times_out_with_exit_1(ecs_clients: ClientFactory, ecs_api: Stubber) -> None:
    for _ in range(5):  # the pre-check, then reads at 0, 20, 40 and 60 s
        expect_describe(ecs_api, deployment("new", "IN_PROGRESS", stage="BAKE_TIME"))
    clock = FakeClock()

    result = run_cli(
        ["watch", NEW, *ECS_FLAGS, "--timeout-minutes", "1", "--poll-seconds", "20"],
        ecs_clients,
        sleep=clock.sleep,
        clock=clock,
    )

    assert result.code == 1
    assert result.err_lines[:1] == [
        f"deployment {NEW} timed out; lifecycle event BAKE_TIME still in progress; still IN_PROGRESS "
        "in stage BAKE_TIME after 60 s; left running; to stop it with rollback: aws ecs "
        f"stop-service-deployment --service-deployment-arn {NEW} --stop-type ROLLBACK"
    ]
    assert result.err_lines[1].startswith("diagnosis: ")  # release/diagnosis, after the outcome
    assert clock.sleeps == [20.0, 20.0, 20.0]


def test_watch_unknown_arn_is_one_line(ecs_clients: ClientFactory, ecs_api: Stubber) -> None:
    expect_describe_missing(ecs_api, NEW)

    result = run_cli(["watch", NEW, *ECS_FLAGS], ecs_clients, sleep=FakeClock().sleep)

    assert result.code == 2
    assert result.err_lines == [f"error: service deployment {NEW} does not exist in {REGION} (MISSING)"]


def test_watch_malformed_arn_is_one_line_without_retries(
    ecs_clients: ClientFactory, ecs_api: Stubber
) -> None:
    ecs_api.add_client_error(
        "describe_service_deployments",
        service_error_code="InvalidParameterException",
        service_message="Invalid service deployment ARN.",
        http_status_code=400,
    )
    clock = FakeClock()

    result = run_cli(["watch", "arn:aws:ecs:oops", *ECS_FLAGS], ecs_clients, sleep=clock.sleep, clock=clock)

    assert result.code == 2
    assert result.err_lines == [
        "error: DescribeServiceDeployments failed: InvalidParameterException: Invalid service deployment ARN."
    ]
    assert clock.sleeps == []


def test_watch_unknown_id_is_one_line(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber
) -> None:
    expect_list(ecs_api, [brief("old", 2, "SUCCESSFUL", T0)])

    result = run_cli(["watch", "nope", *ECS_FLAGS], ecs_clients)

    assert result.code == 2
    assert result.err_lines == [
        f"error: ECS service {SERVICE} in cluster {CLUSTER} has no service deployment nope"
    ]


def test_watch_without_any_in_progress_deployment(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber
) -> None:
    expect_list(ecs_api, [brief("old", 2, "SUCCESSFUL", T0), brief("gone", 3, "ROLLBACK_FAILED", LATER)])

    result = run_cli(["watch", *ECS_FLAGS], ecs_clients)

    assert result.code == 2
    assert result.err_lines == [
        f"error: no service deployment is in progress for ECS service {SERVICE} in cluster {CLUSTER}; "
        "give a service deployment ARN"
    ]


# ------------------------------------------------------------------------------ stop


def test_stop_the_in_progress_deployment_with_rollback(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber
) -> None:
    expect_list(ecs_api, [brief("new", 3, "IN_PROGRESS", LATER), brief("old", 2, "SUCCESSFUL", T0)])
    expect_describe(ecs_api, deployment("new", "IN_PROGRESS", target=3, source=2))
    expect_stop(ecs_api, NEW)

    result = run_cli(["stop", *ECS_FLAGS], ecs_clients)

    assert result.code == 0, result.err
    assert result.out == f"service deployment {NEW}: stop requested with rollback (it was IN_PROGRESS)\n"


def test_stop_the_given_arn(ecs_clients: ClientFactory, ecs_api: Stubber, no_region: None) -> None:
    expect_describe(ecs_api, deployment("new", "PENDING"))
    expect_stop(ecs_api, NEW)

    result = run_cli(["stop", NEW], ecs_clients)

    assert result.code == 0, result.err
    assert result.out == f"service deployment {NEW}: stop requested with rollback (it was PENDING)\n"


@pytest.mark.parametrize("status", ["SUCCESSFUL", "ROLLBACK_IN_PROGRESS", "STOP_REQUESTED"])
def test_stop_refuses_a_deployment_that_is_not_rolling_forward(
    ecs_clients: ClientFactory, ecs_api: Stubber, status: str
) -> None:
    expect_describe(ecs_api, deployment("new", status))

    result = run_cli(["stop", NEW, *ECS_FLAGS], ecs_clients)

    assert result.code == 2
    assert result.err_lines == [
        f"error: service deployment {NEW} is {status}: only a PENDING or IN_PROGRESS one can be stopped"
    ]


def test_stop_unknown_arn_is_one_line(ecs_clients: ClientFactory, ecs_api: Stubber) -> None:
    expect_describe_missing(ecs_api, NEW)

    result = run_cli(["stop", NEW, *ECS_FLAGS], ecs_clients)

    assert result.code == 2
    assert result.err_lines == [f"error: service deployment {NEW} does not exist in {REGION} (MISSING)"]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "ServiceDeploymentNotFoundException",
            f"service deployment {NEW} does not exist in {REGION} (ServiceDeploymentNotFoundException)",
        ),
        (
            "ConflictException",
            "StopServiceDeployment failed: ConflictException: the deployment is already stopping",
        ),
    ],
)
def test_stop_refusals_from_ecs_are_one_line(
    ecs_clients: ClientFactory, ecs_api: Stubber, code: str, expected: str
) -> None:
    expect_describe(ecs_api, deployment("new", "IN_PROGRESS"))
    ecs_api.add_client_error(
        "stop_service_deployment",
        service_error_code=code,
        service_message="the deployment is already stopping",
        http_status_code=400,
        expected_params={"serviceDeploymentArn": NEW, "stopType": "ROLLBACK"},
    )

    result = run_cli(["stop", NEW, *ECS_FLAGS], ecs_clients)

    assert result.code == 2
    assert result.err_lines == [f"error: {expected}"]


def test_stop_without_an_in_progress_deployment(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber
) -> None:
    expect_list(ecs_api, [])

    result = run_cli(["stop", *ECS_FLAGS], ecs_clients)

    assert result.code == 2
    assert result.err_lines == [
        f"error: no service deployment is in progress for ECS service {SERVICE} in cluster {CLUSTER}; "
        "give a service deployment ARN"
    ]


def test_stop_unknown_service_is_one_line(ecs_stack: EcsStack, ecs_clients: ClientFactory) -> None:
    result = run_cli(["stop", *ECS_FLAGS[:-1], "nope"], ecs_clients)

    assert result.code == 2
    assert result.err_lines == [f"error: ECS service nope not found in cluster {CLUSTER} ({REGION})"]
