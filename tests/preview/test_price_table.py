"""The price table's reader: the us-east-1 table, and what it says of a partial or bad table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from preview.prices.specs import SPECS
from preview.prices.table import (
    PRICES_DIR,
    REQUIRED_PRICES,
    MissingPriceError,
    PriceTable,
    PriceTableError,
    load_prices,
)

# The published us-east-1 prices the table must hold exactly (the estimate's hand arithmetic uses them).
PUBLISHED_US_EAST_1 = {
    "fargate_x86_64_vcpu_hour": 0.04048,
    "fargate_x86_64_gb_hour": 0.004445,
    "fargate_arm64_vcpu_hour": 0.03238,
    "fargate_arm64_gb_hour": 0.00356,
    "alb_hour": 0.0225,
    "alb_lcu_hour": 0.008,
    "nat_gateway_hour": 0.045,
    "nat_gateway_gb": 0.045,
    "public_ipv4_hour": 0.005,
    "logs_ingest_gb": 0.50,
    "logs_storage_gb_month": 0.03,
    "alarm_month": 0.10,
    "vpc_endpoint_az_hour": 0.01,
    "vpc_endpoint_gb": 0.01,
    "ecr_storage_gb_month": 0.10,
    "waf_web_acl_month": 5.00,
    "waf_rule_month": 1.00,
    "waf_request": 0.0000006,
    "s3_storage_gb_month": 0.023,
    "logs_vended_ingest_gb": 0.50,
}


@pytest.fixture(scope="module")
def prices() -> PriceTable:
    return load_prices("us-east-1")


def _table_without(tmp_path: Path, *keys: str, reasons: dict[str, str] | None = None) -> Path:
    """A copy of the us-east-1 table without ``keys`` (``reasons``: its ``missing`` object)."""
    data = json.loads((PRICES_DIR / "us-east-1.json").read_text())
    for key in keys:
        del data["prices"][key]
    if reasons is not None:
        data["missing"] = reasons
    (tmp_path / "us-east-1.json").write_text(json.dumps(data))
    return tmp_path


def test_the_required_prices_are_the_specified_ones_in_their_order() -> None:
    assert tuple(spec.key for spec in SPECS) == REQUIRED_PRICES
    assert len(set(REQUIRED_PRICES)) == len(REQUIRED_PRICES) == 20


def test_price_table_holds_the_published_prices(prices: PriceTable) -> None:
    assert {key: prices.usd(key) for key in REQUIRED_PRICES} == PUBLISHED_US_EAST_1
    assert prices.missing == {}


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
    directory = _table_without(
        tmp_path, "nat_gateway_gb", "alb_hour", reasons={"alb_hour": "the API returned no on-demand price"}
    )
    table = load_prices("us-east-1", directory)
    assert table.missing == {
        "alb_hour": "the API returned no on-demand price",
        "nat_gateway_gb": "not in the table",
    }
    assert len(table.prices) == len(REQUIRED_PRICES) - 2


def test_a_missing_required_price_is_a_keyed_error_naming_the_price_and_the_region(tmp_path: Path) -> None:
    directory = _table_without(
        tmp_path, "alb_hour", "waf_request", reasons={"alb_hour": "the API returned no on-demand price"}
    )
    table = load_prices("us-east-1", directory)
    with pytest.raises(KeyError) as stated:
        table.usd("alb_hour")
    assert isinstance(stated.value, MissingPriceError)
    assert (stated.value.key, stated.value.region) == ("alb_hour", "us-east-1")
    assert str(stated.value) == (
        "price 'alb_hour' is not in the us-east-1 price table: the API returned no on-demand price"
    )
    with pytest.raises(MissingPriceError, match=r"^price 'waf_request' is not in the us-east-1 price table"):
        table.usd("waf_request")
    assert table.usd("nat_gateway_hour") == 0.045


def test_a_price_no_estimate_uses_is_a_keyed_error_listing_the_allowed_ones(prices: PriceTable) -> None:
    with pytest.raises(MissingPriceError) as unknown:
        prices.usd("lambda_gb_second")
    assert unknown.value.key == "lambda_gb_second" and unknown.value.region == "us-east-1"
    assert str(unknown.value).endswith(
        "not a price the estimate uses; allowed: fargate_x86_64_vcpu_hour, fargate_x86_64_gb_hour, "
        "fargate_arm64_vcpu_hour, fargate_arm64_gb_hour, alb_hour, alb_lcu_hour, nat_gateway_hour, "
        "nat_gateway_gb, public_ipv4_hour, logs_ingest_gb, logs_storage_gb_month, alarm_month, "
        "vpc_endpoint_az_hour, vpc_endpoint_gb, ecr_storage_gb_month, waf_web_acl_month, waf_rule_month, "
        "waf_request, s3_storage_gb_month, logs_vended_ingest_gb"
    )


def test_a_price_with_an_unknown_source_is_rejected(tmp_path: Path) -> None:
    data = json.loads((PRICES_DIR / "us-east-1.json").read_text())
    data["prices"]["alb_hour"]["source"] = "blog"
    (tmp_path / "us-east-1.json").write_text(json.dumps(data))
    with pytest.raises(PriceTableError, match=r"alb_hour\.source 'blog'"):
        load_prices("us-east-1", tmp_path)


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ({"usd": -1, "source": "fargate"}, "prices.alb_hour.usd is not a non-negative number (-1)"),
        ({"usd": True, "source": "fargate"}, "prices.alb_hour.usd is not a non-negative number (True)"),
        (0.0225, "prices.alb_hour is 0.0225; allowed: an object with usd and source"),
    ],
)
def test_a_bad_price_names_its_key_and_value(tmp_path: Path, price: object, message: str) -> None:
    data = json.loads((PRICES_DIR / "us-east-1.json").read_text())
    data["prices"]["alb_hour"] = price
    (tmp_path / "us-east-1.json").write_text(json.dumps(data))
    with pytest.raises(PriceTableError) as bad:
        load_prices("us-east-1", tmp_path)
    assert str(bad.value) == f"price table {tmp_path / 'us-east-1.json'}: {message}"
    assert bad.value.region == "us-east-1"
