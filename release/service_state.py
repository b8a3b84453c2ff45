"""What the ECS service runs right now."""

from __future__ import annotations

from typing import Any


def live_task_definition(ecs: Any, cluster: str, service: str) -> str | None:
    """The task definition of the service's primary task set (CodeDeploy's live revision)."""
    services = ecs.describe_services(cluster=cluster, services=[service]).get("services", [])
    if not services:
        return None
    primary = [s for s in services[0].get("taskSets", []) if s.get("status") == "PRIMARY"]
    if primary:
        return str(primary[0]["taskDefinition"])
    value = services[0].get("taskDefinition")
    return str(value) if value else None
