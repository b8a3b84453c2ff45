"""The ecs engine behind the CLI's commands (EngineOps, release/cli/engine.py): ECS's own
BLUE_GREEN / LINEAR / CANARY service deployments (DEPLOYMENT is a service deployment ARN, or its
last segment). `status` gathers the service deployment in full, with the ready wait's time left;
`continue` ends the ready wait (ContinueServiceDeployment CONTINUE on its PAUSE hook);
`rollback` during the ready wait ends it with ROLLBACK, otherwise it updates the service's task
definition, which starts a service deployment, then follows it."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from release.cli.context import Context
from release.cli.errors import EXIT_DEPLOYMENT_FAILED, EXIT_OK, CliError
from release.cli.rollback import CODEDEPLOY_ONLY_FLAGS, already_live, in_progress_error, pick_rollback
from release.cli.service import find_service, live_fields, rule_traffic, service_counts
from release.cli.tasks import TaskGroup
from release.cli.text import revision_change, short_task_definition, traffic_json, when
from release.core.outcome import Outcome
from release.ecs.deployments import (
    STOPPABLE_STATUSES,
    EcsSnapshot,
    NotPausedError,
    ServiceDeploymentNotFoundError,
    active_briefs,
    continue_paused,
    describe_deployment,
    list_service_deployments,
    revision_task_definitions,
    same_task_definition,
    short_name,
)
from release.ecs.diagnose import diagnosis_of, with_diagnosis
from release.ecs.wait_for_start import ServiceDeploymentDidNotStartError, wait_for_service_deployment
from release.ecs.watch import OUTCOME_STATUS, watch_service_deployment

# ---------------------------------------------------------------------------------------- lookups


def ecs_service(ctx: Context) -> dict[str, Any]:
    """The service, or CliError when it is missing or another controller deploys it."""
    service = find_service(ctx)
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


def service_deployments(ctx: Context) -> list[dict[str, Any]]:
    """The service's deployments (ListServiceDeployments briefs), newest first."""
    cluster, service = ctx.names.require("cluster"), ctx.names.require("service")
    return list_service_deployments(ctx.client("ecs"), cluster, service)


def describe_service_deployment(ctx: Context, arn: str) -> tuple[dict[str, Any], EcsSnapshot]:
    """The ServiceDeployment structure and its snapshot; CliError when ECS does not know the ARN."""
    try:
        return describe_deployment(ctx.client("ecs"), arn)
    except ServiceDeploymentNotFoundError as error:
        raise CliError(
            f"service deployment {arn} does not exist in {ctx.names.get('region')}"
            + (f" ({error.reasons})" if error.reasons else "")
        ) from None


def deployment(ctx: Context) -> str:
    """The DEPLOYMENT argument as an ARN (a bare id is looked up among the service's
    deployments), or the service's in-progress deployment."""
    given = ctx.args.deployment_id
    if given and str(given).startswith("arn:"):
        if ctx.names.adopt_arn(str(given)):
            ctx.forget_clients()
        return str(given)
    cluster, service = ctx.names.require("cluster"), ctx.names.require("service")
    ecs_service(ctx)
    deployments = service_deployments(ctx)
    if given:
        for deployment in deployments:
            arn = str(deployment.get("serviceDeploymentArn") or "")
            if arn and short_name(arn) == given:
                return arn
        raise CliError(f"ECS service {service} in cluster {cluster} has no service deployment {given}")
    active = active_briefs(deployments)
    if not active:
        raise CliError(
            f"no service deployment is in progress for ECS service {service} in cluster {cluster}; "
            "give a service deployment ARN"
        )
    return str(active[0]["serviceDeploymentArn"])


# ---------------------------------------------------------------------------------------- status


def ready_wait_minutes(service: dict[str, Any]) -> int | None:
    """The ready wait the service declares: its PAUSE hook's timeoutInMinutes (None without one)."""
    for hook in (service.get("deploymentConfiguration") or {}).get("lifecycleHooks") or []:
        if hook.get("targetType") == "PAUSE":
            minutes = (hook.get("timeoutConfiguration") or {}).get("timeoutInMinutes")
            return int(minutes) if minutes is not None else None
    return None


def ready_wait(snapshot: EcsSnapshot, wait_minutes: int | None, now: datetime) -> dict[str, Any] | None:
    """How long the ready wait (the PAUSE hook holding the deployment) has left; None when the
    deployment is not paused. The same keys as the codedeploy engine's, so `status` words both alike."""
    hook = snapshot.pause
    if hook is None:
        return None
    started = (
        hook.expires_at - timedelta(minutes=wait_minutes)
        if hook.expires_at is not None and wait_minutes is not None
        else None
    )
    return {
        "hookId": hook.hook_id,
        "waitMinutes": wait_minutes,
        "actionOnTimeout": hook.timeout_action or None,
        "greenReadyAt": when(started),
        "endsAt": when(hook.expires_at),
        "secondsLeft": hook.seconds_left(now),
        "statusMessages": [],
    }


def _deployment_state(
    ctx: Context, raw: dict[str, Any], snapshot: EcsSnapshot, wait_minutes: int | None = None
) -> dict[str, Any]:
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
                "expiresAt": when(hook.expires_at),
            }
            for hook in snapshot.hooks
        ],
        "readyWait": ready_wait(snapshot, wait_minutes, ctx.now()),
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


def status(ctx: Context) -> dict[str, Any]:
    cluster, name = ctx.names.require("cluster"), ctx.names.require("service")
    service = ecs_service(ctx)
    deployments = service_deployments(ctx)
    active = active_briefs(deployments)
    chosen = active or [d for d in deployments if d.get("serviceDeploymentArn")]
    arn = str(chosen[0]["serviceDeploymentArn"]) if chosen else None
    deployment: dict[str, Any] | None = None
    if arn is not None:
        ctx.deployment_id = arn
        deployment = _deployment_state(
            ctx, *describe_service_deployment(ctx, arn), wait_minutes=ready_wait_minutes(service)
        )
    elif ctx.names.get("last_service_deployment"):
        # ECS lists only recent deployments; the stack remembers the last one it released.
        ctx.deployment_id = arn = str(ctx.names.get("last_service_deployment"))
        with contextlib.suppress(CliError):
            deployment = _deployment_state(ctx, *describe_service_deployment(ctx, arn))
    return {
        "engine": "ecs",
        "region": ctx.names.get("region"),
        "cluster": cluster,
        "service": name,
        "deployment": deployment,
        "deploymentActive": bool(active),
        "productionTraffic": rule_traffic(ctx.client("elbv2"), production_rules(service)),
        "ecs": _service_state(ctx, service),
        "diagnosis": _diagnosis(ctx, deployment, bool(active)),
    }


# ---------------------------------------------------------------------------- deployment, follow, stop


def _watch_outcome(ctx: Context, arn: str, *, stop_on_timeout: bool) -> Outcome:
    try:
        return watch_service_deployment(
            ctx.client("ecs"), arn, **ctx.follow_options(), stop_on_timeout=stop_on_timeout, now=ctx.now
        )
    except ServiceDeploymentNotFoundError as error:
        raise CliError(str(error)) from None


def follow(ctx: Context, deployment: str) -> Outcome:
    describe_service_deployment(ctx, deployment)  # an unknown ARN is one line now, not retried polls
    outcome = _watch_outcome(ctx, deployment, stop_on_timeout=False)
    return with_diagnosis(
        ctx.client, outcome, cluster=ctx.names.get("cluster") or "", service=ctx.names.get("service") or ""
    )


def _diagnosis(ctx: Context, deployment: dict[str, Any] | None, active: bool) -> dict[str, Any] | None:
    """`status`'s diagnosis of the last service deployment when it rolled back or was stopped."""
    if (
        deployment is None
        or active
        or OUTCOME_STATUS.get(str(deployment["status"]), "Succeeded") == "Succeeded"
    ):
        return None
    outcome = Outcome(str(deployment["arn"]), OUTCOME_STATUS[str(deployment["status"])])
    found = diagnosis_of(
        ctx.client, outcome, cluster=ctx.names.get("cluster") or "", service=ctx.names.get("service") or ""
    )
    return found.to_json() if found is not None else None


def stop(ctx: Context, deployment: str) -> str:
    _, snapshot = describe_service_deployment(ctx, deployment)
    if snapshot.status not in STOPPABLE_STATUSES:
        raise CliError(
            f"service deployment {deployment} is {snapshot.status}: only a "
            f"{' or '.join(STOPPABLE_STATUSES)} one can be stopped"
        )
    response = ctx.client("ecs").stop_service_deployment(serviceDeploymentArn=deployment, stopType="ROLLBACK")
    stopped = str(response.get("serviceDeploymentArn") or deployment)
    return f"service deployment {stopped}: stop requested with rollback (it was {snapshot.status})"


def task_groups(ctx: Context, service: dict[str, Any]) -> list[TaskGroup]:
    """The PRIMARY deployment (the newest revision) is green while an older one still runs, which
    is blue; alone it is blue."""
    deployments = [d for d in service.get("deployments", []) if d.get("status") in ("PRIMARY", "ACTIVE")]
    rolling = len(deployments) > 1
    return [
        TaskGroup(
            "green" if rolling and d.get("status") == "PRIMARY" else "blue",
            str(d.get("id") or ""),
            str(d.get("taskDefinition") or ""),
        )
        for d in deployments
    ]


def go_ahead(ctx: Context, deployment: str) -> str:
    """ContinueServiceDeployment CONTINUE on the PAUSE hook that holds the deployment (the ready wait)."""
    _, snapshot = describe_service_deployment(ctx, deployment)
    try:
        hook = continue_paused(ctx.client("ecs"), snapshot, "CONTINUE")
    except NotPausedError as error:
        raise CliError(
            f"{error}: only a deployment held by deployment.readyWaitMinutes can be continued"
        ) from None
    return (
        f"service deployment {deployment}: go-ahead given (PAUSE hook {hook.hook_id} continued), production "
        f"traffic shifts to green now (follow it: python -m release watch {deployment})"
    )


# ---------------------------------------------------------------------------------------- rollback


@dataclass(frozen=True)
class _Running:
    """The service deployment in progress: what it deploys and what it replaces."""

    arn: str
    target: str | None
    source: str | None
    snapshot: EcsSnapshot


def _running_deployment(ctx: Context, deployments: list[dict[str, Any]]) -> _Running | None:
    active = active_briefs(deployments)
    if not active:
        return None
    arn = str(active[0]["serviceDeploymentArn"])
    _, snapshot = describe_service_deployment(ctx, arn)
    revisions = revision_task_definitions(
        ctx.client("ecs"), [r for r in (snapshot.target_revision, *snapshot.source_revisions) if r]
    )
    source = next((revisions[r] for r in snapshot.source_revisions if r in revisions), None)
    return _Running(arn, revisions.get(snapshot.target_revision), source, snapshot)


def _await_service_deployment(ctx: Context, target: str, created_after: datetime | None) -> str:
    """The ARN of the service deployment UpdateService started for ``target``."""
    cluster, service = ctx.names.require("cluster"), ctx.names.require("service")
    try:
        return wait_for_service_deployment(
            ctx.client("ecs"),
            cluster,
            service,
            target,
            created_after=created_after,
            clock=ctx.clock,
            sleep=ctx.sleep,
        )
    except ServiceDeploymentDidNotStartError as error:
        raise CliError(
            f"updated ECS service {service} to {short_task_definition(target)}, but no service "
            f"deployment of it appeared within {error.waited_seconds:g} s: "
            f"aws ecs list-service-deployments --cluster {cluster} --service {service}"
        ) from None


def _roll_back_the_ready_wait(ctx: Context, running: _Running) -> int:
    """The deployment is held at its ready wait: ContinueServiceDeployment ROLLBACK, so blue keeps
    production and green goes; then follow it to its end (ROLLBACK_SUCCESSFUL is this command's success)."""
    ctx.deployment_id = running.arn
    hook = continue_paused(ctx.client("ecs"), running.snapshot, "ROLLBACK")
    blue = f"; {short_task_definition(running.source)} keeps production" if running.source else ""
    ctx.print(
        f"service deployment {running.arn} was held at its ready wait: rolled back (PAUSE hook "
        f"{hook.hook_id}, ContinueServiceDeployment ROLLBACK){blue}"
    )
    if ctx.args.no_wait:
        ctx.print(running.arn)
        return EXIT_OK
    outcome = _watch_outcome(ctx, running.arn, stop_on_timeout=False)
    _, ended = describe_service_deployment(ctx, running.arn)
    if ended.status == "ROLLBACK_SUCCESSFUL":
        ctx.print(f"service deployment {running.arn}: rolled back ({ended.status})")
        return EXIT_OK
    return ctx.report(outcome)


def rollback(ctx: Context) -> int:
    """UpdateService to the previous revision (ECS starts a service deployment of it), then follow
    it. While a deployment runs, "live" is the revision it replaces (what CodeDeploy calls the
    PRIMARY task set), so running `rollback` again follows the first one's deployment."""
    given = [flag for attr, flag in CODEDEPLOY_ONLY_FLAGS if getattr(ctx.args, attr, None)]
    if given:
        raise CliError(
            f"{', '.join(given)}: CodeDeploy AppSpec settings, not used by the ecs engine "
            "(its hooks and load balancer come from the service's own configuration)"
        )
    cluster, name = ctx.names.require("cluster"), ctx.names.require("service")
    service = ecs_service(ctx)
    deployments = service_deployments(ctx)
    running = _running_deployment(ctx, deployments)
    if (
        running is not None
        and running.snapshot.pause is not None
        and not (ctx.args.to or ctx.args.to_revision)
    ):
        return _roll_back_the_ready_wait(ctx, running)
    live, target = pick_rollback(
        ctx,
        (running.source if running is not None else None)
        or str(service.get("taskDefinition") or "")
        or ctx.names.get("task_definition_arn"),
        name,
        same_task_definition,
    )
    ctx.print(f"rolling back {revision_change(live, target)}")
    if running is not None:
        ctx.deployment_id = running.arn
        if running.target is not None and same_task_definition(running.target, target):
            ctx.print(
                f"service deployment {running.arn} of {short_task_definition(target)} is already in progress"
            )
            if ctx.args.no_wait:
                ctx.print(running.arn)
                return EXIT_OK
            return ctx.report(_watch_outcome(ctx, running.arn, stop_on_timeout=True))
        if ctx.args.no_wait:
            raise in_progress_error("service deployment", running.arn, name)
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
        now_live = str(ecs_service(ctx).get("taskDefinition") or "")
        if now_live and same_task_definition(now_live, target):
            raise already_live(target)
        deployments = service_deployments(ctx)
    newest = next((d["createdAt"] for d in deployments if isinstance(d.get("createdAt"), datetime)), None)
    ctx.client("ecs").update_service(cluster=cluster, service=name, taskDefinition=target)
    arn = _await_service_deployment(ctx, target, newest)
    ctx.deployment_id = arn
    ctx.print(f"started service deployment {arn} of {target}")
    if ctx.args.no_wait:
        ctx.print(arn)
        return EXIT_OK
    return ctx.report(_watch_outcome(ctx, arn, stop_on_timeout=True))
