"""What a rehearsal measured, set against what the release model says should happen.

Pure arithmetic on a run's records (``rehearse.records``) and the stack's settings: the phases
of the release with their requests, failures and latencies by colour; each timeline event's
observed time next to the preview's prediction at the same compression; the failed requests
the ``errors`` scenario may cost at most; what blue's teardown cost.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from rehearse.cloudwatch import AlarmSpec
from rehearse.compression import compressed
from rehearse.metrics import percentile
from rehearse.records import Colour, PhaseMark, RequestRecord, RunResult, is_failed
from rehearse.settings import RehearsalSettings

COLOURS: tuple[Colour, ...] = ("blue", "green")
TOLERANCE = 0.10
"""How far an observed time may be from the preview's and still match (10 %)."""
FIVE_XX_METRICS = ("HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count")
"""Metrics a wave of 5xx responses drives: the alarms that bound the ``errors`` scenario."""


# --------------------------------------------------------------------------- phases


@dataclass(frozen=True)
class Latency:
    requests: int
    p50_seconds: float | None
    p99_seconds: float | None


@dataclass(frozen=True)
class PhaseStats:
    """The requests sent while one phase lasted: from its mark to the next one."""

    label: str
    start: float
    end: float
    green_percent: float
    requests: int
    failed: int
    by_colour: dict[str, Latency]
    """``blue`` and ``green``: the requests each answered and their latency percentiles."""


def latency(records: Sequence[RequestRecord]) -> Latency:
    values = [r.latency_seconds for r in records]
    if not values:
        return Latency(0, None, None)
    return Latency(len(values), percentile(values, 50), percentile(values, 99))


def phases(result: RunResult) -> list[PhaseStats]:
    """One entry per phase mark (sorted by time), each up to the next mark or the run's end.

    Requests sent before the first mark make a first phase labelled ``before the first mark``.
    A request belongs to the phase it was sent in.
    """
    marks = sorted(result.phases, key=lambda mark: mark.at)
    starts: list[PhaseMark] = list(marks)
    if any(r.sent_at < (marks[0].at if marks else math.inf) for r in result.requests):
        starts.insert(
            0,
            PhaseMark(
                at=min(r.sent_at for r in result.requests), label="before the first mark", green_percent=0
            ),
        )
    found = []
    for index, mark in enumerate(starts):
        end = starts[index + 1].at if index + 1 < len(starts) else max(result.ended_at, mark.at)
        last = index + 1 == len(starts)
        sent = [r for r in result.requests if mark.at <= r.sent_at < end or (last and r.sent_at == end)]
        found.append(
            PhaseStats(
                label=mark.label,
                start=mark.at,
                end=end,
                green_percent=mark.green_percent,
                requests=len(sent),
                failed=sum(1 for r in sent if is_failed(r)),
                by_colour={c: latency([r for r in sent if r.colour == c]) for c in COLOURS},
            )
        )
    return found


def failed_after(result: RunResult, at: float | None) -> int:
    """Failed requests sent at or after ``at`` (0 when ``at`` is None)."""
    if at is None:
        return 0
    return sum(1 for r in result.requests if r.sent_at >= at and is_failed(r))


def green_production_requests(result: RunResult) -> int:
    """Production requests green answered (``crash`` and ``unhealthy`` must show 0)."""
    return sum(1 for r in result.requests if r.colour == "green")


# --------------------------------------------------------------------------- the preview's timeline


@dataclass(frozen=True)
class EventTiming:
    """A timeline event: the preview's typical time and when the rehearsal saw it, both clocks."""

    label: str
    green_percent: float
    predicted_stack_seconds: float
    predicted_seconds: float
    """On the rehearsal clock: the prediction divided by the compression factor."""
    observed_seconds: float | None
    """Since the deployment started, rehearsal clock; None when the run did not reach it."""
    observed_stack_seconds: float | None
    """The observed time on the stack's clock (times the compression factor)."""
    key: bool
    """Green healthy, a traffic shift or blue gone: the times the preview must get right."""

    @property
    def difference(self) -> float | None:
        """Observed minus predicted, as a share of the prediction (0.05 = 5 % late)."""
        if self.observed_seconds is None or self.predicted_seconds == 0:
            return None
        return (self.observed_seconds - self.predicted_seconds) / self.predicted_seconds

    @property
    def within_tolerance(self) -> bool | None:
        """Within :data:`TOLERANCE` of the prediction; None when not reached or predicted at 0."""
        difference = self.difference
        return None if difference is None else abs(difference) <= TOLERANCE + 1e-9


def is_key_event(label: str, green_before: float, green_after: float) -> bool:
    return label.startswith("green healthy") or label.startswith("blue gone") or green_after != green_before


def event_timings(settings: RehearsalSettings, result: RunResult) -> list[EventTiming]:
    """Every event of the preview's timeline, predicted at the run's compression and as observed."""
    found = []
    green = 0.0
    for event in settings.timeline.events:
        observed = result.event_time(event.label)
        found.append(
            EventTiming(
                label=event.label,
                green_percent=event.green_percent,
                predicted_stack_seconds=float(event.at_seconds),
                predicted_seconds=compressed(event.at_seconds, result.compression),
                observed_seconds=observed,
                observed_stack_seconds=None if observed is None else observed * result.compression,
                key=is_key_event(event.label, green, event.green_percent),
            )
        )
        green = event.green_percent
    return found


# --------------------------------------------------------------------------- the errors scenario's bound


def shift_steps(settings: RehearsalSettings, factor: float) -> list[tuple[float, float]]:
    """(seconds since green's first production traffic, green's share in %) of each shift,
    rehearsal clock, from the preview's timeline."""
    steps: list[tuple[float, float]] = []
    first: float | None = None
    green = 0.0
    for event in settings.timeline.events:
        if event.green_percent != green:
            first = event.at_seconds if first is None else first
            steps.append((compressed(event.at_seconds - first, factor), float(event.green_percent)))
            green = event.green_percent
    return steps


def alarm_window(alarm: AlarmSpec, factor: float) -> float:
    """The longest an alarm takes to fire once every datapoint breaches, rehearsal clock: the
    period the breach starts in (it may not breach, part of it being good) and M whole periods."""
    return (alarm.datapoints_to_alarm + 1) * compressed(alarm.period_seconds, factor)


def errors_bound(
    rate: float, steps: Sequence[tuple[float, float]], window: float, error_share: float = 1.0
) -> int:
    """The most requests a failing green can fail before its alarm rolls it back.

    Green's production share follows ``steps`` (time since its first traffic, percent); the
    alarm fires at most ``window`` seconds after that first traffic; every request is sent at
    ``rate`` per second and green fails ``error_share`` of those it gets. The bound is the
    requests green receives in the window, rounded up.
    """
    if rate < 0 or window < 0 or not 0 <= error_share <= 1:
        raise ValueError(
            f"errors bound: rate {rate:g}/s, window {window:g} s, error share {error_share:g}; "
            "allowed: rate and window >= 0, error share 0 to 1"
        )
    received = 0.0
    for index, (start, percent) in enumerate(steps):
        end = steps[index + 1][0] if index + 1 < len(steps) else math.inf
        overlap = max(0.0, min(end, window) - start)
        received += overlap * rate * percent / 100
    return math.ceil(received * error_share - 1e-9)


def scenario_bound(settings: RehearsalSettings, rate: float, factor: float) -> tuple[int, AlarmSpec] | None:
    """The ``errors`` scenario's bound and the 5xx alarm that sets it (the fastest one that counts
    5xx for green); None when no wired alarm counts 5xx, so nothing bounds the failures."""
    alarms = [a for a in settings.alarms if a.metric_name in FIVE_XX_METRICS and a.colour in (None, "green")]
    if not alarms:
        return None
    fastest = min(alarms, key=lambda a: alarm_window(a, factor))
    return errors_bound(rate, shift_steps(settings, factor), alarm_window(fastest, factor)), fastest


# --------------------------------------------------------------------------- blue's teardown


def teardown_start(settings: RehearsalSettings, result: RunResult) -> float | None:
    """When blue's targets began to drain (rehearsal clock), from the preview's timeline: the
    event before ``blue tasks get SIGTERM`` (``preview.timeline``: drain, SIGTERM, gone)."""
    events = settings.timeline.events
    for index, event in enumerate(events):
        if event.label.startswith("blue tasks get SIGTERM") and index > 0:
            observed = result.event_time(events[index - 1].label)
            return None if observed is None else observed + result.deployment_started_at
    return None


def teardown_failures(settings: RehearsalSettings, result: RunResult) -> int | None:
    """Failed requests from blue's drain on to the run's end: what blue's teardown cost
    (None when the run never tore blue down, e.g. it rolled back)."""
    start = teardown_start(settings, result)
    return None if start is None else failed_after(result, start)
