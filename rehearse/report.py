"""The rehearsal's report: one JSON object, and the same facts as Markdown for a pull-request comment.

Both are built from the stack's settings and what the run observed (``rehearse.records.RunResult``),
measured by ``rehearse.observed``: per phase the requests, failures and p50/p99 latency by colour;
the hooks' verdicts; the alarms' states; the rollback; the preview's timeline next to the observed
times on both clocks; for ``errors`` the failure bound next to the count; and the checks each
scenario must pass (the issue's promises), which make the verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from preview.timeline import clock
from rehearse.cloudwatch import AlarmSpec
from rehearse.metrics import measurable
from rehearse.observed import (
    EventTiming,
    Latency,
    PhaseStats,
    event_timings,
    failed_after,
    green_production_requests,
    phases,
    scenario_bound,
    teardown_failures,
)
from rehearse.records import RunResult, is_failed
from rehearse.settings import RehearsalSettings


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def checks(settings: RehearsalSettings, result: RunResult) -> list[Check]:
    """What the scenario must show: its outcome, and the issue's promise for it."""
    failed = sum(1 for r in result.requests if is_failed(r))
    found = [
        Check(
            "outcome",
            result.outcome == result.expected_outcome,
            f"{result.outcome}, scenario {result.scenario} expects {result.expected_outcome}",
        )
    ]
    if result.scenario == "good":
        found.append(Check("no failed requests", failed == 0, f"{failed} failed of {len(result.requests)}"))
    if result.scenario in ("crash", "unhealthy"):
        green = green_production_requests(result)
        found.append(Check("no production request reaches green", green == 0, f"{green} answered by green"))
        found.append(Check("no failed requests", failed == 0, f"{failed} failed of {len(result.requests)}"))
    if result.scenario == "errors":
        after = failed_after(result, result.rollback_at)
        found.append(
            Check("no failures after the rollback", after == 0, f"{after} failed after the rollback")
        )
        bound = scenario_bound(settings, result.rate, result.compression)
        if bound is None:
            found.append(Check("failures within the alarm's bound", False, "no wired alarm counts 5xx"))
        else:
            found.append(
                Check(
                    "failures within the alarm's bound",
                    failed <= bound[0],
                    f"{failed} failed, bound {bound[0]}",
                )
            )
    return found


def _latency(value: Latency) -> dict[str, Any]:
    return {"requests": value.requests, "p50_seconds": value.p50_seconds, "p99_seconds": value.p99_seconds}


def _phase(phase: PhaseStats) -> dict[str, Any]:
    return {
        "label": phase.label,
        "start": phase.start,
        "end": phase.end,
        "green_percent": phase.green_percent,
        "requests": phase.requests,
        "failed": phase.failed,
        **{colour: _latency(value) for colour, value in phase.by_colour.items()},
    }


def _timing(timing: EventTiming) -> dict[str, Any]:
    difference = timing.difference
    return {
        "label": timing.label,
        "green_percent": timing.green_percent,
        "key": timing.key,
        "predicted_seconds": timing.predicted_seconds,
        "predicted_stack_seconds": timing.predicted_stack_seconds,
        "observed_seconds": timing.observed_seconds,
        "observed_stack_seconds": timing.observed_stack_seconds,
        "difference_percent": None if difference is None else round(100 * difference, 1),
        "within_10_percent": timing.within_tolerance,
    }


def preview_matches(timings: Sequence[EventTiming]) -> bool | None:
    """Whether every key event the run reached is within 10 % of the preview; None if none was."""
    judged = [t.within_tolerance for t in timings if t.key and t.within_tolerance is not None]
    return all(judged) if judged else None


def _alarm(alarm: AlarmSpec, result: RunResult) -> dict[str, Any]:
    transitions = [t for t in sorted(result.alarms, key=lambda t: t.at) if t.name == alarm.name]
    first = next((t.at for t in transitions if t.state == "ALARM"), None)
    return {
        "name": alarm.name,
        "metric": f"{alarm.namespace} {alarm.metric_name} {alarm.statistic}",
        "colour": alarm.colour,
        "measured": measurable(alarm),
        "final_state": transitions[-1].state if transitions else "INSUFFICIENT_DATA",
        "first_alarm_at": first,
        "transitions": [{"at": t.at, "state": t.state} for t in transitions],
    }


RUNTIME_WORDS = {
    "process": "real processes",
    "docker": "containers of the stack's image (its task definition's settings)",
}


def build_json(settings: RehearsalSettings, result: RunResult) -> dict[str, Any]:
    """The report as one JSON-ready object."""
    failed = sum(1 for r in result.requests if is_failed(r))
    timings = event_timings(settings, result)
    bound = scenario_bound(settings, result.rate, result.compression) if result.scenario == "errors" else None
    found = checks(settings, result)
    return {
        "stack": result.stack,
        "engine": result.engine,
        "strategy": result.strategy,
        "scenario": result.scenario,
        "outcome": result.outcome,
        "expected_outcome": result.expected_outcome,
        "reason": result.reason,
        "verdict": "pass" if all(c.ok for c in found) else "fail",
        "requests": len(result.requests),
        "failed_requests": failed,
        "failed_after_rollback": failed_after(result, result.rollback_at),
        "green_production_requests": green_production_requests(result),
        "compression": result.compression,
        "rate": result.rate,
        "runtime": result.runtime,
        "clocks": {
            "rehearsal_seconds": result.ended_at,
            "stack_seconds": result.ended_at * result.compression,
            "deployment_started_at": result.deployment_started_at,
        },
        "refs": {"blue": result.blue_ref, "green": result.green_ref},
        "phases": [_phase(p) for p in phases(result)],
        "timeline": [_timing(t) for t in timings],
        "preview_matches": preview_matches(timings),
        "hooks": [
            {"event": h.event, "status": h.status, "at": h.at, "seconds": h.seconds, "detail": h.detail}
            for h in result.hooks
        ],
        "alarms": [_alarm(a, result) for a in settings.alarms],
        "rollback": None
        if result.rollback_at is None
        else {"at": result.rollback_at, "reason": result.reason},
        "blue": {
            "sigterm_at": result.blue_sigterm_at,
            "gone_at": result.blue_gone_at,
            "killed": result.blue_killed,
        },
        "teardown_failed_requests": teardown_failures(settings, result),
        "errors_bound": None
        if bound is None
        else {"bound": bound[0], "failed_requests": failed, "alarm": bound[1].name},
        "checks": [{"check": c.name, "ok": c.ok, "detail": c.detail} for c in found],
    }


# --------------------------------------------------------------------------- Markdown


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} s"


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value * 1000:.0f}"


def _pair(value: dict[str, Any]) -> str:
    if not value["requests"]:
        return "–"
    return f"{value['requests']}: {_ms(value['p50_seconds'])} / {_ms(value['p99_seconds'])}"


def _within(value: bool | None) -> str:
    return "–" if value is None else "yes" if value else "**no**"


def markdown(settings: RehearsalSettings, result: RunResult) -> str:
    """The report in Markdown, fit for a pull-request comment."""
    data = build_json(settings, result)
    clocks = data["clocks"]
    bound = data["errors_bound"]
    failed = f"{data['failed_requests']} failed"
    if bound is not None:
        failed += f" (bound {bound['bound']}, set by {bound['alarm']})"
    parts = [
        f"### Rehearsal of `{data['stack']}` ({data['engine']}, {data['strategy']}): scenario "
        f"`{data['scenario']}` — {data['outcome']}, verdict **{data['verdict']}**",
        "",
        f"Blue `{result.blue_ref}`, green `{result.green_ref}`; {RUNTIME_WORDS[result.runtime]} "
        "behind HAProxy on loopback, "
        f"{data['rate']:g} requests/s. {result.reason}.",
        "",
        "| | |",
        "| --- | --- |",
        f"| outcome | {data['outcome']} (expected {data['expected_outcome']}) |",
        f"| requests | {data['requests']}, {failed}, {data['failed_after_rollback']} after the rollback |",
        f"| production requests green answered | {data['green_production_requests']} |",
        f"| blue's teardown cost | {_count(data['teardown_failed_requests'])} |",
        f"| clocks | {clocks['rehearsal_seconds']:.1f} s rehearsed = {clock(round(clocks['stack_seconds']))} "
        f"on the stack's clock (compression {data['compression']:g}) |",
        "",
        "#### Phases",
        "",
        "From each mark to the next (rehearsal clock); latencies of the requests each colour answered.",
        "",
        "| from | phase | green % | requests | failed | blue: n, p50 / p99 ms | green: n, p50 / p99 ms |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: |",
        *(_phase_row(p) for p in data["phases"]),
        "",
        "#### Timeline against the preview",
        "",
        f"Seconds since the deployment started; the preview's typical times divided by "
        f"{data['compression']:g}.",
        "",
        "| event | preview | observed | stack clock | difference | within 10 % |",
        "| --- | ---: | ---: | ---: | ---: | :---: |",
        *(_timing_row(t) for t in data["timeline"]),
        "",
    ]
    if data["hooks"]:
        parts += [
            "#### Hooks",
            "",
            "| event | verdict | seconds | detail |",
            "| --- | --- | ---: | --- |",
            *(
                f"| {h['event']} | {h['status']} | {h['seconds']:.1f} | {h['detail']} |"
                for h in data["hooks"]
            ),
            "",
        ]
    parts += [
        "#### Alarms",
        "",
        "| alarm | metric | state | first ALARM |",
        "| --- | --- | --- | ---: |",
        *(_alarm_row(a) for a in data["alarms"]),
        "",
    ]
    if data["rollback"] is not None:
        parts += [f"Rollback at {data['rollback']['at']:.1f} s: {data['rollback']['reason']}.", ""]
    parts += [
        "#### Checks",
        "",
        *(f"- {'✅' if c['ok'] else '❌'} {c['check']}: {c['detail']}" for c in data["checks"]),
    ]
    return "\n".join(parts) + "\n"


def _count(value: int | None) -> str:
    return "– (blue was not torn down)" if value is None else f"{value} failed requests"


def _phase_row(phase: dict[str, Any]) -> str:
    return (
        f"| {phase['start']:.1f} s | {phase['label']} | {phase['green_percent']:g} | {phase['requests']} | "
        f"{phase['failed']} | {_pair(phase['blue'])} | {_pair(phase['green'])} |"
    )


def _timing_row(timing: dict[str, Any]) -> str:
    label = f"**{timing['label']}**" if timing["key"] else timing["label"]
    stack = timing["observed_stack_seconds"]
    difference = timing["difference_percent"]
    return (
        f"| {label} | {_seconds(timing['predicted_seconds'])} | {_seconds(timing['observed_seconds'])} | "
        f"{'–' if stack is None else clock(round(stack))} | "
        f"{'–' if difference is None else f'{difference:+.1f} %'} | {_within(timing['within_10_percent'])} |"
    )


def _alarm_row(alarm: dict[str, Any]) -> str:
    first = _seconds(alarm["first_alarm_at"])
    # Every datapoint missing: its state would only say how the alarm treats missing data.
    state = alarm["final_state"] if alarm["measured"] else "not measured (not visible to the load balancer)"
    return f"| {alarm['name']} | {alarm['metric']} | {state} | {first} |"
