"""Follow one CodeDeploy deployment until it ends, reporting progress as it goes.

CodeDeploy states: Created, Queued, InProgress, Baking, Ready (waiting for a manual
go-ahead) are still running; Succeeded, Failed and Stopped are final. For ECS the
deployment's single target carries the lifecycle events and the task sets with their
traffic weights (blue and green).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from release.core.outcome import LifecycleEvent, Outcome, format_traffic

ACTIVE_STATUSES = ("Created", "Queued", "InProgress", "Baking", "Ready")
FINAL_STATUSES = ("Succeeded", "Failed", "Stopped")
_REPORTED_EVENT_STATES = ("Succeeded", "Failed", "Skipped")


@dataclass(frozen=True)
class Snapshot:
    """What one poll of a deployment saw."""

    status: str
    error: str = ""
    events: tuple[LifecycleEvent, ...] = ()
    traffic: tuple[tuple[str, float], ...] = ()
    """(task set label, percent of production traffic), e.g. (("Blue", 90.0), ("Green", 10.0))."""
    target_read: bool = True
    """False when the target (events, traffic) could not be read this time."""


def _read_target(
    client: Any, deployment_id: str
) -> tuple[tuple[LifecycleEvent, ...], tuple[tuple[str, float], ...]] | None:
    """Lifecycle events and traffic split of the deployment's ECS target; empty before the
    deployment has a target, None when reading it failed (e.g. throttling)."""
    try:
        target_ids = client.list_deployment_targets(deploymentId=deployment_id).get("targetIds", [])
        if not target_ids:
            return (), ()
        target = client.get_deployment_target(deploymentId=deployment_id, targetId=target_ids[0])
    except (ClientError, BotoCoreError):
        return None
    ecs = target.get("deploymentTarget", {}).get("ecsTarget") or {}
    events = tuple(
        LifecycleEvent(
            name=event.get("lifecycleEventName", "?"),
            status=event.get("status", "Pending"),
            message=(event.get("diagnostics") or {}).get("message", ""),
        )
        for event in ecs.get("lifecycleEvents", [])
    )
    traffic = tuple(
        (
            str(task_set.get("taskSetLabel") or task_set.get("identifer", "?")),
            float(task_set.get("trafficWeight", 0)),
        )
        for task_set in ecs.get("taskSetsInfo", [])
    )
    return events, tuple(sorted(traffic))


def read_snapshot(client: Any, deployment_id: str) -> Snapshot:
    info = client.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    error_info = info.get("errorInformation") or {}
    error = ": ".join(str(v) for v in (error_info.get("code"), error_info.get("message")) if v)
    target = _read_target(client, deployment_id)
    if target is None:
        return Snapshot(status=info["status"], error=error, target_read=False)
    events, traffic = target
    return Snapshot(status=info["status"], error=error, events=events, traffic=traffic)


def progress_lines(previous: Snapshot | None, current: Snapshot) -> list[str]:
    """What changed since the last poll, as log lines: status, finished events, traffic."""
    lines = []
    if previous is None or previous.status != current.status:
        waiting = " (waiting for `aws deploy continue-deployment`)" if current.status == "Ready" else ""
        lines.append(f"status {current.status}{waiting}")
    seen = {(e.name, e.status) for e in previous.events} if previous else set()
    for event in current.events:
        if event.status in _REPORTED_EVENT_STATES and (event.name, event.status) not in seen:
            detail = f": {event.message}" if event.message and event.status == "Failed" else ""
            lines.append(f"lifecycle event {event.name} {event.status}{detail}")
    if current.traffic and (previous is None or previous.traffic != current.traffic):
        lines.append(f"traffic {format_traffic(current.traffic)}")
    return lines


def outcome_of(deployment_id: str, snapshot: Snapshot) -> Outcome | None:
    """The outcome if the deployment has ended, else None."""
    if snapshot.status not in FINAL_STATUSES:
        return None
    failed = next((e for e in snapshot.events if e.status == "Failed"), None)
    return Outcome(
        deployment_id, snapshot.status, snapshot.error, failed if snapshot.status != "Succeeded" else None
    )


def watch_deployment(
    client: Any,
    deployment_id: str,
    *,
    timeout_seconds: float,
    poll_seconds: float,
    log: Callable[[str], None],
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Poll until the deployment ends or ``timeout_seconds`` pass (outcome ``TimedOut``)."""
    deadline = clock() + timeout_seconds
    previous: Snapshot | None = None
    while True:
        snapshot = read_snapshot(client, deployment_id)
        if not snapshot.target_read and previous is not None:
            # Keep what was last seen rather than report every event again next time.
            snapshot = replace(snapshot, events=previous.events, traffic=previous.traffic)
        for line in progress_lines(previous, snapshot):
            log(f"{deployment_id}: {line}")
        previous = snapshot
        outcome = outcome_of(deployment_id, snapshot)
        if outcome is not None:
            return outcome
        if clock() >= deadline:
            return Outcome(
                deployment_id,
                "TimedOut",
                f"still {snapshot.status} after {timeout_seconds:g} s",
                running_event=next((e for e in snapshot.events if e.status == "InProgress"), None),
            )
        sleep(poll_seconds)
