"""Map a stack's traffic-shifting strategy to a CodeDeploy deployment configuration.

A strategy that AWS predefines uses its ``CodeDeployDefault.ECS...`` name; any other
combination needs a custom ``aws.codedeploy.DeploymentConfig`` (compute platform ECS,
``TimeBasedCanary`` or ``TimeBasedLinear``). See the CodeDeploy user guide,
"Deployment configurations on an Amazon ECS compute platform".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from specs.release_model import STRATEGIES

ALL_AT_ONCE = "CodeDeployDefault.ECSAllAtOnce"
PREDEFINED: dict[tuple[str, int, int], str] = {
    ("canary", 10, 5): "CodeDeployDefault.ECSCanary10Percent5Minutes",
    ("canary", 10, 15): "CodeDeployDefault.ECSCanary10Percent15Minutes",
    ("linear", 10, 1): "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
    ("linear", 10, 3): "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
}

_ROUTING_TYPE = {"canary": "TimeBasedCanary", "linear": "TimeBasedLinear"}


@dataclass(frozen=True)
class CustomTrafficRouting:
    """A time-based routing that CodeDeploy does not predefine."""

    routing_type: Literal["TimeBasedCanary", "TimeBasedLinear"]
    percentage: int
    interval_minutes: int

    def config_name(self, prefix: str) -> str:
        """A readable, unique-per-setting name, e.g. ``my-app-prod-canary-20pct-10min``."""
        kind = "canary" if self.routing_type == "TimeBasedCanary" else "linear"
        return f"{prefix}-{kind}-{self.percentage}pct-{self.interval_minutes}min"


@dataclass(frozen=True)
class DeploymentConfigPlan:
    """Either a predefined config name or a custom routing to create."""

    predefined_name: str | None
    custom: CustomTrafficRouting | None


def plan_deployment_config(
    strategy: str, percentage: int | None, interval_minutes: int | None
) -> DeploymentConfigPlan:
    """Choose the predefined CodeDeploy config for the strategy, or describe a custom one."""
    if strategy == "all-at-once":
        return DeploymentConfigPlan(predefined_name=ALL_AT_ONCE, custom=None)
    if strategy not in _ROUTING_TYPE:
        raise ValueError(
            f"deployment.strategy: {strategy!r} is not a strategy; allowed: {', '.join(STRATEGIES)}"
        )
    if percentage is None or interval_minutes is None:
        raise ValueError(f"deployment: strategy {strategy!r} needs percentage and intervalMinutes")
    name = PREDEFINED.get((strategy, percentage, interval_minutes))
    if name is not None:
        return DeploymentConfigPlan(predefined_name=name, custom=None)
    routing_type = _ROUTING_TYPE[strategy]
    return DeploymentConfigPlan(
        predefined_name=None,
        custom=CustomTrafficRouting(routing_type, percentage, interval_minutes),  # type: ignore[arg-type]
    )
