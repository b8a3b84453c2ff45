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


@dataclass(frozen=True)
class Partition:
    name: str
    """``aws``, ``aws-cn`` or ``aws-us-gov``: the second field of every ARN."""
    dns_suffix: str


def look_up_partition(provider: aws.Provider) -> Partition:
    found = aws.get_partition(opts=pulumi.InvokeOptions(provider=provider))
    return Partition(name=found.partition, dns_suffix=found.dns_suffix)


def look_up_zones(provider: aws.Provider) -> list[str]:
    """The region's regular zones, in AWS's order. Local and Wavelength Zones are skipped:
    an ALB needs regular zones."""
    found = aws.get_availability_zones(
        state="available",
        filters=[aws.GetAvailabilityZonesFilterArgs(name="opt-in-status", values=["opt-in-not-required"])],
        opts=pulumi.InvokeOptions(provider=provider),
    )
    return list(found.names)
