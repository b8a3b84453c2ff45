"""The ECS service both engines release: finding it, and its state in `status` (running,
desired and pending tasks, the live task definition, then per engine its task sets or its
deployments), built and printed the same way whichever engine deploys it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from release.cli_common import parse_task_definition, short_task_definition
from release.cli_context import Context
from release.cli_errors import CliError


def find_service(ctx: Context) -> dict[str, Any]:
    """The ECS service, or CliError if the cluster has no such (active) service."""
    cluster = ctx.names.require("cluster")
    service = ctx.names.require("service")
    response = ctx.client("ecs").describe_services(cluster=cluster, services=[service])
    services = [s for s in response.get("services", []) if s.get("status") != "INACTIVE"]
    if not services:
        raise CliError(f"ECS service {service} not found in cluster {cluster} ({ctx.names.get('region')})")
    return dict(services[0])


def service_counts(ctx: Context, service: dict[str, Any], controller: str | None) -> dict[str, Any]:
    """The head of `status`'s "ecs" object: the service, its task counts and controller."""
    return {
        "cluster": ctx.names.get("cluster"),
        "service": service.get("serviceName"),
        "status": service.get("status"),
        "desiredCount": service.get("desiredCount"),
        "runningCount": service.get("runningCount"),
        "pendingCount": service.get("pendingCount"),
        "deploymentController": controller,
    }


def live_fields(live: str | None) -> dict[str, Any]:
    """The live task definition and its revision, for `status`'s "ecs" object."""
    parsed = parse_task_definition(live) if live else None
    return {"liveTaskDefinition": live, "liveRevision": parsed[1] if parsed else None}


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
