"""The base previews kept between change reports: reused only for the same commit, stack,
options and packages, and never trusted when unreadable.

A small git repository stands in for the project; the base's own preview subprocess is
replaced by one that prints a snapshot, so each test shows which runs happened."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from preview import base_ref
from preview.snapshot_format import SNAPSHOT_VERSION
from tests.preview.git_support import git


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    (root / "preview").mkdir(parents=True)
    (root / "preview" / "snapshot.py").write_text("# the JSON mode exists at this commit\n")
    for stack in ("dev", "prod"):
        (root / f"Pulumi.{stack}.yaml").write_text("config: {}\n")
    git(tmp_path, "init", "--quiet", str(root))
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "--message", "base")
    monkeypatch.setattr(base_ref, "ROOT", root)
    monkeypatch.setenv("PREVIEW_BASE_CACHE", str(tmp_path / "cache"))
    return root


class BasePreviews:
    """Stands in for `python -m preview --json` in the base's worktree; counts the runs."""

    def __init__(self) -> None:
        self.runs: list[list[str]] = []
        self.real_run = subprocess.run

    def __call__(self, command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        if command[:3] != [sys.executable, "-m", "preview"]:
            return self.real_run(command, **kwargs)  # git
        self.runs.append(command)
        stack = command[command.index("--stack") + 1]
        snapshot = {"version": SNAPSHOT_VERSION, "stack": stack, "options": command[4:]}
        return subprocess.CompletedProcess(command, 0, json.dumps(snapshot), "")


@pytest.fixture
def previews(monkeypatch: pytest.MonkeyPatch) -> BasePreviews:
    fake = BasePreviews()
    monkeypatch.setattr(base_ref.subprocess, "run", fake)
    return fake


def snapshots(stacks: list[str], **options: Any) -> tuple[dict[str, Any], str]:
    said = io.StringIO()
    found = base_ref.base_snapshots("HEAD", stacks, say=said, **options)
    return found, said.getvalue()


def test_a_second_report_against_the_same_base_reuses_its_previews(
    repo: Path, previews: BasePreviews
) -> None:
    first, _ = snapshots(["dev", "prod"])
    assert len(previews.runs) == 2
    again, said = snapshots(["dev", "prod"])
    assert again == first and len(previews.runs) == 2  # nothing previewed again
    commit = git(repo, "rev-parse", "HEAD")[:12]
    assert f"reusing the preview of HEAD ({commit}) for stack dev" in said
    assert git(repo, "worktree", "list").count("\n") == 1  # no worktree besides the repository


def test_only_the_stacks_not_kept_are_previewed(repo: Path, previews: BasePreviews) -> None:
    snapshots(["dev"])
    found, said = snapshots(["dev", "prod"])
    assert [run[run.index("--stack") + 1] for run in previews.runs] == ["dev", "prod"]
    assert list(found) == ["dev", "prod"] and found["prod"]["stack"] == "prod"
    assert "reusing the preview of HEAD" in said and "running the preview of HEAD" in said


@pytest.mark.parametrize(
    "options", [{"region": "ap-northeast-2"}, {"releases_per_month": 40}], ids=["region", "releases"]
)
def test_other_options_are_another_preview(
    repo: Path, previews: BasePreviews, options: dict[str, Any]
) -> None:
    snapshots(["dev"])
    found, _ = snapshots(["dev"], **options)
    assert len(previews.runs) == 2
    assert found["dev"]["options"] != ["--stack", "dev", "--json"]


def test_another_commit_is_another_preview(repo: Path, previews: BasePreviews) -> None:
    snapshots(["dev"])
    (repo / "Pulumi.dev.yaml").write_text("config:\n  fargate-bluegreen:appName: shop\n")
    git(repo, "commit", "--quiet", "--all", "--message", "rename")
    snapshots(["dev"])
    assert len(previews.runs) == 2


def test_other_installed_packages_are_another_preview(monkeypatch: pytest.MonkeyPatch) -> None:
    class Dist:
        def __init__(self, name: str, version: str) -> None:
            self.metadata = {"Name": name}
            self.version = version

    installed = [Dist("pulumi", "3.272.0"), Dist("pulumi-aws", "7.51.1")]
    monkeypatch.setattr(base_ref.importlib.metadata, "distributions", lambda: iter(installed))
    key = base_ref.cache_key("a" * 40, "dev", None, None)
    assert base_ref.cache_key("a" * 40, "dev", None, None) == key
    installed[1] = Dist("pulumi-aws", "7.52.0")
    assert base_ref.cache_key("a" * 40, "dev", None, None) != key


def test_another_python_is_another_preview(monkeypatch: pytest.MonkeyPatch) -> None:
    key = base_ref.cache_key("a" * 40, "dev", None, None)
    monkeypatch.setattr(sys, "version", sys.version + " (another build)")
    assert base_ref.cache_key("a" * 40, "dev", None, None) != key


@pytest.mark.parametrize("kept", ["{not json", json.dumps({"version": SNAPSHOT_VERSION + 1}), "\udcff"])
def test_an_unreadable_or_foreign_entry_is_previewed_again(
    repo: Path, previews: BasePreviews, kept: str
) -> None:
    snapshots(["dev"])
    (entry,) = base_ref.cache_dir().glob("*.json")
    entry.write_bytes(kept.encode("utf-8", "surrogateescape"))
    found, said = snapshots(["dev"])
    assert len(previews.runs) == 2 and found["dev"]["stack"] == "dev"
    assert "reusing" not in said
    assert json.loads(entry.read_text())["stack"] == "dev"  # the entry is whole again


def test_a_failed_base_preview_is_not_kept(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_run = subprocess.run

    def failing(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        if command[:3] == [sys.executable, "-m", "preview"]:
            return subprocess.CompletedProcess(command, 1, "", "preview: invalid configuration")
        return real_run(command, **kwargs)

    monkeypatch.setattr(base_ref.subprocess, "run", failing)
    with pytest.raises(base_ref.BaseRefError, match="the preview of stack dev failed"):
        snapshots(["dev"])
    assert not list(base_ref.cache_dir().glob("*.json"))


def test_the_change_report_previews_the_base_with_the_heads_options(monkeypatch: pytest.MonkeyPatch) -> None:
    """Otherwise the base's releases would be costed at another rate: a cost change that is not one."""
    from preview.__main__ import main

    asked: dict[str, Any] = {}

    def record(ref: str, stacks: list[str], **options: Any) -> dict[str, Any]:
        asked.update(options, ref=ref, stacks=stacks)
        raise base_ref.BaseRefError("stop here")

    monkeypatch.setattr(base_ref, "base_snapshots", record)
    argv = ["--base", "main", "--stack", "dev", "--region", "eu-west-1", "--releases-per-month", "40"]
    assert main(argv, out=io.StringIO(), say=io.StringIO()) == 2
    assert asked["releases_per_month"] == 40 and asked["region"] == "eu-west-1"
