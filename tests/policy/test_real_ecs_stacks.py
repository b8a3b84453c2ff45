"""The pack on the real program deployed by the ECS engine (``deployment.controller: ecs``).

Both stacks under Pulumi mocks, each with its stack file's settings and the controller
switched to ``ecs`` (conftest.ecs_engine): it passes once the known gaps are fixed, and each
ECS branch of the stack policies bites on a mutated copy of a real resource.
"""

from __future__ import annotations

import pytest

from policy import guardrails as g
from tests.policy.support import Res, evaluate, mutated, only, replaced
from tests.policy.test_real_stacks import KNOWN_GAPS, STACKS, assert_only


def violations_after(resources: list[Res], stack: str, old: Res, new: Res | None) -> dict[str, list]:
    return evaluate(replaced(resources, old, new), stack)


@pytest.mark.parametrize("stack", STACKS)
def test_real_ecs_stack_passes_every_policy(ecs_compliant, stack):
    assert evaluate(ecs_compliant[stack], stack) == {}


@pytest.mark.parametrize("stack", STACKS)
def test_checked_in_ecs_stack_breaks_only_its_known_gaps(ecs_checked_in, stack):
    """The engine does not change the stack files' gaps: prod still has no certificate."""
    violated = set(evaluate(ecs_checked_in[stack], stack))
    assert violated == KNOWN_GAPS[stack], (
        f"Pulumi.{stack}.yaml under the ECS engine violates {sorted(violated)}; known gaps were "
        f"{sorted(KNOWN_GAPS[stack])} (test_real_stacks.KNOWN_GAPS)."
    )


def test_the_ecs_branches_are_exercised(ecs_compliant):
    """The real ECS stacks have what the ECS branches read, and no CodeDeploy group to fall back on."""
    for stack in STACKS:
        resources = ecs_compliant[stack]
        assert not [r for r in resources if r.type == g.DEPLOYMENT_GROUP]
        service = only(resources, g.ECS_SERVICE)
        assert service.outputs["deploymentController"] == {"type": "ECS"}
        assert service.outputs["deploymentConfiguration"]["strategy"] in g.ECS_BLUE_GREEN_STRATEGIES
        assert isinstance(service.outputs["deploymentConfiguration"]["bakeTimeInMinutes"], str)
        advanced = service.outputs["loadBalancers"][0]["advancedConfiguration"]
        production_rule = only(resources, g.LISTENER_RULE, "-prod-rule")
        test_rule = only(resources, g.LISTENER_RULE, "-test-rule")
        assert advanced["productionListenerRule"] == production_rule.outputs["arn"]
        assert advanced["testListenerRule"] == test_rule.outputs["arn"]
        assert production_rule.outputs["listenerArn"] == only(resources, g.LISTENER, "-prod").outputs["arn"]
        alarm_names = {r.outputs["name"] for r in resources if r.type == g.METRIC_ALARM}
        assert set(service.outputs["alarms"]["alarmNames"]) <= alarm_names


# ---------------------------------------------------------------- rollback


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize(
    ("path", "value", "shown"),
    [
        (["deploymentCircuitBreaker", "enable"], False, "enable=false with rollback=true"),
        (["deploymentCircuitBreaker", "rollback"], False, "enable=true with rollback=false"),
    ],
)
def test_service_without_circuit_breaker_rollback(ecs_compliant, stack, path, value, shown):
    service = only(ecs_compliant[stack], g.ECS_SERVICE)
    bad = mutated(service, path, value)
    result = violations_after(ecs_compliant[stack], stack, service, bad)
    assert_only(result, "ecs-deployment-auto-rollback", service.urn, f"ECS service '{service.name}'", shown)


@pytest.mark.parametrize(
    ("path", "value", "fragment"),
    [
        (["alarms"], None, "alarms is enable=false with 0 alarm(s)"),
        (["alarms", "enable"], False, "alarms is enable=false with 6 alarm(s)"),
        (["alarms", "alarmNames"], [], "alarms is enable=true with 0 alarm(s)"),
        (["alarms", "rollback"], False, "alarms.rollback is false"),
    ],
)
def test_prod_service_without_alarm_rollback(ecs_compliant, path, value, fragment):
    service = only(ecs_compliant["prod"], g.ECS_SERVICE)
    bad = mutated(service, path, value)
    result = violations_after(ecs_compliant["prod"], "prod", service, bad)
    assert_only(result, "ecs-deployment-auto-rollback", service.urn, f"'{service.name}'", fragment)
    assert "production stack 'prod'" in result["ecs-deployment-auto-rollback"][0][0]


@pytest.mark.parametrize(
    ("path", "value"),
    [(["alarms"], None), (["alarms", "enable"], False), (["alarms", "rollback"], False)],
)
def test_dev_service_without_alarm_rollback_is_allowed(ecs_compliant, path, value):
    service = only(ecs_compliant["dev"], g.ECS_SERVICE)
    assert violations_after(ecs_compliant["dev"], "dev", service, mutated(service, path, value)) == {}


# ---------------------------------------------------------------- bake time covers the alarms


@pytest.mark.parametrize("stack", STACKS)
def test_bake_time_shorter_than_the_alarms(ecs_compliant, stack):
    service = only(ecs_compliant[stack], g.ECS_SERVICE)
    bad = mutated(service, ["deploymentConfiguration", "bakeTimeInMinutes"], "1")
    result = violations_after(ecs_compliant[stack], stack, service, bad)
    assert_only(
        result,
        "blue-termination-wait-covers-alarms",
        service.urn,
        f"ECS service '{service.name}'",
        'bakeTimeInMinutes is "1" (60 s)',
        "= 180 s)",  # 60 s x (2 + 1)
    )


def test_prod_alarm_slower_than_the_bake_time(ecs_compliant):
    alarm = only(ecs_compliant["prod"], g.METRIC_ALARM, "-target-5xx")
    service = only(ecs_compliant["prod"], g.ECS_SERVICE)
    bad = mutated(alarm, ["evaluationPeriods"], 10)  # 60 s x (10 + 1) > 5 minutes
    result = violations_after(ecs_compliant["prod"], "prod", alarm, bad)
    assert_only(
        result,
        "blue-termination-wait-covers-alarms",
        service.urn,
        f"'{alarm.outputs['name']}'",
        "660 s",
        "Keep blue at least 11 minutes",
    )


# ---------------------------------------------------------------- production listener HTTPS


@pytest.mark.parametrize("port", [443, 8443])
def test_prod_production_listener_on_http(ecs_compliant, port):
    """Found through the service's production listener rule, on a web port or not."""
    listener = only(ecs_compliant["prod"], g.LISTENER, "-prod")
    assert listener.outputs["protocol"] == "HTTPS" and listener.outputs["port"] == 443
    bad = mutated(mutated(listener, ["protocol"], "HTTP"), ["port"], port)
    result = violations_after(ecs_compliant["prod"], "prod", listener, bad)
    rule = only(ecs_compliant["prod"], g.LISTENER_RULE, "-prod-rule")
    service = only(ecs_compliant["prod"], g.ECS_SERVICE)
    assert_only(
        result,
        "production-listener-https",
        listener.urn,
        f"listener '{listener.name}' (production listener of ECS service '{service.name}' "
        f"via listener rule '{rule.name}', port {port})",
        "protocol HTTP",
    )


def test_prod_production_rule_on_the_redirect_listener(ecs_compliant):
    rule = only(ecs_compliant["prod"], g.LISTENER_RULE, "-prod-rule")
    redirect = only(ecs_compliant["prod"], g.LISTENER, "-redirect")
    bad = mutated(rule, ["listenerArn"], redirect.outputs["arn"])
    result = violations_after(ecs_compliant["prod"], "prod", rule, bad)
    assert_only(
        result,
        "production-listener-https",
        redirect.urn,
        f"listener '{redirect.name}' (production listener of ECS service",
        f"listener rule '{rule.name}' on it has action(s) forward",
    )


def test_prod_test_listener_on_http_is_not_blamed(ecs_compliant):
    """Named by the service's test listener rule, so not production even on a web port."""
    listener = only(ecs_compliant["prod"], g.LISTENER, "-test")
    bad = mutated(mutated(listener, ["protocol"], "HTTP"), ["port"], 80)
    assert violations_after(ecs_compliant["prod"], "prod", listener, bad) == {}


def test_ecs_prod_without_certificate_fails_on_the_production_listener_only(ecs_checked_in):
    """The checked-in prod under the ECS engine: production is HTTP 80, the test listener is not blamed."""
    result = evaluate(ecs_checked_in["prod"], "prod")
    production = only(ecs_checked_in["prod"], g.LISTENER, "-prod")
    ((message, urn),) = result["production-listener-https"]
    assert urn == production.urn
    assert "production listener of ECS service" in message and "port 80" in message


def test_ecs_http_listeners_are_fine_in_dev(ecs_checked_in):
    assert "production-listener-https" not in evaluate(ecs_checked_in["dev"], "dev")
