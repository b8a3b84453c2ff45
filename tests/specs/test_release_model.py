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
        rm.AlarmWindow("fast", 60, 2),
        rm.AlarmWindow("slow", 60, 3),
        rm.AlarmWindow("b", 90, 2),
    )
    finding = rm.alarm_window_finding(120, [fast, slow, also_slow])
    assert finding is not None and finding.alarm is slow  # the first of equals
    assert rm.alarm_window_finding(180, [fast, slow]) is None  # kept exactly as long: covered
    assert rm.alarm_window_finding(0, []) is None
    odd = rm.alarm_window_finding(60, [rm.AlarmWindow("odd", 30, 3)])
    assert odd is not None and odd.minutes_needed == 2  # 90 s: whole minutes round up


def test_the_alarm_finding_says_which_alarm_its_window_and_what_it_needs() -> None:
    """One structured finding; the config, the policy pack and the timeline word it."""
    slow = rm.AlarmWindow("slow", 300, 3)
    finding = rm.alarm_window_finding(600, [rm.AlarmWindow("fast", 60, 1), slow])
    assert finding == rm.AlarmWindowFinding(
        alarm=slow, evaluation_seconds=900, window_seconds=600, minutes_needed=15
    )
    with pytest.raises(AttributeError):
        finding.minutes_needed = 1  # type: ignore[misc]  # frozen


def test_the_policy_pack_reads_fractional_alarm_settings() -> None:
    """The pack's numbers may be floats (AlarmWindow[float]): the finding keeps them."""
    finding = rm.alarm_window_finding(30.0, [rm.AlarmWindow("odd", 10.0, 4.5)])
    assert finding is not None
    assert (finding.evaluation_seconds, finding.window_seconds, finding.minutes_needed) == (45.0, 30.0, 1)
