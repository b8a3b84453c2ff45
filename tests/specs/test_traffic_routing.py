"""What a strategy means whichever engine shifts it: steps, shifting time, and its words."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from specs import traffic_routing as tr
from specs.traffic_routing import ShiftStep, TrafficRouting

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ("specs", "stack_config", "preview", "components", "policy", "release", "hooks")


def test_all_at_once_is_the_one_strategy_without_steps() -> None:
    assert [s for s in ("canary", "linear", "all-at-once") if not tr.has_steps(s)] == ["all-at-once"]
    assert tr.routing_for("all-at-once", 50, 7, "n") == TrafficRouting("all-at-once", None, None, "n")
    assert tr.routing_for("canary", 50, 7, "n") == TrafficRouting("canary", 50, 7, "n")
    assert not TrafficRouting("linear", None, 3, "").stepped


@pytest.mark.parametrize(
    ("step", "steps"),
    [(10, 10), (30, 4), (3, 34), (99, 2), (100 / 3, 3), (33.3, 4), (0.5, 200)],
)
def test_linear_steps_cap_the_last_at_100_percent(step: float, steps: int) -> None:
    assert tr.linear_steps(step) == steps


@pytest.mark.parametrize(
    ("strategy", "percentage", "interval", "minutes"),
    [
        ("all-at-once", None, None, 0),
        ("canary", 10, 5, 5),
        ("canary", 50, 30, 30),
        ("linear", 10, 1, 9),  # 10 steps of 10 %: nine waits between them
        ("linear", 10, 3, 27),
        ("linear", 33, 2, 6),  # 33, 66, 99, 100: four steps
        ("linear", 99, 7, 7),
    ],
)
def test_shifting_minutes(strategy: str, percentage: int | None, interval: int | None, minutes: int) -> None:
    assert tr.shifting_minutes(strategy, percentage, interval) == minutes


def test_shifting_minutes_uses_the_same_step_count() -> None:
    assert tr.shifting_minutes("linear", 30, 2) == (tr.linear_steps(30) - 1) * 2 == 6


@pytest.mark.parametrize(
    ("routing", "summary"),
    [
        (TrafficRouting("all-at-once", None, None, ""), "all at once"),
        (TrafficRouting("canary", 10, 5, ""), "canary 10 %, 100 % after 5 min"),
        (TrafficRouting("canary", 0.5, 5, ""), "canary 0.5 %, 100 % after 5 min"),
        (TrafficRouting("linear", 25, 2, ""), "linear 25 % every 2 min"),
    ],
)
def test_shift_summary(routing: TrafficRouting, summary: str) -> None:
    assert tr.shift_summary(routing) == summary


def test_shift_steps_word_each_move_and_wait_between_them() -> None:
    assert tr.shift_steps(TrafficRouting("all-at-once", None, None, "")) == (
        ShiftStep(0, 100, "100 % of production on green (all at once)"),
    )
    assert tr.shift_steps(TrafficRouting("canary", 10, 5, "")) == (
        ShiftStep(0, 10, "10 % of production on green (canary)"),
        ShiftStep(300, 100, "100 % of production on green (after 5 min)"),
    )
    assert tr.shift_steps(TrafficRouting("canary", 10, 5, ""), "canary bake")[1].words == (
        "100 % of production on green (after the 5 min canary bake)"
    )
    linear = tr.shift_steps(TrafficRouting("linear", 33, 2, ""))
    assert [(s.wait_seconds, s.green_percent) for s in linear] == [(0, 33), (120, 66), (120, 99), (120, 100)]
    assert linear[-1].words == "100 % of production on green (linear step 4 of 4)"
    assert tr.shift_steps(TrafficRouting("linear", 12.5, 1, ""))[0].green_percent == 12.5


def test_words_for_numbers_and_durations() -> None:
    assert (tr.percent_text(10.0), tr.percent_text(0.5)) == ("10", "0.5")
    assert [tr.duration_text(s) for s in (45, 300, 90)] == ["45 s", "5 min", "1 min 30 s"]


def test_nobody_else_asks_whether_a_strategy_is_all_at_once() -> None:
    """``has_steps`` is the one statement: no other module compares a strategy with the name."""
    comparing = []
    for path in [ROOT / "__main__.py", *(p for d in PROGRAM for p in sorted((ROOT / d).rglob("*.py")))]:
        if path == ROOT / "specs" / "traffic_routing.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            operands = [node.left, *node.comparators] if isinstance(node, ast.Compare) else []
            if any(isinstance(o, ast.Constant) and o.value == "all-at-once" for o in operands):
                comparing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert comparing == []
