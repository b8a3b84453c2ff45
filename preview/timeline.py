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
3. A newly registered green target is healthy once it passes one health check ("After your
   target is registered, it must pass one health check to be considered healthy": ALB guide,
   "Health checks for Application Load Balancer target groups"), which comes within one
   ``interval``. Green is healthy when ALL its tasks (N, the service's ``desiredCount``) are:
   typically ``provision + ceil(interval x N / (N + 1))``, the expected latest of N first checks
   when each registration falls at a random point of the check cycle (half an interval for one
   task, two thirds for two; an assumption, measured by a release rehearsal with real traffic;
   ALB does not document when the first check comes).
   ``healthyThreshold`` passes in a row are needed only by a target that turned unhealthy: a
   slow start (up to the container health check's ``startPeriod``, how long ECS tolerates it)
   fails the first checks, so the latest green turns healthy is
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
stops, as in 8). The ready wait is a PAUSE hook at ``POST_TEST_TRAFFIC_SHIFT``
(``specs.ecs_engine.READY_WAIT_STAGE``): green holds test traffic until ``bluegreen continue``
(ContinueServiceDeployment) or its timeout, then ROLLBACK (the timeline assumes the go-ahead at
the end, the slowest release that still succeeds) or CONTINUE (production moves on its own).
ECS runs a Lambda hook of the same stage alongside; the timeline counts them one after the
other, an upper bound. Hooks at the shift stages are counted once (ECS also runs
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
(``period x (evaluationPeriods + 1)``: a breach may start inside a clock-aligned period); a
worst case longer than the release resource's ``timeout_minutes`` (``pulumi up`` would give
up). CodeDeploy only: a hook Lambda timeout above CodeDeploy's 60-minute hook limit; a ready
wait or termination wait above CodeDeploy's 2880 minutes. ECS only: a bake time outside ECS's
0-1440 minutes, a canary below 0.1 % or a linear step below 3 %, a ready wait outside ECS's
1-20160 minutes. A deregistration delay at AWS's 300 s default gets an informational note.
Each engine's limits are its module's (``specs.codedeploy_engine``, ``specs.ecs_engine``), the
steps and their words ``specs.traffic_routing``'s, the alarm rule ``specs.release_model``'s and
the phases' durations (``PROVISION_SECONDS`` and the other assumptions)
``specs.release_duration``'s: shared with config validation and the policy pack.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from preview.release_params import HookParams, ReleaseParams
from specs import codedeploy_engine, ecs_engine
from specs.release_duration import (
    PROVISION_SECONDS,
    ReleaseDuration,
    Span,
    hook_run,
    release_duration,
)
from specs.release_model import ALB_DEFAULT_DEREGISTRATION_DELAY_SECONDS, alarm_window_finding
from specs.traffic_routing import duration_text, shift_steps

NOT_ON_THE_TIMELINE = ("RECONCILE_SERVICE",)
"""Hook points a successful release does not pass (ECS: only with several active revisions)."""


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

    def spend(self, span: Span) -> None:
        self.advance(span.typical, span.latest)


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
        f"{runs} (typically {typical} s; at most {duration_text(hook.worst_case_seconds)}: "
        f"{hook.invocations} invocations of up to {hook.timeout_seconds} s, "
        f"{hook.callback_delay_seconds} s apart, while it answers IN_PROGRESS)"
    )


def _hook_span(hook: HookParams) -> Span:
    return hook_run(hook.timeout_seconds, hook.worst_case_seconds)


def _run_hook(clock: _Clock, params: ReleaseParams, event: str) -> None:
    for hook in params.hooks_at(event):
        span = _hook_span(hook)
        clock.mark(_hook_label(hook, span.typical))
        clock.spend(span)


def _shift(clock: _Clock, params: ReleaseParams, stage: str = "") -> None:
    """Production traffic moves; ``stage`` (e.g. ``PRODUCTION_TRAFFIC_SHIFT: ``) starts the first label."""
    interval_name = ecs_engine.CANARY_WAIT_WORDS if params.engine == "ecs" else ""
    for index, step in enumerate(shift_steps(params.routing, interval_name)):
        clock.advance(step.wait_seconds)
        clock.green = step.green_percent
        clock.mark(f"{stage if index == 0 else ''}{step.words}")


def _ready_wait_label(params: ReleaseParams) -> str:
    wait = duration_text(params.ready_wait_minutes * 60)
    if params.engine == "ecs":
        pause = f"{ecs_engine.READY_WAIT_STAGE}: ready wait (PAUSE hook)"
        if params.ready_action_on_timeout == ecs_engine.TIMEOUT_ACTION["continue"]:
            return f"{pause}: green held {wait} for `bluegreen continue`, then traffic shifts on its own"
        return (
            f"{pause}: green held up to {wait} for `bluegreen continue`, else ECS rolls back "
            "(assumed: go-ahead at the end)"
        )
    if params.ready_action_on_timeout == "STOP_DEPLOYMENT":
        return (
            f"ready wait: green held up to {wait} for `aws deploy continue-deployment`, else the "
            "deployment stops (assumed: go-ahead at the end)"
        )
    return f"ready wait: green held {wait}, then traffic shifts on its own"


def _ready_wait(c: _Clock, params: ReleaseParams) -> None:
    """Green held on test traffic before production moves, when a ready wait is set."""
    if params.ready_wait_minutes > 0:
        c.mark(_ready_wait_label(params))
        c.advance(params.ready_wait_minutes * 60)


def duration_of(params: ReleaseParams) -> ReleaseDuration:
    """The shared duration model (``specs.release_duration``) for a stack's declared settings."""
    return release_duration(
        routing=params.routing,
        ready_wait_minutes=params.ready_wait_minutes,
        termination_wait_minutes=params.termination_wait_minutes,
        health_check_interval_seconds=params.health_check_interval_seconds,
        healthy_threshold=params.healthy_threshold,
        start_period_seconds=params.start_period_seconds,
        task_count=params.desired_count,
        hooks=[_hook_span(h) for h in params.hooks if h.event not in NOT_ON_THE_TIMELINE],
        deregistration_delay_seconds=params.deregistration_delay_seconds,
        stop_timeout_seconds=params.stop_timeout_seconds,
    )


def _warnings(params: ReleaseParams, duration: ReleaseDuration) -> tuple[list[str], list[str]]:
    warnings: list[str] = []
    notes: list[str] = []
    finding = alarm_window_finding(params.termination_wait_minutes * 60, params.alarms)
    if finding is not None:
        alarm = finding.alarm
        setting = (
            "terminationWaitMinutes, the service's bakeTimeInMinutes"
            if params.engine == "ecs"
            else "terminationWaitMinutes"
        )
        warnings.append(
            f"rollback window too short: blue is kept {duration_text(int(finding.window_seconds))} after "
            f"100 % on green, but alarm {alarm.name} needs {alarm.period_seconds} s x "
            f"({alarm.evaluation_periods} evaluation periods + the one a breach starts in) = "
            f"{duration_text(finding.evaluation_seconds)} to fire; an alarm "
            f"firing right after the shift could no longer roll back instantly (raise {setting} to at "
            f"least {finding.minutes_needed})"
        )
    worst_case = duration.worst_case_seconds
    if worst_case > params.release_timeout_minutes * 60:
        warnings.append(
            f"release timeout too short: the worst case takes {clock(worst_case)}, the release resource "
            f"gives up after {params.release_timeout_minutes} min, so `pulumi up` could fail a release "
            f"that would still succeed (raise release.timeoutMinutes to at least "
            f"{math.ceil(worst_case / 60)})"
        )
    warnings.extend(_engine_limits(params))
    if params.engine == "ecs":
        notes.extend(_ecs_hook_notes(params))
    if params.deregistration_delay_seconds >= ALB_DEFAULT_DEREGISTRATION_DELAY_SECONDS:
        notes.append(
            f"deregistration delay {params.deregistration_delay_seconds} s (AWS's default is "
            f"{ALB_DEFAULT_DEREGISTRATION_DELAY_SECONDS} s) slows every release: blue drains that long "
            "before its tasks stop; keep it just above the slowest request"
        )
    return warnings, notes


def _engine_limits(params: ReleaseParams) -> list[str]:
    """The engine's own limits, checked by its module (under ECS the same check the config
    rejects a stack with)."""
    if params.engine == "ecs":
        breaches = ecs_engine.limit_breaches(
            params.routing, params.termination_wait_minutes, params.ready_wait_minutes
        )
        return [ecs_engine.limit_warning(breach) for breach in breaches]
    hooks = [(f"{h.event}: {h.function_name}", h.timeout_seconds) for h in params.hooks]
    over = codedeploy_engine.limit_breaches(hooks, params.ready_wait_minutes, params.termination_wait_minutes)
    return [codedeploy_engine.limit_warning(breach) for breach in over]


def _ecs_hook_notes(params: ReleaseParams) -> list[str]:
    notes = []
    for hook in params.hooks:
        if hook.event in NOT_ON_THE_TIMELINE:
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
    return notes


def _green_up(c: _Clock, params: ReleaseParams, duration: ReleaseDuration) -> None:
    """Green's tasks start and pass the target group's health checks."""
    c.spend(duration.green_running)
    c.mark(f"green tasks running (image pull and start, assumed {PROVISION_SECONDS} s)")
    c.spend(duration.green_healthy)
    interval = params.health_check_interval_seconds
    checks = f"{params.healthy_threshold} checks x {interval} s"
    slow_start = f"{params.start_period_seconds} s startPeriod + " if params.start_period_seconds else ""
    tasks = params.desired_count
    typical = (
        "first passing check, typically half"
        if tasks == 1
        else f"first passing check of all {tasks} tasks, typically {tasks}/{tasks + 1}"
    )
    c.mark(f"green healthy ({typical} of a {interval} s interval; at the latest {slow_start}{checks})")


def _blue_kept(c: _Clock, params: ReleaseParams, label: str) -> None:
    window = params.termination_wait_minutes * 60
    if window > 0:
        c.mark(label)
        c.advance(window)


def _blue_goes(c: _Clock, params: ReleaseParams, duration: ReleaseDuration, terminating: str) -> None:
    c.mark(f"{terminating}: its targets drain ({params.deregistration_delay_seconds} s deregistration delay)")
    c.advance(duration.draining_seconds)
    c.mark(f"blue tasks get SIGTERM (at most {params.stop_timeout_seconds} s to exit, then SIGKILL)")
    c.spend(duration.blue_exit)
    c.mark("blue gone: deployment complete")


def _codedeploy_events(c: _Clock, params: ReleaseParams, duration: ReleaseDuration) -> None:
    if params.hook("BeforeInstall") is None:
        c.mark("deployment starts: green task set launching")
    else:
        c.mark("deployment starts")
        _run_hook(c, params, "BeforeInstall")
        c.mark("green task set launching")
    _green_up(c, params, duration)
    _run_hook(c, params, "AfterInstall")
    c.mark("test listener points at green")
    _run_hook(c, params, "AfterAllowTestTraffic")
    _ready_wait(c, params)
    _run_hook(c, params, "BeforeAllowTraffic")
    _shift(c, params)
    _run_hook(c, params, "AfterAllowTraffic")
    window = duration_text(params.termination_wait_minutes * 60)
    _blue_kept(c, params, f"blue kept {window} (still running: the instant-rollback window)")
    _blue_goes(c, params, duration, "blue task set terminating")


def _ecs_events(c: _Clock, params: ReleaseParams, duration: ReleaseDuration) -> None:
    if not params.hooks_at("PRE_SCALE_UP"):
        c.mark("deployment starts: SCALE_UP, green service revision launching its tasks")
    else:
        c.mark("deployment starts")
        _run_hook(c, params, "PRE_SCALE_UP")
        c.mark("SCALE_UP: green service revision launching its tasks")
    _green_up(c, params, duration)
    _run_hook(c, params, "POST_SCALE_UP")
    c.mark("TEST_TRAFFIC_SHIFT: test listener rule points at green")
    _run_hook(c, params, "TEST_TRAFFIC_SHIFT")
    _run_hook(c, params, "POST_TEST_TRAFFIC_SHIFT")
    _ready_wait(c, params)
    _run_hook(c, params, "PRODUCTION_TRAFFIC_SHIFT")
    _shift(c, params, "PRODUCTION_TRAFFIC_SHIFT: ")
    _run_hook(c, params, "POST_PRODUCTION_TRAFFIC_SHIFT")
    window = duration_text(params.termination_wait_minutes * 60)
    _blue_kept(
        c, params, f"BAKE_TIME: blue kept {window} (still running: a wired alarm still rolls back to it)"
    )
    _blue_goes(c, params, duration, "CLEAN_UP: blue service revision scaling down")


def build_timeline(params: ReleaseParams) -> Timeline:
    """The events of one successful release, typical and latest times, and what to watch.

    The clock walks the phases of the shared duration model, so the timeline's last event is
    the model's typical and worst case (tests/preview/test_timeline.py holds them equal).
    """
    c = _Clock()
    duration = duration_of(params)
    if params.engine == "ecs":
        _ecs_events(c, params, duration)
    else:
        _codedeploy_events(c, params, duration)
    warnings, notes = _warnings(params, duration)
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
