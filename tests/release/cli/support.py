"""Shared helpers for the CLI tests: running main() with captured streams, a fake clock,
the stack's AWS resources built through boto3, and a shim for the target APIs moto lacks."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from release.cli.main import main
from tests.fakes import FakeClock  # noqa: F401 - shared double

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
APPLICATION = "my-app-dev-app"
GROUP = "my-app-dev-dg"
CLUSTER = "my-app-dev-cluster"
SERVICE = "my-app-dev-svc"
FAMILY = "my-app-dev-task"
BLUE = "my-app-dev-blue-abc"
GREEN = "my-app-dev-green-abc"
ClientFactory = Callable[[str, str], Any]
STACK_APPSPEC_FLAGS = [
    "--container-name",
    "app",
    "--container-port",
    "8080",
    "--platform-version",
    "LATEST",
    "--no-hooks",
]
"""The AppSpec settings a dev stack's rollback deploys, as flags (tests that name no outputs)."""


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


def run_cli(argv: list[str], clients: ClientFactory | None = None, **kwargs: Any) -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, clients=clients, out=out, err=err, **kwargs)
    return Result(code, out.getvalue(), err.getvalue())


def names_flags(**overrides: str) -> list[str]:
    values = {
        "region": REGION,
        "application": APPLICATION,
        "deployment-group": GROUP,
        "cluster": CLUSTER,
        "service": SERVICE,
        **overrides,
    }
    flags: list[str] = []
    for key, value in values.items():
        if value:
            flags += [f"--{key}", value]
    return flags


@dataclass
class Stack:
    """What build_stack created."""

    task_definitions: list[str]
    blue_arn: str
    green_arn: str
    prod_listener: str
    test_listener: str
    subnets: list[str]
    security_group: str

    def outputs(self) -> dict[str, Any]:
        """The stack outputs as `pulumi stack output --json` prints them."""
        return {
            "serviceUrl": "http://alb.example.com",
            "testUrl": "http://alb.example.com:9000",
            "clusterName": CLUSTER,
            "serviceName": SERVICE,
            "taskDefinitionArn": self.task_definitions[-1],
            "taskDefinitionFamily": FAMILY,
            "codedeployApplication": APPLICATION,
            "codedeployDeploymentGroup": GROUP,
            "region": REGION,
            "releaseAppSpec": {
                "containerName": "app",
                "containerPort": 8080,
                "platformVersion": "LATEST",
                "hooks": {},
            },
        }

    def outputs_json(self) -> str:
        return json.dumps(self.outputs())


def register_revisions(ecs: Any, family: str, count: int) -> list[str]:
    return [
        ecs.register_task_definition(
            family=family,
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            containerDefinitions=[
                {
                    "name": "app",
                    "image": f"123456789012.dkr.ecr.{REGION}.amazonaws.com/my-app:v{n}",
                    "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
                    "essential": True,
                }
            ],
        )["taskDefinition"]["taskDefinitionArn"]
        for n in range(1, count + 1)
    ]


def create_service(
    ecs: Any, stack_subnets: list[str], security_group: str, blue_arn: str, service: str, task_definition: str
) -> None:
    """A CODE_DEPLOY-controlled Fargate service whose PRIMARY task set runs ``task_definition``."""
    network = {"awsvpcConfiguration": {"subnets": stack_subnets, "securityGroups": [security_group]}}
    load_balancers = [{"targetGroupArn": blue_arn, "containerName": "app", "containerPort": 8080}]
    ecs.create_service(
        cluster=CLUSTER,
        serviceName=service,
        taskDefinition=task_definition,
        desiredCount=2,
        launchType="FARGATE",
        deploymentController={"type": "CODE_DEPLOY"},
        loadBalancers=load_balancers,
        networkConfiguration=network,
    )
    task_set = ecs.create_task_set(
        cluster=CLUSTER,
        service=service,
        taskDefinition=task_definition,
        launchType="FARGATE",
        loadBalancers=load_balancers,
        networkConfiguration=network,
    )["taskSet"]
    ecs.update_service_primary_task_set(
        cluster=CLUSTER, service=service, primaryTaskSet=task_set["taskSetArn"]
    )


def create_codedeploy(codedeploy: Any, *, prod_listener: str, test_listener: str) -> None:
    codedeploy.create_application(applicationName=APPLICATION, computePlatform="ECS")
    codedeploy.create_deployment_group(
        applicationName=APPLICATION,
        deploymentGroupName=GROUP,
        serviceRoleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/my-app-dev-codedeploy",
        deploymentConfigName="CodeDeployDefault.ECSAllAtOnce",
        deploymentStyle={"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        ecsServices=[{"clusterName": CLUSTER, "serviceName": SERVICE}],
        loadBalancerInfo={
            "targetGroupPairInfoList": [
                {
                    "targetGroups": [{"name": BLUE}, {"name": GREEN}],
                    "prodTrafficRoute": {"listenerArns": [prod_listener]},
                    "testTrafficRoute": {"listenerArns": [test_listener]},
                }
            ]
        },
        blueGreenDeploymentConfiguration={
            "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT", "waitTimeInMinutes": 0},
            "terminateBlueInstancesOnDeploymentSuccess": {
                "action": "TERMINATE",
                "terminationWaitTimeInMinutes": 1,
            },
        },
        autoRollbackConfiguration={
            "enabled": True,
            "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"],
        },
    )


@dataclass(frozen=True)
class Network:
    subnets: list[str]
    security_group: str
    alb: str
    blue: str
    green: str


def build_network(client: Callable[[str], Any], *, group: str, target_groups: tuple[str, str]) -> Network:
    """A VPC with two subnets and a security group ``group``, an ALB in it, and the blue and
    green target groups ``target_groups``, all through boto3."""
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{zone}")[
            "Subnet"
        ]["SubnetId"]
        for i, zone in enumerate("ab")
    ]
    security_group = ec2.create_security_group(GroupName=group, Description=group, VpcId=vpc)["GroupId"]
    elbv2 = client("elbv2")
    alb = elbv2.create_load_balancer(
        Name="my-app-dev-alb", Subnets=subnets, SecurityGroups=[security_group], Type="application"
    )["LoadBalancers"][0]["LoadBalancerArn"]
    blue, green = (
        elbv2.create_target_group(Name=name, Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip")[
            "TargetGroups"
        ][0]["TargetGroupArn"]
        for name in target_groups
    )
    return Network(subnets, security_group, alb, blue, green)


def build_stack(client: Callable[[str], Any], *, revisions: int = 3) -> Stack:
    """VPC, ALB with blue/green target groups and listeners (production forwards to blue), an ECS
    cluster and CODE_DEPLOY service running the last of ``revisions`` revisions, and the
    CodeDeploy application and BLUE_GREEN group, all through boto3."""
    net = build_network(client, group="my-app-dev-alb", target_groups=(BLUE, GREEN))
    elbv2 = client("elbv2")
    prod, test = (
        elbv2.create_listener(
            LoadBalancerArn=net.alb,
            Protocol="HTTP",
            Port=port,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": net.blue}],
        )["Listeners"][0]["ListenerArn"]
        for port in (80, 9000)
    )

    ecs = client("ecs")
    ecs.create_cluster(clusterName=CLUSTER)
    task_definitions = register_revisions(ecs, FAMILY, revisions)
    create_service(ecs, net.subnets, net.security_group, net.blue, SERVICE, task_definitions[-1])

    create_codedeploy(client("codedeploy"), prod_listener=prod, test_listener=test)
    return Stack(task_definitions, net.blue, net.green, prod, test, net.subnets, net.security_group)


class _Http:
    status_code = 200
    headers: dict[str, str] = {}  # noqa: RUF012
    content = b""
    text = ""


class TargetShim:
    """Answers ListDeploymentTargets/GetDeploymentTarget (not in moto) from ``events``/``traffic``,
    by short-circuiting the boto3 call in a ``before-call`` handler."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, str]] = []
        self.traffic: dict[str, float] = {}

    def install(self, client: Any) -> Any:
        client.meta.events.register("before-call.codedeploy.ListDeploymentTargets", self._list)
        client.meta.events.register("before-call.codedeploy.GetDeploymentTarget", self._get)
        return client

    def _list(self, **_: Any) -> tuple[_Http, dict[str, Any]]:
        ids = [f"{CLUSTER}:{SERVICE}"] if self.events or self.traffic else []
        return _Http(), {"targetIds": ids}

    def _get(self, **_: Any) -> tuple[_Http, dict[str, Any]]:
        target = {
            "deploymentTargetType": "ECSTarget",
            "ecsTarget": {
                "targetId": f"{CLUSTER}:{SERVICE}",
                "lifecycleEvents": [
                    {"lifecycleEventName": name, "status": status, "diagnostics": {"message": message}}
                    for name, status, message in self.events
                ],
                "taskSetsInfo": [
                    {"identifer": f"ecs-svc/{label}", "taskSetLabel": label, "trafficWeight": weight}
                    for label, weight in self.traffic.items()
                ],
            },
        }
        return _Http(), {"deploymentTarget": target}
