"""A stack's monthly cost: its billed quantities times the region's prices.

Every row of ``preview.usage.billed_quantities`` is priced the same way, by its price key in
the region's table (``preview.prices.table``); a row whose price the table lacks becomes an
``UnpricedLine`` that the totals leave out and name. On top, the extra cost of releases: for
the whole of a release green's tasks run alongside blue's, so every release pays for
``desired count`` more tasks (and their public IPv4 addresses, when tasks get one) for its
duration, the timeline's worst case, which the caller passes in (the preview computes the
timeline once per stack). A region without a usable table
gets ``NoEstimate``, one line saying how to produce it. The printed forms are the renderers'
(``preview.report``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from preview.prices import refresh_command
from preview.prices.table import PRICES_DIR, PriceTable, PriceTableError, load_prices
from preview.usage import CostAssumptions, Quantity, Usage, billed_quantities

NOT_INCLUDED: tuple[str, ...] = (
    "data transfer out to the internet",
    "Container Insights metrics (when enabled on the cluster)",
    "the hook Lambda, SNS notifications, Secrets Manager, and the deployments themselves "
    "(free for ECS under CodeDeploy and under ECS's own engine)",
    "Route 53: the hosted zone exists already (its monthly fee is not this stack's), alias queries to the "
    "ALB are free, the certificate's validation record is queried rarely",
    "ACM public certificates (free) and S3 requests of the ALB's log delivery",
    "free tiers, Savings Plans and taxes",
)

FARGATE_ARCHITECTURES = ("X86_64", "ARM64")


@dataclass(frozen=True)
class LineItem:
    item: str
    quantity: float
    unit: str
    unit_price_usd: float
    monthly_usd: float


@dataclass(frozen=True)
class UnpricedLine:
    """A line the stack incurs that the region's table has no price for (left out of totals)."""

    item: str
    quantity: float
    unit: str
    price_key: str
    reason: str


@dataclass(frozen=True)
class ReleaseExtra:
    """Green's tasks running next to blue's for the duration of each release."""

    release_seconds: float
    releases_per_month: int
    green_tasks: int
    per_release_usd: float
    monthly_usd: float


@dataclass(frozen=True)
class CostEstimate:
    stack: str
    region: str
    prices_as_of: str
    prices_checked_online: bool
    sources: tuple[str, ...]
    items: tuple[LineItem, ...]
    total_monthly_usd: float
    """Steady state: the priced line items, without releases."""
    release_extra: ReleaseExtra | None
    fargate_at_max_monthly_usd: float | None
    """Fargate alone if auto scaling ran at its maximum all month."""
    assumptions: CostAssumptions
    not_included: tuple[str, ...] = field(default=NOT_INCLUDED)
    unpriced: tuple[UnpricedLine, ...] = ()
    """Lines the table could not price: the totals leave them out, and say so."""

    @property
    def total_with_releases_usd(self) -> float:
        extra = self.release_extra.monthly_usd if self.release_extra else 0.0
        return self.total_monthly_usd + extra

    def headline(self) -> str:
        text = f"${self.total_monthly_usd:,.2f} (${self.total_with_releases_usd:,.2f} with releases)"
        if self.unpriced:
            text += f"; {len(self.unpriced)} line(s) not priced (no {self.region} price)"
        return text


@dataclass(frozen=True)
class NoEstimate:
    """A stack whose region has no usable price table: everything but the cost is previewed."""

    stack: str
    region: str
    reason: str

    @property
    def command(self) -> str:
        return refresh_command(self.region)

    def headline(self) -> str:
        return f"not estimated: no usable {self.region} price table (see the cost section)"

    def line(self) -> str:
        return f"no price estimate: {self.reason}. Produce the table with: {self.command}"


def task_hour_usd(usage: Usage, prices: PriceTable) -> float:
    """What one task costs per hour on Fargate (vCPU plus memory); MissingPriceError when unpriced."""
    arch = usage.cpu_architecture.lower()
    return usage.vcpu * prices.usd(f"fargate_{arch}_vcpu_hour") + usage.memory_gb * prices.usd(
        f"fargate_{arch}_gb_hour"
    )


def green_task_hour_usd(usage: Usage, prices: PriceTable) -> float:
    """One more task for an hour during a release: Fargate, plus its public IPv4 address when tasks
    get one (``network.taskSubnets: public``); MissingPriceError when unpriced."""
    address = prices.usd("public_ipv4_hour") if usage.task_public_ip else 0.0
    return task_hour_usd(usage, prices) + address


def price_rows(
    quantities: tuple[Quantity, ...], prices: PriceTable
) -> tuple[tuple[LineItem, ...], tuple[UnpricedLine, ...]]:
    """Each quantity times its price; the quantities without a price, with the table's reason."""
    items: list[LineItem] = []
    unpriced: list[UnpricedLine] = []
    for row in quantities:
        price = prices.prices.get(row.price_key)
        if price is None:
            reason = prices.missing.get(row.price_key, "not in the table")
            unpriced.append(UnpricedLine(row.item, row.quantity, row.unit, row.price_key, reason))
        else:
            items.append(LineItem(row.item, row.quantity, row.unit, price.usd, row.quantity * price.usd))
    return tuple(items), tuple(unpriced)


def estimate(
    usage: Usage,
    prices: PriceTable,
    assumptions: CostAssumptions | None = None,
    release_seconds: float | None = None,
) -> CostEstimate:
    """Monthly line items, their total, and the extra of releases.

    ``release_seconds``: how long one release runs green beside blue (the timeline's worst
    case); None leaves the release extra out. Without the task's Fargate prices there is no
    release extra and no auto scaling maximum either.
    """
    a = assumptions or CostAssumptions()
    if usage.cpu_architecture not in FARGATE_ARCHITECTURES:
        allowed = ", ".join(FARGATE_ARCHITECTURES)
        raise ValueError(f"cpu architecture {usage.cpu_architecture!r} has no Fargate price ({allowed})")
    if prices.region != usage.region:
        raise ValueError(f"prices are for {prices.region}, the stack runs in {usage.region}")
    items, unpriced = price_rows(billed_quantities(usage, a), prices)
    try:
        per_task_hour: float | None = task_hour_usd(usage, prices)
    except KeyError:
        per_task_hour = None
    try:
        per_green_task_hour: float | None = green_task_hour_usd(usage, prices)
    except KeyError:
        per_green_task_hour = None
    extra = None
    if release_seconds is not None and per_green_task_hour is not None:
        per_release = usage.desired_count * (release_seconds / 3600) * per_green_task_hour
        extra = ReleaseExtra(
            release_seconds=release_seconds,
            releases_per_month=a.releases_per_month,
            green_tasks=usage.desired_count,
            per_release_usd=per_release,
            monthly_usd=per_release * a.releases_per_month,
        )
    at_max = None
    if usage.autoscaling_max is not None and per_task_hour is not None:
        at_max = usage.autoscaling_max * per_task_hour * a.hours_per_month
    return CostEstimate(
        stack=usage.stack,
        region=usage.region,
        prices_as_of=prices.as_of,
        prices_checked_online=prices.checked_online,
        sources=tuple(sorted(set(prices.sources.values()))),
        items=items,
        total_monthly_usd=sum(i.monthly_usd for i in items),
        release_extra=extra,
        fargate_at_max_monthly_usd=at_max,
        assumptions=a,
        unpriced=unpriced,
    )


def estimate_or_not(
    usage: Usage,
    assumptions: CostAssumptions | None = None,
    release_seconds: float | None = None,
    directory: Path = PRICES_DIR,
) -> CostEstimate | NoEstimate:
    """The estimate from the region's table, or NoEstimate saying why there is none."""
    try:
        prices = load_prices(usage.region, directory)
    except PriceTableError as error:
        return NoEstimate(usage.stack, usage.region, str(error))
    return estimate(usage, prices, assumptions, release_seconds)


__all__ = [
    "NOT_INCLUDED",
    "CostEstimate",
    "LineItem",
    "NoEstimate",
    "ReleaseExtra",
    "UnpricedLine",
    "estimate",
    "estimate_or_not",
    "green_task_hour_usd",
    "price_rows",
    "task_hour_usd",
]
