"""The CodeDeploy engine: its limits, its deployment config for a strategy and back, its words.

A strategy that AWS predefines uses its ``CodeDeployDefault.ECS...`` name; any other
combination needs a custom ``aws.codedeploy.DeploymentConfig`` (compute platform ECS,
``TimeBasedCanary`` or ``TimeBasedLinear``). The inverse (a config name, or a custom
config's ``trafficRoutingConfig``, back to a ``TrafficRouting``) sits beside the forward
mapping, from the same tables, so the preview reads back exactly what the program declares.
Sources: CodeDeploy user guide ("Deployment configurations on an Amazon ECS compute
platform", quotas). Standard library only (the policy pack's environment).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from specs.resource_reader import required_whole_number
from specs.traffic_routing import (
    ALL_AT_ONCE,
    STRATEGIES,
    Strategy,
    TrafficRouting,
    duration_text,
    has_steps,
    percent_text,
    routing_for,
)

# --------------------------------------------------------------------------- limits

MAX_WAIT_MINUTES = 2880
"""CodeDeploy's upper bound for the ready wait and the termination wait."""
READY_WAIT_MINUTES_RANGE = (0, MAX_WAIT_MINUTES)
"""``deploymentReadyOption.waitTimeInMinutes`` (0: no ready wait)."""
HOOK_LIMIT_MINUTES = 60
"""CodeDeploy fails a lifecycle event whose hook has not reported within an hour."""
PERCENTAGE_RANGE = (1, 99)
"""What a time-based canary or linear step may send per step."""


@dataclass(frozen=True)
class LimitBreach:
    """A declared setting CodeDeploy would reject or cut short; callers word it."""

    setting: str
    """``hook`` (a hook Lambda's timeout), ``ready wait`` or ``termination wait``."""
    seconds: int
    limit_seconds: int
    subject: str = ""
    """For a hook: ``<event>: <function>``."""


def limit_breaches(
    hook_timeouts: Iterable[tuple[str, int]], ready_wait_minutes: int, termination_wait_minutes: int
) -> list[LimitBreach]:
    """Hooks whose Lambda may outlive CodeDeploy's hook limit, waits above its maximum.

    ``hook_timeouts``: (``<event>: <function>``, timeout seconds) per hook.
    """
    breaches = [
        LimitBreach("hook", timeout, HOOK_LIMIT_MINUTES * 60, subject)
        for subject, timeout in hook_timeouts
        if timeout > HOOK_LIMIT_MINUTES * 60
    ]
    for what, minutes in (("ready wait", ready_wait_minutes), ("termination wait", termination_wait_minutes)):
        if minutes > MAX_WAIT_MINUTES:
            breaches.append(LimitBreach(what, minutes * 60, MAX_WAIT_MINUTES * 60))
    return breaches


def limit_warning(breach: LimitBreach) -> str:
    """A breach in the preview's words."""
    if breach.setting == "hook":
        return (
            f"hook {breach.subject}'s timeout of {duration_text(breach.seconds)} exceeds CodeDeploy's "
            f"{breach.limit_seconds // 60}-minute hook limit; CodeDeploy fails the lifecycle event first"
        )
    return (
        f"{breach.setting} of {breach.seconds // 60} min exceeds CodeDeploy's maximum of "
        f"{breach.limit_seconds // 60} min; the deployment group would be rejected"
    )


# --------------------------------------------------------------------------- plan

ALL_AT_ONCE_CONFIG = "CodeDeployDefault.ECSAllAtOnce"
PREDEFINED: dict[tuple[str, int, int], str] = {
    ("canary", 10, 5): "CodeDeployDefault.ECSCanary10Percent5Minutes",
    ("canary", 10, 15): "CodeDeployDefault.ECSCanary10Percent15Minutes",
    ("linear", 10, 1): "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
    ("linear", 10, 3): "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
}
"""(strategy, percentage, interval) -> the config AWS predefines for it."""

RoutingType = Literal["TimeBasedCanary", "TimeBasedLinear"]
_ROUTING_TYPE: dict[str, RoutingType] = {"canary": "TimeBasedCanary", "linear": "TimeBasedLinear"}
_CONFIG_KEY: dict[str, str] = {"TimeBasedCanary": "timeBasedCanary", "TimeBasedLinear": "timeBasedLinear"}
"""Where a custom config keeps its step, by routing type (the API's and the recorded inputs' key)."""


@dataclass(frozen=True)
class CustomTrafficRouting:
    """A time-based routing that CodeDeploy does not predefine."""

    routing_type: RoutingType
    percentage: int
    interval_minutes: int

    def config_name(self, prefix: str) -> str:
        """A readable, unique-per-setting name, e.g. ``my-app-prod-canary-20pct-10min``."""
        kind = "canary" if self.routing_type == "TimeBasedCanary" else "linear"
        return f"{prefix}-{kind}-{self.percentage}pct-{self.interval_minutes}min"

    def traffic_routing_config(self) -> dict[str, Any]:
        """The custom config's ``trafficRoutingConfig`` as the API spells it (camelCase)."""
        step = {"percentage": self.percentage, "interval": self.interval_minutes}
        return {"type": self.routing_type, _CONFIG_KEY[self.routing_type]: step}


@dataclass(frozen=True)
class DeploymentConfigPlan:
    """Either a predefined config name or a custom routing to create."""

    predefined_name: str | None
    custom: CustomTrafficRouting | None


def plan_deployment_config(
    strategy: str, percentage: int | None, interval_minutes: int | None
) -> DeploymentConfigPlan:
    """Choose the predefined CodeDeploy config for the strategy, or describe a custom one."""
    if strategy not in STRATEGIES:
        raise ValueError(
            f"deployment.strategy: {strategy!r} is not a strategy; allowed: {', '.join(STRATEGIES)}"
        )
    if not has_steps(strategy):
        return DeploymentConfigPlan(predefined_name=ALL_AT_ONCE_CONFIG, custom=None)
    if percentage is None or interval_minutes is None:
        raise ValueError(f"deployment: strategy {strategy!r} needs percentage and intervalMinutes")
    name = PREDEFINED.get((strategy, percentage, interval_minutes))
    if name is not None:
        return DeploymentConfigPlan(predefined_name=name, custom=None)
    return DeploymentConfigPlan(
        predefined_name=None,
        custom=CustomTrafficRouting(_ROUTING_TYPE[strategy], percentage, interval_minutes),
    )


# --------------------------------------------------------------------------- and back

_STRATEGY: dict[str, Strategy] = {strategy: strategy for strategy in STRATEGIES}

_PREDEFINED_ROUTING: dict[str, TrafficRouting] = {
    ALL_AT_ONCE_CONFIG: routing_for(ALL_AT_ONCE, None, None, ALL_AT_ONCE_CONFIG),
    **{
        name: routing_for(_STRATEGY[strategy], percentage, interval, name)
        for (strategy, percentage, interval), name in PREDEFINED.items()
    },
}
"""The inverse of ``plan_deployment_config`` for every predefined name."""


def predefined_names() -> tuple[str, ...]:
    """Every config name the program may name without declaring a config."""
    return tuple(_PREDEFINED_ROUTING)


def predefined_routing(config_name: str) -> TrafficRouting | None:
    """The routing of a predefined config name; None for any other name."""
    return _PREDEFINED_ROUTING.get(config_name)


def routing_of_traffic_config(
    config_name: str, traffic_config: Mapping[str, Any], where: str
) -> TrafficRouting:
    """The routing of a custom config's ``trafficRoutingConfig``: the inverse of
    ``CustomTrafficRouting.traffic_routing_config``. ``where`` names the config in errors."""
    routing_type = traffic_config.get("type")
    if routing_type == "AllAtOnce":
        return routing_for(ALL_AT_ONCE, None, None, config_name)
    key = _CONFIG_KEY.get(str(routing_type))
    if key is None:
        raise ValueError(
            f"{where}: trafficRoutingConfig.type {routing_type!r} is not TimeBasedCanary, TimeBasedLinear "
            "or AllAtOnce"
        )
    step = traffic_config.get(key)
    step = step if isinstance(step, Mapping) else {}
    percentage, interval = (
        required_whole_number(step.get(field), f"{where} input trafficRoutingConfig.{key}.{field}")
        for field in ("percentage", "interval")
    )
    kind: Strategy = "canary" if key == "timeBasedCanary" else "linear"
    return routing_for(kind, percentage, interval, config_name)


# --------------------------------------------------------------------------- words


def routing_words(routing: TrafficRouting) -> str:
    """A routing in CodeDeploy's terms: ``TimeBasedCanary: 10 % then 100 % after 5 min``,
    ``TimeBasedLinear: 10 % more every 1 min``, ``AllAtOnce``."""
    if not routing.stepped:
        return "AllAtOnce"
    kind = _ROUTING_TYPE[routing.kind]
    step, interval = percent_text(routing.percentage or 0), routing.interval_minutes
    if routing.kind == "canary":
        return f"{kind}: {step} % then 100 % after {interval} min"
    return f"{kind}: {step} % more every {interval} min"


def traffic_config_words(traffic_config: Mapping[str, Any]) -> str | None:
    """A declared custom config's ``trafficRoutingConfig`` in CodeDeploy's terms (read back,
    then ``routing_words``); None when it does not read back as a time-based routing."""
    try:
        routing = routing_of_traffic_config("", traffic_config, "trafficRoutingConfig")
    except ValueError:
        return None
    return routing_words(routing) if routing.stepped else None
