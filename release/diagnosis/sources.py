"""Read each source of a diagnosis with boto3 into plain dataclasses.

Each engine says what the diagnosis is about (Subject: the service, green's task definition, when
the deployment started, green's target group, the alarms, the hook functions); ``gather`` reads
the sources one by one, each isolated: any error (AccessDenied, throttling, a missing log group, a
test double that has no answer) becomes a note and the other sources are still read. Bounded: one
or two calls per source, and sources not started within ``budget_seconds`` are skipped.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

Clients = Callable[[str], Any]
"""AWS service name -> a boto3 client (made on first use by the caller's factory)."""

MAX_EVENTS = 15
MAX_TASKS = 100
LOG_LINES = 15
BUDGET_SECONDS = 20.0
EARLY_SECONDS = 60.0
"""Tasks created up to this long before the deployment's start time still count as its own
(the engine's clock and ECS's may differ; a task set is created just before the deployment starts)."""


@dataclass(frozen=True)
class Subject:
    """What a diagnosis is about, as the engine knows it at the failure."""

    deployment: str
    status: str
    """The outcome: Failed, Stopped or TimedOut."""
    cluster: str
    service: str
    green_task_definition: str = ""
    started_at: dt.datetime | None = None
    green_target_groups: tuple[str, ...] = ()
    """Target group ARNs or names that green's tasks register with."""
    alarm_names: tuple[str, ...] = ()
    triggered_alarms: tuple[str, ...] = ()
    """Alarms the engine says triggered (ECS), reported whatever their state is now."""
    hook_functions: tuple[str, ...] = ()
    """Lambda ARNs or names of the lifecycle hooks that ran (or failed)."""
    ready_wait_ran_out: str = ""
    """The ready wait (the manual go-ahead) ran out and the engine took its timeout action: that
    action (ECS: the PAUSE hook's ROLLBACK); empty when it did not."""
    notes: tuple[str, ...] = ()
    """What the engine could not find out about green."""


@dataclass(frozen=True)
class ServiceEvent:
    at: dt.datetime | None
    message: str
    count: int = 1


@dataclass(frozen=True)
class ContainerExit:
    name: str
    exit_code: int | None
    reason: str = ""
    health: str = ""
    image: str = ""


@dataclass(frozen=True)
class StoppedTask:
    task_id: str
    task_definition: str
    stopped_reason: str
    stop_code: str
    created_at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    stopped_at: dt.datetime | None = None
    containers: tuple[ContainerExit, ...] = ()

    @property
    def ran_seconds(self) -> float | None:
        """How long the task ran before it stopped (None when it never started)."""
        if self.started_at is None or self.stopped_at is None:
            return None
        return max(0.0, (self.stopped_at - self.started_at).total_seconds())


@dataclass(frozen=True)
class ContainerLog:
    task_id: str
    container: str
    group: str
    stream: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class TargetState:
    target: str
    state: str
    reason: str = ""
    description: str = ""


@dataclass(frozen=True)
class TargetGroupHealth:
    name: str
    arn: str
    targets: tuple[TargetState, ...]
    health_check: str = ""
    """e.g. ``HTTP /health on traffic-port, expects 200, timeout 5 s``."""


@dataclass(frozen=True)
class AlarmState:
    name: str
    state: str
    reason: str = ""


@dataclass(frozen=True)
class HookReport:
    function: str
    log_group: str
    verdict: str = ""
    """What the hook reported (its last ``summary`` log line), e.g. ``FAILED: 1 of 2 checks failed``."""
    failed: bool = False
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Facts:
    subject: Subject
    events: tuple[ServiceEvent, ...] = ()
    app_container: str = ""
    """The container the load balancer targets ("" when unknown); the others are sidecars."""
    stopped_tasks: tuple[StoppedTask, ...] = ()
    """Green's stopped tasks, newest first."""
    container_log: ContainerLog | None = None
    target_groups: tuple[TargetGroupHealth, ...] = ()
    alarms: tuple[AlarmState, ...] = ()
    hooks: tuple[HookReport, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


# --- helpers -------------------------------------------------------------------------------------


def short_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def same_task_definition(a: str, b: str) -> bool:
    return bool(a) and bool(b) and short_name(a) == short_name(b)


def function_name(function: str) -> str:
    """A Lambda function's name from its ARN (``arn:aws:lambda:r:a:function:NAME[:qualifier]``) or name."""
    if ":function:" in function:
        return function.split(":function:", 1)[1].split(":", 1)[0]
    return function


def error_text(error: BaseException) -> str:
    """``Code: message`` for an AWS error, else the exception's text."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        err = response.get("Error") or {}
        code, message = err.get("Code"), err.get("Message")
        if code or message:
            return ": ".join(str(v) for v in (code, message) if v)
    return str(error) or type(error).__name__


def _aware(value: Any) -> dt.datetime | None:
    if not isinstance(value, dt.datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _millis(value: dt.datetime) -> int:
    return int(value.timestamp() * 1000)


# --- service events ------------------------------------------------------------------------------


def dedupe_events(events: list[ServiceEvent]) -> tuple[ServiceEvent, ...]:
    """Oldest first, each message once (at its last time, with how often it came), the last MAX_EVENTS."""
    order: dict[str, ServiceEvent] = {}
    for event in sorted(events, key=lambda e: e.at or dt.datetime.min.replace(tzinfo=dt.UTC)):
        seen = order.pop(event.message, None)
        order[event.message] = ServiceEvent(event.at, event.message, (seen.count if seen else 0) + 1)
    return tuple(order.values())[-MAX_EVENTS:]


def read_service(subject: Subject, clients: Clients) -> tuple[tuple[ServiceEvent, ...], str]:
    """The service's events since the deployment started, and the container its load balancer
    targets (the app; any other container of green's tasks is a sidecar), from one call."""
    response = clients("ecs").describe_services(cluster=subject.cluster, services=[subject.service])
    services = response.get("services") or []
    if not services:
        raise LookupError(f"ECS service {subject.service} not found in cluster {subject.cluster}")
    since = subject.started_at
    events = [
        ServiceEvent(_aware(e.get("createdAt")), str(e.get("message") or ""))
        for e in services[0].get("events") or []
        if since is None or (_aware(e.get("createdAt")) or since) >= since
    ]
    balancers = services[0].get("loadBalancers") or [{}]
    return dedupe_events(events), str(balancers[0].get("containerName") or "")


# --- stopped tasks -------------------------------------------------------------------------------


def _task(raw: dict[str, Any]) -> StoppedTask:
    return StoppedTask(
        task_id=short_name(str(raw.get("taskArn", "?"))),
        task_definition=str(raw.get("taskDefinitionArn") or ""),
        stopped_reason=str(raw.get("stoppedReason") or ""),
        stop_code=str(raw.get("stopCode") or ""),
        created_at=_aware(raw.get("createdAt")),
        started_at=_aware(raw.get("startedAt")),
        stopped_at=_aware(raw.get("stoppedAt") or raw.get("executionStoppedAt")),
        containers=tuple(
            ContainerExit(
                name=str(c.get("name", "?")),
                exit_code=c.get("exitCode"),
                reason=str(c.get("reason") or ""),
                health=str(c.get("healthStatus") or ""),
                image=str(c.get("image") or ""),
            )
            for c in raw.get("containers") or []
        ),
    )


def read_stopped_tasks(subject: Subject, clients: Clients) -> tuple[StoppedTask, ...]:
    """Green's stopped tasks: of green's task definition (any task of its family, then the exact
    revision), created since the deployment started; newest first."""
    if not subject.green_task_definition:
        return ()
    family = short_name(subject.green_task_definition).rsplit(":", 1)[0]
    ecs = clients("ecs")
    arns = ecs.list_tasks(
        cluster=subject.cluster, family=family, desiredStatus="STOPPED", maxResults=MAX_TASKS
    ).get("taskArns", [])
    if not arns:
        return ()
    described = ecs.describe_tasks(cluster=subject.cluster, tasks=list(arns)[:MAX_TASKS]).get("tasks", [])
    since = subject.started_at - dt.timedelta(seconds=EARLY_SECONDS) if subject.started_at else None
    tasks = [
        _task(raw)
        for raw in described
        if same_task_definition(str(raw.get("taskDefinitionArn") or ""), subject.green_task_definition)
        and (since is None or (_aware(raw.get("createdAt")) or since) >= since)
    ]
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    return tuple(sorted(tasks, key=lambda t: t.stopped_at or t.created_at or epoch, reverse=True))


def failed(container: ContainerExit) -> bool:
    """The container exited with a non-zero code or was unhealthy."""
    return container.exit_code not in (None, 0) or container.health == "UNHEALTHY"


# Exit codes of a container ECS stopped because another one stopped the task (SIGTERM; SIGKILL
# after stopTimeout) are no cause of their own.
STOPPED_BY_ECS = (None, 0, 137, 143)


def failing_sidecars(task: StoppedTask, app_container: str) -> list[ContainerExit]:
    """The sidecars that stopped the task: one failed while the app did not fail by itself."""
    if not app_container:
        return []
    app = next((c for c in task.containers if c.name == app_container), None)
    if app is not None and (app.health == "UNHEALTHY" or app.exit_code not in STOPPED_BY_ECS):
        return []
    if app is not None and app.exit_code == 137 and "OutOfMemory" in app.reason:
        return []
    return [c for c in task.containers if c.name != app_container and failed(c)]


def crashed(task: StoppedTask) -> bool:
    """The task ran and a container exited with a non-zero code (or was unhealthy)."""
    return task.started_at is not None and any(
        (c.exit_code not in (None, 0)) or c.health == "UNHEALTHY" for c in task.containers
    )


def log_stream(config: dict[str, Any], container: str, task_id: str) -> tuple[str, str] | None:
    """(group, stream) a container's logs go to in CloudWatch: awslogs writes
    ``<prefix>/<container>/<task id>``; FireLens's ``cloudwatch_logs`` output writes ``<prefix>``
    plus the record's tag, ``<container>-firelens-<task id>``. None for any other destination."""
    options = config.get("options") or {}
    if config.get("logDriver") == "awslogs" and options.get("awslogs-group"):
        prefix = options.get("awslogs-stream-prefix")
        return (str(options["awslogs-group"]), f"{prefix}/{container}/{task_id}") if prefix else None
    if (
        config.get("logDriver") == "awsfirelens"
        and options.get("Name") == "cloudwatch_logs"
        and options.get("log_group_name")
        and "log_stream_prefix" in options
    ):
        tag = f"{container}-firelens-{task_id}"
        return str(options["log_group_name"]), f"{options['log_stream_prefix']}{tag}"
    return None


def read_container_log(
    subject: Subject, clients: Clients, tasks: tuple[StoppedTask, ...], app_container: str = ""
) -> ContainerLog | None:
    """The last lines the newest crashed task's failing container wrote (awslogs:
    ``<group>``, stream ``<prefix>/<container>/<task id>``): the sidecar that stopped it, if one did."""
    task = next((t for t in tasks if crashed(t)), None)
    if task is None:
        return None
    failing = failing_sidecars(task, app_container) or [c for c in task.containers if failed(c)]
    ecs = clients("ecs")
    definition = ecs.describe_task_definition(
        taskDefinition=task.task_definition or subject.green_task_definition
    )
    containers = {
        str(c.get("name")): c
        for c in (definition.get("taskDefinition") or {}).get("containerDefinitions") or []
    }
    for container in failing or list(task.containers):
        config = (containers.get(container.name) or {}).get("logConfiguration") or {}
        where = log_stream(config, container.name, task.task_id)
        if where is None:
            continue
        group, stream = where
        events = (
            clients("logs")
            .get_log_events(logGroupName=group, logStreamName=stream, startFromHead=False, limit=LOG_LINES)
            .get("events", [])
        )
        lines = tuple(str(e.get("message", "")).rstrip() for e in events)[-LOG_LINES:]
        return ContainerLog(task.task_id, container.name, group, stream, lines)
    return None


# --- target health -------------------------------------------------------------------------------


def _health_check_text(group: dict[str, Any]) -> str:
    protocol = group.get("HealthCheckProtocol") or "HTTP"
    path = group.get("HealthCheckPath") or ""
    port = group.get("HealthCheckPort") or "traffic-port"
    codes = (group.get("Matcher") or {}).get("HttpCode")
    timeout = group.get("HealthCheckTimeoutSeconds")
    text = f"{protocol} {path} on {port}".replace("  ", " ")
    if codes:
        text += f", expects {codes}"
    if timeout:
        text += f", timeout {timeout} s"
    return text


def read_target_groups(subject: Subject, clients: Clients) -> tuple[TargetGroupHealth, ...]:
    if not subject.green_target_groups:
        return ()
    elbv2 = clients("elbv2")
    arns = [g for g in subject.green_target_groups if g.startswith("arn:")]
    names = [g for g in subject.green_target_groups if not g.startswith("arn:")]
    groups: list[dict[str, Any]] = []
    if arns:
        groups += elbv2.describe_target_groups(TargetGroupArns=arns).get("TargetGroups", [])
    if names:
        groups += elbv2.describe_target_groups(Names=names).get("TargetGroups", [])
    found = []
    for group in groups:
        arn = str(group["TargetGroupArn"])
        descriptions = elbv2.describe_target_health(TargetGroupArn=arn).get("TargetHealthDescriptions", [])
        targets = tuple(
            TargetState(
                target=":".join(
                    str(v)
                    for v in ((d.get("Target") or {}).get("Id"), (d.get("Target") or {}).get("Port"))
                    if v
                ),
                state=str((d.get("TargetHealth") or {}).get("State") or "?"),
                reason=str((d.get("TargetHealth") or {}).get("Reason") or ""),
                description=str((d.get("TargetHealth") or {}).get("Description") or ""),
            )
            for d in descriptions
        )
        found.append(
            TargetGroupHealth(
                str(group.get("TargetGroupName") or arn), arn, targets, _health_check_text(group)
            )
        )
    return tuple(found)


# --- alarms --------------------------------------------------------------------------------------


def read_alarms(subject: Subject, clients: Clients) -> tuple[AlarmState, ...]:
    """The alarms in ALARM, and those the engine says triggered whatever their state now."""
    names = list(dict.fromkeys([*subject.alarm_names, *subject.triggered_alarms]))[:100]
    if not names:
        return ()
    response = clients("cloudwatch").describe_alarms(AlarmNames=names)
    alarms = [*response.get("MetricAlarms", []), *response.get("CompositeAlarms", [])]
    return tuple(
        AlarmState(str(a["AlarmName"]), str(a.get("StateValue") or "?"), str(a.get("StateReason") or ""))
        for a in alarms
        if a.get("StateValue") == "ALARM" or a.get("AlarmName") in subject.triggered_alarms
    )


# --- lifecycle hooks -----------------------------------------------------------------------------

_LAMBDA_NOISE = ("START RequestId", "END RequestId", "REPORT RequestId", "INIT_START")


def hook_verdict(lines: list[str]) -> tuple[str, bool]:
    """What the smoke-test hook reported (its JSON log lines: the last ``summary``, the failed
    ``check`` lines before it) and whether that is a failure; ("", False) when it logged none."""
    records = []
    for line in lines:
        text = line.strip()
        start = text.find("{")
        if start < 0:
            continue
        try:
            record = json.loads(text[start:])
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    summary = next((r for r in reversed(records) if r.get("message") == "summary"), None)
    if summary is None:
        error = next((r for r in reversed(records) if r.get("level") == "error" and r.get("error")), None)
        return (f"error: {error['error']}", True) if error else ("", False)
    status = str(summary.get("hookStatus") or summary.get("status") or "?")
    failed = status.upper() in ("FAILED", "FAILURE")
    parts = [status]
    if summary.get("passed") is not None or summary.get("failed") is not None:
        parts.append(f"{summary.get('passed', 0)} checks passed, {summary.get('failed', 0)} failed")
    if summary.get("error"):
        parts.append(str(summary["error"]))
    checks = [r for r in records if r.get("message") == "check" and r.get("passed") is False]
    for check in checks[-3:]:
        got = check.get("error") or f"got {check.get('status')}"
        parts.append(f"{check.get('url') or check.get('path')}: expected {check.get('expectStatus')}, {got}")
    return "; ".join(parts), failed


def read_hook(subject: Subject, clients: Clients, function: str) -> HookReport:
    name = function_name(function)
    group = f"/aws/lambda/{name}"
    logs = clients("logs")
    streams = logs.describe_log_streams(
        logGroupName=group, orderBy="LastEventTime", descending=True, limit=1
    ).get("logStreams", [])
    if not streams:
        return HookReport(name, group, "no log stream: the hook did not run")
    request: dict[str, Any] = {
        "logGroupName": group,
        "logStreamName": streams[0]["logStreamName"],
        "startFromHead": False,
        "limit": 200,
    }
    if subject.started_at is not None:
        request["startTime"] = _millis(subject.started_at)
    events = logs.get_log_events(**request).get("events", [])
    lines = [str(e.get("message", "")).rstrip() for e in events]
    lines = [line for line in lines if line and not line.startswith(_LAMBDA_NOISE)]
    verdict, failed = hook_verdict(lines)
    if not lines:
        verdict = "no log lines since the deployment started: the hook did not run"
    return HookReport(name, group, verdict, failed, tuple(lines[-LOG_LINES:]))


# --- all of it -----------------------------------------------------------------------------------

_T = TypeVar("_T")


def gather(
    subject: Subject,
    clients: Clients,
    *,
    budget_seconds: float = BUDGET_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> Facts:
    """Read every source; what could not be read is a note, never an exception."""
    notes: list[str] = list(subject.notes)
    deadline = clock() + budget_seconds

    def isolated(what: str, read: Callable[[], _T], default: _T) -> _T:
        if clock() > deadline:
            notes.append(f"did not read {what}: out of time ({budget_seconds:g} s)")
            return default
        try:
            return read()
        except Exception as error:
            notes.append(f"could not read {what}: {error_text(error)}")
            return default

    no_events: tuple[ServiceEvent, ...] = ()
    no_tasks: tuple[StoppedTask, ...] = ()
    no_groups: tuple[TargetGroupHealth, ...] = ()
    no_alarms: tuple[AlarmState, ...] = ()
    events, app_container = isolated(
        "the ECS service events", lambda: read_service(subject, clients), (no_events, "")
    )
    tasks = isolated("green's stopped tasks", lambda: read_stopped_tasks(subject, clients), no_tasks)
    container_log = isolated(
        "the crashed container's log",
        lambda: read_container_log(subject, clients, tasks, app_container),
        None,
    )
    target_groups = isolated("green's target health", lambda: read_target_groups(subject, clients), no_groups)
    alarms = isolated("the alarms", lambda: read_alarms(subject, clients), no_alarms)
    hooks: list[HookReport] = []
    for function in dict.fromkeys(function_name(f) for f in subject.hook_functions):

        def read_one(name: str = function) -> HookReport | None:
            return read_hook(subject, clients, name)

        report = isolated(f"the hook {function}'s log", read_one, None)
        if report is not None:
            hooks.append(report)
    return Facts(
        subject=subject,
        events=events,
        app_container=app_container,
        stopped_tasks=tasks,
        container_log=container_log,
        target_groups=target_groups,
        alarms=alarms,
        hooks=tuple(hooks),
        notes=tuple(notes),
    )
