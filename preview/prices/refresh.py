"""Write ``preview/prices/<region>.json`` from AWS's Price List Query API (pricing:GetProducts).

The API answers only at its own endpoint (us-east-1) whatever region is priced. A figure the
API does not return, or returns ambiguously, is left out of the table and listed under
``missing`` with the reason: the estimate then says which lines it could not price. Each
price records the SKU, usage type and offer publication date it came from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from preview.prices.price_list import Offer, choose, read_offers
from preview.prices.specs import SPECS, PriceSpec

PRICING_ENDPOINT_REGION = "us-east-1"
API_SOURCE = "https://api.pricing.us-east-1.amazonaws.com"
REGION_CODE = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")


class PricingClient(Protocol):
    """The one call of boto3's ``pricing`` client this module makes."""

    def get_products(self, **kwargs: Any) -> Mapping[str, Any]: ...


def check_region(region: str) -> str:
    if not REGION_CODE.fullmatch(region):
        raise ValueError(
            f"region {region!r} is not an AWS region code (allowed: like us-east-1, ap-northeast-2)"
        )
    return region


def _filters(region: str, spec: PriceSpec) -> list[dict[str, str]]:
    filters = [
        {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
        {"Type": "TERM_MATCH", "Field": "locationType", "Value": "AWS Region"},
    ]
    if spec.product_family is not None:
        filters.append({"Type": "TERM_MATCH", "Field": "productFamily", "Value": spec.product_family})
    return filters


def query(client: PricingClient, service_code: str, filters: list[dict[str, str]]) -> list[Offer]:
    """Every page of GetProducts, read into offers."""
    offers: list[Offer] = []
    token: str | None = None
    while True:
        request: dict[str, Any] = {
            "ServiceCode": service_code,
            "Filters": filters,
            "FormatVersion": "aws_v1",
            "MaxResults": 100,
        }
        if token:
            request["NextToken"] = token
        page = client.get_products(**request)
        for item in page.get("PriceList", []):
            offers.extend(read_offers(item))
        token = page.get("NextToken")
        if not token:
            return offers


def _entry(spec: PriceSpec, offer: Offer, skus: tuple[str, ...]) -> dict[str, Any]:
    return {
        "usd": offer.usd,
        "unit": spec.unit,
        "source": "price-list-api",
        "what": spec.what,
        "service_code": offer.service_code,
        "usage_type": offer.usage_type,
        "sku": offer.sku,
        "skus": list(skus),
        "api_unit": offer.unit,
        "api_description": offer.description,
        "publication_date": offer.publication_date,
        "effective_date": offer.effective_date,
    }


def fetch_table(client: PricingClient, region: str, today: date) -> dict[str, Any]:
    """The table of ``region``: the prices the API returned, and the missing ones with why."""
    check_region(region)
    prices: dict[str, Any] = {}
    missing: dict[str, str] = {}
    cache: dict[tuple[str, str | None], list[Offer]] = {}
    for spec in SPECS:
        problems: list[str] = []
        for service_code in spec.service_codes:
            cache_key = (service_code, spec.product_family)
            if cache_key not in cache:
                cache[cache_key] = query(client, service_code, _filters(region, spec))
            choice = choose(spec, cache[cache_key])
            if choice.offer is not None:
                prices[spec.key] = _entry(spec, choice.offer, choice.skus)
                break
            problems.append(f"{service_code}: {choice.problem}")
        else:
            missing[spec.key] = f"not taken from the API ({'; '.join(problems)}) in {region}"
    if not prices:
        raise ValueError(
            f"the Price List API returned none of the {len(SPECS)} prices for region {region!r}: "
            "is it a region AWS sells these services in?"
        )
    published = sorted({p["publication_date"] for p in prices.values() if p["publication_date"]})
    return {
        "region": region,
        "currency": "USD",
        "as_of": today.isoformat(),
        "checked_online": True,
        "provenance": (
            f"Fetched on {today.isoformat()} from AWS's Price List Query API (pricing:GetProducts at "
            f"{PRICING_ENDPOINT_REGION}) by `python -m preview.prices refresh --region {region}`: "
            "on-demand list prices, first tier where tiered; each price names its service code, usage "
            "type, SKU and offer publication date. Free tiers, Savings Plans, Spot and taxes are not "
            "applied. Prices the API did not return are listed under missing, not estimated."
        ),
        "sources": {
            "price-list-api": {
                "url": API_SOURCE,
                "what": "AWS Price List Query API, GetProducts",
                "retrieved": today.isoformat(),
                "publication_dates": published,
            }
        },
        "prices": prices,
        "missing": missing,
    }


def write_table(table: Mapping[str, Any], directory: Path) -> Path:
    path = directory / f"{table['region']}.json"
    path.write_text(json.dumps(table, indent=2) + "\n")
    return path


__all__ = ["API_SOURCE", "PRICING_ENDPOINT_REGION", "PricingClient", "check_region", "fetch_table", "query"]
