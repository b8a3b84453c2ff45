"""The stack as declared: everything a rehearsal needs, read the way ``make preview`` reads it.

The real program (``__main__.py``) runs for the stack under Pulumi's mock engine
(``preview.engine.run_stack``); the release model comes from the declared resources through
``preview.release_params.extract_release_params`` and its timeline through
``preview.timeline.build_timeline``, so the rehearsal, the preview and the config validation
share one reading. What the release model does not carry is read here from the same declared
resources: the target group's health check path, timeout and matcher, the essential container's
environment and settings, the hooks' Lambda environment and the wired alarms in full. The
command blue and green run is the image's own: the exec-form ``CMD`` of the Dockerfile the
stack builds, run from the build context (the image's ``WORKDIR`` holds the context's files).

``engine`` and ``strategy`` rehearse the stack under another deployment engine or traffic
shift: they become a ``deployment`` config override (``release_overrides``), validated by the
program like any other config.
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from preview import ROOT
from preview import engine as mock_engine
from preview.release_params import (
    DECLARED,
    ProgramRunLike,
    ReleaseParams,
    ResourceLike,
    essential_container,
    extract_release_params,
    of_type,
)
from preview.timeline import Timeline, build_timeline
from rehearse.cloudwatch import AlarmSpec, check_alarm
from rehearse.records import Colour
from specs.release_model import ENGINES
from specs.resource_reader import ECS_SERVICE, LAMBDA_FUNCTION, METRIC_ALARM, TARGET_GROUP, required_number
from specs.traffic_routing import STRATEGIES

DOCKER_IMAGE = "docker:index/image:Image"
"""The image the stack builds (``components/registry.py``): its build context and Dockerfile."""


class SettingsError(ValueError):
    """The stack cannot be rehearsed as declared; the message names the key, the value and why."""


@dataclass(frozen=True)
class HealthCheckSettings:
    """The target groups' health check (blue and green declare the same)."""

    path: str
    interval_seconds: int
    timeout_seconds: int
    healthy_threshold: int
    unhealthy_threshold: int
    matcher: str
    """The ALB matcher's HTTP codes, e.g. ``200``, ``200-399`` or ``200,204``."""


@dataclass(frozen=True)
class ContainerSettings:
    """How one task of either colour runs: the image's command with the task's settings."""

    command: tuple[str, ...]
    workdir: str
    """Relative to the project: the image's build context (``app``)."""
    dockerfile: str
    """The stack's Dockerfile, relative to the build context (``Dockerfile``): what docker builds."""
    port: int
    environment: Mapping[str, str]
    """The task definition's environment (``PORT``, ``APP_VERSION``, ``SHUTDOWN_TIMEOUT_SECONDS`` ...)."""
    stop_timeout_seconds: int
    health_command: tuple[str, ...] | None
    """The container health check as a command to run (``CMD`` dropped, ``CMD-SHELL`` via ``sh -c``)."""
    health_start_period_seconds: int
    health_interval_seconds: int
    """The container health check's interval, timeout and retries as declared (0 without a check)."""
    health_timeout_seconds: int
    health_retries: int
    read_only_root: bool
    user: str | None
    """The container's user, else the image's ``USER``; None when neither sets one."""
    memory_mib: int | None
    scratch_paths: tuple[str, ...]


@dataclass(frozen=True)
class HookSettings:
    """A lifecycle hook and the environment of the Lambda that runs it."""

    event: str
    """CodeDeploy's hook (``AfterAllowTestTraffic``) or ECS's stage (``POST_TEST_TRAFFIC_SHIFT``)."""
    environment: Mapping[str, str]
    timeout_seconds: int


@dataclass(frozen=True)
class RehearsalSettings:
    stack: str
    engine: Literal["codedeploy", "ecs"]
    strategy: str
    release: ReleaseParams
    timeline: Timeline
    container: ContainerSettings
    health_check: HealthCheckSettings
    deregistration_delay_seconds: int
    desired_count: int
    hooks: tuple[HookSettings, ...]
    alarms: tuple[AlarmSpec, ...]
    """The alarms the engine watches: any of them in ALARM rolls the release back."""


def available_stacks() -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in ROOT.glob("Pulumi.*.yaml"))


def release_overrides(
    stack: str,
    *,
    engine: str | None = None,
    strategy: str | None = None,
    deployment: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``deployment`` config override that rehearses ``stack`` under ``engine`` and ``strategy``.

    Starts from ``deployment`` when given (another override of the key), else the stack's own
    ``deployment`` (an override replaces the whole key). Switching
    to all-at-once drops ``percentage`` and ``intervalMinutes`` (the config refuses them there);
    switching to canary or linear leaves them to the stack's values or the config's defaults.
    Empty when neither is given.
    """
    if engine is None and strategy is None:
        return {}
    if engine is not None and engine not in ENGINES:
        raise SettingsError(f"engine: {engine!r} is not a deployment engine; allowed: {', '.join(ENGINES)}")
    if strategy is not None and strategy not in STRATEGIES:
        raise SettingsError(f"strategy: {strategy!r} is not a strategy; allowed: {', '.join(STRATEGIES)}")
    changed = (
        dict(deployment) if deployment is not None else mock_engine.stack_value(stack, "deployment") or {}
    )
    if engine is not None:
        changed["controller"] = engine
    if strategy is not None and strategy != changed.get("strategy"):
        changed["strategy"] = strategy
        if strategy == "all-at-once":
            changed.pop("percentage", None)
            changed.pop("intervalMinutes", None)
    return {"deployment": changed}


def load_settings(
    stack: str,
    *,
    engine: str | None = None,
    strategy: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> RehearsalSettings:
    """Run the program for ``stack`` under the mock engine and read what a rehearsal needs.

    ``overrides`` are config overrides as ``preview.engine.run_stack`` takes them (a whole key
    each); ``engine`` and ``strategy`` add a ``deployment`` override (``release_overrides``).
    A bad stack name or engine or strategy raises :class:`SettingsError`; a stack whose config
    is invalid raises the program's own ``stack_config.errors.ConfigError``.
    """
    stacks = available_stacks()
    if stack not in stacks:
        raise SettingsError(f"stack: {stack!r} has no Pulumi.{stack}.yaml; stacks here: {', '.join(stacks)}")
    given = dict(overrides or {})
    config = {
        **given,
        **release_overrides(stack, engine=engine, strategy=strategy, deployment=given.get("deployment")),
    }
    run = mock_engine.run_stack(stack, config or None)
    return settings_of(run)


def settings_of(run: ProgramRunLike) -> RehearsalSettings:
    """The rehearsal's settings from a program run's declared resources."""
    try:
        release = extract_release_params(run)
    except ValueError as error:
        raise SettingsError(str(error)) from None
    colours = target_group_colours(run)
    return RehearsalSettings(
        stack=run.stack,
        engine=release.engine,
        strategy=release.routing.kind,
        release=release,
        timeline=build_timeline(release),
        container=container_settings(run, release),
        health_check=health_check_settings(run, release),
        deregistration_delay_seconds=release.deregistration_delay_seconds,
        desired_count=release.desired_count,
        hooks=hook_settings(run, release),
        alarms=alarm_specs(run, release, colours),
    )


# --------------------------------------------------------------------------- target groups


def target_group_colours(run: ProgramRunLike) -> dict[str, Colour]:
    """Each target group's resource name -> its colour.

    Blue is the group the ECS service registers its tasks with (``loadBalancers[].targetGroupArn``,
    the live one under either engine); green is the other one of the two.
    """
    groups = of_type(run, TARGET_GROUP)
    if len(groups) != 2:
        names = ", ".join(g.name for g in groups) or "none"
        raise SettingsError(
            f"stack {run.stack!r}: a blue/green release needs two target groups, found {names}"
        )
    services = of_type(run, ECS_SERVICE)
    live = {
        str(DECLARED.get(balancer, "targetGroupArn"))
        for service in services
        for balancer in DECLARED.items(DECLARED.prop(service, "loadBalancers"))
    }
    blue = [g for g in groups if g.outputs.get("arn") in live]
    if len(blue) != 1:
        raise SettingsError(
            f"stack {run.stack!r}: {ECS_SERVICE} loadBalancers[].targetGroupArn names {sorted(live)}, "
            f"expected exactly one of the target groups {[g.outputs.get('arn') for g in groups]}"
        )
    return {g.name: "blue" if g is blue[0] else "green" for g in groups}


def health_check_settings(run: ProgramRunLike, release: ReleaseParams) -> HealthCheckSettings:
    """Interval and thresholds from the release model; path, timeout and matcher as both groups say."""
    seen: dict[tuple[str, int, str], list[str]] = {}
    for group in of_type(run, TARGET_GROUP):
        where = f"{TARGET_GROUP} {group.name!r} input healthCheck"
        path = DECLARED.prop(group, "healthCheck", "path")
        matcher = DECLARED.prop(group, "healthCheck", "matcher")
        if not isinstance(path, str) or not isinstance(matcher, str):
            raise SettingsError(f"{where}: path and matcher must be declared (got {path!r}, {matcher!r})")
        timeout = _whole(DECLARED.prop(group, "healthCheck", "timeout"), f"{where}.timeout")
        seen.setdefault((path, timeout, matcher), []).append(group.name)
    if len(seen) != 1:
        detail = "; ".join(f"{', '.join(names)}: {values}" for values, names in seen.items())
        raise SettingsError(f"stack {run.stack!r}: the target groups' health checks disagree ({detail})")
    ((path, timeout, matcher),) = seen
    return HealthCheckSettings(
        path=path,
        interval_seconds=release.health_check_interval_seconds,
        timeout_seconds=timeout,
        healthy_threshold=release.healthy_threshold,
        unhealthy_threshold=release.unhealthy_threshold,
        matcher=matcher,
    )


# --------------------------------------------------------------------------- the container


@dataclass(frozen=True)
class ImageDefaults:
    """What the Dockerfile's final stage says about running the image."""

    command: tuple[str, ...]
    user: str | None


def dockerfile_defaults(text: str, where: str) -> ImageDefaults:
    """The exec-form ``CMD`` and the ``USER`` of a Dockerfile's last stage.

    A shell-form ``CMD`` is refused: it runs under ``/bin/sh``, which gets ECS's SIGTERM
    instead of the app, and the rehearsal runs what the task runs.
    """
    command: tuple[str, ...] | None = None
    user: str | None = None
    for line in _instructions(text):
        keyword, _, rest = line.partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "FROM":
            command, user = None, None
        elif keyword == "USER":
            user = rest
        elif keyword == "CMD":
            try:
                parsed = json.loads(rest)
            except json.JSONDecodeError:
                parsed = None
            if not isinstance(parsed, list) or not parsed or not all(isinstance(p, str) for p in parsed):
                raise SettingsError(
                    f"{where}: CMD {rest!r} is not in exec form; write it as a JSON array, "
                    'e.g. CMD ["python", "-m", "server"]'
                )
            command = tuple(parsed)
    if command is None:
        raise SettingsError(f"{where}: the last stage has no CMD; the rehearsal runs the image's command")
    return ImageDefaults(command=command, user=user)


def _instructions(text: str) -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments and blank lines left out."""
    instructions: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1].strip() + " "
            continue
        instructions.append((current + line).strip())
        current = ""
    if current:
        instructions.append(current.strip())
    return instructions


def _build(run: ProgramRunLike) -> tuple[str, Path]:
    """(the build context relative to the project, the Dockerfile) of the image the stack builds."""
    images = of_type(run, DOCKER_IMAGE)
    if len(images) != 1:
        raise SettingsError(
            f"stack {run.stack!r}: the rehearsal runs the image the stack builds from image.context, "
            f"but {len(images)} images ({DOCKER_IMAGE}) are declared; a prebuilt image.uri cannot be "
            "rehearsed"
        )
    image = images[0]
    context = DECLARED.prop(image, "build", "context")
    dockerfile = DECLARED.prop(image, "build", "dockerfile")
    if not isinstance(context, str) or not isinstance(dockerfile, str):
        raise SettingsError(
            f"{DOCKER_IMAGE} {image.name!r}: build.context and build.dockerfile must be declared"
        )
    return context, ROOT / dockerfile


def _health_command(check: Any, where: str) -> tuple[str, ...] | None:
    if not isinstance(check, Mapping):
        return None
    command = check.get("command")
    if not isinstance(command, list) or not command or not all(isinstance(p, str) for p in command):
        raise SettingsError(f"{where}.healthCheck.command: {command!r} is not a command list")
    kind, *rest = command
    if kind == "CMD":
        return tuple(rest)
    if kind == "CMD-SHELL":
        return ("sh", "-c", shlex.join(rest) if len(rest) > 1 else rest[0])
    raise SettingsError(f"{where}.healthCheck.command: starts with {kind!r}; allowed: CMD, CMD-SHELL")


def container_settings(run: ProgramRunLike, release: ReleaseParams) -> ContainerSettings:
    """The essential container of the task definition, with the image's command."""
    task, container = essential_container(run)
    where = f"{task.type} {task.name!r} container {container.get('name')!r}"
    context, dockerfile = _build(run)
    if not dockerfile.is_file():
        raise SettingsError(f"image.dockerfile: {dockerfile} does not exist")
    image = dockerfile_defaults(dockerfile.read_text(), str(dockerfile.relative_to(ROOT)))
    mappings = container.get("portMappings") or []
    if not mappings or not isinstance(mappings[0], Mapping):
        raise SettingsError(f"{where}: portMappings is empty; the target groups need the container's port")
    environment = {
        str(pair["name"]): str(pair["value"])
        for pair in container.get("environment") or []
        if isinstance(pair, Mapping) and "name" in pair and "value" in pair
    }
    memory = container.get("memory") or DECLARED.prop(task, "memory")
    user = container.get("user")
    check = container.get("healthCheck")
    check = check if isinstance(check, Mapping) else {}
    return ContainerSettings(
        command=image.command,
        workdir=context,
        dockerfile=os.path.relpath(dockerfile, ROOT / context),
        port=_whole(mappings[0].get("containerPort"), f"{where}.portMappings[0].containerPort"),
        environment=environment,
        stop_timeout_seconds=release.stop_timeout_seconds,
        health_command=_health_command(container.get("healthCheck"), where),
        health_start_period_seconds=release.start_period_seconds,
        health_interval_seconds=_whole(check.get("interval", 0), f"{where}.healthCheck.interval"),
        health_timeout_seconds=_whole(check.get("timeout", 0), f"{where}.healthCheck.timeout"),
        health_retries=_whole(check.get("retries", 0), f"{where}.healthCheck.retries"),
        read_only_root=bool(container.get("readonlyRootFilesystem", False)),
        user=str(user) if user else image.user,
        memory_mib=None if memory is None else _whole(memory, f"{task.name} memory"),
        scratch_paths=tuple(
            str(point["containerPath"])
            for point in container.get("mountPoints") or []
            if isinstance(point, Mapping) and not point.get("readOnly", False)
        ),
    )


# --------------------------------------------------------------------------- hooks and alarms


def _function_named(run: ProgramRunLike, name: str) -> ResourceLike:
    for function in of_type(run, LAMBDA_FUNCTION):
        if (function.inputs.get("name") or function.name) == name:
            return function
    raise SettingsError(f"stack {run.stack!r}: hook function {name!r} is not a declared {LAMBDA_FUNCTION}")


def hook_settings(run: ProgramRunLike, release: ReleaseParams) -> tuple[HookSettings, ...]:
    """The release model's hooks, in the order the engine runs them, with their Lambda's environment."""
    hooks = []
    for hook in release.hooks:
        variables = DECLARED.prop(_function_named(run, hook.function_name), "environment", "variables")
        environment = {str(k): str(v) for k, v in (variables or {}).items()}
        hooks.append(
            HookSettings(event=hook.event, environment=environment, timeout_seconds=hook.timeout_seconds)
        )
    return tuple(hooks)


def alarm_specs(
    run: ProgramRunLike, release: ReleaseParams, colours: Mapping[str, Colour]
) -> tuple[AlarmSpec, ...]:
    """The alarms the release model found wired for rollback, each read in full from its MetricAlarm."""
    declared = DECLARED.alarms_by_name(run.resources)
    by_suffix = {
        str(group.outputs.get("arnSuffix")): colours[group.name]
        for group in of_type(run, TARGET_GROUP)
        if group.outputs.get("arnSuffix")
    }
    return tuple(_alarm_spec(declared[wired.name], by_suffix) for wired in release.alarms)


def _alarm_spec(alarm: ResourceLike, colour_by_suffix: Mapping[str, Colour]) -> AlarmSpec:
    where = f"{METRIC_ALARM} {alarm.name!r}"
    props = alarm.inputs
    statistic = props.get("statistic") or props.get("extendedStatistic")
    if not isinstance(statistic, str):
        raise SettingsError(f"{where}: neither statistic nor extendedStatistic is declared")
    for key in ("metricName", "namespace", "comparisonOperator"):
        if not isinstance(props.get(key), str):
            raise SettingsError(f"{where}: {key} must be declared (got {props.get(key)!r})")
    evaluation_periods = _whole(props.get("evaluationPeriods"), f"{where} evaluationPeriods")
    datapoints = props.get("datapointsToAlarm")
    group = DECLARED.get(props, "dimensions", "TargetGroup")
    if group is not None and group not in colour_by_suffix:
        raise SettingsError(
            f"{where}: dimension TargetGroup {group!r} names neither the blue nor the green group"
        )
    spec = AlarmSpec(
        name=str(props.get("name") or alarm.name),
        metric_name=str(props["metricName"]),
        namespace=str(props["namespace"]),
        statistic=statistic,
        threshold=required_number(props.get("threshold"), f"{where} threshold"),
        comparison=str(props["comparisonOperator"]),
        period_seconds=_whole(props.get("period"), f"{where} period"),
        evaluation_periods=evaluation_periods,
        # CloudWatch's default: every evaluated period must breach.
        datapoints_to_alarm=evaluation_periods
        if datapoints is None
        else _whole(datapoints, f"{where} datapointsToAlarm"),
        # CloudWatch's default treatment when none is set.
        treat_missing_data=str(props.get("treatMissingData") or "missing"),
        colour=None if group is None else colour_by_suffix[group],
    )
    try:
        check_alarm(spec)
    except ValueError as error:
        raise SettingsError(str(error)) from None
    return spec


def _whole(value: Any, what: str) -> int:
    try:
        number = required_number(value, what)
    except ValueError as error:
        raise SettingsError(str(error)) from None
    if number != int(number):
        raise SettingsError(f"{what} is not a whole number (got {value!r})")
    return int(number)
