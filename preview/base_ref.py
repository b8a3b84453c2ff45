"""The offline preview of another commit: its own code, in a temporary git worktree.

``base_snapshots(ref, stacks)`` checks ``ref`` out with ``git worktree add --detach`` into a
temporary directory, runs that tree's ``python -m preview --stack S --json`` with this
interpreter (so with this virtualenv's packages), reads each snapshot back and removes the
worktree. The base previews itself with the code it had, so a change to the preview is not
mistaken for a change to the stack. A base older than the JSON mode cannot be compared: that
is an error naming the ref.

Each snapshot is kept in ``build/preview-base`` (``PREVIEW_BASE_CACHE`` names another
directory), keyed by everything it depends on: the commit, the stack, the options, the Python
version and every installed package's version. Running the change report again against the
same base, as one does while working on a branch, reuses it instead of previewing the base again.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from preview import ROOT

JSON_MODE_FILE = Path("preview") / "snapshot.py"
"""What a commit needs to preview itself as JSON (`python -m preview --json`)."""


class BaseRefError(Exception):
    """The base ref cannot be previewed: not a commit, too old, or its preview failed."""


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
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


CACHE_FORMAT = 1
"""Changes when what a cache entry holds or how its key is made changes."""


def cache_dir() -> Path:
    return Path(os.environ.get("PREVIEW_BASE_CACHE") or ROOT / "build" / "preview-base")


def _shown_dir(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def cache_key(commit: str, stack: str, region: str | None, releases_per_month: int | None) -> str:
    """What a base snapshot depends on besides the commit's files: options, Python, packages."""
    installed = sorted(
        f"{dist.metadata['Name']}=={dist.version}" for dist in importlib.metadata.distributions()
    )
    parts = [CACHE_FORMAT, commit, stack, region, releases_per_month, sys.version, installed]
    digest = hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:24]
    return f"{commit[:12]}-{stack}-{digest}"


def _cached(key: str) -> dict[str, Any] | None:
    from preview.snapshot_format import SnapshotError, read_snapshot

    try:
        return read_snapshot((cache_dir() / f"{key}.json").read_text(), key)
    except (OSError, UnicodeDecodeError, SnapshotError):
        return None  # absent, unreadable or from another preview: preview the base again


def _keep(key: str, text: str) -> None:
    try:
        cache_dir().mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=cache_dir(), delete=False, suffix=".partial") as partial:
            partial.write(text)
        os.replace(partial.name, cache_dir() / f"{key}.json")  # whole or absent
    except OSError:
        pass  # a read-only checkout only loses the cache


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
    from preview.snapshot_format import SnapshotError, read_snapshot

    commit = resolve(ref)
    keys = {stack: cache_key(commit, stack, region, releases_per_month) for stack in stacks}
    found: dict[str, dict[str, Any] | None] = {}
    for stack in stacks:
        kept = _cached(keys[stack])
        if kept is not None:
            where = _shown_dir(cache_dir())
            print(
                f"preview: reusing the preview of {ref} ({commit[:12]}) for stack {stack} ({where})", file=say
            )
            found[stack] = kept
    if len(found) == len(stacks):
        return found
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
        for stack in stacks:
            if stack in found:
                continue
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
            _keep(keys[stack], done.stdout)
        return {stack: found[stack] for stack in stacks}
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, capture_output=True, check=False
        )
        shutil.rmtree(scratch, ignore_errors=True)
        subprocess.run(["git", "worktree", "prune"], cwd=ROOT, capture_output=True, check=False)
