"""release.ecs.deployments and release.ecs.watch against a Stubber on a real ECS client: finding
the service deployment of a task definition, reading it, progress lines, and every way a watch
ends. Virtual time."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from release.core.outcome import LifecycleEvent, Outcome
from release.ecs.deployments import (
    EcsSnapshot,
    Hook,
    RollbackInfo,
    ServiceDeploymentNotFoundError,
    TaskCounts,
    find_service_deployment,
    read_deployment,
    revision_task_definitions,
    same_task_definition,
)
from release.ecs.watch import progress_lines, watch_service_deployment

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
    expect_list,
    expect_revisions,
    expect_stop,
    hook,
    no_sleep,
    revision_arn,
    task_definition_arn,
)

ARN = deployment_arn("Gt3cY1r0bXq2")
NAME = "Gt3cY1r0bXq2"
SMOKE_TEST = "arn:aws:lambda:us-east-1:123456789012:function:smoke-test"
ALARM_REASON = "Service deployment rolled back because the CloudWatch alarm web-5xx-rate is in ALARM state."
BREAKER_REASON = "Service deployment rolled back because the circuit breaker threshold was exceeded."


def watch(ecs: Any, clock: FakeClock, log: Log, *, timeout: float = 3600, stop: bool = False) -> Outcome:
    return watch_service_deployment(
        ecs,
        ARN,
        timeout_seconds=timeout,
        poll_seconds=POLL,
        log=log,
        clock=clock,
        sleep=clock.sleep,
        stop_on_timeout=stop,
    )


def lines(*texts: str) -> list[str]:
    return [f"{NAME}: {text}" for text in texts]


# --- find_service_deployment --------------------------------------------------------------


def test_find_returns_the_newest_deployment_whose_target_revision_runs_the_task_definition(
    ecs: Any, stubber: Stubber
) -> None:
    # API order is not trusted: the newest deployment of web:3 is the middle one here.
    old = brief(deployment_arn("old"), revision_arn(3), "ROLLBACK_SUCCESSFUL", T0)
    other = brief(deployment_arn("other"), revision_arn(4), "SUCCESSFUL", T0 + dt.timedelta(minutes=5))
    new = brief(deployment_arn("new"), revision_arn(5), "IN_PROGRESS", T0 + dt.timedelta(minutes=9))
    expect_list(stubber, [old, new, other])
    expect_revisions(
        stubber,
        [revision_arn(5), revision_arn(4), revision_arn(3)],
        {
            revision_arn(5): task_definition_arn(3),
            revision_arn(4): task_definition_arn(4),
            revision_arn(3): task_definition_arn(3),
        },
    )

    assert find_service_deployment(ecs, CLUSTER, SERVICE, task_definition_arn(3)) == deployment_arn("new")


def test_find_returns_none_when_no_deployment_runs_the_task_definition(ecs: Any, stubber: Stubber) -> None:
    expect_list(stubber, [brief(deployment_arn("a"), revision_arn(1), "SUCCESSFUL")])
    expect_revisions(stubber, [revision_arn(1)], {revision_arn(1): task_definition_arn(1)})

    assert find_service_deployment(ecs, CLUSTER, SERVICE, task_definition_arn(2)) is None


def test_find_with_no_deployments_describes_no_revisions(ecs: Any, stubber: Stubber) -> None:
    expect_list(stubber, [])
    assert find_service_deployment(ecs, CLUSTER, SERVICE, task_definition_arn(2)) is None


def test_find_passes_created_after_and_follows_next_tokens(ecs: Any, stubber: Stubber) -> None:
    after = T0 - dt.timedelta(hours=1)
    expect_list(stubber, [], created_after=after, token_out="page-2")
    expect_list(
        stubber,
        [brief(deployment_arn("b"), revision_arn(2))],
        created_after=after,
        token_in="page-2",
    )
    expect_revisions(stubber, [revision_arn(2)], {revision_arn(2): task_definition_arn(2)})

    found = find_service_deployment(ecs, CLUSTER, SERVICE, task_definition_arn(2), created_after=after)

    assert found == deployment_arn("b")


def test_find_treats_a_naive_created_after_as_utc(ecs: Any, stubber: Stubber) -> None:
    expect_list(stubber, [], created_after=dt.datetime(2025, 8, 1, 11, 0, tzinfo=dt.UTC))
    naive = dt.datetime(2025, 8, 1, 11, 0)
    assert find_service_deployment(ecs, CLUSTER, SERVICE, task_definition_arn(2), created_after=naive) is None


def test_find_accepts_the_short_task_definition_form(ecs: Any, stubber: Stubber) -> None:
    expect_list(stubber, [brief(deployment_arn("b"), revision_arn(2))])
    expect_revisions(stubber, [revision_arn(2)], {revision_arn(2): task_definition_arn(7)})
    assert find_service_deployment(ecs, CLUSTER, SERVICE, "web:7") == deployment_arn("b")


def test_find_describes_revisions_twenty_at_a_time_and_stops_at_the_first_match(
    ecs: Any, stubber: Stubber
) -> None:
    briefs = [
        brief(deployment_arn(f"d{n}"), revision_arn(n), "SUCCESSFUL", T0 + dt.timedelta(minutes=n))
        for n in range(1, 46)
    ]
    expect_list(stubber, briefs)
    newest_first = [revision_arn(n) for n in range(45, 0, -1)]
    # Revisions that cannot be described (created before service revisions existed) are skipped.
    expect_revisions(stubber, newest_first[:20], {})
    expect_revisions(
        stubber,
        newest_first[20:40],
        {arn: task_definition_arn(1) for arn in newest_first[20:40]}
        | {revision_arn(10): task_definition_arn(9)},
    )

    found = find_service_deployment(ecs, CLUSTER, SERVICE, task_definition_arn(9))

    assert found == deployment_arn("d10")  # the third batch was never asked for


def test_find_raises_the_api_error_for_a_missing_service(ecs: Any, stubber: Stubber) -> None:
    stubber.add_client_error(
        "list_service_deployments", "ServiceNotFoundException", "Service not found.", 400
    )
    with pytest.raises(ClientError, match="ServiceNotFoundException"):
        find_service_deployment(ecs, CLUSTER, SERVICE, task_definition_arn(2))


def test_revision_task_definitions_dedupes_and_skips_empty(ecs: Any, stubber: Stubber) -> None:
    expect_revisions(stubber, [revision_arn(1)], {revision_arn(1): task_definition_arn(1)})
    assert revision_task_definitions(ecs, [revision_arn(1), "", revision_arn(1)]) == {
        revision_arn(1): task_definition_arn(1)
    }


def test_same_task_definition() -> None:
    assert same_task_definition(task_definition_arn(3), "web:3")
    assert not same_task_definition(task_definition_arn(3), task_definition_arn(30))
    assert not same_task_definition(task_definition_arn(3), task_definition_arn(3, family="api"))


# --- read_deployment ----------------------------------------------------------------------


def test_read_deployment_maps_every_field(ecs: Any, stubber: Stubber) -> None:
    expect_describe(
        stubber,
        deployment(
            ARN,
            "ROLLBACK_IN_PROGRESS",
            reason=ALARM_REASON,
            stage="PRODUCTION_TRAFFIC_SHIFT",
            traffic=(90, 10),
            test_traffic=(0, 100),
            tasks=(3, 4),
            rollback={"reason": "alarm web-5xx-rate", "startedAt": T0, "serviceRevisionArn": revision_arn(1)},
            alarms={
                "status": "TRIGGERED",
                "alarmNames": ["web-5xx-rate", "web-p99"],
                "triggeredAlarmNames": ["web-5xx-rate"],
            },
            breaker={"status": "MONITORING", "failureCount": 1, "threshold": 3},
            hooks=[hook("h-1", "SUCCEEDED", SMOKE_TEST), hook("h-2", "AWAITING_ACTION")],
            strategy="CANARY",
        ),
    )

    snapshot = read_deployment(ecs, ARN)

    assert snapshot == EcsSnapshot(
        arn=ARN,
        status="ROLLBACK_IN_PROGRESS",
        status_reason=ALARM_REASON,
        lifecycle_stage="PRODUCTION_TRAFFIC_SHIFT",
        strategy="CANARY",
        created_at=T0,
        target_revision=revision_arn(2),
        source_revisions=(revision_arn(1),),
        target_tasks=TaskCounts(running=3, pending=0, requested=4),
        traffic=(("Blue", 90.0), ("Green", 10.0)),
        test_traffic=(("Blue", 0.0), ("Green", 100.0)),
        hooks=(
            Hook("h-1", "AWS_LAMBDA", SMOKE_TEST, "SUCCEEDED", "ROLLBACK"),
            Hook("h-2", "PAUSE", "", "AWAITING_ACTION", "ROLLBACK"),
        ),
        rollback=RollbackInfo("alarm web-5xx-rate", revision_arn(1)),
        alarms_status="TRIGGERED",
        alarm_names=("web-5xx-rate", "web-p99"),
        triggered_alarms=("web-5xx-rate",),
        circuit_breaker_status="MONITORING",
        circuit_breaker_failures=1,
        circuit_breaker_threshold=3,
    )
    assert snapshot.hooks[0].label == "smoke-test"
    assert not snapshot.final


def test_read_deployment_labels_several_source_revisions(ecs: Any, stubber: Stubber) -> None:
    data = deployment(ARN, "IN_PROGRESS", traffic=(100, 0))
    data["sourceServiceRevisions"].append({"arn": revision_arn(9), "requestedProductionTrafficWeight": 0.0})
    expect_describe(stubber, data)
    assert read_deployment(ecs, ARN).traffic == (("Blue 1", 100.0), ("Blue 9", 0.0), ("Green", 0.0))


def test_read_deployment_raises_when_ecs_reports_a_failure(ecs: Any, stubber: Stubber) -> None:
    stubber.add_response(
        "describe_service_deployments",
        {"serviceDeployments": [], "failures": [{"arn": ARN, "reason": "MISSING", "detail": "not found"}]},
        {"serviceDeploymentArns": [ARN]},
    )
    with pytest.raises(ServiceDeploymentNotFoundError, match=f"{ARN}: MISSING: not found"):
        read_deployment(ecs, ARN)


# --- progress_lines ----------------------------------------------------------------------


def test_progress_lines_repeat_nothing_that_did_not_change() -> None:
    snapshot = EcsSnapshot(
        arn=ARN,
        status="IN_PROGRESS",
        lifecycle_stage="BAKE_TIME",
        traffic=(("Blue", 0.0), ("Green", 100.0)),
        target_tasks=TaskCounts(4, 0, 4),
        hooks=(Hook("h-1", "AWS_LAMBDA", SMOKE_TEST, "SUCCEEDED"),),
        triggered_alarms=("x",),
        circuit_breaker_status="TRIGGERED",
        rollback=RollbackInfo("r", revision_arn(1)),
    )
    assert progress_lines(None, snapshot) != []
    assert progress_lines(snapshot, snapshot) == []


def test_progress_lines_report_circuit_breaker_failures_as_they_grow() -> None:
    before = EcsSnapshot(
        arn=ARN,
        status="IN_PROGRESS",
        circuit_breaker_status="MONITORING",
        circuit_breaker_failures=0,
        circuit_breaker_threshold=3,
    )
    after = EcsSnapshot(
        arn=ARN,
        status="IN_PROGRESS",
        circuit_breaker_status="MONITORING",
        circuit_breaker_failures=2,
        circuit_breaker_threshold=3,
    )
    assert progress_lines(before, after) == ["deployment circuit breaker: 2 failed tasks of a threshold of 3"]


# --- watch_service_deployment: how it ends ------------------------------------------------


def test_success_reports_status_stages_tasks_hooks_and_traffic_as_they_change(
    ecs: Any, stubber: Stubber
) -> None:
    expect_describe(stubber, deployment(ARN, "PENDING"))
    expect_describe(stubber, deployment(ARN, "IN_PROGRESS", stage="SCALE_UP", tasks=(1, 4), traffic=(100, 0)))
    expect_describe(stubber, deployment(ARN, "IN_PROGRESS", stage="SCALE_UP", tasks=(4, 4), traffic=(100, 0)))
    expect_describe(
        stubber,
        deployment(
            ARN,
            "IN_PROGRESS",
            stage="POST_TEST_TRAFFIC_SHIFT",
            tasks=(4, 4),
            traffic=(100, 0),
            test_traffic=(0, 100),
            hooks=[hook("h-smoke", "IN_PROGRESS", SMOKE_TEST)],
        ),
    )
    expect_describe(
        stubber,
        deployment(
            ARN,
            "IN_PROGRESS",
            stage="PRODUCTION_TRAFFIC_SHIFT",
            tasks=(4, 4),
            traffic=(0, 100),
            test_traffic=(0, 100),
            hooks=[hook("h-smoke", "SUCCEEDED", SMOKE_TEST)],
        ),
    )
    expect_describe(
        stubber,
        deployment(
            ARN,
            "SUCCESSFUL",
            reason="Service deployment completed successfully.",
            stage="CLEAN_UP",
            tasks=(4, 4),
            traffic=(0, 100),
            test_traffic=(0, 100),
            hooks=[hook("h-smoke", "SUCCEEDED", SMOKE_TEST)],
        ),
    )
    clock = FakeClock()
    log = Log()

    outcome = watch(ecs, clock, log)

    assert outcome == Outcome(ARN, "Succeeded")
    assert log == lines(
        "status PENDING (BLUE_GREEN)",
        "status IN_PROGRESS",
        "stage SCALE_UP",
        "new revision: 1/4 tasks running",
        "traffic Blue 100% / Green 0%",
        "new revision: 4/4 tasks running",
        "stage POST_TEST_TRAFFIC_SHIFT",
        "test traffic Blue 0% / Green 100%",
        "stage PRODUCTION_TRAFFIC_SHIFT",
        "lifecycle hook smoke-test SUCCEEDED",
        "traffic Blue 0% / Green 100%",
        "status SUCCESSFUL: Service deployment completed successfully.",
        "stage CLEAN_UP",
    )
    assert clock.sleeps == [POLL] * 5


def test_a_rollback_on_alarm_fails_naming_the_alarm_the_stage_and_the_revision(
    ecs: Any, stubber: Stubber
) -> None:
    alarms = {"status": "MONITORING", "alarmNames": ["web-5xx-rate", "web-p99"], "triggeredAlarmNames": []}
    expect_describe(
        stubber,
        deployment(ARN, "IN_PROGRESS", stage="PRODUCTION_TRAFFIC_SHIFT", traffic=(90, 10), alarms=alarms),
    )
    triggered = {**alarms, "status": "TRIGGERED", "triggeredAlarmNames": ["web-5xx-rate"]}
    rollback = {"reason": ALARM_REASON, "startedAt": T0, "serviceRevisionArn": revision_arn(1)}
    expect_describe(
        stubber,
        deployment(
            ARN,
            "ROLLBACK_IN_PROGRESS",
            reason=ALARM_REASON,
            stage="PRODUCTION_TRAFFIC_SHIFT",
            traffic=(100, 0),
            alarms=triggered,
            rollback=rollback,
        ),
    )
    expect_describe(
        stubber,
        deployment(
            ARN,
            "ROLLBACK_SUCCESSFUL",
            reason=ALARM_REASON,
            stage="CLEAN_UP",
            traffic=(100, 0),
            alarms=triggered,
            rollback=rollback,
        ),
    )
    log = Log()

    outcome = watch(ecs, FakeClock(), log)

    assert outcome.status == "Failed"
    assert not outcome.succeeded
    assert outcome.message == (
        f"ECS status ROLLBACK_SUCCESSFUL: {ALARM_REASON}; rolled back to service revision {revision_arn(1)}; "
        "it failed during stage PRODUCTION_TRAFFIC_SHIFT; alarm in ALARM: web-5xx-rate"
    )
    assert outcome.describe() == f"deployment {ARN} failed; {outcome.message}"
    assert lines("alarm web-5xx-rate triggered")[0] in log
    assert f"{NAME}: rolling back to revision 1: {ALARM_REASON}" in log
    assert log.count(f"{NAME}: alarm web-5xx-rate triggered") == 1


def test_a_rollback_by_the_circuit_breaker_says_so(ecs: Any, stubber: Stubber) -> None:
    expect_describe(
        stubber,
        deployment(
            ARN,
            "IN_PROGRESS",
            stage="SCALE_UP",
            tasks=(0, 4),
            breaker={"status": "MONITORING", "failureCount": 2, "threshold": 3},
        ),
    )
    expect_describe(
        stubber,
        deployment(
            ARN,
            "ROLLBACK_SUCCESSFUL",
            reason=BREAKER_REASON,
            stage="CLEAN_UP",
            tasks=(0, 4),
            breaker={"status": "TRIGGERED", "failureCount": 3, "threshold": 3},
            rollback={"reason": "circuit breaker", "serviceRevisionArn": revision_arn(1)},
        ),
    )
    log = Log()

    outcome = watch(ecs, FakeClock(), log)

    assert outcome.status == "Failed"
    assert "deployment circuit breaker triggered (3 failed tasks of a threshold of 3)" in outcome.message
    assert "because circuit breaker" in outcome.message
    assert "it failed during stage SCALE_UP" in outcome.message
    assert BREAKER_REASON in outcome.message
    assert f"{NAME}: deployment circuit breaker triggered (3 failed tasks of a threshold of 3)" in log


def test_a_failed_rollback_is_a_failure(ecs: Any, stubber: Stubber) -> None:
    expect_describe(
        stubber,
        deployment(
            ARN,
            "ROLLBACK_FAILED",
            reason="Rollback failed: tasks of revision 1 failed to start.",
            rollback={"reason": "hook failed", "serviceRevisionArn": revision_arn(1)},
            hooks=[hook("h-smoke", "FAILED", SMOKE_TEST)],
        ),
    )

    outcome = watch(ecs, FakeClock(), Log())

    assert outcome.status == "Failed"
    assert f"the rollback to service revision {revision_arn(1)} failed because hook failed" in outcome.message
    assert "lifecycle hook smoke-test FAILED" in outcome.message


def test_a_stopped_deployment_is_stopped(ecs: Any, stubber: Stubber) -> None:
    expect_describe(stubber, deployment(ARN, "IN_PROGRESS", stage="BAKE_TIME"))
    expect_describe(stubber, deployment(ARN, "STOP_REQUESTED", stage="BAKE_TIME"))
    expect_describe(stubber, deployment(ARN, "STOPPED", reason="Stopped by user.", stage="BAKE_TIME"))
    log = Log()

    outcome = watch(ecs, FakeClock(), log)

    assert outcome.status == "Stopped"
    assert outcome.message == "ECS status STOPPED: Stopped by user.; it was stopped during stage BAKE_TIME"
    assert outcome.describe().startswith(f"deployment {ARN} stopped; ")
    assert log[-1] == f"{NAME}: status STOPPED: Stopped by user."


def test_a_paused_hook_logs_how_to_continue(ecs: Any, stubber: Stubber) -> None:
    expect_describe(
        stubber,
        deployment(
            ARN, "IN_PROGRESS", stage="POST_TEST_TRAFFIC_SHIFT", hooks=[hook("h-pause", "AWAITING_ACTION")]
        ),
    )
    expect_describe(
        stubber, deployment(ARN, "SUCCESSFUL", stage="CLEAN_UP", hooks=[hook("h-pause", "SUCCEEDED")])
    )
    log = Log()

    assert watch(ecs, FakeClock(), log).succeeded

    assert (
        f"{NAME}: ready wait: paused at POST_TEST_TRAFFIC_SHIFT (PAUSE hook h-pause), green has the test "
        f"traffic, then ROLLBACK; go ahead: python -m release continue {ARN} "
        "(or roll back: python -m release rollback)"
    ) in log
    assert f"{NAME}: lifecycle hook pause h-pause SUCCEEDED" in log


# --- the ready wait: a PAUSE hook -------------------------------------------------------------

EXPIRES = T0 + dt.timedelta(minutes=30)


def _paused(status: str = "AWAITING_ACTION", deployment_status: str = "IN_PROGRESS", **kwargs: Any) -> dict:
    return deployment(
        ARN,
        deployment_status,
        stage=kwargs.pop("stage", "POST_TEST_TRAFFIC_SHIFT"),
        test_traffic=(0.0, 100.0),
        traffic=(100.0, 0.0),
        hooks=[hook("ecs-pause-1", status, expires=EXPIRES, timeout_action=kwargs.pop("action", "ROLLBACK"))],
        **kwargs,
    )


def test_a_ready_wait_is_waited_through_with_its_time_left(ecs: Any, stubber: Stubber) -> None:
    """Paused, then continued (someone ran `continue`): the watch succeeds with the deployment."""
    expect_describe(stubber, _paused())
    expect_describe(stubber, _paused())
    expect_describe(stubber, _paused("SUCCEEDED", stage="PRODUCTION_TRAFFIC_SHIFT"))
    expect_describe(stubber, _paused("SUCCEEDED", "SUCCESSFUL", stage="CLEAN_UP"))
    log = Log()
    now = iter([T0 + dt.timedelta(minutes=17, seconds=30), *[EXPIRES] * 3])
    clock = FakeClock()

    outcome = watch_service_deployment(
        ecs,
        ARN,
        timeout_seconds=3600,
        poll_seconds=POLL,
        log=log,
        clock=clock,
        sleep=clock.sleep,
        now=lambda: next(now),
    )

    assert outcome.succeeded
    paused = [line for line in log if "ready wait" in line]
    assert paused == [
        f"{NAME}: ready wait: paused at POST_TEST_TRAFFIC_SHIFT (PAUSE hook ecs-pause-1), green has the test "
        "traffic; 12m 30s left (until 2025-08-01T12:30:00+00:00), then ROLLBACK; go ahead: "
        f"python -m release continue {ARN} (or roll back: python -m release rollback)"
    ]  # once, not at every poll
    assert f"{NAME}: lifecycle hook pause ecs-pause-1 SUCCEEDED" in log


def test_a_ready_wait_that_runs_out_into_a_rollback_fails_and_says_so(ecs: Any, stubber: Stubber) -> None:
    expect_describe(stubber, _paused())
    expect_describe(
        stubber,
        _paused(
            "TIMED_OUT",
            "ROLLBACK_SUCCESSFUL",
            stage="CLEAN_UP",
            reason="Service deployment rolled back because the lifecycle hook timed out.",
            rollback={"reason": "lifecycle hook timed out", "serviceRevisionArn": revision_arn(1)},
        ),
    )
    outcome = watch(ecs, FakeClock(), Log())

    assert outcome.status == "Failed"
    assert (
        "the ready wait ran out (PAUSE hook ecs-pause-1 TIMED_OUT): nobody gave the go-ahead "
        "(python -m release continue) in time, so ECS took its timeout action ROLLBACK"
    ) in outcome.message
    assert "rolled back to service revision" in outcome.message
    assert "it failed during stage POST_TEST_TRAFFIC_SHIFT" in outcome.message


def test_a_ready_wait_rolled_back_by_hand_fails_the_watch(ecs: Any, stubber: Stubber) -> None:
    expect_describe(stubber, _paused())
    expect_describe(
        stubber,
        _paused(
            "SUCCEEDED",
            "ROLLBACK_SUCCESSFUL",
            stage="CLEAN_UP",
            rollback={
                "reason": "Rolled back by ContinueServiceDeployment",
                "serviceRevisionArn": revision_arn(1),
            },
        ),
    )
    outcome = watch(ecs, FakeClock(), Log())

    assert outcome.status == "Failed"
    assert "rolled back to service revision" in outcome.message
    assert "Rolled back by ContinueServiceDeployment" in outcome.message


def test_a_ready_wait_that_runs_out_into_continue_succeeds(ecs: Any, stubber: Stubber) -> None:
    expect_describe(stubber, _paused(action="CONTINUE"))
    expect_describe(stubber, _paused("TIMED_OUT", "SUCCESSFUL", stage="CLEAN_UP", action="CONTINUE"))
    log = Log()

    assert watch(ecs, FakeClock(), log).succeeded
    assert f"{NAME}: lifecycle hook pause ecs-pause-1 TIMED_OUT" in log


def test_a_timeout_stops_the_deployment_with_rollback(ecs: Any, stubber: Stubber) -> None:
    expect_describe(stubber, deployment(ARN, "IN_PROGRESS", stage="BAKE_TIME"))
    expect_describe(stubber, deployment(ARN, "IN_PROGRESS", stage="BAKE_TIME"))
    expect_describe(stubber, deployment(ARN, "IN_PROGRESS", stage="BAKE_TIME"))
    expect_stop(stubber, ARN)
    clock = FakeClock()

    outcome = watch(ecs, clock, Log(), timeout=30, stop=True)

    assert outcome == Outcome(
        ARN,
        "TimedOut",
        "still IN_PROGRESS in stage BAKE_TIME after 30 s; "
        "requested a stop with rollback (StopServiceDeployment, stopType ROLLBACK)",
        running_event=LifecycleEvent("BAKE_TIME", "InProgress"),
    )
    assert clock.sleeps == [POLL, POLL]
    assert "lifecycle event BAKE_TIME still in progress" in outcome.describe()


def test_a_timeout_reports_a_failed_stop(ecs: Any, stubber: Stubber) -> None:
    expect_describe(stubber, deployment(ARN, "IN_PROGRESS", stage="BAKE_TIME"))
    stubber.add_client_error(
        "stop_service_deployment",
        "ConflictException",
        "The service deployment is not in a state that can be stopped.",
        400,
        expected_params={"serviceDeploymentArn": ARN, "stopType": "ROLLBACK"},
    )

    outcome = watch(ecs, FakeClock(), Log(), timeout=0, stop=True)

    assert outcome.status == "TimedOut"
    assert "stopping it with rollback failed: " in outcome.message
    assert "ConflictException" in outcome.message
    assert "requested a stop" not in outcome.message


def test_a_timeout_without_stop_leaves_it_running_and_says_how_to_stop_it(ecs: Any, stubber: Stubber) -> None:
    expect_describe(stubber, deployment(ARN, "IN_PROGRESS", stage="BAKE_TIME"))

    outcome = watch(ecs, FakeClock(), Log(), timeout=0, stop=False)  # no stop call is queued

    assert outcome.status == "TimedOut"
    assert outcome.message.endswith(
        f"left running; to stop it with rollback: aws ecs stop-service-deployment "
        f"--service-deployment-arn {ARN} --stop-type ROLLBACK"
    )


def test_a_timeout_while_already_rolling_back_does_not_stop_it_again(ecs: Any, stubber: Stubber) -> None:
    expect_describe(stubber, deployment(ARN, "ROLLBACK_IN_PROGRESS", stage="SCALE_UP"))

    outcome = watch(ecs, FakeClock(), Log(), timeout=0, stop=True)  # no stop call is queued

    assert outcome.status == "TimedOut"
    assert "not stopped: it is already ROLLBACK_IN_PROGRESS" in outcome.message


def test_read_errors_are_polled_through_a_few_times(ecs: Any, stubber: Stubber) -> None:
    expect_describe(stubber, deployment(ARN, "IN_PROGRESS", stage="SCALE_UP"))
    stubber.add_client_error("describe_service_deployments", "ServerException", "try again", 500)
    stubber.add_client_error("describe_service_deployments", "ServerException", "try again", 500)
    expect_describe(stubber, deployment(ARN, "SUCCESSFUL", stage="CLEAN_UP"))
    log = Log()
    clock = FakeClock()

    assert watch(ecs, clock, log).succeeded

    assert sum("could not read the deployment" in line for line in log) == 2
    assert log.count(f"{NAME}: stage SCALE_UP") == 1
    assert clock.sleeps == [POLL] * 3


def test_too_many_read_errors_in_a_row_are_raised(ecs: Any, stubber: Stubber) -> None:
    for _ in range(4):
        stubber.add_client_error("describe_service_deployments", "AccessDeniedException", "no", 400)

    with pytest.raises(ClientError, match="AccessDeniedException"):
        watch(ecs, FakeClock(), Log())


def test_a_deployment_that_already_ended_is_not_slept_on(ecs: Any, stubber: Stubber) -> None:
    expect_describe(stubber, deployment(ARN, "SUCCESSFUL"))
    outcome = watch_service_deployment(
        ecs, ARN, timeout_seconds=60, poll_seconds=POLL, log=Log(), clock=FakeClock(), sleep=no_sleep
    )
    assert outcome.succeeded
