"""What moto cannot answer, from a Stubber on a real client: errorInformation, the ECS
target's lifecycle events and traffic split, and StopDeployment on timeout. Virtual time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from release.codedeploy.deployments import active_deployments, live_task_definition
from release.codedeploy.run import ReleaseFailed, ReleaseRequest, release
from release.codedeploy.watch import Snapshot, outcome_of, progress_lines, watch_deployment
from release.core.outcome import LifecycleEvent, Outcome, format_traffic

from .support import (
    T0,
    FakeClock,
    Group,
    Log,
    appspec_for,
    event,
    expect_create,
    expect_no_active,
    expect_poll,
    offline_client,
    task_definition_arn,
)

DEPLOYMENT = "d-ABCDEF123"
GROUP = Group(application="app", name="dg")
POLL = 15.0
SMOKE_FAILURE = "smoke test: GET /health on the test listener returned 503"
CODEDEPLOY_FAILURE = (
    "HOOK_EXECUTION_FAILURE",
    "The deployment failed because a specified hook function failed or timed out.",
)
DONE = ("BeforeInstall", "Install", "AfterInstall", "AllowTestTraffic", "AfterAllowTestTraffic")


@pytest.fixture
def client() -> Any:
    return offline_client()


@pytest.fixture
def stubber(client: Any) -> Iterator[Stubber]:
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def watch(client: Any, clock: FakeClock, log: Log, timeout: float = 3600) -> Outcome:
    return watch_deployment(
        client,
        DEPLOYMENT,
        timeout_seconds=timeout,
        poll_seconds=POLL,
        log=log,
        clock=clock,
        sleep=clock.sleep,
    )


def request(**overrides: Any) -> ReleaseRequest:
    values: dict[str, Any] = {
        "application": GROUP.application,
        "deployment_group": GROUP.name,
        "appspec": appspec_for(2),
        "description": "pulumi up: web:2",
        "timeout_seconds": 30,
        "poll_seconds": POLL,
    }
    values.update(overrides)
    return ReleaseRequest(**values)


def succeeded(*names: str) -> list[dict[str, Any]]:
    return [event(name, "Succeeded") for name in names]


def test_success_reports_status_events_and_traffic_as_they_change(client: Any, stubber: Stubber) -> None:
    expect_poll(stubber, DEPLOYMENT, "Created")
    expect_poll(
        stubber,
        DEPLOYMENT,
        "InProgress",
        events=[*succeeded("BeforeInstall"), event("Install", "InProgress")],
        traffic=(100, 0),
    )
    expect_poll(stubber, DEPLOYMENT, "InProgress", events=succeeded(*DONE), traffic=(100, 0))
    expect_poll(stubber, DEPLOYMENT, "Ready", events=succeeded(*DONE), traffic=(100, 0))
    expect_poll(
        stubber,
        DEPLOYMENT,
        "InProgress",
        events=[
            *succeeded(*DONE),
            event("BeforeAllowTraffic", "Skipped"),
            event("AllowTraffic", "InProgress"),
        ],
        traffic=(90, 10),
    )
    expect_poll(
        stubber,
        DEPLOYMENT,
        "InProgress",
        events=[
            *succeeded(*DONE),
            event("BeforeAllowTraffic", "Skipped"),
            event("AllowTraffic", "InProgress"),
        ],
        traffic=(90, 10),
    )
    finished = [*succeeded(*DONE), event("BeforeAllowTraffic", "Skipped"), *succeeded("AllowTraffic")]
    expect_poll(stubber, DEPLOYMENT, "InProgress", events=finished, traffic=(0, 100))
    expect_poll(
        stubber,
        DEPLOYMENT,
        "Succeeded",
        events=[*finished, *succeeded("AfterAllowTraffic")],
        traffic=(0, 100),
    )
    clock = FakeClock()
    log = Log()

    outcome = watch(client, clock, log)

    assert outcome == Outcome(DEPLOYMENT, "Succeeded")
    assert log == [
        f"{DEPLOYMENT}: {line}"
        for line in (
            "status Created",
            "status InProgress",
            "lifecycle event BeforeInstall Succeeded",
            "traffic Blue 100% / Green 0%",
            "lifecycle event Install Succeeded",
            "lifecycle event AfterInstall Succeeded",
            "lifecycle event AllowTestTraffic Succeeded",
            "lifecycle event AfterAllowTestTraffic Succeeded",
            "status Ready (waiting for `aws deploy continue-deployment`)",
            "status InProgress",
            "lifecycle event BeforeAllowTraffic Skipped",
            "traffic Blue 90% / Green 10%",
            "lifecycle event AllowTraffic Succeeded",
            "traffic Blue 0% / Green 100%",
            "status Succeeded",
            "lifecycle event AfterAllowTraffic Succeeded",
        )
    ]
    assert clock.sleeps == [POLL] * 7


def test_failed_lifecycle_event_and_codedeploy_message_end_up_in_the_outcome(
    client: Any, stubber: Stubber
) -> None:
    events = [*succeeded("BeforeInstall", "Install", "AfterInstall", "AllowTestTraffic")]
    expect_poll(
        stubber,
        DEPLOYMENT,
        "InProgress",
        events=[*events, event("AfterAllowTestTraffic", "InProgress")],
        traffic=(100, 0),
    )
    failed = [*events, event("AfterAllowTestTraffic", "Failed", SMOKE_FAILURE)]
    expect_poll(stubber, DEPLOYMENT, "InProgress", events=failed, traffic=(100, 0))
    expect_poll(stubber, DEPLOYMENT, "Failed", error=CODEDEPLOY_FAILURE, events=failed, traffic=(100, 0))
    log = Log()

    outcome = watch(client, FakeClock(), log)

    assert outcome.status == "Failed"
    assert outcome.failed_event == LifecycleEvent("AfterAllowTestTraffic", "Failed", SMOKE_FAILURE)
    assert outcome.message == ": ".join(CODEDEPLOY_FAILURE)
    assert outcome.describe() == (
        f"deployment {DEPLOYMENT} failed; lifecycle event AfterAllowTestTraffic failed: {SMOKE_FAILURE}; "
        + ": ".join(CODEDEPLOY_FAILURE)
    )
    failed_line = f"{DEPLOYMENT}: lifecycle event AfterAllowTestTraffic Failed: {SMOKE_FAILURE}"
    assert log.count(failed_line) == 1
    assert log[-1] == f"{DEPLOYMENT}: status Failed"
    assert log.count(f"{DEPLOYMENT}: traffic Blue 100% / Green 0%") == 1


def test_release_raises_with_event_and_message_when_the_deployment_fails(
    client: Any, stubber: Stubber
) -> None:
    expect_no_active(stubber, GROUP)
    expect_create(stubber, GROUP, DEPLOYMENT, appspec_for(2))
    expect_poll(
        stubber,
        DEPLOYMENT,
        "Failed",
        error=CODEDEPLOY_FAILURE,
        events=[event("AfterAllowTestTraffic", "Failed", SMOKE_FAILURE)],
    )

    with pytest.raises(ReleaseFailed) as failure:
        release(client, request(), log=Log(), clock=FakeClock(), sleep=FakeClock().sleep)

    message = str(failure.value)
    assert DEPLOYMENT in message
    assert f"lifecycle event AfterAllowTestTraffic failed: {SMOKE_FAILURE}" in message
    assert CODEDEPLOY_FAILURE[1] in message
    assert failure.value.outcome.status == "Failed"


def test_a_stopped_deployment_keeps_the_failed_event_but_success_does_not() -> None:
    failed = (LifecycleEvent("AfterAllowTraffic", "Failed", "alarm"),)
    stopped = outcome_of(DEPLOYMENT, Snapshot("Stopped", "MANUAL_STOP: stopped", failed))
    assert stopped == Outcome(DEPLOYMENT, "Stopped", "MANUAL_STOP: stopped", failed[0])
    assert outcome_of(DEPLOYMENT, Snapshot("Succeeded", "", failed)) == Outcome(DEPLOYMENT, "Succeeded")
    assert outcome_of(DEPLOYMENT, Snapshot("Ready")) is None


def in_progress_polls(stubber: Stubber, count: int) -> None:
    for _ in range(count):
        expect_poll(
            stubber,
            DEPLOYMENT,
            "InProgress",
            events=[*succeeded("BeforeInstall"), event("AfterAllowTestTraffic", "InProgress")],
            traffic=(100, 0),
        )


def test_release_stops_a_timed_out_deployment_with_rollback(client: Any, stubber: Stubber) -> None:
    expect_no_active(stubber, GROUP)
    expect_create(stubber, GROUP, DEPLOYMENT)
    in_progress_polls(stubber, 3)  # at 0, 15 and 30 s: the 30 s one is at the deadline
    stubber.add_response(
        "stop_deployment",
        {"status": "Pending", "statusMessage": "Stopping"},
        {"deploymentId": DEPLOYMENT, "autoRollbackEnabled": True},
    )
    clock = FakeClock()
    log = Log()

    with pytest.raises(ReleaseFailed) as failure:
        release(client, request(timeout_seconds=30), log=log, clock=clock, sleep=clock.sleep)

    outcome = failure.value.outcome
    assert outcome.status == "TimedOut"
    assert outcome.deployment_id == DEPLOYMENT
    assert outcome.message == "still InProgress after 30 s; stopped it with rollback"
    assert outcome.failed_event is None
    assert outcome.running_event == LifecycleEvent("AfterAllowTestTraffic", "InProgress")
    assert DEPLOYMENT in str(failure.value)
    assert clock.sleeps == [POLL, POLL]
    assert log[0] == f"started deployment {DEPLOYMENT} of {task_definition_arn(2)}"


def test_release_says_so_when_stopping_a_timed_out_deployment_fails(client: Any, stubber: Stubber) -> None:
    expect_no_active(stubber, GROUP)
    expect_create(stubber, GROUP, DEPLOYMENT)
    in_progress_polls(stubber, 3)
    stubber.add_client_error(
        "stop_deployment",
        "DeploymentAlreadyCompletedException",
        f"Deployment {DEPLOYMENT} has already completed",
        400,
        expected_params={"deploymentId": DEPLOYMENT, "autoRollbackEnabled": True},
    )
    clock = FakeClock()

    with pytest.raises(ReleaseFailed) as failure:
        release(client, request(timeout_seconds=30), log=Log(), clock=clock, sleep=clock.sleep)

    message = failure.value.outcome.message
    assert message.startswith("still InProgress after 30 s; stopping it failed: ")
    assert "DeploymentAlreadyCompletedException" in message
    assert f"Deployment {DEPLOYMENT} has already completed" in message


def test_release_without_stop_on_timeout_calls_no_stop(client: Any, stubber: Stubber) -> None:
    expect_no_active(stubber, GROUP)
    expect_create(stubber, GROUP, DEPLOYMENT)
    in_progress_polls(stubber, 3)
    clock = FakeClock()

    # The Stubber fails any call it was not told about, stop_deployment included.
    with pytest.raises(ReleaseFailed) as failure:
        release(
            client,
            request(timeout_seconds=30, stop_on_timeout=False),
            log=Log(),
            clock=clock,
            sleep=clock.sleep,
        )

    assert failure.value.outcome.message == "still InProgress after 30 s"


def test_timeout_description_does_not_call_the_running_event_failed(client: Any, stubber: Stubber) -> None:
    in_progress_polls(stubber, 3)

    outcome = watch(client, FakeClock(), Log(), timeout=30)

    assert outcome.status == "TimedOut"
    assert "AfterAllowTestTraffic" in outcome.describe()
    assert "AfterAllowTestTraffic failed" not in outcome.describe()


def test_an_unreadable_target_does_not_stop_the_watch(client: Any, stubber: Stubber) -> None:
    expect_poll(stubber, DEPLOYMENT, "InProgress", target_error="ThrottlingException")
    expect_poll(stubber, DEPLOYMENT, "Succeeded", events=succeeded("BeforeInstall"), traffic=(0, 100))
    log = Log()

    outcome = watch(client, FakeClock(), log)

    assert outcome.status == "Succeeded"
    assert f"{DEPLOYMENT}: lifecycle event BeforeInstall Succeeded" in log


def test_a_transient_target_error_does_not_repeat_lines(client: Any, stubber: Stubber) -> None:
    expect_poll(stubber, DEPLOYMENT, "InProgress", events=succeeded("BeforeInstall"), traffic=(100, 0))
    expect_poll(stubber, DEPLOYMENT, "InProgress", target_error="ThrottlingException")
    expect_poll(stubber, DEPLOYMENT, "Succeeded", events=succeeded("BeforeInstall"), traffic=(100, 0))
    log = Log()

    watch(client, FakeClock(), log)

    assert log.count(f"{DEPLOYMENT}: lifecycle event BeforeInstall Succeeded") == 1
    assert log.count(f"{DEPLOYMENT}: traffic Blue 100% / Green 0%") == 1


def test_the_failed_event_survives_a_failed_final_target_read(client: Any, stubber: Stubber) -> None:
    failed = [event("AfterAllowTestTraffic", "Failed", SMOKE_FAILURE)]
    expect_poll(stubber, DEPLOYMENT, "InProgress", events=failed)
    expect_poll(stubber, DEPLOYMENT, "Failed", error=CODEDEPLOY_FAILURE, target_error="ThrottlingException")

    outcome = watch(client, FakeClock(), Log())

    assert outcome.failed_event == LifecycleEvent("AfterAllowTestTraffic", "Failed", SMOKE_FAILURE)


# --- smaller pieces -----------------------------------------------------------------------


def test_progress_lines_report_finished_events_only_and_once() -> None:
    first = Snapshot("InProgress", events=(LifecycleEvent("BeforeInstall", "Pending"),))
    second = Snapshot(
        "InProgress",
        events=(LifecycleEvent("BeforeInstall", "Succeeded"), LifecycleEvent("Install", "InProgress")),
    )
    assert progress_lines(None, first) == ["status InProgress"]
    assert progress_lines(first, second) == ["lifecycle event BeforeInstall Succeeded"]
    assert progress_lines(second, second) == []


def test_format_traffic() -> None:
    assert format_traffic((("Blue", 90.0), ("Green", 10.0))) == "Blue 90% / Green 10%"
    assert format_traffic((("Blue", 87.5), ("Green", 12.5))) == "Blue 87.5% / Green 12.5%"


def test_describe_without_event_or_message() -> None:
    assert Outcome("d-1", "Stopped").describe() == "deployment d-1 stopped"


def test_active_deployments_pages_and_sorts_oldest_first(client: Any, stubber: Stubber) -> None:
    statuses = ["Created", "Queued", "InProgress", "Baking", "Ready"]
    base = {"applicationName": "app", "deploymentGroupName": "dg", "includeOnlyStatuses": statuses}
    stubber.add_response("list_deployments", {"deployments": ["d-new", "d-old"], "nextToken": "t1"}, base)
    stubber.add_response("list_deployments", {"deployments": ["d-mid"]}, {**base, "nextToken": "t1"})
    stubber.add_response(
        "batch_get_deployments",
        {
            "deploymentsInfo": [
                {"deploymentId": "d-new", "createTime": T0.replace(hour=3)},
                {"deploymentId": "d-old", "createTime": T0.replace(hour=1)},
                {"deploymentId": "d-mid", "createTime": T0.replace(hour=2)},
            ]
        },
        {"deploymentIds": ["d-new", "d-old", "d-mid"]},
    )

    active = active_deployments(client, "app", "dg")

    assert [d["deploymentId"] for d in active] == ["d-old", "d-mid", "d-new"]


def test_live_task_definition_prefers_the_primary_task_set() -> None:
    ecs = offline_client("ecs")
    service = {
        "serviceName": "svc",
        "taskDefinition": task_definition_arn(1),
        "taskSets": [
            {"status": "ACTIVE", "taskDefinition": task_definition_arn(3)},
            {"status": "PRIMARY", "taskDefinition": task_definition_arn(2)},
        ],
    }
    with Stubber(ecs) as stub:
        stub.add_response("describe_services", {"services": [service]}, {"cluster": "c", "services": ["svc"]})
        assert live_task_definition(ecs, "c", "svc") == task_definition_arn(2)
