"""What the rehearsal observed, in the shapes both halves share.

The runtime (load generator, HAProxy poller, driver) writes these; the metrics, alarm
evaluation and report read them. All times are seconds on the rehearsal clock: since the
rehearsal started, in real (compressed) seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Colour = Literal["blue", "green"]


@dataclass(frozen=True)
class RequestRecord:
    """One request the load generator sent to the production listener."""

    sent_at: float
    latency_seconds: float
    status: int  # HTTP status; 0 = connection failed or timed out
    colour: Colour | None  # from the colour header; None when no answer


@dataclass(frozen=True)
class HealthSample:
    """How many of a colour's servers HAProxy's health checks counted up and down."""

    at: float
    colour: Colour
    healthy: int
    unhealthy: int


@dataclass(frozen=True)
class PhaseMark:
    """What the driver did and when: a lifecycle event, a traffic shift, the rollback."""

    at: float
    label: str
    green_percent: float


def is_failed(record: RequestRecord) -> bool:
    """A failed request is one a user would count as failed: no answer, or a 5xx."""
    return record.status == 0 or record.status >= 500


@dataclass(frozen=True)
class HookVerdict:
    """A lifecycle hook's run: its verdict as the engine received it."""

    at: float
    event: str
    status: str
    """CodeDeploy: what the stand-in received (``Succeeded``/``Failed``, ``none`` when nothing was
    reported); ECS: the last ``hookStatus`` returned (``SUCCEEDED``/``FAILED``)."""
    seconds: float
    detail: str


@dataclass(frozen=True)
class AlarmTransition:
    """An alarm's state from this time on (``OK``, ``ALARM``, ``INSUFFICIENT_DATA``)."""

    at: float
    name: str
    state: str


Outcome = Literal["released", "rolled_back", "failed"]


@dataclass(frozen=True)
class RunResult:
    """Everything one rehearsal observed, for the report.

    Times are on the rehearsal clock. Each phase mark of a timeline event carries that event's
    label exactly; other marks (the rollback, the load's start and end) have their own labels.
    """

    stack: str
    engine: str
    strategy: str
    scenario: str
    compression: float
    rate: float
    outcome: Outcome
    expected_outcome: Outcome
    reason: str
    deployment_started_at: float
    requests: tuple[RequestRecord, ...]
    health: tuple[HealthSample, ...]
    phases: tuple[PhaseMark, ...]
    hooks: tuple[HookVerdict, ...]
    alarms: tuple[AlarmTransition, ...]
    rollback_at: float | None
    blue_sigterm_at: float | None
    blue_gone_at: float | None
    blue_killed: bool
    """Blue's tasks did not exit within the stop timeout after SIGTERM and got SIGKILL."""
    blue_ref: str
    green_ref: str
    ended_at: float
    runtime: str = "process"
    """``process`` (the app's code run directly) or ``docker`` (containers of the stack's image)."""

    def event_time(self, label: str) -> float | None:
        """When the timeline event with this label happened, since the deployment started."""
        for mark in self.phases:
            if mark.label == label:
                return mark.at - self.deployment_started_at
        return None
