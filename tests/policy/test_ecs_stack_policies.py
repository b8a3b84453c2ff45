"""Stack policies on a small hand-made stack of the ECS engine: a service that deploys itself.

No CodeDeploy deployment group: the service has the ECS controller, a CANARY strategy, its
own circuit breaker and alarms, and names the production and test listener rules, which
carry the listeners' ARNs.
"""

from __future__ import annotations

import pytest
from pulumi_policy.proxy import UNKNOWN_ARRAY_VALUE, UNKNOWN_BOOLEAN_VALUE, UNKNOWN_STRING_VALUE

from policy import guardrails as g
from tests.policy.support import DELETE, Res, evaluate, mutated, only, policy_named, replaced, res, run_policy

PROD_ARN = "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/alb/1/prod"
TEST_ARN = "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/alb/1/test"
REDIRECT_ARN = "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/alb/1/redirect"
PROD_RULE_ARN = "arn:aws:elasticloadbalancing:us-east-1:1:listener-rule/app/alb/1/prod/1"
TEST_RULE_ARN = "arn:aws:elasticloadbalancing:us-east-1:1:listener-rule/app/alb/1/test/1"

ROLLBACK = "ecs-deployment-auto-rollback"
WINDOW = "blue-termination-wait-covers-alarms"
HTTPS = "production-listener-https"
BAKE = ["deploymentConfiguration", "bakeTimeInMinutes"]
PROD_RULE = ["loadBalancers", 0, "advancedConfiguration", "productionListenerRule"]


def forward() -> list[dict]:
    return [
        {
            "type": "forward",
            "forward": {"targetGroups": [{"arn": "blue", "weight": 100}, {"arn": "green", "weight": 0}]},
        }
    ]


def ecs_stack(stack: str = "prod") -> list[Res]:
    """A compliant ECS-engine stack: HTTPS production, HTTP->HTTPS redirect, rollback on alarms."""
    return [
        res(
            g.ECS_SERVICE,
            "svc",
            {
                "name": "svc-1",
                "deploymentController": {"type": "ECS"},
                "deploymentConfiguration": {
                    "strategy": "CANARY",
                    "bakeTimeInMinutes": "5",
                    "canaryConfiguration": {"canaryPercent": 10, "canaryBakeTimeInMinutes": "5"},
                },
                "deploymentCircuitBreaker": {"enable": True, "rollback": True},
                "alarms": {"alarmNames": ["cpu-high", "target-5xx"], "enable": True, "rollback": True},
                "loadBalancers": [
                    {
                        "targetGroupArn": "blue",
                        "containerName": "app",
                        "containerPort": 8080,
                        "advancedConfiguration": {
                            "alternateTargetGroupArn": "green",
                            "productionListenerRule": PROD_RULE_ARN,
                            "testListenerRule": TEST_RULE_ARN,
                            "roleArn": "arn:aws:iam::1:role/ecs-infrastructure",
                        },
                    }
                ],
            },
            stack,
        ),
        res(g.METRIC_ALARM, "cpu-high", {"name": "cpu-high", "period": 60, "evaluationPeriods": 2}, stack),
        res(
            g.METRIC_ALARM, "target-5xx", {"name": "target-5xx", "period": 60, "evaluationPeriods": 3}, stack
        ),
        res(
            g.LISTENER_RULE,
            "prod-rule",
            {"arn": PROD_RULE_ARN, "listenerArn": PROD_ARN, "priority": 1, "actions": forward()},
            stack,
        ),
        res(
            g.LISTENER_RULE,
            "test-rule",
            {"arn": TEST_RULE_ARN, "listenerArn": TEST_ARN, "priority": 1, "actions": forward()},
            stack,
        ),
        res(
            g.LISTENER,
            "prod",
            {
                "arn": PROD_ARN,
                "port": 443,
                "protocol": "HTTPS",
                "defaultActions": [{"type": "fixed-response", "fixedResponse": {"statusCode": "404"}}],
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
                "defaultActions": [{"type": "fixed-response", "fixedResponse": {"statusCode": "404"}}],
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


def service_change(stack: list[Res], path: list, value) -> list[Res]:
    return change(stack, g.ECS_SERVICE, "svc", path, value)


def reported(policy: str, stack_name: str, stack: list[Res]) -> list[tuple[str, str | None]]:
    return run_policy(policy_named(policy, stack_name), stack)


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_compliant_ecs_stack_passes_every_policy(stack):
    assert evaluate(ecs_stack(stack), stack) == {}


# ---------------------------------------------------------------- ECS rollback


@pytest.mark.parametrize("stack_name", ["prod", "dev"])
@pytest.mark.parametrize(
    ("path", "value", "shown"),
    [
        (["deploymentCircuitBreaker", "enable"], False, "enable=false with rollback=true"),
        (["deploymentCircuitBreaker", "rollback"], False, "enable=true with rollback=false"),
        (["deploymentCircuitBreaker"], DELETE, "enable=false with rollback=false"),
    ],
)
def test_service_without_circuit_breaker_rollback_fails(stack_name, path, value, shown):
    stack = service_change(ecs_stack(stack_name), path, value)
    ((message, urn),) = reported(ROLLBACK, stack_name, stack)
    assert urn == only(stack, g.ECS_SERVICE, "svc").urn
    assert "ECS service 'svc' (deploymentController ECS, strategy CANARY)" in message
    assert f"deploymentCircuitBreaker is {shown}" in message
    assert "must be enabled with rollback" in message and "returns traffic to blue" in message


@pytest.mark.parametrize("strategy", ["BLUE_GREEN", "LINEAR", "CANARY"])
def test_every_blue_green_strategy_is_judged(strategy):
    stack = service_change(ecs_stack(), ["deploymentConfiguration", "strategy"], strategy)
    assert reported(ROLLBACK, "prod", stack) == []
    broken = service_change(stack, ["deploymentCircuitBreaker", "enable"], False)
    ((message, _),) = reported(ROLLBACK, "prod", broken)
    assert f"strategy {strategy})" in message


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (["deploymentConfiguration", "strategy"], "ROLLING"),
        (["deploymentConfiguration", "strategy"], DELETE),  # ROLLING by default
        (["deploymentConfiguration", "strategy"], UNKNOWN_STRING_VALUE),  # judged in `pulumi up`
        (["deploymentController", "type"], UNKNOWN_STRING_VALUE),
        (["deploymentCircuitBreaker", "enable"], UNKNOWN_BOOLEAN_VALUE),
        (["deploymentCircuitBreaker"], UNKNOWN_STRING_VALUE),
    ],
)
def test_no_blue_green_or_unknown_is_not_judged(path, value):
    stack = service_change(ecs_stack(), ["alarms"], DELETE)
    stack = service_change(stack, ["deploymentCircuitBreaker", "rollback"], False)
    assert len(reported(ROLLBACK, "prod", stack)) == 2  # as a control: both rules bite
    changed = service_change(stack, path, value)
    if path[0] == "deploymentCircuitBreaker":  # the alarms are still judged
        ((message, _),) = reported(ROLLBACK, "prod", changed)
        assert "alarms is" in message
    else:
        assert reported(ROLLBACK, "prod", changed) == []


def test_default_controller_is_ecs():
    stack = service_change(ecs_stack(), ["deploymentController"], DELETE)
    stack = service_change(stack, ["deploymentCircuitBreaker", "enable"], False)
    assert len(reported(ROLLBACK, "prod", stack)) == 1


def test_code_deploy_service_is_left_to_the_codedeploy_policy():
    stack = service_change(ecs_stack(), ["deploymentController", "type"], "CODE_DEPLOY")
    stack = service_change(stack, ["deploymentCircuitBreaker"], DELETE)
    assert reported(ROLLBACK, "prod", stack) == []
    assert set(evaluate(stack, "prod")) == {"codedeploy-auto-rollback"}  # no group deploys it


@pytest.mark.parametrize(
    ("path", "value", "shown"),
    [
        (["alarms"], DELETE, "alarms is enable=false with 0 alarm(s)"),
        (["alarms", "enable"], False, "alarms is enable=false with 2 alarm(s)"),
        (["alarms", "alarmNames"], [], "alarms is enable=true with 0 alarm(s)"),
    ],
)
def test_service_without_alarms_fails_only_in_prod(path, value, shown):
    stack = service_change(ecs_stack(), path, value)
    ((message, urn),) = reported(ROLLBACK, "prod", stack)
    assert urn == only(stack, g.ECS_SERVICE, "svc").urn
    assert "ECS service 'svc' (deploymentController ECS, strategy CANARY)" in message
    assert shown in message and "production stack 'prod'" in message
    assert "must be enabled with at least one alarm" in message
    assert reported(ROLLBACK, "dev", service_change(ecs_stack("dev"), path, value)) == []


@pytest.mark.parametrize("value", [False, DELETE])
def test_alarms_without_rollback_fail_only_in_prod(value):
    stack = service_change(ecs_stack(), ["alarms", "rollback"], value)
    ((message, _),) = reported(ROLLBACK, "prod", stack)
    assert "ECS service 'svc'" in message
    assert "alarms.rollback is false in production stack 'prod'" in message
    assert "must be true" in message and "does not roll it back" in message
    assert reported(ROLLBACK, "dev", service_change(ecs_stack("dev"), ["alarms", "rollback"], value)) == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (["alarms"], UNKNOWN_STRING_VALUE),
        (["alarms", "enable"], UNKNOWN_BOOLEAN_VALUE),
        (["alarms", "alarmNames"], UNKNOWN_ARRAY_VALUE),
        (["alarms", "alarmNames", 0], UNKNOWN_STRING_VALUE),
    ],
)
def test_unknown_alarms_are_judged_later(path, value):
    stack = service_change(ecs_stack(), ["alarms", "rollback"], False)
    assert len(reported(ROLLBACK, "prod", stack)) == 1
    assert reported(ROLLBACK, "prod", service_change(stack, path, value)) == []


def test_both_rules_can_fail_at_once():
    stack = service_change(ecs_stack(), ["deploymentCircuitBreaker", "rollback"], False)
    stack = service_change(stack, ["alarms", "enable"], False)
    messages = [m for m, _ in reported(ROLLBACK, "prod", stack)]
    assert len(messages) == 2
    assert "deploymentCircuitBreaker" in messages[0] and "alarms is" in messages[1]


# ---------------------------------------------------------------- bake time covers the alarms


@pytest.mark.parametrize("stack_name", ["prod", "dev"])
def test_bake_time_shorter_than_the_slowest_alarm_fails(stack_name):
    # target-5xx: 60 s x (3 + 1) = 240 s; 2 minutes is 120 s.
    stack = service_change(ecs_stack(stack_name), BAKE, "2")
    ((message, urn),) = reported(WINDOW, stack_name, stack)
    assert urn == only(stack, g.ECS_SERVICE, "svc").urn
    assert "ECS service 'svc' (deploymentController ECS, strategy CANARY)" in message
    assert 'deploymentConfiguration.bakeTimeInMinutes is "2" (120 s)' in message
    assert (
        "alarm 'target-5xx' (period 60 s x (evaluationPeriods 3 + the period a breach starts in) = 240 s)"
        in message
    )
    assert "Keep blue at least 4 minutes" in message and "deployment.terminationWaitMinutes" in message
    assert "nothing rolls it back" in message  # why it matters


@pytest.mark.parametrize("bake", ["4", "10", 4, "4.5"])
def test_bake_time_covering_the_window_passes(bake):
    assert reported(WINDOW, "prod", service_change(ecs_stack(), BAKE, bake)) == []


def test_numeric_bake_time_is_read_too():
    ((message, _),) = reported(WINDOW, "prod", service_change(ecs_stack(), BAKE, 1))
    assert "bakeTimeInMinutes is 1 (60 s)" in message


def test_missing_bake_time_is_zero():
    ((message, _),) = reported(WINDOW, "prod", service_change(ecs_stack(), BAKE, DELETE))
    assert "bakeTimeInMinutes is not set (0 s)" in message


@pytest.mark.parametrize("strategy", ["BLUE_GREEN", "LINEAR"])
def test_bake_time_of_other_blue_green_strategies(strategy):
    stack = service_change(ecs_stack(), ["deploymentConfiguration", "strategy"], strategy)
    ((message, _),) = reported(WINDOW, "prod", service_change(stack, BAKE, "0"))
    assert f"strategy {strategy})" in message and 'is "0" (0 s)' in message


def test_longer_alarm_fails_the_bake_time():
    stack = change(ecs_stack(), g.METRIC_ALARM, "cpu-high", ["period"], 300)
    ((message, _),) = reported(WINDOW, "prod", stack)
    assert (
        "alarm 'cpu-high' (period 300 s x (evaluationPeriods 2 + the period a breach starts in) = 900 s)"
        in message
    )
    assert "Keep blue at least 15 minutes" in message


def test_alarm_the_service_does_not_name_does_not_count():
    stack = change(ecs_stack(), g.METRIC_ALARM, "cpu-high", ["period"], 3600)
    stack = service_change(stack, ["alarms", "alarmNames"], ["target-5xx"])
    assert reported(WINDOW, "prod", stack) == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (["alarms", "enable"], False),
        (["alarms"], DELETE),
        (["alarms", "alarmNames"], ["an-alarm-outside-the-stack"]),
        (["deploymentConfiguration", "strategy"], "ROLLING"),
        (["deploymentController", "type"], "CODE_DEPLOY"),
        (BAKE, UNKNOWN_STRING_VALUE),
        (BAKE, "soon"),  # not a number: ECS rejects it, nothing to compare
    ],
)
def test_bake_time_is_not_judged_without_blue_green_alarms_or_a_known_number(path, value):
    stack = service_change(ecs_stack(), BAKE, "0")
    assert len(reported(WINDOW, "prod", stack)) == 1
    assert reported(WINDOW, "prod", service_change(stack, path, value)) == []


# ---------------------------------------------------------------- production listener HTTPS


def test_http_production_listener_found_through_the_rule_fails_in_prod():
    stack = change(ecs_stack(), g.LISTENER, "prod", ["protocol"], "HTTP")
    stack = change(stack, g.LISTENER, "prod", ["port"], 8443)  # not a web port: found through ECS
    ((message, urn),) = reported(HTTPS, "prod", stack)
    assert urn == only(stack, g.LISTENER, "prod").urn
    assert (
        "listener 'prod' (production listener of ECS service 'svc' via listener rule 'prod-rule', "
        "port 8443)" in message
    )
    assert "production stack 'prod'" in message
    assert "protocol HTTP" in message and "must be HTTPS" in message
    assert reported(HTTPS, "dev", stack) == []


def test_ecs_test_listener_on_http_is_not_production():
    stack = change(ecs_stack(), g.LISTENER, "test", ["port"], 80)  # even on a web port
    assert reported(HTTPS, "prod", stack) == []


def test_production_rule_on_the_redirect_listener_makes_it_production():
    """Its default action redirects, but the rule forwards production traffic over HTTP."""
    stack = change(ecs_stack(), g.LISTENER_RULE, "prod-rule", ["listenerArn"], REDIRECT_ARN)
    ((message, urn),) = reported(HTTPS, "prod", stack)
    assert urn == only(stack, g.LISTENER, "redirect").urn
    assert "listener 'redirect' (production listener of ECS service 'svc'" in message
    assert "listener rule 'prod-rule' on it has action(s) forward" in message


def test_a_forwarding_rule_on_a_web_port_redirect_listener_fails():
    """No engine names it, but port 80 serves users, and the rule forwards them over HTTP."""
    stack = [*ecs_stack(), res(g.LISTENER_RULE, "extra", {"listenerArn": REDIRECT_ARN, "actions": forward()})]
    ((message, _),) = reported(HTTPS, "prod", stack)
    assert "listener 'redirect' (a listener on web port 80" in message
    assert "listener rule 'extra' on it has action(s) forward" in message


def test_a_redirecting_rule_keeps_the_redirect_listener_secure():
    redirect = [{"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443"}}]
    stack = [*ecs_stack(), res(g.LISTENER_RULE, "extra", {"listenerArn": REDIRECT_ARN, "actions": redirect})]
    assert reported(HTTPS, "prod", stack) == []


def test_unknown_rule_actions_are_judged_later():
    stack = change(ecs_stack(), g.LISTENER_RULE, "prod-rule", ["listenerArn"], REDIRECT_ARN)
    stack = change(stack, g.LISTENER_RULE, "prod-rule", ["actions"], UNKNOWN_ARRAY_VALUE)
    assert reported(HTTPS, "prod", stack) == []


def test_production_and_test_rules_on_one_listener_count_as_production():
    stack = change(ecs_stack(), g.LISTENER_RULE, "test-rule", ["listenerArn"], PROD_ARN)
    stack = change(stack, g.LISTENER, "prod", ["protocol"], "HTTP")
    stack = change(stack, g.LISTENER, "prod", ["port"], 8443)
    ((message, _),) = reported(HTTPS, "prod", stack)
    assert "listener 'prod' (production listener of ECS service 'svc'" in message


@pytest.mark.parametrize(
    ("type_", "name", "path", "unknown"),
    [
        (g.ECS_SERVICE, "svc", PROD_RULE, UNKNOWN_STRING_VALUE),
        (g.ECS_SERVICE, "svc", ["loadBalancers"], UNKNOWN_ARRAY_VALUE),
        (g.LISTENER_RULE, "prod-rule", ["arn"], UNKNOWN_STRING_VALUE),
        (g.LISTENER_RULE, "prod-rule", ["listenerArn"], UNKNOWN_STRING_VALUE),
    ],
)
def test_unknown_arns_fall_back_to_the_port(type_, name, path, unknown):
    """Preview of a new stack: the production listener is not known, so port 80/443 decides."""
    insecure = change(ecs_stack(), g.LISTENER, "prod", ["protocol"], "HTTP")
    insecure = change(insecure, g.LISTENER, "prod", ["port"], 8443)
    assert len(reported(HTTPS, "prod", insecure)) == 1  # known: found through the rule
    stack = change(insecure, type_, name, path, unknown)
    assert reported(HTTPS, "prod", stack) == []  # unknown: not on a web port, judged in `pulumi up`
    on_web_port = change(stack, g.LISTENER, "prod", ["port"], 80)
    ((message, _),) = reported(HTTPS, "prod", on_web_port)
    assert "listener 'prod' (a listener on web port 80" in message


def test_rule_the_service_does_not_name_makes_no_listener_production():
    stack = service_change(ecs_stack(), PROD_RULE, "arn:aws:elasticloadbalancing:us-east-1:1:listener-rule/x")
    stack = change(stack, g.LISTENER, "prod", ["protocol"], "HTTP")
    stack = change(stack, g.LISTENER, "prod", ["port"], 8443)
    assert reported(HTTPS, "prod", stack) == []
