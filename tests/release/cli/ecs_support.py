"""Helpers for the CLI under the ecs engine: an ECS-controlled (BLUE_GREEN) service built on
moto_server, and an ECS client whose service-deployment calls go to a botocore Stubber.

moto 5 implements none of ListServiceDeployments, DescribeServiceDeployments,
DescribeServiceRevisions, StopServiceDeployment or ContinueServiceDeployment, but does
UpdateService, DescribeServices and the task definition and ELBv2 calls. ``HybridEcs`` sends
the five to a real (offline) client under a Stubber, which checks every request and answer
against botocore's model, and the rest to moto."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from botocore.stub import Stubber

from tests.fakes import offline_client
from tests.release.ecs.support import expect_describe, expect_stop, hook  # noqa: F401 - shared stubs
from tests.release.ecs.support import expect_list as shared_expect_list

from .support import (
    ACCOUNT_ID,
    CLUSTER,
    FAMILY,
    REGION,
    SERVICE,
    ClientFactory,
    build_network,
    register_revisions,
)

STUBBED_OPERATIONS = frozenset(
    {
        "list_service_deployments",
        "describe_service_deployments",
        "describe_service_revisions",
        "stop_service_deployment",
        "continue_service_deployment",
    }
)
T0 = dt.datetime(2025, 8, 1, 12, 0, tzinfo=dt.UTC)
SERVICE_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:service/{CLUSTER}/{SERVICE}"
CLUSTER_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:cluster/{CLUSTER}"
BLUE_TG = "my-app-dev-tg-a"
GREEN_TG = "my-app-dev-tg-b"
SMOKE_LAMBDA = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:my-app-dev-smoke"


def deployment_arn(suffix: str) -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:service-deployment/{CLUSTER}/{SERVICE}/{suffix}"


def revision_arn(number: int) -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:service-revision/{CLUSTER}/{SERVICE}/{number}"


def task_definition(revision: int) -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:task-definition/{FAMILY}:{revision}"


class HybridEcs:
    """moto's ECS client, except for the service-deployment operations, answered by ``stubbed``."""

    def __init__(self, moto: Any, stubbed: Any) -> None:
        self._moto = moto
        self._stubbed = stubbed

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stubbed if name in STUBBED_OPERATIONS else self._moto, name)


def offline_ecs() -> Any:
    """A real boto3 ECS client only ever used under a Stubber (no network); tests/fakes.py's,
    made from one shared boto3 session (a new session parses ECS's API model again)."""
    return offline_client("ecs")


def hybrid_factory(clients: ClientFactory, stubbed: Any) -> ClientFactory:
    """The CLI's client factory: moto for everything, ECS's service-deployment calls stubbed."""

    def make(service: str, region: str) -> Any:
        client = clients(service, region)
        return HybridEcs(client, stubbed) if service == "ecs" else client

    return make


# --- the stack ---------------------------------------------------------------------------------


@dataclass
class EcsStack:
    task_definitions: list[str]
    blue_arn: str
    green_arn: str
    listener: str
    rule: str
    subnets: list[str]
    security_group: str

    def outputs(self, **overrides: Any) -> dict[str, Any]:
        """The outputs of the stack with `deployment.controller: ecs`."""
        values: dict[str, Any] = {
            "deploymentController": "ecs",
            "serviceUrl": "http://alb.example.com",
            "clusterName": CLUSTER,
            "serviceName": SERVICE,
            "taskDefinitionArn": self.task_definitions[-1],
            "taskDefinitionFamily": FAMILY,
            "deploymentStrategy": "BLUE_GREEN",
            "lastServiceDeploymentArn": deployment_arn("last"),
            "region": REGION,
        }
        values.update(overrides)
        return {key: value for key, value in values.items() if value is not None}

    def outputs_json(self, **overrides: Any) -> str:
        return json.dumps(self.outputs(**overrides))

    def create_service(
        self,
        ecs: Any,
        name: str,
        task_definition_arn: str,
        *,
        rule: str | None = None,
        controller: str = "ECS",
    ) -> None:
        """A Fargate service; an ECS-controlled one deploys BLUE_GREEN through ``rule``."""
        balancer: dict[str, Any] = {
            "targetGroupArn": self.blue_arn,
            "containerName": "app",
            "containerPort": 8080,
        }
        settings: dict[str, Any] = {}
        if controller == "ECS":
            balancer["advancedConfiguration"] = {
                "alternateTargetGroupArn": self.green_arn,
                "productionListenerRule": rule or self.rule,
                "roleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/my-app-dev-ecs-infrastructure",
            }
            settings["deploymentConfiguration"] = {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5}
        ecs.create_service(
            cluster=CLUSTER,
            serviceName=name,
            taskDefinition=task_definition_arn,
            desiredCount=2,
            launchType="FARGATE",
            deploymentController={"type": controller},
            loadBalancers=[balancer],
            networkConfiguration={
                "awsvpcConfiguration": {"subnets": self.subnets, "securityGroups": [self.security_group]}
            },
            **settings,
        )


def build_ecs_stack(client: Callable[[str], Any], *, revisions: int = 3) -> EcsStack:
    """VPC, ALB, two target groups, a listener whose production rule forwards 100/0, an ECS
    cluster and an ECS-controlled BLUE_GREEN service running the last of ``revisions``."""
    net = build_network(client, group="my-app-dev-svc", target_groups=(BLUE_TG, GREEN_TG))
    elbv2 = client("elbv2")
    listener = elbv2.create_listener(
        LoadBalancerArn=net.alb,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
    )["Listeners"][0]["ListenerArn"]
    rule = elbv2.create_rule(
        ListenerArn=listener,
        Priority=1,
        Conditions=[{"Field": "path-pattern", "Values": ["/*"]}],
        Actions=[weighted_forward(net.blue, net.green, 100, 0)],
    )["Rules"][0]["RuleArn"]
    ecs = client("ecs")
    ecs.create_cluster(clusterName=CLUSTER)
    task_definitions = register_revisions(ecs, FAMILY, revisions)
    stack = EcsStack(task_definitions, net.blue, net.green, listener, rule, net.subnets, net.security_group)
    stack.create_service(ecs, SERVICE, task_definitions[-1])
    return stack


def weighted_forward(blue: str, green: str, blue_weight: int, green_weight: int) -> dict[str, Any]:
    return {
        "Type": "forward",
        "ForwardConfig": {
            "TargetGroups": [
                {"TargetGroupArn": blue, "Weight": blue_weight},
                {"TargetGroupArn": green, "Weight": green_weight},
            ]
        },
    }


# --- stubbed answers ---------------------------------------------------------------------------


def brief(
    suffix: str, revision: int, status: str = "IN_PROGRESS", created: dt.datetime = T0
) -> dict[str, Any]:
    """One ``ServiceDeploymentBrief`` as ListServiceDeployments returns it."""
    return {
        "serviceDeploymentArn": deployment_arn(suffix),
        "serviceArn": SERVICE_ARN,
        "clusterArn": CLUSTER_ARN,
        "createdAt": created,
        "targetServiceRevisionArn": revision_arn(revision),
        "status": status,
    }


def expect_list(stubber: Stubber, briefs: Iterable[dict[str, Any]], **kwargs: Any) -> None:
    """ListServiceDeployments of this suite's service (the stub is shared with tests/release/ecs)."""
    shared_expect_list(stubber, briefs, cluster=CLUSTER, service=SERVICE, **kwargs)


def expect_revisions(stubber: Stubber, revisions: dict[int, str]) -> None:
    """DescribeServiceRevisions of the given service revision numbers -> task definition ARNs."""
    stubber.add_response(
        "describe_service_revisions",
        {
            "serviceRevisions": [
                {
                    "serviceRevisionArn": revision_arn(number),
                    "serviceArn": SERVICE_ARN,
                    "clusterArn": CLUSTER_ARN,
                    "taskDefinition": arn,
                    "launchType": "FARGATE",
                    "createdAt": T0,
                }
                for number, arn in revisions.items()
            ],
            "failures": [],
        },
        {"serviceRevisionArns": [revision_arn(number) for number in revisions]},
    )


def deployment(
    suffix: str,
    status: str,
    *,
    target: int = 2,
    source: int | None = 1,
    reason: str | None = None,
    stage: str | None = None,
    traffic: tuple[float, float] | None = None,
    test_traffic: tuple[float, float] | None = None,
    tasks: tuple[int, int, int] | None = None,
    rollback: dict[str, Any] | None = None,
    alarms: dict[str, Any] | None = None,
    breaker: dict[str, Any] | None = None,
    hooks: list[dict[str, Any]] | None = None,
    created: dt.datetime = T0,
    finished: dt.datetime | None = None,
) -> dict[str, Any]:
    """One ``ServiceDeployment``: ``traffic`` is (blue, green) production weight, ``tasks`` the
    new revision's (running, pending, requested) task counts."""
    target_revision: dict[str, Any] = {"arn": revision_arn(target)}
    source_revision: dict[str, Any] = {"arn": revision_arn(source)} if source else {}
    if tasks is not None:
        target_revision.update(
            {"runningTaskCount": tasks[0], "pendingTaskCount": tasks[1], "requestedTaskCount": tasks[2]}
        )
    if traffic is not None:
        source_revision["requestedProductionTrafficWeight"] = traffic[0]
        target_revision["requestedProductionTrafficWeight"] = traffic[1]
    if test_traffic is not None:
        source_revision["requestedTestTrafficWeight"] = test_traffic[0]
        target_revision["requestedTestTrafficWeight"] = test_traffic[1]
    data: dict[str, Any] = {
        "serviceDeploymentArn": deployment_arn(suffix),
        "serviceArn": SERVICE_ARN,
        "clusterArn": CLUSTER_ARN,
        "createdAt": created,
        "startedAt": created,
        "updatedAt": created,
        "status": status,
        "targetServiceRevision": target_revision,
        "sourceServiceRevisions": [source_revision] if source else [],
        "deploymentConfiguration": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5},
    }
    optional = {
        "finishedAt": finished,
        "statusReason": reason,
        "lifecycleStage": stage,
        "rollback": rollback,
        "alarms": alarms,
        "deploymentCircuitBreaker": breaker,
        "lifecycleHookDetails": hooks,
    }
    data.update({key: value for key, value in optional.items() if value is not None})
    return data


def expect_describe_missing(stubber: Stubber, arn: str) -> None:
    stubber.add_response(
        "describe_service_deployments",
        {"serviceDeployments": [], "failures": [{"arn": arn, "reason": "MISSING"}]},
        {"serviceDeploymentArns": [arn]},
    )
