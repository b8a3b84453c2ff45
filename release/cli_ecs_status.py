"""`status` under the ecs engine: the service's current (or last) service deployment in full
(revisions, task counts, lifecycle hooks, rollback, alarms, circuit breaker, requested traffic),
the production listener rules' split and the service's tasks, as text or one JSON object. Apart
from release/cli_ecs.py because a service deployment has this much to say."""

from __future__ import annotations

import contextlib
from typing import Any

from release.cli_common import (
    emit_status,
    print_fields,
    short_task_definition,
    split_text,
    traffic_json,
    when,
)
from release.cli_context import Context
from release.cli_ecs import active_briefs, describe_service_deployment, ecs_service, service_deployments
from release.cli_errors import EXIT_OK, CliError
from release.cli_progress import green_bar
from release.cli_service import live_fields, print_service, service_counts
from release.cli_traffic import RULE_KEY, print_production_traffic, rule_traffic
from release.ecs_watch import EcsSnapshot, revision_task_definitions, short_name


def _continue_command(arn: str, hook_id: str) -> str:
    return (
        f"aws ecs continue-service-deployment --service-deployment-arn {arn} --hook-id {hook_id} "
        "--action CONTINUE"
    )


def _deployment_state(ctx: Context, raw: dict[str, Any], snapshot: EcsSnapshot) -> dict[str, Any]:
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
        "createdAt": when(raw.get("createdAt")),
        "startedAt": when(raw.get("startedAt")),
        "finishedAt": when(raw.get("finishedAt")),
        "stoppedAt": when(raw.get("stoppedAt")),
        "updatedAt": when(raw.get("updatedAt")),
        "targetRevision": snapshot.target_revision or None,
        "taskDefinition": task_definitions.get(snapshot.target_revision),
        "sourceRevisions": list(snapshot.source_revisions),
        "sourceTaskDefinitions": [
            task_definitions[arn] for arn in snapshot.source_revisions if arn in task_definitions
        ],
        "targetTasks": None
        if tasks is None
        else {"running": tasks.running, "pending": tasks.pending, "requested": tasks.requested},
        "traffic": traffic_json(snapshot.traffic),
        "testTraffic": traffic_json(snapshot.test_traffic),
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


def production_rules(service: dict[str, Any]) -> list[str]:
    """The production listener rules of the service's load balancers (advancedConfiguration)."""
    return list(
        dict.fromkeys(
            str(rule)
            for balancer in service.get("loadBalancers") or []
            if (rule := (balancer.get("advancedConfiguration") or {}).get("productionListenerRule"))
        )
    )


def _service_state(ctx: Context, service: dict[str, Any]) -> dict[str, Any]:
    return {
        **service_counts(ctx, service, (service.get("deploymentController") or {}).get("type") or "ECS"),
        "strategy": (service.get("deploymentConfiguration") or {}).get("strategy")
        or ctx.names.get("deployment_strategy"),
        **live_fields(str(service.get("taskDefinition") or "") or None),
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


def _print_deployment(ctx: Context, deployment: dict[str, Any], active: bool) -> None:
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


def _print_status(ctx: Context, state: dict[str, Any]) -> None:
    ecs = state["ecs"]
    strategy = f", strategy {ecs['strategy']}" if ecs["strategy"] else ""
    ctx.print(
        f"service {state['service']} in cluster {state['cluster']} ({state['region']}): "
        f"{ecs['deploymentController']} deployment controller{strategy}"
    )
    if state["deployment"] is None:
        ctx.print("service deployment: none yet")
    else:
        _print_deployment(ctx, state["deployment"], state["deploymentActive"])
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


def status(ctx: Context) -> int:
    cluster, name = ctx.names.require("cluster"), ctx.names.require("service")
    service = ecs_service(ctx)
    deployments = service_deployments(ctx)
    active = active_briefs(deployments)
    chosen = active or [d for d in deployments if d.get("serviceDeploymentArn")]
    arn = str(chosen[0]["serviceDeploymentArn"]) if chosen else None
    deployment: dict[str, Any] | None = None
    if arn is not None:
        ctx.deployment_id = arn
        deployment = _deployment_state(ctx, *describe_service_deployment(ctx, arn))
    elif ctx.names.get("last_service_deployment"):
        # ECS lists only recent deployments; the stack remembers the last one it released.
        ctx.deployment_id = arn = str(ctx.names.get("last_service_deployment"))
        with contextlib.suppress(CliError):
            deployment = _deployment_state(ctx, *describe_service_deployment(ctx, arn))
    state = {
        "engine": "ecs",
        "region": ctx.names.get("region"),
        "cluster": cluster,
        "service": name,
        "deployment": deployment,
        "deploymentActive": bool(active),
        "productionTraffic": rule_traffic(ctx.client("elbv2"), production_rules(service)),
        "ecs": _service_state(ctx, service),
    }
    emit_status(ctx, state, _print_status)
    if deployment is None:
        raise CliError(f"no service deployment found for ECS service {name} in cluster {cluster}")
    return EXIT_OK
