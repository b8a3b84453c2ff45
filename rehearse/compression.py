"""Time compression: one factor divides every duration the stack configures.

A rehearsal runs on two clocks. The **stack clock** is what the stack configures and what
production would take (a 30 s health check interval, a 5 minute canary, 60 s alarm periods);
the **rehearsal clock** is the time the rehearsal really spends. Every configured duration the
rehearsal waits (health check interval and timeout, traffic interval, ready, bake and
termination waits, alarm periods, deregistration delay, stop timeout) is ``stack seconds /
factor`` on the rehearsal clock, so the release keeps its shape: the same number of health
checks before green is healthy, the same number of alarm periods in the canary, the same share
of requests on green.

The default factor makes the stack's shortest alarm period last :data:`REHEARSAL_PERIOD_SECONDS`:
prod (60 s periods, a 5 minute canary, 5 minutes of termination wait) rehearses in about a
minute, dev (no canary, a 3 minute wait) in a third of that, and each period still holds a few
hundred requests at the load generator's 50 requests/s, enough for the alarms to judge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rehearse.settings import RehearsalSettings

REHEARSAL_PERIOD_SECONDS = 5.0
"""How long the stack's shortest alarm period lasts in a rehearsal at the default factor."""
TARGET_REHEARSAL_SECONDS = 60.0
"""For a stack without alarms: how long its typical release lasts at the default factor."""
MIN_SECONDS = 0.001
"""The shortest wait a compressed duration becomes: HAProxy's timers count whole milliseconds."""


def check_factor(factor: float) -> float:
    """``factor`` when it is a usable compression factor, else ValueError naming it."""
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not math.isfinite(factor):
        raise ValueError(f"compression: {factor!r} is not a number; allowed: a number >= 1 (1 = real time)")
    if factor < 1:
        raise ValueError(f"compression: {factor:g} is below 1; allowed: a number >= 1 (1 = real time)")
    return float(factor)


def default_compression(settings: RehearsalSettings) -> float:
    """The factor that makes the shortest alarm period :data:`REHEARSAL_PERIOD_SECONDS` long.

    Without alarms, the one that makes the preview's typical release
    :data:`TARGET_REHEARSAL_SECONDS` long. Never below 1: a rehearsal is never slower than the
    release.
    """
    periods = [alarm.period_seconds for alarm in settings.alarms]
    if periods:
        return max(1.0, min(periods) / REHEARSAL_PERIOD_SECONDS)
    return max(1.0, settings.timeline.typical_seconds / TARGET_REHEARSAL_SECONDS)


def compressed(stack_seconds: float, factor: float, floor: float = MIN_SECONDS) -> float:
    """A configured duration on the rehearsal clock (the seconds to really wait), never shorter
    than ``floor``; 0 stays 0 (a wait the stack does not configure is not invented)."""
    check_factor(factor)
    if stack_seconds < 0:
        raise ValueError(f"duration: {stack_seconds:g} s is negative; allowed: 0 or more seconds")
    if stack_seconds == 0:
        return 0.0
    return max(floor, stack_seconds / factor)


@dataclass(frozen=True)
class Compression:
    """Converts durations between the stack clock and the rehearsal clock."""

    factor: float

    def __post_init__(self) -> None:
        check_factor(self.factor)

    def to_rehearsal(self, stack_seconds: float, floor: float = MIN_SECONDS) -> float:
        """:func:`compressed` at this factor."""
        return compressed(stack_seconds, self.factor, floor)

    def to_stack(self, rehearsal_seconds: float) -> float:
        """A time measured in the rehearsal, as the stack would have taken it."""
        return rehearsal_seconds * self.factor

    def milliseconds(self, stack_seconds: float) -> int:
        """A configured duration on the rehearsal clock in whole milliseconds, at least 1 (HAProxy's
        ``inter``, ``timeout check``)."""
        return max(1, round(self.to_rehearsal(stack_seconds) * 1000))
