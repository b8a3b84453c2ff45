"""One GetProducts answer, read: which on-demand prices it holds and which one a spec means.

The API returns each product as a JSON string with ``product.attributes`` (``usagetype``,
``regionCode``, ...) and ``terms.OnDemand.<term>.priceDimensions.<rate>.pricePerUnit.USD``;
``publicationDate`` dates the offer. ``choose`` takes the first tier (``beginRange`` 0) of the
product whose usage type, family and operation match; several different prices are an
ambiguity it reports rather than resolves.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from preview.prices.specs import PriceSpec


@dataclass(frozen=True)
class Offer:
    sku: str
    service_code: str
    usage_type: str
    product_family: str
    operation: str
    usd: float
    unit: str
    description: str
    begin_range: str
    publication_date: str
    effective_date: str


def _get(data: Mapping[str, Any], key: str, where: str) -> Any:
    if not isinstance(data, Mapping) or key not in data:
        raise ValueError(f"Price List product {where}: no {key!r} (the API's product JSON has changed?)")
    return data[key]


def read_offers(item: str) -> list[Offer]:
    """The on-demand price dimensions of one PriceList entry (a JSON string)."""
    data = json.loads(item)
    product = _get(data, "product", "entry")
    sku = str(_get(product, "sku", "entry"))
    attributes = _get(product, "attributes", sku)
    found: list[Offer] = []
    on_demand = (_get(data, "terms", sku) or {}).get("OnDemand") or {}
    for term in on_demand.values():
        for dimension in (_get(term, "priceDimensions", sku) or {}).values():
            usd = (_get(dimension, "pricePerUnit", sku) or {}).get("USD")
            if usd is None:
                continue
            found.append(
                Offer(
                    sku=sku,
                    service_code=str(data.get("serviceCode", attributes.get("servicecode", ""))),
                    usage_type=str(attributes.get("usagetype", "")),
                    product_family=str(product.get("productFamily", "")),
                    operation=str(attributes.get("operation", "")),
                    usd=float(usd),
                    unit=str(dimension.get("unit", "")),
                    description=str(dimension.get("description", "")),
                    begin_range=str(dimension.get("beginRange", "0")),
                    publication_date=str(data.get("publicationDate", "")),
                    effective_date=str(term.get("effectiveDate", "")),
                )
            )
    return found


def matches(spec: PriceSpec, offer: Offer) -> bool:
    """The spec's usage type, with or without a region prefix (``APN2-``, ``EU-``), and its family."""
    if not re.fullmatch(r"(?:[A-Z0-9]+-)?" + re.escape(spec.usage_type), offer.usage_type):
        return False
    if spec.product_family is not None and offer.product_family != spec.product_family:
        return False
    return spec.operation is None or offer.operation == spec.operation


@dataclass(frozen=True)
class Choice:
    offer: Offer | None
    skus: tuple[str, ...]
    problem: str | None
    """Why there is no price (nothing matched, or matches disagree); None when there is one."""


def choose(spec: PriceSpec, offers: Iterable[Offer]) -> Choice:
    candidates = [o for o in offers if matches(spec, o) and o.begin_range in ("0", "0.0", "")]
    skus = tuple(sorted({o.sku for o in candidates}))
    if not candidates:
        return Choice(None, (), f"the API returned no on-demand price for usage type *{spec.usage_type}")
    prices = sorted({o.usd for o in candidates})
    if len(prices) > 1:
        listed = ", ".join(f"{o.sku} {o.usage_type} ${o.usd:g}" for o in candidates)
        return Choice(None, skus, f"products disagree for usage type *{spec.usage_type}: {listed}")
    return Choice(min(candidates, key=lambda o: o.sku), skus, None)


__all__ = ["Choice", "Offer", "choose", "matches", "read_offers"]
