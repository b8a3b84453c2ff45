"""Loading pulumi_aws lazily changes what is imported, never what the program declares."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from preview import fast_imports
from preview.engine import ROOT, ProgramRun, run_stack

STACKS = ("dev", "prod")

LAZY = """
import json, sys
from preview import fast_imports
lazy = fast_imports.install()
from preview.engine import run_stack
from tests.preview.test_fast_imports import summary
print(json.dumps({"lazy": lazy, "stacks": {stack: summary(run_stack(stack)) for stack in sys.argv[1:]}}))
"""


def summary(run: ProgramRun) -> dict[str, Any]:
    """What a run declared and exported, and how many of pulumi_aws.ec2's modules it loaded."""

    def plain(value: Any) -> Any:
        return getattr(value, "path", None) or sorted(getattr(value, "assets", {}) or []) or str(type(value))

    declared = sorted(
        [
            r.type,
            r.name,
            json.dumps(
                {k: v for k, v in r.inputs.items() if k != "__provider"}, sort_keys=True, default=plain
            ),
            r.ignore_changes,
            sorted(r.depends_on),
        ]
        for r in run.resources
    )
    loaded = sorted(m for m in sys.modules if m.startswith("pulumi_aws.ec2."))
    return {"declared": declared, "exports": sorted(run.exports), "ec2_modules": len(loaded)}


@pytest.fixture(scope="module")
def lazily() -> dict[str, Any]:
    """Both stacks declared in one preview-like process, pulumi_aws loaded lazily."""
    env = {**os.environ, "PREVIEW_EAGER_IMPORTS": "0"}
    result = subprocess.run(
        [sys.executable, "-c", LAZY, *STACKS], cwd=ROOT, capture_output=True, text=True, timeout=180, env=env
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_lazy_and_eager_imports_declare_the_same_stack(stack: str, lazily: dict[str, Any]) -> None:
    # Eagerly: this test process, which imports pulumi_aws as usual (as `pulumi up` does).
    assert not any(isinstance(finder, fast_imports._LazyServiceFinder) for finder in sys.meta_path)
    lazy, eager = lazily["stacks"][stack], summary(run_stack(stack))
    assert lazily["lazy"] is True
    assert lazy["declared"] == eager["declared"]
    assert lazy["exports"] == eager["exports"]
    # The point of it: far fewer of pulumi_aws.ec2's ~180 resource modules get loaded.
    assert lazy["ec2_modules"] < eager["ec2_modules"] / 3, (lazy["ec2_modules"], eager["ec2_modules"])


ANNOTATIONS = """
import sys
from preview import fast_imports
fast_imports.install()
import pulumi_aws
pulumi_aws.ecs.Service
loader = type(sys.modules["pulumi_aws.ecs._inputs"].__spec__.loader).__name__
hint = pulumi_aws.ecs.ServiceLoadBalancerArgs.__init__.__annotations__["container_name"]
print(loader, type(hint).__name__)
"""


@pytest.mark.parametrize(
    ("eager", "expected"), [("0", "_DeferredAnnotationsLoader str"), ("1", "SourceFileLoader")]
)
def test_pulumi_aws_annotations_are_deferred_only_in_the_previews_own_process(
    eager: str, expected: str
) -> None:
    env = {**os.environ, "PREVIEW_EAGER_IMPORTS": eager}
    result = subprocess.run(
        [sys.executable, "-c", ANNOTATIONS], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr[-2000:]
    # Eagerly (as in the tests and `pulumi up`) the hints are evaluated typing objects, not text.
    assert result.stdout.strip().startswith(expected), result.stdout
    if eager == "1":
        assert not result.stdout.strip().endswith(" str")
