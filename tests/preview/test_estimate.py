"""The estimate: quantities times prices, checked against hand arithmetic.

The first part prices hand-made usages with a hand-made table (pure); the second prices the
real stacks' usage with the us-east-1 table, and checks the printed cost section.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from preview.engine import ProgramRun
from preview.estimate import CostEstimate, NoEstimate, estimate, estimate_or_not, price_rows, task_hour_usd
from preview.prices.table import REQUIRED_PRICES, MissingPriceError, Price, PriceTable, load_prices
from preview.report import Preview, format_cost
from preview.usage import CostAssumptions, Quantity, Usage, extract_usage
from tests.run_cache import run_stack

# Hand arithmetic uses these published us-east-1 prices (test_price_table checks the table holds them).
X86_VCPU, X86_GB = 0.04048, 0.004445
ARM_VCPU, ARM_GB = 0.03238, 0.00356
ALB, LCU, NAT, NAT_GB, IPV4 = 0.0225, 0.008, 0.045, 0.045, 0.005
LOGS_IN, LOGS_STORED, ALARM, ENDPOINT, ENDPOINT_GB, ECR = 0.50, 0.03, 0.10, 0.01, 0.01, 0.10
WAF_ACL, WAF_RULE, WAF_REQUEST, S3, VENDED_IN = 5.00, 1.00, 0.0000006, 0.023, 0.50

SMALL = Usage(
    stack="dev",
    region="eu-test-1",
    desired_count=2,
    autoscaling_min=2,
    autoscaling_max=4,
    task_cpu_units=1024,
    task_memory_mib=2048,
    cpu_architecture="X86_64",
    load_balancers=1,
    alb_public_subnets=2,
    nat_gateways=0,
    elastic_ips=0,
    alarms=3,
    interface_endpoints=0,
    interface_endpoint_azs=0,
    log_retention_days=None,
    keep_last_images=10,
)


def table(region: str = "eu-test-1", missing: tuple[str, ...] = ()) -> PriceTable:
    """Round prices for every required key but ``missing`` (which the table says it lacks)."""
    prices = {
        key: Price(usd, "unit", "https://example.test/prices", key)
        for key, usd in zip(REQUIRED_PRICES, [0.1, 0.01, 0.08, 0.008, *([1.0] * 16)], strict=True)
        if key not in missing
    }
    return PriceTable(
        region=region,
        currency="USD",
        as_of="2026-01",
        checked_online=False,
        provenance="by hand, for the tests",
        sources={"test": "https://example.test/prices"},
        prices=prices,
        missing={key: "not transcribed" for key in missing},
    )


# --- pure: hand-made usage and prices ---------------------------------------------------


def test_each_quantity_is_priced_by_its_key_and_the_unpriced_keep_their_reason() -> None:
    quantities = (
        Quantity("alb_hour", "Application Load Balancer", 730.0, "ALB-hours"),
        Quantity("nat_gateway_gb", "NAT data processed", 10.0, "GB"),
    )
    items, unpriced = price_rows(quantities, table(missing=("nat_gateway_gb",)))
    assert [(i.item, i.quantity, i.unit_price_usd, i.monthly_usd) for i in items] == [
        ("Application Load Balancer", 730.0, 1.0, 730.0)
    ]
    assert [(u.item, u.quantity, u.price_key, u.reason) for u in unpriced] == [
        ("NAT data processed", 10.0, "nat_gateway_gb", "not transcribed")
    ]


def test_a_small_usage_by_hand() -> None:
    result = estimate(SMALL, table(), CostAssumptions(releases_per_month=10), release_seconds=1800)
    monthly = {i.item.split(" (")[0]: i.monthly_usd for i in result.items}
    assert monthly == pytest.approx(
        {
            "Fargate vCPU": 2 * 1 * 730 * 0.1,  # 146
            "Fargate memory": 2 * 2 * 730 * 0.01,  # 29.2
            "Application Load Balancer": 730 * 1.0,
            "ALB capacity": 730 * 1.0,
            "public IPv4": 2 * 730 * 1.0,
            "CloudWatch alarms": 3 * 1.0,
            "CloudWatch Logs ingestion": 2 * 1.0,
            "CloudWatch Logs storage": 2 * 12 * 1.0,  # kept forever: 12 months assumed
            "ECR storage": 10 * 0.2 * 1.0,
        }
    )
    assert result.total_monthly_usd == pytest.approx(146 + 29.2 + 730 + 730 + 1460 + 3 + 2 + 24 + 2)
    # A task-hour is 1 x 0.1 + 2 x 0.01 = 0.12; 2 green tasks for half an hour, 10 times a month.
    assert task_hour_usd(SMALL, table()) == pytest.approx(0.12)
    assert result.release_extra is not None
    assert (result.release_extra.green_tasks, result.release_extra.release_seconds) == (2, 1800)
    assert result.release_extra.per_release_usd == pytest.approx(0.12)
    assert result.release_extra.monthly_usd == pytest.approx(1.2)
    assert result.total_with_releases_usd == pytest.approx(result.total_monthly_usd + 1.2)
    assert result.fargate_at_max_monthly_usd == pytest.approx(4 * 0.12 * 730)
    assert (result.region, result.prices_as_of, result.sources) == (
        "eu-test-1",
        "2026-01",
        ("https://example.test/prices",),
    )


def test_without_a_release_duration_there_is_no_release_extra() -> None:
    result = estimate(SMALL, table())
    assert result.release_extra is None
    assert result.total_with_releases_usd == result.total_monthly_usd


def test_without_the_tasks_fargate_prices_no_release_extra_nor_maximum() -> None:
    prices = table(missing=("fargate_x86_64_gb_hour",))
    with pytest.raises(MissingPriceError, match="fargate_x86_64_gb_hour"):
        task_hour_usd(SMALL, prices)
    result = estimate(SMALL, prices, release_seconds=1800)
    assert result.release_extra is None and result.fargate_at_max_monthly_usd is None
    assert [u.price_key for u in result.unpriced] == ["fargate_x86_64_gb_hour"]
    assert result.headline().endswith("; 1 line(s) not priced (no eu-test-1 price)")


def test_an_architecture_without_fargate_prices_is_refused() -> None:
    with pytest.raises(ValueError, match=r"cpu architecture 'RISCV' has no Fargate price \(X86_64, ARM64\)"):
        estimate(replace(SMALL, cpu_architecture="RISCV"), table())


def test_prices_of_another_region_are_refused() -> None:
    with pytest.raises(ValueError, match="prices are for us-east-1, the stack runs in eu-test-1"):
        estimate(SMALL, table(region="us-east-1"))


# --- the real stacks with the us-east-1 table -------------------------------------------


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


def test_prod_estimate_by_hand(prod: ProgramRun, prices: PriceTable) -> None:
    result = estimate(extract_usage(prod), prices, release_seconds=900)  # the prod timeline's worst case
    expected = {
        "Fargate vCPU": 2 * 0.5 * 730 * X86_VCPU,  # 29.5504
        "Fargate memory": 2 * 1 * 730 * X86_GB,  # 6.4897
        "Application Load Balancer": 730 * ALB,  # 16.425
        "ALB capacity": 1 * 730 * LCU,  # 5.84
        "NAT gateways": 2 * 730 * NAT,  # 65.70
        "NAT data processed": 10 * NAT_GB,  # 0.45
        "public IPv4": (2 + 2) * 730 * IPV4,  # 14.60
        "CloudWatch alarms": 6 * ALARM,  # 0.60: response time per target group
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
    assert result.total_monthly_usd == pytest.approx(158.228634, abs=1e-6)
    # 2 green tasks for 900 s each release: 0.25 h x 2 x (0.5 x 0.04048 + 1 x 0.004445) = 0.0123425
    assert result.release_extra is not None
    assert result.release_extra.per_release_usd == pytest.approx(0.0123425)
    assert result.release_extra.monthly_usd == pytest.approx(0.24685)
    assert result.total_with_releases_usd == pytest.approx(158.228634 + 0.24685, abs=1e-6)
    # 6 tasks x 0.024685 x 730
    assert result.fargate_at_max_monthly_usd == pytest.approx(108.1203)


def test_dev_estimate_by_hand(dev: ProgramRun, prices: PriceTable) -> None:
    result = estimate(extract_usage(dev), prices, release_seconds=330)  # the dev timeline's worst case
    assert items(result) == pytest.approx(
        {
            "Fargate vCPU": 0.25 * 730 * X86_VCPU,  # 7.3876
            "Fargate memory": 0.5 * 730 * X86_GB,  # 1.622425
            "Application Load Balancer": 730 * ALB,
            "ALB capacity": 730 * LCU,
            "public IPv4": 3 * 730 * IPV4,  # 10.95: 2 ALB + 1 task (taskSubnets: public, no NAT)
            "CloudWatch alarms": 6 * ALARM,  # 0.60
            "CloudWatch Logs ingestion": 1 * LOGS_IN,
            "CloudWatch Logs storage": 7 / (730 / 24) * LOGS_STORED,  # 0.0069
            "ECR storage": 5 * 0.2 * ECR,  # 0.10
            "ALB access logs in S3": 1 * 14 / (730 / 24) * S3,  # 0.0106: dev has no WAF, no flow logs
        }
    )
    assert result.total_monthly_usd == pytest.approx(43.4425154, abs=1e-6)
    # 330 s x 1 green task x (0.25 x 0.04048 + 0.5 x 0.004445 + its public IPv4 0.005)
    # = 0.0917 h x 0.0173425
    assert result.release_extra is not None
    assert result.release_extra.per_release_usd == pytest.approx(330 / 3600 * 0.0173425)
    assert result.release_extra.monthly_usd == pytest.approx(20 * 330 / 3600 * 0.0173425)
    assert result.fargate_at_max_monthly_usd is None


def test_dev_without_nat_costs_at_most_45_and_saves_the_nat_gateway(
    dev: ProgramRun, prices: PriceTable
) -> None:
    """Issue: dev at half the cost. The NAT gateway, its data and its Elastic IP go; the task's own
    public IPv4 address comes: the saving is exactly a NAT gateway-month and its data."""
    cheap = estimate(extract_usage(dev), prices)
    with_nat = estimate(
        extract_usage(run_stack("dev", {"network": {"availabilityZones": 2, "natGateways": 1}})), prices
    )
    assert with_nat.total_monthly_usd == pytest.approx(76.7425154, abs=1e-6)  # the stack as it was, 6 alarms
    assert cheap.total_monthly_usd <= 45
    assert with_nat.total_monthly_usd - cheap.total_monthly_usd == pytest.approx(730 * NAT + 10 * NAT_GB)
    assert items(with_nat)["public IPv4"] == items(cheap)["public IPv4"]  # an Elastic IP for a task IP


def test_the_preview_prices_releases_at_the_timelines_worst_case(dev: ProgramRun, prod: ProgramRun) -> None:
    for run, worst_case in ((dev, 330), (prod, 900)):
        preview = Preview.of(run)
        assert preview.timeline.worst_case_seconds == worst_case
        assert isinstance(preview.cost, CostEstimate) and preview.cost.release_extra is not None
        assert preview.cost.release_extra.release_seconds == worst_case


def test_arm_tasks_use_the_arm_prices(prices: PriceTable) -> None:
    run = run_stack("dev", {"task": {"cpu": 1024, "memory": 2048, "cpuArchitecture": "ARM64"}})
    result = estimate(extract_usage(run), prices)
    assert items(result)["Fargate vCPU"] == pytest.approx(1 * 730 * ARM_VCPU)  # 23.6374
    assert items(result)["Fargate memory"] == pytest.approx(2 * 730 * ARM_GB)  # 5.1976
    assert result.items[0].item == "Fargate vCPU (ARM64, 1 task x 1 vCPU)"


def test_interface_endpoints_instead_of_nat(prices: PriceTable) -> None:
    run = run_stack("dev", {"network": {"availabilityZones": 3, "natGateways": 0, "vpcEndpoints": True}})
    costs = items(estimate(extract_usage(run), prices))
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


def test_a_stack_in_a_region_without_prices_gets_one_line() -> None:
    run = run_stack("dev", {"aws:region": "ap-southeast-2"})
    result = estimate_or_not(extract_usage(run), release_seconds=330)
    assert isinstance(result, NoEstimate)
    assert result.command == "python -m preview.prices refresh --region ap-southeast-2"
    assert format_cost(result) == [
        "  dev in ap-southeast-2: no price estimate: no price table for region 'ap-southeast-2' (looked for "
        "preview/prices/ap-southeast-2.json); regions with tables: ap-northeast-2, us-east-1. "
        "Produce the table with: python -m preview.prices refresh --region ap-southeast-2"
    ]


def test_format_cost_for_prod(prod: ProgramRun) -> None:
    result = estimate_or_not(extract_usage(prod), release_seconds=900)
    assert isinstance(result, CostEstimate) and result.unpriced == ()
    lines = format_cost(result)
    text = "\n".join(lines)
    assert lines[0] == "  prod in us-east-1: estimated USD per month"
    assert lines[1].startswith("  Fargate vCPU (X86_64, 2 tasks x 0.5 vCPU)")
    assert lines[1].endswith("730 vCPU-hours  x $0.04048     $29.55")  # price column as wide as $0.0000006
    assert any(line.startswith("  total (steady state)") and line.endswith("$158.23") for line in lines)
    assert any(line.startswith("  total with releases") and line.endswith("$158.48") for line in lines)
    assert "releases: 20 x 15:00 (worst case) with 2 green task(s)" in text
    assert "Fargate alone would cost $108.12" in text
    assert "as of 2025-06 (NOT re-checked online)" in text
    assert "https://aws.amazon.com/fargate/pricing/" in text
    assert "730 h/month; 20 releases/month; ALB average 1 LCU; 10 GB/month through NAT" in text
    assert "https://aws.amazon.com/waf/pricing/" in text and "https://aws.amazon.com/s3/pricing/" in text
    assert "WAF (if any): 10,000,000 requests/month" in text
    assert "alias queries to the ALB are free" in text


def test_the_dev_stacks_total_is_43_44_a_month(dev: ProgramRun) -> None:
    lines = format_cost(Preview.of(dev).cost)
    assert any(line.startswith("  total (steady state)") and line.endswith("$43.44") for line in lines)
    assert any(line.startswith("  total with releases") and line.endswith("$43.47") for line in lines)
    assert any(line.startswith("  public IPv4 (2 ALB + 0 Elastic IP + 1 task)") for line in lines)
    assert not any("NAT" in line for line in lines[:-3])  # no NAT line (the assumptions still name it)
