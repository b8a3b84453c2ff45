"""The shared release model: its rules, and that it stays importable without third-party packages.

The policy pack imports specs.release_model and the engine modules from its own environment
(policy/venv), which has pulumi-policy but not the program's dependencies: a third-party import
there would break the pack only when it runs, so these tests make it fail here.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from specs import ecs_engine
from specs import release_model as rm
from specs.traffic_routing import STRATEGIES

ROOT = Path(__file__).resolve().parents[2]
# The modules the policy pack and the CLI load from specs/: standard library only.
STDLIB_ONLY = (
    "specs/__init__.py",
    "specs/codedeploy_engine.py",
    "specs/ecs_engine.py",
    "specs/release_duration.py",
    "specs/release_model.py",
    "specs/resource_reader.py",
    "specs/stack_outputs.py",
    "specs/traffic_routing.py",
)


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def _imported_specs(path: Path) -> set[str]:
    """The specs modules ``path`` imports, as paths like ``specs/release_model.py``."""
    return {
        f"{node.module.replace('.', '/')}.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("specs.")
    }


@pytest.mark.parametrize("module", STDLIB_ONLY)
def test_imports_only_the_standard_library(module: str) -> None:
    """The standard library, and specs modules of this list (the resource reader uses the release model)."""
    outside = _imported_roots(ROOT / module) - set(sys.stdlib_module_names) - {"__future__"}
    if _imported_specs(ROOT / module) <= set(STDLIB_ONLY):
        outside.discard("specs")
    assert not outside, f"{module} imports {sorted(outside)}; the policy pack's environment lacks them"


def test_imports_in_an_interpreter_without_site_packages() -> None:
    """-S -I: no site-packages, no PYTHONPATH, no current directory; only the repo root added."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "import specs.release_model, specs.resource_reader, specs.stack_outputs, specs.codedeploy_engine, "
        "specs.ecs_engine, specs.release_duration, specs.traffic_routing; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pydantic', 'stack_config')))"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-I", "-c", code, str(ROOT)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_specs_never_imports_stack_config() -> None:
    """stack_config builds on specs; specs reading stack_config back would be a cycle."""
    for path in sorted((ROOT / "specs").glob("*.py")):
        assert "stack_config" not in _imported_roots(path), path.name


def test_hooks_stages_and_strategies_agree() -> None:
    assert list(rm.LIFECYCLE_STAGE) == list(rm.ECS_HOOKS)  # same order as the hooks run
    stages = [rm.LIFECYCLE_STAGE[hook] for hook in rm.ECS_HOOKS]
    assert stages == sorted(stages, key=rm.ECS_LIFECYCLE_STAGES.index)
    assert set(ecs_engine.NATIVE_STRATEGY) == set(STRATEGIES)
    assert set(ecs_engine.NATIVE_STRATEGY.values()) == set(ecs_engine.BLUE_GREEN_STRATEGIES)
    assert set(rm.CONTROLLER_TYPE) == set(rm.ENGINES) and rm.DEFAULT_ENGINE in rm.ENGINES


def test_the_slowest_alarm_blue_does_not_outlast() -> None:
    fast, slow, also_slow = (
        rm.AlarmWindow("fast", 60, 2),  # 60 s x (2 + 1) = 180 s
        rm.AlarmWindow("slow", 60, 3),  # 60 s x (3 + 1) = 240 s
        rm.AlarmWindow("b", 120, 1),  # 120 s x (1 + 1) = 240 s
    )
    finding = rm.alarm_window_finding(120, [fast, slow, also_slow])
    assert finding is not None and finding.alarm is slow  # the first of equals
    assert rm.alarm_window_finding(240, [fast, slow]) is None  # kept exactly as long: covered
    assert rm.alarm_window_finding(0, []) is None
    odd = rm.alarm_window_finding(60, [rm.AlarmWindow("odd", 30, 2)])
    assert odd is not None and odd.minutes_needed == 2  # 90 s: whole minutes round up


# The + 1: CloudWatch's periods are fixed to the clock, so a breach that starts inside a period
# shares that period's datapoint with the healthy data before it (an average of blue's and
# green's answers may not breach), and the evaluationPeriods whole breaching periods after it end
# up to one period later than period x evaluationPeriods. A release rehearsal with real traffic
# saw dev's 2 x 60 s alarm fire 15 s after blue (kept 2 minutes) was gone: too late to roll back.


def test_an_alarm_may_need_one_period_more_than_its_evaluation_periods() -> None:
    dev = rm.AlarmWindow("response-time", 60, 2)
    assert (dev.periods_to_fire, dev.evaluation_seconds) == (3, 180)
    finding = rm.alarm_window_finding(120, [dev])  # dev's former 2-minute termination wait
    assert finding is not None and finding.minutes_needed == 3
    assert rm.alarm_window_finding(180, [dev]) is None
    assert rm.AlarmWindow("one", 300, 1).evaluation_seconds == 600  # one period is two at worst


def _seconds_to_fire(period: int, evaluations: int, breach_starts: int) -> int:
    """When an alarm fires after a breach starting ``breach_starts`` seconds into the clock's
    periods, if a period holding any data from before the breach does not breach (its average is
    mostly healthy): it fires at the end of the evaluations-th wholly breaching period."""
    first_whole = -(-breach_starts // period)  # the first period that starts at or after the breach
    return (first_whole + evaluations) * period - breach_starts


def test_a_breach_starting_inside_a_clock_period_fires_within_the_window() -> None:
    """Every start second within a period: the alarm fires within period x (evaluationPeriods + 1),
    and period x evaluationPeriods alone would be too short for all but a breach starting on a
    period's boundary."""
    for period, evaluations in ((60, 2), (60, 1), (10, 3), (300, 2)):
        window = rm.AlarmWindow("a", period, evaluations)
        delays = [_seconds_to_fire(period, evaluations, start) for start in range(period)]
        assert delays[0] == period * evaluations  # on a boundary: the old rule's time
        assert max(delays) == period * evaluations + period - 1 <= window.evaluation_seconds
        assert all(delay > period * evaluations for delay in delays[1:])


def test_the_alarm_finding_says_which_alarm_its_window_and_what_it_needs() -> None:
    """One structured finding; the config, the policy pack and the timeline word it."""
    slow = rm.AlarmWindow("slow", 300, 3)
    finding = rm.alarm_window_finding(600, [rm.AlarmWindow("fast", 60, 1), slow])
    assert finding == rm.AlarmWindowFinding(
        alarm=slow, evaluation_seconds=1200, window_seconds=600, minutes_needed=20
    )
    with pytest.raises(AttributeError):
        finding.minutes_needed = 1  # type: ignore[misc]  # frozen


def test_the_policy_pack_reads_fractional_alarm_settings() -> None:
    """The pack's numbers may be floats (AlarmWindow[float]): the finding keeps them."""
    finding = rm.alarm_window_finding(30.0, [rm.AlarmWindow("odd", 10.0, 4.5)])  # 10 x (4.5 + 1)
    assert finding is not None
    assert (finding.evaluation_seconds, finding.window_seconds, finding.minutes_needed) == (55.0, 30.0, 1)
