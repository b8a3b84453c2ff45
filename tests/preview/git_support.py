"""git in a temporary repository, with an identity of its own (the machine may have none)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo``; its output, or CalledProcessError."""
    done = subprocess.run(
        ["git", "-c", "user.name=preview test", "-c", "user.email=preview@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout
