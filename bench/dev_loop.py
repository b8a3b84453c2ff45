#!/usr/bin/env python3
"""Times the developer loop from a fresh clone: install, `make preview`, `make test`.

A measurement, not a test: it prints figures and exits 0 unless a command under test fails.

    python3 bench/dev_loop.py                  # each step once, on a copy of the working tree
    python3 bench/dev_loop.py --runs 3         # install and preview three times each (medians)
    python3 bench/dev_loop.py --cold           # also with empty uv/pip caches (downloads everything)
    python3 bench/dev_loop.py --skip-test      # install and preview only
    python3 bench/dev_loop.py --source git     # a `git clone` of HEAD instead (committed files only)

What it times, each in a new copy of the repository (the working tree without venv/, build/,
.git and caches; or a clone), so nothing is reused but the machine's package caches:

- **install**: `make venv`, the whole locked environment (every dependency group) into the
  copy's new ./venv, from uv.lock. With the Makefile's pinned uv bootstrapped first.
- **preview, first line**: `make -s preview` in a new copy with no venv, until the preview
  prints its first line (`preview: running __main__.py ...`): what a new clone waits
  for. Also the whole command.
- **test**: `make -s test` in the copy the install step made (so its venv exists), whole
  command, twice: the first run also writes the bytecode of all it imports (about 10 s more),
  the second is what every later run takes. Plus pytest's own summary line.

Works on older trees too (any Makefile with venv, preview and test targets), so the same
script measures before and after a change. Needs python3, make, rsync or git, and the network
for package registries only when the caches are cold. No AWS, no Pulumi CLI.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXCLUDE = [
    "venv",
    "build",
    ".git",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    "node_modules",
    "cdk.out",
]
GIT_USER = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def fresh_copy(parent: Path, source: str) -> Path:
    target = Path(tempfile.mkdtemp(prefix="repo-", dir=parent))
    if source == "git":
        shutil.rmtree(target)
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(target)], check=True)
    elif shutil.which("rsync"):
        excludes = [f"--exclude={name}" for name in EXCLUDE]
        subprocess.run(["rsync", "-a", *excludes, f"{REPO}/", f"{target}/"], check=True)
    else:
        shutil.rmtree(target)
        shutil.copytree(REPO, target, ignore=shutil.ignore_patterns(*EXCLUDE))
    if source != "git":
        # The tests need a repository (the change report's clone their checkout): the copy's
        # files as its one commit.
        for git in (["init", "--quiet"], ["add", "--all"], [*GIT_USER, "commit", "--quiet", "-m", "copy"]):
            subprocess.run(["git", *git], cwd=target, check=True)
    return target


def timed(command: list[str], cwd: Path, env: dict[str, str], first_line: re.Pattern[str] | None = None):
    """Run ``command``; return (seconds to the first output line matching ``first_line``, total
    seconds, output). Fails the benchmark if the command fails."""
    start = time.perf_counter()
    first = None
    lines: list[str] = []
    with subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if first is None and first_line is not None and first_line.search(line):
                first = time.perf_counter() - start
            lines.append(line)
        code = proc.wait()
    total = time.perf_counter() - start
    output = "".join(lines)
    if code != 0:
        say(f"{' '.join(command)} failed (exit {code}) in {cwd}; its output:")
        print(output[-6000:], file=sys.stderr)
        sys.exit(1)
    return first, total, output


def spread(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:7.1f} s"
    low, high = min(values), max(values)
    return f"{statistics.median(values):7.1f} s  (min {low:.1f}, max {high:.1f}, {len(values)} runs)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="runs of install and preview (default 1)")
    parser.add_argument("--cold", action="store_true", help="also time install and preview with empty caches")
    parser.add_argument("--skip-test", action="store_true", help="do not time make test")
    parser.add_argument("--source", choices=["worktree", "git"], default="worktree")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-dev-loop-"))
    base_env = {**os.environ, "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE", "1")}
    base_env.pop("VIRTUAL_ENV", None)
    first_line = re.compile(r"^preview: ")
    results: dict[str, list[float]] = {}
    summary = ""
    try:
        print("== machine ==")
        print(f"date:   {time.strftime('%Y-%m-%d %H:%M %Z')}")
        print(f"cores:  {os.cpu_count()}   load avg: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"python: {sys.version.split()[0]}   source: {args.source} of {REPO}")
        print()
        for mode in ["warm", "cold"] if args.cold else ["warm"]:
            for run in range(1, args.runs + 1):
                env = dict(base_env)
                if mode == "cold":  # empty package caches: every wheel is downloaded again
                    caches = Path(tempfile.mkdtemp(prefix="caches-", dir=work))
                    env |= {"UV_CACHE_DIR": str(caches / "uv"), "PIP_CACHE_DIR": str(caches / "pip")}
                copy = fresh_copy(work, args.source)
                say(f"{mode} run {run}: make venv in {copy}")
                _, total, _ = timed(["make", "-s", "venv"], copy, env)
                results.setdefault(f"install, everything (make venv), {mode} caches", []).append(total)

                copy2 = fresh_copy(work, args.source)
                say(f"{mode} run {run}: make preview in {copy2}")
                first, total, output = timed(["make", "-s", "preview"], copy2, env, first_line)
                if first is None:
                    say("the preview printed no line starting 'preview: '; its output:")
                    print(output[-3000:], file=sys.stderr)
                    return 1
                results.setdefault(f"make preview, to its first line, {mode} caches", []).append(first)
                results.setdefault(f"make preview, whole command, {mode} caches", []).append(total)
                shutil.rmtree(copy2, ignore_errors=True)
                if not (mode == "warm" and run == args.runs and not args.skip_test):
                    shutil.rmtree(copy, ignore_errors=True)

        if not args.skip_test:
            say(f"make test in {copy}, twice")
            _, total, output = timed(["make", "-s", "test"], copy, base_env)
            results.setdefault("make test, first run (venv there, writes the bytecode)", []).append(total)
            _, total, output = timed(["make", "-s", "test"], copy, base_env)
            results.setdefault("make test, again (every later run)", []).append(total)
            found = re.findall(r"^=*\s*(\d+ passed.*?) in [\d.]+s", output, re.MULTILINE)
            summary = found[-1] if found else "(no pytest summary line found)"

        print("== results (wall clock) ==")
        width = max(len(name) for name in results)
        for name, values in results.items():
            print(f"{name:<{width}}  {spread(values)}")
        if summary:
            print(f"{'pytest':<{width}}  {summary}")
        print(f"load avg after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
