"""What the offline preview's mock provider answers about a region: its zones and partition.

Zone names are public (AWS's "Regions and Availability Zones" page); which letters an
account sees can differ, so a real stack asks its provider (components/region.py) and
these only stand in for that answer offline. A region missing here gets three zones, and
the preview says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from specs.iam import partition_for_region

# Regular (non-opt-in-zone) Availability Zones per region, as AWS lists them.
ZONE_LETTERS: dict[str, str] = {
    "us-east-1": "abcdef",
    "us-east-2": "abc",
    "us-west-1": "ac",
    "us-west-2": "abcd",
    "ca-central-1": "abd",
    "eu-west-1": "abc",
    "eu-west-2": "abc",
    "eu-central-1": "abc",
    "eu-north-1": "abc",
    "ap-northeast-1": "acd",
    "ap-northeast-2": "abcd",
    "ap-northeast-3": "abc",
    "ap-southeast-1": "abc",
    "ap-southeast-2": "abc",
    "ap-south-1": "abc",
    "sa-east-1": "abc",
    "cn-north-1": "abd",
    "cn-northwest-1": "abc",
    "us-gov-west-1": "abc",
}
ASSUMED_ZONE_LETTERS = "abc"


@dataclass(frozen=True)
class PartitionFacts:
    partition: str
    dns_suffix: str
    reverse_dns_prefix: str


def partition_of(region: str) -> PartitionFacts:
    """What ``aws.get_partition`` answers in ``region`` (the partition by specs/iam.py's rule)."""
    partition = partition_for_region(region)
    if partition == "aws-cn":
        return PartitionFacts(partition, "amazonaws.com.cn", "cn.com.amazonaws")
    return PartitionFacts(partition, "amazonaws.com", "com.amazonaws")


def zones_of(region: str) -> list[str]:
    """The region's zone names (assumed a, b, c where the table has no entry)."""
    return [f"{region}{letter}" for letter in ZONE_LETTERS.get(region, ASSUMED_ZONE_LETTERS)]


def zones_known(region: str) -> bool:
    return region in ZONE_LETTERS
