"""The operator CLI installs light: `pip install .` needs boto3 and nothing else third-party.

The Pulumi program's dependencies (pulumi, its providers, pydantic) are pyproject.toml's
`program` group, which the wheel does not require; and the CLI must not import them either,
or the light install would fail at its first command.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from functools import cache
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UV = ROOT / "build" / "uv" / "bin" / "uv"
CLI_PACKAGES = {"release", "specs"}


def _name(requirement: str) -> str:
    """The normalised distribution name of a requirement such as ``boto3<2,>=1.34``."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def _closure(distribution: str) -> set[str]:
    """``distribution`` and everything it requires, installed here (extras' requirements left out)."""
    seen: set[str] = set()
    todo = [distribution]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for requirement in metadata.requires(name) or []:
            if "extra ==" not in requirement.replace('"', "").replace("'", ""):
                todo.append(_name(requirement))
    return seen


def test_the_project_requires_boto3_alone() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert [_name(r) for r in project["project"]["dependencies"]] == ["boto3"]
    program = {_name(r) for r in project["dependency-groups"]["program"] if isinstance(r, str)}
    assert {"pulumi", "pulumi-aws", "pulumi-docker", "pydantic"} <= program


@cache
def _wheel(out: Path) -> Path:
    subprocess.run(
        [str(UV), "build", "--wheel", "--quiet", "--out-dir", str(out), str(ROOT)],
        check=True,
        timeout=300,
        env={**os.environ, "UV_NO_PROGRESS": "1"},
    )
    (wheel,) = out.glob("*.whl")
    return wheel


@pytest.mark.skipif(not UV.exists(), reason="the Makefile's uv (build/uv) is not installed")
def test_the_wheel_requires_boto3_alone_and_holds_only_the_cli(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata_file,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        fields = archive.read(metadata_file).decode()
    requires = [
        line.removeprefix("Requires-Dist:").strip()
        for line in fields.splitlines()
        if line.startswith("Requires-Dist:")
    ]

    assert [_name(r) for r in requires] == ["boto3"], requires
    assert {n.split("/")[0] for n in names if ".dist-info/" not in n} == CLI_PACKAGES


def test_the_cli_imports_nothing_beyond_boto3(tmp_path: Path) -> None:
    """A command run in a fresh interpreter (it stops at the missing names, before any AWS call)
    loads only the standard library, the CLI's packages and boto3 with what boto3 requires:
    no pulumi, no pydantic, no other package of the repository."""
    script = (
        "import json, sys; before = set(sys.modules); from release.cli.main import main; "
        "code = main(['watch']); "
        "print(json.dumps([code, sorted({m.split('.')[0] for m in set(sys.modules) - before})]))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION")}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    code, roots = json.loads(result.stdout.splitlines()[-1])
    allowed = _closure("boto3")
    modules_of = metadata.packages_distributions()
    third_party = {
        root: sorted({_name(d) for d in modules_of.get(root, [])})
        for root in roots
        if root not in sys.stdlib_module_names and root not in CLI_PACKAGES
    }
    outside = {root: dists for root, dists in third_party.items() if not set(dists) & allowed}

    assert code == 2, result.stderr
    assert "botocore" in third_party
    assert not outside, f"the CLI imports {outside}, which `pip install .` does not bring (boto3 alone)"
