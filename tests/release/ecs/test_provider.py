"""provider: diff, create and update of the resource that follows an ECS-native service
deployment, with a stubbed ECS client and virtual time."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from botocore.stub import Stubber

from release.ecs import provider

from .support import (
    CLUSTER,
    POLL,
    SERVICE,
    T0,
    FakeClock,
    Log,
    brief,
    deployment,
    deployment_arn,
    expect_describe,
    expect_found,
    expect_list,
    expect_revisions,
    expect_stop,
    factory,
    hook,
    no_clients,
    no_sleep,
    outputs,
    props,
    revision_arn,
    task_definition_arn,
)

PREVIOUS = deployment_arn("previous")
NEW = deployment_arn("new")
PREVIOUS_CREATED = T0 - dt.timedelta(days=2)
ALARM_REASON = "Service deployment rolled back because the CloudWatch alarm web-5xx-rate is in ALARM state."


def olds(revision: int = 2, **overrides: Any) -> dict[str, Any]:
    """The state after the previous successful release of ``revision``."""
    return outputs(props(revision, **overrides), PREVIOUS, task_definition_arn(revision))


def expect_anchor(stubber: Stubber) -> None:
    """update() reads when the recorded deployment was created, to look only at newer ones."""
    expect_describe(
        stubber, deployment(PREVIOUS, "SUCCESSFUL", target=revision_arn(1), created=PREVIOUS_CREATED)
    )


def update(
    news: dict[str, Any], ecs: Any, clock: FakeClock, log: Log, old: dict[str, Any] | None = None
) -> Any:
    return provider.update(
        olds() if old is None else old, news, factory(ecs=ecs), log, clock=clock, sleep=clock.sleep
    )


# --- diff ---------------------------------------------------------------------------------


def test_diff_without_changes_ignores_outputs_and_key_order() -> None:
    news = props(2)
    reordered = dict(reversed(list(olds(2).items())))
    result = provider.diff(reordered, news)
    assert result.changes is False
    assert result.replaces == []
    assert result.delete_before_replace is False


def test_diff_sees_a_new_task_definition_without_replacing() -> None:
    result = provider.diff(olds(2), props(3))
    assert result.changes is True
    assert result.replaces == []


@pytest.mark.parametrize(
    "change",
    [
        {"timeout_minutes": 60},
        {"poll_seconds": 5},
        {"stop_on_timeout": False},
        {"wait_seconds_for_start": 300},
    ],
)
def test_diff_sees_changed_settings(change: dict[str, Any]) -> None:
    assert provider.diff(olds(2), props(2, **change)).changes is True


def test_diff_treats_equal_numbers_and_the_default_wait_as_unchanged() -> None:
    old = olds(2, timeout_minutes=30, wait_seconds_for_start=None)
    assert provider.diff(old, props(2, timeout_minutes=30.0, wait_seconds_for_start=120)).changes is False


@pytest.mark.parametrize("key", ["cluster", "service"])
def test_diff_replaces_for_another_service(key: str) -> None:
    result = provider.diff(olds(2), props(2, **{key: "other"}))
    assert result.changes is True
    assert result.replaces == [key]


# --- create -------------------------------------------------------------------------------


def test_create_for_a_missing_service_waits_for_nothing(ecs: Any, stubber: Stubber) -> None:
    stubber.add_client_error(
        "list_service_deployments", "ServiceNotFoundException", "Service not found.", 400
    )
    log = Log()

    result = provider.create(props(2), factory(ecs=ecs), log, clock=FakeClock(), sleep=no_sleep)

    assert result.id == f"{CLUSTER}/{SERVICE}"
    assert result.outs == outputs(props(2), "", task_definition_arn(2))
    assert log == []


def test_create_without_a_deployment_of_the_task_definition_waits_for_nothing(
    ecs: Any, stubber: Stubber
) -> None:
    expect_list(stubber, [])

    result = provider.create(props(2), factory(ecs=ecs), Log(), clock=FakeClock(), sleep=no_sleep)

    assert result.outs["service_deployment_arn"] == ""
    assert result.outs["live_task_definition_arn"] == task_definition_arn(2)


def test_create_records_a_finished_deployment_without_waiting(ecs: Any, stubber: Stubber) -> None:
    expect_found(stubber, NEW, revision_arn(2), task_definition_arn(2))
    expect_describe(stubber, deployment(NEW, "SUCCESSFUL", stage="CLEAN_UP"))

    result = provider.create(props(2), factory(ecs=ecs), Log(), clock=FakeClock(), sleep=no_sleep)

    assert result.outs == outputs(props(2), NEW, task_definition_arn(2))


def test_create_waits_for_a_first_deployment_still_in_progress(ecs: Any, stubber: Stubber) -> None:
    expect_found(stubber, NEW, revision_arn(2), task_definition_arn(2))
    expect_describe(stubber, deployment(NEW, "IN_PROGRESS", stage="SCALE_UP", source=None))
    expect_describe(stubber, deployment(NEW, "IN_PROGRESS", stage="SCALE_UP", source=None))
    expect_describe(stubber, deployment(NEW, "SUCCESSFUL", stage="CLEAN_UP", source=None))
    clock = FakeClock()
    log = Log()

    result = provider.create(props(2), factory(ecs=ecs), log, clock=clock, sleep=clock.sleep)

    assert result.outs["service_deployment_arn"] == NEW
    assert clock.sleeps == [POLL]  # the first look, then the watch: IN_PROGRESS, SUCCESSFUL
    assert log[-1] == f"new: {task_definition_arn(2)} is live"


def test_create_fails_when_the_first_deployment_fails(ecs: Any, stubber: Stubber) -> None:
    expect_found(stubber, NEW, revision_arn(2), task_definition_arn(2))
    expect_describe(stubber, deployment(NEW, "IN_PROGRESS", stage="SCALE_UP", source=None))
    expect_describe(stubber, deployment(NEW, "IN_PROGRESS", stage="SCALE_UP", source=None))
    expect_describe(
        stubber,
        deployment(
            NEW, "STOPPED", reason="tasks failed to start", source=None, breaker={"status": "TRIGGERED"}
        ),
    )
    clock = FakeClock()

    with pytest.raises(RuntimeError) as failure:
        provider.create(props(2), factory(ecs=ecs), Log(), clock=clock, sleep=clock.sleep)

    message = str(failure.value)
    assert NEW in message
    assert "ECS status STOPPED: tasks failed to start" in message
    assert "deployment circuit breaker triggered" in message
    assert "pulumi up --refresh" not in message


def test_create_fails_on_a_deployment_that_already_failed(ecs: Any, stubber: Stubber) -> None:
    expect_found(stubber, NEW, revision_arn(2), task_definition_arn(2))
    expect_describe(stubber, deployment(NEW, "ROLLBACK_SUCCESSFUL", reason=ALARM_REASON))

    with pytest.raises(RuntimeError, match="pulumi up --refresh"):
        provider.create(props(2), factory(ecs=ecs), Log(), clock=FakeClock(), sleep=no_sleep)


def test_create_reports_other_api_errors(ecs: Any, stubber: Stubber) -> None:
    stubber.add_client_error("list_service_deployments", "AccessDeniedException", "not allowed", 400)

    with pytest.raises(
        RuntimeError, match=r"cannot list the service deployments of ECS service web .*AccessDenied"
    ):
        provider.create(props(2), factory(ecs=ecs), Log(), clock=FakeClock(), sleep=no_sleep)


# --- update: nothing to wait for ----------------------------------------------------------


def test_update_of_settings_only_waits_for_nothing() -> None:
    news = props(2, poll_seconds=5, timeout_minutes=60, stop_on_timeout=False, wait_seconds_for_start=10)

    result = provider.update(olds(2), news, no_clients, Log(), clock=FakeClock(), sleep=no_sleep)

    assert result.outs == outputs(news, PREVIOUS, task_definition_arn(2))


# --- update: a new task definition --------------------------------------------------------


def test_update_follows_the_new_deployment_to_success(ecs: Any, stubber: Stubber) -> None:
    expect_anchor(stubber)
    expect_found(stubber, NEW, revision_arn(3), task_definition_arn(3), created_after=PREVIOUS_CREATED)
    expect_describe(stubber, deployment(NEW, "IN_PROGRESS", stage="SCALE_UP", target=revision_arn(3)))
    expect_describe(
        stubber, deployment(NEW, "IN_PROGRESS", stage="PRODUCTION_TRAFFIC_SHIFT", traffic=(50, 50))
    )
    expect_describe(stubber, deployment(NEW, "SUCCESSFUL", stage="CLEAN_UP", traffic=(0, 100)))
    clock = FakeClock()
    log = Log()

    result = update(props(3), ecs, clock, log)

    assert result.outs == outputs(props(3), NEW, task_definition_arn(3))
    assert set(result.outs) == {
        *provider.INPUTS,
        "service_deployment_arn",
        "live_task_definition_arn",
    }
    assert log[0] == f"following ECS service deployment {NEW} of web:3"
    assert "new: traffic Blue 50% / Green 50%" in log
    assert log[-1] == f"new: {task_definition_arn(3)} is live"
    assert clock.sleeps == [POLL]


def test_update_waits_for_the_deployment_to_appear(ecs: Any, stubber: Stubber) -> None:
    expect_anchor(stubber)
    expect_list(stubber, [], created_after=PREVIOUS_CREATED)
    # Only the previous revision so far: ECS has not created the new deployment yet.
    expect_list(stubber, [brief(PREVIOUS, revision_arn(1), "SUCCESSFUL")], created_after=PREVIOUS_CREATED)
    expect_revisions(stubber, [revision_arn(1)], {revision_arn(1): task_definition_arn(2)})
    expect_found(stubber, NEW, revision_arn(3), task_definition_arn(3), created_after=PREVIOUS_CREATED)
    expect_describe(stubber, deployment(NEW, "SUCCESSFUL"))
    clock = FakeClock()
    log = Log()

    result = update(props(3), ecs, clock, log)

    assert result.outs["service_deployment_arn"] == NEW
    assert clock.sleeps == [5.0, 5.0]
    assert log[0] == "waiting up to 120 s for ECS to start the service deployment of web:3"


def test_update_fails_clearly_when_no_deployment_appears(ecs: Any, stubber: Stubber) -> None:
    expect_anchor(stubber)
    for _ in range(4):  # at 0, 5, 10 and 12 s
        expect_list(stubber, [], created_after=PREVIOUS_CREATED)
    clock = FakeClock()

    with pytest.raises(RuntimeError) as failure:
        update(props(3, wait_seconds_for_start=12), ecs, clock, Log())

    message = str(failure.value)
    assert message.startswith(
        f"no ECS service deployment of {task_definition_arn(3)} appeared for ECS service web "
        f"(cluster {CLUSTER}) within 12 s"
    )
    assert "ECS deployment controller" in message
    assert f"aws ecs list-service-deployments --cluster {CLUSTER} --service {SERVICE}" in message
    assert clock.sleeps == [5.0, 5.0, 2.0]  # never past the deadline
    assert failure.value.__cause__ is None


def test_update_without_a_readable_previous_deployment_looks_at_all_of_them(
    ecs: Any, stubber: Stubber
) -> None:
    stubber.add_response(
        "describe_service_deployments",
        {"serviceDeployments": [], "failures": [{"arn": PREVIOUS, "reason": "MISSING"}]},
        {"serviceDeploymentArns": [PREVIOUS]},
    )
    expect_found(stubber, NEW, revision_arn(3), task_definition_arn(3))  # no createdAt filter
    expect_describe(stubber, deployment(NEW, "SUCCESSFUL"))

    assert update(props(3), ecs, FakeClock(), Log()).outs["service_deployment_arn"] == NEW


def test_update_from_a_state_without_a_deployment_skips_the_anchor(ecs: Any, stubber: Stubber) -> None:
    expect_found(stubber, NEW, revision_arn(3), task_definition_arn(3))
    expect_describe(stubber, deployment(NEW, "SUCCESSFUL"))
    old = outputs(props(2), "", task_definition_arn(2))

    assert update(props(3), ecs, FakeClock(), Log(), old).outs["service_deployment_arn"] == NEW


def test_a_rollback_fails_the_update_with_arn_status_and_reason(ecs: Any, stubber: Stubber) -> None:
    expect_anchor(stubber)
    expect_found(stubber, NEW, revision_arn(3), task_definition_arn(3), created_after=PREVIOUS_CREATED)
    alarms = {"status": "MONITORING", "alarmNames": ["web-5xx-rate"]}
    expect_describe(stubber, deployment(NEW, "IN_PROGRESS", stage="BAKE_TIME", alarms=alarms))
    expect_describe(stubber, deployment(NEW, "IN_PROGRESS", stage="BAKE_TIME", alarms=alarms))
    expect_describe(
        stubber,
        deployment(
            NEW,
            "ROLLBACK_SUCCESSFUL",
            reason=ALARM_REASON,
            stage="CLEAN_UP",
            alarms={**alarms, "status": "TRIGGERED", "triggeredAlarmNames": ["web-5xx-rate"]},
            rollback={"reason": ALARM_REASON, "serviceRevisionArn": revision_arn(1)},
        ),
    )

    with pytest.raises(RuntimeError) as failure:
        update(props(3), ecs, FakeClock(), Log())

    message = str(failure.value)
    assert message.startswith(
        f"release of {task_definition_arn(3)} to ECS service web (cluster {CLUSTER}) failed: "
    )
    assert f"deployment {NEW} failed" in message
    assert f"ECS status ROLLBACK_SUCCESSFUL: {ALARM_REASON}" in message
    assert "alarm in ALARM: web-5xx-rate" in message
    assert "it failed during stage BAKE_TIME" in message
    assert "pulumi up --refresh" not in message
    assert failure.value.__cause__ is None


def test_a_deployment_that_had_already_rolled_back_fails_with_a_refresh_hint(
    ecs: Any, stubber: Stubber
) -> None:
    expect_anchor(stubber)
    expect_found(stubber, NEW, revision_arn(3), task_definition_arn(3), created_after=PREVIOUS_CREATED)
    expect_describe(
        stubber,
        deployment(
            NEW,
            "ROLLBACK_SUCCESSFUL",
            reason=ALARM_REASON,
            hooks=[hook("h-smoke", "TIMED_OUT", "arn:aws:lambda:us-east-1:123456789012:function:smoke")],
        ),
    )
    log = Log()

    with pytest.raises(RuntimeError) as failure:
        update(props(3), ecs, FakeClock(), log)

    message = str(failure.value)
    assert "ROLLBACK_SUCCESSFUL" in message
    assert "lifecycle hook smoke TIMED_OUT" in message
    assert "pulumi up --refresh" in message
    assert f"new: status ROLLBACK_SUCCESSFUL (BLUE_GREEN): {ALARM_REASON}" in log


@pytest.mark.parametrize("stop_on_timeout", [True, False])
def test_a_timed_out_deployment_fails_the_update(ecs: Any, stubber: Stubber, stop_on_timeout: bool) -> None:
    expect_anchor(stubber)
    expect_found(stubber, NEW, revision_arn(3), task_definition_arn(3), created_after=PREVIOUS_CREATED)
    expect_describe(stubber, deployment(NEW, "IN_PROGRESS", stage="BAKE_TIME"))  # _follow's first look
    for _ in range(5):  # at 0, 15, 30, 45 and 60 s of a one-minute watch
        expect_describe(stubber, deployment(NEW, "IN_PROGRESS", stage="BAKE_TIME"))
    if stop_on_timeout:
        expect_stop(stubber, NEW)
    clock = FakeClock()

    with pytest.raises(RuntimeError) as failure:
        update(props(3, timeout_minutes=1, stop_on_timeout=stop_on_timeout), ecs, clock, Log())

    message = str(failure.value)
    assert f"deployment {NEW} timed out" in message
    assert "still IN_PROGRESS in stage BAKE_TIME after 60 s" in message
    assert ("requested a stop with rollback" in message) is stop_on_timeout
    assert ("aws ecs stop-service-deployment" in message) is not stop_on_timeout
    assert clock.sleeps == [POLL] * 4


def test_a_failed_stop_after_a_timeout_is_in_the_error(ecs: Any, stubber: Stubber) -> None:
    expect_anchor(stubber)
    expect_found(stubber, NEW, revision_arn(3), task_definition_arn(3), created_after=PREVIOUS_CREATED)
    expect_describe(stubber, deployment(NEW, "IN_PROGRESS", stage="BAKE_TIME"))
    expect_describe(stubber, deployment(NEW, "IN_PROGRESS", stage="BAKE_TIME"))
    stubber.add_client_error("stop_service_deployment", "AccessDeniedException", "not allowed to stop", 400)

    with pytest.raises(RuntimeError, match=r"stopping it with rollback failed: .*AccessDeniedException"):
        update(props(3, timeout_minutes=0), ecs, FakeClock(), Log())


def test_listing_errors_fail_the_update(ecs: Any, stubber: Stubber) -> None:
    expect_anchor(stubber)
    stubber.add_client_error(
        "list_service_deployments", "ServiceNotFoundException", "Service not found.", 400
    )

    with pytest.raises(
        RuntimeError, match=r"cannot list the service deployments of ECS service web .*ServiceNotFound"
    ):
        update(props(3), ecs, FakeClock(), Log())


def test_losing_track_of_the_deployment_fails_the_update(ecs: Any, stubber: Stubber) -> None:
    expect_anchor(stubber)
    expect_found(stubber, NEW, revision_arn(3), task_definition_arn(3), created_after=PREVIOUS_CREATED)
    expect_describe(stubber, deployment(NEW, "IN_PROGRESS"))
    for _ in range(4):
        stubber.add_client_error("describe_service_deployments", "AccessDeniedException", "denied", 400)

    with pytest.raises(RuntimeError) as failure:
        update(props(3), ecs, FakeClock(), Log())

    message = str(failure.value)
    assert message.startswith(f"lost track of ECS service deployment {NEW} of {task_definition_arn(3)}")
    assert f"aws ecs describe-service-deployments --service-deployment-arns {NEW}" in message


# --- the ready wait (deployment.readyWaitMinutes: a PAUSE hook) -------------------------------

PAUSE_EXPIRES = T0 + dt.timedelta(minutes=30)


def _at_pause(status: str, deployment_status: str = "IN_PROGRESS", **kwargs: Any) -> dict[str, Any]:
    return deployment(
        NEW,
        deployment_status,
        target=revision_arn(3),
        stage=kwargs.pop("stage", "POST_TEST_TRAFFIC_SHIFT"),
        hooks=[hook("ecs-pause-1", status, expires=PAUSE_EXPIRES)],
        **kwargs,
    )


def _update_at(news: dict[str, Any], ecs: Any, log: Log, now: dt.datetime) -> Any:
    clock = FakeClock()
    return provider.update(
        olds(), news, factory(ecs=ecs), log, clock=clock, sleep=clock.sleep, now=lambda: now
    )


def test_pulumi_up_waits_through_the_ready_wait_until_it_is_continued(ecs: Any, stubber: Stubber) -> None:
    expect_anchor(stubber)
    expect_found(stubber, NEW, revision_arn(3), task_definition_arn(3), created_after=PREVIOUS_CREATED)
    expect_describe(stubber, _at_pause("AWAITING_ACTION"))  # _follow's first look
    for _ in range(3):  # held: nobody has continued yet
        expect_describe(stubber, _at_pause("AWAITING_ACTION"))
    expect_describe(stubber, _at_pause("SUCCEEDED", stage="PRODUCTION_TRAFFIC_SHIFT", traffic=(0, 100)))
    expect_describe(stubber, _at_pause("SUCCEEDED", "SUCCESSFUL", stage="CLEAN_UP", traffic=(0, 100)))
    log = Log()

    result = _update_at(props(3), ecs, log, T0 + dt.timedelta(minutes=5))

    assert result.outs == outputs(props(3), NEW, task_definition_arn(3))
    assert [line for line in log if "ready wait" in line] == [
        "new: ready wait: paused at POST_TEST_TRAFFIC_SHIFT (PAUSE hook ecs-pause-1), green has the test "
        "traffic; 25m 00s left (until 2025-08-01T12:30:00+00:00), then ROLLBACK; go ahead: python -m release "
        f"continue {NEW} (or roll back: python -m release rollback)"
    ]
    assert log[-1] == f"new: {task_definition_arn(3)} is live"


def test_a_ready_wait_that_times_out_into_a_rollback_fails_the_update(ecs: Any, stubber: Stubber) -> None:
    expect_anchor(stubber)
    expect_found(stubber, NEW, revision_arn(3), task_definition_arn(3), created_after=PREVIOUS_CREATED)
    expect_describe(stubber, _at_pause("AWAITING_ACTION"))
    expect_describe(stubber, _at_pause("AWAITING_ACTION"))
    ran_out = _at_pause(
        "TIMED_OUT",
        "ROLLBACK_SUCCESSFUL",
        stage="CLEAN_UP",
        rollback={"reason": "lifecycle hook timed out", "serviceRevisionArn": revision_arn(1)},
    )
    expect_describe(stubber, ran_out)
    expect_describe(stubber, ran_out)  # read again by the diagnosis (the other sources fail: not stubbed)

    with pytest.raises(RuntimeError) as failure:
        _update_at(props(3), ecs, Log(), PAUSE_EXPIRES)

    message = str(failure.value)
    assert message.startswith(
        f"release of {task_definition_arn(3)} to ECS service web (cluster {CLUSTER}) failed"
    )
    assert (
        "the ready wait ran out (PAUSE hook ecs-pause-1 TIMED_OUT): nobody gave the go-ahead "
        "(python -m release continue) in time, so ECS took its timeout action ROLLBACK"
    ) in message
    assert "it failed during stage POST_TEST_TRAFFIC_SHIFT" in message
    assert "pulumi up --refresh" not in message  # it ended while this `pulumi up` watched
    # The diagnosis's first line: nothing wrong with green, the go-ahead did not come in time.
    assert (
        "the ready wait ran out with no go-ahead, so the engine took its timeout action ROLLBACK" in message
    )


def test_a_ready_wait_rolled_back_by_hand_fails_the_update(ecs: Any, stubber: Stubber) -> None:
    expect_anchor(stubber)
    expect_found(stubber, NEW, revision_arn(3), task_definition_arn(3), created_after=PREVIOUS_CREATED)
    expect_describe(stubber, _at_pause("AWAITING_ACTION"))
    expect_describe(
        stubber,
        _at_pause(
            "SUCCEEDED",
            "ROLLBACK_SUCCESSFUL",
            stage="CLEAN_UP",
            rollback={"reason": "ROLLBACK requested by user", "serviceRevisionArn": revision_arn(1)},
        ),
    )

    with pytest.raises(RuntimeError) as failure:
        _update_at(props(3), ecs, Log(), T0)

    assert "rolled back to service revision" in str(failure.value)
    assert "because ROLLBACK requested by user" in str(failure.value)
