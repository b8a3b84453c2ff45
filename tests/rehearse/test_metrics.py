"""rehearse.metrics: per-period datapoints of the alarms' metrics from hand-built records."""

from __future__ import annotations

import dataclasses

import pytest

from rehearse.cloudwatch import AlarmSpec, evaluate
from rehearse.metrics import alarm_state, datapoints, measurable, percentile, period_bounds, statistic
from rehearse.records import HealthSample, RequestRecord

BASE = AlarmSpec(
    name="target-5xx",
    metric_name="HTTPCode_Target_5XX_Count",
    namespace="AWS/ApplicationELB",
    statistic="Sum",
    threshold=10,
    comparison="GreaterThanOrEqualToThreshold",
    period_seconds=60,
    evaluation_periods=2,
    datapoints_to_alarm=2,
    treat_missing_data="notBreaching",
    colour=None,
)


def alarm(**changes: object) -> AlarmSpec:
    return dataclasses.replace(BASE, **changes)  # type: ignore[arg-type]


def request(
    at: float, status: int = 200, colour: str | None = "blue", latency: float = 0.01
) -> RequestRecord:
    return RequestRecord(sent_at=at, latency_seconds=latency, status=status, colour=colour)  # type: ignore[arg-type]


# Period 0 (0-5 s): blue fine. Period 1 (5-10 s): green answers 12 x 503. Period 2: nothing.
# Period 3: green 2 x 500, blue one 502 of the load balancer's own (no colour) and a timeout.
RECORDS = (
    [request(0.1 * i) for i in range(40)]
    + [request(5 + 0.1 * i, 503, "green", 0.2) for i in range(12)]
    + [request(5.05 + 0.1 * i, 200, "blue", 0.05) for i in range(10)]
    + [request(15.5, 500, "green", 0.4), request(16.0, 500, "green", 0.6)]
    + [request(17.0, 502, None, 0.0), request(18.0, 0, None, 5.0)]
)


def test_whole_periods_only() -> None:
    assert period_bounds(0, 20, 5) == [(0, 5), (5, 10), (10, 15), (15, 20)]
    assert period_bounds(0, 19.9, 5) == [(0, 5), (5, 10), (10, 15)]
    assert period_bounds(3, 2, 5) == []
    with pytest.raises(ValueError, match=r"^period: 0 s; allowed: a positive number of seconds$"):
        period_bounds(0, 10, 0)


def test_target_5xx_per_period_on_the_load_balancer() -> None:
    # Counts only what a target answered; a period without any is missing (not reported), not 0.
    assert datapoints(BASE, RECORDS, [], 0, 20, 5) == [None, 12.0, None, 2.0]


def test_target_5xx_per_target_group() -> None:
    assert datapoints(alarm(colour="green"), RECORDS, [], 0, 20, 5) == [None, 12.0, None, 2.0]
    assert datapoints(alarm(colour="blue"), RECORDS, [], 0, 20, 5) == [None, None, None, None]


def test_other_status_classes_and_the_load_balancers_own_5xx() -> None:
    twos = alarm(metric_name="HTTPCode_Target_2XX_Count")
    assert datapoints(twos, RECORDS, [], 0, 20, 5) == [40.0, 10.0, None, None]
    elb = alarm(metric_name="HTTPCode_ELB_5XX_Count")
    assert datapoints(elb, RECORDS, [], 0, 20, 5) == [None, None, None, 1.0]  # the 502, not the timeout


def test_request_count_and_response_time_statistics() -> None:
    count = alarm(metric_name="RequestCount")
    assert datapoints(count, RECORDS, [], 0, 20, 5) == [40.0, 22.0, None, 2.0]
    average = alarm(metric_name="TargetResponseTime", statistic="Average", colour="green")
    assert datapoints(average, RECORDS, [], 0, 20, 5) == pytest.approx([None, 0.2, None, 0.5])
    most = alarm(metric_name="TargetResponseTime", statistic="Maximum")
    assert datapoints(most, RECORDS, [], 0, 20, 5) == pytest.approx([0.01, 0.2, None, 0.6])
    # 22 samples: 10 at 0.05 s, 12 at 0.2 s; the 10th of 22 is the p45, the 11th the p50.
    p45 = alarm(metric_name="TargetResponseTime", statistic="p45")
    assert datapoints(p45, RECORDS, [], 5, 10, 5) == pytest.approx([0.05])
    p50 = alarm(metric_name="TargetResponseTime", statistic="p50")
    assert datapoints(p50, RECORDS, [], 5, 10, 5) == pytest.approx([0.2])


def test_host_counts_per_target_group() -> None:
    health = [
        HealthSample(at=1, colour="green", healthy=0, unhealthy=2),
        HealthSample(at=3, colour="green", healthy=1, unhealthy=1),
        HealthSample(at=6, colour="green", healthy=2, unhealthy=0),
        HealthSample(at=6, colour="blue", healthy=2, unhealthy=0),
    ]
    unhealthy = alarm(metric_name="UnHealthyHostCount", statistic="Maximum", threshold=1, colour="green")
    assert datapoints(unhealthy, [], health, 0, 15, 5) == [2.0, 0.0, None]
    healthy = alarm(metric_name="HealthyHostCount", statistic="Minimum", colour="green")
    assert datapoints(healthy, [], health, 0, 10, 5) == [0.0, 2.0]
    blue = dataclasses.replace(unhealthy, colour="blue")
    assert datapoints(blue, [], health, 0, 10, 5) == [None, 0.0]


def test_metrics_the_load_balancer_cannot_show_are_missing() -> None:
    cpu = alarm(metric_name="CPUUtilization", namespace="AWS/ECS", statistic="Average")
    no_group = alarm(metric_name="UnHealthyHostCount", statistic="Maximum")
    elb_per_group = alarm(metric_name="HTTPCode_ELB_5XX_Count", colour="green")
    for spec in (cpu, no_group, elb_per_group):
        assert not measurable(spec)
        assert datapoints(spec, RECORDS, [], 0, 20, 5) == [None] * 4
    assert measurable(BASE) and measurable(alarm(metric_name="UnHealthyHostCount", colour="blue"))


def test_the_stacks_5xx_alarm_fires_on_two_bad_periods() -> None:
    bad = [request(5 * p + 0.1 * i, 503, "green") for p in (1, 2) for i in range(11)]
    assert datapoints(BASE, bad, [], 0, 15, 5) == [None, 11.0, 11.0]
    assert evaluate(BASE, datapoints(BASE, bad, [], 0, 15, 5)) == "ALARM"
    assert evaluate(BASE, datapoints(BASE, bad[:20], [], 0, 15, 5)) == "OK"  # 11 then 9


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 99), percentile(values, 100)) == (50.0, 99.0, 100.0)
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError, match="percentile: 0 is outside"):
        percentile(values, 0)


def test_statistics_and_bad_ones() -> None:
    assert statistic("SampleCount", [0.5, 0.7]) == 2.0
    assert statistic("p99.9", [1.0, 2.0]) == 2.0
    assert statistic("Sum", []) is None
    with pytest.raises(
        ValueError, match=r"^statistic: 'Median' is not one the rehearsal computes; allowed: Sum"
    ):
        statistic("Median", [1.0])
    with pytest.raises(ValueError, match="statistic: 'tm99'"):
        datapoints(alarm(metric_name="CPUUtilization", statistic="tm99"), [], [], 0, 5, 5)


def test_alarm_state_with_compressed_periods() -> None:
    # 60 s periods at a factor of 12 last 5 s: two periods of 11 target 5xx each fire the alarm.
    bad = [request(5 * p + 0.1 * i, 503, "green") for p in (1, 2) for i in range(11)]
    assert alarm_state(BASE, bad, [], 0, 15, 12) == "ALARM"
    assert alarm_state(BASE, bad, [], 0, 10, 12) == "OK"  # one bad period so far
    assert alarm_state(BASE, bad, [], 0, 15, 6) == "OK"  # 10 s periods: 11 and 11 in one period
