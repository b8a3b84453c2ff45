"""Hand-built rehearsal runs for the report's tests: every request placed, so every number is known."""

from __future__ import annotations

from collections.abc import Callable

from rehearse.records import AlarmTransition, HookVerdict, Outcome, PhaseMark, RequestRecord, RunResult
from rehearse.settings import RehearsalSettings

RATE = 50.0
STEP = 1 / RATE


def marks(
    settings: RehearsalSettings, start: float, factor: float, until: float | None = None
) -> list[PhaseMark]:
    """A mark for each timeline event at the preview's time (compressed), up to ``until`` (stack seconds)."""
    return [
        PhaseMark(at=start + e.at_seconds / factor, label=e.label, green_percent=e.green_percent)
        for e in settings.timeline.events
        if until is None or e.at_seconds <= until
    ]


def requests(end: float, serve: Callable[[int, float], tuple[int, str | None, float]]) -> list[RequestRecord]:
    """One request every 1/RATE s from 0 to ``end``: ``serve(i, t)`` gives (status, colour, latency)."""
    found = []
    i = 0
    while i * STEP < end - 1e-9:
        at = round(i * STEP, 6)
        status, colour, latency = serve(i, at)
        found.append(RequestRecord(sent_at=at, latency_seconds=latency, status=status, colour=colour))  # type: ignore[arg-type]
        i += 1
    return found


def run(
    settings: RehearsalSettings,
    *,
    scenario: str,
    outcome: Outcome,
    expected: Outcome,
    phases: list[PhaseMark],
    records: list[RequestRecord],
    ended_at: float,
    factor: float = 12.0,
    started: float = 1.0,
    rollback_at: float | None = None,
    hooks: tuple[HookVerdict, ...] = (),
    alarms: tuple[AlarmTransition, ...] = (),
    blue_gone_at: float | None = None,
    reason: str = "released",
) -> RunResult:
    return RunResult(
        stack=settings.stack,
        engine=settings.engine,
        strategy=settings.strategy,
        scenario=scenario,
        compression=factor,
        rate=RATE,
        outcome=outcome,
        expected_outcome=expected,
        reason=reason,
        deployment_started_at=started,
        requests=tuple(records),
        health=(),
        phases=tuple(phases),
        hooks=hooks,
        alarms=alarms,
        rollback_at=rollback_at,
        blue_sigterm_at=None,
        blue_gone_at=blue_gone_at,
        blue_killed=False,
        blue_ref="HEAD",
        green_ref="working tree",
        ended_at=ended_at,
    )
