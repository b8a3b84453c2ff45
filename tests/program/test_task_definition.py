"""Task definition: Fargate size, roles with least privilege, logs, health check, revisions kept."""

from __future__ import annotations

import json

from tests.program.harness import ProgramRun, run_stack

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-password-AbCdEf"


def _container(run: ProgramRun) -> dict:
    return json.loads(run.one("aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"])[0]


def test_fargate_awsvpc_task_with_the_stack_size(dev: ProgramRun, prod: ProgramRun) -> None:
    for run, cpu, memory in ((dev, "256", "512"), (prod, "512", "1024")):
        task = run.one("aws:ecs/taskDefinition:TaskDefinition")
        assert (task.inputs["cpu"], task.inputs["memory"]) == (cpu, memory), task.urn
        assert task.inputs["networkMode"] == "awsvpc"
        assert task.inputs["requiresCompatibilities"] == ["FARGATE"]
        assert task.inputs["family"] == f"my-app-{run.stack}-task"


def test_old_revisions_stay_registered_for_rollback(each_stack: ProgramRun) -> None:
    task = each_stack.one("aws:ecs/taskDefinition:TaskDefinition")
    assert task.inputs["skipDestroy"] is True, task.urn


def test_container_port_logs_and_the_seed_health_check(each_stack: ProgramRun) -> None:
    container = _container(each_stack)
    assert container["name"] == "app" and container["essential"] is True
    assert container["portMappings"][0]["containerPort"] == 8080
    logs = container["logConfiguration"]
    assert logs["logDriver"] == "awslogs"
    assert logs["options"]["awslogs-group"] == f"/ecs/my-app-{each_stack.stack}"
    assert logs["options"]["awslogs-region"] == "us-east-1"
    check = container["healthCheck"]
    # No curl in the image: the check uses the app's own Python checker.
    assert check["command"] == ["CMD", "python", "-m", "server.healthcheck"]
    assert (check["interval"], check["timeout"], check["retries"], check["startPeriod"]) == (30, 5, 3, 60)


def test_app_learns_its_version_image_and_drain_deadline(prod: ProgramRun) -> None:
    container = _container(prod)
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env["PORT"] == "8080"
    assert env["APP_VERSION"] == "v1.0.0"
    assert env["IMAGE_REF"] == container["image"]
    assert container["stopTimeout"] == 30
    assert env["SHUTDOWN_TIMEOUT_SECONDS"] == "27"  # drains before ECS's SIGKILL at stopTimeout


def test_log_group_retention_and_kept_in_prod(dev: ProgramRun, prod: ProgramRun) -> None:
    dev_logs = dev.one("aws:cloudwatch/logGroup:LogGroup", "-dev-logs")
    prod_logs = prod.one("aws:cloudwatch/logGroup:LogGroup", "-prod-logs")
    assert (dev_logs.inputs["retentionInDays"], dev_logs.inputs["skipDestroy"]) == (7, False)
    assert (prod_logs.inputs["retentionInDays"], prod_logs.inputs["skipDestroy"]) == (90, True)
    assert prod.exports["logGroupName"] == "/ecs/my-app-prod"


def test_execution_role_reads_only_this_repository_log_group_and_named_secrets() -> None:
    run = run_stack(
        "dev",
        {
            "container": {
                "secrets": {"DB_PASSWORD": SECRET + ":password::"},
                "environment": {"LOG_LEVEL": "info"},
            }
        },
    )
    repo = run.one("aws:ecr/repository:Repository")
    logs = run.one("aws:cloudwatch/logGroup:LogGroup", "-dev-logs")
    role = run.one("aws:iam/role:Role", "execution")
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Service": "ecs-tasks.amazonaws.com"
    }
    policy = json.loads(run.one("aws:iam/rolePolicy:RolePolicy", "execution").inputs["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["PullImage"]["Resource"] == [repo.outputs["arn"]]
    assert by_sid["WriteLogs"]["Resource"] == f"{logs.outputs['arn']}:*"
    assert by_sid["ReadSecrets"]["Resource"] == [SECRET]
    wildcards = [
        sid
        for sid, s in by_sid.items()
        if "*" in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]
    assert wildcards == ["EcrLogin"]  # the only action AWS cannot scope to a resource
    task = run.one("aws:ecs/taskDefinition:TaskDefinition")
    assert task.inputs["executionRoleArn"] == role.outputs["arn"]
    assert task.inputs["taskRoleArn"] == run.one("aws:iam/role:Role", "-task").outputs["arn"]
    container = _container(run)
    assert container["secrets"] == [{"name": "DB_PASSWORD", "valueFrom": SECRET + ":password::"}]
    assert {"name": "LOG_LEVEL", "value": "info"} in container["environment"]


def test_no_secrets_means_no_secret_permissions(dev: ProgramRun) -> None:
    policy = json.loads(dev.one("aws:iam/rolePolicy:RolePolicy", "execution").inputs["policy"])
    assert {s["Sid"] for s in policy["Statement"]} == {"EcrLogin", "PullImage", "WriteLogs"}


def test_ecs_exec_is_off_by_default_and_the_task_role_has_no_policy(each_stack: ProgramRun) -> None:
    assert not each_stack.one("aws:ecs/service:Service").inputs.get("enableExecuteCommand")
    task_role = each_stack.one("aws:iam/role:Role", "-task").outputs["name"]
    assert [
        p for p in each_stack.of_type("aws:iam/rolePolicy:RolePolicy") if p.inputs["role"] == task_role
    ] == []


def test_ecs_exec_turns_on_the_service_and_only_the_ssm_channels_on_the_task_role() -> None:
    run = run_stack("dev", {"service": {"desiredCount": 1, "enableExecuteCommand": True}})

    assert run.one("aws:ecs/service:Service").inputs["enableExecuteCommand"] is True
    policy = run.one("aws:iam/rolePolicy:RolePolicy", "-exec")
    assert policy.inputs["role"] == "my-app-dev-task-id"  # the task role (the mock engine's id)
    assert json.loads(policy.inputs["policy"])["Statement"] == [
        {
            "Sid": "EcsExecChannels",
            "Effect": "Allow",
            "Action": [
                "ssmmessages:CreateControlChannel",
                "ssmmessages:CreateDataChannel",
                "ssmmessages:OpenControlChannel",
                "ssmmessages:OpenDataChannel",
            ],
            "Resource": "*",
        }
    ]


def test_the_stack_exports_what_rollback_builds_its_appspec_from(dev: ProgramRun, prod: ProgramRun) -> None:
    assert dev.exports["releaseAppSpec"] == {
        "containerName": "app",
        "containerPort": 8080,
        "platformVersion": "LATEST",
        "hooks": {},
    }
    appspec = prod.exports["releaseAppSpec"]
    assert appspec["hooks"] and set(appspec["hooks"]) <= {
        "BeforeInstall",
        "AfterInstall",
        "AfterAllowTestTraffic",
        "BeforeAllowTraffic",
        "AfterAllowTraffic",
    }
    assert all(arn.startswith("arn:aws:lambda:") for arn in appspec["hooks"].values())
