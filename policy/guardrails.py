"""Guardrails for the fargate-bluegreen stacks: the policy pack's policies, importable and testable.

``policy/__main__.py`` only hands :func:`build_policies` to ``PolicyPack`` (constructing a
``PolicyPack`` starts a gRPC server and blocks, so tests import this module, never the pack's
``__main__``). Every check is a plain function that returns its violations; the policies
below only feed those functions the engine's arguments and report. The pack's modules:

- ``values.py``: reading props as the engine passes them (unknown values during a preview,
  secrets), through the reader of declared resources shared with the preview
  (``specs/resource_reader.py``);
- ``resource_checks.py``: checks of one resource's inputs, run before it is created or
  updated, so a violation stops ``pulumi up`` before the change;
- ``stack_checks.py``: checks that relate resources (which listener is production, which
  deployment group deploys a service, which alarms roll a release back), on the whole stack;
- ``network_checks.py``: tasks with a public IP admit only the load balancers' security groups;
- this module: the pack's name, enforcement and policies.

The limits and the alarm-window rule come from ``specs.release_model`` and the engine modules
(``specs.ecs_engine``), and the type tokens from ``specs.resource_reader`` (all standard
library only), shared with config validation
and the preview; ``policy/__main__.py`` puts the repo root on ``sys.path`` so the pack's own
environment finds them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from specs.ecs_engine import BLUE_GREEN_STRATEGIES as ECS_BLUE_GREEN_STRATEGIES
from specs.release_model import (
    HEALTH_CHECK_INTERVAL,
    HEALTH_CHECK_THRESHOLD,
    HEALTH_CHECK_TIMEOUT,
)
from specs.resource_reader import (
    DEPLOYMENT_GROUP,
    ECR_LIFECYCLE_POLICY,
    ECR_REPOSITORY,
    ECS_SERVICE,
    FLOW_LOG,
    LISTENER,
    LISTENER_RULE,
    LOAD_BALANCER,
    METRIC_ALARM,
    TARGET_GROUP,
    TASK_DEFINITION,
    VPC,
    WEB_ACL_ASSOCIATION,
)

from .baseline_checks import (
    check_alb_access_logs,
    check_alb_web_acl,
    check_read_only_root_filesystem,
    check_vpc_flow_logs,
)
from .network_checks import check_public_tasks_reached_only_through_the_load_balancer
from .resource_checks import (
    check_ecr_lifecycle_any_rule_last,
    check_ecr_scan_on_push,
    check_ecs_service_no_public_ip,
    check_target_group_health_check,
    check_task_definition_no_plaintext_secrets,
    name_parts,
)
from .stack_checks import (
    Violation,
    check_codedeploy_rollback,
    check_ecs_deployment_rollback,
    check_production_listener_https,
    check_termination_wait_covers_alarms,
)

PACK_NAME = "fargate-bluegreen-guardrails"
PACK_ENFORCEMENT = EnforcementLevel.MANDATORY

# --------------------------------------------------------------------------- policies

ResourceCheck = Callable[[Mapping[str, Any], str], list[str]]
StackCheck = Callable[[Sequence[PolicyResource], str], list[Violation]]


def _resource_policy(name: str, description: str, resource_type: str, check: ResourceCheck) -> Policy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type != resource_type:
            return
        for message in check(args.props, args.name):
            report_violation(message, None)

    return ResourceValidationPolicy(name=name, description=description, validate=validate)


def _stack_aware_resource_policy(
    name: str,
    description: str,
    resource_type: str,
    check: Callable[[Mapping[str, Any], str, str], list[str]],
    stack_name: Callable[[], str],
) -> Policy:
    """A resource policy whose check also depends on the stack (a production-only rule)."""
    return _resource_policy(
        name, description, resource_type, lambda props, resource: check(props, resource, stack_name())
    )


def _stack_policy(name: str, description: str, check: StackCheck, stack_name: Callable[[], str]) -> Policy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        for violation in check(args.resources, stack_name()):
            report_violation(violation.message, violation.urn)

    return StackValidationPolicy(name=name, description=description, validate=validate)


def _current_stack() -> str:
    """The stack being checked: the policy runtime configures it from PULUMI_STACK."""
    return pulumi.get_stack()


def build_policies(stack_name: Callable[[], str] = _current_stack) -> list[Policy]:
    """The pack's policies; ``stack_name`` gives the stack being checked (a parameter for tests)."""
    return [
        _resource_policy(
            "ecr-scan-on-push",
            "ECR repositories scan every image on push.",
            ECR_REPOSITORY,
            check_ecr_scan_on_push,
        ),
        _resource_policy(
            "ecr-lifecycle-any-rule-last",
            "An ECR lifecycle rule with tagStatus 'any' has the highest rulePriority.",
            ECR_LIFECYCLE_POLICY,
            check_ecr_lifecycle_any_rule_last,
        ),
        _resource_policy(
            "target-group-health-check-limits",
            "Target group health checks are within AWS limits (interval {}-{}, timeout {}-{} and "
            "below the interval, thresholds {}-{}).".format(
                *HEALTH_CHECK_INTERVAL, *HEALTH_CHECK_TIMEOUT, *HEALTH_CHECK_THRESHOLD
            ),
            TARGET_GROUP,
            check_target_group_health_check,
        ),
        _stack_aware_resource_policy(
            "ecs-service-no-public-ip",
            "In production stacks ECS services do not assign public IPs to tasks (waivable: "
            "policy/waivers/public-task-subnets.json).",
            ECS_SERVICE,
            check_ecs_service_no_public_ip,
            stack_name,
        ),
        _resource_policy(
            "task-definition-no-plaintext-secrets",
            "Container environment variables named like secrets come from `secrets`, not plaintext.",
            TASK_DEFINITION,
            check_task_definition_no_plaintext_secrets,
        ),
        _stack_policy(
            "public-tasks-reached-only-through-the-load-balancer",
            "An ECS service whose tasks get public IPs admits, on its security groups, only the load "
            "balancers' security groups (no address range, prefix list or other group).",
            check_public_tasks_reached_only_through_the_load_balancer,
            stack_name,
        ),
        _stack_policy(
            "production-listener-https",
            "In production stacks the production listener is HTTPS (or only redirects to HTTPS).",
            check_production_listener_https,
            stack_name,
        ),
        _stack_policy(
            "codedeploy-auto-rollback",
            "A CODE_DEPLOY ECS service's deployment group rolls back automatically, and in production "
            "stacks on alarms.",
            check_codedeploy_rollback,
            stack_name,
        ),
        _stack_policy(
            "ecs-deployment-auto-rollback",
            "An ECS service that deploys itself blue/green (BLUE_GREEN, LINEAR or CANARY) rolls back "
            "automatically (deployment circuit breaker), and in production stacks on alarms.",
            check_ecs_deployment_rollback,
            stack_name,
        ),
        _stack_policy(
            "alb-access-logs",
            "In production stacks every Application Load Balancer writes access logs (AWS FSBP ELB.5).",
            check_alb_access_logs,
            stack_name,
        ),
        _stack_policy(
            "alb-web-acl",
            "In production stacks every Application Load Balancer is associated with a WAF web ACL.",
            check_alb_web_acl,
            stack_name,
        ),
        _stack_policy(
            "read-only-root-filesystem",
            "In production stacks every container's root filesystem is read-only (AWS FSBP ECS.5).",
            check_read_only_root_filesystem,
            stack_name,
        ),
        _stack_policy(
            "vpc-flow-logs",
            "In production stacks every VPC the stack creates has flow logs (AWS FSBP EC2.6).",
            check_vpc_flow_logs,
            stack_name,
        ),
        _stack_policy(
            "blue-termination-wait-covers-alarms",
            "Blue is kept after a release (CodeDeploy terminationWaitTimeInMinutes, ECS "
            "bakeTimeInMinutes) at least as long as the alarms that roll it back need to fire.",
            check_termination_wait_covers_alarms,
            stack_name,
        ),
    ]


# What the tests read of the pack, besides its policies: the type tokens they build resources
# of, and the rules the checks apply.
__all__ = [
    "DEPLOYMENT_GROUP",
    "ECR_LIFECYCLE_POLICY",
    "ECR_REPOSITORY",
    "ECS_BLUE_GREEN_STRATEGIES",
    "ECS_SERVICE",
    "FLOW_LOG",
    "LISTENER",
    "LISTENER_RULE",
    "LOAD_BALANCER",
    "METRIC_ALARM",
    "PACK_ENFORCEMENT",
    "PACK_NAME",
    "TARGET_GROUP",
    "TASK_DEFINITION",
    "VPC",
    "WEB_ACL_ASSOCIATION",
    "build_policies",
    "name_parts",
]
