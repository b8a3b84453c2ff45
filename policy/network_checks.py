"""Tasks with a public IP are reached through the load balancer only.

``network.taskSubnets: public`` (dev's cheap network) runs the tasks in public subnets with a
public IP each, so the tasks' security groups are all that keeps the internet out: every
ingress rule on them must name a load balancer's security group as its source, never an
address range, a prefix list, the group itself or another group. A stack check, because it
relates the service to its security groups' rules (inline ``ingress`` of an
``aws:ec2/securityGroup``, ``aws:vpc/securityGroupIngressRule`` and ingress
``aws:ec2/securityGroupRule`` resources) and to the load balancers' groups. It applies to every
stack; production stacks additionally keep tasks off public IPs altogether
(``ecs-service-no-public-ip``) unless that rule is waived.

Unknown values (a preview of a new stack) are judged in ``pulumi up``, never reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyResource

from specs.resource_reader import ECS_SERVICE, LOAD_BALANCER

from .stack_checks import Violation
from .values import get, is_unknown, items, of_type, resource_id

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"


def _load_balancer_groups(resources: Sequence[PolicyResource]) -> tuple[set[str], bool]:
    """The load balancers' security group ids, and whether any of them is unknown."""
    groups: set[str] = set()
    unknown = False
    for balancer in of_type(resources, LOAD_BALANCER):
        for group in items(get(balancer.props, "securityGroups", default=[])):
            if isinstance(group, str) and not is_unknown(group):
                groups.add(group)
            else:
                unknown = True
    return groups, unknown


def _ranges(rule: Mapping[str, Any], *keys: str) -> list[str]:
    """The address ranges and prefix lists a rule admits (each key a string or a list of them)."""
    found: list[str] = []
    for key in keys:
        value = get(rule, key)
        for entry in [value] if isinstance(value, str) else items(value):
            if isinstance(entry, str) and entry and not is_unknown(entry):
                found.append(entry)
    return found


def _rule_sources(resources: Sequence[PolicyResource], group: str) -> list[tuple[str, list[str], list[Any]]]:
    """Each ingress rule on ``group``: (where it is declared, ranges it admits, groups it admits)."""
    rules: list[tuple[str, list[str], list[Any]]] = []
    for rule in of_type(resources, SECURITY_GROUP_INGRESS_RULE):
        if get(rule.props, "securityGroupId") != group:
            continue
        sources = [get(rule.props, "referencedSecurityGroupId")]
        rules.append(
            (
                f"ingress rule '{rule.name}'",
                _ranges(rule.props, "cidrIpv4", "cidrIpv6", "prefixListId"),
                [s for s in sources if s is not None],
            )
        )
    for rule in of_type(resources, SECURITY_GROUP_RULE):
        if get(rule.props, "securityGroupId") != group or get(rule.props, "type") != "ingress":
            continue
        sources = [group] if get(rule.props, "self") is True else [get(rule.props, "sourceSecurityGroupId")]
        rules.append(
            (
                f"security group rule '{rule.name}'",
                _ranges(rule.props, "cidrBlocks", "ipv6CidrBlocks", "prefixListIds"),
                [s for s in sources if s is not None],
            )
        )
    for declared in of_type(resources, SECURITY_GROUP):
        if resource_id(declared, "security-group") != group:
            continue
        for rule in items(get(declared.props, "ingress", default=[])):
            if not isinstance(rule, Mapping):
                continue
            sources = list(items(get(rule, "securityGroups", default=[])))
            if get(rule, "self") is True:
                sources.append(group)
            rules.append(
                (
                    f"inline ingress of security group '{declared.name}'",
                    _ranges(rule, "cidrBlocks", "ipv6CidrBlocks", "prefixListIds"),
                    sources,
                )
            )
    return rules


def check_public_tasks_reached_only_through_the_load_balancer(
    resources: Sequence[PolicyResource], stack: str
) -> list[Violation]:
    """A service whose tasks get a public IP admits, on its security groups, only load balancers' groups."""
    balancer_groups, balancer_unknown = _load_balancer_groups(resources)
    violations: list[Violation] = []
    for service in of_type(resources, ECS_SERVICE):
        network = get(service.props, "networkConfiguration", default={})
        if get(network, "assignPublicIp") is not True:
            continue
        groups = items(get(network, "securityGroups", default=[]))
        if any(is_unknown(g) or not isinstance(g, str) for g in groups):
            continue
        where = f"ECS service '{service.name}' of stack '{stack}' gives its tasks public IPs, so"
        if not groups:
            violations.append(
                Violation(
                    f"{where} it must name the security group that admits only the load balancer; it "
                    "names none (ECS would use the VPC's default group).",
                    service.urn,
                )
            )
            continue
        for group in groups:
            for declared, ranges, sources in _rule_sources(resources, group):
                if ranges:
                    violations.append(
                        Violation(
                            f"{where} nothing but the load balancer may reach them: {declared} on "
                            f"their security group admits {', '.join(ranges)}; admit only the load "
                            "balancer's security group.",
                            service.urn,
                        )
                    )
                others = [s for s in sources if not is_unknown(s) and s not in balancer_groups]
                if others and not balancer_unknown:
                    violations.append(
                        Violation(
                            f"{where} nothing but the load balancer may reach them: {declared} on "
                            f"their security group admits security group {', '.join(map(str, others))}, "
                            "which no load balancer uses; admit only the load balancer's security group.",
                            service.urn,
                        )
                    )
    return violations
