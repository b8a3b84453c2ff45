"""Find, start and stop CodeDeploy deployments of one deployment group, and what CodeDeploy has
made live on the ECS service. The one place that lists a group's deployments: `pulumi up`'s
release and every CLI command ask here."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from release.codedeploy.watch import ACTIVE_STATUSES

_BATCH = 25
"""BatchGetDeployments takes at most 25 ids."""


def list_deployments(
    client: Any, application: str, group: str, statuses: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """The group's deployments (only those in ``statuses`` when given), as BatchGetDeployments
    describes them, in the order CodeDeploy lists them."""
    ids: list[str] = []
    kwargs: dict[str, Any] = {"applicationName": application, "deploymentGroupName": group}
    if statuses is not None:
        kwargs["includeOnlyStatuses"] = list(statuses)
    while True:
        page = client.list_deployments(**kwargs)
        ids.extend(page.get("deployments", []))
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    infos: list[dict[str, Any]] = []
    for start in range(0, len(ids), _BATCH):
        batch = client.batch_get_deployments(deploymentIds=ids[start : start + _BATCH])
        infos.extend(batch.get("deploymentsInfo", []))
    return infos


def active_deployments(client: Any, application: str, group: str) -> list[dict[str, Any]]:
    """Deployments of the group that have not ended, oldest first."""
    infos = list_deployments(client, application, group, ACTIVE_STATUSES)
    return sorted(infos, key=lambda info: str(info.get("createTime", "")))


def same_appspec(running: str | None, wanted: str) -> bool:
    """Whether a running deployment deploys exactly this AppSpec (revision, container, hooks)."""
    if running is None:
        return False
    try:
        return bool(json.loads(running) == json.loads(wanted))
    except ValueError:
        return False


def appspec_of(deployment: dict[str, Any]) -> str | None:
    """The AppSpec text of a deployment created from AppSpecContent, if any."""
    revision = deployment.get("revision") or {}
    content = (revision.get("appSpecContent") or {}).get("content")
    return str(content) if content is not None else None


def start_deployment(client: Any, application: str, group: str, appspec: str, description: str) -> str:
    """Create the deployment and return its id."""
    response = client.create_deployment(
        applicationName=application,
        deploymentGroupName=group,
        revision={
            "revisionType": "AppSpecContent",
            "appSpecContent": {"content": appspec, "sha256": hashlib.sha256(appspec.encode()).hexdigest()},
        },
        description=description[:100],
    )
    return str(response["deploymentId"])


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
