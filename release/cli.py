"""Operator CLI for the stack's blue/green releases: `python -m release <command> [options]`.

    status   [--json]                      the current (or last) deployment, the production
                                           traffic split and the ECS service
    watch    [DEPLOYMENT]                  follow a deployment (default: the active one) to its end
    stop     [DEPLOYMENT]                  stop a deployment (default: the active one) with rollback
    rollback [--to-revision N | --to ARN]  release the previous task definition revision

Two engines release the service, chosen by `--engine`, else the stack output
`deploymentController`, else codedeploy:

* codedeploy: CodeDeploy blue/green deployments of the deployment group; DEPLOYMENT is a
  CodeDeploy deployment id (d-XXXXXXXXX).
* ecs: ECS's own BLUE_GREEN / LINEAR / CANARY *service deployments*, started by updating the
  service's task definition; DEPLOYMENT is a service deployment ARN (or its last segment).
  An ECS service deployment ARN given to watch or stop selects this engine when nothing else
  chose one.

Names (region, CodeDeploy application and group, ECS cluster and service) come from the
stack's outputs (`--stack STACK` runs `pulumi stack output --json`; `--outputs-file FILE`
reads the same JSON saved earlier) and/or flags, flags winning. Under codedeploy the ECS
cluster and service fall back to the ones the deployment group names; under ecs the region,
cluster and service fall back to the ones a given service deployment ARN names.

Exit codes: 0 done (deployment succeeded), 1 the deployment ended otherwise (watch, rollback),
2 an error, reported as one line on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from release.deployments import active_deployments, appspec_of, same_appspec, start_deployment
from release.ecs_watch import ACTIVE_STATUSES as ECS_ACTIVE_STATUSES
from release.ecs_watch import (
    STOPPABLE_STATUSES,
    EcsSnapshot,
    ServiceDeploymentNotFoundError,
    find_service_deployment,
    revision_task_definitions,
    same_task_definition,
    short_name,
    snapshot_of,
    watch_service_deployment,
)
from release.outputs import (
    DEFAULT_ENGINE,
    ENGINE_OUTPUT,
    ENGINES,
    OutputsError,
    deployment_engine,
    pulumi_stack_outputs,
    read_outputs_file,
)
from release.run import ReleaseFailed, ReleaseRequest, release
from release.service_state import live_task_definition
from release.watch import Outcome, read_snapshot, watch_deployment
from specs.appspec import ECS_HOOKS, appspec_content, task_definition_of

ClientFactory = Callable[[str, str], Any]

EXIT_OK = 0
EXIT_DEPLOYMENT_FAILED = 1
EXIT_ERROR = 2

DEFAULT_TIMEOUT_MINUTES = 60.0
DEFAULT_POLL_SECONDS = 10.0
BAR_WIDTH = 10
DEFAULT_CONTAINER_NAME = "app"
DEFAULT_CONTAINER_PORT = 8080
DEFAULT_PLATFORM_VERSION = "LATEST"
ECS_START_WAIT_SECONDS = 120.0
"""How long `rollback` (ecs) looks for the service deployment its UpdateService started."""
ECS_START_POLL_SECONDS = 5.0
ECS_LIST_PAGE_SIZE = 100
ECS_MAX_LIST_PAGES = 20


class CliError(Exception):
    """An error the operator can act on; the message is one line."""


@dataclass(frozen=True)
class NameSpec:
    field: str
    flag: str
    output: str
    what: str


NAME_SPECS = (
    NameSpec("region", "--region", "region", "AWS region"),
    NameSpec("application", "--application", "codedeployApplication", "CodeDeploy application"),
    NameSpec(
        "deployment_group", "--deployment-group", "codedeployDeploymentGroup", "CodeDeploy deployment group"
    ),
    NameSpec("cluster", "--cluster", "clusterName", "ECS cluster"),
    NameSpec("service", "--service", "serviceName", "ECS service"),
    NameSpec("task_definition_arn", "", "taskDefinitionArn", "task definition ARN"),
    NameSpec("task_definition_family", "", "taskDefinitionFamily", "task definition family"),
    NameSpec("deployment_strategy", "", "deploymentStrategy", "ECS deployment strategy"),
    NameSpec("last_service_deployment", "", "lastServiceDeploymentArn", "last ECS service deployment"),
)
_SPECS = {spec.field: spec for spec in NAME_SPECS}


@dataclass
class Names:
    """What the commands act on; None where neither a flag nor an output gave it."""

    values: dict[str, str | None] = field(default_factory=dict)
    from_outputs: bool = False
    engine: str = DEFAULT_ENGINE
    engine_source: str = "default"
    """Where the engine came from: "--engine", the output's name, or "default"."""
    sources: dict[str, str] = field(default_factory=dict)
    """Name -> "flag", "outputs" or "environment", for the names that have a value."""

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def require(self, name: str) -> str:
        value = self.values.get(name)
        if value:
            return value
        spec = _SPECS[name]
        sources = [spec.flag] if spec.flag else []
        if name == "region":
            sources.append("AWS_REGION")
        sources.append(f"the stack output {spec.output} (--stack/--outputs-file)")
        found = " (the stack outputs have none)" if self.from_outputs else ""
        raise CliError(f"missing the {spec.what}: give {' or '.join(sources)}{found}")


def resolve_names(args: argparse.Namespace) -> Names:
    """Flags over stack outputs; the region falls back to AWS_REGION / AWS_DEFAULT_REGION."""
    outputs: dict[str, Any] = {}
    if args.stack and args.outputs_file:
        raise CliError("give either --stack or --outputs-file, not both")
    try:
        if args.stack:
            outputs = pulumi_stack_outputs(args.stack)
        elif args.outputs_file:
            outputs = read_outputs_file(args.outputs_file)
    except OutputsError as error:
        raise CliError(str(error)) from None
    values: dict[str, str | None] = {}
    sources: dict[str, str] = {}
    for spec in NAME_SPECS:
        flag_value = getattr(args, spec.field, None)
        output_value = outputs.get(spec.output)
        if flag_value:
            values[spec.field] = str(flag_value)
            sources[spec.field] = "flag"
        elif isinstance(output_value, str | int) and str(output_value):
            values[spec.field] = str(output_value)
            sources[spec.field] = "outputs"
        else:
            values[spec.field] = None
    if not values["region"]:
        values["region"] = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
        if values["region"]:
            sources["region"] = "environment"
    engine, engine_source = DEFAULT_ENGINE, "default"
    if getattr(args, "engine", None):
        engine, engine_source = str(args.engine), "--engine"
    else:
        try:
            named = deployment_engine(outputs)
        except OutputsError as error:
            raise CliError(str(error)) from None
        if named is not None:
            engine, engine_source = named, f"the stack output {ENGINE_OUTPUT}"
    return Names(
        values=values,
        from_outputs=bool(args.stack or args.outputs_file),
        engine=engine,
        engine_source=engine_source,
        sources=sources,
    )


@dataclass
class Context:
    args: argparse.Namespace
    names: Names
    clients: ClientFactory
    out: TextIO
    err: TextIO
    sleep: Callable[[float], None]
    clock: Callable[[], float]
    deployment_id: str | None = None
    _cache: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self._cache:
            self._cache[service] = self.clients(service, self.names.require("region"))
        return self._cache[service]

    def print(self, line: str = "") -> None:
        print(line, file=self.out, flush=True)

    def warn(self, line: str) -> None:
        print(line, file=self.err, flush=True)


# ---------------------------------------------------------------------------------------- helpers


def _when(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


_ARN_REVISION = re.compile(
    r"^(?:arn:[^:]+:ecs:[^:]*:[^:]*:task-definition/)?(?P<family>[\w-]+):(?P<revision>\d+)$"
)


def parse_task_definition(arn: str) -> tuple[str, int] | None:
    """(family, revision) of a task definition ARN or family:revision, else None."""
    match = _ARN_REVISION.match(arn)
    return (match["family"], int(match["revision"])) if match else None


def short_task_definition(arn: str | None) -> str | None:
    if not arn:
        return None
    parsed = parse_task_definition(arn)
    return f"{parsed[0]}:{parsed[1]}" if parsed else arn


def green_bar(traffic: tuple[tuple[str, float], ...], width: int = BAR_WIDTH) -> str | None:
    """`[#####-----] green 50%` from a snapshot's traffic, or None if green is not in it."""
    green = next((weight for label, weight in traffic if label.lower() == "green"), None)
    if green is None:
        return None
    share = min(max(green, 0.0), 100.0)
    filled = round(share / 100 * width)
    return f"[{'#' * filled}{'-' * (width - filled)}] green {share:g}%"


def _group_info(ctx: Context) -> dict[str, Any]:
    application = ctx.names.require("application")
    group = ctx.names.require("deployment_group")
    response = ctx.client("codedeploy").get_deployment_group(
        applicationName=application, deploymentGroupName=group
    )
    info: dict[str, Any] = response["deploymentGroupInfo"]
    ecs_services = info.get("ecsServices") or []
    if ecs_services:
        ctx.names.values["cluster"] = ctx.names.get("cluster") or ecs_services[0].get("clusterName")
        ctx.names.values["service"] = ctx.names.get("service") or ecs_services[0].get("serviceName")
    return info


def _all_deployments(client: Any, application: str, group: str) -> list[dict[str, Any]]:
    ids: list[str] = []
    kwargs: dict[str, Any] = {"applicationName": application, "deploymentGroupName": group}
    while True:
        page = client.list_deployments(**kwargs)
        ids.extend(page.get("deployments", []))
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    infos: list[dict[str, Any]] = []
    for start in range(0, len(ids), 25):
        infos.extend(
            client.batch_get_deployments(deploymentIds=ids[start : start + 25]).get("deploymentsInfo", [])
        )
    return infos


def _newest(infos: list[dict[str, Any]]) -> dict[str, Any] | None:
    def created(info: dict[str, Any]) -> float:
        value = info.get("createTime")
        return value.timestamp() if isinstance(value, datetime) else 0.0

    return max(infos, key=created, default=None)


def _active_id(ctx: Context) -> str:
    application = ctx.names.require("application")
    group = ctx.names.require("deployment_group")
    active = active_deployments(ctx.client("codedeploy"), application, group)
    if not active:
        raise CliError(
            f"no deployment is in progress for deployment group {group} of application {application}; "
            "give a DEPLOYMENT_ID"
        )
    return str(active[0]["deploymentId"])


def _service(ctx: Context) -> dict[str, Any]:
    """The ECS service, or CliError if the cluster has no such (active) service."""
    cluster = ctx.names.require("cluster")
    service = ctx.names.require("service")
    response = ctx.client("ecs").describe_services(cluster=cluster, services=[service])
    services = [s for s in response.get("services", []) if s.get("status") != "INACTIVE"]
    if not services:
        raise CliError(f"ECS service {service} not found in cluster {cluster} ({ctx.names.get('region')})")
    return dict(services[0])


# ---------------------------------------------------------------------------------------- status


def _forward_weights(actions: list[dict[str, Any]]) -> list[tuple[str, float]]:
    """(target group ARN, weight) of the first forward action (by Order) of a listener or rule."""
    ordered = sorted(actions, key=lambda action: action.get("Order", 0))
    forward = next((action for action in ordered if action.get("Type") == "forward"), None)
    if forward is None:
        return []
    groups = (forward.get("ForwardConfig") or {}).get("TargetGroups") or []
    if groups:
        return [(g["TargetGroupArn"], float(g.get("Weight", 1))) for g in groups]
    if forward.get("TargetGroupArn"):
        return [(forward["TargetGroupArn"], 1.0)]
    return []


def _named_splits(
    elbv2: Any, weights_by_source: list[tuple[str, list[tuple[str, float]]]], key: str
) -> list[dict[str, Any]]:
    """Per source (listener or rule, under ``key``): its target groups by name with their percent."""
    arns = sorted({arn for _, weights in weights_by_source for arn, _ in weights})
    names: dict[str, str] = {}
    if arns:
        for group in elbv2.describe_target_groups(TargetGroupArns=arns).get("TargetGroups", []):
            names[group["TargetGroupArn"]] = group["TargetGroupName"]
    result = []
    for source_arn, weights in weights_by_source:
        total = sum(weight for _, weight in weights)
        result.append(
            {
                key: source_arn,
                "targetGroups": [
                    {
                        "name": names.get(arn, arn),
                        "arn": arn,
                        "percent": round(weight / total * 100, 1) if total else 0.0,
                    }
                    for arn, weight in weights
                ],
            }
        )
    return result


def production_traffic(elbv2: Any, group_info: dict[str, Any]) -> list[dict[str, Any]]:
    """Per production listener: the target groups its default forward action sends traffic to."""
    lb_info = group_info.get("loadBalancerInfo") or {}
    pairs = lb_info.get("targetGroupPairInfoList") or [lb_info.get("targetGroupPairInfo") or {}]
    listener_arns = [
        arn for pair in pairs for arn in (pair.get("prodTrafficRoute") or {}).get("listenerArns", [])
    ]
    if not listener_arns:
        return []
    listeners = elbv2.describe_listeners(ListenerArns=listener_arns).get("Listeners", [])
    weights_by_listener = [
        (str(listener["ListenerArn"]), _forward_weights(listener.get("DefaultActions", [])))
        for listener in listeners
    ]
    return _named_splits(elbv2, weights_by_listener, "listenerArn")


def _ecs_state(ctx: Context) -> dict[str, Any]:
    service = _service(ctx)
    live = live_task_definition(ctx.client("ecs"), ctx.names.require("cluster"), ctx.names.require("service"))
    parsed = parse_task_definition(live) if live else None
    return {
        "cluster": ctx.names.get("cluster"),
        "service": service.get("serviceName"),
        "status": service.get("status"),
        "desiredCount": service.get("desiredCount"),
        "runningCount": service.get("runningCount"),
        "pendingCount": service.get("pendingCount"),
        "deploymentController": (service.get("deploymentController") or {}).get("type"),
        "liveTaskDefinition": live,
        "liveRevision": parsed[1] if parsed else None,
        "taskSets": [
            {
                "id": task_set.get("id"),
                "status": task_set.get("status"),
                "taskDefinition": task_set.get("taskDefinition"),
                "runningCount": task_set.get("runningCount"),
                "desiredCount": task_set.get("computedDesiredCount"),
                "scalePercent": (task_set.get("scale") or {}).get("value"),
            }
            for task_set in service.get("taskSets", [])
        ],
    }


def _deployment_state(client: Any, info: dict[str, Any]) -> dict[str, Any]:
    deployment_id = str(info["deploymentId"])
    snapshot = read_snapshot(client, deployment_id)
    appspec = appspec_of(info)
    rollback = info.get("rollbackInfo") or {}
    return {
        "id": deployment_id,
        "status": snapshot.status,
        "createTime": _when(info.get("createTime")),
        "startTime": _when(info.get("startTime")),
        "completeTime": _when(info.get("completeTime")),
        "description": info.get("description") or None,
        "creator": info.get("creator"),
        "taskDefinition": task_definition_of(appspec) if appspec else None,
        "error": snapshot.error or None,
        "rollback": {
            "deploymentId": rollback.get("rollbackDeploymentId"),
            "triggeredBy": rollback.get("rollbackTriggeringDeploymentId"),
            "message": rollback.get("rollbackMessage"),
        }
        if rollback
        else None,
        "lifecycleEvents": [
            {"name": e.name, "status": e.status, "message": e.message} for e in snapshot.events
        ],
        "traffic": [{"label": label, "percent": weight} for label, weight in snapshot.traffic],
    }


def _print_status(ctx: Context, state: dict[str, Any]) -> None:
    p = ctx.print
    p(f"application {state['application']}, deployment group {state['deploymentGroup']} ({state['region']})")
    deployment = state["deployment"]
    if deployment is None:
        p("deployment: none yet")
    else:
        which = "current" if state["deploymentActive"] else "last"
        p(f"{which} deployment {deployment['id']}: {deployment['status']}")
        for key, label in (
            ("createTime", "created"),
            ("startTime", "started"),
            ("completeTime", "completed"),
            ("description", "description"),
        ):
            if deployment[key]:
                p(f"  {label}: {deployment[key]}")
        if deployment["taskDefinition"]:
            p(f"  task definition: {short_task_definition(deployment['taskDefinition'])}")
        if deployment["error"]:
            p(f"  error: {deployment['error']}")
        rollback = deployment["rollback"]
        if rollback and any(rollback.values()):
            p(f"  rollback: {', '.join(f'{k} {v}' for k, v in rollback.items() if v)}")
        if deployment["lifecycleEvents"]:
            p("  lifecycle events:")
            for event in deployment["lifecycleEvents"]:
                detail = f": {event['message']}" if event["message"] else ""
                p(f"    {event['name']} {event['status']}{detail}")
        else:
            p("  lifecycle events: none reported")
        if deployment["traffic"]:
            p(
                "  task set traffic: "
                + " / ".join(f"{t['label']} {t['percent']:g}%" for t in deployment["traffic"])
            )
    listeners = state["productionTraffic"]
    if not listeners:
        p("production traffic: unknown (the deployment group names no production listener)")
    for listener in listeners:
        split = (
            " / ".join(f"{g['name']} {g['percent']:g}%" for g in listener["targetGroups"])
            or "no forward action"
        )
        suffix = f" ({listener['listenerArn']})" if len(listeners) > 1 else ""
        p(f"production traffic: {split}{suffix}")
    ecs = state["ecs"]
    p(
        f"ECS service {ecs['service']} in cluster {ecs['cluster']}: {ecs['runningCount']} running, "
        f"{ecs['desiredCount']} desired, {ecs['pendingCount']} pending"
    )
    live = short_task_definition(ecs["liveTaskDefinition"]) or "unknown"
    p(
        f"  live task definition: {live}"
        + (f" (revision {ecs['liveRevision']})" if ecs["liveRevision"] else "")
    )
    for task_set in ecs["taskSets"]:
        parts = [str(short_task_definition(task_set["taskDefinition"]))]
        if task_set["runningCount"] is not None:
            parts.append(f"{task_set['runningCount']} running of {task_set['desiredCount']}")
        if task_set["scalePercent"] is not None:
            parts.append(f"scale {task_set['scalePercent']:g}%")
        p(f"  task set {task_set['id']} {task_set['status']}: {', '.join(parts)}")


def cmd_status(ctx: Context) -> int:
    if command_engine(ctx) == "ecs":
        return ecs_status(ctx)
    application = ctx.names.require("application")
    group = ctx.names.require("deployment_group")
    codedeploy = ctx.client("codedeploy")
    group_info = _group_info(ctx)
    active = active_deployments(codedeploy, application, group)
    info = active[0] if active else _newest(_all_deployments(codedeploy, application, group))
    if info is not None:
        ctx.deployment_id = str(info["deploymentId"])
    state = {
        "engine": "codedeploy",
        "region": ctx.names.get("region"),
        "application": application,
        "deploymentGroup": group,
        "deployment": _deployment_state(codedeploy, info) if info is not None else None,
        "deploymentActive": bool(active),
        "productionTraffic": production_traffic(ctx.client("elbv2"), group_info),
        "ecs": _ecs_state(ctx),
    }
    if ctx.args.json:
        ctx.print(json.dumps(state, indent=2, default=str))
    else:
        _print_status(ctx, state)
    if info is None:
        raise CliError(f"no deployment found for deployment group {group} of application {application}")
    return EXIT_OK


# ---------------------------------------------------------------------------------------- watch


_TRAFFIC_LINE = re.compile(r"^(?P<id>\S+): traffic (?P<split>.+)$")


def parse_traffic(split: str) -> tuple[tuple[str, float], ...]:
    """The inverse of release.watch.format_traffic: "Blue 90% / Green 10%" -> pairs."""
    pairs = []
    for part in split.split(" / "):
        label, _, percent = part.rpartition(" ")
        try:
            pairs.append((label, float(percent.rstrip("%"))))
        except ValueError:
            continue
    return tuple(pairs)


def progress_log(ctx: Context) -> Callable[[str], None]:
    """Prints watch_deployment's lines, and after each traffic line a bar of green's share."""

    def log(line: str) -> None:
        ctx.print(line)
        match = _TRAFFIC_LINE.match(line)
        if match:
            bar = green_bar(parse_traffic(match["split"]))
            if bar:
                ctx.print(f"{match['id']}: {bar}")

    return log


def cmd_watch(ctx: Context) -> int:
    if command_engine(ctx) == "ecs":
        return ecs_watch(ctx)
    deployment_id = ctx.args.deployment_id or _active_id(ctx)
    ctx.deployment_id = deployment_id
    outcome = watch_deployment(
        ctx.client("codedeploy"),
        deployment_id,
        timeout_seconds=ctx.args.timeout_minutes * 60,
        poll_seconds=ctx.args.poll_seconds,
        log=progress_log(ctx),
        clock=ctx.clock,
        sleep=ctx.sleep,
    )
    if outcome.succeeded:
        ctx.print(outcome.describe())
        return EXIT_OK
    ctx.warn(outcome.describe())
    return EXIT_DEPLOYMENT_FAILED


# ---------------------------------------------------------------------------------------- stop


def cmd_stop(ctx: Context) -> int:
    if command_engine(ctx) == "ecs":
        return ecs_stop(ctx)
    deployment_id = ctx.args.deployment_id or _active_id(ctx)
    ctx.deployment_id = deployment_id
    response = ctx.client("codedeploy").stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=True)
    status = response.get("status", "?")
    message = response.get("statusMessage")
    ctx.print(
        f"deployment {deployment_id}: stop {status} (with rollback)" + (f": {message}" if message else "")
    )
    return EXIT_OK


# ---------------------------------------------------------------------------------------- rollback


def _family_revisions(ecs: Any, family: str) -> list[tuple[int, str]]:
    """(revision, ARN) of the family's ACTIVE task definitions, newest first."""
    found: list[tuple[int, str]] = []
    kwargs: dict[str, Any] = {"familyPrefix": family, "status": "ACTIVE", "sort": "DESC"}
    while True:
        page = ecs.list_task_definitions(**kwargs)
        for arn in page.get("taskDefinitionArns", []):
            parsed = parse_task_definition(arn)
            if parsed and parsed[0] == family:
                found.append((parsed[1], arn))
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    return sorted(found, reverse=True)


def parse_hooks(values: Sequence[str]) -> dict[str, str]:
    hooks: dict[str, str] = {}
    for value in values:
        name, sep, arn = value.partition("=")
        if not sep or not name or not arn:
            raise CliError(f"--hook {value!r}: expected NAME=LAMBDA_ARN, NAME one of {', '.join(ECS_HOOKS)}")
        if name not in ECS_HOOKS:
            raise CliError(f"--hook {name}: not an ECS hook; one of {', '.join(ECS_HOOKS)}")
        hooks[name] = arn
    return hooks


def _rollback_target(ctx: Context, live: str) -> str:
    ecs = ctx.client("ecs")
    parsed = parse_task_definition(live)
    family = parsed[0] if parsed else ctx.names.get("task_definition_family")
    if ctx.args.to:
        described = ecs.describe_task_definition(taskDefinition=ctx.args.to)["taskDefinition"]
        if described.get("status") != "ACTIVE":
            raise CliError(f"{ctx.args.to} is {described.get('status')}, not ACTIVE: ECS cannot start it")
        return str(described["taskDefinitionArn"])
    if not family:
        raise CliError(f"cannot tell the task definition family from {live}; give --to ARN")
    revisions = _family_revisions(ecs, family)
    if ctx.args.to_revision is not None:
        for revision, arn in revisions:
            if revision == ctx.args.to_revision:
                return arn
        active = ", ".join(str(revision) for revision, _ in sorted(revisions)) or "none"
        raise CliError(f"{family}:{ctx.args.to_revision} is not an ACTIVE revision (ACTIVE: {active})")
    if parsed is None:
        raise CliError(f"cannot tell the live revision from {live}; give --to-revision N or --to ARN")
    earlier = [(revision, arn) for revision, arn in revisions if revision < parsed[1]]
    if not earlier:
        raise CliError(
            f"no ACTIVE revision of {family} earlier than the live {family}:{parsed[1]}: "
            "nothing to roll back to"
        )
    return earlier[0][1]


def cmd_rollback(ctx: Context) -> int:
    if command_engine(ctx) == "ecs":
        return ecs_rollback(ctx)
    application = ctx.names.require("application")
    group = ctx.names.require("deployment_group")
    _group_info(ctx)
    _service(ctx)
    codedeploy = ctx.client("codedeploy")
    cluster, service = ctx.names.require("cluster"), ctx.names.require("service")
    live = live_task_definition(ctx.client("ecs"), cluster, service) or ctx.names.get("task_definition_arn")
    if not live:
        raise CliError(
            f"cannot tell which task definition {service} runs; give --to ARN or the taskDefinitionArn output"
        )
    target = _rollback_target(ctx, live)
    if target == live or short_task_definition(target) == short_task_definition(live):
        raise CliError(f"{short_task_definition(target)} is already the live revision")
    try:
        appspec = appspec_content(
            task_definition_arn=target,
            container_name=ctx.args.container_name or DEFAULT_CONTAINER_NAME,
            container_port=ctx.args.container_port or DEFAULT_CONTAINER_PORT,
            platform_version=ctx.args.platform_version or DEFAULT_PLATFORM_VERSION,
            hooks=parse_hooks(ctx.args.hook),
        )
    except ValueError as error:
        raise CliError(str(error)) from None
    description = f"rollback {short_task_definition(live)} -> {short_task_definition(target)} (release CLI)"
    ctx.print(f"rolling back {short_task_definition(live)} -> {short_task_definition(target)}")
    if ctx.args.no_wait:
        for running in active_deployments(codedeploy, application, group):
            running_id = str(running["deploymentId"])
            if same_appspec(appspec_of(running), appspec):
                ctx.print(f"deployment {running_id} of this AppSpec is already in progress")
                ctx.print(running_id)
                return EXIT_OK
            raise CliError(
                f"deployment {running_id} is in progress for {group}; wait for it "
                f"(python -m release watch {running_id}) or stop it (python -m release stop {running_id})"
            )
        deployment_id = start_deployment(codedeploy, application, group, appspec, description)
        ctx.deployment_id = deployment_id
        ctx.print(f"started deployment {deployment_id}")
        ctx.print(deployment_id)
        return EXIT_OK
    request = ReleaseRequest(
        application=application,
        deployment_group=group,
        appspec=appspec,
        description=description,
        timeout_seconds=ctx.args.timeout_minutes * 60,
        poll_seconds=ctx.args.poll_seconds,
    )
    try:
        outcome = release(codedeploy, request, log=progress_log(ctx), clock=ctx.clock, sleep=ctx.sleep)
    except ReleaseFailed as failed:
        ctx.warn(failed.outcome.describe())
        return EXIT_DEPLOYMENT_FAILED
    ctx.print(outcome.describe())
    return EXIT_OK


# ---------------------------------------------------------------------------------------- ecs engine


_ECS_DEPLOYMENT_ARN = re.compile(
    r"^arn:[\w-]+:ecs:(?P<region>[\w-]+):(?P<account>\d*):service-deployment/"
    r"(?P<cluster>[^/]+)/(?P<service>[^/]+)/(?P<id>[^/]+)$"
)
_CODEDEPLOY_ID = re.compile(r"^d-[A-Z0-9]{9}$")
_CODEDEPLOY_ONLY_FLAGS = (
    ("hook", "--hook"),
    ("container_name", "--container-name"),
    ("container_port", "--container-port"),
    ("platform_version", "--platform-version"),
)


def command_engine(ctx: Context) -> str:
    """The engine of this command. A DEPLOYMENT argument that is an ECS service deployment ARN
    selects ecs when neither --engine nor the outputs chose; one that contradicts the chosen
    engine is an error rather than a confusing "not found"."""
    given = str(getattr(ctx.args, "deployment_id", None) or "")
    names = ctx.names
    if _ECS_DEPLOYMENT_ARN.match(given):
        if names.engine_source == "default":
            return "ecs"
        if names.engine != "ecs":
            raise CliError(
                f"{given} is an ECS service deployment, but the engine is {names.engine} "
                f"(from {names.engine_source}); give --engine ecs"
            )
    elif _CODEDEPLOY_ID.match(given) and names.engine == "ecs":
        raise CliError(
            f"{given} is a CodeDeploy deployment id, but the engine is ecs (from {names.engine_source}); "
            "give --engine codedeploy"
        )
    return names.engine


def _adopt_arn_names(ctx: Context, arn: str) -> None:
    """Region, cluster and service from a service deployment ARN where no flag or output gave
    them; a --region or region output that contradicts the ARN is an error."""
    match = _ECS_DEPLOYMENT_ARN.match(arn)
    if match is None:
        return
    names = ctx.names
    source = names.sources.get("region")
    region = names.get("region")
    if source in ("flag", "outputs") and region and region != match["region"]:
        where = "--region" if source == "flag" else "the stack output region"
        raise CliError(f"{arn} is in {match['region']}, not in {region} ({where})")
    if region != match["region"]:
        names.values["region"] = match["region"]
        names.sources["region"] = "arn"
        ctx._cache.clear()
    for name in ("cluster", "service"):
        if not names.get(name):
            names.values[name] = match[name]


def _ecs_service(ctx: Context) -> dict[str, Any]:
    """The service, or CliError when it is missing or another controller deploys it."""
    service = _service(ctx)
    controller = str((service.get("deploymentController") or {}).get("type") or "ECS")
    if controller == "CODE_DEPLOY":
        raise CliError(
            f"ECS service {service.get('serviceName')} uses the CODE_DEPLOY deployment controller: "
            "CodeDeploy deploys it; give --engine codedeploy"
        )
    if controller != "ECS":
        raise CliError(
            f"ECS service {service.get('serviceName')} uses the {controller} deployment controller, "
            "which neither engine of this CLI drives"
        )
    return service


def _service_deployments(ctx: Context) -> list[dict[str, Any]]:
    """The service's deployments (ListServiceDeployments briefs), newest first."""
    request: dict[str, Any] = {
        "cluster": ctx.names.require("cluster"),
        "service": ctx.names.require("service"),
        "maxResults": ECS_LIST_PAGE_SIZE,
    }
    found: list[dict[str, Any]] = []
    ecs = ctx.client("ecs")
    for _page in range(ECS_MAX_LIST_PAGES):
        response = ecs.list_service_deployments(**request)
        found.extend(response.get("serviceDeployments", []))
        if not response.get("nextToken"):
            break
        request["nextToken"] = response["nextToken"]

    def created(brief: dict[str, Any]) -> float:
        value = brief.get("createdAt")
        return value.timestamp() if isinstance(value, datetime) else 0.0

    return sorted(found, key=created, reverse=True)


def _active_briefs(deployments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        d for d in deployments if d.get("status") in ECS_ACTIVE_STATUSES and d.get("serviceDeploymentArn")
    ]


def _describe_service_deployment(ctx: Context, arn: str) -> tuple[dict[str, Any], EcsSnapshot]:
    """The ServiceDeployment structure and its snapshot; CliError when ECS does not know the ARN."""
    response = ctx.client("ecs").describe_service_deployments(serviceDeploymentArns=[arn])
    for deployment in response.get("serviceDeployments", []):
        if deployment.get("serviceDeploymentArn", arn) == arn:
            return dict(deployment), snapshot_of(deployment)
    reasons = "; ".join(
        ": ".join(str(v) for v in (f.get("reason"), f.get("detail")) if v)
        for f in response.get("failures", [])
    )
    raise CliError(
        f"service deployment {arn} does not exist in {ctx.names.get('region')}"
        + (f" ({reasons})" if reasons else "")
    )


def _ecs_deployment_arn(ctx: Context) -> str:
    """The DEPLOYMENT argument as an ARN (a bare id is looked up among the service's
    deployments), or the service's in-progress deployment."""
    given = ctx.args.deployment_id
    if given and str(given).startswith("arn:"):
        _adopt_arn_names(ctx, str(given))
        return str(given)
    cluster, service = ctx.names.require("cluster"), ctx.names.require("service")
    _ecs_service(ctx)
    deployments = _service_deployments(ctx)
    if given:
        for deployment in deployments:
            arn = str(deployment.get("serviceDeploymentArn") or "")
            if arn and short_name(arn) == given:
                return arn
        raise CliError(f"ECS service {service} in cluster {cluster} has no service deployment {given}")
    active = _active_briefs(deployments)
    if not active:
        raise CliError(
            f"no service deployment is in progress for ECS service {service} in cluster {cluster}; "
            "give a service deployment ARN"
        )
    return str(active[0]["serviceDeploymentArn"])


def _continue_command(arn: str, hook_id: str) -> str:
    return (
        f"aws ecs continue-service-deployment --service-deployment-arn {arn} --hook-id {hook_id} "
        "--action CONTINUE"
    )


def _ecs_deployment_state(ctx: Context, raw: dict[str, Any], snapshot: EcsSnapshot) -> dict[str, Any]:
    rollback = snapshot.rollback
    revisions = [snapshot.target_revision, *snapshot.source_revisions, rollback.revision if rollback else ""]
    task_definitions = revision_task_definitions(ctx.client("ecs"), [r for r in revisions if r])
    tasks = snapshot.target_tasks
    return {
        "arn": snapshot.arn,
        "id": short_name(snapshot.arn),
        "status": snapshot.status,
        "statusReason": snapshot.status_reason or None,
        "lifecycleStage": snapshot.lifecycle_stage or None,
        "strategy": snapshot.strategy or None,
        "createdAt": _when(raw.get("createdAt")),
        "startedAt": _when(raw.get("startedAt")),
        "finishedAt": _when(raw.get("finishedAt")),
        "stoppedAt": _when(raw.get("stoppedAt")),
        "updatedAt": _when(raw.get("updatedAt")),
        "targetRevision": snapshot.target_revision or None,
        "taskDefinition": task_definitions.get(snapshot.target_revision),
        "sourceRevisions": list(snapshot.source_revisions),
        "sourceTaskDefinitions": [
            task_definitions[arn] for arn in snapshot.source_revisions if arn in task_definitions
        ],
        "targetTasks": None
        if tasks is None
        else {"running": tasks.running, "pending": tasks.pending, "requested": tasks.requested},
        "traffic": [{"label": label, "percent": weight} for label, weight in snapshot.traffic],
        "testTraffic": [{"label": label, "percent": weight} for label, weight in snapshot.test_traffic],
        "hooks": [
            {
                "id": hook.hook_id,
                "label": hook.label,
                "type": hook.target_type or None,
                "target": hook.target or None,
                "status": hook.status,
                "timeoutAction": hook.timeout_action or None,
            }
            for hook in snapshot.hooks
        ],
        "rollback": None
        if rollback is None
        else {
            "reason": rollback.reason or None,
            "serviceRevisionArn": rollback.revision or None,
            "taskDefinition": task_definitions.get(rollback.revision),
        },
        "alarms": {
            "status": snapshot.alarms_status or None,
            "names": list(snapshot.alarm_names),
            "triggered": list(snapshot.triggered_alarms),
        }
        if snapshot.alarms_status or snapshot.alarm_names or snapshot.triggered_alarms
        else None,
        "circuitBreaker": {
            "status": snapshot.circuit_breaker_status or None,
            "failureCount": snapshot.circuit_breaker_failures,
            "threshold": snapshot.circuit_breaker_threshold,
        }
        if snapshot.circuit_breaker_status or snapshot.circuit_breaker_failures is not None
        else None,
    }


def listener_rule_traffic(elbv2: Any, service: dict[str, Any]) -> list[dict[str, Any]]:
    """Per production listener rule of the service's load balancers (advancedConfiguration):
    the target groups its forward action sends traffic to."""
    rule_arns = list(
        dict.fromkeys(
            str(rule)
            for balancer in service.get("loadBalancers") or []
            if (rule := (balancer.get("advancedConfiguration") or {}).get("productionListenerRule"))
        )
    )
    if not rule_arns:
        return []
    rules = elbv2.describe_rules(RuleArns=rule_arns).get("Rules", [])
    weights_by_rule = [(str(rule["RuleArn"]), _forward_weights(rule.get("Actions", []))) for rule in rules]
    return _named_splits(elbv2, weights_by_rule, "listenerRuleArn")


def _ecs_service_state(ctx: Context, service: dict[str, Any]) -> dict[str, Any]:
    live = str(service.get("taskDefinition") or "") or None
    parsed = parse_task_definition(live) if live else None
    return {
        "cluster": ctx.names.get("cluster"),
        "service": service.get("serviceName"),
        "status": service.get("status"),
        "desiredCount": service.get("desiredCount"),
        "runningCount": service.get("runningCount"),
        "pendingCount": service.get("pendingCount"),
        "deploymentController": (service.get("deploymentController") or {}).get("type") or "ECS",
        "strategy": (service.get("deploymentConfiguration") or {}).get("strategy")
        or ctx.names.get("deployment_strategy"),
        "liveTaskDefinition": live,
        "liveRevision": parsed[1] if parsed else None,
        "currentServiceDeployment": service.get("currentServiceDeployment"),
        "deployments": [
            {
                "id": deployment.get("id"),
                "status": deployment.get("status"),
                "taskDefinition": deployment.get("taskDefinition"),
                "runningCount": deployment.get("runningCount"),
                "desiredCount": deployment.get("desiredCount"),
                "pendingCount": deployment.get("pendingCount"),
                "failedTasks": deployment.get("failedTasks"),
                "rolloutState": deployment.get("rolloutState"),
            }
            for deployment in service.get("deployments", [])
        ],
    }


def _split_text(traffic: list[dict[str, Any]]) -> str:
    return " / ".join(f"{t['label']} {t['percent']:g}%" for t in traffic)


def _print_ecs_deployment(ctx: Context, deployment: dict[str, Any], active: bool) -> None:
    p = ctx.print
    which = "current" if active else "last"
    strategy = f" ({deployment['strategy']})" if deployment["strategy"] else ""
    p(f"{which} service deployment {deployment['id']}: {deployment['status']}{strategy}")
    p(f"  arn: {deployment['arn']}")
    for key, label in (
        ("statusReason", "reason"),
        ("lifecycleStage", "lifecycle stage"),
        ("createdAt", "created"),
        ("startedAt", "started"),
        ("finishedAt", "finished"),
        ("stoppedAt", "stopped"),
    ):
        if deployment[key]:
            p(f"  {label}: {deployment[key]}")
    if deployment["taskDefinition"]:
        sources = ", ".join(str(short_task_definition(arn)) for arn in deployment["sourceTaskDefinitions"])
        p(
            f"  task definition: {short_task_definition(deployment['taskDefinition'])}"
            + (f" (from {sources})" if sources else "")
        )
    tasks = deployment["targetTasks"]
    if tasks is not None:
        pending = f", {tasks['pending']} pending" if tasks["pending"] else ""
        p(f"  new revision: {tasks['running']}/{tasks['requested']} tasks running{pending}")
    if deployment["hooks"]:
        p("  lifecycle hooks:")
        for hook in deployment["hooks"]:
            resume = (
                f"; resume with `{_continue_command(deployment['arn'], hook['id'])}`"
                if hook["status"] == "AWAITING_ACTION"
                else ""
            )
            p(f"    {hook['label']} {hook['status']}{resume}")
    else:
        p("  lifecycle hooks: none")
    rollback = deployment["rollback"]
    if rollback is not None:
        to = short_task_definition(rollback["taskDefinition"]) or (
            short_name(rollback["serviceRevisionArn"]) if rollback["serviceRevisionArn"] else None
        )
        p(
            "  rollback"
            + (f" to {to}" if to else "")
            + (f": {rollback['reason']}" if rollback["reason"] else "")
        )
    alarms = deployment["alarms"]
    if alarms is not None:
        text = alarms["status"] or "?"
        if alarms["triggered"]:
            text += f", in ALARM: {', '.join(alarms['triggered'])}"
        elif alarms["names"]:
            text += f" ({', '.join(alarms['names'])})"
        p(f"  alarms: {text}")
    breaker = deployment["circuitBreaker"]
    if breaker is not None:
        counts = ""
        if breaker["failureCount"] is not None:
            counts = f" ({breaker['failureCount']} failed tasks" + (
                f" of a threshold of {breaker['threshold']})" if breaker["threshold"] is not None else ")"
            )
        p(f"  circuit breaker: {breaker['status'] or '?'}{counts}")
    if deployment["traffic"]:
        bar = green_bar(tuple((t["label"], float(t["percent"])) for t in deployment["traffic"]))
        p(
            f"  requested production traffic: {_split_text(deployment['traffic'])}"
            + (f" {bar}" if bar else "")
        )
    if deployment["testTraffic"]:
        p(f"  requested test traffic: {_split_text(deployment['testTraffic'])}")


def _print_ecs_status(ctx: Context, state: dict[str, Any]) -> None:
    p = ctx.print
    ecs = state["ecs"]
    strategy = f", strategy {ecs['strategy']}" if ecs["strategy"] else ""
    p(
        f"service {state['service']} in cluster {state['cluster']} ({state['region']}): "
        f"{ecs['deploymentController']} deployment controller{strategy}"
    )
    if state["deployment"] is None:
        p("service deployment: none yet")
    else:
        _print_ecs_deployment(ctx, state["deployment"], state["deploymentActive"])
    rules = state["productionTraffic"]
    if not rules:
        p("production traffic: unknown (the service's load balancer names no production listener rule)")
    for rule in rules:
        split = (
            " / ".join(f"{g['name']} {g['percent']:g}%" for g in rule["targetGroups"]) or "no forward action"
        )
        suffix = f" ({rule['listenerRuleArn']})" if len(rules) > 1 else ""
        p(f"production traffic: {split}{suffix}")
    p(
        f"ECS service {ecs['service']} in cluster {ecs['cluster']}: {ecs['runningCount']} running, "
        f"{ecs['desiredCount']} desired, {ecs['pendingCount']} pending"
    )
    live = short_task_definition(ecs["liveTaskDefinition"]) or "unknown"
    p(
        f"  live task definition: {live}"
        + (f" (revision {ecs['liveRevision']})" if ecs["liveRevision"] else "")
    )
    for deployment in ecs["deployments"]:
        parts = [str(short_task_definition(deployment["taskDefinition"]))]
        if deployment["runningCount"] is not None:
            parts.append(f"{deployment['runningCount']} running of {deployment['desiredCount']}")
        if deployment["failedTasks"]:
            parts.append(f"{deployment['failedTasks']} failed")
        if deployment["rolloutState"]:
            parts.append(f"rollout {deployment['rolloutState']}")
        p(f"  deployment {deployment['id']} {deployment['status']}: {', '.join(parts)}")


def ecs_status(ctx: Context) -> int:
    cluster, name = ctx.names.require("cluster"), ctx.names.require("service")
    service = _ecs_service(ctx)
    deployments = _service_deployments(ctx)
    active = _active_briefs(deployments)
    chosen = active or [d for d in deployments if d.get("serviceDeploymentArn")]
    arn = str(chosen[0]["serviceDeploymentArn"]) if chosen else None
    deployment: dict[str, Any] | None = None
    if arn is not None:
        ctx.deployment_id = arn
        deployment = _ecs_deployment_state(ctx, *_describe_service_deployment(ctx, arn))
    elif ctx.names.get("last_service_deployment"):
        # ECS lists only recent deployments; the stack remembers the last one it released.
        ctx.deployment_id = arn = str(ctx.names.get("last_service_deployment"))
        with contextlib.suppress(CliError):
            deployment = _ecs_deployment_state(ctx, *_describe_service_deployment(ctx, arn))
    state = {
        "engine": "ecs",
        "region": ctx.names.get("region"),
        "cluster": cluster,
        "service": name,
        "deployment": deployment,
        "deploymentActive": bool(active),
        "productionTraffic": listener_rule_traffic(ctx.client("elbv2"), service),
        "ecs": _ecs_service_state(ctx, service),
    }
    if ctx.args.json:
        ctx.print(json.dumps(state, indent=2, default=str))
    else:
        _print_ecs_status(ctx, state)
    if deployment is None:
        raise CliError(f"no service deployment found for ECS service {name} in cluster {cluster}")
    return EXIT_OK


def _watch_outcome(ctx: Context, arn: str, *, stop_on_timeout: bool) -> Outcome:
    try:
        return watch_service_deployment(
            ctx.client("ecs"),
            arn,
            timeout_seconds=ctx.args.timeout_minutes * 60,
            poll_seconds=ctx.args.poll_seconds,
            log=progress_log(ctx),
            clock=ctx.clock,
            sleep=ctx.sleep,
            stop_on_timeout=stop_on_timeout,
        )
    except ServiceDeploymentNotFoundError as error:
        raise CliError(str(error)) from None


def _report(ctx: Context, outcome: Outcome) -> int:
    """0 when the deployment succeeded, else 1 with the outcome on stderr."""
    if outcome.succeeded:
        ctx.print(outcome.describe())
        return EXIT_OK
    ctx.warn(outcome.describe())
    return EXIT_DEPLOYMENT_FAILED


def ecs_watch(ctx: Context) -> int:
    arn = _ecs_deployment_arn(ctx)
    ctx.deployment_id = arn
    _describe_service_deployment(ctx, arn)  # an unknown ARN is one line now, not retried polls
    return _report(ctx, _watch_outcome(ctx, arn, stop_on_timeout=False))


def ecs_stop(ctx: Context) -> int:
    arn = _ecs_deployment_arn(ctx)
    ctx.deployment_id = arn
    _, snapshot = _describe_service_deployment(ctx, arn)
    if snapshot.status not in STOPPABLE_STATUSES:
        raise CliError(
            f"service deployment {arn} is {snapshot.status}: only a "
            f"{' or '.join(STOPPABLE_STATUSES)} one can be stopped"
        )
    response = ctx.client("ecs").stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")
    stopped = str(response.get("serviceDeploymentArn") or arn)
    ctx.print(f"service deployment {stopped}: stop requested with rollback (it was {snapshot.status})")
    return EXIT_OK


@dataclass(frozen=True)
class _Running:
    """The service deployment in progress: what it deploys and what it replaces."""

    arn: str
    target: str | None
    source: str | None


def _running_deployment(ctx: Context, deployments: list[dict[str, Any]]) -> _Running | None:
    active = _active_briefs(deployments)
    if not active:
        return None
    arn = str(active[0]["serviceDeploymentArn"])
    _, snapshot = _describe_service_deployment(ctx, arn)
    revisions = revision_task_definitions(
        ctx.client("ecs"), [r for r in (snapshot.target_revision, *snapshot.source_revisions) if r]
    )
    source = next((revisions[r] for r in snapshot.source_revisions if r in revisions), None)
    return _Running(arn, revisions.get(snapshot.target_revision), source)


def _await_service_deployment(ctx: Context, target: str, created_after: datetime | None) -> str:
    """The ARN of the service deployment UpdateService started for ``target``."""
    cluster, service = ctx.names.require("cluster"), ctx.names.require("service")
    deadline = ctx.clock() + ECS_START_WAIT_SECONDS
    while True:
        arn = find_service_deployment(
            ctx.client("ecs"), cluster, service, target, created_after=created_after
        )
        if arn is not None:
            return arn
        remaining = deadline - ctx.clock()
        if remaining <= 0:
            raise CliError(
                f"updated ECS service {service} to {short_task_definition(target)}, but no service "
                f"deployment of it appeared within {ECS_START_WAIT_SECONDS:g} s: "
                f"aws ecs list-service-deployments --cluster {cluster} --service {service}"
            )
        ctx.sleep(min(ECS_START_POLL_SECONDS, remaining))


def ecs_rollback(ctx: Context) -> int:
    """UpdateService to the previous revision (ECS starts a service deployment of it), then follow
    it. While a deployment runs, "live" is the revision it replaces (what CodeDeploy calls the
    PRIMARY task set), so running `rollback` again follows the first one's deployment."""
    given = [flag for attr, flag in _CODEDEPLOY_ONLY_FLAGS if getattr(ctx.args, attr, None)]
    if given:
        raise CliError(
            f"{', '.join(given)}: CodeDeploy AppSpec settings, not used by the ecs engine "
            "(its hooks and load balancer come from the service's own configuration)"
        )
    cluster, name = ctx.names.require("cluster"), ctx.names.require("service")
    service = _ecs_service(ctx)
    deployments = _service_deployments(ctx)
    running = _running_deployment(ctx, deployments)
    live = (
        (running.source if running is not None else None)
        or str(service.get("taskDefinition") or "")
        or ctx.names.get("task_definition_arn")
    )
    if not live:
        raise CliError(
            f"cannot tell which task definition {name} runs; give --to ARN or the taskDefinitionArn output"
        )
    target = _rollback_target(ctx, live)
    if same_task_definition(target, live):
        raise CliError(f"{short_task_definition(target)} is already the live revision")
    ctx.print(f"rolling back {short_task_definition(live)} -> {short_task_definition(target)}")
    if running is not None:
        ctx.deployment_id = running.arn
        if running.target is not None and same_task_definition(running.target, target):
            ctx.print(
                f"service deployment {running.arn} of {short_task_definition(target)} is already in progress"
            )
            if ctx.args.no_wait:
                ctx.print(running.arn)
                return EXIT_OK
            return _report(ctx, _watch_outcome(ctx, running.arn, stop_on_timeout=True))
        if ctx.args.no_wait:
            raise CliError(
                f"service deployment {running.arn} is in progress for {name}; wait for it "
                f"(python -m release watch {running.arn}) or stop it (python -m release stop {running.arn})"
            )
        ctx.print(
            f"service deployment {running.arn} of another revision is in progress for {name}; "
            "waiting for it to end before rolling back"
        )
        other = _watch_outcome(ctx, running.arn, stop_on_timeout=False)
        if other.status == "TimedOut":
            ctx.warn(
                f"{other.describe()}; so no rollback was started: try again when it ends or stop it "
                f"(python -m release stop {running.arn})"
            )
            return EXIT_DEPLOYMENT_FAILED
        ctx.print(f"service deployment {running.arn} ended: {other.status}")
        now_live = str(_ecs_service(ctx).get("taskDefinition") or "")
        if now_live and same_task_definition(now_live, target):
            raise CliError(f"{short_task_definition(target)} is already the live revision")
        deployments = _service_deployments(ctx)
    newest = next((d["createdAt"] for d in deployments if isinstance(d.get("createdAt"), datetime)), None)
    ctx.client("ecs").update_service(cluster=cluster, service=name, taskDefinition=target)
    arn = _await_service_deployment(ctx, target, newest)
    ctx.deployment_id = arn
    ctx.print(f"started service deployment {arn} of {target}")
    if ctx.args.no_wait:
        ctx.print(arn)
        return EXIT_OK
    return _report(ctx, _watch_outcome(ctx, arn, stop_on_timeout=True))


# ---------------------------------------------------------------------------------------- errors


def _client_error_line(error: ClientError, ctx: Context | None) -> str:
    response = error.response or {}
    code = str((response.get("Error") or {}).get("Code") or "")
    message = str((response.get("Error") or {}).get("Message") or "")
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    names = ctx.names if ctx is not None else Names()
    region = names.get("region") or "?"
    application, group = names.get("application"), names.get("deployment_group")
    cluster, service = names.get("cluster"), names.get("service")
    deployment_id = ctx.deployment_id if ctx is not None else None
    known = {
        "ApplicationDoesNotExistException": f"CodeDeploy application {application} not found in {region}",
        "DeploymentGroupDoesNotExistException": (
            f"deployment group {group} does not exist in CodeDeploy application {application} ({region})"
        ),
        "DeploymentDoesNotExistException": f"deployment {deployment_id} does not exist in {region}",
        "InvalidDeploymentIdException": f"{deployment_id!r} is not a valid deployment id (d-XXXXXXXXX)",
        "DeploymentAlreadyCompletedException": f"deployment {deployment_id} has already ended",
        "ClusterNotFoundException": f"ECS cluster {cluster} not found in {region}",
        "ServiceNotFoundException": f"ECS service {service} not found in cluster {cluster} ({region})",
        "ServiceNotActiveException": f"ECS service {service} is not active",
        "ServiceDeploymentNotFoundException": (
            f"service deployment {deployment_id} does not exist in {region}"
        ),
        "RuleNotFound": f"the service's production listener rule does not exist in {region}",
        "ListenerNotFound": f"the deployment group's production listener does not exist in {region}",
        "TargetGroupNotFound": f"a target group of the production listener does not exist in {region}",
    }
    if code in known:
        return f"{known[code]} ({code})"
    operation = error.operation_name or "AWS call"
    if not message or message.lstrip().startswith("<"):
        return (
            f"{operation} failed: HTTP {status or code} from the endpoint (is the operation supported there?)"
        )
    return f"{operation} failed: {code}: {_one_line(message)}"


def _default_clients(service: str, region: str) -> Any:
    import boto3

    return boto3.client(service, region_name=region)


# ---------------------------------------------------------------------------------------- parser


def _names_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    source = common.add_argument_group("names")
    source.add_argument("--stack", help="read names from `pulumi stack output --json --stack STACK`")
    source.add_argument(
        "--outputs-file", metavar="FILE", help="read names from saved `pulumi stack output --json`"
    )
    source.add_argument("--region", help="AWS region (output region; else AWS_REGION)")
    source.add_argument("--application", help="CodeDeploy application (output codedeployApplication)")
    source.add_argument(
        "--deployment-group", help="CodeDeploy deployment group (output codedeployDeploymentGroup)"
    )
    source.add_argument("--cluster", help="ECS cluster (output clusterName; else the deployment group's)")
    source.add_argument("--service", help="ECS service (output serviceName; else the deployment group's)")
    source.add_argument(
        "--engine",
        choices=ENGINES,
        help=f"what deploys the service (output {ENGINE_OUTPUT}; else {DEFAULT_ENGINE}): CodeDeploy "
        "blue/green, or ECS's own service deployments",
    )
    return common


def _positive(kind: type[float] | type[int]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
        return value

    return parse


def _add_timing(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout-minutes",
        type=_positive(float),
        default=DEFAULT_TIMEOUT_MINUTES,
        help=f"give up following after this long (default {DEFAULT_TIMEOUT_MINUTES:g})",
    )
    parser.add_argument(
        "--poll-seconds",
        type=_positive(float),
        default=DEFAULT_POLL_SECONDS,
        help=f"seconds between polls (default {DEFAULT_POLL_SECONDS:g})",
    )


DEPLOYMENT_HELP = "CodeDeploy deployment id or ECS service deployment ARN (default: the active deployment)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m release",
        description="Status, watch, stop and rollback of the stack's blue/green releases, made by "
        "CodeDeploy or by ECS's own service deployments (--engine).",
        epilog="exit codes: 0 ok, 1 the deployment did not succeed, 2 error",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = _names_parser()

    status = commands.add_parser(
        "status", parents=[common], help="current or last deployment, production traffic, ECS tasks"
    )
    status.add_argument("--json", action="store_true", help="print one JSON object")
    status.set_defaults(handler=cmd_status)

    watch = commands.add_parser("watch", parents=[common], help="follow a deployment until it ends")
    watch.add_argument("deployment_id", nargs="?", metavar="DEPLOYMENT", help=DEPLOYMENT_HELP)
    _add_timing(watch)
    watch.set_defaults(handler=cmd_watch)

    stop = commands.add_parser("stop", parents=[common], help="stop a deployment, rolling back")
    stop.add_argument("deployment_id", nargs="?", metavar="DEPLOYMENT", help=DEPLOYMENT_HELP)
    stop.set_defaults(handler=cmd_stop)

    rollback = commands.add_parser(
        "rollback",
        parents=[common],
        help="release the previous task definition revision (a CodeDeploy deployment, or under ecs "
        "an UpdateService that starts a service deployment)",
    )
    target = rollback.add_mutually_exclusive_group()
    target.add_argument("--to-revision", type=_positive(int), metavar="N", help="roll back to FAMILY:N")
    target.add_argument("--to", metavar="ARN", help="roll back to this task definition")
    rollback.add_argument(
        "--hook",
        action="append",
        default=[],
        metavar="NAME=ARN",
        help=f"codedeploy: lifecycle hook Lambda, repeatable; NAME one of {', '.join(ECS_HOOKS)} "
        "(default: no hooks)",
    )
    rollback.add_argument(
        "--container-name", help=f"codedeploy: container behind the load balancer ({DEFAULT_CONTAINER_NAME})"
    )
    rollback.add_argument(
        "--container-port", type=_positive(int), help=f"codedeploy: its port ({DEFAULT_CONTAINER_PORT})"
    )
    rollback.add_argument(
        "--platform-version", help=f"codedeploy: Fargate platform version ({DEFAULT_PLATFORM_VERSION})"
    )
    rollback.add_argument(
        "--no-wait", action="store_true", help="start the deployment, print its id (ecs: ARN), exit"
    )
    _add_timing(rollback)
    rollback.set_defaults(handler=cmd_rollback)
    return parser


# ---------------------------------------------------------------------------------------- main


def main(
    argv: list[str],
    *,
    clients: ClientFactory | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    parser = build_parser()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else EXIT_ERROR

    ctx: Context | None = None
    try:
        names = resolve_names(args)
        ctx = Context(args, names, clients or _default_clients, out, err, sleep, clock)
        return int(args.handler(ctx))
    except CliError as error:
        message = str(error)
    except NoCredentialsError:
        message = (
            "no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), "
            "or log in with `aws sso login`"
        )
    except ClientError as error:
        message = _client_error_line(error, ctx)
    except BotoCoreError as error:
        message = f"AWS: {_one_line(str(error))}"
    except KeyboardInterrupt:
        print("interrupted", file=err, flush=True)
        return 130
    except Exception as error:  # never a traceback for the operator
        message = f"unexpected {type(error).__name__}: {_one_line(str(error))}"
    print(f"error: {message}", file=err, flush=True)
    return EXIT_ERROR
