"""Any region, the seed's first: zones and partition come from the provider, not from us-east-1."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from preview.regions import zones_of
from stack_config.errors import ConfigError
from tests.program.harness import PROJECT, ProgramRun, run_stack, run_stack_expecting_error, stack_value

# The seed's region (four zones), a three-zone region, and a partition other than `aws`.
REGIONS = {"ap-northeast-2": "aws", "eu-west-1": "aws", "cn-north-1": "aws-cn"}


@pytest.fixture(scope="module", params=sorted(REGIONS))
def regional(request: pytest.FixtureRequest) -> ProgramRun:
    region = request.param
    network = stack_value("prod", "network") | {"availabilityZones": 3, "natGateways": 3}
    return run_stack("prod", {"aws:region": region, "network": network})


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except ValueError:
            return [value]
        return [value, *_strings(decoded)] if isinstance(decoded, dict | list) else [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _region(run: ProgramRun) -> str:
    return str(run.exports["region"])


def test_provider_and_subnets_are_in_the_stacks_region(regional: ProgramRun) -> None:
    region = _region(regional)
    assert regional.one("pulumi:providers:aws").inputs["region"] == region
    zones = sorted({s.inputs["availabilityZone"] for s in regional.of_type("aws:ec2/subnet:Subnet")})
    # The first three zones the provider answered (the mock answers with the region's real names).
    assert zones == zones_of(region)[:3]


def test_nothing_declared_names_another_region(regional: ProgramRun) -> None:
    region = _region(regional)
    other = re.compile(r"\b(?:us|eu|ap|sa|ca|me|af|cn|il|mx)-[a-z]+-\d\b")
    for resource in regional.resources:
        for text in _strings(resource.inputs):
            for found in other.findall(text):
                assert found == region, f"{resource.type} {resource.name} names {found}: {text}"


def test_every_arn_uses_the_providers_partition(regional: ProgramRun) -> None:
    partition = REGIONS[_region(regional)]
    arns = [
        (resource.name, text)
        for resource in regional.resources
        for text in _strings(resource.inputs)
        if text.startswith("arn:")
    ]
    assert any("iam::aws:policy/" in text for _, text in arns)  # managed policies are among them
    for name, arn in arns:
        assert arn.startswith(f"arn:{partition}:"), f"{name}: {arn}"


def test_interface_endpoints_are_the_regions_own() -> None:
    network = stack_value("prod", "network") | {"vpcEndpoints": True}
    run = run_stack("prod", {"aws:region": "ap-northeast-2", "network": network})
    names = sorted(e.inputs["serviceName"] for e in run.of_type("aws:ec2/vpcEndpoint:VpcEndpoint"))
    assert names and all(n.startswith("com.amazonaws.ap-northeast-2.") for n in names), names


def test_the_seeds_region_spreads_over_all_four_of_its_zones() -> None:
    network = stack_value("prod", "network") | {"availabilityZones": 4, "natGateways": 2}
    run = run_stack("prod", {"aws:region": "ap-northeast-2", "network": network})
    zones = sorted({s.inputs["availabilityZone"] for s in run.of_type("aws:ec2/subnet:Subnet")})
    assert zones == ["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c", "ap-northeast-2d"]


@pytest.mark.parametrize(
    ("region", "zones", "have"),
    [("eu-west-1", 4, "eu-west-1a, eu-west-1b, eu-west-1c"), ("us-west-1", 3, "us-west-1a, us-west-1c")],
)
def test_more_zones_than_the_region_has_is_a_keyed_error_before_any_aws_resource(
    region: str, zones: int, have: str
) -> None:
    network = stack_value("dev", "network") | {"availabilityZones": zones}
    error, registered = run_stack_expecting_error("dev", {"aws:region": region, "network": network})
    assert isinstance(error, ConfigError), repr(error)
    count = len(have.split(", "))
    assert error.problems == [
        f"network.availabilityZones: {zones} zones asked for, but region {region} has {count} regular "
        f"zones open to this account ({have}); set 2-{count}"
    ]
    # Only the provider (needed to ask AWS) exists when the error is raised.
    assert [r.type for r in registered] == ["pulumi:providers:aws"]


def test_an_existing_vpc_asks_for_no_zones_whatever_the_count() -> None:
    network = {
        "vpcId": "vpc-0abc",
        "publicSubnetIds": ["subnet-p1", "subnet-p2"],
        "privateSubnetIds": ["a", "b"],
    }
    run = run_stack("dev", {"aws:region": "us-west-1", "network": network})
    assert "aws:index/getAvailabilityZones:getAvailabilityZones" not in run.calls


def test_a_renamed_project_with_the_old_stack_file_fails_before_anything_exists() -> None:
    error, registered = run_stack_expecting_error("prod", {}, project="my-service")
    assert isinstance(error, ConfigError), repr(error)
    assert f"{PROJECT}:deployment: set under namespace {PROJECT!r}" in str(error)
    assert registered == []
