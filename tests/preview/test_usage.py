"""Usage: the billed quantities read from the declared resources, and metered for a month."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace

import pytest

from preview.engine import ProgramRun, Recorded
from preview.prices.table import REQUIRED_PRICES
from preview.usage import METERS, CostAssumptions, Quantity, Usage, billed_quantities, extract_usage
from tests.run_cache import run_stack

DEV_LIKE = Usage(
    stack="dev",
    region="us-east-1",
    desired_count=1,
    autoscaling_min=None,
    autoscaling_max=None,
    task_cpu_units=256,
    task_memory_mib=512,
    cpu_architecture="X86_64",
    load_balancers=1,
    alb_public_subnets=2,
    nat_gateways=0,
    elastic_ips=0,
    alarms=6,
    interface_endpoints=0,
    interface_endpoint_azs=0,
    log_retention_days=7,
    keep_last_images=5,
    access_log_expiration_days=14,
    task_public_ip=True,  # network.taskSubnets: public
)


@pytest.fixture(scope="module")
def prod() -> ProgramRun:
    return run_stack("prod")


@pytest.fixture(scope="module")
def dev() -> ProgramRun:
    return run_stack("dev")


# --- read from the declared resources ---------------------------------------------------


def test_prod_usage_from_the_declared_resources(prod: ProgramRun) -> None:
    assert extract_usage(prod) == Usage(
        stack="prod",
        region="us-east-1",
        desired_count=2,
        autoscaling_min=2,
        autoscaling_max=6,
        task_cpu_units=512,
        task_memory_mib=1024,
        cpu_architecture="X86_64",
        load_balancers=1,
        alb_public_subnets=2,
        nat_gateways=2,
        elastic_ips=2,
        alarms=6,
        interface_endpoints=0,
        interface_endpoint_azs=0,
        log_retention_days=90,
        keep_last_images=20,
        web_acls=1,
        web_acl_rules=4,  # three AWS managed rule groups and the rate rule
        access_log_expiration_days=365,
        flow_logs=1,
        flow_log_retention_days=365,
    )


def test_dev_usage_from_the_declared_resources(dev: ProgramRun) -> None:
    assert extract_usage(dev) == DEV_LIKE
    assert (DEV_LIKE.vcpu, DEV_LIKE.memory_gb, DEV_LIKE.public_ipv4) == (0.25, 0.5, 3)


def test_each_task_with_a_public_ip_counts_one_address() -> None:
    run = run_stack("dev", {"service": {"desiredCount": 3}})
    usage = extract_usage(run)
    assert (usage.task_public_ips, usage.elastic_ips, usage.public_ipv4) == (3, 0, 5)
    private = run_stack("dev", {"network": {"availabilityZones": 2, "natGateways": 1}})
    assert (extract_usage(private).task_public_ips, extract_usage(private).elastic_ips) == (0, 1)


def test_interface_endpoints_instead_of_nat() -> None:
    run = run_stack("dev", {"network": {"availabilityZones": 3, "natGateways": 0, "vpcEndpoints": True}})
    usage = extract_usage(run)
    assert (usage.interface_endpoints, usage.interface_endpoint_azs, usage.nat_gateways) == (4, 12, 0)
    assert (usage.alb_public_subnets, usage.elastic_ips) == (3, 0)


@dataclass
class FakeRun:
    stack: str
    resources: list[Recorded] = field(default_factory=list)


def test_an_internal_load_balancer_has_no_public_addresses(prod: ProgramRun) -> None:
    resources = [copy.deepcopy(r) for r in prod.resources]
    for resource in resources:
        if resource.type == "aws:lb/loadBalancer:LoadBalancer":
            resource.inputs["internal"] = True
    usage = extract_usage(FakeRun("prod", resources))
    assert (usage.load_balancers, usage.alb_public_subnets, usage.public_ipv4) == (1, 0, 2)  # NAT EIPs only


def test_usage_needs_no_release_resources(prod: ProgramRun) -> None:
    """Usage reads what is billed; the release's duration is the timeline's, passed to the estimate."""
    kept = [r for r in prod.resources if not r.type.startswith(("aws:codedeploy/", "pulumi-python:dynamic/"))]
    assert extract_usage(FakeRun("prod", kept)) == extract_usage(prod)


def test_a_stack_without_a_service_names_what_is_missing(prod: ProgramRun) -> None:
    kept = [r for r in prod.resources if r.type != "aws:ecs/service:Service"]
    with pytest.raises(
        ValueError, match=r"stack 'prod': expected one ECS service \(aws:ecs/service:Service\), found 0"
    ):
        extract_usage(FakeRun("prod", kept))


# --- metered for a month (pure) ---------------------------------------------------------


def test_every_meter_takes_a_specified_price_and_every_specified_price_has_a_meter() -> None:
    keys = {m.price_key.format(arch=arch) for m in METERS for arch in ("x86_64", "arm64")}
    assert keys == set(REQUIRED_PRICES)


def test_dev_like_usage_metered_by_hand() -> None:
    hours_per_day_month = 730 / 24
    assert billed_quantities(DEV_LIKE) == (
        Quantity(
            "fargate_x86_64_vcpu_hour", "Fargate vCPU (X86_64, 1 task x 0.25 vCPU)", 182.5, "vCPU-hours"
        ),
        Quantity("fargate_x86_64_gb_hour", "Fargate memory (X86_64, 1 task x 0.5 GB)", 365.0, "GB-hours"),
        Quantity("alb_hour", "Application Load Balancer", 730.0, "ALB-hours"),
        Quantity("alb_lcu_hour", "ALB capacity (1 LCU average)", 730.0, "LCU-hours"),
        Quantity("public_ipv4_hour", "public IPv4 (2 ALB + 0 Elastic IP + 1 task)", 3 * 730.0, "IP-hours"),
        Quantity("alarm_month", "CloudWatch alarms (6)", 6, "alarm-months"),
        Quantity("logs_ingest_gb", "CloudWatch Logs ingestion", 1.0, "GB"),
        Quantity(
            "logs_storage_gb_month",
            "CloudWatch Logs storage (7-day retention)",
            1.0 * (7 / hours_per_day_month),
            "GB-months",
        ),
        Quantity("ecr_storage_gb_month", "ECR storage (5 images x 0.2 GB)", 5 * 0.2, "GB-months"),
        Quantity(
            "s3_storage_gb_month",
            "ALB access logs in S3 (14-day expiry)",
            1.0 * 14 / hours_per_day_month,
            "GB-months",
        ),
    )


def test_nat_and_its_elastic_ip_metered_by_hand() -> None:
    """Dev as it was: private tasks behind one NAT gateway with its Elastic IP."""
    with_nat = replace(DEV_LIKE, nat_gateways=1, elastic_ips=1, task_public_ip=False)
    rows = {q.price_key: (q.item, q.quantity) for q in billed_quantities(with_nat)}
    assert rows["nat_gateway_hour"] == ("NAT gateways (1)", 730.0)
    assert rows["nat_gateway_gb"] == ("NAT data processed", 10.0)
    assert rows["public_ipv4_hour"] == ("public IPv4 (2 ALB + 1 Elastic IP)", 3 * 730.0)


def test_meters_that_do_not_apply_are_left_out_and_a_zero_that_applies_is_kept() -> None:
    bare = replace(
        DEV_LIKE,
        desired_count=0,
        load_balancers=0,
        alb_public_subnets=0,
        nat_gateways=0,
        elastic_ips=0,
        alarms=0,
        access_log_expiration_days=None,
    )
    rows = {q.price_key: q.quantity for q in billed_quantities(bare)}
    assert rows == {
        "fargate_x86_64_vcpu_hour": 0.0,
        "fargate_x86_64_gb_hour": 0.0,
        "logs_ingest_gb": 0.0,
        "logs_storage_gb_month": 0.0,
        "ecr_storage_gb_month": 1.0,
    }


def test_edge_arm_endpoints_and_logs_kept_forever_metered_by_hand() -> None:
    usage = replace(
        DEV_LIKE,
        desired_count=2,
        task_cpu_units=1024,
        task_memory_mib=2048,
        cpu_architecture="ARM64",
        nat_gateways=0,
        elastic_ips=0,
        interface_endpoints=4,
        interface_endpoint_azs=12,
        log_retention_days=None,
        keep_last_images=None,
        web_acls=1,
        web_acl_rules=4,
        flow_logs=1,
        flow_log_retention_days=None,
    )
    assumptions = CostAssumptions(hours_per_month=720, waf_requests_per_month=2_000_000)
    rows = {(q.price_key, q.item): (q.quantity, q.unit) for q in billed_quantities(usage, assumptions)}
    assert rows[("fargate_arm64_vcpu_hour", "Fargate vCPU (ARM64, 2 tasks x 1 vCPU)")] == (1440, "vCPU-hours")
    assert rows[("fargate_arm64_gb_hour", "Fargate memory (ARM64, 2 tasks x 2 GB)")] == (2880, "GB-hours")
    endpoint_azs = ("vpc_endpoint_az_hour", "interface VPC endpoints (4 x 3 AZs)")
    assert rows[endpoint_azs] == (12 * 720, "endpoint-AZ-hours")
    assert rows[("vpc_endpoint_gb", "VPC endpoint data processed")] == (5.0, "GB")
    # Logs that never expire are assumed stored for 12 months; no lifecycle rule keeps 10 images.
    assert rows[("logs_storage_gb_month", "CloudWatch Logs storage (never expire)")] == (24.0, "GB-months")
    assert rows[("ecr_storage_gb_month", "ECR storage (10 images x 0.2 GB)")] == (2.0, "GB-months")
    assert rows[("waf_web_acl_month", "WAF web ACLs (1)")] == (1, "web ACL-months")
    assert rows[("waf_rule_month", "WAF rules (4)")] == (4, "rule-months")
    assert rows[("waf_request", "WAF requests (2 million)")] == (2_000_000, "requests")
    assert rows[("logs_vended_ingest_gb", "VPC flow logs ingestion (vended logs)")] == (2.0, "GB")
    assert rows[("logs_storage_gb_month", "VPC flow logs storage (never expire)")] == (24.0, "GB-months")
    assert not any(key.startswith("nat_gateway") for key, _ in rows)


def test_endpoints_over_uneven_zones_are_counted_per_endpoint_zone() -> None:
    usage = replace(DEV_LIKE, interface_endpoints=4, interface_endpoint_azs=10)
    (row,) = (q for q in billed_quantities(usage) if q.price_key == "vpc_endpoint_az_hour")
    assert row.item == "interface VPC endpoints (4, 10 endpoint-AZs)"
