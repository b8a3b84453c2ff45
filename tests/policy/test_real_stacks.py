"""The pack on the real program (both stacks, under Pulumi mocks): it passes, and each policy bites.

``compliant`` is each stack with the known gaps of its checked-in stack file fixed by config
overrides (conftest.gap_fixes); ``checked_in`` is each stack exactly as its file configures it.
"""

from __future__ import annotations

import json

import pytest

from policy import guardrails as g
from tests.policy.support import Res, evaluate, mutated, mutated_json, only, replaced

STACKS = ["dev", "prod"]

# What the checked-in stack files break today, fixed by overrides in conftest.gap_fixes:
# prod has no loadBalancer.certificateArn, so production is plain HTTP on port 80.
# When a stack file is fixed, remove its entry here (the test below says so).
KNOWN_GAPS: dict[str, set[str]] = {
    "dev": set(),
    "prod": {"production-listener-https"},
}


@pytest.mark.parametrize("stack", STACKS)
def test_real_stack_passes_every_policy(compliant, stack):
    assert evaluate(compliant[stack], stack) == {}


@pytest.mark.parametrize("stack", STACKS)
def test_checked_in_stack_breaks_only_its_known_gaps(checked_in, stack):
    violated = set(evaluate(checked_in[stack], stack))
    assert violated == KNOWN_GAPS[stack], (
        f"Pulumi.{stack}.yaml now violates {sorted(violated)}; known gaps were {sorted(KNOWN_GAPS[stack])}. "
        "If a gap was fixed in the stack file, remove it from KNOWN_GAPS (and from docs/delivery.md)."
    )


def test_the_real_resources_are_all_checked(compliant):
    """Every type a policy targets is in both real stacks, so the passes above mean something."""
    for stack in STACKS:
        types = {r.type for r in compliant[stack]}
        for type_ in (
            g.ECR_REPOSITORY,
            g.ECR_LIFECYCLE_POLICY,
            g.TARGET_GROUP,
            g.LISTENER,
            g.ECS_SERVICE,
            g.TASK_DEFINITION,
            g.DEPLOYMENT_GROUP,
            g.METRIC_ALARM,
        ):
            assert type_ in types, f"{stack} has no {type_}"


def violations_after(resources: list[Res], stack: str, old: Res, new: Res | None) -> dict[str, list]:
    return evaluate(replaced(resources, old, new), stack)


def assert_only(result: dict[str, list], policy: str, urn: str, *fragments: str) -> None:
    assert set(result) == {policy}, result
    messages = [m for m, _ in result[policy]]
    assert any(all(f in m for f in fragments) for m in messages), messages
    # Resource policies report without a URN (the engine adds the resource's); stack ones name it.
    assert {u for _, u in result[policy]} <= {None, urn}


@pytest.mark.parametrize("stack", STACKS)
def test_repository_without_scan_on_push(compliant, stack):
    repo = only(compliant[stack], g.ECR_REPOSITORY)
    bad = mutated(repo, ["imageScanningConfiguration", "scanOnPush"], False)
    result = violations_after(compliant[stack], stack, repo, bad)
    assert_only(result, "ecr-scan-on-push", repo.urn, f"'{repo.name}'", "scanOnPush is false")


@pytest.mark.parametrize("stack", STACKS)
def test_lifecycle_with_any_rule_first(compliant, stack):
    policy = only(compliant[stack], g.ECR_LIFECYCLE_POLICY)

    def any_first(document: dict) -> None:
        for rule in document["rules"]:
            rule["rulePriority"] = 1 if rule["selection"]["tagStatus"] == "any" else rule["rulePriority"] + 1

    bad = mutated_json(policy, "policy", any_first)
    result = violations_after(compliant[stack], stack, policy, bad)
    assert_only(result, "ecr-lifecycle-any-rule-last", policy.urn, f"'{policy.name}'", "rulePriority 1")


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("interval", 301, "healthCheck.interval is 301"),
        ("timeout", 1, "healthCheck.timeout is 1"),
        ("timeout", 30, "must be less than the interval"),
        ("healthyThreshold", 11, "healthCheck.healthyThreshold is 11"),
        ("unhealthyThreshold", 1, "healthCheck.unhealthyThreshold is 1"),
    ],
)
def test_target_group_health_check_outside_limits(compliant, stack, field, value, fragment):
    group = only(compliant[stack], g.TARGET_GROUP, "-green")
    bad = mutated(group, ["healthCheck", field], value)
    if field == "timeout" and value == 30:
        bad = mutated(bad, ["healthCheck", "interval"], 30)
    result = violations_after(compliant[stack], stack, group, bad)
    assert_only(result, "target-group-health-check-limits", group.urn, f"'{group.name}'", fragment)


def test_production_service_with_public_ip(compliant):
    service = only(compliant["prod"], g.ECS_SERVICE)
    bad = mutated(service, ["networkConfiguration", "assignPublicIp"], True)
    result = violations_after(compliant["prod"], "prod", service, bad)
    assert_only(
        result, "ecs-service-no-public-ip", service.urn, f"'{service.name}'", "assignPublicIp is true"
    )


def test_dev_runs_its_tasks_with_public_ips_behind_the_load_balancer(checked_in):
    """Dev's checked-in network (taskSubnets: public) passes: public IPs, ingress from the ALB only."""
    service = only(checked_in["dev"], g.ECS_SERVICE)
    assert service.inputs["networkConfiguration"]["assignPublicIp"] is True
    assert evaluate(checked_in["dev"], "dev") == {}


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize(("variable", "caught"), [("DB_PASSWORD", True), ("KEYBOARD_LAYOUT", False)])
def test_plaintext_secret_in_the_container(compliant, stack, variable, caught):
    task = only(compliant[stack], g.TASK_DEFINITION)

    def add_variable(containers: list) -> None:
        containers[0]["environment"].append({"name": variable, "value": "s3cr3t-value"})

    bad = mutated_json(task, "containerDefinitions", add_variable)
    result = violations_after(compliant[stack], stack, task, bad)
    if not caught:
        assert result == {}
        return
    assert_only(result, "task-definition-no-plaintext-secrets", task.urn, f"'{task.name}'", f"'{variable}'")
    assert "s3cr3t-value" not in json.dumps(result)


def test_prod_production_listener_on_http(compliant):
    listener = only(compliant["prod"], g.LISTENER, "-prod")
    assert listener.outputs["protocol"] == "HTTPS" and listener.outputs["port"] == 443
    bad = mutated(listener, ["protocol"], "HTTP")
    result = violations_after(compliant["prod"], "prod", listener, bad)
    assert_only(
        result, "production-listener-https", listener.urn, f"'{listener.name}'", "production listener"
    )


def test_prod_redirect_listener_that_forwards(compliant):
    redirect = only(compliant["prod"], g.LISTENER, "-redirect")
    bad = mutated(redirect, ["defaultActions"], [{"type": "forward", "targetGroupArn": "blue"}])
    result = violations_after(compliant["prod"], "prod", redirect, bad)
    assert_only(result, "production-listener-https", redirect.urn, f"'{redirect.name}'", "web port 80")


def test_prod_without_certificate_fails_on_the_production_listener_only(checked_in):
    """The checked-in prod: production is HTTP 80, the test listener (HTTP 9000) is not blamed."""
    result = evaluate(checked_in["prod"], "prod")
    production = only(checked_in["prod"], g.LISTENER, "-prod")
    assert [urn for _, urn in result["production-listener-https"]] == [production.urn]


def test_http_listeners_are_fine_in_dev(checked_in):
    assert "production-listener-https" not in evaluate(checked_in["dev"], "dev")


@pytest.mark.parametrize("stack", STACKS)
def test_group_without_auto_rollback(compliant, stack):
    group = only(compliant[stack], g.DEPLOYMENT_GROUP)
    bad = mutated(group, ["autoRollbackConfiguration", "enabled"], False)
    result = violations_after(compliant[stack], stack, group, bad)
    assert_only(result, "codedeploy-auto-rollback", group.urn, f"'{group.name}'", "enabled=false")


def test_prod_group_without_alarms(compliant):
    group = only(compliant["prod"], g.DEPLOYMENT_GROUP)
    bad = mutated(group, ["alarmConfiguration"], None)
    result = violations_after(compliant["prod"], "prod", group, bad)
    assert_only(result, "codedeploy-auto-rollback", group.urn, f"'{group.name}'", "at least one alarm")


def test_dev_group_without_alarms_is_allowed(compliant):
    group = only(compliant["dev"], g.DEPLOYMENT_GROUP)
    assert (
        violations_after(compliant["dev"], "dev", group, mutated(group, ["alarmConfiguration"], None)) == {}
    )


@pytest.mark.parametrize("stack", STACKS)
def test_code_deploy_service_without_its_group(compliant, stack):
    group = only(compliant[stack], g.DEPLOYMENT_GROUP)
    service = only(compliant[stack], g.ECS_SERVICE)
    result = violations_after(compliant[stack], stack, group, None)
    assert_only(result, "codedeploy-auto-rollback", service.urn, f"'{service.name}'", "no CodeDeploy")


@pytest.mark.parametrize("stack", STACKS)
def test_blue_terminated_before_the_alarms_can_fire(compliant, stack):
    group = only(compliant[stack], g.DEPLOYMENT_GROUP)
    path = [
        "blueGreenDeploymentConfig",
        "terminateBlueInstancesOnDeploymentSuccess",
        "terminationWaitTimeInMinutes",
    ]
    bad = mutated(group, path, 1)
    result = violations_after(compliant[stack], stack, group, bad)
    assert_only(result, "blue-termination-wait-covers-alarms", group.urn, f"'{group.name}'", "is 1 (60 s)")


def test_prod_alarm_slower_than_the_wait(compliant):
    alarm = only(compliant["prod"], g.METRIC_ALARM, "-target-5xx")
    group = only(compliant["prod"], g.DEPLOYMENT_GROUP)
    bad = mutated(alarm, ["evaluationPeriods"], 10)  # 60 s x (10 + 1) > 5 minutes
    result = violations_after(compliant["prod"], "prod", alarm, bad)
    assert_only(
        result, "blue-termination-wait-covers-alarms", group.urn, f"'{alarm.outputs['name']}'", "660 s"
    )


@pytest.mark.parametrize("stack", STACKS)
def test_a_stack_with_sidecars_passes_every_policy(stack):
    """Both shortcuts and a plain sidecar keep the pack's rules (ECS.5 on every container, no
    plaintext secrets, the blue/green invariants): sidecars add no exception."""
    from tests.policy.conftest import gap_fixes
    from tests.policy.support import from_recorded
    from tests.run_cache import run_stack

    digest = "sha256:" + "1f" * 32
    sidecars = [
        {"logRouter": "firelens"},
        {"otelCollector": True},
        {"name": "proxy", "image": f"public.ecr.aws/envoyproxy/envoy@{digest}", "ports": [9901]},
    ]
    overrides = {
        **gap_fixes(stack),
        "container": {"logRetentionDays": 7 if stack == "dev" else 90, "sidecars": sidecars},
        "task": {"cpu": 512, "memory": 1024},
    }
    resources = [from_recorded(r) for r in run_stack(stack, overrides).resources]
    assert evaluate(resources, stack) == {}


def test_a_writable_sidecar_breaks_ecs5_in_prod():
    from tests.policy.conftest import gap_fixes
    from tests.policy.support import from_recorded
    from tests.run_cache import run_stack

    overrides = {
        **gap_fixes("prod"),
        "container": {
            "logRetentionDays": 90,
            "sidecars": [{"logRouter": "firelens", "readonlyRootFilesystem": False}],
        },
    }
    resources = [from_recorded(r) for r in run_stack("prod", overrides).resources]
    violated = evaluate(resources, "prod")
    assert set(violated) == {"read-only-root-filesystem"}
    assert "log-router" in str(violated["read-only-root-filesystem"])
