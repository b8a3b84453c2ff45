"""A new VPC's CIDR block carved into one public and one private subnet per zone."""

from __future__ import annotations

import ipaddress
import itertools

import pytest

from specs.subnets import ZoneSubnets, plan_subnets


def test_default_vpc_two_zones():
    assert plan_subnets("10.0.0.0/16", 2) == [
        ZoneSubnets(public_cidr="10.0.0.0/20", private_cidr="10.0.128.0/20"),
        ZoneSubnets(public_cidr="10.0.16.0/20", private_cidr="10.0.144.0/20"),
    ]


def test_smallest_vpc_six_zones():
    plan = plan_subnets("192.168.1.0/24", 6)
    assert [z.public_cidr for z in plan] == [f"192.168.1.{16 * i}/28" for i in range(6)]
    assert [z.private_cidr for z in plan] == [f"192.168.1.{128 + 16 * i}/28" for i in range(6)]


@pytest.mark.parametrize(
    ("cidr", "zones"),
    [("10.0.0.0/16", 2), ("10.0.0.0/16", 6), ("172.16.0.0/20", 3), ("10.1.2.0/24", 6), ("10.0.0.0/16", 8)],
    ids=lambda v: str(v),
)
def test_subnets_are_disjoint_inside_the_vpc_and_split_public_low_private_high(cidr, zones):
    vpc = ipaddress.ip_network(cidr)
    plan = plan_subnets(cidr, zones)
    assert len(plan) == zones
    public = [ipaddress.ip_network(z.public_cidr) for z in plan]
    private = [ipaddress.ip_network(z.private_cidr) for z in plan]
    lower, upper = vpc.subnets(prefixlen_diff=1)
    assert all(net.subnet_of(lower) for net in public)
    assert all(net.subnet_of(upper) for net in private)
    for a, b in itertools.combinations(public + private, 2):
        assert not a.overlaps(b), (a, b)
    assert all(net.prefixlen == vpc.prefixlen + 4 for net in public + private)


@pytest.mark.parametrize(
    ("cidr", "zones", "most"),
    [("10.0.0.0/16", 9, 8), ("10.0.0.0/24", 9, 8), ("10.0.0.0/16", 16, 8)],
    ids=lambda v: str(v),
)
def test_too_many_zones_names_the_key_and_the_limit(cidr, zones, most):
    with pytest.raises(ValueError) as info:
        plan_subnets(cidr, zones)
    assert str(info.value) == f"network.availabilityZones: {zones} zones do not fit {cidr}; at most {most}"


def test_cidr_with_host_bits_is_rejected():
    with pytest.raises(ValueError, match="has host bits set"):
        plan_subnets("10.0.0.1/16", 2)
