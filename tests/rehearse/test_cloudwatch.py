"""rehearse.cloudwatch against the CloudWatch User Guide's own examples and rules.

The two tables of "Configuring how CloudWatch alarms treat missing data" (evaluation range 5,
the newest datapoint on the right; 0 = not breaching, X = breaching, - = missing) are checked
row by row, for every treatment, then the comparison operators, M out of N, and state over time.
"""

from __future__ import annotations

import dataclasses

import pytest

from rehearse.cloudwatch import (
    EXTRA_RANGE,
    INITIAL_STATE,
    AlarmSpec,
    breaches,
    check_alarm,
    evaluate,
    evaluate_range,
    evaluations,
    first_alarm,
    states,
)

ALARM = AlarmSpec(
    name="errors",
    metric_name="HTTPCode_Target_5XX_Count",
    namespace="AWS/ApplicationELB",
    statistic="Sum",
    threshold=10,
    comparison="GreaterThanOrEqualToThreshold",
    period_seconds=60,
    evaluation_periods=3,
    datapoints_to_alarm=3,
    treat_missing_data="missing",
    colour=None,
)
TREATMENTS = ("missing", "ignore", "breaching", "notBreaching")
RETAIN = "retain"


def alarm(**changes: object) -> AlarmSpec:
    return dataclasses.replace(ALARM, **changes)  # type: ignore[arg-type]


def points(row: str) -> list[float | None]:
    """``0 - X`` -> [0, None, 20]: 20 breaches the threshold of 10, 0 does not."""
    return [{"0": 0.0, "X": 20.0, "-": None}[mark] for mark in row.split()]


# (row, MISSING, IGNORE, BREACHING, NOT BREACHING) as the guide lists them.
THREE_OF_THREE = [
    ("0 - X - X", "OK", "OK", "OK", "OK"),
    ("0 - - - -", "OK", "OK", "OK", "OK"),
    ("- - - - -", "INSUFFICIENT_DATA", RETAIN, "ALARM", "OK"),
    ("0 X X - X", "ALARM", "ALARM", "ALARM", "ALARM"),
    ("- - X - -", "ALARM", RETAIN, "ALARM", "OK"),
]
TWO_OF_THREE = [
    ("0 - X - X", "ALARM", "ALARM", "ALARM", "ALARM"),
    ("0 0 X 0 X", "ALARM", "ALARM", "ALARM", "ALARM"),
    ("0 - X - -", "OK", "OK", "ALARM", "OK"),
    ("- - - - 0", "OK", "OK", "ALARM", "OK"),
    ("- - - X -", "ALARM", RETAIN, "ALARM", "OK"),
]


def _check_table(table: list[tuple[str, str, str, str, str]], m: int) -> None:
    for row, *expected in table:
        for treatment, state in zip(TREATMENTS, expected, strict=True):
            spec = alarm(datapoints_to_alarm=m, treat_missing_data=treatment)
            for previous in ("OK", "ALARM", "INSUFFICIENT_DATA"):
                got = evaluate_range(spec, points(row), previous).state
                want = previous if state == RETAIN else state
                assert got == want, f"{m} of 3, {row!r}, {treatment}, was {previous}: {got} != {want}"


def test_the_guides_three_of_three_table() -> None:
    _check_table(THREE_OF_THREE, 3)


def test_the_guides_two_of_three_table() -> None:
    _check_table(TWO_OF_THREE, 2)


def test_premature_alarm_waits_for_m_periods() -> None:
    # "- - - - X" and "- - - X -" do not alarm yet at 3 of 3; "- - X - -" does.
    spec = alarm()
    assert evaluate_range(spec, points("- - - - X"), "OK").state == "OK"
    assert evaluate_range(spec, points("- - - X -"), "OK").state == "OK"
    assert evaluate_range(spec, points("- - X - -"), "OK").state == "ALARM"
    # Once the breach leaves the N most recent periods it cannot alarm any more.
    assert evaluate_range(spec, points("- X - - -"), "ALARM").state == "OK"


def test_enough_real_datapoints_make_the_treatment_irrelevant() -> None:
    for treatment in TREATMENTS:
        spec = alarm(treat_missing_data=treatment)
        evaluation = evaluate_range(spec, points("X - X - X"), "OK")
        assert (evaluation.state, evaluation.filled, evaluation.evaluated) == ("ALARM", 0, (20.0, 20.0, 20.0))
        assert evaluate_range(spec, points("X 0 X - X"), "ALARM").state == "OK"


def test_missing_points_are_filled_as_few_times_as_possible() -> None:
    evaluation = evaluate_range(alarm(treat_missing_data="breaching"), points("0 - X - -"), "OK")
    assert (evaluation.filled, evaluation.breaching, evaluation.state) == (1, 2, "OK")


def test_only_the_evaluation_range_is_read() -> None:
    # A breach older than N + EXTRA_RANGE periods is out of the range.
    spec = alarm(evaluation_periods=1, datapoints_to_alarm=1, treat_missing_data="missing")
    old = [20.0] + [None] * (1 + EXTRA_RANGE)
    assert evaluate_range(spec, old, "ALARM").state == "INSUFFICIENT_DATA"
    assert evaluate_range(spec, old[1:] and [20.0, None, None], "OK").state == "ALARM"


@pytest.mark.parametrize(
    ("comparison", "below", "at", "above"),
    [
        ("GreaterThanOrEqualToThreshold", False, True, True),
        ("GreaterThanThreshold", False, False, True),
        ("LessThanThreshold", True, False, False),
        ("LessThanOrEqualToThreshold", True, True, False),
    ],
)
def test_each_comparison_operator(comparison: str, below: bool, at: bool, above: bool) -> None:
    spec = alarm(comparison=comparison, threshold=10)
    assert (breaches(spec, 9.99), breaches(spec, 10), breaches(spec, 10.01)) == (below, at, above)
    one = alarm(comparison=comparison, evaluation_periods=1, datapoints_to_alarm=1)
    assert evaluate(one, [10.0]) == ("ALARM" if at else "OK")


def test_m_out_of_n_need_not_be_consecutive() -> None:
    two_of_four = alarm(evaluation_periods=4, datapoints_to_alarm=2)
    assert evaluate(two_of_four, points("X 0 0 X")) == "ALARM"
    assert evaluate(two_of_four, points("X 0 0 0 X")) == "OK"  # the oldest X left the last four
    assert evaluate(two_of_four, points("0 0 0 X")) == "OK"


def test_state_over_time_of_the_stacks_5xx_alarm() -> None:
    # The stack's alarm: >= 10 in 2 of 2 periods, missing data not breaching (no 5xx: no datapoint).
    stack = alarm(evaluation_periods=2, datapoints_to_alarm=2, treat_missing_data="notBreaching")
    series: list[float | None] = [None, 3.0, 25.0, 31.0, None, None, None]
    # After the errors stop, the last real datapoints are evaluated again while they are in the
    # range (the guide's note on re-evaluating after a metric stops flowing): ALARM for two more
    # periods, then one real datapoint and one filled in as not breaching make it OK.
    assert states(stack, series) == ["OK", "OK", "OK", "ALARM", "ALARM", "ALARM", "OK"]
    assert first_alarm(stack, series) == 3
    assert first_alarm(stack, [None, 25.0, 3.0, 25.0]) is None


def test_a_new_alarm_starts_without_data() -> None:
    assert evaluate(ALARM, []) == INITIAL_STATE == "INSUFFICIENT_DATA"
    assert states(ALARM, [None, None]) == ["INSUFFICIENT_DATA", "INSUFFICIENT_DATA"]
    # Under ignore, a new alarm keeps INSUFFICIENT_DATA until real data decides.
    ignoring = alarm(treat_missing_data="ignore", evaluation_periods=1, datapoints_to_alarm=1)
    assert states(ignoring, [None, 20.0, None, None, 0.0, None]) == [
        "INSUFFICIENT_DATA",
        "ALARM",
        "ALARM",
        "ALARM",
        "OK",
        "OK",
    ]


def test_ignore_keeps_the_state_it_had() -> None:
    spec = alarm(treat_missing_data="ignore")
    # Three breaches alarm; while three real ones are in the range they are evaluated again;
    # with two left and the third filled, ignore agrees with missing (OK, as the guide's
    # "0 - X - -" row); a range with nothing real keeps the state it had.
    assert states(spec, points("X X X - - - - -")) == [
        "OK",
        "OK",
        "ALARM",
        "ALARM",
        "ALARM",
        "OK",
        "OK",
        "OK",
    ]
    assert states(spec, points("X X X - -")) == ["OK", "OK", "ALARM", "ALARM", "ALARM"]
    assert evaluate_range(spec, points("- - - - -"), "ALARM").state == "ALARM"
    assert evaluate_range(spec, points("- - - - -"), "OK").state == "OK"


def test_breaching_treatment_alarms_when_data_stops() -> None:
    spec = alarm(treat_missing_data="breaching", evaluation_periods=2, datapoints_to_alarm=2)
    # Only once the last real datapoints have left the range (N + 2 = 4 periods) are the gaps
    # filled in: the real ones in range are evaluated first, as the guide's rules say.
    assert states(spec, points("0 0 - - - - -")) == ["OK", "OK", "OK", "OK", "OK", "ALARM", "ALARM"]


def test_every_evaluation_says_why() -> None:
    found = evaluations(alarm(evaluation_periods=2, datapoints_to_alarm=2), points("X X"))
    assert [e.state for e in found] == ["OK", "ALARM"]
    assert found[-1].reason == "2 of 2 datapoints breaching"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"comparison": "LessThanLowerOrGreaterThanUpperThreshold"},
            "alarm 'errors' comparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold' cannot be",
        ),
        (
            {"treat_missing_data": "zero"},
            "alarm 'errors' treatMissingData: 'zero'; allowed: missing, notBreaching",
        ),
        (
            {"datapoints_to_alarm": 4},
            "alarm 'errors' datapointsToAlarm: 4; allowed: 1 to evaluationPeriods (3)",
        ),
        (
            {"evaluation_periods": 0, "datapoints_to_alarm": 0},
            "alarm 'errors' evaluationPeriods: 0; allowed: 1",
        ),
        ({"period_seconds": 0}, "alarm 'errors' period: 0; allowed: a positive number of seconds"),
    ],
)
def test_alarms_that_cannot_be_evaluated_are_named(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        check_alarm(alarm(**changes))
    assert str(raised.value).startswith(message)
