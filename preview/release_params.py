"""The settings that decide how a release rolls out, read from the declared resources.

Everything here comes from what the program *declares* (the resources recorded by
``preview.engine.run_stack``), never from the stack configuration: the preview shows what
AWS would be told, so a wiring mistake between config and resources shows up instead of
being papered over by the config's intent.

Two deployment engines, told apart by the ECS service's ``deploymentController.type``:
``CODE_DEPLOY`` (engine ``codedeploy``) and ``ECS`` (engine ``ecs``, ECS's own blue/green,
linear and canary deployments).

Sources, by Pulumi type token:

- ``aws:lb/targetGroup:TargetGroup`` (blue and green, which must agree):
  ``healthCheck.interval``, ``healthCheck.healthyThreshold``,
  ``healthCheck.unhealthyThreshold``, ``deregistrationDelay``.
- ``aws:ecs/taskDefinition:TaskDefinition``: ``containerDefinitions`` (a JSON string) of
  the essential container: ``healthCheck.startPeriod`` and ``stopTimeout``.
- ``aws:ecs/service:Service``: ``desiredCount`` and ``deploymentController.type``; under
  the ECS engine also ``deploymentConfiguration`` (``strategy``, ``bakeTimeInMinutes``,
  ``canaryConfiguration`` / ``linearConfiguration``, read back through ``specs.ecs_engine``'s
  inverse; ``lifecycleHooks``) and ``alarms``
  (``alarmNames``, wired only with ``enable`` and ``rollback``).
- CodeDeploy engine: ``aws:codedeploy/deploymentGroup:DeploymentGroup``:
  ``deploymentConfigName`` (read back through ``specs.codedeploy_engine``'s inverse, from
  the name or a custom ``aws:codedeploy/deploymentConfig:DeploymentConfig``), ``blueGreenDeploymentConfig``
  (termination wait, ready option) and ``alarmConfiguration.alarms``;
  ``pulumi-python:dynamic/codedeploy:Release``: ``hooks`` (ECS hook -> Lambda ARN) and
  ``timeout_minutes``.
- ECS engine: ``pulumi-python:dynamic/ecs:ServiceRelease``: ``timeout_minutes``.
- Both: alarms are matched by name to ``aws:cloudwatch/metricAlarm:MetricAlarm`` resources
  and hook targets by ARN to ``aws:lambda/function:Function`` resources (whose
  ``environment`` says how often the bundled smoke test answers ECS with IN_PROGRESS).

The functions accept any object shaped like ``preview.engine.ProgramRun`` (see
``ProgramRunLike``), so this module type-checks on its own, and read its resources with the
reader of declared resources the policy pack uses too (``specs/resource_reader.py``:
``DECLARED``, which ``preview.usage`` reads with as well).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from hooks.smoke_test.config import DEFAULTS as SMOKE_TEST_DEFAULTS
from specs import codedeploy_engine, ecs_engine
from specs.release_model import (
    ALB_DEFAULT_DEREGISTRATION_DELAY_SECONDS,
    CONTROLLER_TYPE,
    ECS_DEFAULT_STOP_TIMEOUT_SECONDS,
    ECS_HOOKS,
    ECS_LIFECYCLE_STAGES,
    LAMBDA_DEFAULT_TIMEOUT_SECONDS,
    AlarmWindow,
    Engine,
)
from specs.resource_reader import (
    DEPLOYMENT_CONFIG,
    DEPLOYMENT_GROUP,
    ECS_RELEASE,
    ECS_SERVICE,
    LAMBDA_FUNCTION,
    METRIC_ALARM,
    RELEASE,
    TARGET_GROUP,
    TASK_DEFINITION,
    Reader,
    required_whole_number,
)
from specs.traffic_routing import TrafficRouting

__all__ = ["AlarmParams", "HookParams", "ReleaseParams", "TrafficRouting", "extract_release_params"]


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


DECLARED: Reader[ResourceLike] = Reader(type_of=lambda r: r.type, props_of=lambda r: r.inputs)
"""The shared reader of declared resources (``specs/resource_reader.py``), on recorded inputs."""


AlarmParams = AlarmWindow[int]
"""An alarm wired into the deployment group or the service: it stops and rolls back a release."""


@dataclass(frozen=True)
class HookParams:
    """A lifecycle hook of the release and the Lambda that runs it."""

    event: str
    """CodeDeploy: the hook (``AfterAllowTestTraffic``); ECS: the lifecycle stage
    (``POST_TEST_TRAFFIC_SHIFT``)."""
    function_name: str
    timeout_seconds: int
    max_in_progress: int | None = 0
    """ECS only: how many times the function may answer IN_PROGRESS, each answer making ECS
    invoke it again ``callback_delay_seconds`` later; None when unknown (not the bundled
    smoke test). Always 0 under CodeDeploy, where a hook reports once."""
    callback_delay_seconds: int = 0

    @property
    def invocations(self) -> int:
        """How many times the hook runs at most (as far as known)."""
        return (self.max_in_progress or 0) + 1

    @property
    def worst_case_seconds(self) -> int:
        """Every invocation at its timeout, with the callback delays in between."""
        retries = self.max_in_progress or 0
        return self.invocations * self.timeout_seconds + retries * self.callback_delay_seconds


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
    """CodeDeploy: ``CONTINUE_DEPLOYMENT`` or ``STOP_DEPLOYMENT`` (deploymentReadyOption.actionOnTimeout);
    ECS: ``ROLLBACK`` or ``CONTINUE`` (the PAUSE hook's timeoutConfiguration.action)."""
    ready_wait_minutes: int
    alarms: tuple[AlarmParams, ...]
    hooks: tuple[HookParams, ...]
    """In the order the engine runs them (CodeDeploy's hooks, or ECS's lifecycle stages)."""
    release_timeout_minutes: int
    desired_count: int
    engine: Engine = "codedeploy"
    """Who deploys: ``codedeploy`` (CodeDeploy deployment group) or ``ecs`` (the service's own
    deploymentConfiguration). Under ``ecs`` the termination wait is ``bakeTimeInMinutes``, and
    the ready wait a PAUSE lifecycle hook at POST_TEST_TRAFFIC_SHIFT."""

    @property
    def longest_alarm(self) -> AlarmParams | None:
        """The wired alarm that takes longest to fire, if any."""
        return max(self.alarms, key=lambda a: a.evaluation_seconds, default=None)

    def hook(self, event: str) -> HookParams | None:
        return next((h for h in self.hooks if h.event == event), None)

    def hooks_at(self, event: str) -> tuple[HookParams, ...]:
        """Every hook at a hook point (ECS may run several functions at one stage)."""
        return tuple(h for h in self.hooks if h.event == event)


def of_type(run: ProgramRunLike, type_: str) -> list[ResourceLike]:
    """The run's declared resources of a type."""
    return DECLARED.of_type(run.resources, type_)


def _exactly_one(run: ProgramRunLike, type_: str, what: str) -> ResourceLike:
    found = of_type(run, type_)
    if not found:
        raise ValueError(f"stack {run.stack!r}: no {what} ({type_}) is declared; the release needs one")
    if len(found) > 1:
        names = ", ".join(r.name for r in found)
        raise ValueError(f"stack {run.stack!r}: expected one {what} ({type_}), found {len(found)}: {names}")
    return found[0]


def _input(resource: ResourceLike, path: str) -> Any:
    """The input at ``path`` (``a.b`` for ``inputs['a']['b']``); None when any step is missing."""
    return DECLARED.prop(resource, *path.split("."))


def _as_int(value: Any, what: str) -> int:
    """A whole number from a recorded input (the engine may hand over 30.0 for 30)."""
    return required_whole_number(value, what)


def _required_int(resource: ResourceLike, path: str) -> int:
    return _as_int(_input(resource, path), f"{resource.type} {resource.name!r} input {path}")


def _target_group_settings(run: ProgramRunLike) -> tuple[int, int, int, int]:
    """(interval, healthyThreshold, unhealthyThreshold, deregistrationDelay), the same on both groups."""
    groups = of_type(run, TARGET_GROUP)
    if not groups:
        raise ValueError(f"stack {run.stack!r}: no target group ({TARGET_GROUP}) is declared")
    seen: dict[tuple[int, int, int, int], list[str]] = {}
    for group in groups:
        delay = _input(group, "deregistrationDelay")
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


def essential_container(run: ProgramRunLike) -> tuple[ResourceLike, dict[str, Any]]:
    """The task definition and its essential container's definition (the first, if several)."""
    task = _exactly_one(run, TASK_DEFINITION, "task definition")
    raw = task.inputs.get("containerDefinitions")
    if not isinstance(raw, str):
        raise ValueError(f"{TASK_DEFINITION} {task.name!r}: containerDefinitions is missing")
    definitions = json.loads(raw)
    if not isinstance(definitions, list) or not definitions:
        raise ValueError(f"{TASK_DEFINITION} {task.name!r}: containerDefinitions holds no container")
    essential = [d for d in definitions if isinstance(d, dict) and d.get("essential", True)]
    container: dict[str, Any] = essential[0] if essential else definitions[0]
    return task, container


def _container(run: ProgramRunLike) -> tuple[bool, int, int]:
    """(has a container health check, startPeriod, stopTimeout) of the task's essential container."""
    task, container = essential_container(run)
    label = f"{TASK_DEFINITION} {task.name!r} container {container.get('name')!r}"
    check = container.get("healthCheck")
    stop = container.get("stopTimeout")
    stop_timeout = ECS_DEFAULT_STOP_TIMEOUT_SECONDS if stop is None else _as_int(stop, f"{label} stopTimeout")
    if not isinstance(check, dict):
        return False, 0, stop_timeout
    start = check.get("startPeriod")
    return True, 0 if start is None else _as_int(start, f"{label} healthCheck.startPeriod"), stop_timeout


def _routing(run: ProgramRunLike, group: ResourceLike) -> TrafficRouting:
    """The group's deployment config read back through the CodeDeploy engine's inverse."""
    name = group.inputs.get("deploymentConfigName")
    if not isinstance(name, str) or not name:
        raise ValueError(f"{DEPLOYMENT_GROUP} {group.name!r}: deploymentConfigName is missing")
    predefined = codedeploy_engine.predefined_routing(name)
    if predefined is not None:
        return predefined
    customs = [c for c in of_type(run, DEPLOYMENT_CONFIG) if c.inputs.get("deploymentConfigName") == name]
    if not customs:
        known = ", ".join(codedeploy_engine.predefined_names())
        raise ValueError(
            f"{DEPLOYMENT_GROUP} {group.name!r}: deploymentConfigName {name!r} is neither a known "
            f"predefined config ({known}) nor a declared {DEPLOYMENT_CONFIG}"
        )
    config = customs[0]
    traffic = config.inputs.get("trafficRoutingConfig")
    return codedeploy_engine.routing_of_traffic_config(
        name, traffic if isinstance(traffic, Mapping) else {}, f"{DEPLOYMENT_CONFIG} {config.name!r}"
    )


def _alarms(run: ProgramRunLike, group: ResourceLike) -> tuple[AlarmParams, ...]:
    config = group.inputs.get("alarmConfiguration")
    if not isinstance(config, dict) or not config.get("enabled", False):
        return ()
    return _wired_alarms(run, f"{DEPLOYMENT_GROUP} {group.name!r}", config.get("alarms") or [])


def _wired_alarms(run: ProgramRunLike, owner: str, names: Sequence[Any]) -> tuple[AlarmParams, ...]:
    """The named alarms, each matched to its declared MetricAlarm."""

    def not_declared(alarm_name: Any) -> None:
        raise ValueError(
            f"{owner} watches alarm {alarm_name!r}, but no {METRIC_ALARM} with that name input is declared"
        )

    return tuple(
        DECLARED.alarm_windows(DECLARED.alarms_by_name(run.resources), names, _required_int, not_declared)
    )


def _function_for(run: ProgramRunLike, arn: str) -> ResourceLike | None:
    functions = of_type(run, LAMBDA_FUNCTION)
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
    unknown = sorted(set(hooks) - set(ECS_HOOKS))
    if unknown:
        raise ValueError(f"{RELEASE} {release.name!r}: {', '.join(unknown)} not ECS lifecycle hooks")
    found: list[HookParams] = []
    for event in ECS_HOOKS:
        if event not in hooks:
            continue
        arn = str(hooks[event])
        function = _function_for(run, arn)
        if function is None:
            raise ValueError(
                f"{RELEASE} {release.name!r}: hook {event} names {arn!r}, but no {LAMBDA_FUNCTION} "
                "with that ARN is declared"
            )
        found.append(
            HookParams(
                event=event,
                function_name=_function_name(function),
                timeout_seconds=_function_timeout(function),
            )
        )
    return tuple(found)


def _function_name(function: ResourceLike) -> str:
    return str(function.inputs.get("name") or function.name)


def _function_timeout(function: ResourceLike) -> int:
    timeout = function.inputs.get("timeout")
    if timeout is None:
        return LAMBDA_DEFAULT_TIMEOUT_SECONDS
    return _as_int(timeout, f"{LAMBDA_FUNCTION} {function.name!r} timeout")


# --- the ECS engine ---------------------------------------------------------------------


def engine_of(service: ResourceLike) -> Engine:
    """The deployment engine the service names in ``deploymentController.type``."""
    controller = _input(service, "deploymentController.type")
    for engine, named in CONTROLLER_TYPE.items():
        if controller == named:
            return engine
    raise ValueError(
        f"{ECS_SERVICE} {service.name!r}: deploymentController.type is {controller!r}; the preview "
        "models CODE_DEPLOY and ECS (an unset controller means ECS rolling updates, not blue/green)"
    )


def _deployment_configuration(service: ResourceLike) -> Mapping[str, Any]:
    config = service.inputs.get("deploymentConfiguration")
    if not isinstance(config, Mapping):
        raise ValueError(f"{ECS_SERVICE} {service.name!r}: deploymentConfiguration is missing")
    return config


def ecs_routing(service: ResourceLike) -> TrafficRouting:
    """The traffic shift of an ECS-controlled service's ``deploymentConfiguration``, read back
    through the ECS engine's inverse."""
    return ecs_engine.routing_of_configuration(
        _deployment_configuration(service), f"{ECS_SERVICE} {service.name!r}"
    )


def ecs_ready_pause(service: ResourceLike) -> ecs_engine.ReadyPause | None:
    """The ready wait of an ECS-controlled service: its PAUSE lifecycle hook, read back through the
    ECS engine's inverse; refused without a test listener rule to send green test traffic."""
    where = f"{ECS_SERVICE} {service.name!r}"
    hooks = _deployment_configuration(service).get("lifecycleHooks") or []
    pause = ecs_engine.ready_pause_of_hooks([h for h in hooks if isinstance(h, Mapping)], where)
    if pause is not None:
        balancers = service.inputs.get("loadBalancers") or []
        ecs_engine.ready_wait_needs_test_listener(
            any(
                isinstance(balancer, Mapping)
                and isinstance(balancer.get("advancedConfiguration"), Mapping)
                and balancer["advancedConfiguration"].get("testListenerRule")
                for balancer in balancers
            ),
            where,
        )
    return pause


def _ecs_alarms(run: ProgramRunLike, service: ResourceLike) -> tuple[AlarmParams, ...]:
    """The service's alarms, when ECS rolls a deployment back on them (enable and rollback)."""
    config = service.inputs.get("alarms")
    if not isinstance(config, Mapping) or not (config.get("enable") and config.get("rollback")):
        return ()
    return _wired_alarms(run, f"{ECS_SERVICE} {service.name!r}", config.get("alarmNames") or [])


def _retries(function: ResourceLike) -> tuple[int | None, int]:
    """(IN_PROGRESS answers at most, callBackDelay seconds) of a hook Lambda under ECS.

    The bundled smoke test (hooks/smoke_test: handler ``handler.handler`` with a ``TEST_URL``)
    answers IN_PROGRESS while green is unreachable, up to ``MAX_IN_PROGRESS`` times,
    ``CALLBACK_DELAY_SECONDS`` apart (its defaults when the environment leaves them out).
    Another function's retries are unknown: (None, 0).
    """
    variables = _input(function, "environment.variables")
    variables = variables if isinstance(variables, Mapping) else {}
    if function.inputs.get("handler") != "handler.handler" or "TEST_URL" not in variables:
        return None, 0
    label = f"{LAMBDA_FUNCTION} {function.name!r} environment"
    settings = [
        _as_int(variables.get(key) or SMOKE_TEST_DEFAULTS[key], f"{label} {key}")
        for key in ("MAX_IN_PROGRESS", "CALLBACK_DELAY_SECONDS")
    ]
    return settings[0], settings[1]


def _ecs_hooks(run: ProgramRunLike, service: ResourceLike) -> tuple[HookParams, ...]:
    """One HookParams per (lifecycle hook, stage), in the order ECS passes the stages."""
    hooks = _deployment_configuration(service).get("lifecycleHooks") or []
    if not isinstance(hooks, list):
        raise ValueError(f"{ECS_SERVICE} {service.name!r}: lifecycleHooks is not a list (got {hooks!r})")
    found: list[HookParams] = []
    for index, hook in enumerate(hooks):
        where = f"{ECS_SERVICE} {service.name!r} lifecycleHooks[{index}]"
        if not isinstance(hook, Mapping):
            raise ValueError(f"{where} is not an object (got {hook!r})")
        if hook.get("targetType") == ecs_engine.PAUSE:
            continue  # the ready wait (ecs_ready_pause), no Lambda
        stages = hook.get("lifecycleStages") or []
        unknown = sorted(str(stage) for stage in stages if stage not in ECS_LIFECYCLE_STAGES)
        if unknown:
            raise ValueError(
                f"{where}: {', '.join(unknown)} not ECS lifecycle stages ({', '.join(ECS_LIFECYCLE_STAGES)})"
            )
        arn = str(hook.get("hookTargetArn"))
        function = _function_for(run, arn)
        if function is None:
            raise ValueError(f"{where} targets {arn!r}, but no {LAMBDA_FUNCTION} with that ARN is declared")
        retries, delay = _retries(function)
        found.extend(
            HookParams(
                event=str(stage),
                function_name=_function_name(function),
                timeout_seconds=_function_timeout(function),
                max_in_progress=retries,
                callback_delay_seconds=delay,
            )
            for stage in stages
        )
    return tuple(sorted(found, key=lambda h: ECS_LIFECYCLE_STAGES.index(h.event)))


def _not_declared(run: ProgramRunLike, type_: str, engine: str, service: ResourceLike) -> None:
    """A resource of the other engine means the program is wired for both at once."""
    others = of_type(run, type_)
    if others:
        names = ", ".join(r.name for r in others)
        raise ValueError(
            f"stack {run.stack!r}: {ECS_SERVICE} {service.name!r} is deployed by {engine}, but "
            f"{type_} {names} is declared as well"
        )


def extract_release_params(run: ProgramRunLike) -> ReleaseParams:
    """Read the release-shaping settings from a run's declared resources.

    Raises ValueError naming the resource or input that is missing.
    """
    interval, healthy, unhealthy, delay = _target_group_settings(run)
    has_check, start_period, stop_timeout = _container(run)
    service = _exactly_one(run, ECS_SERVICE, "ECS service")
    if engine_of(service) == "ecs":
        for other in (DEPLOYMENT_GROUP, RELEASE):
            _not_declared(run, other, "ECS (deploymentController ECS)", service)
        release = _exactly_one(run, ECS_RELEASE, "release resource")
        pause = ecs_ready_pause(service)
        return ReleaseParams(
            stack=run.stack,
            health_check_interval_seconds=interval,
            healthy_threshold=healthy,
            unhealthy_threshold=unhealthy,
            deregistration_delay_seconds=delay,
            container_health_check=has_check,
            start_period_seconds=start_period,
            stop_timeout_seconds=stop_timeout,
            routing=ecs_routing(service),
            termination_wait_minutes=_required_int(service, "deploymentConfiguration.bakeTimeInMinutes"),
            # Without a pause nothing holds green: CodeDeploy's word for that, as its stacks have.
            ready_action_on_timeout=pause.timeout_action if pause else "CONTINUE_DEPLOYMENT",
            ready_wait_minutes=pause.minutes if pause else 0,
            alarms=_ecs_alarms(run, service),
            hooks=_ecs_hooks(run, service),
            release_timeout_minutes=_required_int(release, "timeout_minutes"),
            desired_count=_required_int(service, "desiredCount"),
            engine="ecs",
        )
    _not_declared(run, ECS_RELEASE, "CodeDeploy (deploymentController CODE_DEPLOY)", service)
    group = _exactly_one(run, DEPLOYMENT_GROUP, "CodeDeploy deployment group")
    release = _exactly_one(run, RELEASE, "release resource")

    blue_green = group.inputs.get("blueGreenDeploymentConfig")
    if not isinstance(blue_green, dict):
        raise ValueError(f"{DEPLOYMENT_GROUP} {group.name!r}: blueGreenDeploymentConfig is missing")
    termination = _required_int(
        group,
        "blueGreenDeploymentConfig.terminateBlueInstancesOnDeploymentSuccess.terminationWaitTimeInMinutes",
    )
    ready = DECLARED.get(blue_green, "deploymentReadyOption") or {}
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
        engine="codedeploy",
    )
