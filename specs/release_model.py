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

# The strategies and what they mean (all-at-once has no steps, the step count, their words)
# are ``specs.traffic_routing``'s; each engine's names for them are in ``specs.codedeploy_engine``
# and ``specs.ecs_engine``.

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

# --------------------------------------------------------------------------- AWS defaults and bounds
# (each engine's own limits live in its module: specs.codedeploy_engine, specs.ecs_engine)

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
    def periods_to_fire(self) -> N:
        """How many periods a breach may need to fire the alarm: evaluationPeriods, plus the one it
        starts in. CloudWatch's periods are fixed to the clock, so a breach that starts inside a
        period shares that period's datapoint with what came before (an average of blue's and
        green's answers may not breach); the evaluationPeriods whole breaching periods after it
        end up to one period later. A release rehearsal with real traffic showed it: dev's 2 x 60 s
        alarm on response time fired 15 s after blue was gone (docs/rehearsal.md)."""
        return self.evaluation_periods + 1

    @property
    def evaluation_seconds(self) -> N:
        """The time a breach may take to fire the alarm: period x (evaluationPeriods + 1)."""
        return self.period_seconds * self.periods_to_fire


@dataclass(frozen=True)
class AlarmWindowFinding(Generic[N]):
    """An alarm that needs longer to fire than blue is kept: the config, the policy pack and the
    preview each word this for their reader."""

    alarm: AlarmWindow[N]
    """The slowest such alarm (the first of equals)."""
    evaluation_seconds: N
    """How long a breach may take to fire it: period x (evaluationPeriods + 1)."""
    window_seconds: float
    """How long blue is kept after the last shift: the time the alarm has to fire."""
    minutes_needed: int
    """The least whole minutes blue must be kept for the alarm to still roll back."""


def alarm_window_finding(
    keep_seconds: float, alarms: Iterable[AlarmWindow[N]]
) -> AlarmWindowFinding[N] | None:
    """The one alarm-window rule: the slowest alarm, when it needs longer to fire than blue is
    kept (``keep_seconds``); None when every alarm fires in time.

    Either engine watches its alarms only until blue is gone (CodeDeploy's termination wait,
    ECS's bake time): an alarm slower than that cannot roll a broken release back.
    """
    longest = max(alarms, key=lambda alarm: alarm.evaluation_seconds, default=None)
    if longest is None or keep_seconds >= longest.evaluation_seconds:
        return None
    return AlarmWindowFinding(
        alarm=longest,
        evaluation_seconds=longest.evaluation_seconds,
        window_seconds=keep_seconds,
        minutes_needed=math.ceil(longest.evaluation_seconds / 60),
    )
