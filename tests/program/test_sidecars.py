"""Sidecars in the real program: the task definition's containers, their waits, logs and rights,
every container counted against the task's size, and traffic still bound to the app alone."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.session import get_session

from release.codedeploy.provider import appspec_for
from specs.sidecars import ADOT_IMAGE, FLUENT_BIT_IMAGE, XRAY_WRITE_ACTIONS
from tests.program.harness import ProgramRun, run_stack

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:datadog-key-AbCdEf"
PROXY_SECRET = "arn:aws:ssm:us-east-1:123456789012:parameter/proxy/token"
DIGEST = "sha256:" + "ab" * 32
PRIVATE_PROXY = f"210987654321.dkr.ecr.us-east-1.amazonaws.com/envoy@{DIGEST}"
BOTH = {"sidecars": [{"logRouter": "firelens"}, {"otelCollector": True}]}
CUSTOM = {
    "sidecars": [
        {
            "logRouter": "firelens",
            "output": {"Name": "datadog", "Host": "http-intake.logs.datadoghq.com"},
            "outputSecrets": {"apikey": SECRET},
        },
        {
            "name": "proxy",
            "image": PRIVATE_PROXY,
            "ports": [9901],
            "secrets": {"TOKEN": PROXY_SECRET},
            "environment": {"MODE": "edge"},
            "healthCheck": {"command": ["CMD", "/bin/check"], "intervalSeconds": 10},
            "dependsOn": "HEALTHY",
            "startAfter": {"log-router": "START"},
            "logging": "firelens",
            "cpu": 128,
            "memory": 256,
        },
        {"name": "migrate", "image": PRIVATE_PROXY, "essential": False, "dependsOn": "SUCCESS"},
    ]
}


def _containers(run: ProgramRun) -> dict[str, dict[str, Any]]:
    task = run.one("aws:ecs/taskDefinition:TaskDefinition")
    return {c["name"]: c for c in json.loads(task.inputs["containerDefinitions"])}


def _policy(run: ProgramRun, name: str) -> dict[str, Any]:
    return json.loads(run.one("aws:iam/rolePolicy:RolePolicy", name).inputs["policy"])


@pytest.fixture(scope="module")
def both() -> ProgramRun:
    return run_stack("dev", {"container": {**BOTH, "logRetentionDays": 7}})


@pytest.fixture(scope="module")
def custom() -> ProgramRun:
    return run_stack(
        "prod", {"container": {**CUSTOM, "logRetentionDays": 90}, "task": {"cpu": 1024, "memory": 2048}}
    )


def test_the_app_comes_first_and_waits_for_each_sidecar_by_its_condition(
    both: ProgramRun, custom: ProgramRun
) -> None:
    task = both.one("aws:ecs/taskDefinition:TaskDefinition")
    assert [c["name"] for c in json.loads(task.inputs["containerDefinitions"])] == [
        "app",
        "log-router",
        "otel-collector",
    ]
    assert _containers(both)["app"]["dependsOn"] == [
        {"containerName": "log-router", "condition": "START"},
        {"containerName": "otel-collector", "condition": "START"},
    ]
    app = _containers(custom)["app"]
    assert app["dependsOn"] == [
        {"containerName": "log-router", "condition": "START"},
        {"containerName": "proxy", "condition": "HEALTHY"},
        {"containerName": "migrate", "condition": "SUCCESS"},
    ]
    proxy = _containers(custom)["proxy"]
    assert proxy["dependsOn"] == [{"containerName": "log-router", "condition": "START"}]
    assert proxy["healthCheck"]["command"] == ["CMD", "/bin/check"]
    assert _containers(custom)["migrate"]["essential"] is False


def test_conditions_are_ecs_values() -> None:
    """Every condition the config allows is one of ECS's ContainerCondition enum, and back."""
    from typing import get_args

    from specs.sidecars import Condition

    enum = get_session().get_service_model("ecs").shape_for("ContainerCondition").enum
    assert sorted(get_args(Condition)) == sorted(enum)


def test_firelens_switches_the_app_log_driver_and_the_router_logs_to_cloudwatch(both: ProgramRun) -> None:
    containers = _containers(both)
    app, router = containers["app"], containers["log-router"]
    assert app["logConfiguration"] == {
        "logDriver": "awsfirelens",
        "options": {
            "Name": "cloudwatch_logs",
            "region": "us-east-1",
            "log_group_name": "/ecs/my-app-dev",
            "log_stream_prefix": "firelens/",
            "auto_create_group": "false",
        },
    }
    assert router["image"] == FLUENT_BIT_IMAGE
    assert router["firelensConfiguration"]["type"] == "fluentbit"
    assert router["logConfiguration"] == {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": "/ecs/my-app-dev",
            "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": "log-router",
        },
    }
    assert router["essential"] is True


def test_a_configured_output_and_its_secrets_reach_the_app_and_other_firelens_sidecars(
    custom: ProgramRun,
) -> None:
    containers = _containers(custom)
    expected = {
        "logDriver": "awsfirelens",
        "options": {"Name": "datadog", "Host": "http-intake.logs.datadoghq.com"},
        "secretOptions": [{"name": "apikey", "valueFrom": SECRET}],
    }
    assert containers["app"]["logConfiguration"] == expected
    assert containers["proxy"]["logConfiguration"] == expected
    assert containers["migrate"]["logConfiguration"]["logDriver"] == "awslogs"


def test_the_collector_gets_its_config_and_the_app_its_endpoint(both: ProgramRun) -> None:
    containers = _containers(both)
    env = {e["name"]: e["value"] for e in containers["app"]["environment"]}
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://localhost:4317"
    collector = containers["otel-collector"]
    assert collector["image"] == ADOT_IMAGE
    config = json.loads(
        next(e["value"] for e in collector["environment"] if e["name"] == "AOT_CONFIG_CONTENT")
    )
    assert config["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"] == "127.0.0.1:4317"
    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"] == "127.0.0.1:4318"
    assert config["exporters"]["awsemf"]["log_group_name"] == "/ecs/my-app-dev"
    assert config["exporters"]["awsxray"]["region"] == "us-east-1"
    assert collector["healthCheck"]["command"] == ["CMD", "/healthcheck"]


def test_the_task_role_gets_exactly_the_collectors_and_routers_rights(
    both: ProgramRun, dev: ProgramRun
) -> None:
    logs = both.one("aws:cloudwatch/logGroup:LogGroup", "-dev-logs").outputs["arn"]
    policy = _policy(both, "-dev-sidecars")
    assert policy["Statement"] == [
        {"Sid": "XRayWrite", "Effect": "Allow", "Action": list(XRAY_WRITE_ACTIONS), "Resource": "*"},
        {
            "Sid": "WriteStackLogGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{logs}:*",
        },
    ]
    task_role = both.one("aws:iam/role:Role", "-dev-task").id
    assert both.one("aws:iam/rolePolicy:RolePolicy", "-dev-sidecars").inputs["role"] == task_role
    assert not [r for r in dev.resources if r.name.endswith("-sidecars")], "no sidecars, no task-role policy"


def test_a_router_with_its_own_output_gets_no_cloudwatch_rights(custom: ProgramRun) -> None:
    assert not [r for r in custom.resources if r.name.endswith("-sidecars")]


def test_the_execution_role_pulls_and_reads_what_the_sidecars_name(custom: ProgramRun) -> None:
    by_sid = {s["Sid"]: s for s in _policy(custom, "-prod-execution")["Statement"]}
    assert "arn:aws:ecr:us-east-1:210987654321:repository/envoy" in by_sid["PullImage"]["Resource"]
    assert SECRET in by_sid["ReadSecrets"]["Resource"]
    assert by_sid["ReadParameters"]["Resource"] == [PROXY_SECRET]


def test_every_container_is_counted_against_the_task_size(both: ProgramRun, custom: ProgramRun) -> None:
    for run in (both, custom):
        task = run.one("aws:ecs/taskDefinition:TaskDefinition")
        containers = _containers(run).values()
        assert sum(c["cpu"] for c in containers) == int(task.inputs["cpu"]), run.stack
        assert sum(c["memoryReservation"] for c in containers) == int(task.inputs["memory"]), run.stack
    assert (_containers(both)["app"]["cpu"], _containers(both)["app"]["memoryReservation"]) == (160, 320)


def test_without_sidecars_the_app_definition_is_unchanged(dev: ProgramRun) -> None:
    (app,) = _containers(dev).values()
    assert {"cpu", "memoryReservation", "dependsOn"}.isdisjoint(app)
    assert app["logConfiguration"]["logDriver"] == "awslogs"


def test_sidecars_are_read_only_with_their_own_scratch_volume(both: ProgramRun) -> None:
    task = both.one("aws:ecs/taskDefinition:TaskDefinition")
    volumes = {v["name"] for v in task.inputs["volumes"]}
    assert volumes == {"scratch-tmp", "scratch-log-router-tmp", "scratch-otel-collector-tmp"}
    for name in ("log-router", "otel-collector"):
        container = _containers(both)[name]
        assert container["readonlyRootFilesystem"] is True
        assert container["mountPoints"] == [
            {"sourceVolume": f"scratch-{name}-tmp", "containerPath": "/tmp", "readOnly": False}
        ]


def test_codedeploy_shifts_traffic_to_the_app_container_only(both: ProgramRun) -> None:
    release = both.one("pulumi-python:dynamic/codedeploy:Release").inputs
    assert (release["container_name"], release["container_port"]) == ("app", 8080)
    appspec = json.loads(appspec_for(release))
    info = appspec["Resources"][0]["TargetService"]["Properties"]["LoadBalancerInfo"]
    assert info == {"ContainerName": "app", "ContainerPort": 8080}
    assert both.exports["releaseAppSpec"]["containerName"] == "app"
    (balancer,) = both.one("aws:ecs/service:Service").inputs["loadBalancers"]
    assert (balancer["containerName"], balancer["containerPort"]) == ("app", 8080)


def test_the_ecs_engine_shifts_traffic_to_the_app_container_only() -> None:
    run = run_stack(
        "dev",
        {
            "container": BOTH,
            "deployment": {
                "controller": "ecs",
                "strategy": "canary",
                "percentage": 10,
                "intervalMinutes": 5,
                "terminationWaitMinutes": 5,
            },
        },
    )
    (balancer,) = run.one("aws:ecs/service:Service").inputs["loadBalancers"]
    assert (balancer["containerName"], balancer["containerPort"]) == ("app", 8080)
    assert [c["name"] for c in _containers(run).values()] == ["app", "log-router", "otel-collector"]


def test_a_built_sidecar_is_pushed_to_the_stacks_repository() -> None:
    run = run_stack("dev", {"container": {"sidecars": [{"name": "proxy", "build": {"context": "app"}}]}})
    image = run.one("docker:index/image:Image", "proxy-image")
    assert image.inputs["imageName"].endswith(":proxy-v1.0.0")
    assert image.inputs["build"]["context"] == "app"
    proxy = _containers(run)["proxy"]
    assert proxy["image"] == image.outputs["repoDigest"]
