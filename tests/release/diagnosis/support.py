"""Scripted AWS answers for a diagnosis: ECS tasks and service events, target health (botocore
Stubbers with AWS's response shapes; moto does not keep stopped tasks' exit codes nor answer
target health for IP targets), and moto for CloudWatch alarms and CloudWatch Logs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.stub import Stubber

from release.diagnosis.sources import Subject
from tests.fakes import offline_client

REGION = "us-east-1"
ACCOUNT = "123456789012"
CLUSTER = "web-cluster"
SERVICE = "web"
T0 = dt.datetime(2025, 8, 1, 12, 0, tzinfo=dt.UTC)
GREEN_TD = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/web:7"
GREEN_TG = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/web-green/0123456789abcdef"
HOOK = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:web-prod-smoke-test"
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/web:v7"


def task_arn(task_id: str) -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/{CLUSTER}/{task_id}"


def subject(**overrides: Any) -> Subject:
    values: dict[str, Any] = {
        "deployment": "d-ABCDEFGHI",
        "status": "Failed",
        "cluster": CLUSTER,
        "service": SERVICE,
        "green_task_definition": GREEN_TD,
        "started_at": T0,
        "green_target_groups": (GREEN_TG,),
    }
    values.update(overrides)
    return Subject(**values)


def container(
    exit_code: int | None, reason: str | None = None, *, name: str = "web", health: str | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {"name": name, "image": IMAGE, "lastStatus": "STOPPED"}
    if exit_code is not None:
        data["exitCode"] = exit_code
    if reason is not None:
        data["reason"] = reason
    if health is not None:
        data["healthStatus"] = health
    return data


def task(
    task_id: str,
    stopped_reason: str,
    stop_code: str,
    containers: list[dict[str, Any]],
    *,
    ran: float | None = 4,
    task_definition: str = GREEN_TD,
    created: dt.datetime = T0 + dt.timedelta(seconds=30),
) -> dict[str, Any]:
    """One stopped ``Task`` as DescribeTasks returns it; ``ran`` seconds between start and stop
    (None: it never started)."""
    data: dict[str, Any] = {
        "taskArn": task_arn(task_id),
        "clusterArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{CLUSTER}",
        "taskDefinitionArn": task_definition,
        "group": f"service:{SERVICE}",
        "lastStatus": "STOPPED",
        "desiredStatus": "STOPPED",
        "launchType": "FARGATE",
        "createdAt": created,
        "stoppedReason": stopped_reason,
        "stopCode": stop_code,
        "containers": containers,
    }
    started = created + dt.timedelta(seconds=20)
    if ran is not None:
        data["startedAt"] = started
        data["stoppedAt"] = started + dt.timedelta(seconds=ran)
    else:
        data["stoppedAt"] = started
    return data


@dataclass
class Aws:
    """Stubbed ECS and ELBv2 clients (each call checked against botocore's model), other services
    from ``others`` (moto clients, or more stubs)."""

    others: dict[str, Any] = field(default_factory=dict)
    ecs: Stubber = field(default_factory=lambda: Stubber(offline_client("ecs")))
    elbv2: Stubber = field(default_factory=lambda: Stubber(offline_client("elbv2")))

    def __post_init__(self) -> None:
        self.ecs.activate()
        self.elbv2.activate()

    def client(self, service: str) -> Any:
        if service == "ecs":
            return self.ecs.client
        if service == "elbv2":
            return self.elbv2.client
        if service in self.others:
            return self.others[service]
        raise AssertionError(f"no {service} client in this scenario")

    def done(self) -> None:
        self.ecs.assert_no_pending_responses()
        self.elbv2.assert_no_pending_responses()

    # --- ECS -----------------------------------------------------------------------------------

    def service_events(self, messages: Iterable[tuple[int, str]], *, app_container: str = "") -> None:
        """DescribeServices with these (seconds after T0, message) events (ECS lists newest first),
        and a load balancer on ``app_container`` when one is named."""
        events = [
            {"id": f"e{i}", "createdAt": T0 + dt.timedelta(seconds=at), "message": message}
            for i, (at, message) in enumerate(messages)
        ]
        events.sort(key=lambda e: e["createdAt"], reverse=True)
        service: dict[str, Any] = {"serviceName": SERVICE, "status": "ACTIVE", "events": events}
        if app_container:
            service["loadBalancers"] = [
                {"targetGroupArn": GREEN_TG, "containerName": app_container, "containerPort": 8080}
            ]
        self.ecs.add_response(
            "describe_services",
            {"services": [service], "failures": []},
            {"cluster": CLUSTER, "services": [SERVICE]},
        )

    def stopped_tasks(self, tasks: list[dict[str, Any]]) -> None:
        arns = [t["taskArn"] for t in tasks]
        self.ecs.add_response(
            "list_tasks",
            {"taskArns": arns},
            {"cluster": CLUSTER, "family": "web", "desiredStatus": "STOPPED", "maxResults": 100},
        )
        if arns:
            self.ecs.add_response(
                "describe_tasks", {"tasks": tasks, "failures": []}, {"cluster": CLUSTER, "tasks": arns}
            )

    def task_definition(
        self,
        group: str = "/ecs/web-prod",
        prefix: str = "ecs",
        sidecars: Iterable[str] = (),
        app_log: dict[str, Any] | None = None,
    ) -> None:
        """Green's task definition: the app (``web``, logging to awslogs unless ``app_log`` says
        otherwise) after the named sidecars (each to awslogs, stream prefix its name)."""
        self.ecs.add_response(
            "describe_task_definition",
            {
                "taskDefinition": {
                    "taskDefinitionArn": GREEN_TD,
                    "family": "web",
                    "revision": 7,
                    "containerDefinitions": [
                        *(
                            {
                                "name": name,
                                "image": IMAGE,
                                "essential": True,
                                "logConfiguration": {
                                    "logDriver": "awslogs",
                                    "options": {"awslogs-group": group, "awslogs-stream-prefix": name},
                                },
                            }
                            for name in sidecars
                        ),
                        {
                            "name": "web",
                            "image": IMAGE,
                            "essential": True,
                            "logConfiguration": app_log
                            or {
                                "logDriver": "awslogs",
                                "options": {
                                    "awslogs-group": group,
                                    "awslogs-region": REGION,
                                    "awslogs-stream-prefix": prefix,
                                },
                            },
                        },
                    ],
                }
            },
            {"taskDefinition": GREEN_TD},
        )

    # --- ELBv2 ---------------------------------------------------------------------------------

    def target_health(self, targets: list[tuple[str, str, str, str]], *, path: str = "/health") -> None:
        """The green target group (health check on ``path`` expecting 200) with these
        (ip, state, reason, description) targets."""
        self.elbv2.add_response(
            "describe_target_groups",
            {
                "TargetGroups": [
                    {
                        "TargetGroupArn": GREEN_TG,
                        "TargetGroupName": "web-green",
                        "Protocol": "HTTP",
                        "Port": 8080,
                        "HealthCheckProtocol": "HTTP",
                        "HealthCheckPort": "traffic-port",
                        "HealthCheckPath": path,
                        "HealthCheckTimeoutSeconds": 5,
                        "Matcher": {"HttpCode": "200"},
                        "TargetType": "ip",
                    }
                ]
            },
            {"TargetGroupArns": [GREEN_TG]},
        )
        descriptions = []
        for ip, state, reason, description in targets:
            health: dict[str, Any] = {"State": state}
            if reason:
                health["Reason"] = reason
            if description:
                health["Description"] = description
            descriptions.append(
                {"Target": {"Id": ip, "Port": 8080}, "HealthCheckPort": "8080", "TargetHealth": health}
            )
        self.elbv2.add_response(
            "describe_target_health", {"TargetHealthDescriptions": descriptions}, {"TargetGroupArn": GREEN_TG}
        )

    def no_targets(self) -> None:
        self.target_health([])
