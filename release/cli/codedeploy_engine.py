"""The codedeploy engine behind the CLI's commands (EngineOps, release/cli/engine.py):
CodeDeploy blue/green deployments of the stack's deployment group (DEPLOYMENT is a deployment
id, d-XXXXXXXXX). `rollback` starts a deployment of an AppSpec naming the earlier revision. The
ECS cluster and service default to the ones the deployment group names."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from release.cli.context import Context
from release.cli.errors import EXIT_DEPLOYMENT_FAILED, EXIT_OK, CliError
from release.cli.rollback import in_progress_error, pick_rollback
from release.cli.service import find_service, listener_traffic, live_fields, service_counts
from release.cli.tasks import TaskGroup
from release.cli.text import revision_change, short_task_definition, timestamp, traffic_json, when
from release.codedeploy.deployments import (
    active_deployments,
    appspec_of,
    list_deployments,
    live_task_definition,
    same_appspec,
    start_deployment,
)
from release.codedeploy.diagnose import diagnosis_of, with_diagnosis
from release.codedeploy.run import ReleaseFailed, ReleaseRequest, release
from release.codedeploy.watch import read_snapshot, watch_deployment
from release.core.outcome import Outcome
from specs import stack_outputs
from specs.appspec import APPSPEC_SETTINGS, appspec_content, appspec_settings, task_definition_of
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


READY_WAIT_EVENTS = ("BeforeInstall", "Install", "AfterInstall", "AllowTestTraffic", "AfterAllowTestTraffic")
"""The ECS lifecycle events before CodeDeploy's READY wait: green is installed and has test
traffic (and passed its AfterAllowTestTraffic hook) when the last of them ends."""


def _ready_option(info: dict[str, Any], group_info: dict[str, Any]) -> dict[str, Any]:
    """The deploymentReadyOption the deployment runs with: its own copy of the group's
    blueGreenDeploymentConfiguration, else the group's."""
    for source in (info, group_info):
        option = (source.get("blueGreenDeploymentConfiguration") or {}).get("deploymentReadyOption")
        if option:
            return dict(option)
    return {}


def _green_ready_at(client: Any, deployment_id: str) -> datetime | None:
    """When green became ready: the latest end of the events before the wait (READY_WAIT_EVENTS)."""
    try:
        target_ids = client.list_deployment_targets(deploymentId=deployment_id).get("targetIds", [])
        if not target_ids:
            return None
        target = client.get_deployment_target(deploymentId=deployment_id, targetId=target_ids[0])
    except (ClientError, BotoCoreError):
        return None
    ends = [
        event["endTime"]
        for event in ((target.get("deploymentTarget") or {}).get("ecsTarget") or {}).get(
            "lifecycleEvents", []
        )
        if event.get("lifecycleEventName") in READY_WAIT_EVENTS and isinstance(event.get("endTime"), datetime)
    ]
    return max(ends, default=None)


def ready_wait(
    client: Any, info: dict[str, Any], group_info: dict[str, Any], now: datetime
) -> dict[str, Any] | None:
    """How long a Ready deployment's wait for the go-ahead has left; None unless it is Ready.

    The wait (``waitTimeInMinutes`` of the deployment's deploymentReadyOption, else the group's)
    starts when green became ready: when the last lifecycle event before it ended (the hook
    AfterAllowTestTraffic, else AllowTestTraffic, ...). Left = that time + the wait - now. When
    it runs out CodeDeploy applies ``actionOnTimeout`` (STOP_DEPLOYMENT: the deployment stops and
    blue keeps the traffic). Without the events' end times only the wait itself is known."""
    if info.get("status") != "Ready":
        return None
    option = _ready_option(info, group_info)
    minutes = option.get("waitTimeInMinutes")
    ready_at = _green_ready_at(client, str(info["deploymentId"]))
    ends_at = ready_at + timedelta(minutes=minutes) if ready_at and isinstance(minutes, int) else None
    return {
        "waitMinutes": minutes,
        "actionOnTimeout": option.get("actionOnTimeout"),
        "greenReadyAt": when(ready_at),
        "endsAt": when(ends_at),
        "secondsLeft": max(0, int((ends_at - now).total_seconds())) if ends_at else None,
        "statusMessages": list(info.get("deploymentStatusMessages") or []),
    }


def go_ahead(ctx: Context, deployment: str) -> str:
    codedeploy = ctx.client("codedeploy")
    status = codedeploy.get_deployment(deploymentId=deployment)["deploymentInfo"].get("status")
    if status != "Ready":
        raise CliError(
            f"deployment {deployment} is {status}, not waiting for a go-ahead (Ready): only a deployment "
            "held by deployment.readyWaitMinutes can be continued"
        )
    codedeploy.continue_deployment(deploymentId=deployment, deploymentWaitType="READY_WAIT")
    return (
        f"deployment {deployment}: go-ahead given, production traffic shifts to green now "
        f"(follow it: python -m release watch {deployment})"
    )


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
    state_of_deployment = (
        None
        if info is None
        else {
            **_deployment_state(codedeploy, info),
            "readyWait": ready_wait(codedeploy, info, group_info, ctx.now()),
        }
    )
    return {
        "engine": "codedeploy",
        "region": ctx.names.get("region"),
        "application": application,
        "deploymentGroup": group,
        "deployment": state_of_deployment,
        "deploymentActive": bool(active),
        "productionTraffic": listener_traffic(ctx.client("elbv2"), production_listeners(group_info)),
        "ecs": _ecs_state(ctx),
        "diagnosis": _diagnosis(ctx, state_of_deployment, bool(active)),
    }


# ---------------------------------------------------------------------------- deployment, follow, stop


def deployment(ctx: Context) -> str:
    return str(ctx.args.deployment_id or _active_id(ctx))


def follow(ctx: Context, deployment: str) -> Outcome:
    outcome = watch_deployment(ctx.client("codedeploy"), deployment, **ctx.follow_options())
    return with_diagnosis(
        ctx.client, outcome, cluster=ctx.names.get("cluster") or "", service=ctx.names.get("service") or ""
    )


def _diagnosis(ctx: Context, deployment: dict[str, Any] | None, active: bool) -> dict[str, Any] | None:
    """`status`'s diagnosis of the last deployment when it failed or was stopped."""
    if deployment is None or active or deployment["status"] not in ("Failed", "Stopped"):
        return None
    outcome = Outcome(str(deployment["id"]), str(deployment["status"]), deployment["error"] or "")
    found = diagnosis_of(
        ctx.client, outcome, cluster=ctx.names.get("cluster") or "", service=ctx.names.get("service") or ""
    )
    return found.to_json() if found is not None else None


def stop(ctx: Context, deployment: str) -> str:
    response = ctx.client("codedeploy").stop_deployment(deploymentId=deployment, autoRollbackEnabled=True)
    stopped = response.get("status", "?")
    message = response.get("statusMessage")
    return f"deployment {deployment}: stop {stopped} (with rollback)" + (f": {message}" if message else "")


def task_groups(ctx: Context, service: dict[str, Any]) -> list[TaskGroup]:
    """PRIMARY task set blue (it serves production until the deployment ends), any other green."""
    return [
        TaskGroup(
            "blue" if task_set.get("status") == "PRIMARY" else "green",
            str(task_set.get("id") or ""),
            str(task_set.get("taskDefinition") or ""),
        )
        for task_set in service.get("taskSets", [])
        if task_set.get("status") in ("PRIMARY", "ACTIVE")
    ]


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


def _output_settings(ctx: Context) -> dict[str, Any] | None:
    """The stack output releaseAppSpec, checked; None when the outputs have none."""
    value = ctx.names.outputs.get(stack_outputs.RELEASE_APPSPEC)
    if value is None:
        return None
    where = f"the stack output {stack_outputs.RELEASE_APPSPEC}"
    if not isinstance(value, dict):
        raise CliError(f"{where} is {value!r}, expected an object with {', '.join(APPSPEC_SETTINGS)}")
    name, port, platform = (
        value.get("containerName"),
        value.get("containerPort"),
        value.get("platformVersion"),
    )
    hooks = value.get("hooks") or {}
    if not isinstance(name, str) or not name:
        raise CliError(f"{where}.containerName is {name!r}, expected the container's name")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise CliError(f"{where}.containerPort is {port!r}, expected a port 1-65535")
    if not isinstance(platform, str) or not platform:
        raise CliError(f"{where}.platformVersion is {platform!r}, expected a platform version (LATEST)")
    if not isinstance(hooks, dict) or not all(isinstance(arn, str) for arn in hooks.values()):
        raise CliError(f"{where}.hooks is {hooks!r}, expected ECS hook name -> Lambda ARN")
    return {"containerName": name, "containerPort": port, "platformVersion": platform, "hooks": dict(hooks)}


def _last_succeeded_settings(ctx: Context) -> tuple[dict[str, Any], str] | None:
    """The AppSpec settings of the group's newest succeeded deployment (with an ECS AppSpec)."""
    application = ctx.names.require("application")
    group = ctx.names.require("deployment_group")
    succeeded = list_deployments(ctx.client("codedeploy"), application, group, ["Succeeded"])
    for info in sorted(succeeded, key=lambda found: timestamp(found.get("createTime")), reverse=True):
        settings = appspec_settings(appspec_of(info) or "")
        if settings is not None:
            return settings, f"the last succeeded deployment {info['deploymentId']}"
    return None


def rollback_appspec_settings(ctx: Context) -> tuple[dict[str, Any], str]:
    """Container name and port, platform version and hooks of the rollback's AppSpec, and where
    they came from: each flag over the stack output releaseAppSpec over the AppSpec of the
    group's last succeeded deployment. Never a built-in default: what the stack deploys (a prod
    smoke test among it) is what its rollback deploys; a setting none of them gives is an error."""
    args = ctx.args
    found = _output_settings(ctx)
    source = f"the stack output {stack_outputs.RELEASE_APPSPEC}"
    if found is None:
        last = _last_succeeded_settings(ctx)
        found, source = last if last is not None else ({}, "")
    flags = {
        "containerName": args.container_name,
        "containerPort": args.container_port,
        "platformVersion": args.platform_version,
        "hooks": parse_hooks(args.hook) if args.hook else ({} if args.no_hooks else None),
    }
    settings = {key: flags[key] if flags[key] is not None else found.get(key) for key in APPSPEC_SETTINGS}
    missing = [
        flag
        for key, flag in zip(
            APPSPEC_SETTINGS,
            ("--container-name", "--container-port", "--platform-version", "--hook NAME=ARN or --no-hooks"),
            strict=True,
        )
        if settings[key] is None
    ]
    if missing:
        raise CliError(
            f"cannot tell the AppSpec the stack deploys: no stack output {stack_outputs.RELEASE_APPSPEC} "
            f"(--stack/--outputs-file) and no succeeded deployment of group "
            f"{ctx.names.get('deployment_group')} to copy; give {', '.join(missing)}"
        )
    given = [key for key in APPSPEC_SETTINGS if flags[key] is not None]
    if not source:
        source = "flags"
    elif given:
        source += f" ({', '.join(given)} from flags)"
    return settings, source


def appspec_summary(settings: dict[str, Any]) -> str:
    hooks = ", ".join(settings["hooks"]) or "none"
    return (
        f"container {settings['containerName']}:{settings['containerPort']}, "
        f"platform {settings['platformVersion']}, hooks {hooks}"
    )


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
    settings, source = rollback_appspec_settings(ctx)
    try:
        appspec = appspec_content(
            task_definition_arn=target,
            container_name=settings["containerName"],
            container_port=settings["containerPort"],
            platform_version=settings["platformVersion"],
            hooks=settings["hooks"],
        )
    except ValueError as error:
        raise CliError(str(error)) from None
    description = f"rollback {revision_change(live, target)} (release CLI)"
    ctx.print(f"rolling back {revision_change(live, target)}")
    ctx.print(f"AppSpec: {appspec_summary(settings)} (from {source})")
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
