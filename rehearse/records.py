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
