"""Loading pulumi_aws lazily changes what is imported, never what the program declares."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from preview.engine import ROOT

SCRIPT = """
import json, sys
from preview import fast_imports
lazy = fast_imports.install()
from preview.engine import run_stack
run = run_stack(sys.argv[1])
def plain(value):
    return getattr(value, "path", None) or sorted(getattr(value, "assets", {}) or []) or str(type(value))
declared = sorted(
    [
        r.type,
        r.name,
        json.dumps({k: v for k, v in r.inputs.items() if k != "__provider"}, sort_keys=True, default=plain),
        r.ignore_changes,
        sorted(r.depends_on),
    ]
    for r in run.resources
)
loaded = sorted(m for m in sys.modules if m.startswith("pulumi_aws.ec2."))
summary = {"lazy": lazy, "declared": declared, "exports": sorted(run.exports), "ec2_modules": len(loaded)}
print(json.dumps(summary))
"""


def _declare(stack: str, eager: bool) -> dict:
    env = {**os.environ, "PREVIEW_EAGER_IMPORTS": "1" if eager else "0"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, stack], cwd=ROOT, capture_output=True, text=True, timeout=180, env=env
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_lazy_and_eager_imports_declare_the_same_stack(stack: str) -> None:
    lazy, eager = _declare(stack, eager=False), _declare(stack, eager=True)
    assert (lazy["lazy"], eager["lazy"]) == (True, False)
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
