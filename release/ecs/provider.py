"""The work behind the dynamic resource that follows an ECS-native service deployment.

Under the ECS deployment controller `pulumi up` itself starts the deployment: updating the
aws.ecs.Service's task definition (UpdateService) makes ECS create a *service deployment*
(BLUE_GREEN, LINEAR, CANARY or ROLLING). This resource, updated after the service, finds that
deployment, streams its progress into the Pulumi log and waits for its end. A rollback (alarm,
circuit breaker, lifecycle hook), stop or timeout fails the update with the deployment's ARN,
final status and reason, so Pulumi keeps the previous state.

Kept out of the provider class (like release/codedeploy/provider.py) so the class serializes small
and these functions are tested directly. Property names are the resource's inputs.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, UpdateResult

from release.core.outcome import Outcome
from release.core.provider import ClientFactory, canonical, clients_of, default_clients
from release.ecs.deployments import (
    ServiceDeploymentNotFoundError,
    find_service_deployment,
    read_deployment,
    short_name,
)
from release.ecs.diagnose import with_diagnosis
from release.ecs.wait_for_start import (
    START_WAIT_SECONDS,
    ServiceDeploymentDidNotStartError,
    wait_for_service_deployment,
)
from release.ecs.watch import outcome_of, progress_lines, watch_service_deployment

INPUTS = (
    "region",
    "profile",
    "cluster",
    "service",
    "task_definition_arn",
    "timeout_minutes",
    "poll_seconds",
    "stop_on_timeout",
    "wait_seconds_for_start",
)
REPLACE_ON = ("cluster", "service")
"""Another service is another resource: create() then follows that service's deployment."""
_MISSING_SERVICE = ("ServiceNotFoundException", "ClusterNotFoundException")

__all__ = ["INPUTS", "ClientFactory", "create", "default_clients", "diff", "read", "update"]

Log = Callable[[str], None]


def _effective(props: dict[str, Any], key: str) -> Any:
    value = props.get(key)
    if key == "wait_seconds_for_start" and value is None:
        value = START_WAIT_SECONDS
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)  # 30 and 30.0 are the same setting
    return value


def diff(olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
    """A change of any input; or a live revision (as `read` last saw it) other than the wanted one
    (ECS rolled back, or someone updated the service by hand): `update` then follows the service
    deployment this `pulumi up`'s service update starts."""
    changed = [key for key in INPUTS if canonical(_effective(olds, key)) != canonical(_effective(news, key))]
    live = olds.get("live_task_definition_arn")
    drifted = bool(live) and not _same(str(live), str(news.get("task_definition_arn") or ""))
    return DiffResult(
        changes=bool(changed) or drifted,
        replaces=[key for key in REPLACE_ON if key in changed],
        delete_before_replace=False,
    )


def _outputs(props: dict[str, Any], deployment_arn: str, live: str) -> dict[str, Any]:
    return {
        **{key: props.get(key) for key in INPUTS},
        "service_deployment_arn": deployment_arn,
        "live_task_definition_arn": live,
    }


def _where(props: dict[str, Any]) -> str:
    return f"ECS service {props['service']} (cluster {props['cluster']})"


def _follow(
    ecs: Any,
    arn: str,
    props: dict[str, Any],
    log: Log,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    now: Callable[[], dt.datetime],
) -> tuple[Outcome, bool]:
    """The deployment's outcome, and whether it had already ended when first read. A ready wait
    (PAUSE hook) is waited through: the log says how long it has left and how to go ahead."""
    try:
        first = read_deployment(ecs, arn)
        ended = outcome_of(first)
        if ended is not None:
            for line in progress_lines(None, first, now()):
                log(f"{short_name(arn)}: {line}")
            return ended, True
        return (
            watch_service_deployment(
                ecs,
                arn,
                timeout_seconds=float(props["timeout_minutes"]) * 60,
                poll_seconds=float(props["poll_seconds"]),
                log=log,
                clock=clock,
                sleep=sleep,
                stop_on_timeout=bool(props["stop_on_timeout"]),
                now=now,
            ),
            False,
        )
    except (ClientError, BotoCoreError, ServiceDeploymentNotFoundError) as error:
        raise RuntimeError(
            f"lost track of ECS service deployment {arn} of {props['task_definition_arn']}: {error}; "
            f"it may still be running: aws ecs describe-service-deployments --service-deployment-arns {arn}"
        ) from None


def _same(a: str, b: str) -> bool:
    return a.rsplit("/", 1)[-1] == b.rsplit("/", 1)[-1]


def _diagnosed(props: dict[str, Any], clients: ClientFactory, outcome: Outcome, log: Log) -> Outcome:
    """A failed, stopped or timed-out outcome with the diagnosis read from AWS attached."""
    if outcome.succeeded:
        return outcome
    log(f"{short_name(outcome.deployment_id)}: {outcome.status.lower()}; reading why from AWS")
    return with_diagnosis(
        clients_of(clients, props), outcome, cluster=props["cluster"], service=props["service"]
    )


def _succeeded_or_raise(props: dict[str, Any], outcome: Outcome, already_ended: bool) -> None:
    if outcome.succeeded:
        return
    message = f"release of {props['task_definition_arn']} to {_where(props)} failed: {outcome.describe()}"
    if already_ended:
        # Pulumi keeps the previous state, but the service resource may already record the new
        # task definition (ECS rolled it back behind Pulumi's back), so a plain retry changes nothing.
        message += (
            "; that deployment had already ended before this `pulumi up` looked at it: to deploy again, "
            "run `pulumi up --refresh` so Pulumi sees the rolled-back service and updates it"
        )
    if outcome.diagnosis:
        message += f"\n{outcome.diagnosis}"
    # Raising fails the operation and leaves the previous state in place.
    raise RuntimeError(message)


def _wait_for_deployment(
    ecs: Any,
    props: dict[str, Any],
    created_after: dt.datetime | None,
    log: Log,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> str:
    """The ARN of the service deployment of the wanted task definition, polling until it appears
    or ``wait_seconds_for_start`` pass (then RuntimeError)."""
    wanted = props["task_definition_arn"]
    wait = float(_effective(props, "wait_seconds_for_start"))
    try:
        arn = wait_for_service_deployment(
            ecs,
            props["cluster"],
            props["service"],
            wanted,
            created_after=created_after,
            wait_seconds=wait,
            clock=clock,
            sleep=sleep,
            on_first_wait=lambda: log(
                f"waiting up to {wait:g} s for ECS to start the service deployment of {short_name(wanted)}"
            ),
        )
    except (ClientError, BotoCoreError) as error:
        raise RuntimeError(f"cannot list the service deployments of {_where(props)}: {error}") from None
    except ServiceDeploymentDidNotStartError as error:
        raise RuntimeError(
            f"{error}. Check that the service uses the ECS deployment controller and that this `pulumi up` "
            "changed its task definition: aws ecs list-service-deployments "
            f"--cluster {props['cluster']} --service {props['service']}"
        ) from None
    log(f"following ECS service deployment {arn} of {short_name(wanted)}")
    return arn


def _created_at(ecs: Any, arn: str) -> dt.datetime | None:
    """When the deployment recorded in the state was created (None when unknown or unreadable)."""
    if not arn:
        return None
    try:
        created = read_deployment(ecs, arn).created_at
    except (ClientError, BotoCoreError, ServiceDeploymentNotFoundError):
        return None
    return created if isinstance(created, dt.datetime) else None


def create(
    props: dict[str, Any],
    clients: ClientFactory,
    log: Log,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> CreateResult:
    """Record the service's deployment of the wanted task definition; wait for it only when it
    is still running (a new service's first deployment). A missing service, or no deployment of
    that task definition, records nothing to wait for."""
    wanted = props["task_definition_arn"]
    ecs = clients("ecs", props)
    resource_id = f"{props['cluster']}/{props['service']}"
    try:
        arn = find_service_deployment(ecs, props["cluster"], props["service"], wanted)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in _MISSING_SERVICE:
            return CreateResult(id_=resource_id, outs=_outputs(props, "", wanted))
        raise RuntimeError(f"cannot list the service deployments of {_where(props)}: {error}") from None
    except BotoCoreError as error:
        raise RuntimeError(f"cannot list the service deployments of {_where(props)}: {error}") from None
    if arn is None:
        return CreateResult(id_=resource_id, outs=_outputs(props, "", wanted))
    outcome, already_ended = _follow(ecs, arn, props, log, clock, sleep, now)
    _succeeded_or_raise(props, _diagnosed(props, clients, outcome, log), already_ended)
    log(f"{short_name(arn)}: {wanted} is live")
    return CreateResult(id_=resource_id, outs=_outputs(props, arn, wanted))


def update(
    olds: dict[str, Any],
    news: dict[str, Any],
    clients: ClientFactory,
    log: Log,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> UpdateResult:
    """Follow the service deployment of a new task definition; settings-only changes wait for nothing.

    Only deployments created after the one recorded in the state are considered, so an older
    deployment of the same task definition (A -> B -> A) is never mistaken for this one."""
    wanted = news["task_definition_arn"]
    previous_arn = str(olds.get("service_deployment_arn") or "")
    if olds.get("task_definition_arn") == wanted and olds.get("live_task_definition_arn") == wanted:
        return UpdateResult(outs=_outputs(news, previous_arn, wanted))
    ecs = clients("ecs", news)
    created_after = _created_at(ecs, previous_arn)
    arn = _wait_for_deployment(ecs, news, created_after, log, clock, sleep)
    outcome, already_ended = _follow(ecs, arn, news, log, clock, sleep, now)
    _succeeded_or_raise(news, _diagnosed(news, clients, outcome, log), already_ended)
    log(f"{short_name(arn)}: {wanted} is live")
    return UpdateResult(outs=_outputs(news, arn, wanted))


def read(resource_id: str, props: dict[str, Any], clients: ClientFactory) -> ReadResult:
    """`pulumi refresh`: record which revision really serves, the service's current task
    definition (after ECS rolled a deployment back, or someone updated the service by hand, the
    earlier one). The inputs stay as they were, so the next `pulumi up` sees live != wanted."""
    response = clients("ecs", props).describe_services(cluster=props["cluster"], services=[props["service"]])
    services = [s for s in response.get("services", []) if s.get("status") != "INACTIVE"]
    if not services or not services[0].get("taskDefinition"):
        return ReadResult(id_=resource_id, outs=dict(props))
    return ReadResult(
        id_=resource_id, outs={**props, "live_task_definition_arn": str(services[0]["taskDefinition"])}
    )
