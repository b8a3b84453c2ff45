"""The checks of single resources: what a resource policy sees before a resource is created or changed.

Each check takes a resource's props (camelCase, as the engine passes them, possibly with
unknown values: see ``values.py``) and its name, and returns its violations as messages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from specs.release_model import HEALTH_CHECK_INTERVAL, HEALTH_CHECK_THRESHOLD, HEALTH_CHECK_TIMEOUT

from .stack_checks import is_production_stack
from .values import fmt, get, is_unknown, items, number, parse_json

# The policy-pack config that waives ecs-service-no-public-ip (its enforcement level "disabled").
WAIVER_FILE = "policy/waivers/public-task-subnets.json"

# Environment variable name parts that mark a secret (PASSWORD, DB_PASSWORD, apiToken, ...).
SECRET_NAME_PARTS = frozenset({"PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "APIKEY"})


def name_parts(variable: str) -> list[str]:
    """``DB_PASSWORD`` -> [DB, PASSWORD]; ``apiToken`` -> [API, TOKEN]; ``APIKey`` -> [API, KEY]."""
    parts: list[str] = []
    for chunk in re.split(r"[^0-9A-Za-z]+", variable):
        parts.extend(p.upper() for p in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+", chunk))
    return parts


def looks_like_secret(variable: str) -> bool:
    return any(part in SECRET_NAME_PARTS for part in name_parts(variable))


def check_ecr_scan_on_push(props: Mapping[str, Any], name: str) -> list[str]:
    scan = get(props, "imageScanningConfiguration", "scanOnPush", default=False)
    if is_unknown(scan) or scan is True:
        return []
    return [
        f"ECR repository '{name}': imageScanningConfiguration.scanOnPush is {json.dumps(scan)}; "
        "it must be true, so every image is scanned for vulnerabilities when it is pushed, before "
        "a release can run it."
    ]


def check_ecr_lifecycle_any_rule_last(props: Mapping[str, Any], name: str) -> list[str]:
    raw = get(props, "policy")
    if is_unknown(raw):
        return []
    try:
        document = parse_json(raw)
    except (TypeError, ValueError) as error:
        return [f"ECR lifecycle policy '{name}': policy is not valid JSON ({error}); ECR rejects it."]
    rules = [r for r in items(get(document, "rules", default=[])) if isinstance(r, Mapping)]
    priorities = [number(get(r, "rulePriority")) for r in rules]
    problems = []
    for index, (rule, priority) in enumerate(zip(rules, priorities, strict=True)):
        if get(rule, "selection", "tagStatus") != "any" or priority is None:
            continue
        others = [p for i, p in enumerate(priorities) if i != index and p is not None]
        if others and priority <= max(others):
            problems.append(
                f"ECR lifecycle policy '{name}': the rule with tagStatus 'any' has rulePriority "
                f"{fmt(priority)}, but another rule has rulePriority {fmt(max(others))}; the 'any' rule "
                "must have the highest rulePriority of all rules (evaluated last), or ECR rejects the policy."
            )
    return problems


def check_target_group_health_check(props: Mapping[str, Any], name: str) -> list[str]:
    check = get(props, "healthCheck")
    if is_unknown(check) or not isinstance(check, Mapping):
        return []
    interval = number(get(check, "interval"))
    timeout = number(get(check, "timeout"))
    problems = []

    def out_of(field: str, value: float | None, bounds: tuple[int, int]) -> None:
        low, high = bounds
        if value is not None and not low <= value <= high:
            problems.append(
                f"target group '{name}': healthCheck.{field} is {fmt(value)}; AWS allows {low}-{high}."
            )

    out_of("interval", interval, HEALTH_CHECK_INTERVAL)
    out_of("timeout", timeout, HEALTH_CHECK_TIMEOUT)
    out_of("healthyThreshold", number(get(check, "healthyThreshold")), HEALTH_CHECK_THRESHOLD)
    out_of("unhealthyThreshold", number(get(check, "unhealthyThreshold")), HEALTH_CHECK_THRESHOLD)
    if interval is not None and timeout is not None and timeout >= interval:
        problems.append(
            f"target group '{name}': healthCheck.timeout is {fmt(timeout)} s and healthCheck.interval "
            f"{fmt(interval)} s; the timeout must be less than the interval."
        )
    return problems


def check_ecs_service_no_public_ip(props: Mapping[str, Any], name: str, stack: str) -> list[str]:
    """Production tasks get no public IP. Other stacks may (``network.taskSubnets: public``, dev's
    network without a NAT gateway); ``network_checks`` then holds them to load-balancer-only ingress."""
    if not is_production_stack(stack):
        return []
    public = get(props, "networkConfiguration", "assignPublicIp", default=False)
    if public is not True:
        return []
    return [
        f"ECS service '{name}' of production stack '{stack}': networkConfiguration.assignPublicIp is "
        "true; it must be false: production tasks run in private subnets and are reached only through "
        "the load balancer (set network.taskSubnets: private). To run them in public subnets on purpose, "
        f"waive this rule: --policy-pack-config {WAIVER_FILE} (see docs/delivery.md)."
    ]


def check_task_definition_no_plaintext_secrets(props: Mapping[str, Any], name: str) -> list[str]:
    raw = get(props, "containerDefinitions")
    if is_unknown(raw) or raw is None:
        return []
    try:
        containers = parse_json(raw)
    except (TypeError, ValueError) as error:
        return [f"ECS task definition '{name}': containerDefinitions is not valid JSON ({error})."]
    problems = []
    for container in items(containers):
        if not isinstance(container, Mapping):
            continue
        container_name = get(container, "name", default="?")
        for variable in items(get(container, "environment", default=[])):
            variable_name = get(variable, "name")
            value = get(variable, "value", default="")
            if not isinstance(variable_name, str) or value == "" or not looks_like_secret(variable_name):
                continue
            # The value itself is never repeated: it is the secret.
            problems.append(
                f"ECS task definition '{name}': container '{container_name}' sets environment variable "
                f"'{variable_name}' to a plaintext value; a name with PASSWORD, SECRET, TOKEN or KEY "
                "must come from `secrets` (valueFrom a Secrets Manager or SSM parameter ARN: "
                "container.secrets in the stack config), never from `environment`."
            )
    return problems
