"""The codedeploy engine behind the CLI's commands (EngineOps, release/cli/engine.py):
CodeDeploy blue/green deployments of the stack's deployment group (DEPLOYMENT is a deployment
id, d-XXXXXXXXX). `rollback` starts a deployment of an AppSpec naming the earlier revision. The
ECS cluster and service default to the ones the deployment group names."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from release.cli.context import Context
from release.cli.errors import EXIT_DEPLOYMENT_FAILED, EXIT_OK, CliError
from release.cli.rollback import (
    DEFAULT_CONTAINER_NAME,
    DEFAULT_CONTAINER_PORT,
    DEFAULT_PLATFORM_VERSION,
    in_progress_error,
    pick_rollback,
)
from release.cli.service import find_service, listener_traffic, live_fields, service_counts
from release.cli.text import revision_change, short_task_definition, timestamp, traffic_json, when
from release.codedeploy.deployments import (
    active_deployments,
    appspec_of,
    list_deployments,
    live_task_definition,
    same_appspec,
    start_deployment,
)
from release.codedeploy.run import ReleaseFailed, ReleaseRequest, release
from release.codedeploy.watch import read_snapshot, watch_deployment
from release.core.outcome import Outcome
from specs.appspec import appspec_content, task_definition_of
from specs.release_model import ECS_HOOKS


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


# ---------------------------------------------------------------------------------------- status


def production_listeners(group_info: dict[str, Any]) -> list[str]:
    """The production listeners of the deployment group's target group pairs."""
    lb_info = group_info.get("loadBalancerInfo") or {}
    pairs = lb_info.get("targetGroupPairInfoList") or [lb_info.get("targetGroupPairInfo") or {}]
    return [arn for pair in pairs for arn in (pair.get("prodTrafficRoute") or {}).get("listenerArns", [])]


def _ecs_state(ctx: Context) -> dict[str, Any]:
    service = find_service(ctx)
    live = live_task_definition(ctx.client("ecs"), ctx.names.require("cluster"), ctx.names.require("service"))
    return {
        **service_counts(ctx, service, (service.get("deploymentController") or {}).get("type")),
        **live_fields(live),
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
        "createTime": when(info.get("createTime")),
        "startTime": when(info.get("startTime")),
        "completeTime": when(info.get("completeTime")),
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
        "traffic": traffic_json(snapshot.traffic),
    }


def status(ctx: Context) -> dict[str, Any]:
    application = ctx.names.require("application")
    group = ctx.names.require("deployment_group")
    codedeploy = ctx.client("codedeploy")
    group_info = _group_info(ctx)
    active = active_deployments(codedeploy, application, group)
    info = (
        active[0]
        if active
        else max(
            list_deployments(codedeploy, application, group),
            key=lambda found: timestamp(found.get("createTime")),
            default=None,
        )
    )
    if info is not None:
        ctx.deployment_id = str(info["deploymentId"])
    return {
        "engine": "codedeploy",
        "region": ctx.names.get("region"),
        "application": application,
        "deploymentGroup": group,
        "deployment": _deployment_state(codedeploy, info) if info is not None else None,
        "deploymentActive": bool(active),
        "productionTraffic": listener_traffic(ctx.client("elbv2"), production_listeners(group_info)),
        "ecs": _ecs_state(ctx),
    }


# ---------------------------------------------------------------------------- deployment, follow, stop


def deployment(ctx: Context) -> str:
    return str(ctx.args.deployment_id or _active_id(ctx))


def follow(ctx: Context, deployment: str) -> Outcome:
    return watch_deployment(ctx.client("codedeploy"), deployment, **ctx.follow_options())


def stop(ctx: Context, deployment: str) -> str:
    response = ctx.client("codedeploy").stop_deployment(deploymentId=deployment, autoRollbackEnabled=True)
    stopped = response.get("status", "?")
    message = response.get("statusMessage")
    return f"deployment {deployment}: stop {stopped} (with rollback)" + (f": {message}" if message else "")


# ---------------------------------------------------------------------------------------- rollback


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


def _same_revision(target: str, live: str) -> bool:
    return target == live or short_task_definition(target) == short_task_definition(live)


def rollback(ctx: Context) -> int:
    application = ctx.names.require("application")
    group = ctx.names.require("deployment_group")
    _group_info(ctx)
    find_service(ctx)
    codedeploy = ctx.client("codedeploy")
    cluster, service = ctx.names.require("cluster"), ctx.names.require("service")
    live, target = pick_rollback(
        ctx,
        live_task_definition(ctx.client("ecs"), cluster, service) or ctx.names.get("task_definition_arn"),
        service,
        _same_revision,
    )
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
    description = f"rollback {revision_change(live, target)} (release CLI)"
    ctx.print(f"rolling back {revision_change(live, target)}")
    if ctx.args.no_wait:
        for running in active_deployments(codedeploy, application, group):
            running_id = str(running["deploymentId"])
            if same_appspec(appspec_of(running), appspec):
                ctx.print(f"deployment {running_id} of this AppSpec is already in progress")
                ctx.print(running_id)
                return EXIT_OK
            raise in_progress_error("deployment", running_id, group)
        deployment_id = start_deployment(codedeploy, application, group, appspec, description)
        ctx.deployment_id = deployment_id
        ctx.print(f"started deployment {deployment_id}")
        ctx.print(deployment_id)
        return EXIT_OK
    options = ctx.follow_options()
    request = ReleaseRequest(
        application=application,
        deployment_group=group,
        appspec=appspec,
        description=description,
        timeout_seconds=options.pop("timeout_seconds"),
        poll_seconds=options.pop("poll_seconds"),
    )
    try:
        outcome = release(codedeploy, request, **options)
    except ReleaseFailed as failed:
        ctx.warn(failed.outcome.describe())
        return EXIT_DEPLOYMENT_FAILED
    return ctx.report(outcome)
