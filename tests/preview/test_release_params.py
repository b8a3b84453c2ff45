"""extract_release_params reads the release settings from the declared resources (not the config)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import pytest

from preview.engine import ProgramRun, Recorded
from preview.release_params import (
    AlarmParams,
    HookParams,
    ReleaseParams,
    extract_release_params,
)
from specs import codedeploy_engine
from specs.traffic_routing import TrafficRouting
from tests.run_cache import run_stack


@pytest.fixture(scope="module")
def prod() -> ProgramRun:
    return run_stack("prod")


@pytest.fixture(scope="module")
def dev() -> ProgramRun:
    return run_stack("dev")


def _alarms(prefix: str) -> tuple[AlarmParams, ...]:
    kinds = (
        "cpu-high",
        "target-5xx",
        "response-time-blue",
        "response-time-green",
        "unhealthy-blue",
        "unhealthy-green",
    )
    return tuple(AlarmParams(f"{prefix}-{kind}", 60, 2) for kind in kinds)


def test_prod_params_match_the_stack_file_and_defaults(prod: ProgramRun) -> None:
    assert extract_release_params(prod) == ReleaseParams(
        stack="prod",
        health_check_interval_seconds=30,
        healthy_threshold=2,
        unhealthy_threshold=2,
        deregistration_delay_seconds=30,
        container_health_check=True,
        start_period_seconds=60,  # container.healthCheck default
        stop_timeout_seconds=30,  # task.stopTimeoutSeconds default
        routing=TrafficRouting("canary", 10, 5, "CodeDeployDefault.ECSCanary10Percent5Minutes"),
        termination_wait_minutes=5,
        ready_action_on_timeout="CONTINUE_DEPLOYMENT",
        ready_wait_minutes=0,
        alarms=_alarms("my-app-prod"),
        # 30 + attempts 3 x (request timeout 5 + retry delay 5) x 2 checks = 90 s
        hooks=(HookParams("AfterAllowTestTraffic", "my-app-prod-smoke-test", 90),),
        release_timeout_minutes=60,
        desired_count=2,
    )


def test_dev_params_match_the_stack_file_and_defaults(dev: ProgramRun) -> None:
    assert extract_release_params(dev) == ReleaseParams(
        stack="dev",
        health_check_interval_seconds=10,
        healthy_threshold=2,
        unhealthy_threshold=2,
        deregistration_delay_seconds=10,
        container_health_check=True,
        start_period_seconds=60,
        stop_timeout_seconds=30,
        routing=TrafficRouting("all-at-once", None, None, "CodeDeployDefault.ECSAllAtOnce"),
        termination_wait_minutes=3,
        ready_action_on_timeout="CONTINUE_DEPLOYMENT",
        ready_wait_minutes=0,
        alarms=_alarms("my-app-dev"),
        hooks=(),
        release_timeout_minutes=20,
        desired_count=1,
    )


def test_longest_alarm_and_hook_lookup(prod: ProgramRun) -> None:
    params = extract_release_params(prod)
    assert params.longest_alarm == AlarmParams("my-app-prod-cpu-high", 60, 2)
    assert params.longest_alarm is not None and params.longest_alarm.evaluation_seconds == 180  # 60 x (2 + 1)
    assert params.hook("AfterAllowTestTraffic") == HookParams(
        "AfterAllowTestTraffic", "my-app-prod-smoke-test", 90
    )
    assert params.hook("BeforeInstall") is None


def test_custom_canary_comes_from_the_declared_deployment_config() -> None:
    run = run_stack(
        "dev",
        {
            "deployment": {"strategy": "canary", "percentage": 20, "intervalMinutes": 10},
            "release": {"timeoutMinutes": 120},
        },
    )
    params = extract_release_params(run)
    assert params.routing == TrafficRouting("canary", 20, 10, "my-app-dev-canary-20pct-10min")
    assert params.termination_wait_minutes == 5  # the whole deployment object was replaced: default
    assert params.release_timeout_minutes == 120


def test_custom_linear_with_a_ready_wait() -> None:
    run = run_stack(
        "dev",
        {
            "deployment": {
                "strategy": "linear",
                "percentage": 33,
                "intervalMinutes": 2,
                "readyWaitMinutes": 10,
            },
            "release": {"timeoutMinutes": 120},
        },
    )
    params = extract_release_params(run)
    assert params.routing == TrafficRouting("linear", 33, 2, "my-app-dev-linear-33pct-2min")
    assert (params.ready_action_on_timeout, params.ready_wait_minutes) == ("STOP_DEPLOYMENT", 10)


def test_predefined_linear_is_mapped_back() -> None:
    run = run_stack("dev", {"deployment": {"strategy": "linear", "percentage": 10, "intervalMinutes": 1}})
    assert extract_release_params(run).routing == TrafficRouting(
        "linear", 10, 1, "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"
    )


def test_container_and_task_settings_flow_through_the_task_definition() -> None:
    run = run_stack(
        "dev",
        {
            "container": {"healthCheck": {"startPeriodSeconds": 120}},
            "task": {"cpu": 256, "memory": 512, "stopTimeoutSeconds": 90},
        },
    )
    params = extract_release_params(run)
    assert (params.start_period_seconds, params.stop_timeout_seconds) == (120, 90)


def test_no_container_health_check_means_no_start_period() -> None:
    params = extract_release_params(run_stack("dev", {"container": {"healthCheck": {"command": []}}}))
    assert (params.container_health_check, params.start_period_seconds) == (False, 0)


def test_alarms_not_wired_when_rollback_on_alarm_is_off() -> None:
    assert extract_release_params(run_stack("dev", {"alarms": {"rollbackOnAlarm": False}})).alarms == ()


def test_alarm_period_and_evaluation_periods_are_read_from_the_alarms() -> None:
    alarms = {"periodSeconds": 300, "evaluationPeriods": 3}
    # blue kept as long as these alarms need (300 s x (3 + 1) = 20 min), or the config rejects them;
    # the release timeout above that
    deployment = {"strategy": "all-at-once", "terminationWaitMinutes": 20}
    run = run_stack("dev", {"alarms": alarms, "deployment": deployment, "release": {"timeoutMinutes": 30}})
    params = extract_release_params(run)
    assert {(a.period_seconds, a.evaluation_periods) for a in params.alarms} == {(300, 3)}
    assert params.longest_alarm is not None and params.longest_alarm.evaluation_seconds == 1200


# --- errors: a stand-in run with resources removed or changed ------------------------------


@dataclass
class FakeRun:
    stack: str
    resources: list[Recorded] = field(default_factory=list)


def _without(run: ProgramRun, type_: str) -> FakeRun:
    return FakeRun(run.stack, [copy.deepcopy(r) for r in run.resources if r.type != type_])


def _edited(run: ProgramRun, type_: str, name: str, edit: Any) -> FakeRun:
    resources = [copy.deepcopy(r) for r in run.resources]
    for resource in resources:
        if resource.type == type_ and resource.name == name:
            edit(resource)
    return FakeRun(run.stack, resources)


@pytest.mark.parametrize(
    ("type_", "named"),
    [
        ("aws:codedeploy/deploymentGroup:DeploymentGroup", "CodeDeploy deployment group"),
        ("pulumi-python:dynamic/codedeploy:Release", "release resource"),
        ("aws:ecs/taskDefinition:TaskDefinition", "task definition"),
        ("aws:ecs/service:Service", "ECS service"),
        ("aws:lb/targetGroup:TargetGroup", "target group"),
    ],
)
def test_a_missing_resource_is_named(prod: ProgramRun, type_: str, named: str) -> None:
    with pytest.raises(ValueError, match=f"no {named}"):
        extract_release_params(_without(prod, type_))


def test_an_unmatched_alarm_is_named(prod: ProgramRun) -> None:
    run = _edited(
        prod,
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "my-app-prod-cpu-high",
        lambda r: r.inputs.update(name="renamed"),
    )
    with pytest.raises(ValueError, match="my-app-prod-cpu-high"):
        extract_release_params(run)


def test_a_hook_without_its_lambda_is_named(prod: ProgramRun) -> None:
    with pytest.raises(ValueError, match="AfterAllowTestTraffic"):
        extract_release_params(_without(prod, "aws:lambda/function:Function"))


def test_an_unknown_deployment_config_is_named(prod: ProgramRun) -> None:
    run = _edited(
        prod,
        "aws:codedeploy/deploymentGroup:DeploymentGroup",
        "my-app-prod-group",
        lambda r: r.inputs.update(deploymentConfigName="somebody-elses-config"),
    )
    with pytest.raises(ValueError, match="somebody-elses-config"):
        extract_release_params(run)


def test_blue_and_green_target_groups_must_agree(prod: ProgramRun) -> None:
    run = _edited(
        prod,
        "aws:lb/targetGroup:TargetGroup",
        "my-app-prod-green",
        lambda r: r.inputs["healthCheck"].update(interval=10),
    )
    with pytest.raises(ValueError, match="disagree"):
        extract_release_params(run)


def test_a_missing_termination_wait_is_named(prod: ProgramRun) -> None:
    run = _edited(
        prod,
        "aws:codedeploy/deploymentGroup:DeploymentGroup",
        "my-app-prod-group",
        lambda r: r.inputs["blueGreenDeploymentConfig"].pop("terminateBlueInstancesOnDeploymentSuccess"),
    )
    with pytest.raises(ValueError, match="terminationWaitTimeInMinutes"):
        extract_release_params(run)


# The same runs as tests/program/test_codedeploy.py and test_ecs_engine.py make (the session
# keeps each distinct run once): what the program declares, read back, is the stack's strategy.
ROUND_TRIPS = [
    *(
        pytest.param(
            {
                "deployment": {"strategy": s, "percentage": p, "intervalMinutes": i},
                "release": {"timeoutMinutes": 120},
            },
            TrafficRouting(s, p, i, name),
            id=name,
        )
        for (s, p, i), name in codedeploy_engine.PREDEFINED.items()
    ),
    pytest.param(
        {"deployment": {"strategy": "all-at-once"}, "release": {"timeoutMinutes": 120}},
        TrafficRouting("all-at-once", None, None, "CodeDeployDefault.ECSAllAtOnce"),
        id="all-at-once",
    ),
    pytest.param(
        {"deployment": {"strategy": "canary", "percentage": 20, "intervalMinutes": 10}},
        TrafficRouting("canary", 20, 10, "my-app-dev-canary-20pct-10min"),
        id="custom-canary",
    ),
    pytest.param(
        {"deployment": {"strategy": "linear", "percentage": 25, "intervalMinutes": 2}},
        TrafficRouting("linear", 25, 2, "my-app-dev-linear-25pct-2min"),
        id="custom-linear",
    ),
    *(
        pytest.param(
            {
                "deployment": {"controller": "ecs", "terminationWaitMinutes": 5, **deployment},
                "release": {"timeoutMinutes": 120},
            },
            routing,
            id=f"ecs-{routing.kind}",
        )
        for deployment, routing in (
            (
                {"strategy": "linear", "percentage": 20, "intervalMinutes": 3},
                TrafficRouting("linear", 20, 3, "ECS LINEAR 20% every 3 min"),
            ),
            (
                {"strategy": "canary", "percentage": 25, "intervalMinutes": 15},
                TrafficRouting("canary", 25, 15, "ECS CANARY 25% then 100% after 15 min"),
            ),
            (
                {"strategy": "all-at-once", "terminationWaitMinutes": 10},
                TrafficRouting("all-at-once", None, None, "ECS BLUE_GREEN 100% at once"),
            ),
        )
    ),
]


@pytest.mark.parametrize(("overrides", "routing"), ROUND_TRIPS)
def test_the_declared_routing_reads_back_as_the_stacks_strategy(
    overrides: dict, routing: TrafficRouting
) -> None:
    assert extract_release_params(run_stack("dev", overrides)).routing == routing
