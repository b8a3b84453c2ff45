"""Resource policies on small hand-made resources: each passes the good case and fails the bad one."""

from __future__ import annotations

import json

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from policy import guardrails as g
from tests.policy.support import res, run_policy


def violations(
    policy_name: str, type_: str, props: dict, name: str = "thing", stack: str = "test"
) -> list[str]:
    return [message for message, _ in run_policy(g_policy(policy_name, stack), [res(type_, name, props)])]


def g_policy(name: str, stack: str = "test"):
    return next(p for p in g.build_policies(lambda: stack) if p.name == name)


# ---------------------------------------------------------------- ECR scan on push


def test_repository_scanning_on_push_passes():
    props = {"imageScanningConfiguration": {"scanOnPush": True}}
    assert violations("ecr-scan-on-push", g.ECR_REPOSITORY, props) == []


@pytest.mark.parametrize("props", [{"imageScanningConfiguration": {"scanOnPush": False}}, {}])
def test_repository_without_scan_on_push_fails(props):
    (message,) = violations("ecr-scan-on-push", g.ECR_REPOSITORY, props, name="repo")
    assert "ECR repository 'repo'" in message
    assert "scanOnPush is false" in message
    assert "must be true" in message


def test_scan_policy_ignores_other_types():
    assert violations("ecr-scan-on-push", g.TARGET_GROUP, {}) == []


# ---------------------------------------------------------------- ECR lifecycle


def lifecycle(*rules: tuple[int, str]) -> dict:
    return {
        "policy": json.dumps(
            {
                "rules": [
                    {
                        "rulePriority": priority,
                        "selection": {
                            "tagStatus": status,
                            "countType": "imageCountMoreThan",
                            "countNumber": 5,
                        },
                        "action": {"type": "expire"},
                    }
                    for priority, status in rules
                ]
            }
        )
    }


@pytest.mark.parametrize(
    "rules",
    [[(1, "untagged"), (2, "any")], [(3, "any"), (1, "untagged"), (2, "tagged")], [(1, "any")], []],
)
def test_lifecycle_with_any_rule_last_passes(rules):
    assert violations("ecr-lifecycle-any-rule-last", g.ECR_LIFECYCLE_POLICY, lifecycle(*rules)) == []


def test_lifecycle_with_any_rule_first_fails():
    props = lifecycle((1, "any"), (2, "untagged"))
    (message,) = violations("ecr-lifecycle-any-rule-last", g.ECR_LIFECYCLE_POLICY, props, name="lc")
    assert "ECR lifecycle policy 'lc'" in message
    assert "rulePriority 1" in message and "rulePriority 2" in message
    assert "highest rulePriority" in message


def test_lifecycle_with_any_rule_tied_fails():
    props = lifecycle((2, "untagged"), (2, "any"))
    assert len(violations("ecr-lifecycle-any-rule-last", g.ECR_LIFECYCLE_POLICY, props)) == 1


def test_lifecycle_that_is_not_json_fails():
    (message,) = violations("ecr-lifecycle-any-rule-last", g.ECR_LIFECYCLE_POLICY, {"policy": "{rules:"})
    assert "not valid JSON" in message


# ---------------------------------------------------------------- target group health check


def target_group(**check: float) -> dict:
    defaults = {"interval": 30, "timeout": 5, "healthyThreshold": 2, "unhealthyThreshold": 2}
    return {"healthCheck": {**defaults, **check, "path": "/health"}}


@pytest.mark.parametrize(
    "check",
    [
        {},
        {"interval": 5, "timeout": 2},
        {"interval": 300, "timeout": 120},
        {"healthyThreshold": 10, "unhealthyThreshold": 10},
    ],
)
def test_health_check_within_limits_passes(check):
    assert violations("target-group-health-check-limits", g.TARGET_GROUP, target_group(**check)) == []


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        ({"interval": 4, "timeout": 2}, "healthCheck.interval is 4; AWS allows 5-300"),
        ({"interval": 301}, "healthCheck.interval is 301; AWS allows 5-300"),
        ({"timeout": 1}, "healthCheck.timeout is 1; AWS allows 2-120"),
        ({"interval": 300, "timeout": 121}, "healthCheck.timeout is 121; AWS allows 2-120"),
        ({"interval": 10, "timeout": 10}, "timeout must be less than the interval"),
        ({"interval": 10, "timeout": 30}, "healthCheck.timeout is 30 s and healthCheck.interval 10 s"),
        ({"healthyThreshold": 1}, "healthCheck.healthyThreshold is 1; AWS allows 2-10"),
        ({"unhealthyThreshold": 11}, "healthCheck.unhealthyThreshold is 11; AWS allows 2-10"),
    ],
)
def test_health_check_outside_limits_fails(check, expected):
    messages = violations("target-group-health-check-limits", g.TARGET_GROUP, target_group(**check), "tg")
    assert len(messages) == 1, messages
    assert "target group 'tg'" in messages[0]
    assert expected in messages[0]


# ---------------------------------------------------------------- ECS service public IP


@pytest.mark.parametrize("stack", ["prod", "dev"])
@pytest.mark.parametrize("props", [{"networkConfiguration": {"assignPublicIp": False}}, {}])
def test_service_without_public_ip_passes(props, stack):
    assert violations("ecs-service-no-public-ip", g.ECS_SERVICE, props, stack=stack) == []


@pytest.mark.parametrize("stack", ["prod", "production", "org/prod"])
def test_service_with_public_ip_fails_in_production(stack):
    props = {"networkConfiguration": {"assignPublicIp": True, "subnets": ["a"]}}
    (message,) = violations("ecs-service-no-public-ip", g.ECS_SERVICE, props, name="svc", stack=stack)
    assert "ECS service 'svc' of production stack" in message
    assert "assignPublicIp is true" in message and "must be false" in message
    assert "network.taskSubnets: private" in message
    assert "--policy-pack-config policy/waivers/public-task-subnets.json" in message


@pytest.mark.parametrize("stack", ["dev", "test", "staging"])
def test_service_with_public_ip_is_allowed_outside_production(stack):
    """network.taskSubnets: public (dev's network without NAT); the stack policy
    public-tasks-reached-only-through-the-load-balancer then guards the tasks' ingress."""
    props = {"networkConfiguration": {"assignPublicIp": True, "subnets": ["a"]}}
    assert violations("ecs-service-no-public-ip", g.ECS_SERVICE, props, stack=stack) == []


# ---------------------------------------------------------------- plaintext secrets


def task_definition(environment: dict[str, str], secrets: dict[str, str] | None = None) -> dict:
    container: dict = {
        "name": "app",
        "environment": [{"name": k, "value": v} for k, v in environment.items()],
    }
    if secrets:
        container["secrets"] = [{"name": k, "valueFrom": v} for k, v in secrets.items()]
    return {"containerDefinitions": json.dumps([container])}


@pytest.mark.parametrize(
    "variable",
    ["DB_PASSWORD", "password", "API_KEY", "apiKey", "APIKey", "GITHUB_TOKEN", "client-secret", "Passwd"],
)
def test_secret_like_plaintext_variable_fails(variable):
    props = task_definition({variable: "hunter2", "PORT": "8080"})
    (message,) = violations("task-definition-no-plaintext-secrets", g.TASK_DEFINITION, props, name="td")
    assert "ECS task definition 'td'" in message
    assert f"container 'app' sets environment variable '{variable}'" in message
    assert "secrets" in message
    assert "hunter2" not in message  # the message never repeats the secret


@pytest.mark.parametrize(
    "variable",
    ["KEYBOARD_LAYOUT", "MONKEY", "TOKENIZER_MODEL", "SECRETARY_EMAIL", "PORT", "SHUTDOWN_TIMEOUT_SECONDS"],
)
def test_ordinary_variable_passes(variable):
    props = task_definition({variable: "x"})
    assert violations("task-definition-no-plaintext-secrets", g.TASK_DEFINITION, props) == []


def test_secret_from_secrets_manager_passes():
    props = task_definition({"PORT": "8080"}, {"DB_PASSWORD": "arn:aws:secretsmanager:us-east-1:1:secret:db"})
    assert violations("task-definition-no-plaintext-secrets", g.TASK_DEFINITION, props) == []


def test_empty_secret_like_variable_passes():
    props = task_definition({"API_KEY": ""})
    assert violations("task-definition-no-plaintext-secrets", g.TASK_DEFINITION, props) == []


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("DB_PASSWORD", ["DB", "PASSWORD"]),
        ("apiToken", ["API", "TOKEN"]),
        ("APIKey", ["API", "KEY"]),
        ("KEYBOARD", ["KEYBOARD"]),
        ("aws.secret-key2", ["AWS", "SECRET", "KEY", "2"]),
    ],
)
def test_name_parts(name, parts):
    assert g.name_parts(name) == parts


# ---------------------------------------------------------------- values unknown in a preview


@pytest.mark.parametrize(
    ("policy", "type_", "props"),
    [
        (
            "task-definition-no-plaintext-secrets",
            g.TASK_DEFINITION,
            {"containerDefinitions": UNKNOWN_STRING_VALUE},
        ),
        ("ecr-lifecycle-any-rule-last", g.ECR_LIFECYCLE_POLICY, {"policy": UNKNOWN_STRING_VALUE}),
        (
            "ecr-scan-on-push",
            g.ECR_REPOSITORY,
            {"imageScanningConfiguration": {"scanOnPush": UNKNOWN_STRING_VALUE}},
        ),
        (
            "target-group-health-check-limits",
            g.TARGET_GROUP,
            {"healthCheck": {"interval": UNKNOWN_STRING_VALUE}},
        ),
    ],
)
def test_unknown_values_are_left_for_the_update(policy, type_, props):
    assert violations(policy, type_, props) == []


def test_unknown_value_does_not_hide_a_known_violation():
    props = {"healthCheck": {"interval": UNKNOWN_STRING_VALUE, "timeout": 1}}
    (message,) = violations("target-group-health-check-limits", g.TARGET_GROUP, props)
    assert "healthCheck.timeout is 1" in message
