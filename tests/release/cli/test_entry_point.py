"""`python -m release` runs the CLI in a fresh interpreter: help, and an error as one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
    for command in ("status", "watch", "stop", "rollback"):
        assert command in result.stdout


def test_missing_names_exit_2_without_traceback() -> None:
    result = _run("watch")

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: missing the CodeDeploy application: give --application or the stack output "
        "codedeployApplication (--stack/--outputs-file)"
    ]
