"""Tasks with public IPs: reached only through the load balancer, and waivable in production only on purpose.

``public-tasks-reached-only-through-the-load-balancer`` on hand-made stacks and on the real dev
stack (``network.taskSubnets: public``), and the waiver file that lets a production stack run
its tasks in public subnets (``policy/waivers/public-task-subnets.json``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from policy import guardrails as g
from policy.network_checks import SECURITY_GROUP, SECURITY_GROUP_INGRESS_RULE, SECURITY_GROUP_RULE
from policy.resource_checks import WAIVER_FILE
from tests.policy.conftest import gap_fixes
from tests.policy.support import Res, evaluate, from_recorded, only, res, run_policy
from tests.program.harness import run_stack, stack_value

POLICY = "public-tasks-reached-only-through-the-load-balancer"
ROOT = Path(__file__).resolve().parents[2]


def _policy(stack: str = "dev"):
    return next(p for p in g.build_policies(lambda: stack) if p.name == POLICY)


def _stack(*extra: Res, public: bool = True, groups: list[str] | None = None) -> list[Res]:
    """An ALB with sg-alb, a service on sg-tasks, and sg-tasks' rule from the ALB."""
    network = {"assignPublicIp": public, "subnets": ["subnet-1"], "securityGroups": groups or ["sg-tasks"]}
    return [
        res(g.LOAD_BALANCER, "alb", {"securityGroups": ["sg-alb"]}),
        res(g.ECS_SERVICE, "svc", {"networkConfiguration": network}),
        res(
            SECURITY_GROUP_INGRESS_RULE,
            "from-alb",
            {"securityGroupId": "sg-tasks", "referencedSecurityGroupId": "sg-alb", "ipProtocol": "tcp"},
        ),
        *extra,
    ]


def _messages(resources: list[Res]) -> list[str]:
    return [message for message, _ in run_policy(_policy(), resources)]


def test_public_tasks_admitting_only_the_load_balancer_pass():
    assert _messages(_stack()) == []


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        (
            res(
                SECURITY_GROUP_INGRESS_RULE, "world", {"securityGroupId": "sg-tasks", "cidrIpv4": "0.0.0.0/0"}
            ),
            "ingress rule 'world' on their security group admits 0.0.0.0/0",
        ),
        (
            res(SECURITY_GROUP_INGRESS_RULE, "v6", {"securityGroupId": "sg-tasks", "cidrIpv6": "::/0"}),
            "admits ::/0",
        ),
        (
            res(SECURITY_GROUP_INGRESS_RULE, "pl", {"securityGroupId": "sg-tasks", "prefixListId": "pl-1"}),
            "admits pl-1",
        ),
        (
            res(
                SECURITY_GROUP_INGRESS_RULE,
                "bastion",
                {"securityGroupId": "sg-tasks", "referencedSecurityGroupId": "sg-bastion"},
            ),
            "admits security group sg-bastion, which no load balancer uses",
        ),
        (
            res(
                SECURITY_GROUP_RULE, "self", {"securityGroupId": "sg-tasks", "type": "ingress", "self": True}
            ),
            "security group rule 'self' on their security group admits security group sg-tasks",
        ),
        (
            res(
                SECURITY_GROUP_RULE,
                "office",
                {"securityGroupId": "sg-tasks", "type": "ingress", "cidrBlocks": ["198.51.100.0/24"]},
            ),
            "admits 198.51.100.0/24",
        ),
        (
            res(
                SECURITY_GROUP,
                "tasks",
                {
                    "id": "sg-tasks",
                    "ingress": [
                        {"fromPort": 22, "toPort": 22, "protocol": "tcp", "cidrBlocks": ["10.0.0.0/8"]}
                    ],
                },
            ),
            "inline ingress of security group 'tasks' on their security group admits 10.0.0.0/8",
        ),
    ],
)
def test_any_other_source_of_public_tasks_fails(rule, fragment):
    (message,) = _messages(_stack(rule))
    assert "ECS service 'svc' of stack 'dev' gives its tasks public IPs" in message
    assert fragment in message, message
    assert "admit only the load balancer's security group" in message


def test_an_egress_rule_or_another_groups_rule_is_not_ingress_of_the_tasks():
    others = (
        res(
            SECURITY_GROUP_RULE,
            "out",
            {"securityGroupId": "sg-tasks", "type": "egress", "cidrBlocks": ["0.0.0.0/0"]},
        ),
        res(SECURITY_GROUP_INGRESS_RULE, "alb-world", {"securityGroupId": "sg-alb", "cidrIpv4": "0.0.0.0/0"}),
    )
    assert _messages(_stack(*others)) == []


def test_private_tasks_are_not_this_policys_concern():
    world = res(
        SECURITY_GROUP_INGRESS_RULE, "world", {"securityGroupId": "sg-tasks", "cidrIpv4": "0.0.0.0/0"}
    )
    assert _messages(_stack(world, public=False)) == []


def test_public_tasks_without_a_security_group_fail():
    service = res(
        g.ECS_SERVICE, "svc", {"networkConfiguration": {"assignPublicIp": True, "securityGroups": []}}
    )
    (message,) = _messages([service])
    assert "names none (ECS would use the VPC's default group)" in message


def test_unknown_values_are_judged_later():
    unknown_group = _stack(groups=[UNKNOWN_STRING_VALUE])
    assert _messages(unknown_group) == []
    unknown_range = res(
        SECURITY_GROUP_INGRESS_RULE,
        "later",
        {"securityGroupId": "sg-tasks", "cidrIpv4": UNKNOWN_STRING_VALUE},
    )
    assert _messages(_stack(unknown_range)) == []


# ---------------------------------------------------------------- the real dev stack


def test_real_dev_stack_opened_to_the_world_fails(checked_in):
    """Dev's tasks have public IPs (Pulumi.dev.yaml): one rule from an address range breaks it."""
    resources = checked_in["dev"]
    service = only(resources, g.ECS_SERVICE)
    tasks_group = service.inputs["networkConfiguration"]["securityGroups"][0]
    world = res(
        SECURITY_GROUP_INGRESS_RULE,
        "tasks-from-anywhere",
        {"securityGroupId": tasks_group, "cidrIpv4": "0.0.0.0/0", "ipProtocol": "tcp"},
        "dev",
    )
    result = evaluate([*resources, world], "dev")
    assert set(result) == {POLICY}, result
    ((message, urn),) = result[POLICY]
    assert "ingress rule 'tasks-from-anywhere'" in message and "0.0.0.0/0" in message
    assert urn == service.urn


# ---------------------------------------------------------------- the production waiver


def _waived(path: Path) -> set[str]:
    """The policies a --policy-pack-config file turns off (enforcement level "disabled")."""
    config = json.loads(path.read_text())
    levels = {
        name: value["enforcementLevel"] if isinstance(value, dict) else value
        for name, value in config.items()
    }
    return {name for name, level in levels.items() if level == "disabled"}


def test_waiver_file_turns_off_exactly_the_public_ip_rule():
    assert _waived(ROOT / WAIVER_FILE) == {"ecs-service-no-public-ip"}
    assert "ecs-service-no-public-ip" in {p.name for p in g.build_policies(lambda: "prod")}


@pytest.fixture(scope="module")
def prod_with_public_tasks() -> list[Res]:
    network = {**(stack_value("prod", "network") or {}), "taskSubnets": "public"}
    return [from_recorded(r) for r in run_stack("prod", {**gap_fixes("prod"), "network": network}).resources]


def test_production_may_run_public_tasks_only_with_the_waiver(prod_with_public_tasks):
    """Without the waiver the pack stops it; with it, everything else still holds (ingress included)."""
    result = evaluate(prod_with_public_tasks, "prod")
    assert set(result) == {"ecs-service-no-public-ip"}, result
    waived = _waived(ROOT / WAIVER_FILE)
    remaining = {name: found for name, found in result.items() if name not in waived}
    assert remaining == {}
