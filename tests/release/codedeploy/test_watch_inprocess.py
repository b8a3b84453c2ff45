"""watch_deployment and release under every ending, in-process with moto.mock_aws().

The injected ``sleep`` advances a fake clock and moves the deployment in moto's backend to
its next status, so each poll sees the next state; nothing really sleeps. moto lacks the
deployment-target and stop APIs, so those are answered locally on the client (support.answer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws

from release.codedeploy.deployments import active_deployments, start_deployment
from release.codedeploy.run import ReleaseFailed, ReleaseRequest, release
from release.codedeploy.watch import watch_deployment

from .support import (
    REGION,
    FakeClock,
    Group,
    Log,
    Scripted,
    answer,
    answer_no_targets,
    appspec_for,
    backend,
    create_application_and_group,
    task_definition_arn,
)

POLL = 15.0


@pytest.fixture
def mocked() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def client(mocked: None) -> Any:
    client = boto3.session.Session().client(
        "codedeploy",
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )
    answer_no_targets(client)
    return client


@pytest.fixture
def group(client: Any) -> Group:
    return create_application_and_group(client)


def watch(
    client: Any, deployment_id: str, clock: FakeClock, log: Callable[[str], None], timeout: float = 600
):
    return watch_deployment(
        client,
        deployment_id,
        timeout_seconds=timeout,
        poll_seconds=POLL,
        log=log,
        clock=clock,
        sleep=clock.sleep,
    )


def request(group: Group, revision: int = 2, **overrides: Any) -> ReleaseRequest:
    values: dict[str, Any] = {
        "application": group.application,
        "deployment_group": group.name,
        "appspec": appspec_for(revision),
        "description": f"pulumi up: web:{revision}",
        "timeout_seconds": 600,
        "poll_seconds": POLL,
    }
    values.update(overrides)
    return ReleaseRequest(**values)


def new_deployment(client: Any, group: Group, revision: int) -> str:
    return start_deployment(client, group.application, group.name, appspec_for(revision), "test")


# --- watch_deployment ---------------------------------------------------------------------


def test_created_in_progress_succeeded(client: Any, group: Group) -> None:
    deployment_id = new_deployment(client, group, 2)
    clock = FakeClock()
    Scripted(clock, {deployment_id: ["InProgress", "Succeeded"]})
    log = Log()

    outcome = watch(client, deployment_id, clock, log)

    assert outcome.status == "Succeeded"
    assert outcome.succeeded
    assert outcome.deployment_id == deployment_id
    assert outcome.failed_event is None
    assert log == [f"{deployment_id}: status {s}" for s in ("Created", "InProgress", "Succeeded")]
    assert clock.sleeps == [POLL, POLL]


def test_created_in_progress_failed(client: Any, group: Group) -> None:
    deployment_id = new_deployment(client, group, 2)
    clock = FakeClock()
    Scripted(clock, {deployment_id: ["InProgress", "InProgress", "Failed"]})
    log = Log()

    outcome = watch(client, deployment_id, clock, log)

    assert outcome.status == "Failed"
    assert not outcome.succeeded
    assert outcome.describe() == f"deployment {deployment_id} failed"
    # Unchanged statuses are not logged again.
    assert log == [f"{deployment_id}: status {s}" for s in ("Created", "InProgress", "Failed")]
    assert clock.sleeps == [POLL] * 3


def test_stopped(client: Any, group: Group) -> None:
    deployment_id = new_deployment(client, group, 2)
    clock = FakeClock()
    Scripted(clock, {deployment_id: ["Queued", "Stopped"]})
    log = Log()

    outcome = watch(client, deployment_id, clock, log)

    assert outcome.status == "Stopped"
    assert f"deployment {deployment_id} stopped" in outcome.describe()
    assert log[-1] == f"{deployment_id}: status Stopped"


@pytest.mark.parametrize("waiting", ["Created", "Queued", "InProgress", "Baking", "Ready"])
def test_never_ending_times_out_at_the_deadline(client: Any, group: Group, waiting: str) -> None:
    deployment_id = new_deployment(client, group, 2)
    backend().deployments[deployment_id].status = waiting
    clock = FakeClock()
    Scripted(clock, {})
    log = Log()

    outcome = watch(client, deployment_id, clock, log, timeout=60)

    assert outcome.status == "TimedOut"
    assert outcome.message == f"still {waiting} after 60 s"
    assert outcome.describe().startswith(f"deployment {deployment_id} ")
    # Polls at 0, 15, 30, 45 and 60 s of virtual time; the one at the deadline gives up.
    assert clock.sleeps == [POLL] * 4
    assert len(log) == 1


def test_an_ended_deployment_is_not_waited_for(client: Any, group: Group) -> None:
    deployment_id = new_deployment(client, group, 2)
    backend().deployments[deployment_id].status = "Succeeded"
    clock = FakeClock()

    outcome = watch(client, deployment_id, clock, Log(), timeout=0)

    assert outcome.status == "Succeeded"
    assert clock.sleeps == []


def test_active_deployments_leaves_out_ended_ones(client: Any, group: Group) -> None:
    ended = new_deployment(client, group, 1)
    running = new_deployment(client, group, 2)
    backend().deployments[ended].status = "Failed"
    backend().deployments[running].status = "Ready"

    assert [d["deploymentId"] for d in active_deployments(client, group.application, group.name)] == [running]


# --- release ------------------------------------------------------------------------------


def test_release_success_returns_the_outcome(client: Any, group: Group) -> None:
    clock = FakeClock()
    Scripted(clock, {}, new_script=["InProgress", "Succeeded"])
    log = Log()

    outcome = release(client, request(group), log=log, clock=clock, sleep=clock.sleep)

    (deployment_id,) = backend().deployments
    assert outcome.status == "Succeeded"
    assert outcome.deployment_id == deployment_id
    assert log[0] == f"started deployment {deployment_id} of {task_definition_arn(2)}"
    assert log[1:] == [f"{deployment_id}: status {s}" for s in ("Created", "InProgress", "Succeeded")]


@pytest.mark.parametrize("ending", ["Failed", "Stopped"])
def test_release_raises_when_the_deployment_fails_or_is_stopped(
    client: Any, group: Group, ending: str
) -> None:
    clock = FakeClock()
    Scripted(clock, {}, new_script=["InProgress", ending])

    with pytest.raises(ReleaseFailed) as failure:
        release(client, request(group), log=Log(), clock=clock, sleep=clock.sleep)

    (deployment_id,) = backend().deployments
    assert failure.value.outcome.status == ending
    assert failure.value.outcome.deployment_id == deployment_id
    assert str(failure.value) == f"deployment {deployment_id} {ending.lower()}"


def test_release_stops_a_timed_out_deployment_with_rollback(client: Any, group: Group) -> None:
    stops: list[dict[str, Any]] = []

    def stop(**params: Any) -> dict[str, Any]:
        stops.append(params)
        backend().deployments[params["deploymentId"]].status = "Stopped"
        return {"status": "Pending", "statusMessage": "stopping"}

    answer(client, "StopDeployment", stop)
    clock = FakeClock()
    Scripted(clock, {}, new_script=["InProgress"])

    with pytest.raises(ReleaseFailed) as failure:
        release(client, request(group, timeout_seconds=45), log=Log(), clock=clock, sleep=clock.sleep)

    (deployment_id,) = backend().deployments
    assert stops == [{"deploymentId": deployment_id, "autoRollbackEnabled": True}]
    assert backend().deployments[deployment_id].status == "Stopped"
    assert failure.value.outcome.status == "TimedOut"
    assert str(failure.value) == (
        f"deployment {deployment_id} timed out; still InProgress after 45 s; stopped it with rollback"
    )
    assert clock.sleeps == [POLL] * 3


def test_release_without_stop_on_timeout_leaves_the_deployment_running(client: Any, group: Group) -> None:
    stops: list[dict[str, Any]] = []
    answer(client, "StopDeployment", lambda **params: stops.append(params) or {})
    clock = FakeClock()
    Scripted(clock, {})

    with pytest.raises(ReleaseFailed) as failure:
        release(
            client,
            request(group, timeout_seconds=30, stop_on_timeout=False),
            log=Log(),
            clock=clock,
            sleep=clock.sleep,
        )

    assert stops == []
    assert failure.value.outcome.status == "TimedOut"
    assert "stopped" not in str(failure.value)


def test_release_follows_the_running_deployment_of_its_revision_to_success(client: Any, group: Group) -> None:
    running = new_deployment(client, group, 2)
    clock = FakeClock()
    Scripted(clock, {running: ["InProgress", "Succeeded"]})
    log = Log()

    outcome = release(client, request(group, 2), log=log, clock=clock, sleep=clock.sleep)

    assert outcome.deployment_id == running
    assert outcome.status == "Succeeded"
    assert list(backend().deployments) == [running]
    assert log[0] == f"deployment {running} of this revision is already in progress; following it"


def test_release_follows_the_running_deployment_of_its_revision_to_failure(client: Any, group: Group) -> None:
    running = new_deployment(client, group, 2)
    clock = FakeClock()
    Scripted(clock, {running: ["Failed"]})

    with pytest.raises(ReleaseFailed) as failure:
        release(client, request(group, 2), log=Log(), clock=clock, sleep=clock.sleep)

    assert failure.value.outcome.deployment_id == running
    assert list(backend().deployments) == [running]


@pytest.mark.parametrize("other_ending", ["Succeeded", "Failed", "Stopped"])
def test_release_waits_for_another_revision_then_deploys(
    client: Any, group: Group, other_ending: str
) -> None:
    other = new_deployment(client, group, 1)
    clock = FakeClock()
    Scripted(clock, {other: ["InProgress", other_ending]}, new_script=["InProgress", "Succeeded"])
    log = Log()

    outcome = release(client, request(group, 2), log=log, clock=clock, sleep=clock.sleep)

    other_deployment, new = backend().deployments
    assert other_deployment == other
    assert outcome.deployment_id == new
    assert outcome.status == "Succeeded"
    assert log == [
        f"deployment {other} of another revision is in progress for {group.name}; "
        "waiting for it to end before starting this release",
        f"{other}: status Created",
        f"{other}: status InProgress",
        f"{other}: status {other_ending}",
        f"deployment {other} ended: {other_ending}",
        f"started deployment {new} of {task_definition_arn(2)}",
        f"{new}: status Created",
        f"{new}: status InProgress",
        f"{new}: status Succeeded",
    ]
    assert backend().deployments[new].revision["appSpecContent"]["content"] == appspec_for(2)
