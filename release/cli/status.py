"""`status [--json]`: the current (or last) deployment, the production traffic split as the load
balancer has it and the ECS service's tasks, as text or one JSON object. The engine gathers the
state (EngineOps.status): CodeDeploy's deployment with its lifecycle events and task sets, or
ECS's service deployment in full (revisions, task counts, lifecycle hooks, rollback, alarms,
circuit breaker, requested traffic) with the service's deployments. Writing it is here, so both
engines' status reads alike."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable
from typing import Any

from release.cli.context import Context
from release.cli.engine import EngineOps
from release.cli.errors import EXIT_OK, CliError
from release.cli.service import LISTENER_KEY, RULE_KEY
from release.cli.text import green_bar, short_task_definition, split_text
from release.ecs.deployments import short_name
from release.ecs.watch import continue_command


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    status = commands.add_parser(
        "status", parents=[common], help="current or last deployment, production traffic, ECS tasks"
    )
    status.add_argument("--json", action="store_true", help="print one JSON object")


def run(ctx: Context, engine: EngineOps) -> int:
    state = engine.status(ctx)
    emit_status(ctx, state, _print_ecs if state["engine"] == "ecs" else _print_codedeploy)
    if state.get("diagnosis") and not ctx.args.json:
        ctx.print(state["diagnosis"]["text"])
    if state["deployment"] is None:
        if state["engine"] == "ecs":
            service, cluster = state["service"], state["cluster"]
            raise CliError(f"no service deployment found for ECS service {service} in cluster {cluster}")
        raise CliError(
            f"no deployment found for deployment group {state['deploymentGroup']} "
            f"of application {state['application']}"
        )
    return EXIT_OK


def emit_status(
    ctx: Context, state: dict[str, Any], print_text: Callable[[Context, dict[str, Any]], None]
) -> None:
    """`status`'s state as one JSON object (--json) or as text."""
    if ctx.args.json:
        ctx.print(json.dumps(state, indent=2, default=str))
    else:
        print_text(ctx, state)


def print_fields(ctx: Context, record: dict[str, Any], labels: Iterable[tuple[str, str]]) -> None:
    """`  label: value` for each (key, label) whose value in ``record`` is set."""
    for key, label in labels:
        if record[key]:
            ctx.print(f"  {label}: {record[key]}")


def print_service(
    ctx: Context, ecs: dict[str, Any], kind: str, parts: Iterable[tuple[dict[str, Any], list[str]]]
) -> None:
    """The service's task counts and live task definition, then a line per task set or
    deployment (``kind``): its task definition, running count and the engine's ``parts``."""
    p = ctx.print
    p(
        f"ECS service {ecs['service']} in cluster {ecs['cluster']}: {ecs['runningCount']} running, "
        f"{ecs['desiredCount']} desired, {ecs['pendingCount']} pending"
    )
    live = short_task_definition(ecs["liveTaskDefinition"]) or "unknown"
    p(
        f"  live task definition: {live}"
        + (f" (revision {ecs['liveRevision']})" if ecs["liveRevision"] else "")
    )
    for child, extra in parts:
        line = [str(short_task_definition(child["taskDefinition"]))]
        if child["runningCount"] is not None:
            line.append(f"{child['runningCount']} running of {child['desiredCount']}")
        line.extend(extra)
        p(f"  {kind} {child['id']} {child['status']}: {', '.join(line)}")


def print_production_traffic(
    ctx: Context, splits: list[dict[str, Any]], key: str, unknown_because: str
) -> None:
    """`production traffic: blue 90% / green 10%` per listener or rule (naming it when several)."""
    if not splits:
        ctx.print(f"production traffic: unknown ({unknown_because})")
    for split in splits:
        text = (
            " / ".join(f"{g['name']} {g['percent']:g}%" for g in split["targetGroups"]) or "no forward action"
        )
        suffix = f" ({split[key]})" if len(splits) > 1 else ""
        ctx.print(f"production traffic: {text}{suffix}")


# ---------------------------------------------------------------------------------------- codedeploy


def _print_codedeploy_deployment(ctx: Context, deployment: dict[str, Any], active: bool) -> None:
    p = ctx.print
    which = "current" if active else "last"
    p(f"{which} deployment {deployment['id']}: {deployment['status']}")
    print_fields(
        ctx,
        deployment,
        (
            ("createTime", "created"),
            ("startTime", "started"),
            ("completeTime", "completed"),
            ("description", "description"),
        ),
    )
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
        p(f"  task set traffic: {split_text(deployment['traffic'])}")
    wait = deployment.get("readyWait")
    if wait:
        p(f"  ready wait: {ready_wait_text(wait)}; go ahead: python -m release continue {deployment['id']}")


def _print_codedeploy(ctx: Context, state: dict[str, Any]) -> None:
    ctx.print(
        f"application {state['application']}, deployment group {state['deploymentGroup']} ({state['region']})"
    )
    if state["deployment"] is None:
        ctx.print("deployment: none yet")
    else:
        _print_codedeploy_deployment(ctx, state["deployment"], state["deploymentActive"])
    print_production_traffic(
        ctx, state["productionTraffic"], LISTENER_KEY, "the deployment group names no production listener"
    )
    ecs = state["ecs"]
    print_service(
        ctx,
        ecs,
        "task set",
        (
            (
                task_set,
                [f"scale {task_set['scalePercent']:g}%"] if task_set["scalePercent"] is not None else [],
            )
            for task_set in ecs["taskSets"]
        ),
    )


def ready_wait_text(wait: dict[str, Any]) -> str:
    """`12m 30s left of 30 min (green ready since ...), then STOP_DEPLOYMENT`."""
    minutes = f"{wait['waitMinutes']} min" if wait["waitMinutes"] is not None else "the wait"
    then = f", then {wait['actionOnTimeout']}" if wait["actionOnTimeout"] else ""
    left = wait["secondsLeft"]
    if left is None:
        return f"waiting for the go-ahead, {minutes} from when green became ready (unknown){then}"
    if left == 0:
        return f"{minutes} ran out at {wait['endsAt']}{then}"
    since = (
        f" (green ready since {wait['greenReadyAt']})"
        if wait["greenReadyAt"]
        else f" (until {wait['endsAt']})"
    )
    return f"{left // 60}m {left % 60:02d}s left of {minutes}{since}{then}"


# ---------------------------------------------------------------------------------------- ecs


def _print_ecs_deployment(ctx: Context, deployment: dict[str, Any], active: bool) -> None:
    p = ctx.print
    which = "current" if active else "last"
    strategy = f" ({deployment['strategy']})" if deployment["strategy"] else ""
    p(f"{which} service deployment {deployment['id']}: {deployment['status']}{strategy}")
    p(f"  arn: {deployment['arn']}")
    print_fields(
        ctx,
        deployment,
        (
            ("statusReason", "reason"),
            ("lifecycleStage", "lifecycle stage"),
            ("createdAt", "created"),
            ("startedAt", "started"),
            ("finishedAt", "finished"),
            ("stoppedAt", "stopped"),
        ),
    )
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
                f"; resume with `{continue_command(deployment['arn'], hook['id'])}`"
                if hook["status"] == "AWAITING_ACTION"
                else ""
            )
            p(f"    {hook['label']} {hook['status']}{resume}")
    else:
        p("  lifecycle hooks: none")
    wait = deployment.get("readyWait")
    if wait:
        go_ahead = f"python -m release continue {deployment['arn']}"
        p(f"  ready wait: {ready_wait_text(wait)}; go ahead: {go_ahead}")
        p("  (or roll back green: python -m release rollback)")
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
        p(f"  requested production traffic: {split_text(deployment['traffic'])}" + (f" {bar}" if bar else ""))
    if deployment["testTraffic"]:
        p(f"  requested test traffic: {split_text(deployment['testTraffic'])}")


def _deployment_parts(deployment: dict[str, Any]) -> list[str]:
    parts = []
    if deployment["failedTasks"]:
        parts.append(f"{deployment['failedTasks']} failed")
    if deployment["rolloutState"]:
        parts.append(f"rollout {deployment['rolloutState']}")
    return parts


def _print_ecs(ctx: Context, state: dict[str, Any]) -> None:
    ecs = state["ecs"]
    strategy = f", strategy {ecs['strategy']}" if ecs["strategy"] else ""
    ctx.print(
        f"service {state['service']} in cluster {state['cluster']} ({state['region']}): "
        f"{ecs['deploymentController']} deployment controller{strategy}"
    )
    if state["deployment"] is None:
        ctx.print("service deployment: none yet")
    else:
        _print_ecs_deployment(ctx, state["deployment"], state["deploymentActive"])
    print_production_traffic(
        ctx,
        state["productionTraffic"],
        RULE_KEY,
        "the service's load balancer names no production listener rule",
    )
    print_service(
        ctx,
        ecs,
        "deployment",
        ((deployment, _deployment_parts(deployment)) for deployment in ecs["deployments"]),
    )
