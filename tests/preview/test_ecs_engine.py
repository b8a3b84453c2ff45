"""The preview under `deployment.controller: ecs`: release params and timeline, computed by hand.

Under the ECS engine there is no CodeDeploy group or release: the routing, the bake time,
the alarms and the lifecycle hooks come from the service's deploymentConfiguration and
alarms, the release timeout from the ServiceRelease. Model constants as in
test_timeline.py: provisioning 30 s, a hook typically 10 s, a drained blue task exits 5 s
after SIGTERM (at worst at its stopTimeout). The bundled smoke test, under ECS, may answer
IN_PROGRESS up to MAX_IN_PROGRESS (6) times, CALLBACK_DELAY_SECONDS (15) apart, so its worst
case is 7 invocations x its 90 s timeout + 6 x 15 s = 720 s.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from hooks.smoke_test.config import DEFAULTS as SMOKE_TEST_DEFAULTS
from preview.engine import ProgramRun, Recorded, stack_value
from preview.release_params import (
    AlarmParams,
    HookParams,
    ReleaseParams,
    extract_release_params,
)
from preview.timeline import Timeline, build_timeline, format_timeline
from specs.release_model import ECS_LIFECYCLE_STAGES as ECS_HOOK_STAGES
from specs.release_model import LIFECYCLE_STAGE
from specs.traffic_routing import TrafficRouting
from tests.run_cache import run_stack

SERVICE = "aws:ecs/service:Service"
LAMBDA = "aws:lambda/function:Function"
CANARY = {
    "controller": "ecs",
    "strategy": "canary",
    "percentage": 10,
    "intervalMinutes": 5,
    "terminationWaitMinutes": 5,
}
ALL_HOOKS = [
    "BeforeInstall",
    "AfterInstall",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AfterAllowTraffic",
]


def ecs_run(stack: str, overrides: dict[str, Any] | None = None, **deployment: Any) -> ProgramRun:
    return run_stack(stack, {"deployment": {**CANARY, **deployment}, **(overrides or {})})


def every_hook(stack: str) -> dict[str, Any]:
    """The stack's hooks settings (same checks, so the same 90 s timeout) at every hook point."""
    return {"hooks": {**stack_value(stack, "hooks"), "lifecycleEvents": ALL_HOOKS}}


@pytest.fixture(scope="module")
def prod_ecs() -> ProgramRun:
    return ecs_run("prod")


@pytest.fixture(scope="module")
def prod_codedeploy() -> ProgramRun:
    return run_stack("prod")


def _alarms(prefix: str) -> tuple[AlarmParams, ...]:
    kinds = (
        "cpu-high",
        "target-5xx",
        "response-time-blue",
        "response-time-green",
        "unhealthy-blue",
        "unhealthy-green",
    )
    return tuple(AlarmParams(f"{prefix}-{kind}", 60, 2) for kind in kinds)


SMOKE_ECS = HookParams("POST_TEST_TRAFFIC_SHIFT", "my-app-prod-smoke-test", 90, 6, 15)

PROD_ECS = ReleaseParams(
    stack="prod",
    health_check_interval_seconds=30,
    healthy_threshold=2,
    unhealthy_threshold=2,
    deregistration_delay_seconds=30,
    container_health_check=True,
    start_period_seconds=60,
    stop_timeout_seconds=30,
    routing=TrafficRouting("canary", 10, 5, "ECS CANARY 10% then 100% after 5 min"),
    termination_wait_minutes=5,
    ready_action_on_timeout="CONTINUE_DEPLOYMENT",
    ready_wait_minutes=0,
    alarms=_alarms("my-app-prod"),
    hooks=(SMOKE_ECS,),
    release_timeout_minutes=60,
    desired_count=2,
    engine="ecs",
)


def times(timeline: Timeline) -> list[tuple[int, int, float]]:
    return [(e.at_seconds, e.latest_seconds, e.green_percent) for e in timeline.events]


def _has(timeline: Timeline, text: str) -> bool:
    return any(text in warning for warning in timeline.warnings)


# --- release params -----------------------------------------------------------------------


def test_the_bundled_hooks_retry_defaults_the_hand_computations_rely_on() -> None:
    assert (SMOKE_TEST_DEFAULTS["MAX_IN_PROGRESS"], SMOKE_TEST_DEFAULTS["CALLBACK_DELAY_SECONDS"]) == (
        "6",
        "15",
    )
    assert SMOKE_ECS.invocations == 7
    assert SMOKE_ECS.worst_case_seconds == 7 * 90 + 6 * 15 == 720


def test_prod_ecs_params_come_from_the_service_and_the_service_release(prod_ecs: ProgramRun) -> None:
    assert extract_release_params(prod_ecs) == PROD_ECS


def test_the_same_stack_under_codedeploy_differs_only_where_the_engines_differ(
    prod_ecs: ProgramRun, prod_codedeploy: ProgramRun
) -> None:
    ecs, codedeploy = extract_release_params(prod_ecs), extract_release_params(prod_codedeploy)
    assert codedeploy.engine == "codedeploy"
    assert codedeploy.hooks == (HookParams("AfterAllowTestTraffic", "my-app-prod-smoke-test", 90),)
    assert codedeploy.hooks[0].worst_case_seconds == 90  # CodeDeploy: one invocation, it reports
    assert (
        replace(
            ecs,
            engine="codedeploy",
            routing=codedeploy.routing,
            hooks=codedeploy.hooks,
        )
        == codedeploy
    )


def test_ecs_linear_params() -> None:
    params = extract_release_params(
        ecs_run("dev", strategy="linear", percentage=10, intervalMinutes=1, terminationWaitMinutes=3)
    )
    assert params.routing == TrafficRouting("linear", 10, 1, "ECS LINEAR 10% every 1 min")
    assert (params.engine, params.termination_wait_minutes, params.hooks) == ("ecs", 3, ())
    assert params.alarms == _alarms("my-app-dev")
    assert params.release_timeout_minutes == 20


def test_ecs_blue_green_params() -> None:
    run = run_stack("dev", {"deployment": {"controller": "ecs", "strategy": "all-at-once"}})
    params = extract_release_params(run)
    assert params.routing == TrafficRouting("all-at-once", None, None, "ECS BLUE_GREEN 100% at once")
    assert params.termination_wait_minutes == 5  # the whole deployment object was replaced: default


def test_ecs_alarms_are_wired_only_with_enable_and_rollback() -> None:
    run = ecs_run("dev", {"alarms": {"rollbackOnAlarm": False}})
    assert run.one(SERVICE).inputs.get("alarms") is None
    assert extract_release_params(run).alarms == ()


def test_the_ecs_hook_stages_map_from_the_configs_codedeploy_names() -> None:
    params = extract_release_params(ecs_run("prod", every_hook("prod")))
    # The config names CodeDeploy's hooks; the service names ECS's stages; the preview shows the stages.
    assert [h.event for h in params.hooks] == [
        "PRE_SCALE_UP",
        "POST_SCALE_UP",
        "POST_TEST_TRAFFIC_SHIFT",
        "PRODUCTION_TRAFFIC_SHIFT",
        "POST_PRODUCTION_TRAFFIC_SHIFT",
    ]
    assert [h.event for h in params.hooks] == [LIFECYCLE_STAGE[name] for name in ALL_HOOKS]
    assert {
        (h.function_name, h.timeout_seconds, h.max_in_progress, h.callback_delay_seconds)
        for h in params.hooks
    } == {("my-app-prod-smoke-test", 90, 6, 15)}


# --- stand-in runs: resources edited ---------------------------------------------------------


@dataclass
class FakeRun:
    stack: str
    resources: list[Recorded] = field(default_factory=list)


def _edited(run: ProgramRun, type_: str, edit: Any) -> FakeRun:
    resources = [copy.deepcopy(r) for r in run.resources]
    for resource in resources:
        if resource.type == type_:
            edit(resource)
    return FakeRun(run.stack, resources)


def _without(run: ProgramRun, type_: str) -> FakeRun:
    return FakeRun(run.stack, [copy.deepcopy(r) for r in run.resources if r.type != type_])


def _stages(resource: Recorded) -> list[str]:
    stages: list[str] = resource.inputs["deploymentConfiguration"]["lifecycleHooks"][0]["lifecycleStages"]
    return stages


def test_hooks_are_ordered_by_ecs_stage_and_test_traffic_shift_has_its_place(prod_ecs: ProgramRun) -> None:
    run = _edited(
        prod_ecs,
        SERVICE,
        lambda r: _stages(r).extend(["POST_PRODUCTION_TRAFFIC_SHIFT", "TEST_TRAFFIC_SHIFT"]),
    )
    params = extract_release_params(run)
    assert [h.event for h in params.hooks] == [
        "TEST_TRAFFIC_SHIFT",
        "POST_TEST_TRAFFIC_SHIFT",
        "POST_PRODUCTION_TRAFFIC_SHIFT",
    ]
    labels = [e.label for e in build_timeline(params).events]
    test_rule = labels.index("TEST_TRAFFIC_SHIFT: test listener rule points at green")
    assert labels[test_rule + 1].startswith("TEST_TRAFFIC_SHIFT hook my-app-prod-smoke-test runs")
    assert labels[test_rule + 2].startswith("POST_TEST_TRAFFIC_SHIFT hook")
    assert labels[test_rule + 3].startswith("PRODUCTION_TRAFFIC_SHIFT: 10 % of production on green")
    assert labels[test_rule + 5].startswith("POST_PRODUCTION_TRAFFIC_SHIFT hook")
    assert ECS_HOOK_STAGES.index("TEST_TRAFFIC_SHIFT") < ECS_HOOK_STAGES.index("POST_TEST_TRAFFIC_SHIFT")


def test_an_unknown_ecs_stage_is_named(prod_ecs: ProgramRun) -> None:
    run = _edited(prod_ecs, SERVICE, lambda r: _stages(r).append("AfterAllowTestTraffic"))
    with pytest.raises(ValueError, match="AfterAllowTestTraffic not ECS lifecycle stages"):
        extract_release_params(run)


def test_a_hook_target_without_its_lambda_is_named(prod_ecs: ProgramRun) -> None:
    with pytest.raises(ValueError, match=r"lifecycleHooks\[0\] targets .*my-app-prod-smoke-test"):
        extract_release_params(_without(prod_ecs, LAMBDA))


def test_the_bundled_hooks_retries_follow_its_environment(prod_ecs: ProgramRun) -> None:
    def retry_less(function: Recorded) -> None:
        function.inputs["environment"]["variables"].update(MAX_IN_PROGRESS="2", CALLBACK_DELAY_SECONDS="30")

    (hook,) = extract_release_params(_edited(prod_ecs, LAMBDA, retry_less)).hooks
    assert (hook.max_in_progress, hook.callback_delay_seconds) == (2, 30)
    assert hook.worst_case_seconds == 3 * 90 + 2 * 30


def test_another_functions_retries_are_unknown_and_noted(prod_ecs: ProgramRun) -> None:
    def foreign(function: Recorded) -> None:
        function.inputs["handler"] = "app.main"

    params = extract_release_params(_edited(prod_ecs, LAMBDA, foreign))
    (hook,) = params.hooks
    assert (hook.max_in_progress, hook.worst_case_seconds) == (None, 90)
    timeline = build_timeline(params)
    assert any("not the bundled smoke test" in note for note in timeline.notes)
    label = next(e.label for e in timeline.events if " hook " in e.label)
    assert "at most its 90 s timeout per invocation" in label and "IN_PROGRESS" in label


def test_a_reconcile_service_hook_is_noted_not_timed(prod_ecs: ProgramRun) -> None:
    params = extract_release_params(
        _edited(prod_ecs, SERVICE, lambda r: _stages(r).append("RECONCILE_SERVICE"))
    )
    assert params.hooks[0].event == "RECONCILE_SERVICE"
    timeline = build_timeline(params)
    assert times(timeline) == times(build_timeline(PROD_ECS))
    assert any("RECONCILE_SERVICE" in note for note in timeline.notes)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: r.inputs.pop("deploymentController"), "deploymentController.type is None"),
        (lambda r: r.inputs["deploymentConfiguration"].update(strategy="ROLLING"), "'ROLLING' is not"),
        (lambda r: r.inputs["deploymentConfiguration"].pop("bakeTimeInMinutes"), "bakeTimeInMinutes"),
        (
            lambda r: r.inputs["deploymentConfiguration"]["canaryConfiguration"].pop("canaryPercent"),
            "canaryPercent is missing",
        ),
        (
            lambda r: r.inputs["alarms"].update(alarmNames=["nobody-declared-this"]),
            "watches alarm 'nobody-declared-this'",
        ),
    ],
)
def test_ecs_service_mistakes_are_named(prod_ecs: ProgramRun, edit: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        extract_release_params(_edited(prod_ecs, SERVICE, edit))


def test_a_missing_service_release_is_named(prod_ecs: ProgramRun) -> None:
    with pytest.raises(ValueError, match="no release resource"):
        extract_release_params(_without(prod_ecs, "pulumi-python:dynamic/ecs:ServiceRelease"))


def test_resources_of_both_engines_at_once_are_a_wiring_mistake(
    prod_ecs: ProgramRun, prod_codedeploy: ProgramRun
) -> None:
    group = prod_codedeploy.one("aws:codedeploy/deploymentGroup:DeploymentGroup")
    with pytest.raises(ValueError, match=r"deployed by ECS .*:DeploymentGroup my-app-prod-group is declared"):
        extract_release_params(FakeRun("prod", [*prod_ecs.resources, group]))
    release = prod_ecs.one("pulumi-python:dynamic/ecs:ServiceRelease")
    with pytest.raises(
        ValueError, match=r"deployed by CodeDeploy .*:ServiceRelease my-app-prod-release is declared"
    ):
        extract_release_params(FakeRun("prod", [*prod_codedeploy.resources, release]))


def test_a_fractional_ecs_canary_is_kept(prod_ecs: ProgramRun) -> None:
    def half_percent(service: Recorded) -> None:
        service.inputs["deploymentConfiguration"]["canaryConfiguration"]["canaryPercent"] = 0.5

    params = extract_release_params(_edited(prod_ecs, SERVICE, half_percent))
    assert params.routing == TrafficRouting("canary", 0.5, 5, "ECS CANARY 0.5% then 100% after 5 min")
    first = next(e for e in build_timeline(params).events if "of production" in e.label)
    assert (first.green_percent, first.label) == (
        0.5,
        "PRODUCTION_TRAFFIC_SHIFT: 0.5 % of production on green (canary)",
    )


# --- timeline ---------------------------------------------------------------------------------


def test_prod_ecs_timeline_event_by_event(prod_ecs: ProgramRun) -> None:
    timeline = build_timeline(extract_release_params(prod_ecs))
    # typical: provision 30, healthy at the later of the 2 tasks' first checks, 2/3 of a 30 s
    # interval +20 = 50, hook +10 = 60, canary bake +300 = 360, bake time +300 = 660, drain +30 = 690,
    # exit +5 = 695.
    # latest: healthy 30 + startPeriod 60 + 2 x 30 = 150, hook +720 (7 x 90 + 6 x 15) = 870,
    # canary bake +300 = 1170, bake time +300 = 1470, drain +30 = 1500, exit at stopTimeout +30 = 1530.
    expected = [
        (0, 0, 0, "deployment starts: SCALE_UP, green service revision launching its tasks"),
        (30, 30, 0, "green tasks running (image pull and start, assumed 30 s)"),
        (
            50,
            150,
            0,
            "green healthy (first passing check of all 2 tasks, typically 2/3 of a 30 s interval; "
            "at the latest 60 s startPeriod + 2 checks x 30 s)",
        ),
        (50, 150, 0, "TEST_TRAFFIC_SHIFT: test listener rule points at green"),
        (
            50,
            150,
            0,
            "POST_TEST_TRAFFIC_SHIFT hook my-app-prod-smoke-test runs (typically 10 s; at most 12 min: "
            "7 invocations of up to 90 s, 15 s apart, while it answers IN_PROGRESS)",
        ),
        (60, 870, 10, "PRODUCTION_TRAFFIC_SHIFT: 10 % of production on green (canary)"),
        (360, 1170, 100, "100 % of production on green (after the 5 min canary bake)"),
        (360, 1170, 100, "BAKE_TIME: blue kept 5 min (still running: a wired alarm still rolls back to it)"),
        (
            660,
            1470,
            100,
            "CLEAN_UP: blue service revision scaling down: its targets drain (30 s deregistration delay)",
        ),
        (690, 1500, 100, "blue tasks get SIGTERM (at most 30 s to exit, then SIGKILL)"),
        (695, 1530, 100, "blue gone: deployment complete"),
    ]
    assert [(e.at_seconds, e.latest_seconds, e.green_percent, e.label) for e in timeline.events] == expected
    assert (timeline.typical_seconds, timeline.worst_case_seconds) == (695, 1530)
    assert (timeline.rollback_window_seconds, timeline.release_timeout_seconds) == (300, 3600)
    assert timeline.warnings == () and timeline.notes == ()


def test_prod_ecs_matches_the_codedeploy_timeline_except_for_the_hooks_retries(
    prod_ecs: ProgramRun, prod_codedeploy: ProgramRun
) -> None:
    ecs = build_timeline(extract_release_params(prod_ecs)).events
    codedeploy = build_timeline(extract_release_params(prod_codedeploy)).events
    assert len(ecs) == len(codedeploy) == 11
    # The same stages one for one: typical times and green's share agree everywhere.
    assert [(e.at_seconds, e.green_percent) for e in ecs] == [
        (e.at_seconds, e.green_percent) for e in codedeploy
    ]
    # Latest times agree until the hook; after it ECS's worst case is 720 - 90 = 630 s later.
    hook = next(i for i, e in enumerate(ecs) if " hook " in e.label)
    assert [e.latest_seconds for e in ecs[: hook + 1]] == [e.latest_seconds for e in codedeploy[: hook + 1]]
    assert [
        e.latest_seconds - c.latest_seconds
        for e, c in zip(ecs[hook + 1 :], codedeploy[hook + 1 :], strict=True)
    ] == [630] * 6
    # Where nothing is engine-specific the labels are the same.
    same = {1, 2, 9, 10}
    assert [ecs[i].label for i in same] == [codedeploy[i].label for i in same]
    assert codedeploy[0].label == "deployment starts: green task set launching"
    assert codedeploy[hook].label.startswith("AfterAllowTestTraffic hook my-app-prod-smoke-test runs")


def test_format_timeline_for_prod_under_ecs(prod_ecs: ProgramRun) -> None:
    assert format_timeline(build_timeline(extract_release_params(prod_ecs))) == [
        "   0:00  deployment starts: SCALE_UP, green service revision launching its tasks",
        "   0:30  green tasks running (image pull and start, assumed 30 s)",
        "   0:50  green healthy (first passing check of all 2 tasks, typically 2/3 of a 30 s interval; at the"
        " latest 60 s startPeriod + 2 checks x 30 s)  [latest 2:30]",
        "   0:50  TEST_TRAFFIC_SHIFT: test listener rule points at green  [latest 2:30]",
        "   0:50  POST_TEST_TRAFFIC_SHIFT hook my-app-prod-smoke-test runs (typically 10 s; at most 12 min: "
        "7 invocations of up to 90 s, 15 s apart, while it answers IN_PROGRESS)  [latest 2:30]",
        "   1:00  PRODUCTION_TRAFFIC_SHIFT: 10 % of production on green (canary)  [latest 14:30]",
        "   6:00  100 % of production on green (after the 5 min canary bake)  [latest 19:30]",
        "   6:00  BAKE_TIME: blue kept 5 min (still running: a wired alarm still rolls back to it)"
        "  [latest 19:30]",
        "  11:00  CLEAN_UP: blue service revision scaling down: its targets drain (30 s deregistration delay)"
        "  [latest 24:30]",
        "  11:30  blue tasks get SIGTERM (at most 30 s to exit, then SIGKILL)  [latest 25:00]",
        "  11:35  blue gone: deployment complete  [latest 25:30]",
        "  typical 11:35, worst case 25:30; release timeout 1:00:00",
    ]


def test_ecs_linear_10_percent_every_minute_on_dev() -> None:
    params = extract_release_params(
        ecs_run("dev", strategy="linear", percentage=10, intervalMinutes=1, terminationWaitMinutes=3)
    )
    timeline = build_timeline(params)
    # dev: healthy at the first check, 30 + half a 10 s interval = 35 (latest 30 + 60 start period
    # + 2 x 10 = 110); no hooks; then a step every 60 s.
    shifts = [
        (e.at_seconds, e.latest_seconds, e.green_percent)
        for e in timeline.events
        if "of production" in e.label
    ]
    assert shifts == [(35 + 60 * k, 110 + 60 * k, 10 * (k + 1)) for k in range(10)]
    labels = [e.label for e in timeline.events]
    assert labels[4] == "PRODUCTION_TRAFFIC_SHIFT: 10 % of production on green (linear step 1 of 10)"
    assert labels[5] == "20 % of production on green (linear step 2 of 10)"
    assert labels[13] == "100 % of production on green (linear step 10 of 10)"
    # 100 % at 575 / 650; + 180 bake + 10 drain + 5 / 30 exit
    assert (timeline.typical_seconds, timeline.worst_case_seconds) == (770, 870)
    assert timeline.warnings == ()


def test_ecs_blue_green_on_dev() -> None:
    run = run_stack(
        "dev", {"deployment": {"controller": "ecs", "strategy": "all-at-once", "terminationWaitMinutes": 3}}
    )
    timeline = build_timeline(extract_release_params(run))
    assert times(timeline) == [
        (0, 0, 0),
        (30, 30, 0),
        (35, 110, 0),  # healthy: one check, half a 10 s interval (latest 60 s start period + 2 x 10 s)
        (35, 110, 0),  # test listener rule
        (35, 110, 100),  # everything at once
        (35, 110, 100),  # bake time 180 s
        (215, 290, 100),  # drain 10 s
        (225, 300, 100),  # SIGTERM: 5 s typical, 30 s stopTimeout at worst
        (230, 330, 100),
    ]
    assert timeline.events[4].label == "PRODUCTION_TRAFFIC_SHIFT: 100 % of production on green (all at once)"
    assert timeline.warnings == ()


def test_every_ecs_hook_at_its_stage_with_its_retries() -> None:
    deployment = {"controller": "ecs", "strategy": "all-at-once", "terminationWaitMinutes": 5}
    run = run_stack("prod", {"deployment": deployment, **every_hook("prod")})
    timeline = build_timeline(extract_release_params(run))
    hooks = [
        (e.label.split(" ")[0], e.at_seconds, e.latest_seconds)
        for e in timeline.events
        if " hook " in e.label
    ]
    # Each hook typically 10 s, at worst 720 s. PRE_SCALE_UP at 0; launching 10 / 720; running 40 / 750;
    # healthy 60 / 870 (the later of 2 tasks' first checks, 2/3 of a 30 s interval; latest 60 s start
    # period + 2 x 30 s); POST_SCALE_UP there; test rule 70 / 1590; POST_TEST_TRAFFIC_SHIFT there;
    # PRODUCTION_TRAFFIC_SHIFT 80 / 2310; 100 % at 90 / 3030; POST_PRODUCTION_TRAFFIC_SHIFT there.
    assert hooks == [
        ("PRE_SCALE_UP", 0, 0),
        ("POST_SCALE_UP", 60, 870),
        ("POST_TEST_TRAFFIC_SHIFT", 70, 1590),
        ("PRODUCTION_TRAFFIC_SHIFT", 80, 2310),
        ("POST_PRODUCTION_TRAFFIC_SHIFT", 90, 3030),
    ]
    labels = [e.label for e in timeline.events]
    assert labels[0] == "deployment starts"
    assert labels[1].startswith(
        "PRE_SCALE_UP hook my-app-prod-smoke-test runs (typically 10 s; at most 12 min"
    )
    assert labels[2] == "SCALE_UP: green service revision launching its tasks"
    # + 10 / 720 POST_PRODUCTION_TRAFFIC_SHIFT, + 300 bake, + 30 drain, + 5 / 30 exit
    assert (timeline.typical_seconds, timeline.worst_case_seconds) == (435, 4110)
    # 4110 s is more than the 60 min the ServiceRelease waits: the one warning.
    assert timeline.warnings == (
        "release timeout too short: the worst case takes 1:08:30, the release resource gives up after "
        "60 min, so `pulumi up` could fail a release that would still succeed (raise "
        "release.timeoutMinutes to at least 69)",
    )


# --- warnings per engine --------------------------------------------------------------------


def ecs(**changes: Any) -> ReleaseParams:
    return replace(PROD_ECS, **changes)


def test_codedeploys_limits_do_not_apply_under_ecs() -> None:
    long_hook = (HookParams("POST_TEST_TRAFFIC_SHIFT", "slow", 3601),)
    timeline = build_timeline(ecs(hooks=long_hook, release_timeout_minutes=600))
    assert not _has(timeline, "hook limit") and timeline.warnings == ()
    over = build_timeline(ecs(termination_wait_minutes=2881, release_timeout_minutes=6000))
    assert not _has(over, "CodeDeploy")
    # ... and the same settings under CodeDeploy still warn.
    codedeploy = replace(
        PROD_ECS, engine="codedeploy", hooks=(HookParams("AfterAllowTestTraffic", "slow", 3601),)
    )
    assert _has(build_timeline(replace(codedeploy, release_timeout_minutes=600)), "60-minute hook limit")
    assert _has(
        build_timeline(replace(codedeploy, termination_wait_minutes=2881, release_timeout_minutes=6000)),
        "exceeds CodeDeploy's maximum of 2880 min",
    )


@pytest.mark.parametrize(
    ("changes", "warning"),
    [
        (
            {"termination_wait_minutes": 1441},
            "bake time (bakeTimeInMinutes) of 1441 min is outside ECS's 0-1440",
        ),
        (
            {"routing": TrafficRouting("canary", 10, 1441, "c")},
            "canary bake time (canaryBakeTimeInMinutes) of 1441 min",
        ),
        (
            {"routing": TrafficRouting("linear", 50, 1441, "l")},
            "linear step bake time (stepBakeTimeInMinutes) of 1441 min",
        ),
        ({"routing": TrafficRouting("linear", 2, 1, "l")}, "linear step of 2 % is outside ECS's 3-100 %"),
        ({"routing": TrafficRouting("canary", 0.05, 5, "c")}, "canary of 0.05 % is outside ECS's 0.1-100 %"),
    ],
)
def test_ecs_limits_warn_under_ecs_only(changes: dict[str, Any], warning: str) -> None:
    roomy = {"release_timeout_minutes": 100_000}
    assert _has(build_timeline(ecs(**changes, **roomy)), warning)
    assert not _has(build_timeline(replace(ecs(**changes, **roomy), engine="codedeploy")), "ECS's")


@pytest.mark.parametrize(
    "changes",
    [
        {"termination_wait_minutes": 1440},
        {"routing": TrafficRouting("canary", 10, 1440, "c")},
        {"routing": TrafficRouting("linear", 3, 1, "l")},
        {"routing": TrafficRouting("canary", 0.1, 5, "c")},
        {"termination_wait_minutes": 0, "alarms": ()},
    ],
)
def test_ecs_limits_at_the_edge_do_not_warn(changes: dict[str, Any]) -> None:
    assert build_timeline(ecs(**changes, release_timeout_minutes=100_000)).warnings == ()


def test_rollback_window_warning_names_the_bake_time_under_ecs() -> None:
    timeline = build_timeline(ecs(termination_wait_minutes=1, alarms=(AlarmParams("slow", 60, 3),)))
    assert _has(
        timeline,
        "blue is kept 1 min after 100 % on green, but alarm slow needs 60 s x (3 evaluation periods "
        "+ the one a breach starts in) = 4 min",
    )
    assert _has(timeline, "raise terminationWaitMinutes, the service's bakeTimeInMinutes to at least 4")


def test_ecs_release_timeout_that_config_validation_accepts_can_still_be_too_short() -> None:
    # validation only asks for more than shifting + bake (5 + 5); the worst case is 25:30
    timeline = build_timeline(extract_release_params(ecs_run("prod", {"release": {"timeoutMinutes": 25}})))
    assert timeline.warnings == (
        "release timeout too short: the worst case takes 25:30, the release resource gives up after "
        "25 min, so `pulumi up` could fail a release that would still succeed (raise "
        "release.timeoutMinutes to at least 26)",
    )
    assert (
        build_timeline(extract_release_params(ecs_run("prod", {"release": {"timeoutMinutes": 26}}))).warnings
        == ()
    )


# --- the ready wait under ECS: a PAUSE hook ---------------------------------------------------


@pytest.mark.parametrize(("action", "declared"), [("rollback", "ROLLBACK"), ("continue", "CONTINUE")])
def test_the_ready_wait_is_read_from_the_pause_hook(action: str, declared: str) -> None:
    run = ecs_run(
        "prod", {"release": {"timeoutMinutes": 120}}, readyWaitMinutes=30, readyWaitTimeoutAction=action
    )
    params = extract_release_params(run)
    assert (params.ready_wait_minutes, params.ready_action_on_timeout) == (30, declared)
    assert params.hooks == (SMOKE_ECS,)  # the pause is no Lambda hook


def test_the_timeline_holds_green_after_the_test_traffic_shift() -> None:
    params = replace(
        PROD_ECS, ready_wait_minutes=30, ready_action_on_timeout="ROLLBACK", release_timeout_minutes=120
    )
    timeline = build_timeline(params)
    labels = [e.label for e in timeline.events]
    wait = next(i for i, label in enumerate(labels) if "ready wait" in label)
    assert labels[wait] == (
        "POST_TEST_TRAFFIC_SHIFT: ready wait (PAUSE hook): green held up to 30 min for `bluegreen continue`, "
        "else ECS rolls back (assumed: go-ahead at the end)"
    )
    assert "POST_TEST_TRAFFIC_SHIFT hook" in labels[wait - 1]
    assert labels[wait + 1].startswith("PRODUCTION_TRAFFIC_SHIFT: ")
    held = timeline.events[wait + 1].at_seconds - timeline.events[wait].at_seconds
    assert held == 30 * 60
    assert timeline.events[wait].green_percent == 0
    without = build_timeline(replace(params, ready_wait_minutes=0))
    assert timeline.typical_seconds - without.typical_seconds == 30 * 60
    continued = build_timeline(replace(params, ready_action_on_timeout="CONTINUE"))
    assert any(
        "green held 30 min for `bluegreen continue`, then traffic shifts on its own" in e.label
        for e in continued.events
    )


def test_a_ready_wait_without_a_test_listener_rule_is_refused() -> None:
    run = ecs_run("prod", {"release": {"timeoutMinutes": 120}}, readyWaitMinutes=30)

    def drop_test_rule(resource: Recorded) -> None:
        for balancer in resource.inputs["loadBalancers"]:
            balancer["advancedConfiguration"].pop("testListenerRule", None)

    with pytest.raises(
        ValueError, match=r"a ready wait \(PAUSE hook at POST_TEST_TRAFFIC_SHIFT\) needs a test listener rule"
    ):
        extract_release_params(_edited(run, SERVICE, drop_test_rule))


def test_a_declared_pause_beyond_ecss_limit_is_a_warning() -> None:
    params = replace(
        PROD_ECS, ready_wait_minutes=20161, ready_action_on_timeout="ROLLBACK", release_timeout_minutes=30240
    )
    assert (
        "ready wait (PAUSE hook timeoutInMinutes) of 20161 min is outside ECS's 1-20160 minutes; "
        "the service update would be rejected"
    ) in build_timeline(params).warnings
