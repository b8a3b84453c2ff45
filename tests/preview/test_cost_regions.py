"""Prices for any region: Seoul's table, a region without one, a partial or broken one; no traceback."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from preview.__main__ import main
from preview.engine import ProgramRun
from preview.estimate import CostEstimate, NoEstimate, estimate, estimate_or_not
from preview.prices.table import PRICES_DIR, REQUIRED_PRICES, load_prices
from preview.report import Preview, format_cost, markdown_report, text_report
from preview.usage import extract_usage
from tests.run_cache import run_stack

SEOUL = "ap-northeast-2"


@pytest.fixture(scope="module")
def seoul() -> ProgramRun:
    return run_stack("dev", {"aws:region": SEOUL})


@pytest.fixture(scope="module")
def sao_paulo() -> ProgramRun:
    return run_stack("dev", {"aws:region": "sa-east-1"})


EDGE_PRICES = (
    "waf_web_acl_month",
    "waf_rule_month",
    "waf_request",
    "s3_storage_gb_month",
    "logs_vended_ingest_gb",
)


def items(result: CostEstimate) -> dict[str, float]:
    return {i.item.split(" (")[0]: i.monthly_usd for i in result.items}


def test_the_seoul_table_is_complete_dated_and_says_it_was_not_fetched() -> None:
    table = load_prices(SEOUL)
    # The edge's prices (WAF, S3, vended logs) were not transcribed for Seoul: listed, not guessed.
    assert sorted(table.missing) == sorted(EDGE_PRICES)
    assert all("not transcribed" in reason for reason in table.missing.values())
    assert sorted(table.prices) == sorted(set(REQUIRED_PRICES) - set(EDGE_PRICES))
    assert (table.as_of, table.checked_online, table.currency) == ("2026-10", False, "USD")
    assert "NOT fetched from AWS" in table.provenance
    assert "python -m preview.prices refresh --region ap-northeast-2" in table.provenance
    for key, price in table.prices.items():
        assert price.source.startswith("https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/"), key
        assert price.source.endswith("/current/ap-northeast-2/index.json"), key
    raw = json.loads((PRICES_DIR / f"{SEOUL}.json").read_text())
    for key, entry in raw["prices"].items():
        assert entry["usage_type"] and entry["quoted_by"], key  # every figure says where it was found


def test_dev_in_seoul_by_hand(seoul: ProgramRun) -> None:
    result = estimate_or_not(extract_usage(seoul))
    assert isinstance(result, CostEstimate)
    assert [(u.item, u.price_key) for u in result.unpriced] == [
        ("ALB access logs in S3 (14-day expiry)", "s3_storage_gb_month")
    ]
    assert items(result) == pytest.approx(
        {
            "Fargate vCPU": 0.25 * 730 * 0.04656,
            "Fargate memory": 0.5 * 730 * 0.00511,
            "Application Load Balancer": 730 * 0.0225,
            "ALB capacity": 730 * 0.008,
            "public IPv4": 3 * 730 * 0.005,  # 2 ALB + 1 task: dev's tasks in public subnets, no NAT
            "CloudWatch alarms": 6 * 0.10,
            "CloudWatch Logs ingestion": 1 * 0.76,
            "CloudWatch Logs storage": 7 / (730 / 24) * 0.0314,
            "ECR storage": 5 * 0.2 * 0.10,
        }
    )
    # 88.60 with the NAT gateway (43.07 + 0.59) dev had before taskSubnets: public, + 0.10 for
    # the sixth alarm (response time per target group)
    assert result.total_monthly_usd == pytest.approx(88.60 + 0.10 - 730 * 0.059 - 10 * 0.059, abs=0.01)


def test_a_region_without_a_table_gets_the_whole_preview_and_one_cost_line(sao_paulo: ProgramRun) -> None:
    preview = Preview.of(sao_paulo)
    assert isinstance(preview.cost, NoEstimate)
    text = text_report(preview)
    assert "Resources" in text and any(line.startswith("Release timeline") for line in text)
    cost = text[text.index("Monthly cost estimate") + 1 :]
    assert cost == [
        "  dev in sa-east-1: no price estimate: no price table for region 'sa-east-1' (looked for "
        "preview/prices/sa-east-1.json); regions with tables: ap-northeast-2, us-east-1. "
        "Produce the table with: python -m preview.prices refresh --region sa-east-1"
    ]
    headline = dict(preview.headline())
    assert headline["region"] == "sa-east-1"
    assert headline["estimated monthly cost"] == (
        "not estimated: no usable sa-east-1 price table (see the cost section)"
    )
    markdown = markdown_report(preview)
    assert "### Release timeline" in markdown and "<summary>Resources</summary>" in markdown
    assert "Produce the table with: python -m preview.prices refresh --region sa-east-1." in markdown


@pytest.mark.usefixtures("preview_runs_cached")
def test_main_previews_a_stack_in_a_region_without_prices(tmp_path: Path) -> None:
    """What `make preview` does for a stack in eu-west-1: exit 0, every section, no traceback."""
    out, say = io.StringIO(), io.StringIO()
    assert main(["--stack", "dev", "--region", "eu-west-1", "--out", str(tmp_path)], out=out, say=say) == 0
    text = out.getvalue()
    assert "Traceback" not in text + say.getvalue()
    assert "Release timeline" in text and "Subnet my-app-dev-public-1" in text
    assert text.rstrip().endswith(
        "Produce the table with: python -m preview.prices refresh --region eu-west-1"
    )
    assert (tmp_path / "preview-dev-eu-west-1.md").is_file()
    assert (tmp_path / "architecture-dev-eu-west-1.svg").is_file()


def _partial(tmp_path: Path, *drop: str) -> Path:
    data = json.loads((PRICES_DIR / f"{SEOUL}.json").read_text())
    for key in drop:
        del data["prices"][key]
    data["missing"] = {key: "the API returned no on-demand price" for key in drop}
    (tmp_path / f"{SEOUL}.json").write_text(json.dumps(data))
    return tmp_path


def test_a_partial_table_prices_what_it_can_and_names_the_rest(tmp_path: Path) -> None:
    # dev with private tasks behind a NAT gateway, whose prices the partial table lacks
    usage = extract_usage(run_stack("dev", {"aws:region": SEOUL, "network": {"natGateways": 1}}))
    partial = load_prices(SEOUL, _partial(tmp_path, "nat_gateway_hour", "nat_gateway_gb"))
    result = estimate(usage, partial, release_seconds=270)
    complete = estimate(usage, load_prices(SEOUL))
    assert [(u.item, u.price_key) for u in result.unpriced] == [
        ("NAT gateways (1)", "nat_gateway_hour"),
        ("NAT data processed", "nat_gateway_gb"),
        ("ALB access logs in S3 (14-day expiry)", "s3_storage_gb_month"),
    ]
    assert result.total_monthly_usd == pytest.approx(complete.total_monthly_usd - 730 * 0.059 - 10 * 0.059)
    assert result.release_extra is not None  # Fargate is priced
    lines = format_cost(result)
    assert any(line.startswith("  total of priced lines (steady state)") for line in lines)
    assert "    NAT gateways (1): nat_gateway_hour the API returned no on-demand price" in lines
    assert "  complete the table with: python -m preview.prices refresh --region ap-northeast-2" in lines
    assert result.headline().endswith("; 3 line(s) not priced (no ap-northeast-2 price)")


def test_without_fargate_prices_there_is_no_release_extra(seoul: ProgramRun, tmp_path: Path) -> None:
    prices = load_prices(SEOUL, _partial(tmp_path, "fargate_x86_64_vcpu_hour"))
    result = estimate(extract_usage(seoul), prices, release_seconds=270)
    assert result.release_extra is None and result.fargate_at_max_monthly_usd is None
    assert result.unpriced[0].price_key == "fargate_x86_64_vcpu_hour"


def test_a_broken_table_is_reported_not_raised(seoul: ProgramRun, tmp_path: Path) -> None:
    (tmp_path / f"{SEOUL}.json").write_text("{ not json")
    result = estimate_or_not(extract_usage(seoul), directory=tmp_path)
    assert isinstance(result, NoEstimate)
    assert "cannot be read as JSON" in result.reason
    assert result.line().endswith(
        "Produce the table with: python -m preview.prices refresh --region ap-northeast-2"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"currency": "EUR"}, "currency is 'EUR'; allowed: 'USD'"),
        ({"missing": {"nat_gateway_hour": "x"}}, "nat_gateway_hour is both in prices and in missing"),
        ({"missing": {"lambda_gb_second": "x"}}, "missing.lambda_gb_second is not a price the estimate uses"),
        ({"sources": {"ecs": {"what": "no url"}}}, "sources.ecs is {'what': 'no url'}; allowed: a URL"),
    ],
)
def test_table_errors_name_the_key_the_value_and_what_is_allowed(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    data = json.loads((PRICES_DIR / f"{SEOUL}.json").read_text())
    data.update(change)
    (tmp_path / f"{SEOUL}.json").write_text(json.dumps(data))
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("{", r"\{").replace("[", r"\[")):
        load_prices(SEOUL, tmp_path)
