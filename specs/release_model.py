"""The release model: one home for every rule about how a blue/green release runs.

Config validation (stack_config), the components, the preview (release_params, timeline)
and the policy pack all read these names instead of keeping their own copies, so a limit
or a hook order changes in one place. The policy pack imports this module from its own
environment (policy/venv), so it must import nothing outside the standard library
(tests/specs/test_release_model.py checks that).

Sources: CodeDeploy user guide ("AppSpec 'hooks' section for an Amazon ECS deployment",
quotas), ECS API reference (DeploymentConfiguration, DeploymentLifecycleHook,
ContainerDefinition), ELB API reference (CreateTargetGroup), Lambda API reference.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

# --------------------------------------------------------------------------- engines

Engine = Literal["codedeploy", "ecs"]
"""Who deploys a release: a CodeDeploy deployment group, or the ECS service itself."""
ENGINES: tuple[Engine, ...] = ("codedeploy", "ecs")
DEFAULT_ENGINE: Engine = "codedeploy"
"""The program's original engine: config ``deployment.controller`` and the CLI default to it."""
CONTROLLER_TYPE: dict[Engine, str] = {"codedeploy": "CODE_DEPLOY", "ecs": "ECS"}
"""The ECS service's ``deploymentController.type`` for each engine."""

# --------------------------------------------------------------------------- strategies

Strategy = Literal["canary", "linear", "all-at-once"]
STRATEGIES: tuple[Strategy, ...] = ("canary", "linear", "all-at-once")
NATIVE_STRATEGY: dict[Strategy, str] = {"canary": "CANARY", "linear": "LINEAR", "all-at-once": "BLUE_GREEN"}
"""The ECS ``deploymentConfiguration.strategy`` a stack strategy maps to under the ECS engine."""
ECS_BLUE_GREEN_STRATEGIES: tuple[str, ...] = ("BLUE_GREEN", "LINEAR", "CANARY")
"""ECS strategies that deploy blue/green (ROLLING, ECS's default, replaces tasks in place)."""

# --------------------------------------------------------------------------- hooks

ECS_HOOKS: tuple[str, ...] = (
    "BeforeInstall",
    "AfterInstall",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AfterAllowTraffic",
)
"""CodeDeploy's ECS lifecycle hooks, in the order they run; the config names hooks this way."""

ECS_LIFECYCLE_STAGES: tuple[str, ...] = (
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
)
"""The ECS lifecycle stages a hook can run at, in the order a deployment passes them.
RECONCILE_SERVICE only happens when a deployment starts with more than one active revision."""

LIFECYCLE_STAGE: dict[str, str] = {
    "BeforeInstall": "PRE_SCALE_UP",
    "AfterInstall": "POST_SCALE_UP",
    "AfterAllowTestTraffic": "POST_TEST_TRAFFIC_SHIFT",
    "BeforeAllowTraffic": "PRODUCTION_TRAFFIC_SHIFT",
    "AfterAllowTraffic": "POST_PRODUCTION_TRAFFIC_SHIFT",
}
"""CodeDeploy's ECS hook -> the ECS lifecycle stage that runs at the same point."""

# --------------------------------------------------------------------------- AWS limits and defaults

CODEDEPLOY_MAX_WAIT_MINUTES = 2880
"""CodeDeploy's upper bound for the ready wait and the termination wait."""
CODEDEPLOY_HOOK_LIMIT_MINUTES = 60
"""CodeDeploy fails a lifecycle event whose hook has not reported within an hour."""
ECS_BAKE_MAX_MINUTES = 1440
"""ECS's upper bound for every bake time (bakeTimeInMinutes, canary and linear step bake)."""
ECS_CANARY_MIN_PERCENT = 0.1
ECS_LINEAR_STEP_MIN_PERCENT = 3
ALB_DEFAULT_DEREGISTRATION_DELAY_SECONDS = 300
"""A target group's deregistration delay when none is set."""
LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3
"""A Lambda function's timeout when none is set."""
ECS_DEFAULT_STOP_TIMEOUT_SECONDS = 30
"""A container's stopTimeout (SIGTERM to SIGKILL) when none is set."""

# ALB target group health check bounds (low, high), inclusive.
HEALTH_CHECK_INTERVAL = (5, 300)
HEALTH_CHECK_TIMEOUT = (2, 120)
HEALTH_CHECK_THRESHOLD = (2, 10)

# --------------------------------------------------------------------------- step arithmetic


def linear_steps(step_percent: float) -> int:
    """How many shifts a linear deployment of ``step_percent`` takes: the last is capped at 100 %.

    ``1e-9`` keeps a step like 33.333333 from counting a fourth step for float noise.
    """
    return math.ceil(100 / step_percent - 1e-9)


def shifting_minutes(strategy: str, percentage: float | None, interval_minutes: int | None) -> int:
    """Minutes from the first traffic shift to 100 % on green.

    Canary: one wait of ``interval``. Linear: one interval between each pair of steps.
    """
    if strategy == "all-at-once" or percentage is None or interval_minutes is None:
        return 0
    if strategy == "canary":
        return interval_minutes
    return (linear_steps(percentage) - 1) * interval_minutes


# --------------------------------------------------------------------------- alarm window


N = TypeVar("N", int, float)


@dataclass(frozen=True)
class AlarmWindow(Generic[N]):
    """An alarm that can roll a release back. Whole seconds in the program and the preview
    (``AlarmWindow[int]``); the policy pack reads whatever number a resource holds."""

    name: str
    period_seconds: N
    evaluation_periods: N

    @property
    def evaluation_seconds(self) -> N:
        """The least time a breach takes to fire the alarm: period x evaluationPeriods."""
        return self.period_seconds * self.evaluation_periods


def alarm_outlasts_blue(keep_seconds: float, alarms: Iterable[AlarmWindow[N]]) -> AlarmWindow[N] | None:
    """The slowest alarm (the first of equals) that needs longer to fire than blue is kept; else None.

    Either engine watches its alarms only until blue is gone (CodeDeploy's termination wait,
    ECS's bake time): an alarm slower than that cannot roll a broken release back.
    """
    longest = max(alarms, key=lambda alarm: alarm.evaluation_seconds, default=None)
    if longest is None or keep_seconds >= longest.evaluation_seconds:
        return None
    return longest


def minutes_to_cover(alarm: AlarmWindow[N]) -> int:
    """The least whole minutes blue must be kept for ``alarm`` to still roll back."""
    return math.ceil(alarm.evaluation_seconds / 60)
