"""Follow one Amazon ECS service deployment until it ends, reporting progress as it goes, and
say why it ended as it did (rollback, alarms, circuit breaker, lifecycle hooks) in the shared
Outcome. Finding and reading deployments is release/ecs/deployments.py.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from release.core.outcome import LifecycleEvent, Outcome, format_traffic
from release.ecs.deployments import (
    FINAL_STATUSES,
    STOPPABLE_STATUSES,
    EcsSnapshot,
    Hook,
    read_deployment,
    short_name,
)

OUTCOME_STATUS = {
    "SUCCESSFUL": "Succeeded",
    "STOPPED": "Stopped",
    "ROLLBACK_SUCCESSFUL": "Failed",
    "ROLLBACK_FAILED": "Failed",
}
MONITOR_TRIGGERED = "TRIGGERED"
_FINISHED_HOOK_STATES = ("SUCCEEDED", "FAILED", "TIMED_OUT")
MAX_READ_FAILURES = 3
"""Consecutive failed DescribeServiceDeployments calls (after botocore's own retries) a watch
tolerates before giving up."""


def _breaker_text(snapshot: EcsSnapshot) -> str:
    count = snapshot.circuit_breaker_failures
    threshold = snapshot.circuit_breaker_threshold
    if count is None:
        return ""
    return f"{count} failed tasks" + (f" of a threshold of {threshold}" if threshold is not None else "")


def continue_command(arn: str, hook_id: str) -> str:
    """The command that resumes a deployment paused at a lifecycle hook."""
    return (
        f"aws ecs continue-service-deployment --service-deployment-arn {arn} "
        f"--hook-id {hook_id} --action CONTINUE"
    )


def time_left_text(seconds: int) -> str:
    """``12m 30s`` (``1h 05m`` from an hour on)."""
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h {rest // 60:02d}m" if hours else f"{rest // 60}m {rest % 60:02d}s"


def pause_line(arn: str, stage: str, hook: Hook, now: dt.datetime | None) -> str:
    """The ready wait as the watch says it: where it holds, the time left, what then, the go-ahead."""
    where = f" at {stage}" if stage else ""
    line = f"ready wait: paused{where} (PAUSE hook {hook.hook_id}), green has the test traffic"
    left = hook.seconds_left(now) if now is not None else None
    if left is not None:
        line += f"; {time_left_text(left)} left"
    if hook.expires_at is not None:
        line += f" (until {hook.expires_at.isoformat()})"
    if hook.timeout_action:
        line += f", then {hook.timeout_action}"
    return f"{line}; go ahead: python -m release continue {arn} (or roll back: python -m release rollback)"


def progress_lines(
    previous: EcsSnapshot | None, current: EcsSnapshot, now: dt.datetime | None = None
) -> list[str]:
    """What changed since the last poll, as log lines; ``now`` gives a ready wait's time left."""
    lines: list[str] = []
    if previous is None or (previous.status, previous.status_reason) != (
        current.status,
        current.status_reason,
    ):
        strategy = f" ({current.strategy})" if previous is None and current.strategy else ""
        reason = f": {current.status_reason}" if current.status_reason else ""
        lines.append(f"status {current.status}{strategy}{reason}")
    if current.lifecycle_stage and (previous is None or previous.lifecycle_stage != current.lifecycle_stage):
        lines.append(f"stage {current.lifecycle_stage}")
    previous_hooks = {hook.hook_id: hook.status for hook in previous.hooks} if previous else {}
    for hook in current.hooks:
        if previous_hooks.get(hook.hook_id) == hook.status:
            continue
        if hook.paused:
            lines.append(pause_line(current.arn, current.lifecycle_stage, hook, now))
        elif hook.status == "AWAITING_ACTION":
            command = continue_command(current.arn, hook.hook_id)
            lines.append(f"paused at lifecycle hook {hook.hook_id}; resume with `{command}`")
        elif hook.status in _FINISHED_HOOK_STATES:
            lines.append(f"lifecycle hook {hook.label} {hook.status}")
    tasks = current.target_tasks
    if tasks is not None and (previous is None or previous.target_tasks != tasks):
        pending = f", {tasks.pending} pending" if tasks.pending else ""
        lines.append(f"new revision: {tasks.running}/{tasks.requested} tasks running{pending}")
    if current.test_traffic and (previous is None or previous.test_traffic != current.test_traffic):
        lines.append(f"test traffic {format_traffic(current.test_traffic)}")
    if current.traffic and (previous is None or previous.traffic != current.traffic):
        lines.append(f"traffic {format_traffic(current.traffic)}")
    seen_alarms = set(previous.triggered_alarms) if previous else set()
    for alarm in current.triggered_alarms:
        if alarm not in seen_alarms:
            lines.append(f"alarm {alarm} triggered")
    if current.circuit_breaker_status == MONITOR_TRIGGERED and (
        previous is None or previous.circuit_breaker_status != MONITOR_TRIGGERED
    ):
        detail = _breaker_text(current)
        lines.append("deployment circuit breaker triggered" + (f" ({detail})" if detail else ""))
    elif (
        current.circuit_breaker_failures
        and previous is not None
        and previous.circuit_breaker_failures != current.circuit_breaker_failures
    ):
        lines.append(f"deployment circuit breaker: {_breaker_text(current)}")
    if current.rollback is not None and (previous is None or previous.rollback != current.rollback):
        target = f" to revision {short_name(current.rollback.revision)}" if current.rollback.revision else ""
        reason = f": {current.rollback.reason}" if current.rollback.reason else ""
        lines.append(f"rolling back{target}{reason}")
    return lines


def explain(snapshot: EcsSnapshot, *, failed_in_stage: str = "") -> str:
    """Why a deployment ended (or stands) as it does: ECS status and reason, the rollback,
    triggered alarms, the circuit breaker and failed lifecycle hooks."""
    parts = [
        f"ECS status {snapshot.status}" + (f": {snapshot.status_reason}" if snapshot.status_reason else "")
    ]
    rollback = snapshot.rollback
    if snapshot.status.startswith("ROLLBACK") or rollback is not None:
        revision = rollback.revision if rollback is not None else ""
        to = f" to service revision {revision}" if revision else ""
        if snapshot.status == "ROLLBACK_SUCCESSFUL":
            text = f"rolled back{to}"
        elif snapshot.status == "ROLLBACK_FAILED":
            text = f"the rollback{to} failed"
        elif snapshot.status.startswith("ROLLBACK"):
            text = f"rolling back{to}"
        else:
            text = f"rollback{to}"
        if rollback is not None and rollback.reason and rollback.reason != snapshot.status_reason:
            text += f" because {rollback.reason}"
        parts.append(text)
    if failed_in_stage:
        verb = "was stopped" if snapshot.status.startswith("STOP") else "failed"
        parts.append(f"it {verb} during stage {failed_in_stage}")
    if snapshot.triggered_alarms:
        parts.append(f"alarm in ALARM: {', '.join(snapshot.triggered_alarms)}")
    elif snapshot.alarms_status == MONITOR_TRIGGERED:
        parts.append("the deployment alarms triggered")
    if snapshot.circuit_breaker_status == MONITOR_TRIGGERED:
        detail = _breaker_text(snapshot)
        parts.append("deployment circuit breaker triggered" + (f" ({detail})" if detail else ""))
    for hook in snapshot.hooks:
        if hook.is_pause and hook.status == "TIMED_OUT":
            parts.append(_pause_timed_out(hook))
        elif hook.status in ("FAILED", "TIMED_OUT"):
            parts.append(f"lifecycle hook {hook.label} {hook.status}")
    return "; ".join(parts)


def _pause_timed_out(hook: Hook) -> str:
    then = (
        f"ECS took its timeout action {hook.timeout_action}"
        if hook.timeout_action
        else "ECS took its timeout action"
    )
    return (
        f"the ready wait ran out (PAUSE hook {hook.hook_id} TIMED_OUT): nobody gave the go-ahead "
        f"(python -m release continue) in time, so {then}"
    )


def outcome_of(snapshot: EcsSnapshot, *, failed_in_stage: str = "") -> Outcome | None:
    """The outcome if the deployment has ended, else None. A rollback is a failure, whatever
    triggered it; STOPPED (stopped by someone, or failed without rollback) is Stopped."""
    if snapshot.status not in FINAL_STATUSES:
        return None
    if snapshot.status == "SUCCESSFUL":
        return Outcome(snapshot.arn, "Succeeded")
    return Outcome(
        snapshot.arn, OUTCOME_STATUS[snapshot.status], explain(snapshot, failed_in_stage=failed_in_stage)
    )


def stop_with_rollback(ecs: Any, snapshot: EcsSnapshot) -> str:
    """StopServiceDeployment with stopType ROLLBACK when the deployment is still rolling
    forward; a note saying what happened, for the timed-out outcome's message."""
    if snapshot.status not in STOPPABLE_STATUSES:
        return f"not stopped: it is already {snapshot.status}"
    try:
        ecs.stop_service_deployment(serviceDeploymentArn=snapshot.arn, stopType="ROLLBACK")
    except (ClientError, BotoCoreError) as error:
        return f"stopping it with rollback failed: {error}"
    return "requested a stop with rollback (StopServiceDeployment, stopType ROLLBACK)"


def watch_service_deployment(
    ecs: Any,
    arn: str,
    *,
    timeout_seconds: float,
    poll_seconds: float,
    log: Callable[[str], None],
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    stop_on_timeout: bool = False,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> Outcome:
    """Poll until the deployment ends or ``timeout_seconds`` pass (outcome ``TimedOut``; with
    ``stop_on_timeout`` it is then stopped with rollback and the message says whether that worked).
    A ready wait (a PAUSE hook) is waited through like any stage; ``now`` (wall clock) gives its
    time left in the log.

    Up to MAX_READ_FAILURES consecutive API errors are logged and polled through; the next is
    raised (ClientError / BotoCoreError), as is ServiceDeploymentNotFoundError."""
    deadline = clock() + timeout_seconds
    name = short_name(arn)
    previous: EcsSnapshot | None = None
    failed_reads = 0
    stage_before_rollback = ""
    while True:
        try:
            snapshot = read_deployment(ecs, arn)
        except (ClientError, BotoCoreError) as error:
            failed_reads += 1
            if failed_reads > MAX_READ_FAILURES:
                raise
            log(f"{name}: could not read the deployment ({error}); trying again")
        else:
            failed_reads = 0
            for line in progress_lines(previous, snapshot, now()):
                log(f"{name}: {line}")
            rolling_back = snapshot.rollback is not None or snapshot.status.startswith(("ROLLBACK", "STOP"))
            if not rolling_back and snapshot.lifecycle_stage:
                stage_before_rollback = snapshot.lifecycle_stage
            previous = snapshot
            outcome = outcome_of(snapshot, failed_in_stage=stage_before_rollback)
            if outcome is not None:
                return outcome
        if clock() >= deadline:
            return _timed_out(ecs, arn, previous, timeout_seconds, stop_on_timeout)
        sleep(poll_seconds)


def _timed_out(
    ecs: Any, arn: str, last: EcsSnapshot | None, timeout_seconds: float, stop_on_timeout: bool
) -> Outcome:
    if last is None:
        return Outcome(arn, "TimedOut", f"could not be read within {timeout_seconds:g} s")
    stage = f" in stage {last.lifecycle_stage}" if last.lifecycle_stage else ""
    message = f"still {last.status}{stage} after {timeout_seconds:g} s"
    if stop_on_timeout:
        note = stop_with_rollback(ecs, last)
    else:
        note = (
            "left running; to stop it with rollback: aws ecs stop-service-deployment "
            f"--service-deployment-arn {arn} --stop-type ROLLBACK"
        )
    running = LifecycleEvent(last.lifecycle_stage, "InProgress") if last.lifecycle_stage else None
    return Outcome(arn, "TimedOut", f"{message}; {note}", running_event=running)
