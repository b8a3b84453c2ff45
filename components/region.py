"""What the stack's region and partition are, asked of the AWS provider before anything is declared.

The zones a new VPC spreads over and the partition in every ARN the program writes
(``aws``, ``aws-cn``, ``aws-us-gov``) come from the provider, not from assumptions about
us-east-1, so a stack in any region previews and deploys the same way. The lookups are
synchronous on purpose: their answers are checked against the stack's settings before the
first AWS resource is declared.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


def look_up_partition(provider: aws.Provider) -> str:
    """``aws``, ``aws-cn`` or ``aws-us-gov``: the second field of every ARN the program writes."""
    return aws.get_partition(opts=pulumi.InvokeOptions(provider=provider)).partition


def look_up_zones(provider: aws.Provider) -> list[str]:
    """The region's regular zones, in AWS's order. Local and Wavelength Zones are skipped:
    an ALB needs regular zones."""
    found = aws.get_availability_zones(
        state="available",
        filters=[aws.GetAvailabilityZonesFilterArgs(name="opt-in-status", values=["opt-in-not-required"])],
        opts=pulumi.InvokeOptions(provider=provider),
    )
    return list(found.names)


def look_up_account(provider: aws.Provider) -> str:
    """The account the provider's credentials act in: ARNs and the log delivery grant name it."""
    return aws.get_caller_identity(opts=pulumi.InvokeOptions(provider=provider)).account_id


@dataclass(frozen=True)
class HostedZone:
    zone_id: str
    name: str
    """Without the trailing dot."""


def look_up_zone(provider: aws.Provider, *, zone_id: str | None, name: str | None) -> HostedZone:
    """The public hosted zone named by id or by name, so its name can be checked against the
    domain before anything is created."""
    found = aws.route53.get_zone(
        zone_id=zone_id,
        name=None if zone_id else name,
        private_zone=False,
        opts=pulumi.InvokeOptions(provider=provider),
    )
    return HostedZone(zone_id=found.zone_id, name=found.name.removesuffix("."))
