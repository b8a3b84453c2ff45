"""Strategy -> CodeDeploy deployment configuration (predefined name or custom routing)."""

from __future__ import annotations

import pytest

from specs.deployment_config import CustomTrafficRouting, plan_deployment_config
from specs.release_model import shifting_minutes


@pytest.mark.parametrize(
    ("strategy", "percentage", "interval", "name"),
    [
        pytest.param("canary", 10, 5, "CodeDeployDefault.ECSCanary10Percent5Minutes", id="canary-10-5"),
        pytest.param("canary", 10, 15, "CodeDeployDefault.ECSCanary10Percent15Minutes", id="canary-10-15"),
        pytest.param("linear", 10, 1, "CodeDeployDefault.ECSLinear10PercentEvery1Minutes", id="linear-10-1"),
        pytest.param("linear", 10, 3, "CodeDeployDefault.ECSLinear10PercentEvery3Minutes", id="linear-10-3"),
        pytest.param("all-at-once", None, None, "CodeDeployDefault.ECSAllAtOnce", id="all-at-once"),
        pytest.param("all-at-once", 50, 7, "CodeDeployDefault.ECSAllAtOnce", id="all-at-once-ignores-steps"),
    ],
)
def test_predefined_strategies_use_the_aws_config_name(strategy, percentage, interval, name):
    plan = plan_deployment_config(strategy, percentage, interval)
    assert (plan.predefined_name, plan.custom) == (name, None)


@pytest.mark.parametrize(
    ("strategy", "percentage", "interval", "routing_type"),
    [
        pytest.param("canary", 20, 10, "TimeBasedCanary", id="canary-20-10"),
        pytest.param("canary", 10, 1, "TimeBasedCanary", id="canary-10-1-only-linear-predefines-1"),
        pytest.param("canary", 10, 3, "TimeBasedCanary", id="canary-10-3-only-linear-predefines-3"),
        pytest.param("canary", 10, 6, "TimeBasedCanary", id="canary-10-6-next-to-predefined"),
        pytest.param("canary", 11, 5, "TimeBasedCanary", id="canary-11-5-next-to-predefined"),
        pytest.param("linear", 10, 5, "TimeBasedLinear", id="linear-10-5-only-canary-predefines-5"),
        pytest.param("linear", 10, 15, "TimeBasedLinear", id="linear-10-15-only-canary-predefines-15"),
        pytest.param("linear", 10, 2, "TimeBasedLinear", id="linear-10-2-between-predefined"),
        pytest.param("linear", 25, 1, "TimeBasedLinear", id="linear-25-1"),
    ],
)
def test_other_combinations_need_a_custom_time_based_config(strategy, percentage, interval, routing_type):
    plan = plan_deployment_config(strategy, percentage, interval)
    assert plan.predefined_name is None
    assert plan.custom == CustomTrafficRouting(routing_type, percentage, interval)


@pytest.mark.parametrize(
    ("routing", "name"),
    [
        pytest.param(
            CustomTrafficRouting("TimeBasedCanary", 20, 10), "my-app-prod-canary-20pct-10min", id="canary"
        ),
        pytest.param(
            CustomTrafficRouting("TimeBasedLinear", 25, 2), "my-app-prod-linear-25pct-2min", id="linear"
        ),
    ],
)
def test_custom_config_name_spells_out_the_routing(routing, name):
    assert routing.config_name("my-app-prod") == name


def test_custom_config_names_differ_when_the_settings_differ():
    names = {
        CustomTrafficRouting("TimeBasedCanary", 20, 10).config_name("p"),
        CustomTrafficRouting("TimeBasedCanary", 10, 20).config_name("p"),
        CustomTrafficRouting("TimeBasedLinear", 20, 10).config_name("p"),
    }
    assert len(names) == 3


@pytest.mark.parametrize("strategy", ["blue-green", "Canary", "all_at_once", ""])
def test_unknown_strategy_names_the_key_the_value_and_the_choices(strategy):
    with pytest.raises(ValueError) as info:
        plan_deployment_config(strategy, 10, 5)
    assert str(info.value) == (
        f"deployment.strategy: {strategy!r} is not a strategy; allowed: canary, linear, all-at-once"
    )


@pytest.mark.parametrize(
    ("percentage", "interval"),
    [(None, 5), (10, None), (None, None)],
    ids=["no-percentage", "no-interval", "neither"],
)
def test_shifting_strategy_without_steps_is_rejected(percentage, interval):
    with pytest.raises(
        ValueError, match=r"^deployment: strategy 'linear' needs percentage and intervalMinutes$"
    ):
        plan_deployment_config("linear", percentage, interval)


@pytest.mark.parametrize(
    ("strategy", "percentage", "interval", "minutes"),
    [
        ("all-at-once", None, None, 0),
        ("canary", 10, 5, 5),
        ("canary", 50, 30, 30),
        ("linear", 10, 1, 9),  # 10 steps of 10 %: nine waits between them
        ("linear", 10, 3, 27),
        ("linear", 33, 2, 6),  # 33, 66, 99, 100: four steps
        ("linear", 99, 7, 7),
    ],
)
def test_shifting_minutes(strategy: str, percentage: int | None, interval: int | None, minutes: int) -> None:
    assert shifting_minutes(strategy, percentage, interval) == minutes
