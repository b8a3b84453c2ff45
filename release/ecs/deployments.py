"""Find and read Amazon ECS *service deployments* (the ECS deployment controller's own
blue/green, linear, canary or rolling deployments): the one place that lists, describes and
maps them to task definitions, for `pulumi up`'s release and the CLI alike.

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
* ContinueServiceDeployment(serviceDeploymentArn, hookId, action CONTINUE or ROLLBACK): ends a
  PAUSE hook that is AWAITING_ACTION (the ready wait, deployment.readyWaitMinutes), while the
  deployment is IN_PROGRESS (developer guide, "Continuing Amazon ECS service deployments").

Statuses: PENDING, IN_PROGRESS, STOP_REQUESTED, ROLLBACK_REQUESTED and ROLLBACK_IN_PROGRESS are
still running; SUCCESSFUL, STOPPED, ROLLBACK_SUCCESSFUL and ROLLBACK_FAILED are final.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

ACTIVE_STATUSES = ("PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS")
FINAL_STATUSES = ("SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED")
STOPPABLE_STATUSES = ("PENDING", "IN_PROGRESS")
"""A timed-out deployment in these is stopped with rollback; one already stopping or rolling
back is left to finish that."""
PAUSE_TARGET = "PAUSE"
"""A lifecycle hook's targetType when it waits for ContinueServiceDeployment."""
AWAITING_ACTION = "AWAITING_ACTION"
"""A PAUSE hook's status while it holds the deployment."""
_REVISIONS_PER_CALL = 20
"""DescribeServiceRevisions takes at most 20 ARNs."""
_LIST_PAGE_SIZE = 100
_MAX_LIST_PAGES = 20


class ServiceDeploymentNotFoundError(LookupError):
    """DescribeServiceDeployments answered with a failure for the ARN instead of a deployment."""

    def __init__(self, arn: str, reasons: str) -> None:
        super().__init__(
            f"ECS could not describe service deployment {arn}" + (f": {reasons}" if reasons else "")
        )
        self.arn = arn
        self.reasons = reasons
        """ECS's failures for the ARN, "; "-separated; empty when it answered with nothing."""


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
    expires_at: dt.datetime | None = None
    """When ECS takes ``timeout_action`` unless the hook completed (a PAUSE hook: unless someone
    continued it)."""

    @property
    def is_pause(self) -> bool:
        return self.target_type == PAUSE_TARGET

    @property
    def paused(self) -> bool:
        """A PAUSE hook waiting for ContinueServiceDeployment."""
        return self.is_pause and self.status == AWAITING_ACTION

    def seconds_left(self, now: dt.datetime) -> int | None:
        """Seconds until ECS takes the timeout action (0 once passed; None when ECS gave no time)."""
        if self.expires_at is None:
            return None
        expires = self.expires_at if self.expires_at.tzinfo else self.expires_at.replace(tzinfo=dt.UTC)
        return max(0, int((expires - now).total_seconds()))

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

    @property
    def pause(self) -> Hook | None:
        """The PAUSE hook holding the deployment now (the ready wait), if any."""
        return next((hook for hook in self.hooks if hook.paused), None)


def short_name(arn: str) -> str:
    """The last path segment of an ARN: a deployment or revision id, or ``family:revision``."""
    return arn.rsplit("/", 1)[-1]


def same_task_definition(a: str, b: str) -> bool:
    """Task definitions compared as ``family:revision``, so an ARN matches its short form."""
    return short_name(a) == short_name(b)


# --- finding the deployment ------------------------------------------------------------------


def list_service_deployments(
    ecs: Any, cluster: str, service: str, created_after: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """The service's deployments (ListServiceDeployments briefs, created after ``created_after``
    when given), newest first."""
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
    return sorted(found, key=_created_seconds, reverse=True)


def _created_seconds(brief: dict[str, Any]) -> float:
    """Seconds since the epoch of a brief's createdAt, 0 when it has none (sorts it last)."""
    created = brief.get("createdAt")
    return created.timestamp() if isinstance(created, dt.datetime) else 0.0


def active_briefs(deployments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The deployments (briefs) still running, in the order given."""
    return [d for d in deployments if d.get("status") in ACTIVE_STATUSES and d.get("serviceDeploymentArn")]


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
    deployments = list_service_deployments(ecs, cluster, service, created_after)
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
            expires_at=hook["expiresAt"] if isinstance(hook.get("expiresAt"), dt.datetime) else None,
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


def describe_deployment(ecs: Any, arn: str) -> tuple[dict[str, Any], EcsSnapshot]:
    """One DescribeServiceDeployments call: the ``ServiceDeployment`` structure and its snapshot;
    ServiceDeploymentNotFoundError when ECS reports a failure for the ARN (or returns nothing)."""
    response = ecs.describe_service_deployments(serviceDeploymentArns=[arn])
    for deployment in response.get("serviceDeployments", []):
        if deployment.get("serviceDeploymentArn", arn) == arn:
            return dict(deployment), snapshot_of(deployment)
    failures = [
        ": ".join(str(v) for v in (f.get("reason"), f.get("detail")) if v)
        for f in response.get("failures", [])
    ]
    raise ServiceDeploymentNotFoundError(arn, "; ".join(failures))


def read_deployment(ecs: Any, arn: str) -> EcsSnapshot:
    """The deployment's snapshot (describe_deployment without the raw structure)."""
    return describe_deployment(ecs, arn)[1]


# --- acting on it ------------------------------------------------------------------------------


def continue_paused(ecs: Any, snapshot: EcsSnapshot, action: str) -> Hook:
    """ContinueServiceDeployment on the PAUSE hook holding the deployment: ``CONTINUE`` lets it
    move on, ``ROLLBACK`` rolls it back. The hook acted on; NotPausedError when none is holding it."""
    hook = snapshot.pause
    if hook is None:
        raise NotPausedError(snapshot)
    ecs.continue_service_deployment(serviceDeploymentArn=snapshot.arn, hookId=hook.hook_id, action=action)
    return hook


class NotPausedError(LookupError):
    """No PAUSE hook of the deployment is AWAITING_ACTION."""

    def __init__(self, snapshot: EcsSnapshot) -> None:
        stage = f" in stage {snapshot.lifecycle_stage}" if snapshot.lifecycle_stage else ""
        super().__init__(
            f"service deployment {snapshot.arn} is {snapshot.status}{stage}, not paused at a ready wait "
            "(no PAUSE lifecycle hook is AWAITING_ACTION)"
        )
        self.snapshot = snapshot
