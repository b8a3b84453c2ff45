"""The hooks and release settings: hook names, checks, and a timeout that can be met."""

from __future__ import annotations

import pytest

from specs.release_model import AlarmWindow, alarm_window_finding

from .support import load, problems

HOOKS_ON = {"lifecycleEvents": ["AfterAllowTestTraffic"]}


def test_hooks_are_off_by_default_and_check_health() -> None:
    settings = load({})
    assert settings.hooks.enabled is False
    assert [(c.path, c.expect_status) for c in settings.hooks.checks] == [("/health", 200)]


def test_every_ecs_hook_name_is_accepted_in_any_order() -> None:
    names = [
        "AfterAllowTraffic",
        "BeforeInstall",
        "AfterInstall",
        "AfterAllowTestTraffic",
        "BeforeAllowTraffic",
    ]
    assert load({"hooks": {"lifecycleEvents": names}}).hooks.lifecycle_events == names


@pytest.mark.parametrize(
    ("hooks", "expected"),
    [
        (
            {"lifecycleEvents": ["AfterTraffic"]},
            "AfterTraffic not an ECS lifecycle hook; allowed: BeforeInstall, "
            "AfterInstall, AfterAllowTestTraffic, BeforeAllowTraffic, AfterAllowTraffic",
        ),
        ({"lifecycleEvents": ["AfterInstall", "AfterInstall"]}, "lists a hook twice"),
        ({**HOOKS_ON, "checks": []}, "needs at least one check"),
        ({**HOOKS_ON, "checks": [{"path": "health"}]}, "hooks.checks.0.path: got 'health'"),
        (
            {**HOOKS_ON, "checks": [{"path": "/", "expectStatus": 600}]},
            "hooks.checks.0.expectStatus: got 600",
        ),
        ({**HOOKS_ON, "checks": [{"path": "/", "status": 200}]}, "hooks.checks.0.status: unknown key"),
        ({**HOOKS_ON, "attempts": 0}, "hooks.attempts: got 0"),
    ],
    ids=["unknown-name", "twice", "no-checks", "relative-path", "status-600", "typo", "attempts-0"],
)
def test_bad_hook_settings_name_the_key(hooks: dict, expected: str) -> None:
    lines = problems({"hooks": hooks})
    assert len(lines) == 1 and expected in lines[0], lines


def test_hooks_need_a_nat_path_to_the_test_listener() -> None:
    lines = problems({"hooks": HOOKS_ON, "network": {"natGateways": 0, "vpcEndpoints": True}})
    assert lines == [
        "hooks.lifecycleEvents: the smoke test reaches the internet-facing test listener through NAT, "
        "but network.natGateways is 0; add a NAT gateway or turn the hooks off"
    ]


def test_hooks_in_an_existing_vpc_need_its_nat_addresses_admitted() -> None:
    network = {"vpcId": "vpc-1", "publicSubnetIds": ["a", "b"], "privateSubnetIds": ["c", "d"]}
    lines = problems({"hooks": HOOKS_ON, "network": network})
    assert len(lines) == 1 and lines[0].startswith("loadBalancer.testTrafficCidrs: is empty"), lines
    settings = load(
        {"hooks": HOOKS_ON, "network": network, "loadBalancer": {"testTrafficCidrs": ["203.0.113.7/32"]}}
    )
    assert settings.hooks.enabled


@pytest.mark.parametrize(
    ("deployment", "minutes"),
    [
        ({"strategy": "all-at-once", "terminationWaitMinutes": 0}, 0),
        ({"strategy": "canary", "percentage": 10, "intervalMinutes": 5, "terminationWaitMinutes": 5}, 10),
        ({"strategy": "linear", "percentage": 10, "intervalMinutes": 3, "terminationWaitMinutes": 5}, 32),
        ({"strategy": "linear", "percentage": 30, "intervalMinutes": 2, "terminationWaitMinutes": 0}, 6),
        ({"strategy": "canary", "percentage": 10, "intervalMinutes": 5, "readyWaitMinutes": 20}, 30),
    ],
    ids=["all-at-once", "canary-10-5", "linear-10-3", "linear-30-2", "ready-wait"],
)
def test_minimum_deployment_time(deployment: dict, minutes: int) -> None:
    alarms = {"rollbackOnAlarm": False}  # no alarm to outlast, so terminationWaitMinutes 0 is allowed
    assert (
        load(
            {"deployment": deployment, "alarms": alarms, "release": {"timeoutMinutes": 500}}
        ).deployment.minimum_minutes
        == minutes
    )


def test_release_timeout_must_outlast_the_deployment() -> None:
    deployment = {"strategy": "linear", "percentage": 10, "intervalMinutes": 3, "terminationWaitMinutes": 5}
    assert problems({"deployment": deployment, "release": {"timeoutMinutes": 32}}) == [
        "release.timeoutMinutes: 32 is not more than the 32 minutes a successful deployment takes "
        "(deployment.readyWaitMinutes + traffic shifting + terminationWaitMinutes); raise it"
    ]
    assert load({"deployment": deployment, "release": {"timeoutMinutes": 33}}).release.timeout_minutes == 33


def test_blue_must_be_kept_as_long_as_the_rollback_alarms_need() -> None:
    """Default alarms may fire only after 60 s x (2 + 1), the period a breach starts in counted:
    blue kept 2 minutes (dev's wait before a rehearsal saw an alarm fire after blue was gone) is
    gone before they can roll back."""
    assert problems({"deployment": {"strategy": "all-at-once", "terminationWaitMinutes": 2}}) == [
        "deployment.terminationWaitMinutes: 2 keeps blue 120 s after the last traffic shift, less than the "
        "alarm window of 180 s (alarms.periodSeconds 60 x (alarms.evaluationPeriods 2 + the period a breach "
        "starts in)): an alarm firing after blue is gone cannot roll the release back; set it to at least 3, "
        "shorten the alarm window, or set alarms.rollbackOnAlarm: false"
    ]
    kept = load({"deployment": {"strategy": "all-at-once", "terminationWaitMinutes": 3}})
    assert kept.deployment.termination_wait_minutes == 3


def test_the_default_wait_covers_the_default_alarms() -> None:
    """5 minutes against 60 s x (2 + 1) = 180 s, with two minutes to spare."""
    settings = load({})
    window = AlarmWindow[int]("alarms", settings.alarms.period_seconds, settings.alarms.evaluation_periods)
    assert window.evaluation_seconds == 180
    assert settings.deployment.termination_wait_minutes == 5
    assert alarm_window_finding(settings.deployment.termination_wait_minutes * 60, [window]) is None


@pytest.mark.parametrize(
    ("alarms", "too_short", "enough"),
    [
        ({"periodSeconds": 300, "evaluationPeriods": 3}, 19, 20),  # 300 s x (3 + 1)
        ({"periodSeconds": 30, "evaluationPeriods": 2}, 1, 2),  # 90 s: whole minutes round up
        ({"periodSeconds": 10, "evaluationPeriods": 1}, 0, 1),  # 20 s
    ],
    ids=["5min-x3", "30s-x2", "10s-x1"],
)
def test_alarm_window_follows_period_and_evaluations(alarms: dict, too_short: int, enough: int) -> None:
    deployment = {"strategy": "all-at-once", "terminationWaitMinutes": too_short}
    lines = problems({"deployment": deployment, "alarms": alarms, "release": {"timeoutMinutes": 60}})
    assert len(lines) == 1 and lines[0].startswith(f"deployment.terminationWaitMinutes: {too_short} keeps")
    assert f"set it to at least {enough}," in lines[0]
    deployment["terminationWaitMinutes"] = enough
    settings = load({"deployment": deployment, "alarms": alarms, "release": {"timeoutMinutes": 60}})
    assert settings.deployment.termination_wait_minutes == enough


def test_blue_kept_briefly_without_rollback_alarms() -> None:
    settings = load({"deployment": {"terminationWaitMinutes": 0}, "alarms": {"rollbackOnAlarm": False}})
    assert settings.deployment.termination_wait_minutes == 0


def test_ecs_bake_time_must_cover_the_alarms_too() -> None:
    deployment = {"controller": "ecs", "strategy": "all-at-once", "terminationWaitMinutes": 1}
    lines = problems({"deployment": deployment})
    assert len(lines) == 1 and lines[0].startswith("deployment.terminationWaitMinutes: 1 keeps blue 60 s")


@pytest.mark.parametrize(
    ("release", "expected"),
    [
        ({"timeoutMinutes": 4}, "release.timeoutMinutes: got 4"),
        ({"pollSeconds": 1}, "release.pollSeconds: got 1"),
        ({"stopOnTimeout": "maybe"}, "release.stopOnTimeout: got 'maybe'"),
        ({"timeout": 30}, "release.timeout: unknown key"),
    ],
    ids=["timeout-4", "poll-1", "stop-maybe", "typo"],
)
def test_bad_release_settings_name_the_key(release: dict, expected: str) -> None:
    lines = problems({"release": release})
    assert len(lines) == 1 and lines[0].startswith(expected), lines


def test_aws_profile_is_read_from_the_provider_namespace() -> None:
    from stack_config.loader import load_settings

    from .support import PROJECT, ROOT, raw_config

    raw = {**raw_config({}, region="us-east-1"), "aws:profile": "deployer"}
    assert load_settings(raw, project=PROJECT, stack="dev", project_dir=ROOT).aws_profile == "deployer"
