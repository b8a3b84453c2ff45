"""tests/run_cache.py: each distinct program run made once a session, in one process or several."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import preview.engine
from tests.run_cache import SHARED_RUNS, CachedRuns


class CountingRun:
    """A stand-in for ``run_stack`` that counts its calls and can be told to fail."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.fail = False

    def __call__(self, stack: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        self.calls.append((stack, overrides))
        if self.fail:
            raise ValueError("bad config")
        return {"stack": stack, "resources": [{"name": f"{stack}-vpc"}], "overrides": overrides}


@pytest.fixture
def shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(SHARED_RUNS, str(tmp_path))
    return tmp_path


def test_one_run_per_distinct_call_and_a_copy_for_each_caller(shared: Path) -> None:
    run = CountingRun()
    cached = CachedRuns(run)  # type: ignore[arg-type]
    first = cached("dev")
    first["resources"].append({"name": "changed by a test"})
    assert cached("dev", {}) == {"stack": "dev", "resources": [{"name": "dev-vpc"}], "overrides": None}
    cached("dev", {"network": {"natGateways": 0}})
    assert run.calls == [("dev", None), ("dev", {"network": {"natGateways": 0}})]
    assert cached.hits == 1


def test_another_process_loads_the_run_instead_of_making_it(shared: Path) -> None:
    """Two pytest-xdist workers are two instances sharing the folder."""
    made_here, made_there = CountingRun(), CountingRun()
    CachedRuns(made_here)("prod")  # type: ignore[arg-type]
    assert CachedRuns(made_there)("prod")["stack"] == "prod"  # type: ignore[arg-type]
    assert made_there.calls == []
    assert [p.name for p in shared.iterdir() if "." in p.name] == []  # no partial file left


def test_a_run_that_raises_is_not_kept(shared: Path) -> None:
    run = CountingRun()
    cached = CachedRuns(run)  # type: ignore[arg-type]
    run.fail = True
    with pytest.raises(ValueError, match="bad config"):
        cached("dev")
    run.fail = False
    assert cached("dev")["stack"] == "dev"
    assert len(run.calls) == 2 and len(list(shared.iterdir())) == 1


def test_without_the_shared_folder_runs_stay_in_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SHARED_RUNS, raising=False)
    run = CountingRun()
    cached = CachedRuns(run)  # type: ignore[arg-type]
    cached("dev")
    cached("dev")
    assert len(run.calls) == 1


def test_the_session_shares_a_folder_and_patches_nothing() -> None:
    """The folder is made by the controlling process (tests/conftest.py) and inherited by every
    worker; the cache is a name of its own, the mock engine's run_stack stays the real one."""
    import tests.run_cache

    assert Path(os.environ[SHARED_RUNS]).is_dir()
    assert isinstance(tests.run_cache.run_stack, CachedRuns)
    assert tests.run_cache.run_stack.uncached is preview.engine.run_stack
    assert not isinstance(preview.engine.run_stack, CachedRuns)


def test_preview_runs_cached_lends_the_cache_for_one_test(preview_runs_cached: CachedRuns) -> None:
    import tests.run_cache

    assert preview.engine.run_stack is preview_runs_cached is tests.run_cache.run_stack
