"""`python -m release` runs the CLI in a fresh interpreter: help, and an error as one line."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION")}
    return subprocess.run(
        [sys.executable, "-m", "release", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_help_lists_the_commands() -> None:
    result = _run("--help")

    assert result.returncode == 0
    for command in ("status", "watch", "stop", "rollback", "continue", "logs", "exec"):
        assert command in result.stdout


def test_each_command_is_parsed_under_its_own_name() -> None:
    """COMMANDS' keys are the names the parser knows, in --help's order (one table, both uses)."""
    from release.cli.main import COMMANDS, build_parser

    subparsers = next(
        action for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction)
    )
    assert list(subparsers.choices) == list(COMMANDS)


def test_one_way_in() -> None:
    """`python -m release` is the module entry point; release.cli has none of its own."""
    assert (ROOT / "release" / "__main__.py").is_file()
    assert not (ROOT / "release" / "cli" / "__main__.py").exists()


def test_the_cli_imports_none_of_the_programs_libraries() -> None:
    """`bluegreen` needs boto3 only: neither its commands nor its engine adapters pull in pulumi
    or pydantic (the Pulumi program's libraries)."""
    script = (
        "import sys, release.cli.main; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pulumi', 'pulumi_aws', 'pydantic'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_missing_names_exit_2_without_traceback() -> None:
    result = _run("watch")

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: missing the CodeDeploy application: give --application or the stack output "
        "codedeployApplication (--stack/--outputs-file)"
    ]


def test_the_console_script_main_runs_from_another_directory(tmp_path: Path) -> None:
    """pyproject.toml's `bluegreen = "release.cli.main:main"` as a console script calls it: no
    arguments, sys.argv, its own name in the usage."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"] == {"bluegreen": "release.cli.main:main"}
    script = (
        "import sys; sys.argv = ['bluegreen', 'status']; from release.cli.main import main; sys.exit(main())"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("AWS_REGION", None)
    env.pop("AWS_DEFAULT_REGION", None)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert result.stderr.startswith("error: missing the CodeDeploy application")


UV = ROOT / "build" / "uv" / "bin" / "uv"


@pytest.mark.skipif(not UV.exists(), reason="the Makefile's uv (build/uv) is not installed")
def test_installed_bluegreen_works_from_any_directory(tmp_path: Path) -> None:
    """`uv pip install --no-deps .` into a fresh venv gives a `bluegreen` that runs outside the
    checkout (boto3 and botocore from this venv's site-packages, on PYTHONPATH)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    subprocess.run(
        [
            str(UV),
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--python",
            str(venv / "bin" / "python"),
            str(ROOT),
        ],
        check=True,
        timeout=300,
        env={**os.environ, "UV_NO_PROGRESS": "1"},
    )
    botocore = Path(__import__("botocore").__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(botocore)}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    help_ = subprocess.run(
        [str(venv / "bin" / "bluegreen"), "--help"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import release; print(release.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert help_.returncode == 0, help_.stderr
    assert help_.stdout.startswith("usage: bluegreen ")
    for command in ("status", "watch", "stop", "rollback", "continue", "logs", "exec"):
        assert command in help_.stdout
    assert where.stdout.strip().startswith(str(venv))
