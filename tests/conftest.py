"""Session-wide fixtures and caches shared by every test directory.

- **One moto server per test session** (per pytest-xdist worker: each worker is its own
  process): ``moto_port`` starts it on first use; ``moto_url`` resets it to empty
  (``POST /moto-api/reset``) before the test that asks for it; ``moto_built`` builds a
  named state once and puts it back for later tests (tests/moto_snapshots.py).
- **Each program run once per session** (tests/run_cache.py): ``preview.engine.run_stack`` runs
  the real program under the mock engine in a fifth of a second. Many tests run the same stack
  with the same overrides, so ``tests.run_cache.run_stack`` (re-exported by
  tests/program/harness.py; the ``program_runs`` fixture) keeps the first run of each (stack,
  overrides), shared with the other pytest-xdist workers, and every call gets its own copy: a
  test that changes what it got cannot change what another test sees. Runs that raise are not
  kept. Nothing is patched: a test that changes what a run depends on calls
  ``preview.engine.run_stack`` for a fresh run; one that runs ``python -m preview``'s main asks
  for ``preview_runs_cached`` to lend it the cache.
- **moto's state built once** (tests/moto_snapshots.py): ``moto_built`` for the session's server,
  ``moto_built_in_process`` under ``moto.mock_aws``.
- **botocore's parsed service models shared by all sessions** (``_share_parsed_botocore_models``).
- **The garbage collector kept off what collection loaded** (``pytest_collection_finish``).
- **No default AMIs in moto's EC2** (``MOTO_EC2_LOAD_DEFAULT_AMIS``), in process and in the
  server: moto loads some 1,300 images into every EC2 region backend it creates (a tenth of a
  second each time, some 70 times a session), and nothing here launches an instance.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import botocore.loaders
import pytest

os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")  # before any moto backend exists

import preview.engine
from tests import moto_server, moto_snapshots, run_cache
from tests.run_cache import SHARED_RUNS, CachedRuns


def _share_parsed_botocore_models() -> None:
    """Every botocore loader with the same search paths shares one cache of parsed models.

    botocore parses a service's JSON model once per session, and the tests make hundreds of
    sessions (each CLI run, each fixture's clients); parsing the same files again was about a
    tenth of the suite's time. The parsed models are read, never changed, as within one session.
    """
    loader_class = botocore.loaders.Loader
    if getattr(loader_class, "_shared_by_tests", False):
        return
    original_init = loader_class.__init__
    caches: dict[tuple[Any, ...], dict[Any, Any]] = {}

    def init(self: botocore.loaders.Loader, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        key = (tuple(self.search_paths), tuple(self.extras_types), type(self.file_loader))
        self._cache = caches.setdefault(key, {})

    loader_class.__init__ = init  # type: ignore[method-assign]
    loader_class._shared_by_tests = True  # type: ignore[attr-defined]


_share_parsed_botocore_models()


@pytest.fixture(scope="session")
def moto_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """Port of the session's moto_server subprocess; its ECS services report two running tasks.

    It inherits the environment, so it has no default AMIs either (see the top of this file)."""
    log_path = tmp_path_factory.mktemp("moto") / "server.log"
    env = {"MOTO_ECS_SERVICE_RUNNING": "2"}
    proc, port = moto_server.start(log_path, env)
    try:
        yield port
    finally:
        moto_server.stop(proc)


@pytest.fixture
def moto_url(moto_port: int) -> str:
    """The session's moto server, reset to empty for this test."""
    moto_server.reset(moto_port)
    return f"http://127.0.0.1:{moto_port}"


@pytest.fixture(scope="session")
def moto_built(moto_port: int) -> moto_snapshots.BuiltOnce:
    """``moto_snapshots.BuiltOnce`` for the session's server. Ask for ``moto_url`` too, so the
    first build of a name starts from an empty server."""
    return moto_snapshots.BuiltOnce(
        lambda name: moto_server.save(moto_port, name),
        lambda name: moto_server.restore(moto_port, name),
    )


@pytest.fixture(scope="session")
def moto_built_in_process() -> moto_snapshots.BuiltOnce:
    """``moto_snapshots.BuiltOnce`` for tests under ``moto.mock_aws`` (in this process)."""
    return moto_snapshots.built_in_process


@pytest.fixture(scope="session")
def program_runs() -> CachedRuns:
    """The session's cached program runs (tests/run_cache.py): call it as ``run_stack``."""
    return run_cache.run_stack


@pytest.fixture
def preview_runs_cached(program_runs: CachedRuns, monkeypatch: pytest.MonkeyPatch) -> CachedRuns:
    """For this test, preview's own entry points (``python -m preview``'s main, which calls
    ``preview.engine.run_stack``) share the session's program runs."""
    monkeypatch.setattr(preview.engine, "run_stack", program_runs)
    return program_runs


def pytest_configure(config: pytest.Config) -> None:
    """The controlling process (not a pytest-xdist worker) makes the folder its workers share
    program runs in; they inherit the variable naming it when they start."""
    if not hasattr(config, "workerinput") and SHARED_RUNS not in os.environ:
        os.environ[SHARED_RUNS] = tempfile.mkdtemp(prefix="program-runs-")
        config.add_cleanup(_remove_shared_runs)


def _remove_shared_runs() -> None:
    shutil.rmtree(os.environ.pop(SHARED_RUNS), ignore_errors=True)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Everything imported and collected so far lives until the end: keep the collector off it.

    Python's cyclic garbage collector walks every tracked object at each full collection, and a
    program run makes enough objects to trigger many; with pulumi_aws, botocore and moto loaded
    that walk was about a third of a program run's time. Frozen objects are never walked, and
    collecting less often (every 50,000 allocations, not 700) spares most of the rest."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Spare the interpreter's last full collection at exit: freeze what the tests left.

    At exit Python collects once more over everything still alive; after a worker's program
    runs that walk took a second or more per process, on the critical path of every run."""
    gc.freeze()
