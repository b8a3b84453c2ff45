"""rehearse.engine reads every event the preview's timeline can hold, under both engines, every
strategy, every hook and the ready wait: a new kind of event fails here, not in a rehearsal."""

from __future__ import annotations

import dataclasses

import pytest

from preview.release_params import HookParams, TrafficRouting
from preview.timeline import build_timeline
from rehearse.engine import HOLDING, event_kinds, hook_event
from rehearse.settings import RehearsalSettings, load_settings
from specs.release_model import ECS_HOOKS, ECS_LIFECYCLE_STAGES


@pytest.fixture(scope="module")
def prod() -> RehearsalSettings:
    """One program run; the engine and strategy vary in its release model."""
    return load_settings("prod")


@pytest.mark.parametrize("engine", ["codedeploy", "ecs"])
@pytest.mark.parametrize("strategy", ["canary", "linear", "all-at-once"])
def test_every_event_is_known(prod: RehearsalSettings, engine: str, strategy: str) -> None:
    percentage, interval = (None, None) if strategy == "all-at-once" else (10, 5)
    routing = TrafficRouting(strategy, percentage, interval, f"rehearsal {strategy}")  # type: ignore[arg-type]
    events = [s for s in ECS_LIFECYCLE_STAGES if s != "RECONCILE_SERVICE"] if engine == "ecs" else ECS_HOOKS
    hooks = tuple(HookParams(event, "smoke", 30) for event in events)
    release = dataclasses.replace(
        prod.release,
        engine=engine,  # type: ignore[arg-type]
        routing=routing,
        hooks=hooks,
        ready_wait_minutes=0 if engine == "ecs" else 3,
    )
    timeline = build_timeline(release)
    kinds = [event_kinds(event.label) for event in timeline.events]
    flat = [kind for found in kinds for kind in found]
    assert flat[0] == "start" and flat[-1] == "done"
    for needed in ("launch", "running", "healthy", "test-traffic", "shift", "drain", "sigterm"):
        assert flat.count(needed) >= 1, needed
    hook_labels = [
        event.label for event, found in zip(timeline.events, kinds, strict=True) if "hook" in found
    ]
    assert {hook_event(label) for label in hook_labels} <= {hook.event for hook in hooks}
    shifts = [
        event.green_percent for event, found in zip(timeline.events, kinds, strict=True) if "shift" in found
    ]
    assert shifts == sorted(shifts) and shifts[-1] == 100
    if engine == "codedeploy":
        assert "ready-wait" in flat


def test_holding_kinds_are_the_modelled_waits() -> None:
    assert frozenset({"ready-wait", "shift", "bake", "drain"}) == HOLDING


def test_an_unknown_event_is_refused() -> None:
    with pytest.raises(ValueError, match="not one the rehearsal knows"):
        event_kinds("green sings")
