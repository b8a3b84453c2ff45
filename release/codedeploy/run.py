"""Release one task definition revision: never two deployments at once, always an outcome.

If the group already runs a deployment of the same revision (an interrupted `pulumi up`),
it is followed instead of starting another. If it runs a deployment of another revision,
that one is waited for first. Then the release is created and followed to its end; a
release that outlives its timeout is stopped with rollback (unless told otherwise).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from release.codedeploy.deployments import active_deployments, appspec_of, same_appspec, start_deployment
from release.codedeploy.watch import watch_deployment
from release.core.outcome import Outcome
from specs.appspec import task_definition_of


@dataclass(frozen=True)
class ReleaseRequest:
    application: str
    deployment_group: str
    appspec: str
    description: str
    timeout_seconds: float
    poll_seconds: float = 15
    stop_on_timeout: bool = True


class ReleaseFailed(Exception):  # noqa: N818 - reads as the outcome it reports
    """The release did not succeed; the message says which deployment, event and why."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.report())
        self.outcome = outcome


def release(
    client: Any,
    request: ReleaseRequest,
    *,
    log: Callable[[str], None],
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    diagnose: Callable[[Outcome], Outcome] | None = None,
) -> Outcome:
    """Deploy the request's AppSpec and return the successful outcome, or raise ReleaseFailed
    (with the outcome ``diagnose`` gives, e.g. codedeploy/diagnose.py's with_diagnosis, when given)."""

    def succeeded_or_raise(outcome: Outcome) -> Outcome:
        if not outcome.succeeded and diagnose is not None:
            outcome = diagnose(outcome)
        return _succeeded_or_raise(outcome)

    def watch(deployment_id: str) -> Outcome:
        return watch_deployment(
            client,
            deployment_id,
            timeout_seconds=request.timeout_seconds,
            poll_seconds=request.poll_seconds,
            log=log,
            clock=clock,
            sleep=sleep,
        )

    wanted = task_definition_of(request.appspec)
    for running in active_deployments(client, request.application, request.deployment_group):
        running_id = str(running["deploymentId"])
        if same_appspec(appspec_of(running), request.appspec):
            log(f"deployment {running_id} of this revision is already in progress; following it")
            return succeeded_or_raise(_stop_if_timed_out(client, request, watch(running_id)))
        log(
            f"deployment {running_id} of another revision is in progress for "
            f"{request.deployment_group}; waiting for it to end before starting this release"
        )
        other = watch(running_id)
        if other.status == "TimedOut":
            raise ReleaseFailed(
                Outcome(
                    running_id,
                    "TimedOut",
                    "it is still running, so no second deployment was started; try again when it ends "
                    f"or stop it: aws deploy stop-deployment --deployment-id {running_id}",
                )
            )
        log(f"deployment {running_id} ended: {other.status}")

    deployment_id = start_deployment(
        client, request.application, request.deployment_group, request.appspec, request.description
    )
    log(f"started deployment {deployment_id} of {wanted}")
    return succeeded_or_raise(_stop_if_timed_out(client, request, watch(deployment_id)))


def _stop_if_timed_out(client: Any, request: ReleaseRequest, outcome: Outcome) -> Outcome:
    """Stop a timed-out deployment with rollback when the request says so, and say what happened."""
    if outcome.status != "TimedOut" or not request.stop_on_timeout:
        return outcome
    try:
        client.stop_deployment(deploymentId=outcome.deployment_id, autoRollbackEnabled=True)
        note = "stopped it with rollback"
    except (ClientError, BotoCoreError) as error:
        note = f"stopping it failed: {error}"
    return replace(outcome, message=f"{outcome.message}; {note}")


def _succeeded_or_raise(outcome: Outcome) -> Outcome:
    if not outcome.succeeded:
        raise ReleaseFailed(outcome)
    return outcome
