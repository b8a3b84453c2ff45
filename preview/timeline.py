"""How a release of a stack would unfold, second by second, from its declared settings.

``build_timeline(params)`` turns ``ReleaseParams`` (read from the declared resources by
``preview.release_params``) into ordered events, each with the time it typically happens,
the latest time it happens when everything is as slow as the settings allow (the worst
case that still succeeds), and green's share of production traffic after it.

The model (times in seconds from the moment the deployment starts), for the CodeDeploy
engine; the ECS engine (``params.engine == "ecs"``) follows the same shape, described below:

1. ``BeforeInstall`` hook, when the release has one (see hooks below).
2. Green's task set launches; its tasks need ``PROVISION_SECONDS`` (an assumption: image
   pull and container start) to run.
3. The target group marks a green target healthy after ``interval x healthyThreshold``
   consecutive passing checks. The container health check's ``startPeriod`` is how long
   ECS tolerates a slow start, so the latest green turns healthy is
   ``provision + startPeriod + interval x healthyThreshold``.
4. ``AfterInstall`` hook; then the test listener points at green; then
   ``AfterAllowTestTraffic`` (prod's smoke test through the test listener).
5. The ready wait (``deploymentReadyOption.waitTimeInMinutes``), when set, holds green
   before any production traffic. With ``STOP_DEPLOYMENT`` somebody must run
   ``aws deploy continue-deployment`` in time; the timeline assumes the go-ahead comes at
   the end of the wait (the slowest release that still succeeds).
6. ``BeforeAllowTraffic`` hook, then production traffic shifts. Canary: ``percentage``
   at the first shift, 100 % one interval later. Linear: ``percentage`` more every
   interval, the last step capped at 100 % (ceil(100 / percentage) steps). All-at-once:
   100 % at once. Then ``AfterAllowTraffic``.
7. Blue is kept ``terminationWaitTimeInMinutes`` (still running: the instant-rollback
   window, during which a wired alarm still rolls back by moving traffic back to blue).
8. Blue's task set is deleted: its targets drain for the deregistration delay, then its
   tasks get SIGTERM and at most ``stopTimeout`` to exit (typically
   ``TYPICAL_EXIT_SECONDS``, since draining leaves little in flight): "blue gone", and the
   deployment ends.

The ECS engine (the service's own deployment, its stages named as ECS names them):
``PRE_SCALE_UP`` hook; ``SCALE_UP`` (green's service revision starts its tasks, steps 2-3
above); ``POST_SCALE_UP`` hook; ``TEST_TRAFFIC_SHIFT`` (the test listener rule points at
green) and its hook; ``POST_TEST_TRAFFIC_SHIFT`` hook; ``PRODUCTION_TRAFFIC_SHIFT`` hook,
then the production listener rule's weights move (canary: ``canaryPercent``, the rest after
``canaryBakeTimeInMinutes``; linear: ``stepPercent`` every ``stepBakeTimeInMinutes``;
BLUE_GREEN: all at once); ``POST_PRODUCTION_TRAFFIC_SHIFT`` hook; ``BAKE_TIME``
(``bakeTimeInMinutes``: blue kept, alarms still roll back); ``CLEAN_UP`` (blue drains and
stops, as in 8). No ready wait. Hooks at the shift stages are counted once (ECS also runs
them again on a rollback, which is no successful release).

Hooks: a hook Lambda typically takes ``TYPICAL_HOOK_SECONDS`` (an assumption) and at
worst its function timeout. Under CodeDeploy that worst case assumes the function reports
its verdict (the bundled smoke test always does, keeping time in reserve to report); a
function that dies without reporting leaves CodeDeploy waiting for the hook up to its
60-minute limit. Under ECS the function answers with its return value, and each
``IN_PROGRESS`` answer makes ECS invoke it again ``callBackDelay`` seconds later; the bundled
smoke test answers so while green does not answer yet, up to ``MAX_IN_PROGRESS`` times, so
its worst case is ``(MAX_IN_PROGRESS + 1) x timeout + MAX_IN_PROGRESS x callBackDelay``
(another function's retries are unknown: one invocation is counted, with a note).

Not modelled: the engine's own API latency between steps (seconds), retries of failing
green tasks, and ALB target states beyond the health check thresholds.

Warnings: a rollback window shorter than the slowest wired alarm's evaluation time
(``period x evaluationPeriods``); a worst case longer than the release resource's
``timeout_minutes`` (``pulumi up`` would give up). CodeDeploy only: a hook Lambda timeout
above CodeDeploy's 60-minute hook limit; a ready wait or termination wait above
CodeDeploy's 2880 minutes. ECS only: a bake time outside ECS's 0-1440 minutes, a canary
below 0.1 % or a linear step below 3 %. A deregistration delay at AWS's 300 s default gets
an informational note. Those limits, the step count and the alarm rule are
``specs.release_model``'s, shared with config validation and the policy pack.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from preview.release_params import HookParams, ReleaseParams, percent_text
from specs.release_model import (
    ALB_DEFAULT_DEREGISTRATION_DELAY_SECONDS,
    CODEDEPLOY_HOOK_LIMIT_MINUTES,
    CODEDEPLOY_MAX_WAIT_MINUTES,
    ECS_BAKE_MAX_MINUTES,
    ECS_CANARY_MIN_PERCENT,
    ECS_LINEAR_STEP_MIN_PERCENT,
    alarm_outlasts_blue,
    linear_steps,
    minutes_to_cover,
)

PROVISION_SECONDS = 30
"""Assumed time for a green task to run: image pull and container start."""
TYPICAL_HOOK_SECONDS = 10
"""Assumed typical run of a lifecycle hook Lambda (the worst case is its timeout)."""
TYPICAL_EXIT_SECONDS = 5
"""Assumed time a drained blue task takes to exit after SIGTERM (at most its stopTimeout)."""


@dataclass(frozen=True)
class TimelineEvent:
    at_seconds: int
    """When it typically happens, in seconds from the start of the deployment."""
    latest_seconds: int
    """When it happens at the latest (the slowest release that still succeeds)."""
    label: str
    green_percent: float
    """Green's share of production traffic after this event (an ``int`` when whole)."""


@dataclass(frozen=True)
class Timeline:
    events: tuple[TimelineEvent, ...]
    warnings: tuple[str, ...]
    notes: tuple[str, ...]
    """Informational remarks that need no change."""
    release_timeout_seconds: int
    rollback_window_seconds: int

    @property
    def typical_seconds(self) -> int:
        return self.events[-1].at_seconds if self.events else 0

    @property
    def worst_case_seconds(self) -> int:
        return self.events[-1].latest_seconds if self.events else 0


@dataclass
class _Clock:
    typical: int = 0
    latest: int = 0
    green: float = 0
    events: list[TimelineEvent] = field(default_factory=list)

    def mark(self, label: str) -> None:
        self.events.append(TimelineEvent(self.typical, self.latest, label, self.green))

    def advance(self, typical: int, latest: int | None = None) -> None:
        self.typical += typical
        self.latest += typical if latest is None else latest


def _duration(seconds: int) -> str:
    """``90 s``, ``5 min``, ``1 min 30 s``."""
    minutes, rest = divmod(seconds, 60)
    if minutes == 0:
        return f"{seconds} s"
    return f"{minutes} min" if rest == 0 else f"{minutes} min {rest} s"


def _hook_label(hook: HookParams, typical: int) -> str:
    runs = f"{hook.event} hook {hook.function_name} runs"
    if hook.max_in_progress is None:
        return (
            f"{runs} (typically {typical} s, at most its {hook.timeout_seconds} s timeout per invocation; "
            "ECS invokes it again after every IN_PROGRESS answer)"
        )
    if hook.max_in_progress == 0:
        return f"{runs} (typically {typical} s, at most its {hook.timeout_seconds} s timeout)"
    return (
        f"{runs} (typically {typical} s; at most {_duration(hook.worst_case_seconds)}: "
        f"{hook.invocations} invocations of up to {hook.timeout_seconds} s, "
        f"{hook.callback_delay_seconds} s apart, while it answers IN_PROGRESS)"
    )


def _run_hook(clock: _Clock, params: ReleaseParams, event: str) -> None:
    for hook in params.hooks_at(event):
        typical = min(TYPICAL_HOOK_SECONDS, hook.timeout_seconds)
        clock.mark(_hook_label(hook, typical))
        clock.advance(typical, hook.worst_case_seconds)


def _shift(clock: _Clock, params: ReleaseParams, stage: str = "") -> None:
    """Production traffic moves; ``stage`` (e.g. ``PRODUCTION_TRAFFIC_SHIFT: ``) starts the first label."""
    routing = params.routing
    ecs = params.engine == "ecs"
    if routing.kind == "all-at-once" or routing.percentage is None or routing.interval_minutes is None:
        clock.green = 100
        clock.mark(f"{stage}100 % of production on green (all at once)")
        return
    step, interval = routing.percentage, routing.interval_minutes * 60
    if routing.kind == "canary":
        clock.green = step
        clock.mark(f"{stage}{percent_text(step)} % of production on green (canary)")
        clock.advance(interval)
        clock.green = 100
        bake = f"after the {_duration(interval)} canary bake" if ecs else f"after {_duration(interval)}"
        clock.mark(f"100 % of production on green ({bake})")
        return
    steps = linear_steps(step)
    for index in range(1, steps + 1):
        if index > 1:
            clock.advance(interval)
        share = float(min(100, round(index * step, 6)))
        clock.green = int(share) if share.is_integer() else share
        first = stage if index == 1 else ""
        clock.mark(
            f"{first}{percent_text(clock.green)} % of production on green (linear step {index} of {steps})"
        )


def _ready_wait_label(params: ReleaseParams) -> str:
    wait = _duration(params.ready_wait_minutes * 60)
    if params.ready_action_on_timeout == "STOP_DEPLOYMENT":
        return (
            f"ready wait: green held up to {wait} for `aws deploy continue-deployment`, else the "
            "deployment stops (assumed: go-ahead at the end)"
        )
    return f"ready wait: green held {wait}, then traffic shifts on its own"


def _warnings(params: ReleaseParams, worst_case: int) -> tuple[list[str], list[str]]:
    warnings: list[str] = []
    notes: list[str] = []
    window = params.termination_wait_minutes * 60
    longest = alarm_outlasts_blue(window, params.alarms)
    if longest is not None:
        setting = (
            "terminationWaitMinutes, the service's bakeTimeInMinutes"
            if params.engine == "ecs"
            else "terminationWaitMinutes"
        )
        warnings.append(
            f"rollback window too short: blue is kept {_duration(window)} after 100 % on green, but "
            f"alarm {longest.name} needs {longest.period_seconds} s x {longest.evaluation_periods} = "
            f"{_duration(longest.evaluation_seconds)} to fire; an alarm firing right after the shift "
            f"could no longer roll back instantly (raise {setting} to at least "
            f"{minutes_to_cover(longest)})"
        )
    timeout = params.release_timeout_minutes * 60
    if worst_case > timeout:
        warnings.append(
            f"release timeout too short: the worst case takes {clock(worst_case)}, the release resource "
            f"gives up after {params.release_timeout_minutes} min, so `pulumi up` could fail a release "
            f"that would still succeed (raise release.timeoutMinutes to at least "
            f"{math.ceil(worst_case / 60)})"
        )
    if params.engine == "ecs":
        _ecs_limits(params, warnings, notes)
    else:
        _codedeploy_limits(params, warnings)
    if params.deregistration_delay_seconds >= ALB_DEFAULT_DEREGISTRATION_DELAY_SECONDS:
        notes.append(
            f"deregistration delay {params.deregistration_delay_seconds} s (AWS's default is "
            f"{ALB_DEFAULT_DEREGISTRATION_DELAY_SECONDS} s) slows every release: blue drains that long "
            "before its tasks stop; keep it just above the slowest request"
        )
    return warnings, notes


def _codedeploy_limits(params: ReleaseParams, warnings: list[str]) -> None:
    for hook in params.hooks:
        if hook.timeout_seconds > CODEDEPLOY_HOOK_LIMIT_MINUTES * 60:
            warnings.append(
                f"hook {hook.event}: {hook.function_name}'s timeout of {_duration(hook.timeout_seconds)} "
                f"exceeds CodeDeploy's {CODEDEPLOY_HOOK_LIMIT_MINUTES}-minute hook limit; CodeDeploy fails "
                "the lifecycle event first"
            )
    for what, minutes in (
        ("ready wait", params.ready_wait_minutes),
        ("termination wait", params.termination_wait_minutes),
    ):
        if minutes > CODEDEPLOY_MAX_WAIT_MINUTES:
            warnings.append(
                f"{what} of {minutes} min exceeds CodeDeploy's maximum of {CODEDEPLOY_MAX_WAIT_MINUTES} min; "
                "the deployment group would be rejected"
            )


def _ecs_limits(params: ReleaseParams, warnings: list[str], notes: list[str]) -> None:
    routing = params.routing
    bakes = [("bake time (bakeTimeInMinutes)", params.termination_wait_minutes)]
    if routing.kind == "canary" and routing.interval_minutes is not None:
        bakes.append(("canary bake time (canaryBakeTimeInMinutes)", routing.interval_minutes))
    if routing.kind == "linear" and routing.interval_minutes is not None:
        bakes.append(("linear step bake time (stepBakeTimeInMinutes)", routing.interval_minutes))
    for what, minutes in bakes:
        if not 0 <= minutes <= ECS_BAKE_MAX_MINUTES:
            warnings.append(
                f"{what} of {minutes} min is outside ECS's 0-{ECS_BAKE_MAX_MINUTES} minutes; "
                "the service update would be rejected"
            )
    if routing.percentage is not None:
        if routing.kind == "canary" and not ECS_CANARY_MIN_PERCENT <= routing.percentage <= 100:
            warnings.append(
                f"canary of {percent_text(routing.percentage)} % is outside ECS's "
                f"{percent_text(ECS_CANARY_MIN_PERCENT)}-100 %; the service update would be rejected"
            )
        if routing.kind == "linear" and not ECS_LINEAR_STEP_MIN_PERCENT <= routing.percentage <= 100:
            warnings.append(
                f"linear step of {percent_text(routing.percentage)} % is outside ECS's "
                f"{ECS_LINEAR_STEP_MIN_PERCENT}-100 %; the service update would be rejected"
            )
    for hook in params.hooks:
        if hook.event == "RECONCILE_SERVICE":
            notes.append(
                f"hook RECONCILE_SERVICE ({hook.function_name}) runs only when a deployment starts while "
                "more than one service revision is active; not on this timeline"
            )
        elif hook.max_in_progress is None:
            notes.append(
                f"hook {hook.event}: {hook.function_name} is not the bundled smoke test, so how often it "
                "answers IN_PROGRESS (each answer one more invocation) is unknown; the worst case counts "
                "one invocation"
            )


def _green_up(c: _Clock, params: ReleaseParams) -> None:
    """Green's tasks start and pass the target group's health checks."""
    c.advance(PROVISION_SECONDS)
    c.mark(f"green tasks running (image pull and start, assumed {PROVISION_SECONDS} s)")
    checks = params.health_check_interval_seconds * params.healthy_threshold
    c.advance(checks, params.start_period_seconds + checks)
    slow_start = (
        f"; a slow start adds up to the {params.start_period_seconds} s startPeriod"
        if params.start_period_seconds
        else ""
    )
    c.mark(
        f"green healthy ({params.healthy_threshold} checks x {params.health_check_interval_seconds} s"
        f"{slow_start})"
    )


def _blue_kept(c: _Clock, params: ReleaseParams, label: str) -> None:
    window = params.termination_wait_minutes * 60
    if window > 0:
        c.mark(label)
        c.advance(window)


def _blue_goes(c: _Clock, params: ReleaseParams, terminating: str) -> None:
    c.mark(f"{terminating}: its targets drain ({params.deregistration_delay_seconds} s deregistration delay)")
    c.advance(params.deregistration_delay_seconds)
    c.mark(f"blue tasks get SIGTERM (at most {params.stop_timeout_seconds} s to exit, then SIGKILL)")
    c.advance(min(TYPICAL_EXIT_SECONDS, params.stop_timeout_seconds), params.stop_timeout_seconds)
    c.mark("blue gone: deployment complete")


def _codedeploy_events(c: _Clock, params: ReleaseParams) -> None:
    if params.hook("BeforeInstall") is None:
        c.mark("deployment starts: green task set launching")
    else:
        c.mark("deployment starts")
        _run_hook(c, params, "BeforeInstall")
        c.mark("green task set launching")
    _green_up(c, params)
    _run_hook(c, params, "AfterInstall")
    c.mark("test listener points at green")
    _run_hook(c, params, "AfterAllowTestTraffic")
    if params.ready_wait_minutes > 0:
        c.mark(_ready_wait_label(params))
        c.advance(params.ready_wait_minutes * 60)
    _run_hook(c, params, "BeforeAllowTraffic")
    _shift(c, params)
    _run_hook(c, params, "AfterAllowTraffic")
    window = _duration(params.termination_wait_minutes * 60)
    _blue_kept(c, params, f"blue kept {window} (still running: the instant-rollback window)")
    _blue_goes(c, params, "blue task set terminating")


def _ecs_events(c: _Clock, params: ReleaseParams) -> None:
    if not params.hooks_at("PRE_SCALE_UP"):
        c.mark("deployment starts: SCALE_UP, green service revision launching its tasks")
    else:
        c.mark("deployment starts")
        _run_hook(c, params, "PRE_SCALE_UP")
        c.mark("SCALE_UP: green service revision launching its tasks")
    _green_up(c, params)
    _run_hook(c, params, "POST_SCALE_UP")
    c.mark("TEST_TRAFFIC_SHIFT: test listener rule points at green")
    _run_hook(c, params, "TEST_TRAFFIC_SHIFT")
    _run_hook(c, params, "POST_TEST_TRAFFIC_SHIFT")
    _run_hook(c, params, "PRODUCTION_TRAFFIC_SHIFT")
    _shift(c, params, "PRODUCTION_TRAFFIC_SHIFT: ")
    _run_hook(c, params, "POST_PRODUCTION_TRAFFIC_SHIFT")
    window = _duration(params.termination_wait_minutes * 60)
    _blue_kept(
        c, params, f"BAKE_TIME: blue kept {window} (still running: a wired alarm still rolls back to it)"
    )
    _blue_goes(c, params, "CLEAN_UP: blue service revision scaling down")


def build_timeline(params: ReleaseParams) -> Timeline:
    """The events of one successful release, typical and latest times, and what to watch."""
    c = _Clock()
    if params.engine == "ecs":
        _ecs_events(c, params)
    else:
        _codedeploy_events(c, params)
    warnings, notes = _warnings(params, c.latest)
    return Timeline(
        events=tuple(c.events),
        warnings=tuple(warnings),
        notes=tuple(notes),
        release_timeout_seconds=params.release_timeout_minutes * 60,
        rollback_window_seconds=params.termination_wait_minutes * 60,
    )


def clock(seconds: int) -> str:
    """``m:ss`` (``h:mm:ss`` from an hour on)."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_timeline(timeline: Timeline) -> list[str]:
    """Printable lines: one per event, then the totals, warnings and notes."""
    width = max((len(clock(e.at_seconds)) for e in timeline.events), default=4)
    lines = []
    for event in timeline.events:
        late = event.latest_seconds != event.at_seconds
        latest = f"  [latest {clock(event.latest_seconds)}]" if late else ""
        lines.append(f"  {clock(event.at_seconds):>{width}}  {event.label}{latest}")
    lines.append(
        f"  typical {clock(timeline.typical_seconds)}, worst case {clock(timeline.worst_case_seconds)}; "
        f"release timeout {clock(timeline.release_timeout_seconds)}"
    )
    lines.extend(f"  warning: {w}" for w in timeline.warnings)
    lines.extend(f"  note: {n}" for n in timeline.notes)
    return lines
