"""Loading pulumi_aws lazily changes what is imported, never what the program declares."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
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
    assert "fast start off" not in result.stderr, result.stderr  # the real providers are as expected
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


# --- when the generated code is not as expected ---------------------------------------------

FAKE_PROVIDER = {
    "pulumi_aws/__init__.py": "",
    # A service whose resource modules star-import input types from a package, not _inputs.py:
    # the fast compile reads _inputs.py to know which names to import.
    "pulumi_aws/moved/__init__.py": "from .thing import *\nfrom .other import *\n",
    "pulumi_aws/moved/_inputs/__init__.py": "__all__ = ['Kind']\nKind = 'kind'\n",
    "pulumi_aws/moved/thing.py": "from ._inputs import *\n__all__ = ['Thing']\nclass Thing:\n  kind = Kind\n",
    "pulumi_aws/moved/other.py": "from ._inputs import *\n__all__ = ['Other']\nclass Other:\n  kind = Kind\n",
    # Input types that refer to one another in a way their text does not show.
    "pulumi_aws/hidden/__init__.py": "",
    "pulumi_aws/hidden/_inputs.py": (
        "__all__ = ['A', 'B']\nclass B:\n    pass\nclass A:\n    b = globals()[chr(66)]\n"
    ),
    # A service whose index (each module's __all__) names what the module lacks.
    "pulumi_aws/misnamed/__init__.py": "from .real import *\n",
    "pulumi_aws/misnamed/listed.py": "__all__ = ['Thing']\n",
    "pulumi_aws/misnamed/real.py": "Thing = 'from real'\n",
}

FALL_BACK = """
import sys
sys.path.insert(0, sys.argv[1])  # the fake pulumi_aws before the real one
from preview import fast_imports
fast_imports.CACHE_DIR = sys.argv[2]
assert fast_imports.install()
exec(sys.argv[3])
print(any(isinstance(f, fast_imports._LazyServiceFinder) for f in sys.meta_path))
"""


@pytest.mark.parametrize(
    ("imports", "printed", "reason"),
    [
        (
            "from pulumi_aws.moved import thing, other\nprint(thing.Thing.kind, other.Other.kind)",
            "kind kind",
            "pulumi_aws.moved.thing: FileNotFoundError",
        ),
        (
            "import pulumi_aws.hidden._inputs as i; print(i.A.b is i.B)",
            "True",
            "pulumi_aws.hidden._inputs: KeyError: 'B'",
        ),
        (
            "import pulumi_aws.misnamed as m; print(m.Thing)",
            "from real",
            "pulumi_aws.misnamed.listed lacks Thing, which its __all__ names",
        ),
    ],
    ids=["module-not-compiled", "class-not-defined", "index-wrong"],
)
def test_a_broken_assumption_falls_back_to_plain_imports_and_says_so_once(
    tmp_path: Path, imports: str, printed: str, reason: str
) -> None:
    for name, text in FAKE_PROVIDER.items():
        (tmp_path / "fake" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "fake" / name).write_text(text, encoding="utf-8")
    env = {**os.environ, "PREVIEW_EAGER_IMPORTS": "0"}
    result = subprocess.run(
        [sys.executable, "-c", FALL_BACK, str(tmp_path / "fake"), str(tmp_path / "cache"), imports],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines() == [printed, "False"]  # the finder is gone for later imports
    notice = result.stderr.splitlines()
    assert len(notice) == 1, result.stderr
    assert notice[0].startswith("preview: fast start off, importing the providers as usual (")
    assert reason in notice[0]
