"""Loading pulumi_aws lazily changes what is imported, never what the program declares."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from preview import ROOT, fast_imports
from preview.engine import ProgramRun
from tests.contract.variants import BY_ID
from tests.run_cache import run_stack

IDS = [
    "dev",
    "prod",
    "dev-ecs-domain-by-zone-id-waf-count",
    "dev-custom-linear",
    "dev-endpoints-without-nat",
    "prod-emails-tags-ready-wait",
]
"""Both stacks, and contract variants of them (tests/contract/variants.py) that add the
resource types no other declares: between them every type the program can declare, which
tests/contract/test_real_program.py checks. Each type's inputs bring all the types they can
lead to (preview/generated_code.py), so one run of a type is enough."""

LAZY = """
import json, sys
from preview import fast_imports
lazy = fast_imports.install()
from preview.engine import run_stack
from tests.contract.variants import BY_ID
from tests.preview.test_fast_imports import how_loaded, summary
runs = {id: summary(run_stack(BY_ID[id].stack, BY_ID[id].overrides)) for id in sys.argv[1:]}
print(json.dumps({"lazy": lazy, "runs": runs, "loaded": how_loaded()}))
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
    input_types = [v for v in vars(sys.modules["pulumi_aws.ec2._inputs"]).values() if isinstance(v, type)]
    return {
        "declared": declared,
        "exports": sorted(run.exports),
        "ec2_modules": len(loaded),
        "ec2_input_types": len(input_types),
    }


@pytest.fixture(scope="module")
def lazily() -> dict[str, Any]:
    """Every variant declared in one preview-like process, pulumi_aws loaded lazily."""
    env = {**os.environ, "PREVIEW_EAGER_IMPORTS": "0"}
    result = subprocess.run(
        [sys.executable, "-c", LAZY, *IDS], cwd=ROOT, capture_output=True, text=True, timeout=180, env=env
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


@pytest.mark.parametrize("variant_id", IDS)
def test_lazy_and_eager_imports_declare_the_same_stack(variant_id: str, lazily: dict[str, Any]) -> None:
    # Eagerly: this test process, which imports pulumi_aws as usual (as `pulumi up` does).
    assert not any(isinstance(finder, fast_imports._LazyServiceFinder) for finder in sys.meta_path)
    variant = BY_ID[variant_id]
    lazy, eager = lazily["runs"][variant_id], summary(run_stack(variant.stack, variant.overrides))
    assert lazily["lazy"] is True
    assert lazy["declared"] == eager["declared"]
    assert lazy["exports"] == eager["exports"]
    # The point of it: far fewer of pulumi_aws.ec2's ~180 resource modules get loaded (counted
    # after each run, the variants before it included).
    assert lazy["ec2_modules"] < eager["ec2_modules"] / 3, (lazy["ec2_modules"], eager["ec2_modules"])
    # ... and of the ~700 input types of pulumi_aws.ec2._inputs, those the program reaches.
    assert lazy["ec2_input_types"] < eager["ec2_input_types"] / 3, (
        lazy["ec2_input_types"],
        eager["ec2_input_types"],
    )


def how_loaded() -> str:
    """How this process loaded pulumi_aws and pulumi_docker: their modules' loader, whether a
    parameter's hint is text or a typing object, whether a TypedDict is one and has fields; and
    whether pulumi's Automation API is still unexecuted (``_LazyModule``) or a plain module."""
    import typing

    import pulumi_aws
    import pulumi_docker

    hint = pulumi_aws.ecs.ServiceLoadBalancerArgs.__init__.__annotations__["container_name"]
    typed_dict = pulumi_aws.ecs.ServiceLoadBalancerArgsDict
    inputs = (sys.modules[f"{package.__name__}._inputs"] for package in (pulumi_aws.ecs, pulumi_docker))
    loaders = {type(module.__loader__).__name__ for module in inputs}
    return " ".join(
        [
            *sorted(loaders),
            type(hint).__name__,
            str(typing.is_typeddict(typed_dict)),
            str(bool(typed_dict.__annotations__)),
            type(sys.modules["pulumi.automation"]).__name__,
        ]
    )


EAGER = """
from preview import fast_imports
fast_imports.install()
from tests.preview.test_fast_imports import how_loaded
print(how_loaded())
"""


def test_pulumi_aws_annotations_are_deferred_in_the_previews_own_process(lazily: dict[str, Any]) -> None:
    """There pulumi_aws's and pulumi_docker's hints stay text and their TypedDicts have no fields."""
    assert lazily["loaded"] == "_GeneratedCodeLoader str True False _LazyModule"


def test_pulumi_aws_annotations_are_as_published_when_eager_imports_are_asked_for() -> None:
    """``PREVIEW_EAGER_IMPORTS=1`` (and the tests, and `pulumi up`): hints are typing objects."""
    env = {**os.environ, "PREVIEW_EAGER_IMPORTS": "1"}
    result = subprocess.run(
        [sys.executable, "-c", EAGER], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "SourceFileLoader _UnionGenericAlias True True module"
