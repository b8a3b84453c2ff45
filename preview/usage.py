"""What a stack uses that AWS bills: read from its declared resources, metered per month.

``extract_usage`` reads the quantities that drive the bill from the declared resources (task
count and size, the sidecars' share of it, load balancers, NAT gateways, public IPv4 addresses,
alarms, interface endpoints, log retention, images kept, the edge's web ACL, access logs and flow logs;
tasks with a public IP count one address each).
``METERS`` turns them, under ``CostAssumptions`` (hours in a month, traffic, log volume, image
size: what the resources cannot tell), into the month's billed quantities, one row per price:
vCPU-hours, GB-hours, LCU-hours, GB, requests... ``preview.estimate`` prices the rows. Each
meter names its price by a key of ``preview.prices.specs.SPECS``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from preview.release_params import DECLARED, ProgramRunLike, ResourceLike, of_type
from specs.resource_reader import (
    ECR_LIFECYCLE_POLICY,
    ECS_RELEASE,
    ECS_SERVICE,
    METRIC_ALARM,
    RELEASE,
    TASK_DEFINITION,
    required_number,
)


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
    web_acls: int = 0
    web_acl_rules: int = 0
    """Rules of all web ACLs (a managed rule group counts as one rule)."""
    access_log_expiration_days: int | None = None
    """The access log bucket's expiry; None when the stack writes no access logs."""
    flow_logs: int = 0
    flow_log_retention_days: int | None = None
    task_public_ip: bool = False
    """Each task gets a public IPv4 address (``assignPublicIp``), billed like any other."""
    sidecars: tuple[str, ...] = ()
    """Containers beside the app, billed inside the task's size."""
    sidecar_cpu_units: int = 0
    sidecar_memory_mib: int = 0
    """What the sidecars reserve of each task's CPU and memory."""

    @property
    def vcpu(self) -> float:
        return self.task_cpu_units / 1024

    @property
    def memory_gb(self) -> float:
        return self.task_memory_mib / 1024

    @property
    def task_public_ips(self) -> int:
        return self.desired_count if self.task_public_ip else 0

    @property
    def public_ipv4(self) -> int:
        return self.alb_public_subnets + self.elastic_ips + self.task_public_ips


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


def _tasks_get_public_ips(service: ResourceLike) -> bool:
    return DECLARED.get(service.inputs, "networkConfiguration", "assignPublicIp") is True


def _sidecars(task: ResourceLike) -> list[dict[str, object]]:
    """The task's containers after the app's (the program writes the app first)."""
    raw = task.inputs.get("containerDefinitions")
    return list(json.loads(raw)[1:]) if isinstance(raw, str) else []


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
        web_acls=len(of_type(run, "aws:wafv2/webAcl:WebAcl")),
        web_acl_rules=sum(len(a.inputs.get("rules") or []) for a in of_type(run, "aws:wafv2/webAcl:WebAcl")),
        access_log_expiration_days=_access_log_expiration(run),
        flow_logs=len(of_type(run, "aws:ec2/flowLog:FlowLog")),
        flow_log_retention_days=_flow_log_retention(run),
        task_public_ip=_tasks_get_public_ips(service),
        sidecars=tuple(str(c["name"]) for c in _sidecars(task)),
        sidecar_cpu_units=sum(int(str(c.get("cpu") or 0)) for c in _sidecars(task)),
        sidecar_memory_mib=sum(int(str(c.get("memoryReservation") or 0)) for c in _sidecars(task)),
    )


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
    sidecar_log_gb_per_task_month: float = 0.1
    """Log volume one sidecar writes in a month (its own logs, the collector's EMF metrics)."""

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
            f"sidecars (if any): {self.sidecar_log_gb_per_task_month:g} GB logs per sidecar and task-month",
        ]


# --- the month's billed quantities ------------------------------------------------------


@dataclass(frozen=True)
class Quantity:
    """One billed quantity of the month: the price it takes, its line's label, how much, in what."""

    price_key: str
    item: str
    quantity: float
    unit: str


@dataclass(frozen=True)
class Meter:
    """How one billed quantity follows from the usage: a row of ``METERS``.

    ``price_key`` may name ``{arch}`` (the task's CPU architecture, lower case); ``applies``
    says whether the stack incurs the line at all (a line of 0 is still shown when it applies).
    """

    price_key: str
    unit: str
    applies: Callable[[Usage], bool]
    quantity: Callable[[Usage, CostAssumptions], float]
    item: Callable[[Usage, CostAssumptions], str]


def _always(usage: Usage) -> bool:
    return True


def _tasks(usage: Usage) -> str:
    return f"{usage.desired_count} task{'s' if usage.desired_count != 1 else ''}"


def _endpoints_label(usage: Usage) -> str:
    count, azs = usage.interface_endpoints, usage.interface_endpoint_azs
    if count and azs % count == 0:
        return f"interface VPC endpoints ({count} x {azs // count} AZs)"
    return f"interface VPC endpoints ({count}, {azs} endpoint-AZs)"


def _public_ipv4_label(usage: Usage) -> str:
    parts = f"{usage.alb_public_subnets} ALB + {usage.elastic_ips} Elastic IP"
    if usage.task_public_ips:
        parts += f" + {_tasks(usage)}"
    return f"public IPv4 ({parts})"


def _months_kept(retention_days: int | None, a: CostAssumptions) -> float:
    """Months of logs stored: the retention, or the assumption when they never expire."""
    if retention_days is None:
        return a.log_months_when_kept_forever
    return retention_days / (a.hours_per_month / 24)


def _kept(retention_days: int | None) -> str:
    return "never expire" if retention_days is None else f"{retention_days}-day retention"


def _task_logs_gb(usage: Usage, a: CostAssumptions) -> float:
    per_task = a.log_gb_per_task_month + len(usage.sidecars) * a.sidecar_log_gb_per_task_month
    return usage.desired_count * per_task


def _sidecar_share(usage: Usage, units: int, total: int, unit: str) -> str:
    """``; sidecars log-router, otel-collector reserve 96 of 256 CPU units`` (billed in the task)."""
    if not usage.sidecars:
        return ""
    return f"; sidecars {', '.join(usage.sidecars)} reserve {units} of {total} {unit}"


def _flow_logs_gb(usage: Usage, a: CostAssumptions) -> float:
    return usage.flow_logs * a.flow_log_gb_per_month


METERS: tuple[Meter, ...] = (
    Meter(
        "fargate_{arch}_vcpu_hour",
        "vCPU-hours",
        _always,
        lambda u, a: u.desired_count * u.vcpu * a.hours_per_month,
        lambda u, a: (
            f"Fargate vCPU ({u.cpu_architecture}, {_tasks(u)} x {u.vcpu:g} vCPU"
            f"{_sidecar_share(u, u.sidecar_cpu_units, u.task_cpu_units, 'CPU units')})"
        ),
    ),
    Meter(
        "fargate_{arch}_gb_hour",
        "GB-hours",
        _always,
        lambda u, a: u.desired_count * u.memory_gb * a.hours_per_month,
        lambda u, a: (
            f"Fargate memory ({u.cpu_architecture}, {_tasks(u)} x {u.memory_gb:g} GB"
            f"{_sidecar_share(u, u.sidecar_memory_mib, u.task_memory_mib, 'MiB')})"
        ),
    ),
    Meter(
        "alb_hour",
        "ALB-hours",
        lambda u: u.load_balancers > 0,
        lambda u, a: u.load_balancers * a.hours_per_month,
        lambda u, a: "Application Load Balancer",
    ),
    Meter(
        "alb_lcu_hour",
        "LCU-hours",
        lambda u: u.load_balancers > 0,
        lambda u, a: u.load_balancers * a.alb_average_lcu * a.hours_per_month,
        lambda u, a: f"ALB capacity ({a.alb_average_lcu:g} LCU average)",
    ),
    Meter(
        "nat_gateway_hour",
        "hours",
        lambda u: u.nat_gateways > 0,
        lambda u, a: u.nat_gateways * a.hours_per_month,
        lambda u, a: f"NAT gateways ({u.nat_gateways})",
    ),
    Meter(
        "nat_gateway_gb",
        "GB",
        lambda u: u.nat_gateways > 0,
        lambda u, a: a.nat_gb_per_month,
        lambda u, a: "NAT data processed",
    ),
    Meter(
        "public_ipv4_hour",
        "IP-hours",
        lambda u: u.public_ipv4 > 0,
        lambda u, a: u.public_ipv4 * a.hours_per_month,
        lambda u, a: _public_ipv4_label(u),
    ),
    Meter(
        "vpc_endpoint_az_hour",
        "endpoint-AZ-hours",
        lambda u: u.interface_endpoint_azs > 0,
        lambda u, a: u.interface_endpoint_azs * a.hours_per_month,
        lambda u, a: _endpoints_label(u),
    ),
    Meter(
        "vpc_endpoint_gb",
        "GB",
        lambda u: u.interface_endpoint_azs > 0,
        lambda u, a: a.endpoint_gb_per_month,
        lambda u, a: "VPC endpoint data processed",
    ),
    Meter(
        "alarm_month",
        "alarm-months",
        lambda u: u.alarms > 0,
        lambda u, a: u.alarms,
        lambda u, a: f"CloudWatch alarms ({u.alarms})",
    ),
    Meter(
        "logs_ingest_gb",
        "GB",
        _always,
        _task_logs_gb,
        lambda u, a: (
            "CloudWatch Logs ingestion" + (f" (app and {len(u.sidecars)} sidecars)" if u.sidecars else "")
        ),
    ),
    Meter(
        "logs_storage_gb_month",
        "GB-months",
        _always,
        lambda u, a: _task_logs_gb(u, a) * _months_kept(u.log_retention_days, a),
        lambda u, a: f"CloudWatch Logs storage ({_kept(u.log_retention_days)})",
    ),
    Meter(
        "ecr_storage_gb_month",
        "GB-months",
        _always,
        lambda u, a: (u.keep_last_images or a.images_without_lifecycle_rule) * a.image_size_gb,
        lambda u, a: (
            f"ECR storage ({u.keep_last_images or a.images_without_lifecycle_rule} images x "
            f"{a.image_size_gb:g} GB)"
        ),
    ),
    Meter(
        "waf_web_acl_month",
        "web ACL-months",
        lambda u: u.web_acls > 0,
        lambda u, a: u.web_acls,
        lambda u, a: f"WAF web ACLs ({u.web_acls})",
    ),
    Meter(
        "waf_rule_month",
        "rule-months",
        lambda u: u.web_acls > 0,
        lambda u, a: u.web_acl_rules,
        lambda u, a: f"WAF rules ({u.web_acl_rules})",
    ),
    Meter(
        "waf_request",
        "requests",
        lambda u: u.web_acls > 0,
        lambda u, a: a.waf_requests_per_month * u.web_acls,
        lambda u, a: f"WAF requests ({a.waf_requests_per_month / 1e6:g} million)",
    ),
    Meter(
        "s3_storage_gb_month",
        "GB-months",
        lambda u: u.access_log_expiration_days is not None,
        lambda u, a: (
            a.access_log_gb_per_month * (u.access_log_expiration_days or 0) / (a.hours_per_month / 24)
        ),
        lambda u, a: f"ALB access logs in S3 ({u.access_log_expiration_days}-day expiry)",
    ),
    Meter(
        "logs_vended_ingest_gb",
        "GB",
        lambda u: u.flow_logs > 0,
        _flow_logs_gb,
        lambda u, a: "VPC flow logs ingestion (vended logs)",
    ),
    Meter(
        "logs_storage_gb_month",
        "GB-months",
        lambda u: u.flow_logs > 0,
        lambda u, a: _flow_logs_gb(u, a) * _months_kept(u.flow_log_retention_days, a),
        lambda u, a: f"VPC flow logs storage ({_kept(u.flow_log_retention_days)})",
    ),
)


def billed_quantities(usage: Usage, assumptions: CostAssumptions | None = None) -> tuple[Quantity, ...]:
    """The month's quantities of every meter that applies to the stack, in ``METERS``' order."""
    a = assumptions or CostAssumptions()
    arch = usage.cpu_architecture.lower()
    return tuple(
        Quantity(
            meter.price_key.format(arch=arch), meter.item(usage, a), meter.quantity(usage, a), meter.unit
        )
        for meter in METERS
        if meter.applies(usage)
    )


__all__ = [
    "METERS",
    "CostAssumptions",
    "Meter",
    "Quantity",
    "Usage",
    "billed_quantities",
    "extract_usage",
]
