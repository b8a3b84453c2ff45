"""The checks that relate resources: what a stack policy sees of the whole stack.

Stack policies see the whole stack (for an update, after it), which is what these checks
need: which listener is production (named by a CodeDeploy deployment group, or by the
listener rule an ECS-controlled service shifts), which deployment group deploys a service,
which alarms a group or a service watches. Each check takes the stack's resources and its
name, and returns its violations with the URN of the resource at fault.

The program has two deployment engines (config ``deployment.controller``): ``codedeploy``, a
``CODE_DEPLOY`` service deployed by a CodeDeploy deployment group, and ``ecs``, a service with
the ``ECS`` controller that shifts traffic itself (``deploymentConfiguration.strategy``
BLUE_GREEN, LINEAR or CANARY) through listener rules named in its
``loadBalancers[].advancedConfiguration``. Each check covers both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import PolicyResource

from specs.ecs_engine import BLUE_GREEN_STRATEGIES as ECS_BLUE_GREEN_STRATEGIES
from specs.release_model import AlarmWindow, AlarmWindowFinding, alarm_window_finding
from specs.resource_reader import DEPLOYMENT_GROUP, ECS_SERVICE, LISTENER, LISTENER_RULE

from .values import READER, fmt, get, is_unknown, items, number, number_or_text, of_type

# Stack names that are production: HTTPS and alarm rollback are required there.
PRODUCTION_STACKS = frozenset({"prod", "production"})

# Listener ports that serve users. The program never puts its test listener on them
# (stack_config rejects loadBalancer.testListenerPort 80 or 443).
WEB_PORTS = frozenset({80, 443})

ROLLBACK_ON_FAILURE = "DEPLOYMENT_FAILURE"
ROLLBACK_ON_ALARM = "DEPLOYMENT_STOP_ON_ALARM"


@dataclass(frozen=True)
class Violation:
    message: str
    urn: str | None = None


def is_production_stack(stack: str) -> bool:
    return stack.rsplit("/", 1)[-1].lower() in PRODUCTION_STACKS


# --------------------------------------------------------------------------- production listener


def _route_arns(group: PolicyResource, route: str) -> list[Any]:
    return items(get(group.props, "loadBalancerInfo", "targetGroupPairInfo", route, "listenerArns"))


def _is_https_redirect(action: Any) -> bool:
    return (
        get(action, "type") == "redirect"
        and str(get(action, "redirect", "protocol", default="")).upper() == "HTTPS"
    )


def _kinds(actions: Sequence[Any]) -> str:
    return ", ".join(str(get(a, "type")) for a in actions) or "none"


def _listener_is_secure(
    props: Mapping[str, Any], rules: Sequence[PolicyResource] = ()
) -> tuple[bool | None, str]:
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
    actions = items(get(props, "defaultActions", default=[]))
    if any(is_unknown(a) for a in actions):
        return None, ""
    if not actions or not all(_is_https_redirect(a) for a in actions):
        return False, f"protocol {protocol} with default action(s) {_kinds(actions)}"
    for rule in rules:
        rule_actions = items(get(rule.props, "actions", default=[]))
        if any(is_unknown(a) for a in rule_actions):
            return None, ""
        if not all(_is_https_redirect(a) for a in rule_actions):
            return False, (
                f"protocol {protocol}: its default action redirects to HTTPS, but listener rule "
                f"'{rule.name}' on it has action(s) {_kinds(rule_actions)}"
            )
    return True, "an HTTP to HTTPS redirect"


def _ecs_rule_arns(service: PolicyResource, field: str) -> list[Any]:
    """``loadBalancers[].advancedConfiguration.<field>`` of a service: its listener rule ARNs."""
    arns = [
        get(load_balancer, "advancedConfiguration", field)
        for load_balancer in items(get(service.props, "loadBalancers", default=[]))
    ]
    return [arn for arn in arns if arn is not None]


def _production_and_test_listeners(resources: Sequence[PolicyResource]) -> tuple[dict[str, str], set[str]]:
    """The known ARNs of production listeners (ARN -> what makes it production) and of test listeners.

    CodeDeploy engine: the listener ARNs of each deployment group's ``prodTrafficRoute`` and
    ``testTrafficRoute``. ECS engine: the ``listenerArn`` of the listener rule that a service's
    ``loadBalancers[].advancedConfiguration`` names as ``productionListenerRule`` or
    ``testListenerRule`` (ECS shifts production traffic by that rule's weights). Unknown ARNs
    (a preview of a new stack) name no listener.
    """
    production: dict[str, str] = {}
    test: set[str] = set()
    for group in of_type(resources, DEPLOYMENT_GROUP):
        for arn in _route_arns(group, "prodTrafficRoute"):
            if isinstance(arn, str):
                production.setdefault(arn, "CodeDeploy's production listener")
        test.update(arn for arn in _route_arns(group, "testTrafficRoute") if isinstance(arn, str))
    rules_by_arn: dict[str, PolicyResource] = {}
    for listener_rule in of_type(resources, LISTENER_RULE):
        rule_arn = get(listener_rule.props, "arn")
        if isinstance(rule_arn, str):
            rules_by_arn[rule_arn] = listener_rule
    for service in of_type(resources, ECS_SERVICE):
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


def _rules_by_listener(resources: Sequence[PolicyResource]) -> dict[str, list[PolicyResource]]:
    """Listener rules by the known ARN of the listener they are on."""
    rules: dict[str, list[PolicyResource]] = {}
    for rule in of_type(resources, LISTENER_RULE):
        listener_arn = get(rule.props, "listenerArn")
        if isinstance(listener_arn, str):
            rules.setdefault(listener_arn, []).append(rule)
    return rules


def check_production_listener_https(resources: Sequence[PolicyResource], stack: str) -> list[Violation]:
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
    for listener in of_type(resources, LISTENER):
        arn = get(listener.props, "arn")
        known = isinstance(arn, str)
        port = number(get(listener.props, "port"))
        if known and arn in production:
            role = production[arn]
        elif known and arn in test:
            continue
        elif port is not None and int(port) in WEB_PORTS:
            role = f"a listener on web port {fmt(port)}"
        else:
            continue
        secure, description = _listener_is_secure(listener.props, rules_on.get(arn, []) if known else [])
        if secure is False:
            violations.append(
                Violation(
                    f"listener '{listener.name}' ({role}, port {fmt(port) if port is not None else '?'}) "
                    f"of production stack '{stack}' uses {description}; production traffic must be "
                    "HTTPS: set domain (name and its Route 53 zone: the program requests and validates "
                    "the certificate) or loadBalancer.certificateArn (an ACM certificate made elsewhere) "
                    "in the stack config, or a listener that only redirects HTTP to HTTPS.",
                    listener.urn,
                )
            )
    return violations


# --------------------------------------------------------------------------- rollback


def _groups_deploying(service: PolicyResource, groups: Sequence[PolicyResource]) -> list[PolicyResource]:
    """The deployment groups whose ecsService names this service (unknown names may match)."""
    service_name = get(service.props, "name")
    matched = []
    for group in groups:
        group_service = get(group.props, "ecsService", "serviceName")
        if is_unknown(service_name) or is_unknown(group_service) or group_service == service_name:
            matched.append(group)
    return matched


def check_codedeploy_rollback(resources: Sequence[PolicyResource], stack: str) -> list[Violation]:
    """A CODE_DEPLOY service's deployment group rolls back on failure, and in prod on alarms."""
    groups = of_type(resources, DEPLOYMENT_GROUP)
    production = is_production_stack(stack)
    violations = []
    for service in of_type(resources, ECS_SERVICE):
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


def _group_rollback_problems(
    group: PolicyResource, service: str, stack: str, production: bool
) -> list[Violation]:
    problems = []
    rollback = get(group.props, "autoRollbackConfiguration", default={})
    enabled = get(rollback, "enabled", default=False)
    events = items(get(rollback, "events", default=[]))
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
    alarm_names = items(get(alarms, "alarms", default=[]))
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


def _ecs_blue_green_strategy(service: PolicyResource) -> str | None:
    """The strategy of a service that ECS deploys blue/green itself; None otherwise or when unknown.

    That is the ``ECS`` deployment controller (the default when none is set) with
    ``deploymentConfiguration.strategy`` BLUE_GREEN, LINEAR or CANARY (ROLLING when unset).
    """
    controller = get(service.props, "deploymentController", "type", default="ECS")
    strategy = get(service.props, "deploymentConfiguration", "strategy", default="ROLLING")
    if controller != "ECS" or not isinstance(strategy, str) or strategy not in ECS_BLUE_GREEN_STRATEGIES:
        return None
    return strategy


def check_ecs_deployment_rollback(resources: Sequence[PolicyResource], stack: str) -> list[Violation]:
    """A service ECS deploys blue/green rolls back on failure (circuit breaker), and in prod on alarms.

    The ECS engine's counterpart of :func:`check_codedeploy_rollback`: there is no deployment
    group, the service's own ``deploymentCircuitBreaker`` and ``alarms`` decide the rollback.
    """
    production = is_production_stack(stack)
    violations = []
    for service in of_type(resources, ECS_SERVICE):
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
        alarm_names = items(get(alarms, "alarmNames", default=[]))
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


# --------------------------------------------------------------------------- blue outlasts the alarms


def _windows(alarms_by_name: Mapping[str, PolicyResource], names: Any) -> list[AlarmWindow[float]]:
    """The rollback windows of the named alarms in the stack whose period and evaluations are known.

    An alarm outside the stack is left out: its period is unknown here.
    """
    return READER.alarm_windows(alarms_by_name, names, lambda alarm, field: number(get(alarm.props, field)))


def _window_text(finding: AlarmWindowFinding[float]) -> str:
    alarm = finding.alarm
    return (
        f"the rollback window of alarm '{alarm.name}' (period {fmt(alarm.period_seconds)} s x "
        f"(evaluationPeriods {fmt(alarm.evaluation_periods)} + the period a breach starts in) = "
        f"{fmt(finding.evaluation_seconds)} s)"
    )


def check_termination_wait_covers_alarms(resources: Sequence[PolicyResource], stack: str) -> list[Violation]:
    """Blue is kept at least as long as the slowest alarm that can roll a release back needs to fire.

    The rollback window of an alarm is period x (evaluationPeriods + 1): evaluationPeriods whole
    periods of breaching data before it goes to ALARM, after the clock-aligned period the breach
    starts in (``specs.release_model.AlarmWindow.periods_to_fire``). Blue is kept
    ``terminationWaitTimeInMinutes`` by a CodeDeploy deployment group, and
    ``deploymentConfiguration.bakeTimeInMinutes`` by a service ECS deploys blue/green; either
    engine watches the alarms only until then.
    """
    del stack  # the same rule holds in every stack
    alarms_by_name = READER.alarms_by_name(resources)
    violations = []
    for group in of_type(resources, DEPLOYMENT_GROUP):
        config = get(group.props, "alarmConfiguration", default={})
        if get(config, "enabled", default=False) is not True:
            continue
        terminate = get(group.props, "blueGreenDeploymentConfig", "terminateBlueInstancesOnDeploymentSuccess")
        action = get(terminate, "action", default="TERMINATE")
        wait = number(get(terminate, "terminationWaitTimeInMinutes", default=0))
        if is_unknown(terminate) or action != "TERMINATE" or wait is None:
            continue  # KEEP_ALIVE keeps blue; unknown values are judged in `pulumi up`
        finding = alarm_window_finding(wait * 60, _windows(alarms_by_name, get(config, "alarms", default=[])))
        if finding is None:
            continue
        violations.append(
            Violation(
                f"CodeDeploy deployment group '{group.name}': blueGreenDeploymentConfig."
                f"terminateBlueInstancesOnDeploymentSuccess.terminationWaitTimeInMinutes is "
                f"{fmt(wait)} ({fmt(wait * 60)} s), shorter than {_window_text(finding)}. CodeDeploy "
                "watches alarms only until the deployment ends, and it ends when blue is terminated: a "
                "release that breaks after the last traffic shift would end Succeeded with blue gone "
                "before the alarm can fire, and nothing rolls it back. Keep blue at least "
                f"{finding.minutes_needed} minutes (deployment.terminationWaitMinutes) or shorten "
                "the alarm.",
                group.urn,
            )
        )
    for service in of_type(resources, ECS_SERVICE):
        strategy = _ecs_blue_green_strategy(service)
        alarms = get(service.props, "alarms", default={})
        if strategy is None or get(alarms, "enable", default=False) is not True:
            continue
        raw = get(service.props, "deploymentConfiguration", "bakeTimeInMinutes")
        bake = 0.0 if raw is None else number_or_text(raw)
        if bake is None:
            continue  # unknown values are judged in `pulumi up`; ECS rejects a non-number
        finding = alarm_window_finding(
            bake * 60, _windows(alarms_by_name, get(alarms, "alarmNames", default=[]))
        )
        if finding is None:
            continue
        shown = "not set" if raw is None else json.dumps(raw) if isinstance(raw, str) else fmt(bake)
        violations.append(
            Violation(
                f"ECS service '{service.name}' (deploymentController ECS, strategy {strategy}): "
                f"deploymentConfiguration.bakeTimeInMinutes is {shown} ({fmt(bake * 60)} s), shorter "
                f"than {_window_text(finding)}. ECS watches the service's alarms only until the "
                "deployment ends, and it ends when the bake time is over and blue is terminated: a "
                "release that breaks after the last traffic shift would end successful with blue gone "
                "before the alarm can fire, and nothing rolls it back. Keep blue at least "
                f"{finding.minutes_needed} minutes (deployment.terminationWaitMinutes, which sets "
                "bakeTimeInMinutes) or shorten the alarm.",
                service.urn,
            )
        )
    return violations
