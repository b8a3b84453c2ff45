"""Stack policies on a small hand-made stack: a CODE_DEPLOY service, its group, alarms, listeners."""

from __future__ import annotations

import pulumi
import pytest
from pulumi_policy.proxy import UNKNOWN_ARRAY_VALUE, UNKNOWN_STRING_VALUE

from policy import guardrails as g
from tests.policy.support import DELETE, Res, evaluate, mutated, only, policy_named, replaced, res, run_policy

PROD_ARN = "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/alb/1/prod"
TEST_ARN = "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/alb/1/test"
REDIRECT_ARN = "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/alb/1/redirect"


def mini_stack(stack: str = "prod") -> list[Res]:
    """A compliant stack: HTTPS production, HTTP->HTTPS redirect, test listener, rollback on alarms."""
    return [
        res(g.ECS_SERVICE, "svc", {"name": "svc-1", "deploymentController": {"type": "CODE_DEPLOY"}}, stack),
        res(
            g.DEPLOYMENT_GROUP,
            "group",
            {
                "ecsService": {"clusterName": "cluster-1", "serviceName": "svc-1"},
                "autoRollbackConfiguration": {
                    "enabled": True,
                    "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
                },
                "alarmConfiguration": {"enabled": True, "alarms": ["cpu-high", "target-5xx"]},
                "blueGreenDeploymentConfig": {
                    "terminateBlueInstancesOnDeploymentSuccess": {
                        "action": "TERMINATE",
                        "terminationWaitTimeInMinutes": 5,
                    }
                },
                "loadBalancerInfo": {
                    "targetGroupPairInfo": {
                        "prodTrafficRoute": {"listenerArns": [PROD_ARN]},
                        "testTrafficRoute": {"listenerArns": [TEST_ARN]},
                    }
                },
            },
            stack,
        ),
        res(g.METRIC_ALARM, "cpu-high", {"name": "cpu-high", "period": 60, "evaluationPeriods": 2}, stack),
        res(
            g.METRIC_ALARM, "target-5xx", {"name": "target-5xx", "period": 60, "evaluationPeriods": 3}, stack
        ),
        res(
            g.LISTENER,
            "prod",
            {
                "arn": PROD_ARN,
                "port": 443,
                "protocol": "HTTPS",
                "defaultActions": [{"type": "forward", "targetGroupArn": "blue"}],
            },
            stack,
        ),
        res(
            g.LISTENER,
            "test",
            {
                "arn": TEST_ARN,
                "port": 9000,
                "protocol": "HTTP",
                "defaultActions": [{"type": "forward", "targetGroupArn": "blue"}],
            },
            stack,
        ),
        res(
            g.LISTENER,
            "redirect",
            {
                "arn": REDIRECT_ARN,
                "port": 80,
                "protocol": "HTTP",
                "defaultActions": [
                    {
                        "type": "redirect",
                        "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"},
                    }
                ],
            },
            stack,
        ),
    ]


def change(stack: list[Res], type_: str, name: str, path: list, value) -> list[Res]:
    old = only(stack, type_, name)
    return replaced(stack, old, mutated(old, path, value))


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_compliant_mini_stack_passes_every_policy(stack):
    assert evaluate(mini_stack(stack), stack) == {}


# ---------------------------------------------------------------- production listener HTTPS


def test_http_production_listener_fails_in_prod():
    stack = change(mini_stack(), g.LISTENER, "prod", ["protocol"], "HTTP")
    reported = run_policy(policy_named("production-listener-https", "prod"), stack)
    assert len(reported) == 1, reported
    message, urn = reported[0]
    assert urn == only(stack, g.LISTENER, "prod").urn
    assert "listener 'prod' (CodeDeploy's production listener, port 443)" in message
    assert "production stack 'prod'" in message
    assert "protocol HTTP" in message and "must be HTTPS" in message


def test_http_production_listener_passes_outside_prod():
    stack = change(mini_stack("dev"), g.LISTENER, "prod", ["protocol"], "HTTP")
    assert run_policy(policy_named("production-listener-https", "dev"), stack) == []


@pytest.mark.parametrize("stack_name", ["prod", "production", "acme/prod"])
def test_production_stack_names(stack_name):
    stack = change(mini_stack(), g.LISTENER, "prod", ["protocol"], "HTTP")
    assert len(run_policy(policy_named("production-listener-https", stack_name), stack)) == 1


def test_test_listener_on_http_is_not_production():
    # The test listener is HTTP in the mini stack and named by the group's testTrafficRoute.
    stack = change(mini_stack(), g.LISTENER, "test", ["port"], 80)  # even on a web port
    assert run_policy(policy_named("production-listener-https", "prod"), stack) == []


def test_redirect_to_http_fails():
    stack = change(
        mini_stack(), g.LISTENER, "redirect", ["defaultActions", 0, "redirect", "protocol"], "HTTP"
    )
    ((message, _),) = run_policy(policy_named("production-listener-https", "prod"), stack)
    assert "listener 'redirect' (a listener on web port 80, port 80)" in message


def test_forwarding_port_80_listener_outside_codedeploy_fails():
    stack = change(mini_stack(), g.LISTENER, "redirect", ["defaultActions"], [{"type": "forward"}])
    ((message, _),) = run_policy(policy_named("production-listener-https", "prod"), stack)
    assert "listener 'redirect'" in message and "forward" in message


def test_unknown_arns_fall_back_to_the_port():
    """Preview of a new stack: no ARN is known, so port 80/443 means production, 9000 does not."""
    stack = mini_stack()
    for name in ("prod", "test", "redirect"):
        stack = change(stack, g.LISTENER, name, ["arn"], UNKNOWN_STRING_VALUE)
    group_routes = ["loadBalancerInfo", "targetGroupPairInfo"]
    stack = change(
        stack,
        g.DEPLOYMENT_GROUP,
        "group",
        [*group_routes, "prodTrafficRoute", "listenerArns"],
        UNKNOWN_ARRAY_VALUE,
    )
    stack = change(
        stack,
        g.DEPLOYMENT_GROUP,
        "group",
        [*group_routes, "testTrafficRoute", "listenerArns"],
        UNKNOWN_ARRAY_VALUE,
    )
    assert run_policy(policy_named("production-listener-https", "prod"), stack) == []
    insecure = change(stack, g.LISTENER, "prod", ["protocol"], "HTTP")
    insecure = change(insecure, g.LISTENER, "prod", ["port"], 80)
    ((message, _),) = run_policy(policy_named("production-listener-https", "prod"), insecure)
    assert "listener 'prod' (a listener on web port 80" in message


def test_production_listener_on_another_port_is_found_through_codedeploy():
    stack = change(mini_stack(), g.LISTENER, "prod", ["protocol"], "HTTP")
    stack = change(stack, g.LISTENER, "prod", ["port"], 8080)
    assert len(run_policy(policy_named("production-listener-https", "prod"), stack)) == 1


def test_default_stack_name_comes_from_the_pulumi_runtime(monkeypatch):
    stack = change(mini_stack(), g.LISTENER, "prod", ["protocol"], "HTTP")
    listener_policy = next(p for p in g.build_policies() if p.name == "production-listener-https")
    monkeypatch.setattr(pulumi, "get_stack", lambda: "prod")
    assert len(run_policy(listener_policy, stack)) == 1
    monkeypatch.setattr(pulumi, "get_stack", lambda: "dev")
    assert run_policy(listener_policy, stack) == []


# ---------------------------------------------------------------- CodeDeploy rollback


@pytest.mark.parametrize("stack_name", ["prod", "dev"])
@pytest.mark.parametrize(
    ("path", "value", "shown"),
    [
        (["autoRollbackConfiguration", "enabled"], False, "enabled=false"),
        (["autoRollbackConfiguration", "events"], ["DEPLOYMENT_STOP_ON_ALARM"], "DEPLOYMENT_STOP_ON_ALARM"),
        (["autoRollbackConfiguration"], DELETE, "enabled=false"),
    ],
)
def test_group_without_auto_rollback_fails(stack_name, path, value, shown):
    stack = change(mini_stack(stack_name), g.DEPLOYMENT_GROUP, "group", path, value)
    reported = run_policy(policy_named("codedeploy-auto-rollback", stack_name), stack)
    assert len(reported) == 1, reported
    message, urn = reported[0]
    assert urn == only(stack, g.DEPLOYMENT_GROUP, "group").urn
    assert "CodeDeploy deployment group 'group' (deploys ECS service 'svc')" in message
    assert shown in message and "DEPLOYMENT_FAILURE" in message


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (["alarmConfiguration"], DELETE),
        (["alarmConfiguration", "enabled"], False),
        (["alarmConfiguration", "alarms"], []),
    ],
)
def test_group_without_alarms_fails_only_in_prod(path, value):
    stack = change(mini_stack(), g.DEPLOYMENT_GROUP, "group", path, value)
    ((message, _),) = run_policy(policy_named("codedeploy-auto-rollback", "prod"), stack)
    assert "alarmConfiguration" in message and "production stack 'prod'" in message
    assert "at least one alarm" in message
    dev = change(mini_stack("dev"), g.DEPLOYMENT_GROUP, "group", path, value)
    assert run_policy(policy_named("codedeploy-auto-rollback", "dev"), dev) == []


def test_alarms_without_alarm_rollback_event_fail_in_prod():
    stack = change(
        mini_stack(),
        g.DEPLOYMENT_GROUP,
        "group",
        ["autoRollbackConfiguration", "events"],
        ["DEPLOYMENT_FAILURE"],
    )
    ((message, _),) = run_policy(policy_named("codedeploy-auto-rollback", "prod"), stack)
    assert "lacks DEPLOYMENT_STOP_ON_ALARM" in message


def test_code_deploy_service_without_a_group_fails():
    stack = mini_stack()
    stack = replaced(stack, only(stack, g.DEPLOYMENT_GROUP, "group"), None)
    ((message, urn),) = run_policy(policy_named("codedeploy-auto-rollback", "prod"), stack)
    assert urn == only(stack, g.ECS_SERVICE, "svc").urn
    assert "ECS service 'svc'" in message and "no CodeDeploy deployment group" in message


def test_group_of_another_service_does_not_count():
    stack = change(mini_stack(), g.DEPLOYMENT_GROUP, "group", ["ecsService", "serviceName"], "other")
    ((message, _),) = run_policy(policy_named("codedeploy-auto-rollback", "prod"), stack)
    assert "no CodeDeploy deployment group" in message


def test_ecs_controlled_service_is_not_judged():
    stack = change(mini_stack(), g.ECS_SERVICE, "svc", ["deploymentController", "type"], "ECS")
    stack = replaced(stack, only(stack, g.DEPLOYMENT_GROUP, "group"), None)
    assert run_policy(policy_named("codedeploy-auto-rollback", "prod"), stack) == []


def test_unknown_service_name_still_checks_the_group():
    stack = change(
        mini_stack(), g.DEPLOYMENT_GROUP, "group", ["ecsService", "serviceName"], UNKNOWN_STRING_VALUE
    )
    assert run_policy(policy_named("codedeploy-auto-rollback", "prod"), stack) == []
    broken = change(stack, g.DEPLOYMENT_GROUP, "group", ["autoRollbackConfiguration", "enabled"], False)
    assert len(run_policy(policy_named("codedeploy-auto-rollback", "prod"), broken)) == 1


# ---------------------------------------------------------------- blue termination wait


WAIT = [
    "blueGreenDeploymentConfig",
    "terminateBlueInstancesOnDeploymentSuccess",
    "terminationWaitTimeInMinutes",
]


@pytest.mark.parametrize("stack_name", ["prod", "dev"])
def test_wait_shorter_than_the_slowest_alarm_fails(stack_name):
    # target-5xx: 60 s x (3 + 1) = 240 s; 2 minutes is 120 s.
    stack = change(mini_stack(stack_name), g.DEPLOYMENT_GROUP, "group", WAIT, 2)
    ((message, urn),) = run_policy(policy_named("blue-termination-wait-covers-alarms", stack_name), stack)
    assert urn == only(stack, g.DEPLOYMENT_GROUP, "group").urn
    assert "CodeDeploy deployment group 'group'" in message
    assert "terminationWaitTimeInMinutes is 2 (120 s)" in message
    assert (
        "alarm 'target-5xx' (period 60 s x (evaluationPeriods 3 + the period a breach starts in) = 240 s)"
        in message
    )
    assert "Keep blue at least 4 minutes" in message
    assert "no" in message and "rolls it back" in message  # why it matters


def test_wait_equal_to_the_window_passes():
    stack = change(mini_stack(), g.DEPLOYMENT_GROUP, "group", WAIT, 4)  # 60 s x (3 + 1)
    assert run_policy(policy_named("blue-termination-wait-covers-alarms", "prod"), stack) == []


def test_missing_wait_is_zero():
    stack = change(mini_stack(), g.DEPLOYMENT_GROUP, "group", WAIT, DELETE)
    ((message, _),) = run_policy(policy_named("blue-termination-wait-covers-alarms", "prod"), stack)
    assert "terminationWaitTimeInMinutes is 0 (0 s)" in message


def test_longer_alarm_period_fails():
    stack = change(mini_stack(), g.METRIC_ALARM, "cpu-high", ["period"], 300)
    ((message, _),) = run_policy(policy_named("blue-termination-wait-covers-alarms", "prod"), stack)
    assert (
        "alarm 'cpu-high' (period 300 s x (evaluationPeriods 2 + the period a breach starts in) = 900 s)"
        in message
    )


def test_alarm_not_wired_into_the_group_does_not_count():
    stack = change(mini_stack(), g.METRIC_ALARM, "cpu-high", ["period"], 3600)
    stack = change(stack, g.DEPLOYMENT_GROUP, "group", ["alarmConfiguration", "alarms"], ["target-5xx"])
    assert run_policy(policy_named("blue-termination-wait-covers-alarms", "prod"), stack) == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (["blueGreenDeploymentConfig", "terminateBlueInstancesOnDeploymentSuccess", "action"], "KEEP_ALIVE"),
        (["alarmConfiguration", "enabled"], False),
        (["alarmConfiguration", "alarms"], ["an-alarm-outside-the-stack"]),
        (WAIT, UNKNOWN_STRING_VALUE),
    ],
)
def test_wait_is_not_judged_without_blue_termination_or_known_alarms(path, value):
    stack = change(mini_stack(), g.DEPLOYMENT_GROUP, "group", WAIT, 0)
    stack = change(stack, g.DEPLOYMENT_GROUP, "group", path, value)
    assert run_policy(policy_named("blue-termination-wait-covers-alarms", "prod"), stack) == []
