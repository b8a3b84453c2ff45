"""The work behind the CodeDeployRelease dynamic resource (components/release.py).

Kept out of the provider class so the class serializes small and by value, and so these
functions are tested directly against moto. Property names are the resource's inputs. The
provider shim calls ``default_clients`` on this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pulumi.dynamic import CreateResult, DiffResult, ReadResult, UpdateResult

from release.codedeploy.deployments import live_task_definition
from release.codedeploy.diagnose import with_diagnosis
from release.codedeploy.run import ReleaseFailed, ReleaseRequest, release
from release.core.outcome import Outcome
from release.core.provider import ClientFactory, canonical, clients_of, default_clients
from specs.appspec import appspec_content

INPUTS = (
    "region",
    "profile",
    "application",
    "deployment_group",
    "cluster",
    "service",
    "task_definition_arn",
    "container_name",
    "container_port",
    "platform_version",
    "hooks",
    "timeout_minutes",
    "poll_seconds",
    "stop_on_timeout",
)

__all__ = ["INPUTS", "ClientFactory", "appspec_for", "create", "default_clients", "diff", "read", "update"]


def appspec_for(props: dict[str, Any]) -> str:
    return appspec_content(
        task_definition_arn=props["task_definition_arn"],
        container_name=props["container_name"],
        container_port=int(props["container_port"]),
        platform_version=props["platform_version"],
        hooks=dict(props.get("hooks") or {}),
    )


def diff(olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
    """A change of any input; or a live revision (as `read` last saw it) other than the wanted one,
    e.g. after a manual or engine rollback: then `update` releases the wanted revision again."""
    changed = [key for key in INPUTS if canonical(olds.get(key)) != canonical(news.get(key))]
    live = olds.get("live_task_definition_arn")
    drifted = bool(live) and live != news.get("task_definition_arn")
    return DiffResult(changes=bool(changed) or drifted, replaces=[], delete_before_replace=False)


def _deploy(props: dict[str, Any], clients: ClientFactory, log: Callable[[str], None]) -> str:
    request = ReleaseRequest(
        application=props["application"],
        deployment_group=props["deployment_group"],
        appspec=appspec_for(props),
        description=f"pulumi up: {props['task_definition_arn'].rsplit('/', 1)[-1]}",
        timeout_seconds=float(props["timeout_minutes"]) * 60,
        poll_seconds=float(props["poll_seconds"]),
        stop_on_timeout=bool(props["stop_on_timeout"]),
    )
    aws = clients_of(clients, props)

    def diagnose(outcome: Outcome) -> Outcome:
        log(f"{outcome.deployment_id}: {outcome.status.lower()}; reading why from AWS")
        return with_diagnosis(aws, outcome, cluster=props["cluster"], service=props["service"])

    try:
        outcome = release(aws("codedeploy"), request, log=log, diagnose=diagnose)
    except ReleaseFailed as failure:
        # Raising fails the update and leaves the previous state (and task definition) in
        # place, so the next `pulumi up` tries this release again.
        raise RuntimeError(f"release of {props['task_definition_arn']} failed: {failure}") from None
    log(f"{outcome.deployment_id}: {props['task_definition_arn']} is live")
    return outcome.deployment_id


def _outputs(props: dict[str, Any], deployment_id: str, live: str) -> dict[str, Any]:
    return {
        **{k: props.get(k) for k in INPUTS},
        "deployment_id": deployment_id,
        "live_task_definition_arn": live,
    }


def create(props: dict[str, Any], clients: ClientFactory, log: Callable[[str], None]) -> CreateResult:
    """A new stack's service already runs the first revision: record it, deploy nothing.
    (An existing service running something else, e.g. after adopting this resource, gets
    a release.)"""
    wanted = props["task_definition_arn"]
    live = live_task_definition(clients("ecs", props), props["cluster"], props["service"])
    deployment_id = ""
    if live is not None and live != wanted:
        log(f"service runs {live}; releasing {wanted}")
        deployment_id = _deploy(props, clients, log)
    resource_id = f"{props['application']}/{props['deployment_group']}"
    return CreateResult(id_=resource_id, outs=_outputs(props, deployment_id, wanted))


def update(
    olds: dict[str, Any], news: dict[str, Any], clients: ClientFactory, log: Callable[[str], None]
) -> UpdateResult:
    """Release when what CodeDeploy would deploy changed; settings-only changes deploy nothing."""
    if (
        appspec_for(olds) == appspec_for(news)
        and olds.get("live_task_definition_arn") == news["task_definition_arn"]
    ):
        return UpdateResult(outs=_outputs(news, olds.get("deployment_id", ""), news["task_definition_arn"]))
    deployment_id = _deploy(news, clients, log)
    return UpdateResult(outs=_outputs(news, deployment_id, news["task_definition_arn"]))


def read(resource_id: str, props: dict[str, Any], clients: ClientFactory) -> ReadResult:
    """`pulumi refresh`: record which revision really serves, the task definition of the service's
    PRIMARY task set (after a rollback, by CodeDeploy or by hand, the earlier one). The inputs stay
    as they were, so the next `pulumi up` sees live != wanted (diff) and releases the wanted one."""
    live = live_task_definition(clients("ecs", props), props["cluster"], props["service"])
    if live is None:
        return ReadResult(id_=resource_id, outs=dict(props))
    return ReadResult(id_=resource_id, outs={**props, "live_task_definition_arn": live})
