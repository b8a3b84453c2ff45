"""The reader of a region's price table, ``preview/prices/<region>.json``.

A table holds AWS's published prices with their source URLs, the date they are from
(``as_of``) and whether they were re-checked online when written (``checked_online``);
nothing here fetches live prices (``python -m preview.prices refresh`` writes a table from
AWS's Price List API). The prices a table is meant to hold are the keys of
``preview.prices.specs.SPECS``, the same list the refresh command queries. A table may be
partial: the required prices it lacks are listed with why (its own ``missing`` reasons, or
"not in the table"), and asking it for one raises ``MissingPriceError`` naming the price and the
region. A region without a usable table raises ``PriceTableError``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from preview.prices.specs import SPECS

PRICES_DIR = Path(__file__).resolve().parent

REQUIRED_PRICES: tuple[str, ...] = tuple(spec.key for spec in SPECS)
"""Every price the estimate may use, in the specifications' order."""


@dataclass(frozen=True)
class Price:
    usd: float
    unit: str
    source: str
    """The URL of the AWS price page or API it comes from."""
    what: str


class MissingPriceError(KeyError):
    """A price the region's table does not hold: names the price, the region and why."""

    def __init__(self, key: str, region: str, reason: str) -> None:
        super().__init__(key)
        self.key = key
        self.region = region
        self.reason = reason

    def __str__(self) -> str:
        return f"price {self.key!r} is not in the {self.region} price table: {self.reason}"


@dataclass(frozen=True)
class PriceTable:
    region: str
    currency: str
    as_of: str
    checked_online: bool
    provenance: str
    sources: Mapping[str, str]
    """Source name -> URL."""
    prices: Mapping[str, Price]
    missing: Mapping[str, str] = field(default_factory=dict)
    """Every required price the table lacks -> why (from the table, or "not in the table")."""

    def usd(self, key: str) -> float:
        """The price of ``key``; MissingPriceError when the table lacks it or no estimate uses it."""
        price = self.prices.get(key)
        if price is not None:
            return price.usd
        if key in self.missing:
            raise MissingPriceError(key, self.region, self.missing[key])
        raise MissingPriceError(
            key, self.region, f"not a price the estimate uses; allowed: {', '.join(REQUIRED_PRICES)}"
        )


class PriceTableError(ValueError):
    """No usable price table for a region: the preview reports it instead of estimating."""

    def __init__(self, region: str, message: str) -> None:
        super().__init__(message)
        self.region = region


def available_regions(directory: Path = PRICES_DIR) -> list[str]:
    return sorted(path.stem for path in directory.glob("*.json"))


def _shown(path: Path) -> str:
    """``preview/prices/<region>.json`` for the repository's tables, the full path otherwise."""
    try:
        return str(path.relative_to(PRICES_DIR.parent.parent))
    except ValueError:
        return str(path)


def _table_error(region: str, path: Path, message: str) -> PriceTableError:
    return PriceTableError(region, f"price table {_shown(path)}: {message}")


def _read_table(region: str, path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _table_error(region, path, f"cannot be read as JSON ({error})") from error
    if not isinstance(data, dict):
        raise _table_error(region, path, f"is a JSON {type(data).__name__}, expected an object")
    for key, kind in (
        ("region", str),
        ("currency", str),
        ("as_of", str),
        ("checked_online", bool),
        ("provenance", str),
        ("sources", dict),
        ("prices", dict),
    ):
        if not isinstance(data.get(key), kind):
            raise _table_error(
                region, path, f"{key} is missing or not a {kind.__name__} (got {data.get(key)!r})"
            )
    if data["region"] != region:
        raise _table_error(region, path, f"region is {data['region']!r}, expected {region!r}")
    if data["currency"] != "USD":
        raise _table_error(region, path, f"currency is {data['currency']!r}; allowed: 'USD'")
    if not isinstance(data.get("missing", {}), dict):
        raise _table_error(
            region, path, f"missing is not an object of key -> reason (got {data['missing']!r})"
        )
    return data


def _source_urls(region: str, path: Path, raw: Mapping[str, Any]) -> dict[str, str]:
    """A source is a URL, or an object with a ``url`` and what else describes it (dates, via)."""
    urls: dict[str, str] = {}
    for name, value in raw.items():
        url = value.get("url") if isinstance(value, dict) else value
        if not isinstance(url, str) or not url:
            raise _table_error(
                region, path, f"sources.{name} is {value!r}; allowed: a URL or an object with a url"
            )
        urls[str(name)] = url
    return urls


def _price(region: str, path: Path, key: str, entry: Any, sources: Mapping[str, str]) -> Price:
    if not isinstance(entry, dict):
        raise _table_error(region, path, f"prices.{key} is {entry!r}; allowed: an object with usd and source")
    usd = entry.get("usd")
    if isinstance(usd, bool) or not isinstance(usd, (int, float)) or usd < 0:
        raise _table_error(region, path, f"prices.{key}.usd is not a non-negative number ({usd!r})")
    source = entry.get("source")
    if not isinstance(source, str) or source not in sources:
        raise _table_error(
            region, path, f"prices.{key}.source {source!r} is not one of sources ({', '.join(sources)})"
        )
    return Price(float(usd), str(entry.get("unit", "")), sources[source], str(entry.get("what", "")))


def load_prices(region: str, directory: Path = PRICES_DIR) -> PriceTable:
    """The price table of ``region``, possibly partial; PriceTableError when there is none usable."""
    path = directory / f"{region}.json"
    if not path.is_file():
        have = ", ".join(available_regions(directory)) or "none"
        raise PriceTableError(
            region,
            f"no price table for region {region!r} (looked for {_shown(path)}); regions with tables: {have}",
        )
    data = _read_table(region, path)
    sources = _source_urls(region, path, data["sources"])
    prices = {str(k): _price(region, path, str(k), v, sources) for k, v in data["prices"].items()}
    stated = {str(k): str(v) for k, v in data.get("missing", {}).items()}
    for key in stated:
        if key not in REQUIRED_PRICES:
            raise _table_error(
                region, path, f"missing.{key} is not a price the estimate uses ({', '.join(REQUIRED_PRICES)})"
            )
        if key in prices:
            raise _table_error(region, path, f"{key} is both in prices and in missing")
    missing = {key: stated.get(key, "not in the table") for key in REQUIRED_PRICES if key not in prices}
    return PriceTable(
        region=region,
        currency=data["currency"],
        as_of=data["as_of"],
        checked_online=data["checked_online"],
        provenance=data["provenance"],
        sources=sources,
        prices=prices,
        missing=missing,
    )


__all__ = [
    "PRICES_DIR",
    "REQUIRED_PRICES",
    "MissingPriceError",
    "Price",
    "PriceTable",
    "PriceTableError",
    "available_regions",
    "load_prices",
]
