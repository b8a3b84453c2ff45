"""wait_for_start: the one loop that waits for the service deployment an UpdateService starts,
with a stubbed ECS client and virtual time (no real waiting)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from release.ecs.wait_for_start import (
    START_POLL_SECONDS,
    START_WAIT_SECONDS,
    ServiceDeploymentDidNotStartError,
    wait_for_service_deployment,
)

from .support import (
    CLUSTER,
    SERVICE,
    T0,
    FakeClock,
    brief,
    deployment_arn,
    expect_found,
    expect_list,
    expect_revisions,
    no_sleep,
    revision_arn,
    task_definition_arn,
)

NEW = deployment_arn("new")


def wait(ecs: Any, clock: Any, sleep: Any = None, **options: Any) -> str:
    return wait_for_service_deployment(
        ecs,
        CLUSTER,
        SERVICE,
        task_definition_arn(3),
        clock=clock,
        sleep=clock.sleep if sleep is None else sleep,
        **options,
    )


def test_a_deployment_already_there_is_returned_without_waiting(ecs: Any, stubber: Stubber) -> None:
    expect_found(stubber, NEW, revision_arn(3), task_definition_arn(3))
    announced: list[str] = []

    arn = wait(ecs, FakeClock(), sleep=no_sleep, on_first_wait=lambda: announced.append("waiting"))

    assert arn == NEW
    assert announced == []


def test_it_appears_after_two_polls_and_the_wait_is_announced_once(ecs: Any, stubber: Stubber) -> None:
    expect_list(stubber, [], created_after=T0)
    # Only an older revision's deployment so far.
    expect_list(stubber, [brief(deployment_arn("old"), revision_arn(2), "SUCCESSFUL")], created_after=T0)
    expect_revisions(stubber, [revision_arn(2)], {revision_arn(2): task_definition_arn(2)})
    expect_found(stubber, NEW, revision_arn(3), task_definition_arn(3), created_after=T0)
    clock = FakeClock()
    announced: list[float] = []

    arn = wait(ecs, clock, created_after=T0, on_first_wait=lambda: announced.append(clock()))

    assert arn == NEW
    assert clock.sleeps == [START_POLL_SECONDS, START_POLL_SECONDS]
    assert announced == [1000.0]


def test_never_appearing_is_a_clear_error_after_the_limit(ecs: Any, stubber: Stubber) -> None:
    polls = int(START_WAIT_SECONDS / START_POLL_SECONDS) + 1  # at 0, 5, ..., 120 s
    for _ in range(polls):
        expect_list(stubber, [])
    clock = FakeClock()

    with pytest.raises(ServiceDeploymentDidNotStartError) as failure:
        wait(ecs, clock)

    assert str(failure.value) == (
        f"no ECS service deployment of {task_definition_arn(3)} appeared for ECS service {SERVICE} "
        f"(cluster {CLUSTER}) within 120 s"
    )
    assert failure.value.waited_seconds == START_WAIT_SECONDS
    assert clock.sleeps == [START_POLL_SECONDS] * (polls - 1)
    assert clock() == 1000.0 + START_WAIT_SECONDS


def test_the_last_sleep_stops_at_the_deadline(ecs: Any, stubber: Stubber) -> None:
    for _ in range(4):  # at 0, 5, 10 and 12 s
        expect_list(stubber, [])
    clock = FakeClock()

    with pytest.raises(ServiceDeploymentDidNotStartError, match="within 12 s"):
        wait(ecs, clock, wait_seconds=12)

    assert clock.sleeps == [5.0, 5.0, 2.0]


def test_api_errors_are_raised_as_they_come(ecs: Any, stubber: Stubber) -> None:
    stubber.add_client_error("list_service_deployments", "ServiceNotFoundException", "missing")

    with pytest.raises(ClientError, match="ServiceNotFoundException"):
        wait(ecs, FakeClock(), sleep=no_sleep)
