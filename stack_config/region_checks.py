"""Settings checked against what AWS has (the region's zones, the hosted zone), once the provider has said."""

from __future__ import annotations

from specs.domain import zone_problem
from stack_config.model import StackSettings


def domain_problems(settings: StackSettings, zone_name: str | None) -> list[str]:
    """The hosted zone the provider found for ``domain`` must hold ``domain.name``."""
    domain = settings.domain
    if domain.name is None or zone_name is None:
        return []
    problem = zone_problem(zone_name, domain.name)
    if problem is None:
        return []
    key = "domain.zoneId" if domain.zone_id else "domain.zoneName"
    value = domain.zone_id or domain.zone_name
    return [f"{key}: {value!r} names the hosted zone {zone_name!r}; {problem}"]


def region_problems(settings: StackSettings, zones: list[str]) -> list[str]:
    """One keyed line per setting the region cannot satisfy; ``zones`` are its regular zones."""
    network = settings.network
    if network.vpc_id is not None:
        return []  # an existing VPC brings its own subnets and zones
    if network.availability_zones > len(zones):
        listed = ", ".join(zones) or "none"
        return [
            f"network.availabilityZones: {network.availability_zones} zones asked for, but region "
            f"{settings.region} has {len(zones)} regular zones open to this account ({listed}); "
            f"set 2-{len(zones)}"
            if len(zones) >= 2
            else f"network.availabilityZones: region {settings.region} has {len(zones)} regular zones "
            f"open to this account ({listed}); an ALB needs two, choose another region"
        ]
    return []
