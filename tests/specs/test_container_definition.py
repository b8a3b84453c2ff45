"""The ECS container definition built from settings and the resolved image reference."""

from __future__ import annotations

import pytest

from specs.container_definition import container_definition, shutdown_timeout_seconds
from stack_config.model import ContainerHealthCheck, ContainerSettings, TaskSettings

IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-app@sha256:" + "ab" * 32
SM_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"
SSM_ARN = "arn:aws:ssm:eu-west-1:123456789012:parameter/my-app/api-key"


def build(container: ContainerSettings | None = None, task: TaskSettings | None = None) -> dict:
    return container_definition(
        container or ContainerSettings(),
        task or TaskSettings(),
        image_ref=IMAGE,
        version="v1.2.3",
        log_group_name="/ecs/my-app-prod",
        region="eu-west-1",
    )


def env(definition: dict) -> dict[str, str]:
    return {pair["name"]: pair["value"] for pair in definition["environment"]}


def test_default_settings_give_the_full_definition():
    assert build() == {
        "name": "app",
        "image": IMAGE,
        "essential": True,
        "portMappings": [
            {
                "containerPort": 8080,
                "hostPort": 8080,
                "protocol": "tcp",
                "appProtocol": "http",
                "name": "app-8080",
            }
        ],
        "environment": [
            {"name": "APP_VERSION", "value": "v1.2.3"},
            {"name": "IMAGE_REF", "value": IMAGE},
            {"name": "PORT", "value": "8080"},
            {"name": "SHUTDOWN_TIMEOUT_SECONDS", "value": "27"},
        ],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": "/ecs/my-app-prod",
                "awslogs-region": "eu-west-1",
                "awslogs-stream-prefix": "app",
            },
        },
        "stopTimeout": 30,
        "readonlyRootFilesystem": True,
        "mountPoints": [{"sourceVolume": "scratch-tmp", "containerPath": "/tmp", "readOnly": False}],
        "healthCheck": {
            "command": ["CMD", "python", "-m", "server.healthcheck"],
            "interval": 30,
            "timeout": 5,
            "retries": 3,
            "startPeriod": 60,
        },
    }


def test_custom_name_and_port_reach_port_mapping_env_and_log_prefix():
    definition = build(ContainerSettings(name="web", port=3000))
    assert definition["name"] == "web"
    assert definition["portMappings"] == [
        {
            "containerPort": 3000,
            "hostPort": 3000,
            "protocol": "tcp",
            "appProtocol": "http",
            "name": "web-3000",
        }
    ]
    assert env(definition)["PORT"] == "3000"
    assert definition["logConfiguration"]["options"]["awslogs-stream-prefix"] == "web"


def test_environment_is_sorted_by_name_with_the_program_values():
    definition = build(ContainerSettings(environment={"ZETA": "z", "ALPHA": "a", "LOG_LEVEL": "debug"}))
    assert definition["environment"] == [
        {"name": "ALPHA", "value": "a"},
        {"name": "APP_VERSION", "value": "v1.2.3"},
        {"name": "IMAGE_REF", "value": IMAGE},
        {"name": "LOG_LEVEL", "value": "debug"},
        {"name": "PORT", "value": "8080"},
        {"name": "SHUTDOWN_TIMEOUT_SECONDS", "value": "27"},
        {"name": "ZETA", "value": "z"},
    ]


def test_reordering_the_environment_does_not_change_the_definition():
    forward = build(ContainerSettings(environment={"A": "1", "B": "2", "C": "3"}))
    backward = build(ContainerSettings(environment={"C": "3", "B": "2", "A": "1"}))
    assert forward == backward


@pytest.mark.parametrize(
    ("stop_timeout", "shutdown"),
    [(120, 117), (30, 27), (5, 2), (4, 1), (3, 1), (2, 1)],
    ids=lambda v: str(v),
)
def test_shutdown_timeout_ends_three_seconds_before_sigkill_and_at_least_one(stop_timeout, shutdown):
    assert shutdown_timeout_seconds(stop_timeout) == shutdown
    definition = build(task=TaskSettings(stop_timeout_seconds=stop_timeout))
    assert definition["stopTimeout"] == stop_timeout
    assert env(definition)["SHUTDOWN_TIMEOUT_SECONDS"] == str(shutdown)


def test_secrets_are_value_from_references_sorted_by_name_and_not_in_the_environment():
    definition = build(ContainerSettings(secrets={"DB_PASSWORD": SM_ARN, "API_KEY": SSM_ARN}))
    assert definition["secrets"] == [
        {"name": "API_KEY", "valueFrom": SSM_ARN},
        {"name": "DB_PASSWORD", "valueFrom": SM_ARN},
    ]
    assert not {"API_KEY", "DB_PASSWORD"} & set(env(definition))
    assert SM_ARN not in str(definition["environment"])


def test_no_secrets_key_without_secrets():
    assert "secrets" not in build()


def test_custom_health_check_command_and_timings():
    check = ContainerHealthCheck(
        command=["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"],
        interval_seconds=10,
        timeout_seconds=2,
        retries=5,
        start_period_seconds=0,
    )
    assert build(ContainerSettings(health_check=check))["healthCheck"] == {
        "command": ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"],
        "interval": 10,
        "timeout": 2,
        "retries": 5,
        "startPeriod": 0,
    }


def test_empty_command_disables_the_container_health_check():
    definition = build(ContainerSettings(health_check=ContainerHealthCheck(command=[])))
    assert "healthCheck" not in definition


def test_image_is_the_given_digest_reference_also_exposed_to_the_app():
    definition = build()
    assert definition["image"] == IMAGE
    assert env(definition)["IMAGE_REF"] == IMAGE
    assert env(definition)["APP_VERSION"] == "v1.2.3"
