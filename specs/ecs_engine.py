"""The ECS engine: its limits, the service's deploymentConfiguration for a strategy and back, its words.

With ``deploymentController: ECS`` the service itself shifts traffic
(``deploymentConfiguration.strategy``): canary sends ``canaryPercent`` first and the rest
after ``canaryBakeTimeInMinutes``; linear adds ``stepPercent`` every
``stepBakeTimeInMinutes``; blue/green shifts everything at once. After the shift the old
revision is kept ``bakeTimeInMinutes``. The ready wait (``deployment.readyWaitMinutes``) is a
PAUSE lifecycle hook at ``READY_WAIT_STAGE`` that times out into ``CONTINUE`` or ``ROLLBACK``.
The limits are checked here once and worded by the config (an error naming the stack
setting) and the preview (a warning naming ECS's input).
The inverse (a declared ``deploymentConfiguration`` back to a ``TrafficRouting``) sits beside
the forward mapping. Sources: ECS API reference (DeploymentConfiguration,
CanaryConfiguration, LinearConfiguration, DeploymentLifecycleHook and its
DeploymentLifecycleHookTimeoutConfiguration; developer guide "Pause hooks for Amazon ECS service
deployments"). Standard library only (the policy pack's environment).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from specs.codedeploy_engine import MAX_WAIT_MINUTES as CODEDEPLOY_MAX_WAIT_MINUTES
from specs.codedeploy_engine import PERCENTAGE_RANGE as CODEDEPLOY_PERCENTAGE_RANGE
from specs.codedeploy_engine import READY_WAIT_MINUTES_RANGE as CODEDEPLOY_READY_WAIT_RANGE
from specs.resource_reader import required_number, required_whole_number
from specs.traffic_routing import ALL_AT_ONCE, Strategy, TrafficRouting, percent_text, routing_for

# --------------------------------------------------------------------------- limits

BAKE_MAX_MINUTES = 1440
"""ECS's upper bound for every bake time (bakeTimeInMinutes, canary and linear step bake)."""
CANARY_MIN_PERCENT = 0.1
LINEAR_STEP_MIN_PERCENT = 3

NATIVE_STRATEGY: dict[Strategy, str] = {"canary": "CANARY", "linear": "LINEAR", ALL_AT_ONCE: "BLUE_GREEN"}
"""The ECS ``deploymentConfiguration.strategy`` a stack strategy maps to."""
BLUE_GREEN_STRATEGIES: tuple[str, ...] = ("BLUE_GREEN", "LINEAR", "CANARY")
"""ECS strategies that deploy blue/green (ROLLING, ECS's default, replaces tasks in place)."""

PAUSE_MINUTES_RANGE = (1, 20160)
"""A PAUSE hook's ``timeoutConfiguration.timeoutInMinutes`` (botocore's ECS model,
DeploymentLifecycleHookDuration: 1-20,160 minutes, two weeks)."""
READY_WAIT_STAGE = "POST_TEST_TRAFFIC_SHIFT"
"""Where the ready wait pauses: green serves all test traffic, production is still on blue, the
point CodeDeploy's ready wait holds at (after AfterAllowTestTraffic, before BeforeAllowTraffic).
AWS's guide pauses at this stage in its own example ("Pause hooks for Amazon ECS service
deployments"). Not PRE_PRODUCTION_TRAFFIC_SHIFT: for linear and canary ECS passes it before every
step. A Lambda hook at the same stage (the smoke test's AfterAllowTestTraffic) runs alongside;
ECS moves on when both have completed ("Lifecycle hooks for Amazon ECS service deployments")."""
PAUSE = "PAUSE"
"""The lifecycle hook ``targetType`` that waits for ContinueServiceDeployment."""
ReadyWaitTimeoutAction = Literal["rollback", "continue"]
"""What the ready wait does when nobody continued it in time (``deployment.readyWaitTimeoutAction``)."""
TIMEOUT_ACTION: dict[ReadyWaitTimeoutAction, str] = {"rollback": "ROLLBACK", "continue": "CONTINUE"}
"""The setting -> ECS's ``timeoutConfiguration.action`` (ECS's default is ROLLBACK)."""


@dataclass(frozen=True)
class LimitBreach:
    """A deploymentConfiguration value outside what ECS accepts; callers word it."""

    setting: str
    """ECS's name: ``bakeTimeInMinutes``, ``canaryBakeTimeInMinutes``, ``stepBakeTimeInMinutes``,
    ``canaryPercent``, ``stepPercent`` or ``timeoutInMinutes`` (the ready wait's PAUSE hook)."""
    value: float
    low: float
    high: float

    @property
    def is_percent(self) -> bool:
        return self.setting.endswith("Percent")


def limit_breaches(
    routing: TrafficRouting, bake_minutes: int, ready_wait_minutes: int = 0
) -> list[LimitBreach]:
    """Every value of the routing, bake time and ready wait (0: none) that ECS would reject,
    percentages first."""
    checks: list[tuple[str, float | None, float, float]] = []
    if routing.kind == "canary":
        checks += [
            ("canaryPercent", routing.percentage, CANARY_MIN_PERCENT, 100),
            ("canaryBakeTimeInMinutes", routing.interval_minutes, 0, BAKE_MAX_MINUTES),
        ]
    if routing.kind == "linear":
        checks += [
            ("stepPercent", routing.percentage, LINEAR_STEP_MIN_PERCENT, 100),
            ("stepBakeTimeInMinutes", routing.interval_minutes, 0, BAKE_MAX_MINUTES),
        ]
    checks.append(("bakeTimeInMinutes", bake_minutes, 0, BAKE_MAX_MINUTES))
    if ready_wait_minutes:
        checks.append(("timeoutInMinutes", ready_wait_minutes, *PAUSE_MINUTES_RANGE))
    return [
        LimitBreach(setting, value, low, high)
        for setting, value, low, high in checks
        if value is not None and not low <= value <= high
    ]


_PREVIEW_NAME = {
    "bakeTimeInMinutes": "bake time (bakeTimeInMinutes)",
    "canaryBakeTimeInMinutes": "canary bake time (canaryBakeTimeInMinutes)",
    "stepBakeTimeInMinutes": "linear step bake time (stepBakeTimeInMinutes)",
    "canaryPercent": "canary",
    "stepPercent": "linear step",
    "timeoutInMinutes": "ready wait (PAUSE hook timeoutInMinutes)",
}


def limit_warning(breach: LimitBreach) -> str:
    """A breach in the preview's words, naming ECS's input."""
    what = _PREVIEW_NAME[breach.setting]
    if breach.is_percent:
        return (
            f"{what} of {percent_text(breach.value)} % is outside ECS's {percent_text(breach.low)}-"
            f"{percent_text(breach.high)} %; the service update would be rejected"
        )
    return (
        f"{what} of {percent_text(breach.value)} min is outside ECS's {percent_text(breach.low)}-"
        f"{percent_text(breach.high)} minutes; the service update would be rejected"
    )


_CONFIG_KEY = {
    "canaryPercent": "percentage",
    "stepPercent": "percentage",
    "canaryBakeTimeInMinutes": "intervalMinutes",
    "stepBakeTimeInMinutes": "intervalMinutes",
    "bakeTimeInMinutes": "terminationWaitMinutes",
    "timeoutInMinutes": "readyWaitMinutes",
}
"""The stack setting (``deployment.*``) that sets each of ECS's inputs."""


def _config_problem(breach: LimitBreach) -> tuple[str, str]:
    value = percent_text(breach.value)
    if breach.setting == "stepPercent":
        low, high = CODEDEPLOY_PERCENTAGE_RANGE
        reason = (
            f"{value} is below ECS's native linear step minimum of {LINEAR_STEP_MIN_PERCENT} % "
            f"(controller codedeploy accepts {low}-{high}); use {LINEAR_STEP_MIN_PERCENT}-{high} or "
            "controller codedeploy"
        )
    elif breach.setting == "canaryPercent":
        reason = f"{value} is below ECS's native canary minimum of {CANARY_MIN_PERCENT} %"
    elif breach.setting == "bakeTimeInMinutes":
        reason = (
            f"{value} exceeds ECS's native bake time limit of {BAKE_MAX_MINUTES} minutes "
            f"(controller codedeploy allows up to {CODEDEPLOY_MAX_WAIT_MINUTES})"
        )
    elif breach.setting == "timeoutInMinutes":
        low, high = PAUSE_MINUTES_RANGE
        reason = (
            f"{value} is outside ECS's pause hook timeout of {low}-{high} minutes "
            f"(timeoutInMinutes); use 0 (no ready wait) or {low}-{high}"
        )
    else:
        reason = (
            f"{value} exceeds ECS's native bake time limit of {BAKE_MAX_MINUTES} minutes "
            "(controller codedeploy has no such limit)"
        )
    return _CONFIG_KEY[breach.setting], reason


def native_problems(
    strategy: Strategy,
    percentage: int,
    interval_minutes: int,
    termination_wait_minutes: int,
    ready_wait_minutes: int,
) -> list[tuple[str, str]]:
    """(config key, reason) for each setting the ECS engine cannot take, saying what CodeDeploy
    would accept."""
    routing = routing_for(strategy, percentage, interval_minutes, "")
    breaches = limit_breaches(routing, termination_wait_minutes, ready_wait_minutes)
    return [_config_problem(breach) for breach in breaches]


def codedeploy_ready_wait_problem(ready_wait_minutes: int) -> tuple[str, str] | None:
    """(config key, reason) when the ready wait is beyond CodeDeploy's, saying what ECS accepts."""
    high = CODEDEPLOY_READY_WAIT_RANGE[1]
    if ready_wait_minutes <= high:
        return None
    return (
        "readyWaitMinutes",
        f"{ready_wait_minutes} exceeds CodeDeploy's ready wait limit of {high} minutes "
        f"(controller ecs pauses up to {PAUSE_MINUTES_RANGE[1]})",
    )


# --------------------------------------------------------------------------- ready wait


@dataclass(frozen=True)
class ReadyPause:
    """The ready wait as ECS runs it: a PAUSE hook at READY_WAIT_STAGE."""

    minutes: int
    timeout_action: str
    """ECS's word: ROLLBACK or CONTINUE."""


def ready_pause(minutes: int, action: ReadyWaitTimeoutAction) -> ReadyPause | None:
    """The pause for ``deployment.readyWaitMinutes`` (None for 0: no ready wait)."""
    return ReadyPause(minutes, TIMEOUT_ACTION[action]) if minutes else None


def pause_hook(pause: ReadyPause) -> dict[str, Any]:
    """The pause as one of the service's ``deploymentConfiguration.lifecycleHooks`` (camelCase,
    the timeout as the provider takes it: text)."""
    return {
        "targetType": PAUSE,
        "lifecycleStages": [READY_WAIT_STAGE],
        "timeoutConfiguration": {"timeoutInMinutes": str(pause.minutes), "action": pause.timeout_action},
    }


def ready_pause_of_hooks(hooks: Iterable[Mapping[str, Any]], where: str) -> ReadyPause | None:
    """The inverse of ``pause_hook``: the ready wait among a service's declared lifecycle hooks
    (None without one). ``where`` names the service in errors."""
    for hook in hooks:
        if hook.get("targetType") != PAUSE:
            continue
        stages = list(hook.get("lifecycleStages") or [])
        if stages != [READY_WAIT_STAGE]:
            raise ValueError(
                f"{where}: its PAUSE lifecycle hook pauses at {', '.join(map(str, stages)) or 'no stage'}, "
                f"not {READY_WAIT_STAGE} (where the ready wait holds green before production moves)"
            )
        timeout = hook.get("timeoutConfiguration")
        timeout = timeout if isinstance(timeout, Mapping) else {}
        minutes = required_whole_number(
            timeout.get("timeoutInMinutes", 1440), f"{where} PAUSE hook timeoutConfiguration.timeoutInMinutes"
        )
        return ReadyPause(minutes, str(timeout.get("action") or TIMEOUT_ACTION["rollback"]))
    return None


def lifecycle_hook_words(hooks: Iterable[Mapping[str, Any]]) -> list[str]:
    """Each declared hook's stages as the preview lists them; the ready wait's pause says so:
    ``POST_TEST_TRAFFIC_SHIFT ready wait (PAUSE 30 min, then ROLLBACK)``."""
    words: list[str] = []
    for hook in hooks:
        stages = [str(stage) for stage in hook.get("lifecycleStages") or []]
        if hook.get("targetType") != PAUSE:
            words.extend(stages)
            continue
        timeout = hook.get("timeoutConfiguration")
        timeout = timeout if isinstance(timeout, Mapping) else {}
        minutes = timeout.get("timeoutInMinutes", 1440)
        action = timeout.get("action") or TIMEOUT_ACTION["rollback"]
        words.extend(f"{stage} ready wait (PAUSE {minutes} min, then {action})" for stage in stages)
    return words


def ready_wait_needs_test_listener(has_test_listener_rule: bool, where: str) -> None:
    """A ready wait holds green for testing through the test listener: without a test listener
    rule ECS has no test traffic to shift, so the pause would hold green with nothing to try it on."""
    if not has_test_listener_rule:
        raise ValueError(
            f"{where}: a ready wait (PAUSE hook at {READY_WAIT_STAGE}) needs a test listener rule "
            "(loadBalancers[].advancedConfiguration.testListenerRule) to send test traffic to green; "
            "declare one, or remove the pause (deployment.readyWaitMinutes: 0)"
        )


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class NativeDeploymentPlan:
    strategy: str
    """BLUE_GREEN, LINEAR or CANARY."""
    bake_time_minutes: int
    canary_percent: float | None = None
    canary_bake_minutes: int | None = None
    step_percent: float | None = None
    step_bake_minutes: int | None = None


def plan_native_deployment(
    strategy: Strategy, percentage: int, interval_minutes: int, termination_wait_minutes: int
) -> NativeDeploymentPlan:
    """The service's deploymentConfiguration for the stack's strategy (ranges checked by the config)."""
    native = NATIVE_STRATEGY[strategy]
    if native == "CANARY":
        return NativeDeploymentPlan(native, termination_wait_minutes, float(percentage), interval_minutes)
    if native == "LINEAR":
        return NativeDeploymentPlan(
            native,
            termination_wait_minutes,
            step_percent=float(percentage),
            step_bake_minutes=interval_minutes,
        )
    return NativeDeploymentPlan(native, termination_wait_minutes)


CANARY_WAIT_WORDS = "canary bake"
"""ECS's name for a canary's wait (``canaryBakeTimeInMinutes``), as the timeline says it."""


@dataclass(frozen=True)
class _Stepped:
    """Where a stepped ECS strategy keeps its percentage and bake time (the API's names)."""

    kind: Strategy
    section: str
    percent_key: str
    bake_key: str
    words: str
    """How ``routing_words`` joins the percentage and the bake time."""


_STEPPED: dict[str, _Stepped] = {
    "CANARY": _Stepped(
        "canary", "canaryConfiguration", "canaryPercent", "canaryBakeTimeInMinutes", "then 100% after"
    ),
    "LINEAR": _Stepped("linear", "linearConfiguration", "stepPercent", "stepBakeTimeInMinutes", "every"),
}


def deployment_configuration(plan: NativeDeploymentPlan) -> dict[str, Any]:
    """The plan as the service's ``deploymentConfiguration`` (camelCase, bake times as the
    provider takes them: text)."""
    config: dict[str, Any] = {"strategy": plan.strategy, "bakeTimeInMinutes": str(plan.bake_time_minutes)}
    stepped = _STEPPED.get(plan.strategy)
    if stepped is not None:
        canary = plan.strategy == "CANARY"
        percent = plan.canary_percent if canary else plan.step_percent
        bake = plan.canary_bake_minutes if canary else plan.step_bake_minutes
        config[stepped.section] = {stepped.percent_key: percent, stepped.bake_key: str(bake)}
    return config


def _percent(value: Any, what: str) -> float:
    """A percentage: an ``int`` when whole, else the fraction."""
    number = required_number(value, what)
    if not math.isfinite(number):
        raise ValueError(f"{what} is not a number (got {value!r})")
    return int(number) if number.is_integer() else number


def routing_of_configuration(config: Mapping[str, Any], where: str) -> TrafficRouting:
    """The traffic shift of a declared ``deploymentConfiguration``: the inverse of
    ``deployment_configuration``. ``where`` names the service in errors."""
    strategy = config.get("strategy")
    if strategy == NATIVE_STRATEGY[ALL_AT_ONCE]:
        return _named(routing_for(ALL_AT_ONCE, None, None, ""))
    stepped = _STEPPED.get(str(strategy))
    if stepped is None:
        raise ValueError(
            f"{where}: deploymentConfiguration.strategy {strategy!r} is not "
            f"{', '.join(BLUE_GREEN_STRATEGIES)} (ROLLING, ECS's default, is no blue/green deployment)"
        )
    steps = config.get(stepped.section)
    steps = steps if isinstance(steps, Mapping) else {}
    label = f"{where} input deploymentConfiguration.{stepped.section}"
    percent = _percent(steps.get(stepped.percent_key), f"{label}.{stepped.percent_key}")
    bake = required_whole_number(steps.get(stepped.bake_key), f"{label}.{stepped.bake_key}")
    return _named(routing_for(stepped.kind, percent, bake, ""))


def _named(routing: TrafficRouting) -> TrafficRouting:
    return replace(routing, config_name=routing_words(routing))


# --------------------------------------------------------------------------- words


def routing_words(routing: TrafficRouting) -> str:
    """A routing in ECS's terms: ``ECS CANARY 10% then 100% after 5 min``,
    ``ECS LINEAR 10% every 1 min``, ``ECS BLUE_GREEN 100% at once``."""
    strategy = NATIVE_STRATEGY[routing.kind]
    stepped = _STEPPED.get(strategy)
    if stepped is None or not routing.stepped:
        return f"ECS {strategy} 100% at once"
    step = percent_text(routing.percentage or 0)
    return f"ECS {strategy} {step}% {stepped.words} {routing.interval_minutes} min"
