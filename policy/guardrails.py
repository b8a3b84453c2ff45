"""Guardrails for the fargate-bluegreen stacks: the policies of the policy pack, importable and testable.

``policy/__main__.py`` only hands :func:`build_policies` to ``PolicyPack`` (constructing a
``PolicyPack`` starts a gRPC server and blocks, so tests import this module, never the pack's
``__main__``). Every check is a plain function over property mappings that returns its
violations; the policies below only feed those functions the engine's arguments and report.

Props are camelCase, as the engine passes them. During a preview some values are unknown
(``pulumi_policy`` wraps props in a proxy that raises on access to an unknown); a check
skips a value it cannot know and judges it again in ``pulumi up``, when inputs are resolved.

Resource policies see a resource's inputs before it is created or updated, so a violation
stops ``pulumi up`` before the change. Stack policies see the whole stack (for an update,
after it), which is what the checks that relate resources need: which listener is production
(named by a CodeDeploy deployment group, or by the listener rule an ECS-controlled service
shifts), which deployment group deploys a service, which alarms a group or a service watches.

The program has two deployment engines (config ``deployment.controller``): ``codedeploy``, a
``CODE_DEPLOY`` service deployed by a CodeDeploy deployment group, and ``ecs``, a service with
the ``ECS`` controller that shifts traffic itself (``deploymentConfiguration.strategy``
BLUE_GREEN, LINEAR or CANARY) through listener rules named in its
``loadBalancers[].advancedConfiguration``. Each stack policy covers both.

The limits and the alarm-window rule come from ``specs.release_model`` (standard library
only), shared with config validation and the preview; ``policy/__main__.py`` puts the repo
root on ``sys.path`` so the pack's own environment finds it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Secret,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

from specs.release_model import (
    ECS_BLUE_GREEN_STRATEGIES,
    HEALTH_CHECK_INTERVAL,
    HEALTH_CHECK_THRESHOLD,
    HEALTH_CHECK_TIMEOUT,
    AlarmWindow,
    alarm_outlasts_blue,
    minutes_to_cover,
)

PACK_NAME = "fargate-bluegreen-guardrails"
PACK_ENFORCEMENT = EnforcementLevel.MANDATORY

# Stack names that are production: HTTPS and alarm rollback are required there.
PRODUCTION_STACKS = frozenset({"prod", "production"})

ECR_REPOSITORY = "aws:ecr/repository:Repository"
ECR_LIFECYCLE_POLICY = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
LISTENER = "aws:lb/listener:Listener"
LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
ECS_SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
DEPLOYMENT_GROUP = "aws:codedeploy/deploymentGroup:DeploymentGroup"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"

# Listener ports that serve users. The program never puts its test listener on them
# (stack_config rejects loadBalancer.testListenerPort 80 or 443).
WEB_PORTS = frozenset({80, 443})

# Environment variable name parts that mark a secret (PASSWORD, DB_PASSWORD, apiToken, ...).
SECRET_NAME_PARTS = frozenset({"PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "APIKEY"})

ROLLBACK_ON_FAILURE = "DEPLOYMENT_FAILURE"
ROLLBACK_ON_ALARM = "DEPLOYMENT_STOP_ON_ALARM"

_UNKNOWN_SENTINELS = frozenset(
    {
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_OBJECT_VALUE,
        UNKNOWN_STRING_VALUE,
    }
)


class _Unknown:
    """A value that is not known yet (a preview of a resource that does not exist)."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN: Any = _Unknown()
_MISSING = object()


@dataclass(frozen=True)
class Violation:
    message: str
    urn: str | None = None


# --------------------------------------------------------------------------- helpers


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN or (isinstance(value, str) and value in _UNKNOWN_SENTINELS)


def get(props: Any, *path: str | int, default: Any = None) -> Any:
    """``props[path[0]][path[1]]...``; ``default`` when absent, :data:`UNKNOWN` when unknown."""
    current = props
    try:
        for key in path:
            if isinstance(current, Secret):
                current = current.value
            if is_unknown(current):
                return UNKNOWN
            if isinstance(key, int):
                if not _is_sequence(current) or not -len(current) <= key < len(current):
                    return default
                current = current[key]
            else:
                if not isinstance(current, Mapping):
                    return default
                current = current.get(key, _MISSING)
                if current is _MISSING:
                    return default
    except UnknownValueError:
        return UNKNOWN
    if isinstance(current, Secret):
        current = current.value
    if is_unknown(current):
        return UNKNOWN
    return default if current is None else current


def _is_sequence(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def _items(value: Any) -> list[Any]:
    """The elements of a list-like value ([] when absent, [UNKNOWN] when unknown)."""
    if is_unknown(value):
        return [UNKNOWN]
    if not _is_sequence(value):
        return []
    out = []
    for index in range(len(value)):
        try:
            out.append(value[index])
        except UnknownValueError:
            out.append(UNKNOWN)
    return out


def _number(value: Any) -> float | None:
    """A real number, or None for unknown, absent or non-numeric values (booleans included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _json(value: Any) -> Any:
    """A JSON document that may come as text (the provider's input type) or already parsed."""
    if isinstance(value, str):
        return json.loads(value)
    return value


def is_production_stack(stack: str) -> bool:
    return stack.rsplit("/", 1)[-1].lower() in PRODUCTION_STACKS


def name_parts(variable: str) -> list[str]:
    """``DB_PASSWORD`` -> [DB, PASSWORD]; ``apiToken`` -> [API, TOKEN]; ``APIKey`` -> [API, KEY]."""
    parts: list[str] = []
    for chunk in re.split(r"[^0-9A-Za-z]+", variable):
        parts.extend(p.upper() for p in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+", chunk))
    return parts


def looks_like_secret(variable: str) -> bool:
    return any(part in SECRET_NAME_PARTS for part in name_parts(variable))


# --------------------------------------------------------------------------- resource checks


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
        document = _json(raw)
    except (TypeError, ValueError) as error:
        return [f"ECR lifecycle policy '{name}': policy is not valid JSON ({error}); ECR rejects it."]
    rules = [r for r in _items(get(document, "rules", default=[])) if isinstance(r, Mapping)]
    priorities = [_number(get(r, "rulePriority")) for r in rules]
    problems = []
    for index, (rule, priority) in enumerate(zip(rules, priorities, strict=True)):
        if get(rule, "selection", "tagStatus") != "any" or priority is None:
            continue
        others = [p for i, p in enumerate(priorities) if i != index and p is not None]
        if others and priority <= max(others):
            problems.append(
                f"ECR lifecycle policy '{name}': the rule with tagStatus 'any' has rulePriority "
                f"{_fmt(priority)}, but another rule has rulePriority {_fmt(max(others))}; the 'any' rule "
                "must have the highest rulePriority of all rules (evaluated last), or ECR rejects the policy."
            )
    return problems


def check_target_group_health_check(props: Mapping[str, Any], name: str) -> list[str]:
    check = get(props, "healthCheck")
    if is_unknown(check) or not isinstance(check, Mapping):
        return []
    interval = _number(get(check, "interval"))
    timeout = _number(get(check, "timeout"))
    problems = []

    def out_of(field: str, value: float | None, bounds: tuple[int, int]) -> None:
        low, high = bounds
        if value is not None and not low <= value <= high:
            problems.append(
                f"target group '{name}': healthCheck.{field} is {_fmt(value)}; AWS allows {low}-{high}."
            )

    out_of("interval", interval, HEALTH_CHECK_INTERVAL)
    out_of("timeout", timeout, HEALTH_CHECK_TIMEOUT)
    out_of("healthyThreshold", _number(get(check, "healthyThreshold")), HEALTH_CHECK_THRESHOLD)
    out_of("unhealthyThreshold", _number(get(check, "unhealthyThreshold")), HEALTH_CHECK_THRESHOLD)
    if interval is not None and timeout is not None and timeout >= interval:
        problems.append(
            f"target group '{name}': healthCheck.timeout is {_fmt(timeout)} s and healthCheck.interval "
            f"{_fmt(interval)} s; the timeout must be less than the interval."
        )
    return problems


def check_ecs_service_no_public_ip(props: Mapping[str, Any], name: str) -> list[str]:
    public = get(props, "networkConfiguration", "assignPublicIp", default=False)
    if public is not True:
        return []
    return [
        f"ECS service '{name}': networkConfiguration.assignPublicIp is true; it must be false: tasks "
        "run in private subnets and are reached only through the load balancer."
    ]


def check_task_definition_no_plaintext_secrets(props: Mapping[str, Any], name: str) -> list[str]:
    raw = get(props, "containerDefinitions")
    if is_unknown(raw) or raw is None:
        return []
    try:
        containers = _json(raw)
    except (TypeError, ValueError) as error:
        return [f"ECS task definition '{name}': containerDefinitions is not valid JSON ({error})."]
    problems = []
    for container in _items(containers):
        if not isinstance(container, Mapping):
            continue
        container_name = get(container, "name", default="?")
        for variable in _items(get(container, "environment", default=[])):
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


# --------------------------------------------------------------------------- stack checks


def _of_type(resources: Iterable[Any], resource_type: str) -> list[Any]:
    return [r for r in resources if r.resource_type == resource_type]


def _route_arns(group: Any, route: str) -> list[Any]:
    return _items(get(group.props, "loadBalancerInfo", "targetGroupPairInfo", route, "listenerArns"))


def _is_https_redirect(action: Any) -> bool:
    return (
        get(action, "type") == "redirect"
        and str(get(action, "redirect", "protocol", default="")).upper() == "HTTPS"
    )


def _kinds(actions: Sequence[Any]) -> str:
    return ", ".join(str(get(a, "type")) for a in actions) or "none"


def _listener_is_secure(props: Mapping[str, Any], rules: Sequence[Any] = ()) -> tuple[bool | None, str]:
    """(secure?, description); None when unknown. HTTPS, or HTTP that only redirects to HTTPS.

    ``rules`` are the listener rules on the listener: an HTTP listener whose default action
    redirects still serves plain HTTP through a rule that forwards (as the production listener
    rule of an ECS-controlled service does), so it only redirects if its rules redirect too.
    """
    protocol = get(props, "protocol", default="HTTP")
    if is_unknown(protocol):
        return None, ""
    if protocol == "HTTPS":
        return True, "HTTPS"
    actions = _items(get(props, "defaultActions", default=[]))
    if any(is_unknown(a) for a in actions):
        return None, ""
    if not actions or not all(_is_https_redirect(a) for a in actions):
        return False, f"protocol {protocol} with default action(s) {_kinds(actions)}"
    for rule in rules:
        rule_actions = _items(get(rule.props, "actions", default=[]))
        if any(is_unknown(a) for a in rule_actions):
            return None, ""
        if not all(_is_https_redirect(a) for a in rule_actions):
            return False, (
                f"protocol {protocol}: its default action redirects to HTTPS, but listener rule "
                f"'{rule.name}' on it has action(s) {_kinds(rule_actions)}"
            )
    return True, "an HTTP to HTTPS redirect"


def _ecs_rule_arns(service: Any, field: str) -> list[Any]:
    """``loadBalancers[].advancedConfiguration.<field>`` of a service: its listener rule ARNs."""
    arns = [
        get(load_balancer, "advancedConfiguration", field)
        for load_balancer in _items(get(service.props, "loadBalancers", default=[]))
    ]
    return [arn for arn in arns if arn is not None]


def _production_and_test_listeners(resources: Sequence[Any]) -> tuple[dict[str, str], set[str]]:
    """The known ARNs of production listeners (ARN -> what makes it production) and of test listeners.

    CodeDeploy engine: the listener ARNs of each deployment group's ``prodTrafficRoute`` and
    ``testTrafficRoute``. ECS engine: the ``listenerArn`` of the listener rule that a service's
    ``loadBalancers[].advancedConfiguration`` names as ``productionListenerRule`` or
    ``testListenerRule`` (ECS shifts production traffic by that rule's weights). Unknown ARNs
    (a preview of a new stack) name no listener.
    """
    production: dict[str, str] = {}
    test: set[str] = set()
    for group in _of_type(resources, DEPLOYMENT_GROUP):
        for arn in _route_arns(group, "prodTrafficRoute"):
            if isinstance(arn, str):
                production.setdefault(arn, "CodeDeploy's production listener")
        test.update(arn for arn in _route_arns(group, "testTrafficRoute") if isinstance(arn, str))
    rules_by_arn: dict[str, Any] = {}
    for rule in _of_type(resources, LISTENER_RULE):
        rule_arn = get(rule.props, "arn")
        if isinstance(rule_arn, str):
            rules_by_arn[rule_arn] = rule
    for service in _of_type(resources, ECS_SERVICE):
        for field in ("productionListenerRule", "testListenerRule"):
            for rule_arn in _ecs_rule_arns(service, field):
                rule = rules_by_arn.get(rule_arn) if isinstance(rule_arn, str) else None
                if rule is None:
                    continue
                listener_arn = get(rule.props, "listenerArn")
                if not isinstance(listener_arn, str):
                    continue
                if field == "testListenerRule":
                    test.add(listener_arn)
                else:
                    role = f"production listener of ECS service '{service.name}'"
                    role += f" via listener rule '{rule.name}'"
                    production.setdefault(listener_arn, role)
    return production, test


def _rules_by_listener(resources: Sequence[Any]) -> dict[str, list[Any]]:
    """Listener rules by the known ARN of the listener they are on."""
    rules: dict[str, list[Any]] = {}
    for rule in _of_type(resources, LISTENER_RULE):
        listener_arn = get(rule.props, "listenerArn")
        if isinstance(listener_arn, str):
            rules.setdefault(listener_arn, []).append(rule)
    return rules


def check_production_listener_https(resources: Sequence[Any], stack: str) -> list[Violation]:
    """In a production stack, the production listener serves HTTPS (or only redirects to it).

    Which listener is production comes from the deployment engine: the listeners of each
    CodeDeploy deployment group's ``prodTrafficRoute``, or the listener of the production
    listener rule of an ECS-controlled service (:func:`_production_and_test_listeners`). A
    test listener (``testTrafficRoute``, ``testListenerRule``) is not judged, unless it is
    also production. While ARNs are unknown (preview of a new stack) or for a listener no
    engine names, a listener on port 80 or 443 counts as production, since those ports serve
    users and the test listener is never on them.
    """
    if not is_production_stack(stack):
        return []
    production, test = _production_and_test_listeners(resources)
    rules_on = _rules_by_listener(resources)
    violations = []
    for listener in _of_type(resources, LISTENER):
        arn = get(listener.props, "arn")
        known = isinstance(arn, str)
        port = _number(get(listener.props, "port"))
        if known and arn in production:
            role = production[arn]
        elif known and arn in test:
            continue
        elif port is not None and int(port) in WEB_PORTS:
            role = f"a listener on web port {_fmt(port)}"
        else:
            continue
        secure, description = _listener_is_secure(listener.props, rules_on.get(arn, []) if known else [])
        if secure is False:
            violations.append(
                Violation(
                    f"listener '{listener.name}' ({role}, port {_fmt(port) if port is not None else '?'}) "
                    f"of production stack '{stack}' uses {description}; production traffic must be "
                    "HTTPS: protocol HTTPS with an ACM certificate (loadBalancer.certificateArn in the "
                    "stack config), or a listener that only redirects HTTP to HTTPS.",
                    listener.urn,
                )
            )
    return violations


def _groups_deploying(service: Any, groups: Sequence[Any]) -> list[Any]:
    """The deployment groups whose ecsService names this service (unknown names may match)."""
    service_name = get(service.props, "name")
    matched = []
    for group in groups:
        group_service = get(group.props, "ecsService", "serviceName")
        if is_unknown(service_name) or is_unknown(group_service) or group_service == service_name:
            matched.append(group)
    return matched


def check_codedeploy_rollback(resources: Sequence[Any], stack: str) -> list[Violation]:
    """A CODE_DEPLOY service's deployment group rolls back on failure, and in prod on alarms."""
    groups = _of_type(resources, DEPLOYMENT_GROUP)
    production = is_production_stack(stack)
    violations = []
    for service in _of_type(resources, ECS_SERVICE):
        controller = get(service.props, "deploymentController", "type", default="ECS")
        if controller != "CODE_DEPLOY":
            continue
        deploying = _groups_deploying(service, groups)
        if not deploying:
            violations.append(
                Violation(
                    f"ECS service '{service.name}' has deploymentController.type CODE_DEPLOY but no "
                    "CodeDeploy deployment group in the stack deploys it (ecsService.serviceName); it "
                    "needs one, with autoRollbackConfiguration enabled.",
                    service.urn,
                )
            )
        for group in deploying:
            violations.extend(_group_rollback_problems(group, service.name, stack, production))
    return violations


def _group_rollback_problems(group: Any, service: str, stack: str, production: bool) -> list[Violation]:
    problems = []
    rollback = get(group.props, "autoRollbackConfiguration", default={})
    enabled = get(rollback, "enabled", default=False)
    events = _items(get(rollback, "events", default=[]))
    if is_unknown(rollback) or is_unknown(enabled) or any(is_unknown(e) for e in events):
        return []
    where = f"CodeDeploy deployment group '{group.name}' (deploys ECS service '{service}')"
    if enabled is not True or ROLLBACK_ON_FAILURE not in events:
        problems.append(
            Violation(
                f"{where}: autoRollbackConfiguration is enabled={json.dumps(enabled)} with events "
                f"{json.dumps(list(events))}; it must be enabled with {ROLLBACK_ON_FAILURE} so a failed "
                "release returns traffic to blue.",
                group.urn,
            )
        )
    if not production:
        return problems
    alarms = get(group.props, "alarmConfiguration", default={})
    alarm_enabled = get(alarms, "enabled", default=False)
    alarm_names = _items(get(alarms, "alarms", default=[]))
    if is_unknown(alarms) or is_unknown(alarm_enabled) or any(is_unknown(a) for a in alarm_names):
        return problems
    if alarm_enabled is not True or not alarm_names:
        problems.append(
            Violation(
                f"{where}: alarmConfiguration is enabled={json.dumps(alarm_enabled)} with "
                f"{len(alarm_names)} alarm(s) in production stack '{stack}'; it must be enabled with at "
                "least one alarm (alarms.rollbackOnAlarm in the stack config), so a release that "
                "breaks the service is stopped.",
                group.urn,
            )
        )
    elif enabled is True and ROLLBACK_ON_ALARM not in events:
        problems.append(
            Violation(
                f"{where}: autoRollbackConfiguration.events {json.dumps(list(events))} lacks "
                f"{ROLLBACK_ON_ALARM} in production stack '{stack}'; without it an alarm stops the "
                "release but does not roll it back.",
                group.urn,
            )
        )
    return problems


def _ecs_blue_green_strategy(service: Any) -> str | None:
    """The strategy of a service that ECS deploys blue/green itself; None otherwise or when unknown.

    That is the ``ECS`` deployment controller (the default when none is set) with
    ``deploymentConfiguration.strategy`` BLUE_GREEN, LINEAR or CANARY (ROLLING when unset).
    """
    controller = get(service.props, "deploymentController", "type", default="ECS")
    strategy = get(service.props, "deploymentConfiguration", "strategy", default="ROLLING")
    if controller != "ECS" or not isinstance(strategy, str) or strategy not in ECS_BLUE_GREEN_STRATEGIES:
        return None
    return strategy


def check_ecs_deployment_rollback(resources: Sequence[Any], stack: str) -> list[Violation]:
    """A service ECS deploys blue/green rolls back on failure (circuit breaker), and in prod on alarms.

    The ECS engine's counterpart of :func:`check_codedeploy_rollback`: there is no deployment
    group, the service's own ``deploymentCircuitBreaker`` and ``alarms`` decide the rollback.
    """
    production = is_production_stack(stack)
    violations = []
    for service in _of_type(resources, ECS_SERVICE):
        strategy = _ecs_blue_green_strategy(service)
        if strategy is None:
            continue
        where = f"ECS service '{service.name}' (deploymentController ECS, strategy {strategy})"
        breaker = get(service.props, "deploymentCircuitBreaker", default={})
        enable = get(breaker, "enable", default=False)
        rollback = get(breaker, "rollback", default=False)
        if not any(is_unknown(v) for v in (breaker, enable, rollback)) and (
            enable is not True or rollback is not True
        ):
            violations.append(
                Violation(
                    f"{where}: deploymentCircuitBreaker is enable={json.dumps(enable)} with "
                    f"rollback={json.dumps(rollback)}; it must be enabled with rollback (enable true, "
                    "rollback true) so a failed release returns traffic to blue.",
                    service.urn,
                )
            )
        if not production:
            continue
        alarms = get(service.props, "alarms", default={})
        alarm_enable = get(alarms, "enable", default=False)
        alarm_rollback = get(alarms, "rollback", default=False)
        alarm_names = _items(get(alarms, "alarmNames", default=[]))
        if any(is_unknown(v) for v in (alarms, alarm_enable, alarm_rollback, *alarm_names)):
            continue
        if alarm_enable is not True or not alarm_names:
            violations.append(
                Violation(
                    f"{where}: alarms is enable={json.dumps(alarm_enable)} with {len(alarm_names)} "
                    f"alarm(s) in production stack '{stack}'; it must be enabled with at least one "
                    "alarm (alarms.rollbackOnAlarm in the stack config), so a release that breaks the "
                    "service is stopped.",
                    service.urn,
                )
            )
        elif alarm_rollback is not True:
            violations.append(
                Violation(
                    f"{where}: alarms.rollback is {json.dumps(alarm_rollback)} in production stack "
                    f"'{stack}'; it must be true: without it an alarm fails the release but does not "
                    "roll it back.",
                    service.urn,
                )
            )
    return violations


def _alarms_by_name(resources: Sequence[Any]) -> dict[str, Any]:
    alarms: dict[str, Any] = {}
    for alarm in _of_type(resources, METRIC_ALARM):
        alarm_name = get(alarm.props, "name")
        if isinstance(alarm_name, str):
            alarms[alarm_name] = alarm
    return alarms


def _windows(alarms_by_name: Mapping[str, Any], names: Any) -> list[AlarmWindow[float]]:
    """The rollback windows of the named alarms in the stack whose period and evaluations are known."""
    windows = []
    for alarm_name in _items(names):
        alarm = alarms_by_name.get(alarm_name) if isinstance(alarm_name, str) else None
        if alarm is None:
            continue  # an alarm outside the stack: its period is unknown here
        period = _number(get(alarm.props, "period"))
        evaluations = _number(get(alarm.props, "evaluationPeriods"))
        if period is not None and evaluations is not None:
            windows.append(AlarmWindow(alarm_name, period, evaluations))
    return windows


def _window_text(window: AlarmWindow[float]) -> str:
    return (
        f"the rollback window of alarm '{window.name}' (period {_fmt(window.period_seconds)} s x "
        f"evaluationPeriods {_fmt(window.evaluation_periods)} = {_fmt(window.evaluation_seconds)} s)"
    )


def _minutes(value: Any) -> float | None:
    """Minutes as a number or as the provider's numeric string ("5"); None if unknown or not a number."""
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return _number(value)


def check_termination_wait_covers_alarms(resources: Sequence[Any], stack: str) -> list[Violation]:
    """Blue is kept at least as long as the slowest alarm that can roll a release back needs to fire.

    The rollback window of an alarm is period x evaluationPeriods: that much breaching data
    before it goes to ALARM. Blue is kept ``terminationWaitTimeInMinutes`` by a CodeDeploy
    deployment group, and ``deploymentConfiguration.bakeTimeInMinutes`` by a service ECS
    deploys blue/green; either engine watches the alarms only until then.
    """
    del stack  # the same rule holds in every stack
    alarms_by_name = _alarms_by_name(resources)
    violations = []
    for group in _of_type(resources, DEPLOYMENT_GROUP):
        config = get(group.props, "alarmConfiguration", default={})
        if get(config, "enabled", default=False) is not True:
            continue
        terminate = get(group.props, "blueGreenDeploymentConfig", "terminateBlueInstancesOnDeploymentSuccess")
        action = get(terminate, "action", default="TERMINATE")
        wait = _number(get(terminate, "terminationWaitTimeInMinutes", default=0))
        if is_unknown(terminate) or action != "TERMINATE" or wait is None:
            continue  # KEEP_ALIVE keeps blue; unknown values are judged in `pulumi up`
        longest = alarm_outlasts_blue(wait * 60, _windows(alarms_by_name, get(config, "alarms", default=[])))
        if longest is None:
            continue
        violations.append(
            Violation(
                f"CodeDeploy deployment group '{group.name}': blueGreenDeploymentConfig."
                f"terminateBlueInstancesOnDeploymentSuccess.terminationWaitTimeInMinutes is "
                f"{_fmt(wait)} ({_fmt(wait * 60)} s), shorter than {_window_text(longest)}. CodeDeploy "
                "watches alarms only until the deployment ends, and it ends when blue is terminated: a "
                "release that breaks after the last traffic shift would end Succeeded with blue gone "
                "before the alarm can fire, and nothing rolls it back. Keep blue at least "
                f"{minutes_to_cover(longest)} minutes (deployment.terminationWaitMinutes) or shorten "
                "the alarm.",
                group.urn,
            )
        )
    for service in _of_type(resources, ECS_SERVICE):
        strategy = _ecs_blue_green_strategy(service)
        alarms = get(service.props, "alarms", default={})
        if strategy is None or get(alarms, "enable", default=False) is not True:
            continue
        raw = get(service.props, "deploymentConfiguration", "bakeTimeInMinutes")
        bake = 0.0 if raw is None else _minutes(raw)
        if bake is None:
            continue  # unknown values are judged in `pulumi up`; ECS rejects a non-number
        longest = alarm_outlasts_blue(
            bake * 60, _windows(alarms_by_name, get(alarms, "alarmNames", default=[]))
        )
        if longest is None:
            continue
        shown = "not set" if raw is None else json.dumps(raw) if isinstance(raw, str) else _fmt(bake)
        violations.append(
            Violation(
                f"ECS service '{service.name}' (deploymentController ECS, strategy {strategy}): "
                f"deploymentConfiguration.bakeTimeInMinutes is {shown} ({_fmt(bake * 60)} s), shorter "
                f"than {_window_text(longest)}. ECS watches the service's alarms only until the "
                "deployment ends, and it ends when the bake time is over and blue is terminated: a "
                "release that breaks after the last traffic shift would end successful with blue gone "
                "before the alarm can fire, and nothing rolls it back. Keep blue at least "
                f"{minutes_to_cover(longest)} minutes (deployment.terminationWaitMinutes, which sets "
                "bakeTimeInMinutes) or shorten the alarm.",
                service.urn,
            )
        )
    return violations


# --------------------------------------------------------------------------- policies

ResourceCheck = Callable[[Mapping[str, Any], str], list[str]]
StackCheck = Callable[[Sequence[Any], str], list[Violation]]


def _resource_policy(name: str, description: str, resource_type: str, check: ResourceCheck) -> Policy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type != resource_type:
            return
        for message in check(args.props, args.name):
            report_violation(message, None)

    return ResourceValidationPolicy(name=name, description=description, validate=validate)


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
        _resource_policy(
            "ecs-service-no-public-ip",
            "ECS services do not assign public IPs to tasks.",
            ECS_SERVICE,
            check_ecs_service_no_public_ip,
        ),
        _resource_policy(
            "task-definition-no-plaintext-secrets",
            "Container environment variables named like secrets come from `secrets`, not plaintext.",
            TASK_DEFINITION,
            check_task_definition_no_plaintext_secrets,
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
            "blue-termination-wait-covers-alarms",
            "Blue is kept after a release (CodeDeploy terminationWaitTimeInMinutes, ECS "
            "bakeTimeInMinutes) at least as long as the alarms that roll it back need to fire.",
            check_termination_wait_covers_alarms,
            stack_name,
        ),
    ]
