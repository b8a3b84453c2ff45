"""Carve a new VPC's CIDR block into one public and one private subnet per zone."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

_SUBNET_BITS = 4  # 16 equal subnets: room for 6 zones x (public + private) and spares


@dataclass(frozen=True)
class ZoneSubnets:
    public_cidr: str
    private_cidr: str


def plan_subnets(vpc_cidr: str, zones: int) -> list[ZoneSubnets]:
    """Public subnets take the first blocks, private ones start half-way, one pair per zone."""
    network = ipaddress.ip_network(vpc_cidr, strict=True)
    blocks = list(network.subnets(prefixlen_diff=_SUBNET_BITS))
    half = len(blocks) // 2
    if zones > half:
        raise ValueError(f"network.availabilityZones: {zones} zones do not fit {vpc_cidr}; at most {half}")
    return [ZoneSubnets(str(blocks[i]), str(blocks[half + i])) for i in range(zones)]
