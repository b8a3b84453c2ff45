"""A monthly cost estimate of what a stack declares, from a dated price table kept as data.

Prices live in ``preview/prices/<region>.json`` with their source URLs, the date they are
from (``as_of``) and whether they were re-checked online when written
(``checked_online``); nothing here fetches live prices (``python -m preview.prices refresh``
writes a table from AWS's Price List API). A table may be partial: the prices it lacks are
listed with why, and the estimate prices what it can and names the lines it could not. A
region without a usable table gets ``NoEstimate``, one line saying how to produce it.
``extract_usage`` reads the quantities that drive the bill from the declared resources
(task count and size, load balancers, NAT gateways, public IPv4 addresses, alarms,
interface endpoints, log retention, images kept); ``estimate`` prices them under
``CostAssumptions`` (hours in a month, traffic, log volume, image size, releases per month)
and adds the extra cost of releases: for the whole of a release green's tasks run alongside
blue's, so every release pays for ``desired count`` more tasks for its duration (by default
the worst case of ``preview.timeline.build_timeline``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from preview.prices import refresh_command
from preview.release_params import DECLARED, ProgramRunLike, ResourceLike, extract_release_params, of_type
from preview.timeline import build_timeline, clock
from specs.resource_reader import (
    ECR_LIFECYCLE_POLICY,
    ECS_RELEASE,
    ECS_SERVICE,
    METRIC_ALARM,
    RELEASE,
    TASK_DEFINITION,
    required_number,
)

PRICES_DIR = Path(__file__).resolve().parent / "prices"

REQUIRED_PRICES: tuple[str, ...] = (
    "fargate_x86_64_vcpu_hour",
    "fargate_x86_64_gb_hour",
    "fargate_arm64_vcpu_hour",
    "fargate_arm64_gb_hour",
    "alb_hour",
    "alb_lcu_hour",
    "nat_gateway_hour",
    "nat_gateway_gb",
    "public_ipv4_hour",
    "logs_ingest_gb",
    "logs_storage_gb_month",
    "alarm_month",
    "vpc_endpoint_az_hour",
    "vpc_endpoint_gb",
    "ecr_storage_gb_month",
    "waf_web_acl_month",
    "waf_rule_month",
    "waf_request",
    "s3_storage_gb_month",
    "logs_vended_ingest_gb",
)

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


# --- prices -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Price:
    usd: float
    unit: str
    source: str
    """The URL of the AWS price page or API it comes from."""
    what: str


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
        return self.prices[key].usd


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


# --- usage ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """The quantities of one stack that drive its bill, read from its declared resources."""

    stack: str
    region: str
    desired_count: int
    autoscaling_min: int | None
    autoscaling_max: int | None
    task_cpu_units: int
    task_memory_mib: int
    cpu_architecture: str
    """``X86_64`` or ``ARM64``."""
    load_balancers: int
    alb_public_subnets: int
    """Subnets of the internet-facing load balancers: one public IPv4 address each."""
    nat_gateways: int
    elastic_ips: int
    alarms: int
    interface_endpoints: int
    interface_endpoint_azs: int
    """Interface endpoints x their subnets: each endpoint is billed per zone."""
    log_retention_days: int | None
    """The task log group's retention; None keeps logs forever."""
    keep_last_images: int | None
    """The ECR lifecycle rule's image count; None when no rule limits it."""
    release_seconds: int | None
    """A release's worst-case duration (build_timeline); None when it could not be derived."""
    web_acls: int = 0
    web_acl_rules: int = 0
    """Rules of all web ACLs (a managed rule group counts as one rule)."""
    access_log_expiration_days: int | None = None
    """The access log bucket's expiry; None when the stack writes no access logs."""
    flow_logs: int = 0
    flow_log_retention_days: int | None = None

    @property
    def vcpu(self) -> float:
        return self.task_cpu_units / 1024

    @property
    def memory_gb(self) -> float:
        return self.task_memory_mib / 1024

    @property
    def public_ipv4(self) -> int:
        return self.alb_public_subnets + self.elastic_ips


def _one(run: ProgramRunLike, type_: str, what: str) -> ResourceLike:
    found = of_type(run, type_)
    if len(found) != 1:
        raise ValueError(f"stack {run.stack!r}: expected one {what} ({type_}), found {len(found)}")
    return found[0]


def _count(resource: ResourceLike, key: str) -> int:
    """A quantity input, in whole units (a fraction is cut off)."""
    return int(required_number(resource.inputs.get(key), f"{resource.type} {resource.name!r}: input {key}"))


def _region(run: ProgramRunLike) -> str:
    for resource in run.resources:
        if resource.type == "pulumi:providers:aws" and resource.inputs.get("region"):
            return str(resource.inputs["region"])
    releases = [*of_type(run, RELEASE), *of_type(run, ECS_RELEASE)]
    for resource in releases:
        if resource.inputs.get("region"):
            return str(resource.inputs["region"])
    raise ValueError(f"stack {run.stack!r}: no AWS provider or release resource names the region")


def _task_log_retention(run: ProgramRunLike, task: ResourceLike) -> int | None:
    groups = of_type(run, "aws:cloudwatch/logGroup:LogGroup")
    names: set[str] = set()
    raw = task.inputs.get("containerDefinitions")
    if isinstance(raw, str):
        for container in json.loads(raw):
            log_group = DECLARED.get(container, "logConfiguration", "options", "awslogs-group")
            if log_group:
                names.add(str(log_group))
    matching = [g for g in groups if g.inputs.get("name") in names]
    if not matching:
        raise ValueError(
            f"stack {run.stack!r}: the task's log group ({', '.join(sorted(names)) or 'none named'}) "
            "is not a declared aws:cloudwatch/logGroup:LogGroup"
        )
    retention = matching[0].inputs.get("retentionInDays")
    return None if retention in (None, 0) else _count(matching[0], "retentionInDays")


def _keep_last_images(run: ProgramRunLike) -> int | None:
    for policy in of_type(run, ECR_LIFECYCLE_POLICY):
        rules = json.loads(str(policy.inputs.get("policy") or "{}")).get("rules") or []
        counts = [
            int(rule["selection"]["countNumber"])
            for rule in rules
            if DECLARED.get(rule, "selection", "countType") == "imageCountMoreThan"
        ]
        if counts:
            return min(counts)
    return None


def _access_log_expiration(run: ProgramRunLike) -> int | None:
    for config in of_type(run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"):
        for rule in config.inputs.get("rules") or []:
            days = DECLARED.get(rule, "expiration", "days")
            if days:
                return int(days)
    return None


def _flow_log_retention(run: ProgramRunLike) -> int | None:
    destinations = {f.inputs.get("logDestination") for f in of_type(run, "aws:ec2/flowLog:FlowLog")}
    for group in of_type(run, "aws:cloudwatch/logGroup:LogGroup"):
        if group.outputs.get("arn") in destinations and group.inputs.get("retentionInDays"):
            return int(group.inputs["retentionInDays"])
    return None


def extract_usage(run: ProgramRunLike) -> Usage:
    """Read the billed quantities from a run's declared resources."""
    service = _one(run, ECS_SERVICE, "ECS service")
    task = _one(run, TASK_DEFINITION, "task definition")
    scaling = [
        t
        for t in of_type(run, "aws:appautoscaling/target:Target")
        if t.inputs.get("scalableDimension") == "ecs:service:DesiredCount"
    ]
    balancers = [
        lb
        for lb in of_type(run, "aws:lb/loadBalancer:LoadBalancer")
        if lb.inputs.get("loadBalancerType", "application") == "application"
    ]
    endpoints = [
        e
        for e in of_type(run, "aws:ec2/vpcEndpoint:VpcEndpoint")
        if e.inputs.get("vpcEndpointType") == "Interface"
    ]
    platform = task.inputs.get("runtimePlatform") or {}
    try:
        release_seconds: int | None = build_timeline(extract_release_params(run)).worst_case_seconds
    except ValueError:
        release_seconds = None
    return Usage(
        stack=run.stack,
        region=_region(run),
        desired_count=_count(service, "desiredCount"),
        autoscaling_min=_count(scaling[0], "minCapacity") if scaling else None,
        autoscaling_max=_count(scaling[0], "maxCapacity") if scaling else None,
        task_cpu_units=_count(task, "cpu"),
        task_memory_mib=_count(task, "memory"),
        cpu_architecture=str(platform.get("cpuArchitecture") or "X86_64"),
        load_balancers=len(balancers),
        alb_public_subnets=sum(
            len(lb.inputs.get("subnets") or []) for lb in balancers if not lb.inputs.get("internal")
        ),
        nat_gateways=len(of_type(run, "aws:ec2/natGateway:NatGateway")),
        elastic_ips=len(of_type(run, "aws:ec2/eip:Eip")),
        alarms=len(of_type(run, METRIC_ALARM)),
        interface_endpoints=len(endpoints),
        interface_endpoint_azs=sum(len(e.inputs.get("subnetIds") or []) for e in endpoints),
        log_retention_days=_task_log_retention(run, task),
        keep_last_images=_keep_last_images(run),
        release_seconds=release_seconds,
        web_acls=len(of_type(run, "aws:wafv2/webAcl:WebAcl")),
        web_acl_rules=sum(len(a.inputs.get("rules") or []) for a in of_type(run, "aws:wafv2/webAcl:WebAcl")),
        access_log_expiration_days=_access_log_expiration(run),
        flow_logs=len(of_type(run, "aws:ec2/flowLog:FlowLog")),
        flow_log_retention_days=_flow_log_retention(run),
    )


# --- estimate ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CostAssumptions:
    """What the declared resources cannot tell; every estimate lists these."""

    hours_per_month: float = 730.0
    releases_per_month: int = 20
    alb_average_lcu: float = 1.0
    """Average load balancer capacity units over the month (1 LCU: 25 new conn/s, 1 GB/h, ...)."""
    nat_gb_per_month: float = 10.0
    """GB through the NAT gateways per month (image pulls, logs, calls to AWS APIs, the hook)."""
    endpoint_gb_per_month: float = 5.0
    """GB through interface VPC endpoints per month (when declared)."""
    log_gb_per_task_month: float = 1.0
    """Log volume one task writes in a month."""
    image_size_gb: float = 0.2
    """Compressed size of one image in ECR."""
    images_without_lifecycle_rule: int = 10
    """Images assumed stored when no lifecycle rule limits the count."""
    log_months_when_kept_forever: float = 12.0
    """Months of logs assumed stored when the log group never expires them."""
    waf_requests_per_month: float = 10_000_000
    """Requests the web ACL inspects per month (when declared)."""
    access_log_gb_per_month: float = 1.0
    """Compressed ALB access logs written per month (when enabled)."""
    flow_log_gb_per_month: float = 2.0
    """Flow log records per VPC per month (when enabled)."""

    def describe(self) -> list[str]:
        return [
            f"{self.hours_per_month:g} h/month",
            f"{self.releases_per_month} releases/month",
            f"ALB average {self.alb_average_lcu:g} LCU",
            f"{self.nat_gb_per_month:g} GB/month through NAT",
            f"{self.endpoint_gb_per_month:g} GB/month through interface endpoints (if any)",
            f"{self.log_gb_per_task_month:g} GB of logs per task-month, stored for the retention period "
            "(uncompressed size: an upper bound)",
            f"image {self.image_size_gb:g} GB x images kept by the lifecycle rule",
            f"WAF (if any): {self.waf_requests_per_month:,.0f} requests/month",
            f"ALB access logs (if any): {self.access_log_gb_per_month:g} GB/month, kept until they expire",
            f"VPC flow logs (if any): {self.flow_log_gb_per_month:g} GB/month per VPC, kept for retention",
        ]


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
    """What one task costs per hour on Fargate (vCPU plus memory); KeyError when unpriced."""
    arch = usage.cpu_architecture.lower()
    return usage.vcpu * prices.usd(f"fargate_{arch}_vcpu_hour") + usage.memory_gb * prices.usd(
        f"fargate_{arch}_gb_hour"
    )


def _endpoints_label(usage: Usage) -> str:
    count, azs = usage.interface_endpoints, usage.interface_endpoint_azs
    if count and azs % count == 0:
        return f"interface VPC endpoints ({count} x {azs // count} AZs)"
    return f"interface VPC endpoints ({count}, {azs} endpoint-AZs)"


def _line(key: str, item: str, quantity: float, unit: str) -> tuple[str, str, float, str]:
    return (key, item, quantity, unit)


def _price_lines(
    prices: PriceTable, lines: list[tuple[str, str, float, str]]
) -> tuple[list[LineItem], list[UnpricedLine]]:
    items: list[LineItem] = []
    unpriced: list[UnpricedLine] = []
    for key, item, quantity, unit in lines:
        if key in prices.prices:
            price = prices.usd(key)
            items.append(LineItem(item, quantity, unit, price, quantity * price))
        else:
            reason = prices.missing.get(key, "not in the table")
            unpriced.append(UnpricedLine(item, quantity, unit, key, reason))
    return items, unpriced


def _edge_lines(usage: Usage, a: CostAssumptions, hours: float) -> list[tuple[str, str, float, str]]:
    """WAF, access log storage and flow log ingestion and storage, when the stack declares them."""
    lines = []
    if usage.web_acls:
        lines.append(
            _line("waf_web_acl_month", f"WAF web ACLs ({usage.web_acls})", usage.web_acls, "web ACL-months")
        )
        lines.append(
            _line("waf_rule_month", f"WAF rules ({usage.web_acl_rules})", usage.web_acl_rules, "rule-months")
        )
        lines.append(
            _line(
                "waf_request",
                f"WAF requests ({a.waf_requests_per_month / 1e6:g} million)",
                a.waf_requests_per_month * usage.web_acls,
                "requests",
            )
        )
    if usage.access_log_expiration_days is not None:
        days = usage.access_log_expiration_days
        lines.append(
            _line(
                "s3_storage_gb_month",
                f"ALB access logs in S3 ({days}-day expiry)",
                a.access_log_gb_per_month * days / (hours / 24),
                "GB-months",
            )
        )
    if usage.flow_logs:
        ingested = usage.flow_logs * a.flow_log_gb_per_month
        lines.append(_line("logs_vended_ingest_gb", "VPC flow logs ingestion (vended logs)", ingested, "GB"))
        retention = usage.flow_log_retention_days
        months = a.log_months_when_kept_forever if retention is None else retention / (hours / 24)
        kept = "never expire" if retention is None else f"{retention}-day retention"
        lines.append(
            _line("logs_storage_gb_month", f"VPC flow logs storage ({kept})", ingested * months, "GB-months")
        )
    return lines


def estimate(
    usage: Usage,
    prices: PriceTable,
    assumptions: CostAssumptions | None = None,
    release_seconds: float | None = None,
) -> CostEstimate:
    """Monthly line items, their total, and the extra of releases.

    ``release_seconds`` defaults to ``usage.release_seconds`` (the timeline's worst case).
    Lines whose price the table lacks become ``unpriced``; without the task's Fargate prices
    there is no release extra and no auto scaling maximum.
    """
    a = assumptions or CostAssumptions()
    if usage.cpu_architecture not in ("X86_64", "ARM64"):
        raise ValueError(f"cpu architecture {usage.cpu_architecture!r} has no Fargate price (X86_64, ARM64)")
    if prices.region != usage.region:
        raise ValueError(f"prices are for {prices.region}, the stack runs in {usage.region}")
    hours = a.hours_per_month
    count = usage.desired_count
    arch = usage.cpu_architecture
    key = arch.lower()
    tasks = f"{count} task{'s' if count != 1 else ''}"
    lines = [
        _line(
            f"fargate_{key}_vcpu_hour",
            f"Fargate vCPU ({arch}, {tasks} x {usage.vcpu:g} vCPU)",
            count * usage.vcpu * hours,
            "vCPU-hours",
        ),
        _line(
            f"fargate_{key}_gb_hour",
            f"Fargate memory ({arch}, {tasks} x {usage.memory_gb:g} GB)",
            count * usage.memory_gb * hours,
            "GB-hours",
        ),
    ]
    if usage.load_balancers:
        lines.append(
            _line("alb_hour", "Application Load Balancer", usage.load_balancers * hours, "ALB-hours")
        )
        lines.append(
            _line(
                "alb_lcu_hour",
                f"ALB capacity ({a.alb_average_lcu:g} LCU average)",
                usage.load_balancers * a.alb_average_lcu * hours,
                "LCU-hours",
            )
        )
    if usage.nat_gateways:
        lines.append(
            _line(
                "nat_gateway_hour",
                f"NAT gateways ({usage.nat_gateways})",
                usage.nat_gateways * hours,
                "hours",
            )
        )
        lines.append(_line("nat_gateway_gb", "NAT data processed", a.nat_gb_per_month, "GB"))
    if usage.public_ipv4:
        lines.append(
            _line(
                "public_ipv4_hour",
                f"public IPv4 ({usage.alb_public_subnets} ALB + {usage.elastic_ips} Elastic IP)",
                usage.public_ipv4 * hours,
                "IP-hours",
            )
        )
    if usage.interface_endpoint_azs:
        lines.append(
            _line(
                "vpc_endpoint_az_hour",
                _endpoints_label(usage),
                usage.interface_endpoint_azs * hours,
                "endpoint-AZ-hours",
            )
        )
        lines.append(_line("vpc_endpoint_gb", "VPC endpoint data processed", a.endpoint_gb_per_month, "GB"))
    if usage.alarms:
        lines.append(
            _line("alarm_month", f"CloudWatch alarms ({usage.alarms})", usage.alarms, "alarm-months")
        )
    ingested = count * a.log_gb_per_task_month
    lines.append(_line("logs_ingest_gb", "CloudWatch Logs ingestion", ingested, "GB"))
    if usage.log_retention_days is None:
        months_kept, kept = a.log_months_when_kept_forever, "never expire"
    else:
        months_kept, kept = (
            usage.log_retention_days / (hours / 24),
            f"{usage.log_retention_days}-day retention",
        )
    lines.append(
        _line(
            "logs_storage_gb_month",
            f"CloudWatch Logs storage ({kept})",
            ingested * months_kept,
            "GB-months",
        )
    )
    images = usage.keep_last_images or a.images_without_lifecycle_rule
    lines.append(
        _line(
            "ecr_storage_gb_month",
            f"ECR storage ({images} images x {a.image_size_gb:g} GB)",
            images * a.image_size_gb,
            "GB-months",
        )
    )

    lines.extend(_edge_lines(usage, a, hours))

    items, unpriced = _price_lines(prices, lines)

    try:
        per_task_hour: float | None = task_hour_usd(usage, prices)
    except KeyError:
        per_task_hour = None
    duration = usage.release_seconds if release_seconds is None else release_seconds
    extra = None
    if duration is not None and per_task_hour is not None:
        per_release = count * (duration / 3600) * per_task_hour
        extra = ReleaseExtra(
            release_seconds=duration,
            releases_per_month=a.releases_per_month,
            green_tasks=count,
            per_release_usd=per_release,
            monthly_usd=per_release * a.releases_per_month,
        )
    at_max = None
    if usage.autoscaling_max is not None and per_task_hour is not None:
        at_max = usage.autoscaling_max * per_task_hour * hours
    return CostEstimate(
        stack=usage.stack,
        region=usage.region,
        prices_as_of=prices.as_of,
        prices_checked_online=prices.checked_online,
        sources=tuple(sorted(set(prices.sources.values()))),
        items=tuple(items),
        total_monthly_usd=sum(i.monthly_usd for i in items),
        release_extra=extra,
        fargate_at_max_monthly_usd=at_max,
        assumptions=a,
        unpriced=tuple(unpriced),
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


def estimate_run(
    run: ProgramRunLike, assumptions: CostAssumptions | None = None
) -> CostEstimate | NoEstimate:
    """extract_usage, the region's price table, estimate: the usual path for a stack."""
    return estimate_or_not(extract_usage(run), assumptions)


def _quantity(value: float) -> str:
    return f"{int(value):,}" if value == int(value) else f"{value:,.2f}"


def _unit_price(usd: float) -> str:
    """At least two decimals, and every significant one: ``$0.10``, ``$0.04048``."""
    text = f"{usd:.10f}".rstrip("0")  # WAF prices a request at $0.0000006
    decimals = len(text.split(".")[1])
    return f"${usd:.{max(2, decimals)}f}"


def format_cost(estimate: CostEstimate | NoEstimate) -> list[str]:
    """Printable lines: the line items, totals, the release extra, prices' date, assumptions.

    Without a usable table: one line saying how to produce it.
    """
    if isinstance(estimate, NoEstimate):
        return [f"  {estimate.stack} in {estimate.region}: {estimate.line()}"]
    rows = [
        (
            i.item,
            f"{_quantity(i.quantity)} {i.unit}",
            f"x {_unit_price(i.unit_price_usd)}",
            f"${i.monthly_usd:,.2f}",
        )
        for i in estimate.items
    ]
    rows += [(u.item, f"{_quantity(u.quantity)} {u.unit}", "x ?", "not priced") for u in estimate.unpriced]
    extra = estimate.release_extra
    partial = " of priced lines" if estimate.unpriced else ""
    totals = [(f"total{partial} (steady state)", f"${estimate.total_monthly_usd:,.2f}")]
    if extra is not None:
        totals.append((f"total{partial} with releases", f"${estimate.total_with_releases_usd:,.2f}"))
    widths = [max([len(row[col]) for row in rows] or [0]) for col in range(3)]
    amount_width = max(len(text) for text in [*(row[3] for row in rows), *(t[1] for t in totals)])
    label_width = sum(widths) + 4
    lines = [f"  {estimate.stack} in {estimate.region}: estimated USD per month"]
    for item, quantity, price, monthly in rows:
        lines.append(
            f"  {item:<{widths[0]}}  {quantity:>{widths[1]}}  {price:<{widths[2]}}  {monthly:>{amount_width}}"
        )
    lines.append(f"  {totals[0][0]:<{label_width}}  {totals[0][1]:>{amount_width}}")
    if extra is not None:
        lines.append(
            f"  releases: {extra.releases_per_month} x {clock(int(extra.release_seconds))} (worst case) with "
            f"{extra.green_tasks} green task(s) running beside blue: ${extra.per_release_usd:,.4f} each, "
            f"${extra.monthly_usd:,.2f}/month"
        )
        lines.append(f"  {totals[1][0]:<{label_width}}  {totals[1][1]:>{amount_width}}")
    if estimate.fargate_at_max_monthly_usd is not None:
        lines.append(
            "  at the auto scaling maximum all month, Fargate alone would cost "
            f"${estimate.fargate_at_max_monthly_usd:,.2f}"
        )
    if estimate.unpriced:
        lines.append(
            f"  not priced ({len(estimate.unpriced)} line(s), left out of the totals; "
            "release extra and auto scaling maximum need the task's Fargate prices):"
        )
        lines.extend(f"    {u.item}: {u.price_key} {u.reason}" for u in estimate.unpriced)
        lines.append(f"  complete the table with: {refresh_command(estimate.region)}")
    checked = "re-checked online" if estimate.prices_checked_online else "NOT re-checked online"
    lines.append(
        f"  prices: AWS's published {estimate.region} prices as of {estimate.prices_as_of} ({checked}), from:"
    )
    lines.extend(f"    {url}" for url in estimate.sources)
    lines.append(f"  assumptions: {'; '.join(estimate.assumptions.describe())}")
    lines.append(f"  not included: {'; '.join(estimate.not_included)}")
    return lines


__all__ = [
    "NOT_INCLUDED",
    "PRICES_DIR",
    "REQUIRED_PRICES",
    "CostAssumptions",
    "CostEstimate",
    "LineItem",
    "NoEstimate",
    "Price",
    "PriceTable",
    "PriceTableError",
    "ReleaseExtra",
    "UnpricedLine",
    "Usage",
    "available_regions",
    "estimate",
    "estimate_or_not",
    "estimate_run",
    "extract_usage",
    "format_cost",
    "load_prices",
    "task_hour_usd",
]
