"""Shared helpers: names, a fake clock whose sleep advances virtual time, AppSpecs,
provider props, Stubber poll scripts and a shim for the target APIs moto lacks."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.stub import ANY, Stubber
from moto.codedeploy.models import codedeploy_backends

from release.codedeploy import provider
from specs.appspec import appspec_content
from tests.fakes import FakeClock, Log, no_sleep  # noqa: F401 - shared doubles
from tests.fakes import offline_client as _offline_client

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
HOOKS = {
    "AfterAllowTraffic": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:after-allow-traffic",
    "BeforeInstall": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:before-install",
    "AfterAllowTestTraffic": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:smoke-test",
}
"""Deliberately not in ECS order: the AppSpec must put them in order."""


def task_definition_arn(revision: int, family: str = "web") -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:task-definition/{family}:{revision}"


def appspec_for(revision: int, hooks: dict[str, str] | None = None) -> str:
    return appspec_content(
        task_definition_arn=task_definition_arn(revision),
        container_name="web",
        container_port=8080,
        platform_version="LATEST",
        hooks=HOOKS if hooks is None else hooks,
    )


@dataclass(frozen=True)
class Group:
    application: str
    name: str
    cluster: str = "cluster"
    service: str = "svc"


def offline_client(service: str = "codedeploy") -> Any:
    return _offline_client(service)


def answer(client: Any, operation: str, respond: Callable[..., dict[str, Any]]) -> None:
    """Answer ``operation`` on ``client`` locally (before any HTTP): ``respond(**params)``.
    Used for CodeDeploy APIs moto has not implemented."""

    def handler(params: dict[str, Any], **_kwargs: Any) -> tuple[AWSResponse, dict[str, Any]]:
        body = params.get("body") or b"{}"
        return AWSResponse(None, 200, {}, None), respond(**json.loads(body))

    client.meta.events.register(f"before-call.codedeploy.{operation}", handler)


def answer_no_targets(client: Any) -> None:
    """moto lacks ListDeploymentTargets; answer it like CodeDeploy before a deployment starts."""
    answer(client, "ListDeploymentTargets", lambda **_: {"targetIds": []})


def count_calls(client: Any, operation: str) -> list[dict[str, Any]]:
    """Record the parameters of every ``operation`` call made through ``client``."""
    calls: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_kwargs: Any) -> None:
        calls.append(params)

    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register(f"provide-client-params.{service}.{operation}", record)
    return calls


# --- CodeDeploy applications and groups -------------------------------------------------


def create_blue_green_group(client: Any, application: str, group: str, cluster: str, service: str) -> None:
    """A BLUE_GREEN ECS deployment group shaped like components/codedeploy.py's."""
    listener = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT_ID}:listener/app/{application}/abc"
    client.create_deployment_group(
        applicationName=application,
        deploymentGroupName=group,
        serviceRoleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/{application}-codedeploy",
        deploymentConfigName="CodeDeployDefault.ECSCanary10Percent5Minutes",
        deploymentStyle={"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        ecsServices=[{"clusterName": cluster, "serviceName": service}],
        loadBalancerInfo={
            "targetGroupPairInfoList": [
                {
                    "targetGroups": [{"name": f"{service}-blue"}, {"name": f"{service}-green"}],
                    "prodTrafficRoute": {"listenerArns": [f"{listener}/prod"]},
                    "testTrafficRoute": {"listenerArns": [f"{listener}/test"]},
                }
            ]
        },
        blueGreenDeploymentConfiguration={
            "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT", "waitTimeInMinutes": 0},
            "terminateBlueInstancesOnDeploymentSuccess": {
                "action": "TERMINATE",
                "terminationWaitTimeInMinutes": 5,
            },
        },
        autoRollbackConfiguration={
            "enabled": True,
            "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"],
        },
    )


def create_application_and_group(client: Any) -> Group:
    """A new ECS application with one blue/green group; unique names so tests never collide."""
    suffix = uuid.uuid4().hex[:8]
    group = Group(
        application=f"app-{suffix}", name=f"dg-{suffix}", cluster=f"cluster-{suffix}", service=f"svc-{suffix}"
    )
    client.create_application(applicationName=group.application, computePlatform="ECS")
    create_blue_green_group(client, group.application, group.name, group.cluster, group.service)
    return group


# --- moto in-process: scripted deployment statuses ---------------------------------------


def backend() -> Any:
    return codedeploy_backends[ACCOUNT_ID][REGION]


class Scripted:
    """On every sleep, each deployment in moto moves to the next status of its script.
    Deployments created later get ``new_script`` from the sleep after they appear."""

    def __init__(self, clock: FakeClock, scripts: dict[str, list[str]], new_script: list[str] | None = None):
        self.clock = clock
        self.scripts = {key: iter(value) for key, value in scripts.items()}
        self.new_script = new_script or []
        clock.on_sleep = self.step

    def step(self) -> None:
        for deployment_id, deployment in backend().deployments.items():
            script = self.scripts.setdefault(deployment_id, iter(self.new_script))
            deployment.status = next(script, deployment.status)


# --- Stubber poll scripts -----------------------------------------------------------------

TARGET_ID = "cluster:svc"
T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def event(name: str, status: str, message: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {"lifecycleEventName": name, "status": status}
    if message:
        data["diagnostics"] = {"errorCode": "ScriptFailed", "message": message}
    return data


def task_sets(blue: float, green: float) -> list[dict[str, Any]]:
    # Green first: the reader must sort, not rely on the API's order.
    return [
        {"identifer": "ecs-svc/2", "taskSetLabel": "Green", "trafficWeight": green, "status": "ACTIVE"},
        {"identifer": "ecs-svc/1", "taskSetLabel": "Blue", "trafficWeight": blue, "status": "PRIMARY"},
    ]


def expect_poll(
    stubber: Stubber,
    deployment_id: str,
    status: str,
    *,
    error: tuple[str, str] | None = None,
    events: Iterable[dict[str, Any]] | None = None,
    traffic: tuple[float, float] | None = None,
    target_error: str | None = None,
) -> None:
    """Queue what one watch poll reads: get_deployment, then the ECS target (none when
    ``events`` and ``traffic`` are None, an API error when ``target_error`` is set)."""
    info: dict[str, Any] = {"deploymentId": deployment_id, "status": status, "createTime": T0}
    if error is not None:
        info["errorInformation"] = {"code": error[0], "message": error[1]}
    stubber.add_response("get_deployment", {"deploymentInfo": info}, {"deploymentId": deployment_id})
    if target_error is not None:
        stubber.add_client_error("list_deployment_targets", target_error, "try again", 400)
        return
    if events is None and traffic is None:
        stubber.add_response("list_deployment_targets", {"targetIds": []}, {"deploymentId": deployment_id})
        return
    stubber.add_response(
        "list_deployment_targets", {"targetIds": [TARGET_ID]}, {"deploymentId": deployment_id}
    )
    ecs_target: dict[str, Any] = {
        "deploymentId": deployment_id,
        "targetId": TARGET_ID,
        "status": status,
        "lifecycleEvents": list(events or []),
    }
    if traffic is not None:
        ecs_target["taskSetsInfo"] = task_sets(*traffic)
    stubber.add_response(
        "get_deployment_target",
        {"deploymentTarget": {"deploymentTargetType": "ECSTarget", "ecsTarget": ecs_target}},
        {"deploymentId": deployment_id, "targetId": TARGET_ID},
    )


def expect_no_active(stubber: Stubber, group: Group) -> None:
    stubber.add_response(
        "list_deployments",
        {"deployments": []},
        {
            "applicationName": group.application,
            "deploymentGroupName": group.name,
            "includeOnlyStatuses": ["Created", "Queued", "InProgress", "Baking", "Ready"],
        },
    )


def expect_create(stubber: Stubber, group: Group, deployment_id: str, appspec: str | Any = ANY) -> None:
    stubber.add_response(
        "create_deployment",
        {"deploymentId": deployment_id},
        {
            "applicationName": group.application,
            "deploymentGroupName": group.name,
            "revision": ANY
            if appspec is ANY
            else {"revisionType": "AppSpecContent", "appSpecContent": {"content": appspec, "sha256": ANY}},
            "description": ANY,
        },
    )


# --- provider props -----------------------------------------------------------------------


def props(group: Group, revision: int = 2, **overrides: Any) -> dict[str, Any]:
    """Inputs of the CodeDeployRelease resource, every key in provider.INPUTS."""
    values: dict[str, Any] = {
        "region": REGION,
        "profile": None,
        "application": group.application,
        "deployment_group": group.name,
        "cluster": group.cluster,
        "service": group.service,
        "task_definition_arn": task_definition_arn(revision),
        "container_name": "web",
        "container_port": 8080,
        "platform_version": "LATEST",
        "hooks": dict(HOOKS),
        "timeout_minutes": 30,
        "poll_seconds": 15,
        "stop_on_timeout": True,
    }
    values.update(overrides)
    missing = set(provider.INPUTS) - set(values)
    assert not missing, f"props() does not know the inputs {sorted(missing)}"
    return {key: values[key] for key in provider.INPUTS}


def outputs(inputs: dict[str, Any], deployment_id: str, live: str) -> dict[str, Any]:
    """What the state holds after a release: the inputs plus the two outputs."""
    return {**inputs, "deployment_id": deployment_id, "live_task_definition_arn": live}
