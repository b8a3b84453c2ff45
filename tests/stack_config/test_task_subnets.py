"""network.taskSubnets: tasks in public subnets without a NAT gateway, and the hook that rules it out."""

from __future__ import annotations

import pytest

from .support import load, problems

HOOKS_ON = {"lifecycleEvents": ["AfterAllowTestTraffic"]}
CHEAP = {"taskSubnets": "public", "natGateways": 0}


def test_tasks_stay_private_by_default() -> None:
    network = load({}).network
    assert network.task_subnets == "private" and network.tasks_public is False


def test_public_tasks_need_no_nat_gateway_and_no_endpoints() -> None:
    network = load({"network": CHEAP}).network
    assert network.tasks_public and network.nat_gateways == 0 and not network.vpc_endpoints


def test_the_cheap_network_with_a_hook_it_can_no_longer_run_names_the_key() -> None:
    lines = problems({"network": CHEAP, "hooks": HOOKS_ON})
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith("network.taskSubnets: 'public' with natGateways 0 leaves no NAT path"), line
    assert "hooks.lifecycleEvents ['AfterAllowTestTraffic'] still runs the smoke-test hook" in line
    assert "set hooks.lifecycleEvents: []" in line and "natGateways: 1" in line
    assert "taskSubnets: private" in line


@pytest.mark.parametrize("events", [["BeforeInstall"], ["AfterAllowTraffic", "BeforeAllowTraffic"]])
def test_every_hook_needs_the_nat_path(events: list[str]) -> None:
    lines = problems({"network": CHEAP, "hooks": {"lifecycleEvents": events}})
    assert len(lines) == 1 and lines[0].startswith("network.taskSubnets: 'public'"), lines


def test_public_tasks_keep_a_hook_through_a_nat_gateway() -> None:
    settings = load({"network": {"taskSubnets": "public", "natGateways": 1}, "hooks": HOOKS_ON})
    assert settings.network.tasks_public and settings.hooks.enabled


def test_a_nat_gateway_nothing_would_use_names_the_key() -> None:
    lines = problems({"network": {"taskSubnets": "public", "natGateways": 2}})
    assert lines == [
        "network.natGateways: 2 with taskSubnets 'public' and no hooks: the tasks leave through the "
        "internet gateway and only the smoke-test hook uses NAT, so the NAT gateways would serve "
        "nothing and still cost by the hour; set natGateways: 0"
    ]


def test_an_existing_vpc_may_run_public_tasks_in_its_public_subnets() -> None:
    network = {
        "vpcId": "vpc-1",
        "publicSubnetIds": ["a", "b"],
        "privateSubnetIds": ["c", "d"],
        "taskSubnets": "public",
    }
    assert load({"network": network}).network.tasks_public


def test_an_unknown_placement_names_what_is_allowed() -> None:
    lines = problems({"network": {"taskSubnets": "dmz"}})
    assert len(lines) == 1, lines
    assert lines[0].startswith("network.taskSubnets: ") and "'dmz'" in lines[0], lines
    assert "'private'" in lines[0] and "'public'" in lines[0], lines
