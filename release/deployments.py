"""Find, start and stop CodeDeploy deployments of one deployment group."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from release.watch import ACTIVE_STATUSES


def active_deployments(client: Any, application: str, group: str) -> list[dict[str, Any]]:
    """Deployments of the group that have not ended, oldest first."""
    ids: list[str] = []
    kwargs: dict[str, Any] = {
        "applicationName": application,
        "deploymentGroupName": group,
        "includeOnlyStatuses": list(ACTIVE_STATUSES),
    }
    while True:
        page = client.list_deployments(**kwargs)
        ids.extend(page.get("deployments", []))
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    infos: list[dict[str, Any]] = []
    for start in range(0, len(ids), 25):  # BatchGetDeployments takes at most 25 ids
        batch = client.batch_get_deployments(deploymentIds=ids[start : start + 25])
        infos.extend(batch.get("deploymentsInfo", []))
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
