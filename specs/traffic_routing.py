"""How production traffic moves from blue to green, whichever engine moves it, and its words.

Both engines shift by the same three strategies; only their names for the settings differ
(``specs.codedeploy_engine``, ``specs.ecs_engine``). This module states once what a strategy
means: that all-at-once has no steps, how many steps a linear shift takes, how long the
shifting lasts, and how a shift is worded for a reader. The config, the engine modules, the
timeline and the diagram call these. Standard library only: the policy pack imports the
engine modules, which import this one (tests/specs/test_release_model.py checks that).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Strategy = Literal["canary", "linear", "all-at-once"]
STRATEGIES: tuple[Strategy, ...] = ("canary", "linear", "all-at-once")
ALL_AT_ONCE: Strategy = "all-at-once"
STEP_SETTINGS: tuple[str, ...] = ("percentage", "interval_minutes")
"""The settings of a stepped shift, which all-at-once has none of."""
ALL_AT_ONCE_WORDS = "all at once"


def has_steps(strategy: str) -> bool:
    """The one statement that all-at-once has no steps: it moves 100 % in a single shift, so
    it takes no percentage and no interval; canary and linear shift in steps."""
    return strategy != ALL_AT_ONCE


@dataclass(frozen=True)
class TrafficRouting:
    """How production traffic moves from blue to green."""

    kind: Strategy
    percentage: float | None
    """Canary: the first step; linear: every step; None for all-at-once. A whole number is an
    ``int`` (ECS takes fractions, e.g. a 0.5 % canary)."""
    interval_minutes: int | None
    """Minutes between steps (ECS: the canary or step bake time); None for all-at-once."""
    config_name: str
    """The engine's name for it. CodeDeploy: the deployment config the group names (predefined
    or custom); ECS: a readable form of the service's deploymentConfiguration, e.g.
    ``ECS CANARY 10% then 100% after 5 min``."""

    @property
    def stepped(self) -> bool:
        """Canary or linear with both step settings known; else one shift of 100 %."""
        return has_steps(self.kind) and self.percentage is not None and self.interval_minutes is not None


def routing_for(
    strategy: Strategy, percentage: float | None, interval_minutes: int | None, config_name: str
) -> TrafficRouting:
    """The routing of a strategy; all-at-once keeps no step settings, whatever was given."""
    if not has_steps(strategy):
        return TrafficRouting(strategy, None, None, config_name)
    return TrafficRouting(strategy, percentage, interval_minutes, config_name)


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
    if not has_steps(strategy) or percentage is None or interval_minutes is None:
        return 0
    if strategy == "canary":
        return interval_minutes
    return (linear_steps(percentage) - 1) * interval_minutes


# --------------------------------------------------------------------------- words


def percent_text(value: float) -> str:
    """``10`` for 10 and 10.0, ``0.5`` for 0.5."""
    return f"{value:g}"


def duration_text(seconds: int) -> str:
    """``90 s``, ``5 min``, ``1 min 30 s``."""
    minutes, rest = divmod(seconds, 60)
    if minutes == 0:
        return f"{seconds} s"
    return f"{minutes} min" if rest == 0 else f"{minutes} min {rest} s"


def shift_summary(routing: TrafficRouting) -> str:
    """The shift in a few words: ``canary 10 %, 100 % after 5 min``, ``linear 25 % every 2 min``,
    ``all at once``."""
    if not routing.stepped:
        return ALL_AT_ONCE_WORDS
    step = percent_text(routing.percentage or 0)
    if routing.kind == "canary":
        return f"canary {step} %, 100 % after {routing.interval_minutes} min"
    return f"linear {step} % every {routing.interval_minutes} min"


@dataclass(frozen=True)
class ShiftStep:
    """One move of production traffic."""

    wait_seconds: int
    """Seconds after the previous step (0 for the first)."""
    green_percent: float
    """Green's share after it (an ``int`` when whole)."""
    words: str
    """``10 % of production on green (canary)``."""


def shift_steps(routing: TrafficRouting, interval_name: str = "") -> tuple[ShiftStep, ...]:
    """Each step of the shift, worded. ``interval_name`` is the engine's name for a canary's
    wait (``canary bake``: "after the 5 min canary bake"); without it, "after 5 min"."""
    if not routing.stepped or routing.percentage is None or routing.interval_minutes is None:
        return (ShiftStep(0, 100, f"100 % of production on green ({ALL_AT_ONCE_WORDS})"),)
    step, interval = routing.percentage, routing.interval_minutes * 60
    if routing.kind == "canary":
        wait = f"the {duration_text(interval)} {interval_name}" if interval_name else duration_text(interval)
        return (
            ShiftStep(0, step, f"{percent_text(step)} % of production on green (canary)"),
            ShiftStep(interval, 100, f"100 % of production on green (after {wait})"),
        )
    count = linear_steps(step)
    steps = []
    for index in range(1, count + 1):
        share = float(min(100, round(index * step, 6)))
        green = int(share) if share.is_integer() else share
        steps.append(
            ShiftStep(
                0 if index == 1 else interval,
                green,
                f"{percent_text(green)} % of production on green (linear step {index} of {count})",
            )
        )
    return tuple(steps)
