"""The ECS engine: the stack's strategy on ECS's built-in deployments and back, the native
ranges, and its words."""

from __future__ import annotations

import pytest

from specs import ecs_engine as ecs
from specs.ecs_engine import (
    NativeDeploymentPlan,
    native_problems,
    plan_native_deployment,
)
from specs.release_model import LIFECYCLE_STAGE
from specs.traffic_routing import Strategy, TrafficRouting


@pytest.mark.parametrize(
    ("strategy", "percentage", "interval", "wait", "plan"),
    [
        ("canary", 10, 5, 5, NativeDeploymentPlan("CANARY", 5, canary_percent=10.0, canary_bake_minutes=5)),
        ("canary", 25, 15, 0, NativeDeploymentPlan("CANARY", 0, canary_percent=25.0, canary_bake_minutes=15)),
        ("linear", 10, 1, 3, NativeDeploymentPlan("LINEAR", 3, step_percent=10.0, step_bake_minutes=1)),
        ("all-at-once", 10, 5, 7, NativeDeploymentPlan("BLUE_GREEN", 7)),
    ],
)
def test_plan(strategy: str, percentage: int, interval: int, wait: int, plan: NativeDeploymentPlan) -> None:
    assert plan_native_deployment(strategy, percentage, interval, wait) == plan


def test_values_inside_the_native_ranges_have_no_problems() -> None:
    assert native_problems("linear", 3, 1440, 1440, 0) == []
    assert native_problems("canary", 1, 1, 0, 0) == []
    assert native_problems("all-at-once", 10, 5000, 0, 0) == []  # no interval in blue/green


@pytest.mark.parametrize(
    ("args", "field", "fragment"),
    [
        (("linear", 2, 1, 0, 0), "percentage", "2 is below ECS's native linear step minimum of 3 %"),
        (("canary", 10, 1441, 0, 0), "intervalMinutes", "1441 exceeds ECS's native bake time limit of 1440"),
        (("linear", 10, 1441, 0, 0), "intervalMinutes", "1441 exceeds"),
        (
            ("all-at-once", 10, 5, 1441, 0),
            "terminationWaitMinutes",
            "(controller codedeploy allows up to 2880)",
        ),
        (
            ("canary", 10, 5, 5, 20161),
            "readyWaitMinutes",
            "20161 is outside ECS's pause hook timeout of 1-20160 minutes (timeoutInMinutes)",
        ),
    ],
)
def test_each_problem_names_the_field_and_what_codedeploy_would_accept(
    args: tuple, field: str, fragment: str
) -> None:
    ((got_field, message),) = native_problems(*args)
    assert got_field == field and fragment in message


def test_every_problem_is_reported() -> None:
    assert [field for field, _ in native_problems("linear", 1, 2000, 2000, 20161)] == [
        "percentage",
        "intervalMinutes",
        "terminationWaitMinutes",
        "readyWaitMinutes",
    ]


def test_every_codedeploy_hook_has_an_ecs_stage() -> None:
    from specs.appspec import ECS_HOOKS

    assert set(LIFECYCLE_STAGE) == set(ECS_HOOKS)
    assert LIFECYCLE_STAGE["AfterAllowTestTraffic"] == "POST_TEST_TRAFFIC_SHIFT"
    assert len(set(LIFECYCLE_STAGE.values())) == len(LIFECYCLE_STAGE)


@pytest.mark.parametrize(
    ("strategy", "percentage", "interval", "words"),
    [
        ("canary", 10, 5, "ECS CANARY 10% then 100% after 5 min"),
        ("canary", 1, 1440, "ECS CANARY 1% then 100% after 1440 min"),
        ("linear", 10, 1, "ECS LINEAR 10% every 1 min"),
        ("linear", 33, 0, "ECS LINEAR 33% every 0 min"),
        ("linear", 3, 7, "ECS LINEAR 3% every 7 min"),
    ],
)
def test_a_stepped_plan_reads_back_as_its_strategy(
    strategy: Strategy, percentage: int, interval: int, words: str
) -> None:
    plan = plan_native_deployment(strategy, percentage, interval, 5)
    config = ecs.deployment_configuration(plan)
    assert config["bakeTimeInMinutes"] == "5"
    assert ecs.routing_of_configuration(config, "svc") == TrafficRouting(
        strategy, percentage, interval, words
    )


def test_blue_green_reads_back_as_all_at_once() -> None:
    config = ecs.deployment_configuration(plan_native_deployment("all-at-once", 10, 5, 7))
    assert config == {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": "7"}
    assert ecs.routing_of_configuration(config, "svc") == TrafficRouting(
        "all-at-once", None, None, "ECS BLUE_GREEN 100% at once"
    )


def test_words_in_ecs_terms() -> None:
    assert ecs.routing_words(TrafficRouting("linear", 12.5, 2, "")) == "ECS LINEAR 12.5% every 2 min"
    assert ecs.routing_words(TrafficRouting("all-at-once", None, None, "")) == "ECS BLUE_GREEN 100% at once"


def test_a_fractional_canary_reads_back_as_its_fraction() -> None:
    config = {
        "strategy": "CANARY",
        "canaryConfiguration": {"canaryPercent": 0.5, "canaryBakeTimeInMinutes": "5"},
    }
    assert ecs.routing_of_configuration(config, "svc") == TrafficRouting(
        "canary", 0.5, 5, "ECS CANARY 0.5% then 100% after 5 min"
    )


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"strategy": "ROLLING"},
            "svc: deploymentConfiguration.strategy 'ROLLING' is not BLUE_GREEN, LINEAR, CANARY",
        ),
        (
            {"strategy": "LINEAR", "linearConfiguration": {"stepBakeTimeInMinutes": "1"}},
            "svc input deploymentConfiguration.linearConfiguration.stepPercent is missing",
        ),
        (
            {
                "strategy": "CANARY",
                "canaryConfiguration": {"canaryPercent": 5, "canaryBakeTimeInMinutes": "x"},
            },
            "svc input deploymentConfiguration.canaryConfiguration.canaryBakeTimeInMinutes is not a number",
        ),
    ],
)
def test_a_configuration_that_does_not_read_back_is_named(config: dict, message: str) -> None:
    with pytest.raises(ValueError) as info:
        ecs.routing_of_configuration(config, "svc")
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("routing", "bake", "breaches"),
    [
        (TrafficRouting("canary", 10, 5, ""), 1440, []),
        (
            TrafficRouting("canary", 0.05, 1441, ""),
            5,
            [("canaryPercent", 0.05), ("canaryBakeTimeInMinutes", 1441)],
        ),
        (TrafficRouting("linear", 2, 1, ""), 1441, [("stepPercent", 2), ("bakeTimeInMinutes", 1441)]),
        (TrafficRouting("all-at-once", None, None, ""), -1, [("bakeTimeInMinutes", -1)]),
    ],
)
def test_limit_breaches_are_one_rule_for_config_and_preview(
    routing: TrafficRouting, bake: int, breaches: list[tuple[str, float]]
) -> None:
    assert [(b.setting, b.value) for b in ecs.limit_breaches(routing, bake)] == breaches


def test_a_breach_is_worded_for_the_preview_and_the_config() -> None:
    (step,) = ecs.limit_breaches(TrafficRouting("linear", 2, 1, ""), 0)
    assert (
        ecs.limit_warning(step)
        == "linear step of 2 % is outside ECS's 3-100 %; the service update would be rejected"
    )
    assert native_problems("linear", 2, 1, 0, 0) == [
        (
            "percentage",
            "2 is below ECS's native linear step minimum of 3 % (controller codedeploy accepts 1-99); "
            "use 3-99 or controller codedeploy",
        )
    ]


# --------------------------------------------------------------------------- ready wait


def test_the_ready_wait_is_a_pause_hook_after_the_test_traffic_shift() -> None:
    pause = ecs.ready_pause(30, "rollback")
    assert pause == ecs.ReadyPause(30, "ROLLBACK")
    assert ecs.pause_hook(pause) == {
        "targetType": "PAUSE",
        "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
        "timeoutConfiguration": {"timeoutInMinutes": "30", "action": "ROLLBACK"},
    }
    assert ecs.ready_pause(0, "continue") is None
    assert ecs.ready_pause(1, "continue") == ecs.ReadyPause(1, "CONTINUE")


def test_the_stage_matches_codedeploys_ready_wait() -> None:
    """CodeDeploy holds after AfterAllowTestTraffic; ECS runs that hook at the same stage."""
    assert LIFECYCLE_STAGE["AfterAllowTestTraffic"] == ecs.READY_WAIT_STAGE


def test_the_pause_limits_are_the_models() -> None:
    import botocore.session

    model = botocore.session.get_session().get_service_model("ecs")
    duration = model.shape_for("DeploymentLifecycleHookDuration")
    assert (duration.metadata["min"], duration.metadata["max"]) == ecs.PAUSE_MINUTES_RANGE
    actions = model.shape_for("DeploymentLifecycleHookAction").enum
    assert sorted(ecs.TIMEOUT_ACTION.values()) == sorted(actions)
    assert ecs.READY_WAIT_STAGE in model.shape_for("DeploymentLifecycleHookStage").enum


@pytest.mark.parametrize("minutes", [1, 20160])
def test_the_ends_of_the_pause_range_are_accepted(minutes: int) -> None:
    assert native_problems("canary", 10, 5, 5, minutes) == []


@pytest.mark.parametrize(
    ("minutes", "problem"),
    [
        (2880, None),
        (
            2881,
            (
                "readyWaitMinutes",
                "2881 exceeds CodeDeploy's ready wait limit of 2880 minutes "
                "(controller ecs pauses up to 20160)",
            ),
        ),
    ],
)
def test_codedeploys_ready_wait_limit(minutes: int, problem: tuple[str, str] | None) -> None:
    assert ecs.codedeploy_ready_wait_problem(minutes) == problem


def test_the_pause_reads_back_from_the_declared_hooks() -> None:
    lambda_hook = {"hookTargetArn": "arn:fn", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}
    for pause in (ecs.ReadyPause(45, "CONTINUE"), ecs.ReadyPause(20160, "ROLLBACK")):
        hooks = [lambda_hook, ecs.pause_hook(pause)]
        assert ecs.ready_pause_of_hooks(hooks, "svc") == pause
    assert ecs.ready_pause_of_hooks([lambda_hook], "svc") is None
    # ECS's defaults when the timeout configuration is left out: 1440 minutes, ROLLBACK.
    default = {"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}
    assert ecs.ready_pause_of_hooks([default], "svc") == ecs.ReadyPause(1440, "ROLLBACK")


def test_a_pause_elsewhere_is_no_ready_wait() -> None:
    hook = {"targetType": "PAUSE", "lifecycleStages": ["POST_PRODUCTION_TRAFFIC_SHIFT"]}
    with pytest.raises(
        ValueError, match="svc: its PAUSE lifecycle hook pauses at POST_PRODUCTION_TRAFFIC_SHIFT"
    ):
        ecs.ready_pause_of_hooks([hook], "svc")


def test_a_ready_wait_needs_a_test_listener() -> None:
    ecs.ready_wait_needs_test_listener(True, "svc")
    with pytest.raises(ValueError, match=r"svc: a ready wait .* needs a test listener rule"):
        ecs.ready_wait_needs_test_listener(False, "svc")


def test_the_preview_names_the_pause_as_the_ready_wait() -> None:
    lambda_hook = {"hookTargetArn": "arn:fn", "lifecycleStages": ["PRE_SCALE_UP", "POST_TEST_TRAFFIC_SHIFT"]}
    pause = ecs.pause_hook(ecs.ReadyPause(30, "ROLLBACK"))
    assert ecs.lifecycle_hook_words([lambda_hook, pause]) == [
        "PRE_SCALE_UP",
        "POST_TEST_TRAFFIC_SHIFT",
        "POST_TEST_TRAFFIC_SHIFT ready wait (PAUSE 30 min, then ROLLBACK)",
    ]
