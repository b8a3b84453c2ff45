"""The offline preview of another commit: its own code, in a temporary git worktree.

``base_snapshots(ref, stacks)`` checks ``ref`` out with ``git worktree add --detach`` into a
temporary directory, runs that tree's ``python -m preview --stack S --json`` with this
interpreter (so with this virtualenv's packages), reads each snapshot back and removes the
worktree. The base previews itself with the code it had, so a change to the preview is not
mistaken for a change to the stack. A base older than the JSON mode cannot be compared: that
is an error naming the ref.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from preview.engine import ROOT

JSON_MODE_FILE = Path("preview") / "snapshot.py"
"""What a commit needs to preview itself as JSON (`python -m preview --json`)."""


class BaseRefError(Exception):
    """The base ref cannot be previewed: not a commit, too old, or its preview failed."""


def _git(*args: str, cwd: Path = ROOT) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BaseRefError(f"git {' '.join(args)}: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout.strip()


def resolve(ref: str) -> str:
    """The commit ``ref`` names, or a clear error."""
    try:
        return _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except BaseRefError:
        raise BaseRefError(
            f"base {ref!r} is not a commit in {ROOT} (in CI, fetch it: actions/checkout with fetch-depth: 0)"
        ) from None


def _environment() -> dict[str, str]:
    """This environment without PYTHONPATH: the worktree's own ``preview`` must be imported."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env


def _tail(text: str, lines: int = 8) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def base_snapshots(
    ref: str,
    stacks: Sequence[str],
    *,
    region: str | None = None,
    releases_per_month: int | None = None,
    say: TextIO = sys.stderr,
) -> dict[str, dict[str, Any] | None]:
    """Each stack's snapshot at ``ref`` (None when the stack has no stack file there).

    ``region`` and ``releases_per_month`` are passed on, so both sides are previewed alike.
    """
    from preview.snapshot import SnapshotError, read_snapshot

    commit = resolve(ref)
    scratch = Path(tempfile.mkdtemp(prefix="preview-base-"))
    tree = scratch / "tree"
    _git("worktree", "add", "--detach", "--quiet", str(tree), commit)
    try:
        if not (tree / JSON_MODE_FILE).is_file():
            raise BaseRefError(
                f"base {ref} ({commit[:12]}) has no JSON preview ({JSON_MODE_FILE} and "
                "`python -m preview --json` came later), so its preview cannot be compared; "
                "choose a newer base"
            )
        found: dict[str, dict[str, Any] | None] = {}
        for stack in stacks:
            if not (tree / f"Pulumi.{stack}.yaml").is_file():
                print(f"preview: stack {stack} does not exist at {ref}: all of it is new", file=say)
                found[stack] = None
                continue
            print(f"preview: running the preview of {ref} ({commit[:12]}) for stack {stack}", file=say)
            command = [sys.executable, "-m", "preview", "--stack", stack, "--json"]
            if region:
                command += ["--region", region]
            if releases_per_month is not None:
                command += ["--releases-per-month", str(releases_per_month)]
            done = subprocess.run(
                command, cwd=tree, capture_output=True, text=True, env=_environment(), check=False
            )
            if done.returncode != 0:
                if "unrecognized arguments: --json" in done.stderr:
                    raise BaseRefError(f"base {ref} ({commit[:12]}): its preview has no --json mode")
                raise BaseRefError(
                    f"base {ref} ({commit[:12]}): the preview of stack {stack} failed:\n{_tail(done.stderr)}"
                )
            try:
                found[stack] = read_snapshot(done.stdout, f"base {ref} stack {stack}")
            except SnapshotError as error:
                raise BaseRefError(str(error)) from None
        return found
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, capture_output=True, check=False
        )
        shutil.rmtree(scratch, ignore_errors=True)
        subprocess.run(["git", "worktree", "prune"], cwd=ROOT, capture_output=True, check=False)
