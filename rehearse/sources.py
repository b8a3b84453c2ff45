"""The app each colour runs: a git ref's build context, or the working tree's.

Blue is the version in production (default ``HEAD``); green is the working tree (default) or
another ref. A ref's files come out of git with ``git archive`` into a temporary directory,
the image's build context only, so the checkout is fast and the working tree stays untouched.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKTREE = "worktree"


class RefError(ValueError):
    """A ref that does not name a commit of this repository."""


@dataclass(frozen=True)
class Source:
    directory: Path
    """The build context (``app/``) as this colour runs it."""
    label: str
    """``HEAD (1a2b3c4)`` or ``working tree``."""


def _git(*args: str, root: Path = ROOT) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)


def resolve(ref: str, option: str, root: Path = ROOT) -> str:
    """The commit a ref names; RefError naming the option and the ref otherwise."""
    if not ref or ref.startswith("-"):
        raise RefError(
            f"{option} {ref!r} is not a git ref; allowed: a branch, tag or commit of this repository"
        )
    found = _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", root=root)
    if found.returncode != 0:
        raise RefError(
            f"{option} {ref!r} is not a commit in this repository; allowed: a branch, tag or commit"
            + (f", or {WORKTREE}" if option == "--green-ref" else "")
        )
    return found.stdout.decode().strip()


def checkout(ref: str, option: str, workdir: str, dest: Path, root: Path = ROOT) -> Source:
    """The build context ``workdir`` at ``ref``, extracted under ``dest`` (``worktree``: the working tree)."""
    if ref == WORKTREE:
        return Source(root / workdir, "working tree")
    commit = resolve(ref, option, root)
    archive = _git("archive", "--format=tar", commit, "--", workdir, root=root)
    if archive.returncode != 0:
        message = archive.stderr.decode(errors="replace").strip().splitlines()
        raise RefError(
            f"{option} {ref!r} has no {workdir}/: {message[0] if message else 'git archive failed'}"
        )
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return Source(dest / workdir, f"{ref} ({commit[:7]})")
