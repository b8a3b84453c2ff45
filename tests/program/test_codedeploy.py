"""CodeDeploy: application, role, deployment group and the strategy -> config mapping."""

from __future__ import annotations

import json

import pytest

from tests.program.harness import ProgramRun, run_stack


def _group(run: ProgramRun):
    return run.one("aws:codedeploy/deploymentGroup:DeploymentGroup")


def test_application_is_for_ecs(each_stack: ProgramRun) -> None:
    app = each_stack.one("aws:codedeploy/application:Application")
    assert app.inputs["computePlatform"] == "ECS"
    assert each_stack.exports["codedeployApplication"] == app.outputs["name"] == f"my-app-{each_stack.stack}"


def test_service_role_uses_the_ecs_managed_policy_before_the_group_exists(each_stack: ProgramRun) -> None:
    role = each_stack.one("aws:iam/role:Role", "codedeploy")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "codedeploy.amazonaws.com"}
    attachment = each_stack.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "codedeploy")
    assert attachment.inputs["policyArn"] == "arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS"
    group = _group(each_stack)
    assert group.inputs["serviceRoleArn"] == role.outputs["arn"]
    assert attachment.urn in group.depends_on


def test_group_is_blue_green_with_traffic_control_over_the_service(each_stack: ProgramRun) -> None:
    group = _group(each_stack).inputs
    assert group["deploymentStyle"] == {
        "deploymentOption": "WITH_TRAFFIC_CONTROL",
        "deploymentType": "BLUE_GREEN",
    }
    assert group["ecsService"] == {
        "clusterName": each_stack.one("aws:ecs/cluster:Cluster").outputs["name"],
        "serviceName": each_stack.one("aws:ecs/service:Service").outputs["name"],
    }


def test_group_routes_production_and_test_traffic_over_the_target_pair(each_stack: ProgramRun) -> None:
    pair = _group(each_stack).inputs["loadBalancerInfo"]["targetGroupPairInfo"]
    assert pair["prodTrafficRoute"] == {
        "listenerArns": [each_stack.one("aws:lb/listener:Listener", "prod").outputs["arn"]]
    }
    assert pair["testTrafficRoute"] == {
        "listenerArns": [each_stack.one("aws:lb/listener:Listener", "test").outputs["arn"]]
    }
    names = [each_stack.one("aws:lb/targetGroup:TargetGroup", c).outputs["name"] for c in ("blue", "green")]
    assert pair["targetGroups"] == [{"name": names[0]}, {"name": names[1]}]


def test_blue_is_terminated_after_the_configured_wait(dev: ProgramRun, prod: ProgramRun) -> None:
    for run, wait in ((dev, 3), (prod, 5)):
        config = _group(run).inputs["blueGreenDeploymentConfig"]
        assert config["terminateBlueInstancesOnDeploymentSuccess"] == {
            "action": "TERMINATE",
            "terminationWaitTimeInMinutes": wait,
        }
        assert config["deploymentReadyOption"] == {"actionOnTimeout": "CONTINUE_DEPLOYMENT"}


def test_ready_wait_holds_green_for_a_manual_go_ahead() -> None:
    run = run_stack(
        "prod",
        {
            "deployment": {
                "strategy": "canary",
                "percentage": 10,
                "intervalMinutes": 5,
                "terminationWaitMinutes": 60,
                "readyWaitMinutes": 30,
            },
            "release": {"timeoutMinutes": 120},
        },
    )
    ready = _group(run).inputs["blueGreenDeploymentConfig"]["deploymentReadyOption"]
    assert ready == {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 30}


def test_prod_rolls_back_on_failure_stop_and_alarms(prod: ProgramRun) -> None:
    group = _group(prod).inputs
    assert group["autoRollbackConfiguration"] == {
        "enabled": True,
        "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST", "DEPLOYMENT_STOP_ON_ALARM"],
    }
    alarm_names = sorted(a.outputs["name"] for a in prod.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"))
    assert group["alarmConfiguration"]["enabled"] is True
    assert sorted(group["alarmConfiguration"]["alarms"]) == alarm_names
    assert "my-app-prod-cpu-high" in alarm_names
    for alarm in prod.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
        assert alarm.urn in _group(prod).depends_on, "the group must be created after its alarms"


def test_alarm_rollback_can_be_turned_off() -> None:
    run = run_stack("dev", {"alarms": {"rollbackOnAlarm": False}})
    group = _group(run).inputs
    assert "alarmConfiguration" not in group or group["alarmConfiguration"] is None
    assert group["autoRollbackConfiguration"]["events"] == [
        "DEPLOYMENT_FAILURE",
        "DEPLOYMENT_STOP_ON_REQUEST",
    ]
    assert len(run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")) == 6  # still alarms, just no rollback


PREDEFINED = [
    (
        {"strategy": "canary", "percentage": 10, "intervalMinutes": 5},
        "CodeDeployDefault.ECSCanary10Percent5Minutes",
    ),
    (
        {"strategy": "canary", "percentage": 10, "intervalMinutes": 15},
        "CodeDeployDefault.ECSCanary10Percent15Minutes",
    ),
    (
        {"strategy": "linear", "percentage": 10, "intervalMinutes": 1},
        "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
    ),
    (
        {"strategy": "linear", "percentage": 10, "intervalMinutes": 3},
        "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
    ),
    ({"strategy": "all-at-once"}, "CodeDeployDefault.ECSAllAtOnce"),
]


@pytest.mark.parametrize(("deployment", "config_name"), PREDEFINED, ids=[c for _, c in PREDEFINED])
def test_predefined_strategies_use_the_aws_config_name(deployment: dict, config_name: str) -> None:
    run = run_stack("dev", {"deployment": deployment, "release": {"timeoutMinutes": 120}})
    assert run.of_type("aws:codedeploy/deploymentConfig:DeploymentConfig") == []
    assert _group(run).inputs["deploymentConfigName"] == config_name
    assert run.exports["deploymentConfigName"] == config_name


CUSTOM = [
    (
        {"strategy": "canary", "percentage": 20, "intervalMinutes": 10},
        "TimeBasedCanary",
        "timeBasedCanary",
        "my-app-dev-canary-20pct-10min",
    ),
    (
        {"strategy": "linear", "percentage": 25, "intervalMinutes": 2},
        "TimeBasedLinear",
        "timeBasedLinear",
        "my-app-dev-linear-25pct-2min",
    ),
]


@pytest.mark.parametrize(
    ("deployment", "routing", "key", "name"), CUSTOM, ids=["canary-20-10", "linear-25-2"]
)
def test_other_strategies_create_a_custom_ecs_config(
    deployment: dict, routing: str, key: str, name: str
) -> None:
    run = run_stack("dev", {"deployment": deployment})
    config = run.one("aws:codedeploy/deploymentConfig:DeploymentConfig").inputs
    assert config["computePlatform"] == "ECS"
    assert config["deploymentConfigName"] == name
    assert config["trafficRoutingConfig"] == {
        "type": routing,
        key: {"percentage": deployment["percentage"], "interval": deployment["intervalMinutes"]},
    }
    assert _group(run).inputs["deploymentConfigName"] == name


def test_prod_uses_the_seeds_canary_and_dev_shifts_all_at_once(dev: ProgramRun, prod: ProgramRun) -> None:
    assert _group(prod).inputs["deploymentConfigName"] == "CodeDeployDefault.ECSCanary10Percent5Minutes"
    assert _group(dev).inputs["deploymentConfigName"] == "CodeDeployDefault.ECSAllAtOnce"
