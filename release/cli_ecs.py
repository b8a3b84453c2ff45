"""The commands under the ecs engine: ECS's own BLUE_GREEN / LINEAR / CANARY service
deployments (DEPLOYMENT is a service deployment ARN, or its last segment). `rollback` updates the
service's task definition, which starts a service deployment, then follows it. Here too are the
lookups `status` (release/cli_ecs_status.py) shares: the service, its deployments, one deployment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from release.cli_common import in_progress_error, revision_change, short_task_definition, timestamp
from release.cli_context import Context
from release.cli_errors import EXIT_DEPLOYMENT_FAILED, EXIT_OK, CliError
from release.cli_revisions import already_live, pick_rollback
from release.cli_service import find_service
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
from release.watch import Outcome

ECS_START_WAIT_SECONDS = 120.0
"""How long `rollback` looks for the service deployment its UpdateService started."""
ECS_START_POLL_SECONDS = 5.0
ECS_LIST_PAGE_SIZE = 100
ECS_MAX_LIST_PAGES = 20
CODEDEPLOY_ONLY_FLAGS = (
    ("hook", "--hook"),
    ("container_name", "--container-name"),
    ("container_port", "--container-port"),
    ("platform_version", "--platform-version"),
)


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
    return sorted(found, key=lambda brief: timestamp(brief.get("createdAt")), reverse=True)


def active_briefs(deployments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        d for d in deployments if d.get("status") in ECS_ACTIVE_STATUSES and d.get("serviceDeploymentArn")
    ]


def describe_service_deployment(ctx: Context, arn: str) -> tuple[dict[str, Any], EcsSnapshot]:
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


def _deployment_arn(ctx: Context) -> str:
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


# ---------------------------------------------------------------------------------------- watch, stop


def _watch_outcome(ctx: Context, arn: str, *, stop_on_timeout: bool) -> Outcome:
    try:
        return watch_service_deployment(
            ctx.client("ecs"), arn, **ctx.follow_options(), stop_on_timeout=stop_on_timeout
        )
    except ServiceDeploymentNotFoundError as error:
        raise CliError(str(error)) from None


def watch(ctx: Context) -> int:
    arn = _deployment_arn(ctx)
    ctx.deployment_id = arn
    describe_service_deployment(ctx, arn)  # an unknown ARN is one line now, not retried polls
    return ctx.report(_watch_outcome(ctx, arn, stop_on_timeout=False))


def stop(ctx: Context) -> int:
    arn = _deployment_arn(ctx)
    ctx.deployment_id = arn
    _, snapshot = describe_service_deployment(ctx, arn)
    if snapshot.status not in STOPPABLE_STATUSES:
        raise CliError(
            f"service deployment {arn} is {snapshot.status}: only a "
            f"{' or '.join(STOPPABLE_STATUSES)} one can be stopped"
        )
    response = ctx.client("ecs").stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")
    stopped = str(response.get("serviceDeploymentArn") or arn)
    ctx.print(f"service deployment {stopped}: stop requested with rollback (it was {snapshot.status})")
    return EXIT_OK


# ---------------------------------------------------------------------------------------- rollback


@dataclass(frozen=True)
class _Running:
    """The service deployment in progress: what it deploys and what it replaces."""

    arn: str
    target: str | None
    source: str | None


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
