"""The load balancer's CloudWatch metrics, rebuilt from what the rehearsal's load balancer saw.

An Application Load Balancer publishes per-period metrics for the load balancer and for each
target group (the Elastic Load Balancing guide, "CloudWatch metrics for your Application Load
Balancer"); the rehearsal rebuilds the ones the stack's alarms use from the requests the load
generator recorded and the health HAProxy reported, one datapoint per period:

- ``RequestCount``: requests a target answered (its colour header came back);
- ``HTTPCode_Target_2XX_Count`` ... ``_5XX_Count``: responses of that class a target generated;
- ``HTTPCode_ELB_5XX_Count``: 5xx the load balancer generated itself (no colour header: HAProxy
  adds it only to a server's response), load balancer level only;
- ``TargetResponseTime``: the latency of each request a target answered;
- ``HealthyHostCount``, ``UnHealthyHostCount``: the health samples' counts, per target group only.

Each request or health sample is one sample; the alarm's statistic (``Sum``, ``Average``,
``Minimum``, ``Maximum``, ``SampleCount``, ``pNN``) aggregates a period's samples. A metric
with no sample in a period has no datapoint (None, "missing"): the guide says metrics are
reported only when requests flow and, for the counts, only when non-zero. An alarm on a
``TargetGroup`` dimension counts that colour only, one on the load balancer both. Metrics
outside ``AWS/ApplicationELB`` (the service's ``CPUUtilization``), or on a dimension the metric
does not have, cannot be rebuilt here: every datapoint is missing (:func:`measurable` says so).
A request counts in the period it was sent in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from rehearse.cloudwatch import AlarmSpec, AlarmState, evaluate
from rehearse.compression import compressed
from rehearse.records import HealthSample, RequestRecord

NAMESPACE = "AWS/ApplicationELB"
_TARGET_CODE = re.compile(r"^HTTPCode_Target_([2-5])XX_Count$")
_PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?)$")
_STATISTICS: dict[str, Callable[[Sequence[float]], float]] = {
    "Sum": lambda values: float(sum(values)),
    "Average": lambda values: sum(values) / len(values),
    "Minimum": lambda values: float(min(values)),
    "Maximum": lambda values: float(max(values)),
    "SampleCount": lambda values: float(len(values)),
}
REQUEST_METRICS = ("RequestCount", "HTTPCode_ELB_5XX_Count", "TargetResponseTime")
HOST_METRICS = ("HealthyHostCount", "UnHealthyHostCount")


def percentile(values: Sequence[float], percent: float) -> float:
    """The nearest-rank percentile: the smallest value with at least ``percent`` % at or below it."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 < percent <= 100:
        raise ValueError(f"percentile: {percent:g} is outside (0, 100]")
    ordered = sorted(values)
    return float(ordered[max(1, math.ceil(percent / 100 * len(ordered))) - 1])


def statistic(name: str, values: Sequence[float]) -> float | None:
    """A CloudWatch statistic of a period's samples; None (no datapoint) when there are none."""
    match = _PERCENTILE.match(name)
    if name not in _STATISTICS and match is None:
        raise ValueError(
            f"statistic: {name!r} is not one the rehearsal computes; allowed: {', '.join(_STATISTICS)}, pNN"
        )
    if not values:
        return None
    if match is not None:
        return percentile(values, float(match.group(1)))
    return _STATISTICS[name](values)


def measurable(alarm: AlarmSpec) -> bool:
    """Whether the rehearsal can rebuild the alarm's metric from the load balancer's view."""
    if alarm.namespace != NAMESPACE:
        return False
    if alarm.metric_name in HOST_METRICS:
        return alarm.colour is not None  # per target group only
    if alarm.metric_name == "HTTPCode_ELB_5XX_Count":
        return alarm.colour is None  # the load balancer's own
    return alarm.metric_name in REQUEST_METRICS or _TARGET_CODE.match(alarm.metric_name) is not None


def period_bounds(start: float, end: float, period: float) -> list[tuple[float, float]]:
    """The whole periods from ``start`` up to ``end`` (a period still running has no datapoint yet)."""
    if period <= 0:
        raise ValueError(f"period: {period:g} s; allowed: a positive number of seconds")
    count = max(0, math.floor((end - start) / period + 1e-9))
    return [(start + i * period, start + (i + 1) * period) for i in range(count)]


def _samples(
    alarm: AlarmSpec, requests: Sequence[RequestRecord], health: Sequence[HealthSample]
) -> list[tuple[float, float]]:
    """(time, value) of every sample of the alarm's metric in its dimension."""
    name = alarm.metric_name

    def answered(record: RequestRecord) -> bool:
        return record.colour is not None and (alarm.colour is None or record.colour == alarm.colour)

    if name == "RequestCount":
        return [(r.sent_at, 1.0) for r in requests if answered(r)]
    if name == "TargetResponseTime":
        return [(r.sent_at, r.latency_seconds) for r in requests if answered(r)]
    if name == "HTTPCode_ELB_5XX_Count":
        return [(r.sent_at, 1.0) for r in requests if r.colour is None and r.status >= 500]
    code = _TARGET_CODE.match(name)
    if code is not None:
        hundreds = int(code.group(1))
        return [(r.sent_at, 1.0) for r in requests if answered(r) and r.status // 100 == hundreds]
    counts = [s for s in health if s.colour == alarm.colour]
    if name == "HealthyHostCount":
        return [(s.at, float(s.healthy)) for s in counts]
    return [(s.at, float(s.unhealthy)) for s in counts]


def datapoints(
    alarm: AlarmSpec,
    records: Sequence[RequestRecord],
    health: Sequence[HealthSample],
    start: float,
    end: float,
    period: float,
) -> list[float | None]:
    """One datapoint per whole period from ``start`` to ``end`` (rehearsal clock), oldest first.

    ``period`` is the alarm's period on the rehearsal clock (``period_seconds / factor``).
    None is a missing datapoint: no sample in the period, or a metric not rebuilt here.
    """
    bounds = period_bounds(start, end, period)
    if not measurable(alarm):
        statistic(alarm.statistic, [])  # still refuse a statistic that could never be computed
        return [None] * len(bounds)
    samples = _samples(alarm, records, health)
    found: list[float | None] = []
    for low, high in bounds:
        values = [value for at, value in samples if low <= at < high]
        found.append(statistic(alarm.statistic, values))
    return found


def alarm_state(
    alarm: AlarmSpec,
    records: Sequence[RequestRecord],
    health: Sequence[HealthSample],
    start: float,
    end: float,
    factor: float,
) -> AlarmState:
    """The alarm's state at ``end``, its datapoints taken from ``start`` in periods compressed by
    ``factor`` and evaluated with CloudWatch's rules (``rehearse.cloudwatch``)."""
    period = compressed(alarm.period_seconds, factor)
    return evaluate(alarm, datapoints(alarm, records, health, start, end, period))
