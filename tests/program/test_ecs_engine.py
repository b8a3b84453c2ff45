"""deployment.controller: ecs — ECS's built-in blue/green, linear and canary instead of CodeDeploy."""

from __future__ import annotations

import json

import pytest

from stack_config.errors import ConfigError
from tests.program.harness import ProgramRun, run_stack, run_stack_expecting_error, stack_value

CANARY = {
    "controller": "ecs",
    "strategy": "canary",
    "percentage": 10,
    "intervalMinutes": 5,
    "terminationWaitMinutes": 5,
}


def ecs_stack(stack: str, **deployment: object) -> ProgramRun:
    return run_stack(stack, {"deployment": {**CANARY, **deployment}})


@pytest.fixture(scope="module")
def dev_ecs() -> ProgramRun:
    return ecs_stack("dev")


@pytest.fixture(scope="module")
def prod_ecs() -> ProgramRun:
    return ecs_stack("prod")


@pytest.fixture(params=["dev", "prod"])
def each_ecs(request: pytest.FixtureRequest, dev_ecs: ProgramRun, prod_ecs: ProgramRun) -> ProgramRun:
    return {"dev": dev_ecs, "prod": prod_ecs}[request.param]


def test_no_codedeploy_resources(each_ecs: ProgramRun) -> None:
    assert not [
        r.type for r in each_ecs.resources if r.type.startswith("aws:codedeploy") or "codedeploy" in r.type
    ]
    assert each_ecs.exports["deploymentController"] == "ecs"
    assert "codedeployApplication" not in each_ecs.exports


def test_service_deploys_itself_with_the_native_canary(each_ecs: ProgramRun) -> None:
    service = each_ecs.one("aws:ecs/service:Service").inputs
    assert service["deploymentController"] == {"type": "ECS"}
    config = service["deploymentConfiguration"]
    assert config["strategy"] == "CANARY"
    assert config["canaryConfiguration"] == {"canaryPercent": 10, "canaryBakeTimeInMinutes": "5"}
    assert config["bakeTimeInMinutes"] == "5"
    assert service["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}


def test_traffic_moves_through_listener_rules_with_the_alternate_target_group(each_ecs: ProgramRun) -> None:
    service = each_ecs.one("aws:ecs/service:Service")
    blue = each_ecs.one("aws:lb/targetGroup:TargetGroup", "blue").outputs["arn"]
    green = each_ecs.one("aws:lb/targetGroup:TargetGroup", "green").outputs["arn"]
    prod_rule = each_ecs.one("aws:lb/listenerRule:ListenerRule", "prod-rule")
    test_rule = each_ecs.one("aws:lb/listenerRule:ListenerRule", "test-rule")
    role = each_ecs.one("aws:iam/role:Role", "ecs-infrastructure")
    (balancer,) = service.inputs["loadBalancers"]
    assert balancer["targetGroupArn"] == blue
    assert balancer["advancedConfiguration"] == {
        "alternateTargetGroupArn": green,
        "productionListenerRule": prod_rule.outputs["arn"],
        "testListenerRule": test_rule.outputs["arn"],
        "roleArn": role.outputs["arn"],
    }
    for rule, listener in ((prod_rule, "prod"), (test_rule, "test")):
        assert (
            rule.inputs["listenerArn"]
            == each_ecs.one("aws:lb/listener:Listener", f"-{listener}").outputs["arn"]
        )
        assert rule.inputs["conditions"] == [{"pathPattern": {"values": ["/*"]}}]
        assert rule.inputs["actions"] == [
            {
                "type": "forward",
                "forward": {"targetGroups": [{"arn": blue, "weight": 100}, {"arn": green, "weight": 0}]},
            }
        ]
        assert rule.urn in service.depends_on


def test_drift_safety_of_the_native_engine(each_ecs: ProgramRun) -> None:
    for suffix in ("prod-rule", "test-rule"):
        rule = each_ecs.one("aws:lb/listenerRule:ListenerRule", suffix)
        # ECS rewrites the weights on every deployment; reverting them moves production back.
        assert rule.ignore_changes == ["actions"], rule.urn
    service = each_ecs.one("aws:ecs/service:Service")
    # The task definition stays managed (updating it is the release); the swapped target
    # groups must not be sent back (terraform-provider-aws#45678).
    assert "taskDefinition" not in service.ignore_changes
    assert "loadBalancers" in service.ignore_changes
    # The controller is switched by the engine move, never by a replacement.
    assert "deploymentController" in service.ignore_changes
    for name in ("-prod", "-test"):
        listener = each_ecs.one("aws:lb/listener:Listener", name)
        assert listener.inputs["defaultActions"][0]["type"] == "fixed-response"
        # A stack moved from CodeDeploy keeps forwarding until its rules exist (the move sets
        # the fixed response afterwards): `pulumi up` never rewrites the default action.
        assert listener.ignore_changes == ["defaultActions"]


def test_infrastructure_role_may_manage_the_load_balancer(each_ecs: ProgramRun) -> None:
    role = each_ecs.one("aws:iam/role:Role", "ecs-infrastructure")
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Service": "ecs.amazonaws.com"
    }
    attachment = each_ecs.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "ecs-infrastructure")
    assert (
        attachment.inputs["policyArn"]
        == "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"
    )
    assert attachment.urn in each_ecs.one("aws:ecs/service:Service").depends_on


def test_alarms_roll_the_service_back(prod_ecs: ProgramRun) -> None:
    service = prod_ecs.one("aws:ecs/service:Service").inputs
    names = sorted(a.outputs["name"] for a in prod_ecs.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"))
    assert service["alarms"]["enable"] is True and service["alarms"]["rollback"] is True
    assert sorted(service["alarms"]["alarmNames"]) == names
    cpu = prod_ecs.one("aws:cloudwatch/metricAlarm:MetricAlarm", "cpu-high").inputs
    assert cpu["dimensions"] == {"ClusterName": "my-app-prod", "ServiceName": "my-app-prod"}
    assert service["name"] == "my-app-prod"


def test_switching_engines_replaces_the_named_service_delete_first(
    each_ecs: ProgramRun, dev: ProgramRun
) -> None:
    for run in (each_ecs, dev):
        service = run.one("aws:ecs/service:Service")
        assert service.inputs["name"] == f"my-app-{run.stack}"
        assert service.delete_before_replace is True, service.urn


@pytest.mark.parametrize(
    ("settings", "timeout"),
    [
        ({"readyWaitMinutes": 30}, {"timeoutInMinutes": "30", "action": "ROLLBACK"}),
        (
            {"readyWaitMinutes": 20160, "readyWaitTimeoutAction": "continue"},
            {"timeoutInMinutes": "20160", "action": "CONTINUE"},
        ),
    ],
    ids=["rollback-by-default", "continue"],
)
def test_the_ready_wait_is_a_pause_hook_beside_the_smoke_test(settings: dict, timeout: dict) -> None:
    run = run_stack("prod", {"deployment": {**CANARY, **settings}, "release": {"timeoutMinutes": 30000}})
    function = run.one("aws:lambda/function:Function")
    hooks = run.one("aws:ecs/service:Service").inputs["deploymentConfiguration"]["lifecycleHooks"]
    assert [hook.get("hookTargetArn") for hook in hooks] == [function.outputs["arn"], None]
    assert hooks[1] == {
        "targetType": "PAUSE",
        "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
        "timeoutConfiguration": timeout,
    }


def test_the_ready_wait_needs_no_hook_lambda() -> None:
    run = run_stack(
        "dev", {"deployment": {**CANARY, "readyWaitMinutes": 5}, "hooks": {"lifecycleEvents": []}}
    )
    assert not run.of_type("aws:lambda/function:Function")
    hooks = run.one("aws:ecs/service:Service").inputs["deploymentConfiguration"]["lifecycleHooks"]
    assert [hook["targetType"] for hook in hooks] == ["PAUSE"]


def test_without_a_ready_wait_there_is_no_pause(each_ecs: ProgramRun) -> None:
    config = each_ecs.one("aws:ecs/service:Service").inputs["deploymentConfiguration"]
    assert all(hook.get("targetType") != "PAUSE" for hook in config.get("lifecycleHooks") or [])


def test_scaler_still_owns_desired_count(prod_ecs: ProgramRun) -> None:
    assert set(prod_ecs.one("aws:ecs/service:Service").ignore_changes) == {
        "loadBalancers",
        "deploymentController",
        "desiredCount",
    }


def test_hook_runs_at_the_matching_ecs_lifecycle_stage(prod_ecs: ProgramRun) -> None:
    function = prod_ecs.one("aws:lambda/function:Function")
    role = prod_ecs.one("aws:iam/role:Role", "ecs-infrastructure")
    hooks = prod_ecs.one("aws:ecs/service:Service").inputs["deploymentConfiguration"]["lifecycleHooks"]
    assert hooks == [
        {
            "hookTargetArn": function.outputs["arn"],
            "roleArn": role.outputs["arn"],
            "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
        }
    ]
    invoke = json.loads(prod_ecs.one("aws:iam/rolePolicy:RolePolicy", "ecs-invoke-hook").inputs["policy"])
    assert invoke["Statement"] == [
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": function.outputs["arn"]}
    ]
    hook_policy = json.loads(prod_ecs.one("aws:iam/rolePolicy:RolePolicy", "-prod-hook").inputs["policy"])
    assert "ReportHookStatus" not in {
        s["Sid"] for s in hook_policy["Statement"]
    }  # ECS reads the return value


def test_release_waits_for_the_service_deployment(each_ecs: ProgramRun) -> None:
    release = each_ecs.one("pulumi-python:dynamic/ecs:ServiceRelease")
    service = each_ecs.one("aws:ecs/service:Service")
    assert (
        release.inputs["task_definition_arn"]
        == each_ecs.one("aws:ecs/taskDefinition:TaskDefinition").outputs["arn"]
    )
    assert (release.inputs["cluster"], release.inputs["service"]) == (
        f"my-app-{each_ecs.stack}",
        f"my-app-{each_ecs.stack}",
    )
    assert service.urn in release.depends_on
    assert each_ecs.exports["deploymentStrategy"] == "CANARY"


@pytest.mark.parametrize(
    ("deployment", "strategy", "extra"),
    [
        (
            {"strategy": "linear", "percentage": 20, "intervalMinutes": 3},
            "LINEAR",
            {"linearConfiguration": {"stepPercent": 20, "stepBakeTimeInMinutes": "3"}},
        ),
        (
            {"strategy": "canary", "percentage": 25, "intervalMinutes": 15},
            "CANARY",
            {"canaryConfiguration": {"canaryPercent": 25, "canaryBakeTimeInMinutes": "15"}},
        ),
        ({"strategy": "all-at-once", "terminationWaitMinutes": 10}, "BLUE_GREEN", {}),
    ],
    ids=["linear", "canary", "all-at-once"],
)
def test_every_strategy_maps_to_the_native_configuration(
    deployment: dict, strategy: str, extra: dict
) -> None:
    settings = {"controller": "ecs", "terminationWaitMinutes": 5, **deployment}
    run = run_stack("dev", {"deployment": settings, "release": {"timeoutMinutes": 120}})
    config = run.one("aws:ecs/service:Service").inputs["deploymentConfiguration"]
    assert config["strategy"] == strategy
    assert config["bakeTimeInMinutes"] == str(settings["terminationWaitMinutes"])
    for key, value in extra.items():
        assert config[key] == value
    assert not {"canaryConfiguration", "linearConfiguration"} - set(extra) & set(config)


@pytest.mark.parametrize(
    ("deployment", "key", "detail"),
    [
        (
            {"strategy": "linear", "percentage": 2, "intervalMinutes": 1},
            "deployment.percentage",
            "below ECS's native linear step minimum of 3 % (controller codedeploy accepts 1-99)",
        ),
        (
            {"strategy": "canary", "percentage": 10, "intervalMinutes": 1441},
            "deployment.intervalMinutes",
            "exceeds ECS's native bake time limit of 1440 minutes (controller codedeploy has no such limit)",
        ),
        (
            {"strategy": "all-at-once", "terminationWaitMinutes": 2000},
            "deployment.terminationWaitMinutes",
            "exceeds ECS's native bake time limit of 1440 minutes (controller codedeploy allows up to 2880)",
        ),
        (
            {"strategy": "canary", "readyWaitMinutes": 20161},
            "deployment.readyWaitMinutes",
            "20161 is outside ECS's pause hook timeout of 1-20160 minutes (timeoutInMinutes)",
        ),
        ({"controller": "kubernetes"}, "deployment.controller", "'codedeploy' or 'ecs'"),
    ],
    ids=["linear-step-2", "bake-1441", "termination-2000", "ready-wait", "unknown-controller"],
)
def test_values_outside_the_native_ranges_are_rejected(deployment: dict, key: str, detail: str) -> None:
    settings = {"controller": "ecs", **deployment}
    error, registered = run_stack_expecting_error(
        "dev", {"deployment": settings, "release": {"timeoutMinutes": 5000}}
    )
    assert isinstance(error, ConfigError), repr(error)
    assert key in str(error) and detail in str(error), str(error)
    assert registered == []


def test_the_same_values_pass_under_codedeploy() -> None:
    """Say-so check for the errors above: these values fit CodeDeploy."""
    deployment = stack_value("dev", "deployment") | {
        "strategy": "linear",
        "percentage": 2,
        "intervalMinutes": 1,
    }
    run = run_stack("dev", {"deployment": deployment, "release": {"timeoutMinutes": 120}})
    assert run.one("aws:codedeploy/deploymentConfig:DeploymentConfig").inputs["trafficRoutingConfig"][
        "type"
    ] == ("TimeBasedLinear")
