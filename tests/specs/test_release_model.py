"""The shared release model: its rules, and that it stays importable without third-party packages.

The policy pack imports specs.release_model from its own environment (policy/venv), which has
pulumi-policy but not the program's dependencies: a third-party import there would break the
pack only when it runs, so these tests make it fail here.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from specs import release_model as rm

ROOT = Path(__file__).resolve().parents[2]
# The modules the policy pack and the CLI load from specs/: standard library only.
STDLIB_ONLY = (
    "specs/__init__.py",
    "specs/release_model.py",
    "specs/resource_reader.py",
    "specs/stack_outputs.py",
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
        "import specs.release_model, specs.resource_reader, specs.stack_outputs; "
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
    assert set(rm.NATIVE_STRATEGY) == set(rm.STRATEGIES)
    assert set(rm.NATIVE_STRATEGY.values()) == set(rm.ECS_BLUE_GREEN_STRATEGIES)
    assert set(rm.CONTROLLER_TYPE) == set(rm.ENGINES) and rm.DEFAULT_ENGINE in rm.ENGINES


@pytest.mark.parametrize(
    ("step", "steps"),
    [(10, 10), (30, 4), (3, 34), (99, 2), (100 / 3, 3), (33.3, 4), (0.5, 200)],
)
def test_linear_steps_cap_the_last_at_100_percent(step: float, steps: int) -> None:
    assert rm.linear_steps(step) == steps


def test_shifting_minutes_uses_the_same_step_count() -> None:
    assert rm.shifting_minutes("linear", 30, 2) == (rm.linear_steps(30) - 1) * 2 == 6
    assert rm.shifting_minutes("canary", 10, 5) == 5
    assert rm.shifting_minutes("all-at-once", None, None) == 0


def test_the_slowest_alarm_blue_does_not_outlast() -> None:
    fast, slow, also_slow = (
        rm.AlarmWindow("fast", 60, 2),
        rm.AlarmWindow("slow", 60, 3),
        rm.AlarmWindow("b", 90, 2),
    )
    assert rm.alarm_outlasts_blue(120, [fast, slow, also_slow]) is slow  # the first of equals
    assert rm.alarm_outlasts_blue(180, [fast, slow]) is None  # kept exactly as long: covered
    assert rm.alarm_outlasts_blue(0, []) is None
    assert rm.minutes_to_cover(rm.AlarmWindow("odd", 30, 3)) == 2  # 90 s: whole minutes round up
