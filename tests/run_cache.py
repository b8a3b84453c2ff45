"""``run_stack`` kept for the session: each distinct run made once, by whichever process first
needs it.

Nothing is patched: a test shares runs by importing this module's ``run_stack`` (or through
tests/program/harness.py, or the ``program_runs`` fixture); ``preview.engine.run_stack`` stays the
real one, so a test that changes what a run depends on (a monkeypatched module, an environment
variable the program reads) calls that and gets a fresh run. Preview's own entry points
(``python -m preview``'s main) use the cache only in a test that asks for the
``preview_runs_cached`` fixture (tests/conftest.py)."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import preview.engine

SHARED_RUNS = "TESTS_PROGRAM_RUNS"
"""Environment variable naming the folder where the session's processes share program runs."""


class CachedRuns:
    """``run_stack`` with each distinct call's result kept for the session (copies handed out).

    Kept pickled: each call unpickles its own copy (several times faster than a deep copy).
    The pytest-xdist workers of one session also share them through the folder named by
    ``TESTS_PROGRAM_RUNS`` (made by the controlling process): a run one worker made is loaded,
    not made again, by the other."""

    def __init__(self, run: Callable[..., preview.engine.ProgramRun]) -> None:
        self.uncached = run
        self.runs: dict[str, bytes] = {}
        self.hits = 0
        functools.update_wrapper(self, run)

    def __call__(self, stack: str, overrides: dict[str, Any] | None = None, **options: Any) -> Any:
        key = json.dumps([stack, overrides or None, options], sort_keys=True, default=repr)  # {} is None
        kept = self.runs.get(key)
        if kept is None:
            kept = self.runs[key] = self._shared(key) or self._made(key, stack, overrides, options)
        else:
            self.hits += 1
        return pickle.loads(kept)

    def _made(self, key: str, stack: str, overrides: dict[str, Any] | None, options: dict[str, Any]) -> bytes:
        kept = pickle.dumps(self.uncached(stack, overrides, **options))
        path = self._path(key)
        if path is not None:
            partial = path.with_name(f"{path.name}.{os.getpid()}")
            partial.write_bytes(kept)
            partial.replace(path)  # whole or absent, for a worker reading it meanwhile
        return kept

    def _shared(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path is not None and path.exists() else None

    @staticmethod
    def _path(key: str) -> Path | None:
        folder = os.environ.get(SHARED_RUNS)
        return Path(folder) / hashlib.sha256(key.encode()).hexdigest() if folder else None


run_stack = CachedRuns(preview.engine.run_stack)
"""The session's program runs (one cache per process, shared between the processes)."""
