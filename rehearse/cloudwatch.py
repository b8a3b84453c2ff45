"""CloudWatch metric alarm evaluation, with CloudWatch's own rules, on datapoints the rehearsal measured.

The stack's rollback alarms are judged the way CloudWatch would judge them, so a rehearsal
rolls back when (and only when) the real alarm would. The rules, from the Amazon CloudWatch
User Guide:

- "Alarm evaluation" (Evaluating an alarm): **Period** is the time one datapoint aggregates;
  **Evaluation Periods** (N) is how many of the most recent datapoints decide the state;
  **Datapoints to Alarm** (M) is how many of those must breach for ``ALARM`` (an "M out of N"
  alarm; the breaching datapoints need not be consecutive). States: ``OK``, ``ALARM``,
  ``INSUFFICIENT_DATA`` (the alarm has just started, or not enough data is available). A
  datapoint breaches when it compares to the threshold as ``ComparisonOperator`` says
  (``GreaterThanOrEqualToThreshold``, ``GreaterThanThreshold``, ``LessThanThreshold``,
  ``LessThanOrEqualToThreshold``).
- "Configuring how CloudWatch alarms treat missing data": a missing datapoint is treated as
  ``notBreaching`` (good), ``breaching`` (bad), ``ignore`` (the current state is maintained)
  or ``missing`` (if every datapoint of the evaluation range is missing, the alarm goes to
  ``INSUFFICIENT_DATA``); ``missing`` is the default. CloudWatch retrieves more datapoints
  than N, the *evaluation range* (the guide's examples: 5 for N = 3, :data:`EXTRA_RANGE` more):
  with no datapoint missing it evaluates the N most recent; with some missing but at least N
  real ones, the N most recent real ones, and the treatment is not used; with fewer than N
  real ones, every real datapoint of the range plus as few filled-in ones as make N, each
  filled in as the treatment says. Fewer than M breaching is ``OK``, else ``ALARM``.
- The same page, "Avoiding premature transitions to alarm state": the alarm goes to ``ALARM``
  even with fewer than M breaching datapoints when the oldest breaching datapoint among the
  N most recent is at least M periods old and every more recent one is breaching or missing
  (``- - X - -`` alarms at 3 of 3, ``- - - - X`` does not yet). A real non-breaching datapoint
  among those evaluated prevents it (the guide's 2 of 3 row ``0 - X - -`` stays ``OK``), and
  ``notBreaching`` never leaves a datapoint missing; under ``ignore`` this case, like an
  all-missing range, keeps the current state (the guide's tables: "Retain current state").

The state over time matters because ``ignore`` keeps whatever the alarm was: :func:`states`
evaluates after every period, starting from ``INSUFFICIENT_DATA`` as a new alarm does.
Not modelled: anomaly-detection operators (refused), the low-sample-count option of
percentile alarms, and CloudWatch's delay in publishing a period's datapoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rehearse.records import Colour


@dataclass(frozen=True)
class AlarmSpec:
    """A CloudWatch metric alarm wired to roll a release back, as declared."""

    name: str
    metric_name: str
    namespace: str
    statistic: str
    """``Sum``, ``Average``, ``Maximum``, ``Minimum``, ``SampleCount`` or an extended one (``p99``)."""
    threshold: float
    comparison: str
    period_seconds: int
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: str
    colour: Colour | None
    """The target group its ``TargetGroup`` dimension names; None when it is not per target group."""


AlarmState = Literal["OK", "ALARM", "INSUFFICIENT_DATA"]
INITIAL_STATE: AlarmState = "INSUFFICIENT_DATA"
"""A new alarm's state, before its first evaluation."""

COMPARISONS = {
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "LessThanThreshold": lambda value, threshold: value < threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
}
"""The static-threshold comparison operators and when a datapoint breaches under each."""
MISSING_DATA_TREATMENTS = ("missing", "notBreaching", "breaching", "ignore")
EXTRA_RANGE = 2
"""Datapoints retrieved beyond the N evaluated (the evaluation range is N + 2 in the guide's
examples; CloudWatch's exact range depends on the period and the metric's resolution)."""


def check_alarm(alarm: AlarmSpec) -> None:
    """ValueError naming the alarm, the setting, its value and what is allowed, if it cannot be evaluated."""
    where = f"alarm {alarm.name!r}"
    if alarm.comparison not in COMPARISONS:
        raise ValueError(
            f"{where} comparisonOperator: {alarm.comparison!r} cannot be evaluated here; allowed: "
            f"{', '.join(COMPARISONS)} (anomaly detection bands need CloudWatch's model)"
        )
    if alarm.treat_missing_data not in MISSING_DATA_TREATMENTS:
        raise ValueError(
            f"{where} treatMissingData: {alarm.treat_missing_data!r}; "
            f"allowed: {', '.join(MISSING_DATA_TREATMENTS)}"
        )
    if alarm.period_seconds <= 0:
        raise ValueError(f"{where} period: {alarm.period_seconds}; allowed: a positive number of seconds")
    if alarm.evaluation_periods < 1:
        raise ValueError(f"{where} evaluationPeriods: {alarm.evaluation_periods}; allowed: 1 or more")
    if not 1 <= alarm.datapoints_to_alarm <= alarm.evaluation_periods:
        raise ValueError(
            f"{where} datapointsToAlarm: {alarm.datapoints_to_alarm}; allowed: 1 to evaluationPeriods "
            f"({alarm.evaluation_periods})"
        )


def breaches(alarm: AlarmSpec, value: float) -> bool:
    """Whether one datapoint is on the alarm's side of the threshold."""
    check_alarm(alarm)
    return bool(COMPARISONS[alarm.comparison](value, alarm.threshold))


@dataclass(frozen=True)
class Evaluation:
    """One evaluation of an alarm: its state and how it was reached."""

    state: AlarmState
    evaluated: tuple[float, ...]
    """The real datapoints evaluated, oldest first."""
    filled: int
    """How many missing datapoints were filled in with the treatment to make N."""
    breaching: int
    """Breaching datapoints counted (filled-in ones included under ``breaching``)."""
    reason: str


def evaluate_range(alarm: AlarmSpec, window: Sequence[float | None], previous: AlarmState) -> Evaluation:
    """The alarm's state after one evaluation of ``window`` (oldest first, the newest period last).

    Only the last N + :data:`EXTRA_RANGE` datapoints count (the evaluation range); periods
    before the window's start count as missing, as they do for a new metric.
    """
    check_alarm(alarm)
    n, m = alarm.evaluation_periods, alarm.datapoints_to_alarm
    size = n + EXTRA_RANGE
    window = [None] * max(0, size - len(window)) + list(window[-size:])
    real = [value for value in window if value is not None]
    evaluated = tuple(real[-n:])
    filled = max(0, n - len(real))
    breaching = sum(1 for value in evaluated if breaches(alarm, value))
    if alarm.treat_missing_data == "breaching":
        breaching += filled
    if breaching >= m:
        return Evaluation("ALARM", evaluated, filled, breaching, f"{breaching} of {n} datapoints breaching")
    if filled == 0:
        return Evaluation(
            "OK", evaluated, 0, breaching, f"{breaching} of {n} datapoints breaching, {m} needed"
        )
    premature = alarm.treat_missing_data != "notBreaching" and _premature(alarm, window[-n:], evaluated)
    treatment = alarm.treat_missing_data
    if treatment == "ignore" and (premature or not real):
        return Evaluation(previous, evaluated, filled, breaching, "missing data ignored: state kept")
    if premature:
        return Evaluation(
            "ALARM", evaluated, filled, breaching, f"oldest breach at least {m} periods old, none good since"
        )
    if not real and treatment == "missing":
        return Evaluation("INSUFFICIENT_DATA", evaluated, filled, 0, "every datapoint of the range missing")
    return Evaluation(
        "OK",
        evaluated,
        filled,
        breaching,
        f"{breaching} breaching with {filled} filled as {treatment}, {m} needed",
    )


def _premature(alarm: AlarmSpec, last_n: Sequence[float | None], evaluated: Sequence[float]) -> bool:
    """The guide's premature-transition rule: see the module's docstring."""
    if any(not breaches(alarm, value) for value in evaluated):
        return False
    oldest = next((i for i, value in enumerate(last_n) if value is not None and breaches(alarm, value)), None)
    if oldest is None:
        return False
    age = len(last_n) - oldest  # 1 = the newest period
    return age >= alarm.datapoints_to_alarm


def evaluations(alarm: AlarmSpec, datapoints: Sequence[float | None]) -> list[Evaluation]:
    """The alarm evaluated after each period of ``datapoints`` (oldest first, one per period)."""
    state: AlarmState = INITIAL_STATE
    found = []
    for end in range(1, len(datapoints) + 1):
        evaluation = evaluate_range(alarm, datapoints[:end], state)
        state = evaluation.state
        found.append(evaluation)
    return found


def states(alarm: AlarmSpec, datapoints: Sequence[float | None]) -> list[AlarmState]:
    """The alarm's state after each period."""
    return [evaluation.state for evaluation in evaluations(alarm, datapoints)]


def evaluate(alarm: AlarmSpec, datapoints: Sequence[float | None]) -> AlarmState:
    """The alarm's state after the last of ``datapoints`` (oldest first, one per period, None =
    missing), evaluated period by period from a new alarm's ``INSUFFICIENT_DATA``."""
    found = states(alarm, datapoints)
    return found[-1] if found else INITIAL_STATE


def first_alarm(alarm: AlarmSpec, datapoints: Sequence[float | None]) -> int | None:
    """The index of the first period after which the alarm is in ``ALARM``; None if it never is."""
    return next((i for i, state in enumerate(states(alarm, datapoints)) if state == "ALARM"), None)
