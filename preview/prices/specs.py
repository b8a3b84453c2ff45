"""What to ask AWS's Price List API for each price the estimate needs.

Each spec names the service code(s) to query, the usage type without its region prefix
(``APN2-NatGateway-Hours`` in Seoul is ``NatGateway-Hours`` here) and, where one usage type
is shared, the product family or operation that tells the right product apart. Their keys are
the prices a table must hold (``preview.prices.table.REQUIRED_PRICES``), and the price keys of
the estimate's meters (``preview.usage.METERS``); a test keeps the meters to these keys.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PriceSpec:
    key: str
    service_codes: tuple[str, ...]
    """Queried in order until one returns the usage type (a product moved between codes once)."""
    usage_type: str
    unit: str
    what: str
    product_family: str | None = None
    operation: str | None = None


SPECS: tuple[PriceSpec, ...] = (
    PriceSpec(
        "fargate_x86_64_vcpu_hour",
        ("AmazonECS",),
        "Fargate-vCPU-Hours:perCPU",
        "vCPU-hour",
        "Fargate Linux/x86 per vCPU per hour",
    ),
    PriceSpec(
        "fargate_x86_64_gb_hour",
        ("AmazonECS",),
        "Fargate-GB-Hours",
        "GB-hour",
        "Fargate Linux/x86 per GB of memory per hour",
    ),
    PriceSpec(
        "fargate_arm64_vcpu_hour",
        ("AmazonECS",),
        "Fargate-ARM-vCPU-Hours:perCPU",
        "vCPU-hour",
        "Fargate Linux/ARM (Graviton) per vCPU per hour",
    ),
    PriceSpec(
        "fargate_arm64_gb_hour",
        ("AmazonECS",),
        "Fargate-ARM-GB-Hours",
        "GB-hour",
        "Fargate Linux/ARM (Graviton) per GB of memory per hour",
    ),
    PriceSpec(
        "alb_hour",
        ("AWSELB",),
        "LoadBalancerUsage",
        "ALB-hour",
        "Application Load Balancer per hour (or partial hour)",
        product_family="Load Balancer-Application",
    ),
    PriceSpec(
        "alb_lcu_hour",
        ("AWSELB",),
        "LCUUsage",
        "LCU-hour",
        "Application Load Balancer per LCU-hour",
        product_family="Load Balancer-Application",
    ),
    PriceSpec(
        "nat_gateway_hour",
        ("AmazonEC2",),
        "NatGateway-Hours",
        "NAT gateway-hour",
        "NAT gateway per hour",
        product_family="NAT Gateway",
    ),
    PriceSpec(
        "nat_gateway_gb",
        ("AmazonEC2",),
        "NatGateway-Bytes",
        "GB",
        "NAT gateway per GB processed",
        product_family="NAT Gateway",
    ),
    PriceSpec(
        "public_ipv4_hour",
        ("AmazonVPC", "AmazonEC2"),
        "PublicIPv4:InUseAddress",
        "IP-hour",
        "public IPv4 address per hour (in use)",
    ),
    PriceSpec(
        "logs_ingest_gb",
        ("AmazonCloudWatch",),
        "DataProcessing-Bytes",
        "GB",
        "CloudWatch Logs standard ingestion per GB",
    ),
    PriceSpec(
        "logs_storage_gb_month",
        ("AmazonCloudWatch",),
        "TimedStorage-ByteHrs",
        "GB-month",
        "CloudWatch Logs storage (archived) per GB-month",
    ),
    PriceSpec(
        "alarm_month",
        ("AmazonCloudWatch",),
        "CW:AlarmMonitorUsage",
        "alarm-month",
        "CloudWatch standard-resolution alarm metric per month",
    ),
    PriceSpec(
        "vpc_endpoint_az_hour",
        ("AmazonVPC", "AmazonEC2"),
        "VpcEndpoint-Hours",
        "endpoint-AZ-hour",
        "interface VPC endpoint per AZ per hour",
    ),
    PriceSpec(
        "vpc_endpoint_gb",
        ("AmazonVPC", "AmazonEC2"),
        "VpcEndpoint-Bytes",
        "GB",
        "interface VPC endpoint per GB processed (first tier)",
    ),
    PriceSpec(
        "ecr_storage_gb_month",
        ("AmazonECR",),
        "TimedStorage-ByteHrs",
        "GB-month",
        "ECR private repository storage per GB-month",
    ),
    PriceSpec("waf_web_acl_month", ("awswaf",), "WebACLV2", "web ACL-month", "AWS WAF web ACL per month"),
    PriceSpec("waf_rule_month", ("awswaf",), "RuleV2", "rule-month", "AWS WAF rule per month"),
    PriceSpec("waf_request", ("awswaf",), "RequestV2-Tier1", "request", "AWS WAF request inspected"),
    PriceSpec(
        "s3_storage_gb_month",
        ("AmazonS3",),
        "TimedStorage-ByteHrs",
        "GB-month",
        "S3 Standard storage per GB-month (first tier)",
    ),
    PriceSpec(
        "logs_vended_ingest_gb",
        ("AmazonCloudWatch",),
        "VendedLog-Bytes",
        "GB",
        "CloudWatch Logs vended logs ingestion per GB (first tier)",
    ),
)

__all__ = ["SPECS", "PriceSpec"]
