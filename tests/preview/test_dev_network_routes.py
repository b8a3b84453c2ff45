"""The README's table of dev's egress routes: every figure follows from the price table.

The chosen route and the NAT gateway are the real program's estimates (dev as checked in, and
dev with private tasks behind one NAT gateway); the endpoint route is dev's fixed part plus
interface endpoints priced from the same table. A price change fails here until the README
says the new figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from preview.estimate import estimate
from preview.prices.table import PriceTable, load_prices
from preview.usage import extract_usage
from tests.run_cache import run_stack

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
SECTION = README[
    README.index("### A dev stack without a NAT gateway") : README.index("### Stack config keys")
]
HOURS, ZONES, ENDPOINT_GB = 730, 2, 5


@pytest.fixture(scope="module")
def prices() -> PriceTable:
    return load_prices("us-east-1")


def _usd(value: float) -> str:
    return f"${value:,.2f}"


def test_the_routes_in_the_readme_are_priced_from_the_table(prices: PriceTable) -> None:
    chosen = estimate(extract_usage(run_stack("dev")), prices)
    with_nat = estimate(
        extract_usage(run_stack("dev", {"network": {"availabilityZones": ZONES, "natGateways": 1}})), prices
    )
    address = HOURS * prices.usd("public_ipv4_hour")
    fixed = chosen.total_monthly_usd - address  # dev without any egress route
    nat = HOURS * prices.usd("nat_gateway_hour") + 10 * prices.usd("nat_gateway_gb") + address
    endpoint_hour = prices.usd("vpc_endpoint_az_hour")
    three, four = (n * ZONES * HOURS * endpoint_hour for n in (3, 4))
    endpoints = fixed + three + ENDPOINT_GB * prices.usd("vpc_endpoint_gb")
    assert with_nat.total_monthly_usd == pytest.approx(fixed + nat)
    assert chosen.total_monthly_usd <= 45
    for figure in (
        fixed,
        nat,
        address,
        chosen.total_monthly_usd,
        with_nat.total_monthly_usd,
        three,
        four,
        endpoints,
    ):
        assert _usd(figure) in SECTION, f"{_usd(figure)} missing from the README's route table"
