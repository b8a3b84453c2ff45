"""build_timeline: the release's events, computed by hand from the model in preview/timeline.py
and specs/release_duration.py.

Model constants used below: green tasks run PROVISION_SECONDS (30) after launch, a hook
typically takes TYPICAL_HOOK_SECONDS (10) and at worst its Lambda timeout, a drained blue
task typically exits TYPICAL_EXIT_SECONDS (5) after SIGTERM and at worst at stopTimeout.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from preview.release_params import (
    AlarmParams,
    HookParams,
    ReleaseParams,
    extract_release_params,
)
from preview.timeline import Timeline, build_timeline, clock, duration_of, format_timeline
from specs import codedeploy_engine
from specs import release_duration as rd
from specs.traffic_routing import TrafficRouting
from stack_config.loader import load_settings
from tests.run_cache import run_stack
from tests.stack_config.support import PROJECT, ROOT, stack_raw_config

CANARY_10_5 = TrafficRouting("canary", 10, 5, "CodeDeployDefault.ECSCanary10Percent5Minutes")
SMOKE = HookParams("AfterAllowTestTraffic", "smoke", 90)

PROD = ReleaseParams(
    stack="prod",
    health_check_interval_seconds=30,
    healthy_threshold=2,
    unhealthy_threshold=2,
    deregistration_delay_seconds=30,
    container_health_check=True,
    start_period_seconds=60,
    stop_timeout_seconds=30,
    routing=CANARY_10_5,
    termination_wait_minutes=5,
    ready_action_on_timeout="CONTINUE_DEPLOYMENT",
    ready_wait_minutes=0,
    alarms=(AlarmParams("cpu-high", 60, 2), AlarmParams("target-5xx", 60, 2)),
    hooks=(SMOKE,),
    release_timeout_minutes=60,
    desired_count=2,
)


def params(**changes: Any) -> ReleaseParams:
    return replace(PROD, **changes)


def times(timeline: Timeline) -> list[tuple[int, int, int]]:
    """(typical, latest, green %) of every event."""
    return [(e.at_seconds, e.latest_seconds, e.green_percent) for e in timeline.events]


def test_the_model_constants_the_hand_computations_rely_on() -> None:
    assert (rd.PROVISION_SECONDS, rd.TYPICAL_HOOK_SECONDS, rd.TYPICAL_EXIT_SECONDS) == (30, 10, 5)
    assert (codedeploy_engine.HOOK_LIMIT_MINUTES, codedeploy_engine.MAX_WAIT_MINUTES) == (60, 2880)


def test_prod_seed_event_by_event() -> None:
    timeline = build_timeline(PROD)
    # typical: provision 30, healthy at the later of the 2 tasks' first checks, 2/3 of a 30 s
    # interval +20 = 50, hook +10 = 60, canary +300 = 360, termination wait +300 = 660,
    # drain +30 = 690, exit +5 = 695.
    # latest: healthy 30 + startPeriod 60 + 2 x 30 = 150, hook +90 = 240, canary +300 = 540,
    # termination wait +300 = 840, drain +30 = 870, exit at stopTimeout +30 = 900.
    expected = [
        (0, 0, 0, "deployment starts: green task set launching"),
        (30, 30, 0, "green tasks running"),
        (
            50,
            150,
            0,
            "green healthy (first passing check of all 2 tasks, typically 2/3 of a 30 s interval; "
            "at the latest 60 s startPeriod + 2 checks x 30 s)",
        ),
        (50, 150, 0, "test listener points at green"),
        (50, 150, 0, "AfterAllowTestTraffic hook smoke"),
        (60, 240, 10, "10 % of production on green"),
        (360, 540, 100, "100 % of production on green"),
        (360, 540, 100, "blue kept 5 min"),
        (660, 840, 100, "blue task set terminating"),
        (690, 870, 100, "blue tasks get SIGTERM"),
        (695, 900, 100, "blue gone"),
    ]
    assert len(timeline.events) == len(expected)
    for event, (at, latest, green, label) in zip(timeline.events, expected, strict=True):
        assert (event.at_seconds, event.latest_seconds, event.green_percent) == (at, latest, green), label
        assert event.label.startswith(label)
    assert (timeline.typical_seconds, timeline.worst_case_seconds) == (695, 900)
    assert timeline.rollback_window_seconds == 300
    assert timeline.warnings == () and timeline.notes == ()


def test_prod_extracted_from_the_program_gives_the_same_timeline() -> None:
    extracted = extract_release_params(run_stack("prod"))
    assert times(build_timeline(extracted)) == times(build_timeline(PROD))
    assert build_timeline(extracted).warnings == ()


def _shifts(timeline: Timeline) -> list[tuple[int, int, int]]:
    return [
        (e.at_seconds, e.latest_seconds, e.green_percent)
        for e in timeline.events
        if "of production on green" in e.label
    ]


def test_linear_10_percent_every_minute() -> None:
    timeline = build_timeline(
        params(
            routing=TrafficRouting("linear", 10, 1, "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"),
            hooks=(),
        )
    )
    # no hook: the first shift when green is healthy (50, latest 150), then +60 s per step.
    assert _shifts(timeline) == [(50 + 60 * k, 150 + 60 * k, 10 * (k + 1)) for k in range(10)]
    # 100 % at 590 / 690; + 300 wait + 30 drain + 5 / 30 exit
    assert (timeline.typical_seconds, timeline.worst_case_seconds) == (925, 1050)


def test_linear_33_percent_every_2_minutes_caps_the_last_step_at_100() -> None:
    timeline = build_timeline(
        params(routing=TrafficRouting("linear", 33, 2, "x-linear-33pct-2min"), hooks=())
    )
    assert _shifts(timeline) == [(50, 150, 33), (170, 270, 66), (290, 390, 99), (410, 510, 100)]
    assert [e.label for e in timeline.events if "of production" in e.label][-1].startswith(
        "100 % of production on green (linear step 4 of 4)"
    )


def test_all_at_once() -> None:
    timeline = build_timeline(
        params(routing=TrafficRouting("all-at-once", None, None, "CodeDeployDefault.ECSAllAtOnce"), hooks=())
    )
    assert _shifts(timeline) == [(50, 150, 100)]
    # 50 + 300 + 30 + 5 = 385; 150 + 300 + 30 + 30 = 510
    assert (timeline.typical_seconds, timeline.worst_case_seconds) == (385, 510)


@pytest.mark.parametrize("action", ["CONTINUE_DEPLOYMENT", "STOP_DEPLOYMENT"])
def test_ready_wait_holds_green_before_the_first_shift(action: str) -> None:
    timeline = build_timeline(params(ready_wait_minutes=10, ready_action_on_timeout=action))
    wait = next(e for e in timeline.events if e.label.startswith("ready wait"))
    # after the hook: 60 / 240; the first shift 600 s later
    assert (wait.at_seconds, wait.latest_seconds) == (60, 240)
    assert _shifts(timeline)[0] == (660, 840, 10)
    assert ("continue-deployment" in wait.label) is (action == "STOP_DEPLOYMENT")


def test_no_termination_wait_means_no_rollback_window_event() -> None:
    timeline = build_timeline(params(termination_wait_minutes=0, alarms=()))
    assert not any(e.label.startswith("blue kept") for e in timeline.events)
    assert timeline.rollback_window_seconds == 0
    # 30 provision + 20 first checks (the later of 2 tasks': 2/3 of a 30 s interval) + 10 hook
    # + 300 canary + 30 drain + 5 exit = 395; 30 + 60 start period + 2 x 30 + 90 + 300 + 30 + 30 = 600
    assert (timeline.typical_seconds, timeline.worst_case_seconds) == (395, 600)


def test_every_hook_runs_in_codedeploy_order() -> None:
    hooks = tuple(
        HookParams(event, f"fn-{event}", 60)
        for event in (
            "BeforeInstall",
            "AfterInstall",
            "AfterAllowTestTraffic",
            "BeforeAllowTraffic",
            "AfterAllowTraffic",
        )
    )
    timeline = build_timeline(params(hooks=hooks, routing=TrafficRouting("all-at-once", None, None, "a")))
    hook_events = [
        (e.label.split(" ")[0], e.at_seconds, e.latest_seconds)
        for e in timeline.events
        if " hook " in e.label
    ]
    # BeforeInstall at 0; launch then at 10 / 60; running 40 / 90; healthy 60 / 210
    # (typical: + 2/3 of a 30 s interval to the later of the 2 tasks' first checks; latest:
    # + 60 start period + 2 x 30 checks); AfterInstall there; test listener 70 / 270;
    # AfterAllowTestTraffic there; BeforeAllowTraffic 80 / 330; 100 % at 90 / 390;
    # AfterAllowTraffic there.
    assert hook_events == [
        ("BeforeInstall", 0, 0),
        ("AfterInstall", 60, 210),
        ("AfterAllowTestTraffic", 70, 270),
        ("BeforeAllowTraffic", 80, 330),
        ("AfterAllowTraffic", 90, 390),
    ]
    # + 10 / 60 for AfterAllowTraffic, + 300 wait, + 30 drain, + 5 / 30 exit
    assert (timeline.typical_seconds, timeline.worst_case_seconds) == (435, 810)


def test_a_slow_start_without_a_container_health_check_adds_nothing() -> None:
    timeline = build_timeline(params(container_health_check=False, start_period_seconds=0, hooks=()))
    healthy = next(e for e in timeline.events if e.label.startswith("green healthy"))
    # typical 30 + 2/3 of a 30 s interval (2 tasks); latest 30 + 2 x 30 checks, no start period on top
    assert (healthy.at_seconds, healthy.latest_seconds) == (50, 90)
    assert healthy.label == (
        "green healthy (first passing check of all 2 tasks, typically 2/3 of a 30 s interval; "
        "at the latest 2 checks x 30 s)"
    )


def test_green_healthy_waits_for_the_latest_first_check_of_all_its_tasks() -> None:
    """The release waits for every green task: the later first checks of more tasks, typically
    interval x N / (N + 1) after green runs (rounded up), the latest unchanged."""
    found = []
    for tasks in (1, 2, 3):
        timeline = build_timeline(params(desired_count=tasks))
        healthy = next(e for e in timeline.events if e.label.startswith("green healthy"))
        found.append((healthy.at_seconds, healthy.latest_seconds, timeline.typical_seconds))
        if tasks == 1:
            assert healthy.label.startswith("green healthy (first passing check, typically half of a 30 s")
        else:
            assert healthy.label.startswith(
                f"green healthy (first passing check of all {tasks} tasks, "
                f"typically {tasks}/{tasks + 1} of a 30 s"
            )
    # 30 provision + 15 (1 task), 20 (2 tasks), 23 (3 tasks: 22.5 rounded up); the release as much later
    assert found == [(45, 150, 690), (50, 150, 695), (53, 150, 698)]


# --- warnings ---------------------------------------------------------------------------


def _has(timeline: Timeline, text: str) -> bool:
    return any(text in warning for warning in timeline.warnings)


def test_rollback_window_shorter_than_the_slowest_alarm_warns() -> None:
    timeline = build_timeline(params(termination_wait_minutes=1, alarms=(AlarmParams("slow", 60, 3),)))
    assert _has(timeline, "rollback window too short")
    assert _has(
        timeline, "alarm slow needs 60 s x (3 evaluation periods + the one a breach starts in) = 4 min"
    )
    assert _has(timeline, "(raise terminationWaitMinutes to at least 4)")


def test_rollback_window_equal_to_the_slowest_alarm_does_not_warn() -> None:
    # 60 s x (3 + 1) = 4 min
    timeline = build_timeline(params(termination_wait_minutes=4, alarms=(AlarmParams("slow", 60, 3),)))
    assert not _has(timeline, "rollback window")


def test_no_wired_alarms_no_rollback_warning() -> None:
    assert not _has(build_timeline(params(termination_wait_minutes=0, alarms=())), "rollback window")


def test_dev_seed_keeps_blue_as_long_as_its_alarms_need() -> None:
    timeline = build_timeline(extract_release_params(run_stack("dev")))
    assert timeline.warnings == ()
    assert timeline.rollback_window_seconds == 180  # 60 s x (2 + 1)


def test_dev_with_a_one_minute_rollback_window_warns() -> None:
    # The config rejects terminationWaitMinutes 1 with these alarms, so the dev stack's params
    # are given the one-minute window directly.
    dev = extract_release_params(run_stack("dev"))
    timeline = build_timeline(replace(dev, termination_wait_minutes=1))
    assert _has(timeline, "blue is kept 1 min after 100 % on green")
    assert _has(timeline, "needs 60 s x (2 evaluation periods + the one a breach starts in) = 3 min")
    assert len(timeline.warnings) == 1


def test_worst_case_longer_than_the_release_timeout_warns() -> None:
    # worst case 900 s = 15 min
    assert _has(build_timeline(params(release_timeout_minutes=14)), "release timeout too short")
    assert not _has(build_timeline(params(release_timeout_minutes=15)), "release timeout")


def test_release_timeout_that_config_validation_accepts_can_still_be_too_short() -> None:
    # validation only asks for more than readyWait + shifting + termination wait (0 + 5 + 5)
    timeline = build_timeline(extract_release_params(run_stack("prod", {"release": {"timeoutMinutes": 11}})))
    assert _has(timeline, "the worst case takes 15:00")
    assert _has(timeline, "gives up after 11 min")


def test_dev_with_a_slow_linear_release_and_a_long_timeout() -> None:
    run = run_stack(
        "dev",
        {
            "deployment": {
                "strategy": "linear",
                "percentage": 33,
                "intervalMinutes": 2,
                "readyWaitMinutes": 10,
            },
            "release": {"timeoutMinutes": 120},
        },
    )
    timeline = build_timeline(extract_release_params(run))
    # healthy 30 + half a 10 s interval = 35 (latest 30 + 60 start period + 2 x 10 = 110), ready
    # wait 600, 3 x 120 shifting, termination wait 300, drain 10, exit 5 / 30
    assert _shifts(timeline) == [(635, 710, 33), (755, 830, 66), (875, 950, 99), (995, 1070, 100)]
    assert (timeline.typical_seconds, timeline.worst_case_seconds) == (1310, 1410)
    assert timeline.warnings == ()


def test_hook_timeout_beyond_codedeploys_limit_warns() -> None:
    over = build_timeline(params(hooks=(HookParams("AfterAllowTestTraffic", "slow", 3601),)))
    at_limit = build_timeline(
        params(hooks=(HookParams("AfterAllowTestTraffic", "slow", 3600),), release_timeout_minutes=90)
    )
    assert _has(over, "60-minute hook limit")
    assert not _has(at_limit, "hook limit")


@pytest.mark.parametrize("field", ["ready_wait_minutes", "termination_wait_minutes"])
def test_waits_beyond_codedeploys_maximum_warn(field: str) -> None:
    over = build_timeline(params(**{field: 2881}))
    at_max = build_timeline(params(**{field: 2880}))
    assert _has(over, "exceeds CodeDeploy's maximum of 2880 min")
    assert not _has(at_max, "maximum of 2880")


def test_awss_default_deregistration_delay_gets_a_note_not_a_warning() -> None:
    timeline = build_timeline(params(deregistration_delay_seconds=300))
    assert any("slows every release" in note for note in timeline.notes)
    assert timeline.warnings == ()


def test_a_deregistration_delay_above_stop_timeout_is_fine() -> None:
    timeline = build_timeline(params(deregistration_delay_seconds=120, stop_timeout_seconds=30))
    assert timeline.warnings == () and timeline.notes == ()


# --- formatting -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0:00"), (59, "0:59"), (90, "1:30"), (3599, "59:59"), (3600, "1:00:00"), (3725, "1:02:05")],
)
def test_clock(seconds: int, text: str) -> None:
    assert clock(seconds) == text


def test_format_timeline_for_dev() -> None:
    lines = format_timeline(build_timeline(extract_release_params(run_stack("dev"))))
    assert lines[:9] == [
        "  0:00  deployment starts: green task set launching",
        "  0:30  green tasks running (image pull and start, assumed 30 s)",
        "  0:35  green healthy (first passing check, typically half of a 10 s interval; at the latest"
        " 60 s startPeriod + 2 checks x 10 s)  [latest 1:50]",
        "  0:35  test listener points at green  [latest 1:50]",
        "  0:35  100 % of production on green (all at once)  [latest 1:50]",
        "  0:35  blue kept 3 min (still running: the instant-rollback window)  [latest 1:50]",
        "  3:35  blue task set terminating: its targets drain (10 s deregistration delay)  [latest 4:50]",
        "  3:45  blue tasks get SIGTERM (at most 30 s to exit, then SIGKILL)  [latest 5:00]",
        "  3:50  blue gone: deployment complete  [latest 5:30]",
    ]
    assert lines[9] == "  typical 3:50, worst case 5:30; release timeout 20:00"
    assert len(lines) == 10


def test_format_timeline_aligns_times_past_ten_minutes() -> None:
    lines = format_timeline(build_timeline(PROD))
    assert lines[0] == "   0:00  deployment starts: green task set launching"
    assert lines[10] == "  11:35  blue gone: deployment complete  [latest 15:00]"


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"routing": TrafficRouting("linear", 33, 2, "x"), "ready_wait_minutes": 10},
        {
            "routing": TrafficRouting("all-at-once", None, None, "a"),
            "hooks": (),
            "termination_wait_minutes": 0,
        },
        {
            "hooks": tuple(
                HookParams(event, f"h-{event}", 120) for event in ("BeforeInstall", "AfterAllowTraffic")
            )
        },
        {
            "engine": "ecs",
            "hooks": (HookParams("POST_SCALE_UP", "s", 90, 6, 15), HookParams("RECONCILE_SERVICE", "r", 9)),
        },
    ],
    ids=["prod", "linear-ready-wait", "all-at-once-no-hooks", "codedeploy-hooks", "ecs-hooks"],
)
def test_the_timeline_walks_the_shared_duration_model(changes: dict[str, Any]) -> None:
    """One model: the timeline's last event is the model's typical and worst case, and the
    config's minimum (ready wait + shifting + blue kept) is the model's too."""
    p = params(**changes)
    timeline, duration = build_timeline(p), duration_of(p)
    assert (timeline.typical_seconds, timeline.worst_case_seconds) == (
        duration.typical_seconds,
        duration.worst_case_seconds,
    )
    assert duration.minimum_seconds == 60 * rd.minimum_release_minutes(
        p.ready_wait_minutes, p.routing, p.termination_wait_minutes
    )


def test_the_config_minimum_and_the_preview_worst_case_come_from_one_model() -> None:
    """The config rejects a timeout at or below the minimum; the preview warns below the worst case."""
    settings = load_settings(stack_raw_config("prod"), project=PROJECT, stack="prod", project_dir=ROOT)
    p = extract_release_params(run_stack("prod"))
    duration = duration_of(p)
    assert settings.deployment.minimum_minutes * 60 == duration.minimum_seconds
    assert duration.minimum_seconds < duration.worst_case_seconds <= p.release_timeout_minutes * 60
