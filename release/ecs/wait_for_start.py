"""Waiting for the service deployment an UpdateService starts.

ECS creates the service deployment of a new task definition a few seconds after UpdateService
returns, so whoever changed the service (`pulumi up`'s EcsServiceRelease, the CLI's `rollback`)
polls for it. The loop and its limits live here once; each caller words the error for its
audience (a failed `pulumi up`, one CLI line).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from release.ecs.deployments import find_service_deployment

START_WAIT_SECONDS = 120
"""How long a new service deployment may take to appear after UpdateService (the resource's
``wait_seconds_for_start`` default, and the CLI's `rollback`)."""
START_POLL_SECONDS = 5.0
"""How often to look for it meanwhile."""


class ServiceDeploymentDidNotStartError(LookupError):
    """No service deployment of the task definition appeared within the wait."""

    def __init__(self, cluster: str, service: str, task_definition_arn: str, waited_seconds: float) -> None:
        self.cluster = cluster
        self.service = service
        self.task_definition_arn = task_definition_arn
        self.waited_seconds = waited_seconds
        super().__init__(
            f"no ECS service deployment of {task_definition_arn} appeared for ECS service {service} "
            f"(cluster {cluster}) within {waited_seconds:g} s"
        )


def wait_for_service_deployment(
    ecs: Any,
    cluster: str,
    service: str,
    task_definition_arn: str,
    *,
    created_after: dt.datetime | None = None,
    wait_seconds: float = START_WAIT_SECONDS,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    on_first_wait: Callable[[], None] | None = None,
) -> str:
    """The ARN of the service deployment of ``task_definition_arn`` (created after
    ``created_after`` when given), looking every START_POLL_SECONDS, never sleeping past the
    deadline; ServiceDeploymentDidNotStartError once ``wait_seconds`` pass without one.
    ``on_first_wait`` runs once, before the first sleep (to say that it waits). API errors are
    botocore's, raised as they come."""
    deadline = clock() + wait_seconds
    waited = False
    while True:
        arn = find_service_deployment(ecs, cluster, service, task_definition_arn, created_after=created_after)
        if arn is not None:
            return arn
        remaining = deadline - clock()
        if remaining <= 0:
            raise ServiceDeploymentDidNotStartError(cluster, service, task_definition_arn, wait_seconds)
        if not waited and on_first_wait is not None:
            on_first_wait()
        waited = True
        sleep(min(START_POLL_SECONDS, remaining))
