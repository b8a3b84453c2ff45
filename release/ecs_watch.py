"""Follow one Amazon ECS *service deployment* (the ECS deployment controller's own blue/green,
linear, canary or rolling deployment) until it ends, reporting progress as it goes.

`pulumi up` changes the service's task definition (UpdateService); ECS then starts a service
deployment from the service's current revision(s) to a new target service revision. The APIs
(botocore model ``ecs/2014-11-13``):

* ListServiceDeployments(cluster, service, createdAt={after}, maxResults, nextToken) ->
  ``serviceDeployments[]``: serviceDeploymentArn, createdAt, targetServiceRevisionArn, status.
* DescribeServiceRevisions(serviceRevisionArns, at most 20) -> ``serviceRevisions[]``:
  serviceRevisionArn, taskDefinition (how a deployment maps to the task definition it deploys).
* DescribeServiceDeployments(serviceDeploymentArns) -> ``serviceDeployments[]``: status,
  statusReason, lifecycleStage, targetServiceRevision / sourceServiceRevisions (task counts and
  requested production / test traffic weights), lifecycleHookDetails, rollback, alarms,
  deploymentCircuitBreaker; ``failures[]`` for ARNs it does not know.
* StopServiceDeployment(serviceDeploymentArn, stopType=ROLLBACK).

Statuses: PENDING, IN_PROGRESS, STOP_REQUESTED, ROLLBACK_REQUESTED and ROLLBACK_IN_PROGRESS are
still running; SUCCESSFUL, STOPPED, ROLLBACK_SUCCESSFUL and ROLLBACK_FAILED are final.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from release.watch import LifecycleEvent, Outcome, format_traffic

ACTIVE_STATUSES = ("PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS")
FINAL_STATUSES = ("SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED")
STOPPABLE_STATUSES = ("PENDING", "IN_PROGRESS")
"""A timed-out deployment in these is stopped with rollback; one already stopping or rolling
back is left to finish that."""
OUTCOME_STATUS = {
    "SUCCESSFUL": "Succeeded",
    "STOPPED": "Stopped",
    "ROLLBACK_SUCCESSFUL": "Failed",
    "ROLLBACK_FAILED": "Failed",
}
MONITOR_TRIGGERED = "TRIGGERED"
_FINISHED_HOOK_STATES = ("SUCCEEDED", "FAILED", "TIMED_OUT")
_REVISIONS_PER_CALL = 20
"""DescribeServiceRevisions takes at most 20 ARNs."""
_LIST_PAGE_SIZE = 100
_MAX_LIST_PAGES = 20
MAX_READ_FAILURES = 3
"""Consecutive failed DescribeServiceDeployments calls (after botocore's own retries) a watch
tolerates before giving up."""


class ServiceDeploymentNotFoundError(LookupError):
    """DescribeServiceDeployments answered with a failure for the ARN instead of a deployment."""


@dataclass(frozen=True)
class Hook:
    """One lifecycle hook of the deployment (``lifecycleHookDetails``)."""

    hook_id: str
    target_type: str
    """AWS_LAMBDA or PAUSE."""
    target: str
    """The Lambda function ARN; empty for PAUSE hooks."""
    status: str
    """AWAITING_ACTION, IN_PROGRESS, SUCCEEDED, FAILED or TIMED_OUT."""
    timeout_action: str = ""

    @property
    def label(self) -> str:
        if self.target:
            return self.target.rsplit(":", 1)[-1] if ":function:" in self.target else self.target
        return f"{self.target_type.lower() or 'hook'} {self.hook_id}".strip()


@dataclass(frozen=True)
class RollbackInfo:
    reason: str = ""
    revision: str = ""
    """The service revision ARN rolled back to."""


@dataclass(frozen=True)
class TaskCounts:
    running: int
    pending: int
    requested: int


@dataclass(frozen=True)
class EcsSnapshot:
    """What one DescribeServiceDeployments call saw."""

    arn: str
    status: str
    status_reason: str = ""
    lifecycle_stage: str = ""
    strategy: str = ""
    created_at: dt.datetime | None = None
    target_revision: str = ""
    source_revisions: tuple[str, ...] = ()
    target_tasks: TaskCounts | None = None
    traffic: tuple[tuple[str, float], ...] = ()
    """(revision label, requested percent of production traffic), e.g. (("Blue", 90.0), ("Green", 10.0))."""
    test_traffic: tuple[tuple[str, float], ...] = ()
    hooks: tuple[Hook, ...] = ()
    rollback: RollbackInfo | None = None
    alarms_status: str = ""
    alarm_names: tuple[str, ...] = ()
    triggered_alarms: tuple[str, ...] = ()
    circuit_breaker_status: str = ""
    circuit_breaker_failures: int | None = None
    circuit_breaker_threshold: int | None = None

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES


def short_name(arn: str) -> str:
    """The last path segment of an ARN: a deployment or revision id, or ``family:revision``."""
    return arn.rsplit("/", 1)[-1]


def same_task_definition(a: str, b: str) -> bool:
    """Task definitions compared as ``family:revision``, so an ARN matches its short form."""
    return short_name(a) == short_name(b)


# --- finding the deployment ------------------------------------------------------------------


def _list_deployments(
    ecs: Any, cluster: str, service: str, created_after: dt.datetime | None
) -> list[dict[str, Any]]:
    request: dict[str, Any] = {"cluster": cluster, "service": service, "maxResults": _LIST_PAGE_SIZE}
    if created_after is not None:
        after = created_after if created_after.tzinfo else created_after.replace(tzinfo=dt.UTC)
        request["createdAt"] = {"after": after}
    found: list[dict[str, Any]] = []
    for _page in range(_MAX_LIST_PAGES):
        response = ecs.list_service_deployments(**request)
        found.extend(response.get("serviceDeployments", []))
        token = response.get("nextToken")
        if not token:
            break
        request["nextToken"] = token
    return found


_T = TypeVar("_T")


def _chunks(values: list[_T], size: int) -> Iterator[list[_T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def revision_task_definitions(ecs: Any, revision_arns: Iterable[str]) -> dict[str, str]:
    """Service revision ARN -> the task definition it runs (revisions ECS cannot describe are left out)."""
    unique = list(dict.fromkeys(arn for arn in revision_arns if arn))
    found: dict[str, str] = {}
    for chunk in _chunks(unique, _REVISIONS_PER_CALL):
        response = ecs.describe_service_revisions(serviceRevisionArns=chunk)
        for revision in response.get("serviceRevisions", []):
            if revision.get("serviceRevisionArn") and revision.get("taskDefinition"):
                found[str(revision["serviceRevisionArn"])] = str(revision["taskDefinition"])
    return found


def _newest_first(deployments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(deployments, key=lambda d: d.get("createdAt") or oldest, reverse=True)


def find_service_deployment(
    ecs: Any,
    cluster: str,
    service: str,
    task_definition_arn: str,
    *,
    created_after: dt.datetime | None = None,
) -> str | None:
    """The ARN of the newest service deployment whose target service revision runs
    ``task_definition_arn`` (created after ``created_after`` when given), else None.

    API errors (e.g. ServiceNotFoundException) are raised as botocore's ClientError."""
    deployments = _newest_first(_list_deployments(ecs, cluster, service, created_after))
    ordered = [d for d in deployments if d.get("targetServiceRevisionArn") and d.get("serviceDeploymentArn")]
    for chunk in _chunks(ordered, _REVISIONS_PER_CALL):
        task_definitions = revision_task_definitions(ecs, (d["targetServiceRevisionArn"] for d in chunk))
        for deployment in chunk:
            runs = task_definitions.get(deployment["targetServiceRevisionArn"])
            if runs is not None and same_task_definition(runs, task_definition_arn):
                return str(deployment["serviceDeploymentArn"])
    return None


# --- reading it --------------------------------------------------------------------------------


def _weights(
    target: dict[str, Any], sources: list[dict[str, Any]], key: str
) -> tuple[tuple[str, float], ...]:
    labelled: list[tuple[str, float]] = []
    for source in sources:
        if source.get(key) is not None:
            label = "Blue" if len(sources) == 1 else f"Blue {short_name(str(source.get('arn', '?')))}"
            labelled.append((label, float(source[key])))
    if target.get(key) is not None:
        labelled.append(("Green", float(target[key])))
    return tuple(sorted(labelled))


def _task_counts(revision: dict[str, Any]) -> TaskCounts | None:
    if revision.get("requestedTaskCount") is None:
        return None
    return TaskCounts(
        running=int(revision.get("runningTaskCount") or 0),
        pending=int(revision.get("pendingTaskCount") or 0),
        requested=int(revision["requestedTaskCount"]),
    )


def snapshot_of(deployment: dict[str, Any]) -> EcsSnapshot:
    """An EcsSnapshot from one ``ServiceDeployment`` structure."""
    target = deployment.get("targetServiceRevision") or {}
    sources = list(deployment.get("sourceServiceRevisions") or [])
    rollback = deployment.get("rollback")
    alarms = deployment.get("alarms") or {}
    breaker = deployment.get("deploymentCircuitBreaker") or {}
    hooks = tuple(
        Hook(
            hook_id=str(hook.get("hookId", "")),
            target_type=str(hook.get("targetType", "")),
            target=str(hook.get("targetArn", "")),
            status=str(hook.get("status", "")),
            timeout_action=str(hook.get("timeoutAction", "")),
        )
        for hook in deployment.get("lifecycleHookDetails") or []
    )
    return EcsSnapshot(
        arn=str(deployment.get("serviceDeploymentArn", "")),
        status=str(deployment.get("status", "PENDING")),
        status_reason=str(deployment.get("statusReason") or ""),
        lifecycle_stage=str(deployment.get("lifecycleStage") or ""),
        strategy=str((deployment.get("deploymentConfiguration") or {}).get("strategy") or ""),
        created_at=deployment.get("createdAt"),
        target_revision=str(target.get("arn") or ""),
        source_revisions=tuple(str(s.get("arn", "")) for s in sources),
        target_tasks=_task_counts(target),
        traffic=_weights(target, sources, "requestedProductionTrafficWeight"),
        test_traffic=_weights(target, sources, "requestedTestTrafficWeight"),
        hooks=hooks,
        rollback=None
        if rollback is None
        else RollbackInfo(
            reason=str(rollback.get("reason") or ""), revision=str(rollback.get("serviceRevisionArn") or "")
        ),
        alarms_status=str(alarms.get("status") or ""),
        alarm_names=tuple(alarms.get("alarmNames") or ()),
        triggered_alarms=tuple(alarms.get("triggeredAlarmNames") or ()),
        circuit_breaker_status=str(breaker.get("status") or ""),
        circuit_breaker_failures=breaker.get("failureCount"),
        circuit_breaker_threshold=breaker.get("threshold"),
    )


def read_deployment(ecs: Any, arn: str) -> EcsSnapshot:
    """One DescribeServiceDeployments call; ServiceDeploymentNotFoundError when ECS reports a failure
    for the ARN (or returns nothing)."""
    response = ecs.describe_service_deployments(serviceDeploymentArns=[arn])
    for deployment in response.get("serviceDeployments", []):
        if deployment.get("serviceDeploymentArn", arn) == arn:
            return snapshot_of(deployment)
    failures = [
        ": ".join(str(v) for v in (f.get("reason"), f.get("detail")) if v)
        for f in response.get("failures", [])
    ]
    raise ServiceDeploymentNotFoundError(
        f"ECS could not describe service deployment {arn}" + (f": {'; '.join(failures)}" if failures else "")
    )


# --- reporting ----------------------------------------------------------------------------------


def _breaker_text(snapshot: EcsSnapshot) -> str:
    count = snapshot.circuit_breaker_failures
    threshold = snapshot.circuit_breaker_threshold
    if count is None:
        return ""
    return f"{count} failed tasks" + (f" of a threshold of {threshold}" if threshold is not None else "")


def _continue_command(arn: str, hook: Hook) -> str:
    return (
        f"aws ecs continue-service-deployment --service-deployment-arn {arn} "
        f"--hook-id {hook.hook_id} --action CONTINUE"
    )


def progress_lines(previous: EcsSnapshot | None, current: EcsSnapshot) -> list[str]:
    """What changed since the last poll, as log lines."""
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
        if hook.status == "AWAITING_ACTION":
            command = _continue_command(current.arn, hook)
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
        if hook.status in ("FAILED", "TIMED_OUT"):
            parts.append(f"lifecycle hook {hook.label} {hook.status}")
    return "; ".join(parts)


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
) -> Outcome:
    """Poll until the deployment ends or ``timeout_seconds`` pass (outcome ``TimedOut``; with
    ``stop_on_timeout`` it is then stopped with rollback and the message says whether that worked).

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
            for line in progress_lines(previous, snapshot):
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
