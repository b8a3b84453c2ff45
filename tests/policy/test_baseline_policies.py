"""The security baseline policies (ELB.5 access logs, WAF on the ALB, ECS.5, EC2.6): each passes a
compliant stack and bites a non-compliant one, on hand-made resources and on the real prod stack."""

from __future__ import annotations

import json

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from policy import guardrails as g
from tests.policy.support import (
    DELETE,
    Res,
    evaluate,
    mutated,
    mutated_json,
    only,
    policy_named,
    replaced,
    res,
    run_policy,
)

ALB_ARN = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/alb/1"
CONTAINERS = json.dumps([{"name": "app", "readonlyRootFilesystem": True}])


def baseline(stack: str = "prod") -> list[Res]:
    return [
        res(
            g.LOAD_BALANCER,
            "alb",
            {"arn": ALB_ARN, "accessLogs": {"enabled": True, "bucket": "logs", "prefix": "alb"}},
            stack,
        ),
        res(g.WEB_ACL_ASSOCIATION, "web", {"resourceArn": ALB_ARN, "webAclArn": "arn:waf"}, stack),
        res(g.TASK_DEFINITION, "task", {"containerDefinitions": CONTAINERS}, stack),
        res(g.VPC, "vpc", {"id": "vpc-1", "arn": "arn:aws:ec2:us-east-1:1:vpc/vpc-1"}, stack),
        res(g.FLOW_LOG, "flow", {"vpcId": "vpc-1", "trafficType": "ALL"}, stack),
    ]


def test_compliant_baseline_passes() -> None:
    assert evaluate(baseline(), "prod") == {}


def _without(resources: list[Res], type_: str) -> list[Res]:
    return replaced(resources, only(resources, type_), None)


@pytest.mark.parametrize(
    ("policy", "change", "fragment"),
    [
        (
            "alb-access-logs",
            lambda s: replaced(
                s, only(s, g.LOAD_BALANCER), mutated(only(s, g.LOAD_BALANCER), ["accessLogs"], DELETE)
            ),
            "loadBalancer.accessLogs.enabled",
        ),
        (
            "alb-access-logs",
            lambda s: replaced(
                s,
                only(s, g.LOAD_BALANCER),
                mutated(only(s, g.LOAD_BALANCER), ["accessLogs", "enabled"], False),
            ),
            "ELB.5",
        ),
        ("alb-web-acl", lambda s: _without(s, g.WEB_ACL_ASSOCIATION), "loadBalancer.waf.enabled"),
        (
            "alb-web-acl",
            lambda s: replaced(
                s,
                only(s, g.WEB_ACL_ASSOCIATION),
                mutated(only(s, g.WEB_ACL_ASSOCIATION), ["resourceArn"], "arn:another-alb"),
            ),
            "not associated",
        ),
        (
            "read-only-root-filesystem",
            lambda s: replaced(
                s,
                only(s, g.TASK_DEFINITION),
                mutated_json(
                    only(s, g.TASK_DEFINITION),
                    "containerDefinitions",
                    lambda d: d[0].pop("readonlyRootFilesystem"),
                ),
            ),
            "ECS.5",
        ),
        ("vpc-flow-logs", lambda s: _without(s, g.FLOW_LOG), "network.flowLogs.enabled"),
    ],
)
def test_each_baseline_policy_bites(policy, change, fragment) -> None:
    result = evaluate(change(baseline()), "prod")
    assert set(result) == {policy}, result
    assert any(fragment in message for message, _ in result[policy])


def test_baseline_is_required_in_production_only() -> None:
    bare = [
        res(g.LOAD_BALANCER, "alb", {"arn": ALB_ARN}, "dev"),
        res(g.TASK_DEFINITION, "task", {"containerDefinitions": json.dumps([{"name": "app"}])}, "dev"),
        res(g.VPC, "vpc", {"id": "vpc-1"}, "dev"),
    ]
    assert evaluate(bare, "dev") == {}
    assert set(evaluate(bare, "prod")) == {
        "alb-access-logs",
        "alb-web-acl",
        "read-only-root-filesystem",
        "vpc-flow-logs",
    }


def test_unknown_values_are_judged_later() -> None:
    """A preview of a new stack: ARNs and ids are unknown, so nothing can be matched yet."""
    stack = [
        res(
            g.LOAD_BALANCER,
            "alb",
            {"arn": UNKNOWN_STRING_VALUE, "accessLogs": {"enabled": True, "bucket": UNKNOWN_STRING_VALUE}},
            "prod",
        ),
        res(g.WEB_ACL_ASSOCIATION, "web", {"resourceArn": UNKNOWN_STRING_VALUE}, "prod"),
        res(g.VPC, "vpc", {"id": UNKNOWN_STRING_VALUE}, "prod"),
        res(g.FLOW_LOG, "flow", {"vpcId": UNKNOWN_STRING_VALUE}, "prod"),
    ]
    for name in ("alb-access-logs", "alb-web-acl", "vpc-flow-logs"):
        assert run_policy(policy_named(name, "prod"), stack) == []


# --- the real prod stack --------------------------------------------------------------------------


def test_real_prod_stack_meets_the_baseline(compliant) -> None:
    prod = compliant["prod"]
    assert {r.type for r in prod} >= {g.LOAD_BALANCER, g.WEB_ACL_ASSOCIATION, g.FLOW_LOG, g.VPC}
    assert evaluate(prod, "prod") == {}


@pytest.mark.parametrize(
    ("type_", "policy"),
    [(g.WEB_ACL_ASSOCIATION, "alb-web-acl"), (g.FLOW_LOG, "vpc-flow-logs")],
)
def test_real_prod_stack_without_a_baseline_resource(compliant, type_, policy) -> None:
    prod = compliant["prod"]
    result = evaluate(replaced(prod, only(prod, type_), None), "prod")
    assert set(result) == {policy}, result


def test_real_prod_stack_with_a_writable_root_filesystem(compliant) -> None:
    prod = compliant["prod"]
    task = only(prod, g.TASK_DEFINITION)

    def writable(definitions: list[dict]) -> None:
        definitions[0]["readonlyRootFilesystem"] = False

    result = evaluate(replaced(prod, task, mutated_json(task, "containerDefinitions", writable)), "prod")
    assert set(result) == {"read-only-root-filesystem"}, result


def test_real_prod_stack_without_access_logs(compliant) -> None:
    prod = compliant["prod"]
    alb = only(prod, g.LOAD_BALANCER)
    result = evaluate(replaced(prod, alb, mutated(alb, ["accessLogs", "enabled"], False)), "prod")
    assert set(result) == {"alb-access-logs"}, result


def test_prod_with_a_domain_passes_every_policy_including_https() -> None:
    """The one-setting path: `domain` alone satisfies production-listener-https, no certificate ARN."""
    from tests.policy.support import from_recorded
    from tests.program.harness import run_stack

    run = run_stack("prod", {"domain": {"name": "app.example.com", "zoneName": "example.com"}})
    assert evaluate([from_recorded(r) for r in run.resources], "prod") == {}
