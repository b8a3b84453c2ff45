"""The settings that decide how a release rolls out, read from the declared resources.

Everything here comes from what the program *declares* (the resources recorded by
``preview.engine.run_stack``), never from the stack configuration: the preview shows what
AWS would be told, so a wiring mistake between config and resources shows up instead of
being papered over by the config's intent.

Sources, by Pulumi type token:

- ``aws:lb/targetGroup:TargetGroup`` (blue and green, which must agree):
  ``healthCheck.interval``, ``healthCheck.healthyThreshold``,
  ``healthCheck.unhealthyThreshold``, ``deregistrationDelay``.
- ``aws:ecs/taskDefinition:TaskDefinition``: ``containerDefinitions`` (a JSON string) of
  the essential container: ``healthCheck.startPeriod`` and ``stopTimeout``.
- ``aws:codedeploy/deploymentGroup:DeploymentGroup``: ``deploymentConfigName`` (mapped back
  through ``specs.deployment_config``, or to a custom
  ``aws:codedeploy/deploymentConfig:DeploymentConfig``), ``blueGreenDeploymentConfig``
  (termination wait, ready option) and ``alarmConfiguration.alarms``, matched by name to
  ``aws:cloudwatch/metricAlarm:MetricAlarm`` resources.
- ``pulumi-python:dynamic/codedeploy:Release``: ``hooks`` (ECS hook -> Lambda ARN),
  matched to ``aws:lambda/function:Function`` resources, and ``timeout_minutes``.
- ``aws:ecs/service:Service``: ``desiredCount``.

The functions accept any object shaped like ``preview.engine.ProgramRun`` (see
``ProgramRunLike``), so this module type-checks on its own.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from specs.deployment_config import ALL_AT_ONCE, PREDEFINED

TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
DEPLOYMENT_GROUP = "aws:codedeploy/deploymentGroup:DeploymentGroup"
DEPLOYMENT_CONFIG = "aws:codedeploy/deploymentConfig:DeploymentConfig"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
LAMBDA_FUNCTION = "aws:lambda/function:Function"
RELEASE = "pulumi-python:dynamic/codedeploy:Release"
ECS_SERVICE = "aws:ecs/service:Service"

# CodeDeploy's ECS lifecycle hooks, in the order they run (specs/appspec.py).
HOOK_ORDER: tuple[str, ...] = (
    "BeforeInstall",
    "AfterInstall",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AfterAllowTraffic",
)
# AWS defaults used when a resource leaves the setting out.
ECS_DEFAULT_STOP_TIMEOUT_SECONDS = 30
LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3
ALB_DEFAULT_DEREGISTRATION_DELAY_SECONDS = 300

Kind = Literal["canary", "linear", "all-at-once"]


class ResourceLike(Protocol):
    """What this module reads of a ``preview.engine.Recorded``."""

    @property
    def type(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def inputs(self) -> dict[str, Any]: ...

    @property
    def outputs(self) -> dict[str, Any]: ...


class ProgramRunLike(Protocol):
    """What this module reads of a ``preview.engine.ProgramRun``."""

    @property
    def stack(self) -> str: ...

    @property
    def resources(self) -> Sequence[ResourceLike]: ...


@dataclass(frozen=True)
class TrafficRouting:
    """How production traffic moves from blue to green."""

    kind: Kind
    percentage: int | None
    """Canary: the first step; linear: every step; None for all-at-once."""
    interval_minutes: int | None
    """Minutes between steps; None for all-at-once."""
    config_name: str
    """The deployment config the group names (predefined or custom)."""


@dataclass(frozen=True)
class AlarmParams:
    """An alarm wired into the deployment group: it stops and rolls back a release."""

    name: str
    period_seconds: int
    evaluation_periods: int

    @property
    def evaluation_seconds(self) -> int:
        """The least time a breach takes to fire it: period x evaluationPeriods."""
        return self.period_seconds * self.evaluation_periods


@dataclass(frozen=True)
class HookParams:
    """A lifecycle hook of the release and the Lambda that runs it."""

    event: str
    function_name: str
    timeout_seconds: int


@dataclass(frozen=True)
class ReleaseParams:
    """Everything about a stack's resources that shapes a blue/green release."""

    stack: str
    health_check_interval_seconds: int
    healthy_threshold: int
    unhealthy_threshold: int
    deregistration_delay_seconds: int
    container_health_check: bool
    """False when the task's container has no health check (then no start period applies)."""
    start_period_seconds: int
    """The container health check's startPeriod (0 without a container health check)."""
    stop_timeout_seconds: int
    routing: TrafficRouting
    termination_wait_minutes: int
    ready_action_on_timeout: str
    """``CONTINUE_DEPLOYMENT`` or ``STOP_DEPLOYMENT`` (deploymentReadyOption.actionOnTimeout)."""
    ready_wait_minutes: int
    alarms: tuple[AlarmParams, ...]
    hooks: tuple[HookParams, ...]
    """In the order CodeDeploy runs them."""
    release_timeout_minutes: int
    desired_count: int

    @property
    def longest_alarm(self) -> AlarmParams | None:
        """The wired alarm that takes longest to fire, if any."""
        return max(self.alarms, key=lambda a: a.evaluation_seconds, default=None)

    def hook(self, event: str) -> HookParams | None:
        return next((h for h in self.hooks if h.event == event), None)


# Reverse of specs.deployment_config: config name -> routing.
_PREDEFINED_BY_NAME: dict[str, tuple[str, int, int]] = {name: key for key, name in PREDEFINED.items()}


def _of_type(run: ProgramRunLike, type_: str) -> list[ResourceLike]:
    return [r for r in run.resources if r.type == type_]


def _exactly_one(run: ProgramRunLike, type_: str, what: str) -> ResourceLike:
    found = _of_type(run, type_)
    if not found:
        raise ValueError(f"stack {run.stack!r}: no {what} ({type_}) is declared; the release needs one")
    if len(found) > 1:
        names = ", ".join(r.name for r in found)
        raise ValueError(f"stack {run.stack!r}: expected one {what} ({type_}), found {len(found)}: {names}")
    return found[0]


def _dig(values: Mapping[str, Any], path: str) -> Any:
    """``values['a']['b']`` for ``path`` ``a.b``; None when any step is missing."""
    current: Any = values
    for key in path.split("."):
        if not isinstance(current, Mapping) or key not in current:
            return None
        current = current[key]
    return current


def _as_int(value: Any, what: str) -> int:
    """A whole number from a recorded input (the engine may hand over 30.0 for 30)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{what} is missing or not a number (got {value!r})")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{what} is not a number (got {value!r})") from None
    if not math.isfinite(number) or number != int(number):
        raise ValueError(f"{what} is not a whole number (got {value!r})")
    return int(number)


def _required_int(resource: ResourceLike, path: str) -> int:
    return _as_int(_dig(resource.inputs, path), f"{resource.type} {resource.name!r} input {path}")


def _target_group_settings(run: ProgramRunLike) -> tuple[int, int, int, int]:
    """(interval, healthyThreshold, unhealthyThreshold, deregistrationDelay), the same on both groups."""
    groups = _of_type(run, TARGET_GROUP)
    if not groups:
        raise ValueError(f"stack {run.stack!r}: no target group ({TARGET_GROUP}) is declared")
    seen: dict[tuple[int, int, int, int], list[str]] = {}
    for group in groups:
        delay = _dig(group.inputs, "deregistrationDelay")
        settings = (
            _required_int(group, "healthCheck.interval"),
            _required_int(group, "healthCheck.healthyThreshold"),
            _required_int(group, "healthCheck.unhealthyThreshold"),
            # AWS's default when the input is left out.
            ALB_DEFAULT_DEREGISTRATION_DELAY_SECONDS
            if delay is None
            else _as_int(delay, f"{TARGET_GROUP} {group.name!r} input deregistrationDelay"),
        )
        seen.setdefault(settings, []).append(group.name)
    if len(seen) > 1:
        detail = "; ".join(
            f"{', '.join(names)}: interval {s[0]} s, healthy {s[1]}, unhealthy {s[2]}, "
            f"deregistration {s[3]} s"
            for s, names in seen.items()
        )
        raise ValueError(f"stack {run.stack!r}: the blue and green target groups disagree ({detail})")
    return next(iter(seen))


def _container(run: ProgramRunLike) -> tuple[bool, int, int]:
    """(has a container health check, startPeriod, stopTimeout) of the task's essential container."""
    task = _exactly_one(run, TASK_DEFINITION, "task definition")
    raw = task.inputs.get("containerDefinitions")
    if not isinstance(raw, str):
        raise ValueError(f"{TASK_DEFINITION} {task.name!r}: containerDefinitions is missing")
    definitions = json.loads(raw)
    if not isinstance(definitions, list) or not definitions:
        raise ValueError(f"{TASK_DEFINITION} {task.name!r}: containerDefinitions holds no container")
    essential = [d for d in definitions if isinstance(d, dict) and d.get("essential", True)]
    container: dict[str, Any] = essential[0] if essential else definitions[0]
    label = f"{TASK_DEFINITION} {task.name!r} container {container.get('name')!r}"
    check = container.get("healthCheck")
    stop = container.get("stopTimeout")
    stop_timeout = ECS_DEFAULT_STOP_TIMEOUT_SECONDS if stop is None else _as_int(stop, f"{label} stopTimeout")
    if not isinstance(check, dict):
        return False, 0, stop_timeout
    start = check.get("startPeriod")
    return True, 0 if start is None else _as_int(start, f"{label} healthCheck.startPeriod"), stop_timeout


def _routing(run: ProgramRunLike, group: ResourceLike) -> TrafficRouting:
    name = group.inputs.get("deploymentConfigName")
    if not isinstance(name, str) or not name:
        raise ValueError(f"{DEPLOYMENT_GROUP} {group.name!r}: deploymentConfigName is missing")
    if name == ALL_AT_ONCE:
        return TrafficRouting("all-at-once", None, None, name)
    if name in _PREDEFINED_BY_NAME:
        strategy, percentage, interval = _PREDEFINED_BY_NAME[name]
        kind: Kind = "canary" if strategy == "canary" else "linear"
        return TrafficRouting(kind, percentage, interval, name)
    customs = [c for c in _of_type(run, DEPLOYMENT_CONFIG) if c.inputs.get("deploymentConfigName") == name]
    if not customs:
        known = ", ".join([ALL_AT_ONCE, *PREDEFINED.values()])
        raise ValueError(
            f"{DEPLOYMENT_GROUP} {group.name!r}: deploymentConfigName {name!r} is neither a known "
            f"predefined config ({known}) nor a declared {DEPLOYMENT_CONFIG}"
        )
    config = customs[0]
    routing = config.inputs.get("trafficRoutingConfig") or {}
    routing_type = routing.get("type")
    if routing_type == "AllAtOnce":
        return TrafficRouting("all-at-once", None, None, name)
    key = {"TimeBasedCanary": "timeBasedCanary", "TimeBasedLinear": "timeBasedLinear"}.get(str(routing_type))
    if key is None:
        raise ValueError(
            f"{DEPLOYMENT_CONFIG} {config.name!r}: trafficRoutingConfig.type {routing_type!r} is not "
            "TimeBasedCanary, TimeBasedLinear or AllAtOnce"
        )
    return TrafficRouting(
        "canary" if key == "timeBasedCanary" else "linear",
        _required_int(config, f"trafficRoutingConfig.{key}.percentage"),
        _required_int(config, f"trafficRoutingConfig.{key}.interval"),
        name,
    )


def _alarms(run: ProgramRunLike, group: ResourceLike) -> tuple[AlarmParams, ...]:
    config = group.inputs.get("alarmConfiguration")
    if not isinstance(config, dict) or not config.get("enabled", False):
        return ()
    by_name = {a.inputs.get("name"): a for a in _of_type(run, METRIC_ALARM)}
    wired: list[AlarmParams] = []
    for alarm_name in config.get("alarms") or []:
        alarm = by_name.get(alarm_name)
        if alarm is None:
            raise ValueError(
                f"{DEPLOYMENT_GROUP} {group.name!r} watches alarm {alarm_name!r}, but no {METRIC_ALARM} "
                "with that name input is declared"
            )
        wired.append(
            AlarmParams(
                name=str(alarm_name),
                period_seconds=_required_int(alarm, "period"),
                evaluation_periods=_required_int(alarm, "evaluationPeriods"),
            )
        )
    return tuple(wired)


def _function_for(run: ProgramRunLike, arn: str) -> ResourceLike | None:
    functions = _of_type(run, LAMBDA_FUNCTION)
    for function in functions:
        if function.outputs.get("arn") == arn:
            return function
    # A real function ARN ends with ":function:<name>" (possibly ":<qualifier>").
    parts = arn.split(":")
    candidates = set(parts[-2:]) if len(parts) > 1 else {arn}
    return next((f for f in functions if f.inputs.get("name") in candidates), None)


def _hooks(run: ProgramRunLike, release: ResourceLike) -> tuple[HookParams, ...]:
    hooks = release.inputs.get("hooks") or {}
    if not isinstance(hooks, dict):
        raise ValueError(f"{RELEASE} {release.name!r}: hooks is not a mapping (got {hooks!r})")
    unknown = sorted(set(hooks) - set(HOOK_ORDER))
    if unknown:
        raise ValueError(f"{RELEASE} {release.name!r}: {', '.join(unknown)} not ECS lifecycle hooks")
    found: list[HookParams] = []
    for event in HOOK_ORDER:
        if event not in hooks:
            continue
        arn = str(hooks[event])
        function = _function_for(run, arn)
        if function is None:
            raise ValueError(
                f"{RELEASE} {release.name!r}: hook {event} names {arn!r}, but no {LAMBDA_FUNCTION} "
                "with that ARN is declared"
            )
        timeout = function.inputs.get("timeout")
        found.append(
            HookParams(
                event=event,
                function_name=str(function.inputs.get("name") or function.name),
                timeout_seconds=LAMBDA_DEFAULT_TIMEOUT_SECONDS
                if timeout is None
                else _as_int(timeout, f"{LAMBDA_FUNCTION} {function.name!r} timeout"),
            )
        )
    return tuple(found)


def extract_release_params(run: ProgramRunLike) -> ReleaseParams:
    """Read the release-shaping settings from a run's declared resources.

    Raises ValueError naming the resource or input that is missing.
    """
    interval, healthy, unhealthy, delay = _target_group_settings(run)
    has_check, start_period, stop_timeout = _container(run)
    group = _exactly_one(run, DEPLOYMENT_GROUP, "CodeDeploy deployment group")
    release = _exactly_one(run, RELEASE, "release resource")
    service = _exactly_one(run, ECS_SERVICE, "ECS service")

    blue_green = group.inputs.get("blueGreenDeploymentConfig")
    if not isinstance(blue_green, dict):
        raise ValueError(f"{DEPLOYMENT_GROUP} {group.name!r}: blueGreenDeploymentConfig is missing")
    termination = _required_int(
        group,
        "blueGreenDeploymentConfig.terminateBlueInstancesOnDeploymentSuccess.terminationWaitTimeInMinutes",
    )
    ready = _dig(blue_green, "deploymentReadyOption") or {}
    action = str(ready.get("actionOnTimeout") or "CONTINUE_DEPLOYMENT")
    wait = ready.get("waitTimeInMinutes")
    ready_wait = 0 if wait is None else _as_int(wait, f"{group.name} deploymentReadyOption.waitTimeInMinutes")

    return ReleaseParams(
        stack=run.stack,
        health_check_interval_seconds=interval,
        healthy_threshold=healthy,
        unhealthy_threshold=unhealthy,
        deregistration_delay_seconds=delay,
        container_health_check=has_check,
        start_period_seconds=start_period,
        stop_timeout_seconds=stop_timeout,
        routing=_routing(run, group),
        termination_wait_minutes=termination,
        ready_action_on_timeout=action,
        ready_wait_minutes=ready_wait,
        alarms=_alarms(run, group),
        hooks=_hooks(run, release),
        release_timeout_minutes=_required_int(release, "timeout_minutes"),
        desired_count=_required_int(service, "desiredCount"),
    )
