"""The AWS security baseline a production stack must meet (AWS Foundational Security Best Practices).

Stack checks, because they relate resources (which web ACL protects which load balancer, which
flow log covers which VPC) and apply to production stacks only (``stack_checks.PRODUCTION_STACKS``);
the controls a non-production stack may leave off, and why, are listed in the README.

- ELB.5: every Application Load Balancer writes access logs (``accessLogs.enabled`` with a bucket).
- WAF on the ALB (AWS Config rule ``alb-waf-enabled``): every Application Load Balancer is
  associated with a WAF web ACL (``aws:wafv2/webAclAssociation``).
- ECS.5: every container of every task definition has ``readonlyRootFilesystem: true``.
- EC2.6: every VPC the stack creates has a flow log.

Unknown values (a preview of a new stack) are judged in ``pulumi up``, never reported.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyResource

from specs.resource_reader import FLOW_LOG, LOAD_BALANCER, TASK_DEFINITION, VPC, WEB_ACL_ASSOCIATION

from .stack_checks import Violation, is_production_stack
from .values import get, is_unknown, items, of_type, parse_json, resource_id


def _application_load_balancers(resources: Sequence[PolicyResource]) -> list[PolicyResource]:
    return [
        lb
        for lb in of_type(resources, LOAD_BALANCER)
        if get(lb.props, "loadBalancerType", default="application") == "application"
    ]


def check_alb_access_logs(resources: Sequence[PolicyResource], stack: str) -> list[Violation]:
    """ELB.5: in a production stack every ALB writes access logs to an S3 bucket."""
    if not is_production_stack(stack):
        return []
    violations = []
    for lb in _application_load_balancers(resources):
        logs = get(lb.props, "accessLogs", default={})
        enabled = get(logs, "enabled", default=False)
        bucket = get(logs, "bucket")
        if is_unknown(logs) or is_unknown(enabled) or is_unknown(bucket):
            continue
        if enabled is not True or not bucket:
            violations.append(
                Violation(
                    f"load balancer '{lb.name}' of production stack '{stack}' has accessLogs "
                    f"enabled={json.dumps(enabled)} bucket={json.dumps(bucket)}; AWS FSBP ELB.5 requires "
                    "access logs: set loadBalancer.accessLogs.enabled true in the stack config (the "
                    "program creates the bucket and its policy).",
                    lb.urn,
                )
            )
    return violations


def check_alb_web_acl(resources: Sequence[PolicyResource], stack: str) -> list[Violation]:
    """In a production stack every ALB is associated with a WAF web ACL."""
    if not is_production_stack(stack):
        return []
    associated: set[str] = set()
    unknown_association = False
    for association in of_type(resources, WEB_ACL_ASSOCIATION):
        arn = get(association.props, "resourceArn")
        if isinstance(arn, str):
            associated.add(arn)
        else:
            unknown_association = True
    violations = []
    for lb in _application_load_balancers(resources):
        arn = get(lb.props, "arn")
        if arn in associated or (unknown_association or (not isinstance(arn, str) and associated)):
            continue
        violations.append(
            Violation(
                f"load balancer '{lb.name}' of production stack '{stack}' is not associated with a WAF "
                "web ACL; production must be (AWS managed rule groups and a rate limit): set "
                "loadBalancer.waf.enabled true in the stack config (mode: count for a first rollout).",
                lb.urn,
            )
        )
    return violations


def _containers(raw: Any) -> list[Mapping[str, Any]] | None:
    try:
        containers = parse_json(raw)
    except (TypeError, ValueError):
        return None
    return [c for c in items(containers) if isinstance(c, Mapping)]


def check_read_only_root_filesystem(resources: Sequence[PolicyResource], stack: str) -> list[Violation]:
    """ECS.5: in a production stack every container's root filesystem is read-only."""
    if not is_production_stack(stack):
        return []
    violations = []
    for task in of_type(resources, TASK_DEFINITION):
        raw = get(task.props, "containerDefinitions")
        if is_unknown(raw) or raw is None:
            continue
        for container in _containers(raw) or []:
            value = get(container, "readonlyRootFilesystem", default=False)
            if value is True:
                continue
            violations.append(
                Violation(
                    f"ECS task definition '{task.name}' of production stack '{stack}': container "
                    f"'{get(container, 'name', default='?')}' has readonlyRootFilesystem "
                    f"{json.dumps(value)}; AWS FSBP ECS.5 requires true: set "
                    "container.readonlyRootFilesystem true and list the directories the app writes in "
                    "container.scratchPaths (each becomes a writable task volume).",
                    task.urn,
                )
            )
    return violations


def check_vpc_flow_logs(resources: Sequence[PolicyResource], stack: str) -> list[Violation]:
    """EC2.6: in a production stack every VPC the stack creates has a flow log."""
    if not is_production_stack(stack):
        return []
    flow_logs = of_type(resources, FLOW_LOG)
    covered = {get(f.props, "vpcId") for f in flow_logs}
    unknown = any(not isinstance(v, str) for v in covered)
    violations = []
    for vpc in of_type(resources, VPC):
        vpc_id = resource_id(vpc, "vpc")
        if vpc_id in covered or unknown or (vpc_id is None and flow_logs):
            continue
        violations.append(
            Violation(
                f"VPC '{vpc.name}' of production stack '{stack}' has no flow log; AWS FSBP EC2.6 requires "
                "VPC flow logging: set network.flowLogs.enabled true in the stack config.",
                vpc.urn,
            )
        )
    return violations
