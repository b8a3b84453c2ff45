"""The CodeDeploy engine: strategy -> deployment configuration (predefined name or custom
routing) and back, its limits and its words."""

from __future__ import annotations

import pytest

from specs import codedeploy_engine as cd
from specs.codedeploy_engine import CustomTrafficRouting, plan_deployment_config
from specs.traffic_routing import Strategy, TrafficRouting


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


def _read_back(plan: cd.DeploymentConfigPlan, prefix: str = "my-app-prod") -> TrafficRouting:
    """What the preview reads from the declared group (and custom config) of a plan."""
    if plan.predefined_name is not None:
        routing = cd.predefined_routing(plan.predefined_name)
        assert routing is not None
        return routing
    assert plan.custom is not None
    name = plan.custom.config_name(prefix)
    return cd.routing_of_traffic_config(name, plan.custom.traffic_routing_config(), "config")


@pytest.mark.parametrize(("key", "name"), list(cd.PREDEFINED.items()), ids=list(cd.PREDEFINED.values()))
def test_every_predefined_config_reads_back_as_the_strategy_it_stands_for(
    key: tuple[Strategy, int, int], name: str
) -> None:
    strategy, percentage, interval = key
    assert _read_back(plan_deployment_config(strategy, percentage, interval)) == TrafficRouting(
        strategy, percentage, interval, name
    )


def test_all_at_once_reads_back_without_steps() -> None:
    assert _read_back(plan_deployment_config("all-at-once", None, None)) == TrafficRouting(
        "all-at-once", None, None, "CodeDeployDefault.ECSAllAtOnce"
    )
    assert cd.predefined_names() == ("CodeDeployDefault.ECSAllAtOnce", *cd.PREDEFINED.values())


@pytest.mark.parametrize(
    ("strategy", "percentage", "interval"),
    [
        ("canary", 20, 10),
        ("canary", 10, 6),
        ("linear", 25, 2),
        ("linear", 33, 7),
        ("linear", 1, 1),
        ("canary", 99, 60),
    ],
)
def test_a_custom_config_reads_back_as_its_strategy(
    strategy: Strategy, percentage: int, interval: int
) -> None:
    routing = _read_back(plan_deployment_config(strategy, percentage, interval), "p")
    assert routing == TrafficRouting(
        strategy, percentage, interval, f"p-{strategy}-{percentage}pct-{interval}min"
    )


def test_a_custom_config_is_the_shape_the_api_takes() -> None:
    assert CustomTrafficRouting("TimeBasedLinear", 25, 2).traffic_routing_config() == {
        "type": "TimeBasedLinear",
        "timeBasedLinear": {"percentage": 25, "interval": 2},
    }


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"type": "Weird"}, "where: trafficRoutingConfig.type 'Weird' is not TimeBasedCanary"),
        (
            {"type": "TimeBasedCanary"},
            "where input trafficRoutingConfig.timeBasedCanary.percentage is missing",
        ),
        (
            {"type": "TimeBasedLinear", "timeBasedLinear": {"percentage": 10, "interval": 1.5}},
            "where input trafficRoutingConfig.timeBasedLinear.interval is not a whole number",
        ),
    ],
)
def test_a_config_that_does_not_read_back_is_named(config: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        cd.routing_of_traffic_config("name", config, "where")


def test_all_at_once_custom_config_reads_back() -> None:
    assert cd.routing_of_traffic_config("x", {"type": "AllAtOnce"}, "w") == TrafficRouting(
        "all-at-once", None, None, "x"
    )


def test_words_of_a_custom_config() -> None:
    assert cd.traffic_config_words(
        CustomTrafficRouting("TimeBasedCanary", 10, 5).traffic_routing_config()
    ) == ("TimeBasedCanary: 10 % then 100 % after 5 min")
    assert cd.traffic_config_words(
        CustomTrafficRouting("TimeBasedLinear", 20, 3).traffic_routing_config()
    ) == ("TimeBasedLinear: 20 % more every 3 min")
    assert cd.traffic_config_words({"type": "AllAtOnce"}) is None
    assert cd.routing_words(TrafficRouting("all-at-once", None, None, "")) == "AllAtOnce"
    assert cd.traffic_config_words({"type": "TimeBasedLinear", "timeBasedLinear": {}}) is None


def test_limits_name_each_hook_and_wait_beyond_codedeploys() -> None:
    hooks = [("AfterAllowTestTraffic: smoke", 3601), ("BeforeInstall: fine", 3600)]
    breaches = cd.limit_breaches(hooks, ready_wait_minutes=2881, termination_wait_minutes=2880)
    assert breaches == [
        cd.LimitBreach("hook", 3601, 3600, "AfterAllowTestTraffic: smoke"),
        cd.LimitBreach("ready wait", 2881 * 60, 2880 * 60),
    ]
    assert [cd.limit_warning(b) for b in breaches] == [
        "hook AfterAllowTestTraffic: smoke's timeout of 60 min 1 s exceeds CodeDeploy's 60-minute hook "
        "limit; CodeDeploy fails the lifecycle event first",
        "ready wait of 2881 min exceeds CodeDeploy's maximum of 2880 min; the deployment group would be "
        "rejected",
    ]
