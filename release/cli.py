"""Operator CLI for the stack's blue/green releases: `python -m release <command> [options]`.

    status   [--json]                      the current (or last) deployment, the production
                                           listener's traffic split and the ECS service
    watch    [DEPLOYMENT_ID]               follow a deployment (default: the active one) to its end
    stop     [DEPLOYMENT_ID]               stop a deployment (default: the active one) with rollback
    rollback [--to-revision N | --to ARN]  release the previous task definition revision

Names (region, CodeDeploy application and group, ECS cluster and service) come from the
stack's outputs (`--stack STACK` runs `pulumi stack output --json`; `--outputs-file FILE`
reads the same JSON saved earlier) and/or flags, flags winning. The ECS cluster and service
fall back to the ones the deployment group names.

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
from release.outputs import OutputsError, pulumi_stack_outputs, read_outputs_file
from release.run import ReleaseFailed, ReleaseRequest, release
from release.service_state import live_task_definition
from release.watch import read_snapshot, watch_deployment
from specs.appspec import ECS_HOOKS, appspec_content, task_definition_of

ClientFactory = Callable[[str, str], Any]

EXIT_OK = 0
EXIT_DEPLOYMENT_FAILED = 1
EXIT_ERROR = 2

DEFAULT_TIMEOUT_MINUTES = 60.0
DEFAULT_POLL_SECONDS = 10.0
BAR_WIDTH = 10


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
)
_SPECS = {spec.field: spec for spec in NAME_SPECS}


@dataclass
class Names:
    """What the commands act on; None where neither a flag nor an output gave it."""

    values: dict[str, str | None] = field(default_factory=dict)
    from_outputs: bool = False

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
    for spec in NAME_SPECS:
        flag_value = getattr(args, spec.field, None)
        output_value = outputs.get(spec.output)
        if flag_value:
            values[spec.field] = str(flag_value)
        elif isinstance(output_value, str | int) and str(output_value):
            values[spec.field] = str(output_value)
        else:
            values[spec.field] = None
    if not values["region"]:
        values["region"] = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
    return Names(values=values, from_outputs=bool(args.stack or args.outputs_file))


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
    weights_by_listener: list[tuple[str, list[tuple[str, float]]]] = []
    for listener in listeners:
        actions = sorted(listener.get("DefaultActions", []), key=lambda action: action.get("Order", 0))
        forward = next((action for action in actions if action.get("Type") == "forward"), None)
        weights: list[tuple[str, float]] = []
        if forward is not None:
            groups = (forward.get("ForwardConfig") or {}).get("TargetGroups") or []
            if groups:
                weights = [(g["TargetGroupArn"], float(g.get("Weight", 1))) for g in groups]
            elif forward.get("TargetGroupArn"):
                weights = [(forward["TargetGroupArn"], 1.0)]
        weights_by_listener.append((listener["ListenerArn"], weights))
    arns = sorted({arn for _, weights in weights_by_listener for arn, _ in weights})
    names: dict[str, str] = {}
    if arns:
        for group in elbv2.describe_target_groups(TargetGroupArns=arns).get("TargetGroups", []):
            names[group["TargetGroupArn"]] = group["TargetGroupName"]
    result = []
    for listener_arn, weights in weights_by_listener:
        total = sum(weight for _, weight in weights)
        result.append(
            {
                "listenerArn": listener_arn,
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
    application = ctx.names.require("application")
    group = ctx.names.require("deployment_group")
    codedeploy = ctx.client("codedeploy")
    group_info = _group_info(ctx)
    active = active_deployments(codedeploy, application, group)
    info = active[0] if active else _newest(_all_deployments(codedeploy, application, group))
    if info is not None:
        ctx.deployment_id = str(info["deploymentId"])
    state = {
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
            container_name=ctx.args.container_name,
            container_port=ctx.args.container_port,
            platform_version=ctx.args.platform_version,
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m release",
        description="Status, watch, stop and rollback of the stack's CodeDeploy blue/green releases.",
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
    watch.add_argument(
        "deployment_id", nargs="?", metavar="DEPLOYMENT_ID", help="default: the active deployment"
    )
    _add_timing(watch)
    watch.set_defaults(handler=cmd_watch)

    stop = commands.add_parser("stop", parents=[common], help="stop a deployment, rolling back")
    stop.add_argument(
        "deployment_id", nargs="?", metavar="DEPLOYMENT_ID", help="default: the active deployment"
    )
    stop.set_defaults(handler=cmd_stop)

    rollback = commands.add_parser(
        "rollback", parents=[common], help="release the previous task definition revision through CodeDeploy"
    )
    target = rollback.add_mutually_exclusive_group()
    target.add_argument("--to-revision", type=_positive(int), metavar="N", help="roll back to FAMILY:N")
    target.add_argument("--to", metavar="ARN", help="roll back to this task definition")
    rollback.add_argument(
        "--hook",
        action="append",
        default=[],
        metavar="NAME=ARN",
        help=f"lifecycle hook Lambda, repeatable; NAME one of {', '.join(ECS_HOOKS)} (default: no hooks)",
    )
    rollback.add_argument("--container-name", default="app", help="container behind the load balancer (app)")
    rollback.add_argument("--container-port", type=_positive(int), default=8080, help="its port (8080)")
    rollback.add_argument("--platform-version", default="LATEST", help="Fargate platform version (LATEST)")
    rollback.add_argument("--no-wait", action="store_true", help="start the deployment, print its id, exit")
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
