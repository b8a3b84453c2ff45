"""The cost estimate, checked against hand arithmetic with the us-east-1 table's prices."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from preview.cost import (
    PRICES_DIR,
    REQUIRED_PRICES,
    CostAssumptions,
    CostEstimate,
    NoEstimate,
    PriceTable,
    PriceTableError,
    Usage,
    estimate,
    estimate_run,
    extract_usage,
    format_cost,
    load_prices,
)
from preview.engine import ProgramRun, Recorded
from tests.run_cache import run_stack

# Hand arithmetic uses these published us-east-1 prices (the table must hold exactly these).
X86_VCPU, X86_GB = 0.04048, 0.004445
ARM_VCPU, ARM_GB = 0.03238, 0.00356
ALB, LCU, NAT, NAT_GB, IPV4 = 0.0225, 0.008, 0.045, 0.045, 0.005
LOGS_IN, LOGS_STORED, ALARM, ENDPOINT, ENDPOINT_GB, ECR = 0.50, 0.03, 0.10, 0.01, 0.01, 0.10
WAF_ACL, WAF_RULE, WAF_REQUEST, S3, VENDED_IN = 5.00, 1.00, 0.0000006, 0.023, 0.50


@pytest.fixture(scope="module")
def prices() -> PriceTable:
    return load_prices("us-east-1")


@pytest.fixture(scope="module")
def prod() -> ProgramRun:
    return run_stack("prod")


@pytest.fixture(scope="module")
def dev() -> ProgramRun:
    return run_stack("dev")


def items(result: CostEstimate) -> dict[str, float]:
    """Monthly USD by the line item's first words (before any parenthesis)."""
    return {i.item.split(" (")[0]: i.monthly_usd for i in result.items}


# --- the price table --------------------------------------------------------------------


def test_price_table_holds_the_published_prices(prices: PriceTable) -> None:
    assert {key: prices.usd(key) for key in REQUIRED_PRICES} == {
        "fargate_x86_64_vcpu_hour": X86_VCPU,
        "fargate_x86_64_gb_hour": X86_GB,
        "fargate_arm64_vcpu_hour": ARM_VCPU,
        "fargate_arm64_gb_hour": ARM_GB,
        "alb_hour": ALB,
        "alb_lcu_hour": LCU,
        "nat_gateway_hour": NAT,
        "nat_gateway_gb": NAT_GB,
        "public_ipv4_hour": IPV4,
        "logs_ingest_gb": LOGS_IN,
        "logs_storage_gb_month": LOGS_STORED,
        "alarm_month": ALARM,
        "vpc_endpoint_az_hour": ENDPOINT,
        "vpc_endpoint_gb": ENDPOINT_GB,
        "ecr_storage_gb_month": ECR,
        "waf_web_acl_month": WAF_ACL,
        "waf_rule_month": WAF_RULE,
        "waf_request": WAF_REQUEST,
        "s3_storage_gb_month": S3,
        "logs_vended_ingest_gb": VENDED_IN,
    }


def test_price_table_is_dated_sourced_and_honest_about_not_being_rechecked(prices: PriceTable) -> None:
    assert (prices.region, prices.currency, prices.as_of, prices.checked_online) == (
        "us-east-1",
        "USD",
        "2025-06",
        False,
    )
    assert "NOT re-checked online" in prices.provenance
    for key in REQUIRED_PRICES:
        assert prices.prices[key].source.startswith("https://aws.amazon.com/"), key
    assert prices.prices["fargate_x86_64_vcpu_hour"].source == "https://aws.amazon.com/fargate/pricing/"
    assert prices.prices["public_ipv4_hour"].source == "https://aws.amazon.com/vpc/pricing/"
    assert prices.prices["vpc_endpoint_az_hour"].source == "https://aws.amazon.com/privatelink/pricing/"


def test_unknown_region_names_it_and_the_regions_with_tables() -> None:
    with pytest.raises(
        PriceTableError,
        match=r"no price table for region 'eu-west-1' \(looked for preview/prices/eu-west-1.json\); "
        r"regions with tables: ap-northeast-2, us-east-1",
    ):
        load_prices("eu-west-1")


def test_a_table_missing_a_price_is_loaded_and_says_which(tmp_path: Path) -> None:
    data = json.loads((PRICES_DIR / "us-east-1.json").read_text())
    del data["prices"]["nat_gateway_gb"]
    del data["prices"]["alb_hour"]
    data["missing"] = {"alb_hour": "the API returned no on-demand price"}
    (tmp_path / "us-east-1.json").write_text(json.dumps(data))
    table = load_prices("us-east-1", tmp_path)
    assert table.missing == {
        "alb_hour": "the API returned no on-demand price",
        "nat_gateway_gb": "not in the table",
    }
    assert len(table.prices) == len(REQUIRED_PRICES) - 2


def test_a_price_with_an_unknown_source_is_rejected(tmp_path: Path) -> None:
    data = json.loads((PRICES_DIR / "us-east-1.json").read_text())
    data["prices"]["alb_hour"]["source"] = "blog"
    (tmp_path / "us-east-1.json").write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r"alb_hour\.source 'blog'"):
        load_prices("us-east-1", tmp_path)


# --- usage ------------------------------------------------------------------------------


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
        alarms=5,
        interface_endpoints=0,
        interface_endpoint_azs=0,
        log_retention_days=90,
        keep_last_images=20,
        release_seconds=900,  # the prod timeline's worst case, 15:00
        web_acls=1,
        web_acl_rules=4,  # three AWS managed rule groups and the rate rule
        access_log_expiration_days=365,
        flow_logs=1,
        flow_log_retention_days=365,
    )


def test_dev_usage_from_the_declared_resources(dev: ProgramRun) -> None:
    usage = extract_usage(dev)
    assert (usage.desired_count, usage.autoscaling_max, usage.task_cpu_units, usage.task_memory_mib) == (
        1,
        None,
        256,
        512,
    )
    assert (usage.nat_gateways, usage.elastic_ips, usage.public_ipv4) == (1, 1, 3)
    assert (usage.log_retention_days, usage.keep_last_images, usage.release_seconds) == (7, 5, 270)


# --- estimates --------------------------------------------------------------------------


def test_prod_estimate_by_hand(prod: ProgramRun, prices: PriceTable) -> None:
    result = estimate(extract_usage(prod), prices)
    expected = {
        "Fargate vCPU": 2 * 0.5 * 730 * X86_VCPU,  # 29.5504
        "Fargate memory": 2 * 1 * 730 * X86_GB,  # 6.4897
        "Application Load Balancer": 730 * ALB,  # 16.425
        "ALB capacity": 1 * 730 * LCU,  # 5.84
        "NAT gateways": 2 * 730 * NAT,  # 65.70
        "NAT data processed": 10 * NAT_GB,  # 0.45
        "public IPv4": (2 + 2) * 730 * IPV4,  # 14.60
        "CloudWatch alarms": 5 * ALARM,  # 0.50
        "CloudWatch Logs ingestion": 2 * 1 * LOGS_IN,  # 1.00
        "CloudWatch Logs storage": 2 * 90 / (730 / 24) * LOGS_STORED,  # 5.9178 GB-months -> 0.1775
        "ECR storage": 20 * 0.2 * ECR,  # 0.40
        "WAF web ACLs": 1 * WAF_ACL,  # 5.00
        "WAF rules": 4 * WAF_RULE,  # 4.00
        "WAF requests": 10_000_000 * WAF_REQUEST,  # 6.00
        "ALB access logs in S3": 1 * 365 / (730 / 24) * S3,  # 12 GB-months -> 0.276
        "VPC flow logs ingestion": 2 * VENDED_IN,  # 1.00
        "VPC flow logs storage": 2 * 365 / (730 / 24) * LOGS_STORED,  # 24 GB-months -> 0.72
    }
    assert items(result) == pytest.approx(expected)
    assert result.total_monthly_usd == pytest.approx(158.128634, abs=1e-6)
    # 2 green tasks for 900 s each release: 0.25 h x 2 x (0.5 x 0.04048 + 1 x 0.004445) = 0.0123425
    assert result.release_extra is not None
    assert result.release_extra.per_release_usd == pytest.approx(0.0123425)
    assert result.release_extra.monthly_usd == pytest.approx(0.24685)
    assert result.total_with_releases_usd == pytest.approx(158.128634 + 0.24685, abs=1e-6)
    # 6 tasks x 0.024685 x 730
    assert result.fargate_at_max_monthly_usd == pytest.approx(108.1203)


def test_dev_estimate_by_hand(dev: ProgramRun, prices: PriceTable) -> None:
    result = estimate(extract_usage(dev), prices)
    assert items(result) == pytest.approx(
        {
            "Fargate vCPU": 0.25 * 730 * X86_VCPU,  # 7.3876
            "Fargate memory": 0.5 * 730 * X86_GB,  # 1.622425
            "Application Load Balancer": 730 * ALB,
            "ALB capacity": 730 * LCU,
            "NAT gateways": 730 * NAT,  # 32.85
            "NAT data processed": 10 * NAT_GB,
            "public IPv4": 3 * 730 * IPV4,  # 10.95
            "CloudWatch alarms": 5 * ALARM,
            "CloudWatch Logs ingestion": 1 * LOGS_IN,
            "CloudWatch Logs storage": 7 / (730 / 24) * LOGS_STORED,  # 0.0069
            "ECR storage": 5 * 0.2 * ECR,  # 0.10
            "ALB access logs in S3": 1 * 14 / (730 / 24) * S3,  # 0.0106: dev has no WAF, no flow logs
        }
    )
    assert result.total_monthly_usd == pytest.approx(76.6425154, abs=1e-6)
    # 270 s x 1 task x (0.25 x 0.04048 + 0.5 x 0.004445) = 0.075 h x 0.0123425
    assert result.release_extra is not None
    assert result.release_extra.per_release_usd == pytest.approx(270 / 3600 * 0.0123425)
    assert result.release_extra.monthly_usd == pytest.approx(20 * 270 / 3600 * 0.0123425)
    assert result.fargate_at_max_monthly_usd is None


def test_arm_tasks_use_the_arm_prices(prices: PriceTable) -> None:
    run = run_stack("dev", {"task": {"cpu": 1024, "memory": 2048, "cpuArchitecture": "ARM64"}})
    result = estimate(extract_usage(run), prices)
    assert items(result)["Fargate vCPU"] == pytest.approx(1 * 730 * ARM_VCPU)  # 23.6374
    assert items(result)["Fargate memory"] == pytest.approx(2 * 730 * ARM_GB)  # 5.1976
    assert result.items[0].item == "Fargate vCPU (ARM64, 1 task x 1 vCPU)"


def test_interface_endpoints_instead_of_nat(prices: PriceTable) -> None:
    run = run_stack("dev", {"network": {"availabilityZones": 3, "natGateways": 0, "vpcEndpoints": True}})
    usage = extract_usage(run)
    assert (usage.interface_endpoints, usage.interface_endpoint_azs, usage.nat_gateways) == (4, 12, 0)
    result = estimate(usage, prices)
    costs = items(result)
    assert costs["interface VPC endpoints"] == pytest.approx(4 * 3 * 730 * ENDPOINT)  # 87.60
    assert costs["VPC endpoint data processed"] == pytest.approx(5 * ENDPOINT_GB)
    assert costs["public IPv4"] == pytest.approx(3 * 730 * IPV4)  # 3 ALB subnets, no EIP
    assert "NAT gateways" not in costs and "NAT data processed" not in costs


def test_release_extra_with_a_given_duration_and_assumptions(prod: ProgramRun, prices: PriceTable) -> None:
    usage = extract_usage(prod)
    result = estimate(usage, prices, CostAssumptions(releases_per_month=4), release_seconds=3600)
    # 2 tasks x 1 h x 0.024685 = 0.04937 per release, x 4
    assert result.release_extra is not None
    assert result.release_extra.per_release_usd == pytest.approx(0.04937)
    assert result.release_extra.monthly_usd == pytest.approx(0.19748)


def test_assumptions_change_the_items_they_drive(prod: ProgramRun, prices: PriceTable) -> None:
    assumptions = CostAssumptions(
        alb_average_lcu=2.5, nat_gb_per_month=100, log_gb_per_task_month=4, image_size_gb=1
    )
    costs = items(estimate(extract_usage(prod), prices, assumptions))
    assert costs["ALB capacity"] == pytest.approx(2.5 * 730 * LCU)  # 14.60
    assert costs["NAT data processed"] == pytest.approx(100 * NAT_GB)  # 4.50
    assert costs["CloudWatch Logs ingestion"] == pytest.approx(2 * 4 * LOGS_IN)  # 4.00
    assert costs["ECR storage"] == pytest.approx(20 * 1 * ECR)  # 2.00


def test_no_release_duration_means_no_release_extra(prod: ProgramRun, prices: PriceTable) -> None:
    usage = replace(extract_usage(prod), release_seconds=None)
    assert estimate(usage, prices).release_extra is None


def test_prices_of_another_region_are_refused(prod: ProgramRun, prices: PriceTable) -> None:
    usage = replace(extract_usage(prod), region="eu-west-1")
    with pytest.raises(ValueError, match="eu-west-1"):
        estimate(usage, prices)


def test_estimate_run_for_a_stack_in_a_region_without_prices() -> None:
    run = run_stack("dev", {"aws:region": "ap-southeast-2"})
    result = estimate_run(run)
    assert isinstance(result, NoEstimate)
    assert result.command == "python -m preview.prices refresh --region ap-southeast-2"
    assert format_cost(result) == [
        "  dev in ap-southeast-2: no price estimate: no price table for region 'ap-southeast-2' (looked for "
        "preview/prices/ap-southeast-2.json); regions with tables: ap-northeast-2, us-east-1. "
        "Produce the table with: python -m preview.prices refresh --region ap-southeast-2"
    ]


def test_format_cost_for_prod(prod: ProgramRun) -> None:
    result = estimate_run(prod)
    assert isinstance(result, CostEstimate) and result.unpriced == ()
    lines = format_cost(result)
    text = "\n".join(lines)
    assert lines[0] == "  prod in us-east-1: estimated USD per month"
    assert lines[1].startswith("  Fargate vCPU (X86_64, 2 tasks x 0.5 vCPU)")
    assert lines[1].endswith("730 vCPU-hours  x $0.04048     $29.55")  # price column as wide as $0.0000006
    assert any(line.startswith("  total (steady state)") and line.endswith("$158.13") for line in lines)
    assert any(line.startswith("  total with releases") and line.endswith("$158.38") for line in lines)
    assert "releases: 20 x 15:00 (worst case) with 2 green task(s)" in text
    assert "Fargate alone would cost $108.12" in text
    assert "as of 2025-06 (NOT re-checked online)" in text
    assert "https://aws.amazon.com/fargate/pricing/" in text
    assert "730 h/month; 20 releases/month; ALB average 1 LCU; 10 GB/month through NAT" in text
    assert "https://aws.amazon.com/waf/pricing/" in text and "https://aws.amazon.com/s3/pricing/" in text
    assert "WAF (if any): 10,000,000 requests/month" in text
    assert "alias queries to the ALB are free" in text


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
