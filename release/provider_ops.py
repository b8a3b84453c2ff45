"""The work behind the CodeDeployRelease dynamic resource (components/release.py).

Kept out of the provider class so the class serializes small and by value, and so these
functions are tested directly against moto. Property names are the resource's inputs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config
from pulumi.dynamic import CreateResult, DiffResult, UpdateResult

from release.run import ReleaseFailed, ReleaseRequest, release
from release.service_state import live_task_definition
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
ClientFactory = Callable[[str, dict[str, Any]], Any]


def default_clients(service: str, props: dict[str, Any]) -> Any:
    """A boto3 client made here, at call time: a provider holding one could not be serialized."""
    session = boto3.session.Session(region_name=props["region"], profile_name=props.get("profile") or None)
    return session.client(service, config=Config(retries={"mode": "standard", "max_attempts": 5}))


def appspec_for(props: dict[str, Any]) -> str:
    return appspec_content(
        task_definition_arn=props["task_definition_arn"],
        container_name=props["container_name"],
        container_port=int(props["container_port"]),
        platform_version=props["platform_version"],
        hooks=dict(props.get("hooks") or {}),
    )


def _canonical(value: Any) -> str:
    """Compare inputs by content: the state and the program may order map keys differently."""
    return json.dumps(value, sort_keys=True)


def diff(olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
    changed = [key for key in INPUTS if _canonical(olds.get(key)) != _canonical(news.get(key))]
    return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)


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
    try:
        outcome = release(clients("codedeploy", props), request, log=log)
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
