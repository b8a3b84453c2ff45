"""The stack variants the contract tests run, each once per session.

Together they declare every resource type and every branch of the program that changes a
request: dev and prod, both deployment engines, each strategy (all-at-once, the predefined
canary and linear configs, custom CodeDeploy configs, ECS's native strategies), HTTPS, an
existing VPC, hooks (one, and every hook under ECS), VPC endpoints without NAT, tasks in
public subnets without NAT (dev's network; also in an existing VPC, and in prod keeping NAT for
its hook), container
secrets, extra tags, email subscriptions, a ready wait, ECS Exec, alarm rollback off, two regions, a
domain (zone by name and by id: certificate, validation and alias records), access logs,
WAF in block and count mode, flow logs, and the sidecar shortcuts (a FireLens log router
with its default and a configured output, an OpenTelemetry collector).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from preview.engine import ProgramRun, fake_zone_id, stack_value
from tests.contract.replay import Clients, Outcome, Prepare, replay
from tests.contract.translate import Translation, translate_all
from tests.run_cache import run_stack

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/5b6c9d1e-0f4a-4b7e-9c2d-3e8f1a2b4c6d"
SECRET = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:my-app/db-AbCdEf"
PINNED_SIDECAR = "public.ecr.aws/envoyproxy/envoy@sha256:" + "0f" * 32
ALL_HOOKS = [
    "BeforeInstall",
    "AfterInstall",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AfterAllowTraffic",
]
EXISTING_VPC = {
    "vpcId": "vpc-0abc",
    "publicSubnetIds": ["subnet-p1", "subnet-p2"],
    "privateSubnetIds": ["subnet-a", "subnet-b"],
}


def _existing_vpc(clients: Clients) -> dict[str, str]:
    """The VPC and subnets an existing-VPC stack names, created in moto: config id -> moto id."""
    ec2 = clients("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    found = {EXISTING_VPC["vpcId"]: vpc}
    subnets = [*EXISTING_VPC["publicSubnetIds"], *EXISTING_VPC["privateSubnetIds"]]
    for index, name in enumerate(subnets):
        zone = f"{clients.region}{'ab'[index % 2]}"
        created = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{index * 16}.0/20", AvailabilityZone=zone)
        found[name] = created["Subnet"]["SubnetId"]
    return found


def _certificate(clients: Clients) -> dict[str, str]:
    """The ACM certificate an HTTPS stack names, issued in moto."""
    arn = clients("acm").request_certificate(DomainName="app.example.com")["CertificateArn"]
    return {CERT: arn}


ZONE_ID = "Z0123456789ABCDEFGHIJ"


def _hosted_zone(zone_name: str, config_zone_id: str) -> Prepare:
    """The Route 53 public hosted zone a domain stack names (by id, or found by name), in moto."""

    def prepare(clients: Clients) -> dict[str, str]:
        created = clients("route53").create_hosted_zone(
            Name=zone_name, CallerReference=f"contract-{zone_name}"
        )
        return {config_zone_id: created["HostedZone"]["Id"].rsplit("/", 1)[-1]}

    return prepare


@dataclass(frozen=True)
class Variant:
    id: str
    stack: str
    overrides: dict[str, Any] = field(default_factory=dict, hash=False)
    prepare: Prepare | None = field(default=None, hash=False)
    """What the stack expects to exist already."""

    @property
    def region(self) -> str:
        region = self.overrides.get("aws:region") or stack_value(self.stack, "aws:region") or "us-east-1"
        return str(region)


def _ecs(**deployment: Any) -> dict[str, Any]:
    return {"deployment": {"controller": "ecs", "terminationWaitMinutes": 5, **deployment}}


VARIANTS: list[Variant] = [
    Variant("dev", "dev"),
    Variant(
        "dev-ecs-exec", "dev", {"service": {**stack_value("dev", "service"), "enableExecuteCommand": True}}
    ),
    Variant("prod", "prod"),
    Variant(
        "dev-seoul-linear-arm64",
        "dev",
        {
            "aws:region": "ap-northeast-2",
            "deployment": {"strategy": "linear", "percentage": 10, "intervalMinutes": 1},
            "task": {"cpu": 256, "memory": 512, "cpuArchitecture": "ARM64"},
        },
    ),
    Variant(
        "prod-seoul-custom-canary-secrets",
        "prod",
        {
            "aws:region": "ap-northeast-2",
            "deployment": {"strategy": "canary", "percentage": 20, "intervalMinutes": 10},
            "container": {
                **stack_value("prod", "container"),
                "secrets": {"DB_PASSWORD": SECRET + ":password::"},
                "environment": {"LOG_LEVEL": "info"},
            },
        },
    ),
    Variant(
        "dev-custom-linear",
        "dev",
        {"deployment": {"strategy": "linear", "percentage": 25, "intervalMinutes": 2}},
    ),
    Variant("dev-ecs-canary", "dev", _ecs(strategy="canary", percentage=10, intervalMinutes=5)),
    Variant(
        "prod-ecs-ready-wait-continue",
        "prod",
        {
            **_ecs(
                strategy="canary",
                percentage=10,
                intervalMinutes=5,
                readyWaitMinutes=20160,
                readyWaitTimeoutAction="continue",
            ),
            "release": {"timeoutMinutes": 30240},
        },
    ),
    Variant(
        "prod-seoul-ecs-linear-every-hook",
        "prod",
        {
            "aws:region": "ap-northeast-2",
            **_ecs(strategy="linear", percentage=20, intervalMinutes=3),
            "hooks": {**stack_value("prod", "hooks"), "lifecycleEvents": ALL_HOOKS},
            "release": {"timeoutMinutes": 120},
        },
    ),
    Variant(
        "dev-ecs-all-at-once-no-alarm-rollback",
        "dev",
        {**_ecs(strategy="all-at-once"), "alarms": {"rollbackOnAlarm": False}},
    ),
    Variant(
        "prod-https",
        "prod",
        {"loadBalancer": {"certificateArn": CERT, "testListenerPort": 8443}},
        prepare=_certificate,
    ),
    Variant(
        "prod-ecs-https",
        "prod",
        {
            **_ecs(strategy="canary", percentage=10, intervalMinutes=5),
            "loadBalancer": {"certificateArn": CERT, "testListenerPort": 8443},
        },
        prepare=_certificate,
    ),
    Variant(
        "prod-seoul-domain-by-zone-name",
        "prod",
        {"aws:region": "ap-northeast-2", "domain": {"name": "app.example.com", "zoneName": "example.com"}},
        prepare=_hosted_zone("example.com", fake_zone_id("example.com")),
    ),
    Variant(
        "dev-ecs-domain-by-zone-id-waf-count",
        "dev",
        {
            **_ecs(strategy="canary", percentage=10, intervalMinutes=5),
            "domain": {"name": "api.example.org", "zoneId": ZONE_ID},
            "loadBalancer": {"waf": {"enabled": True, "mode": "count", "rateLimit": 500}},
            "network": {"flowLogs": {"enabled": True, "retentionDays": 7, "trafficType": "REJECT"}},
        },
        prepare=_hosted_zone("example.org", ZONE_ID),
    ),
    Variant(
        "dev-existing-vpc",
        "dev",
        {"network": {**EXISTING_VPC, "flowLogs": {"enabled": False}}},
        prepare=_existing_vpc,
    ),
    Variant(
        "dev-existing-vpc-public-tasks",
        "dev",
        {"network": {**EXISTING_VPC, "taskSubnets": "public", "flowLogs": {"enabled": False}}},
        prepare=_existing_vpc,
    ),
    Variant(
        "prod-public-tasks-hook-through-nat",
        "prod",
        {"network": {**stack_value("prod", "network"), "taskSubnets": "public"}},
    ),
    Variant(
        "dev-endpoints-without-nat",
        "dev",
        {"network": {"natGateways": 0, "vpcEndpoints": True, "availabilityZones": 3}},
    ),
    Variant(
        "prod-emails-tags-ready-wait",
        "prod",
        {
            "alarms": {**stack_value("prod", "alarms"), "emails": ["oncall@example.com", "team@example.org"]},
            "tags": {"team": "payments", "cost-center": "42"},
            "deployment": {
                "strategy": "canary",
                "percentage": 10,
                "intervalMinutes": 5,
                "terminationWaitMinutes": 60,
                "readyWaitMinutes": 30,
            },
            "release": {"timeoutMinutes": 120},
        },
    ),
]
VARIANTS += [
    Variant(
        "dev-firelens-otel-collector",
        "dev",
        {
            "container": {
                **stack_value("dev", "container"),
                "sidecars": [{"logRouter": "firelens"}, {"otelCollector": True}],
            }
        },
    ),
    Variant(
        "prod-seoul-ecs-firelens-output-and-sidecar",
        "prod",
        {
            "aws:region": "ap-northeast-2",
            **_ecs(strategy="canary", percentage=10, intervalMinutes=5),
            "task": {"cpu": 1024, "memory": 2048},
            "container": {
                **stack_value("prod", "container"),
                "sidecars": [
                    {
                        "logRouter": "firelens",
                        "output": {
                            "Name": "kinesis_firehose",
                            "region": "ap-northeast-2",
                            "delivery_stream": "logs",
                        },
                        "outputSecrets": {"apikey": SECRET},
                    },
                    {
                        "name": "proxy",
                        "image": PINNED_SIDECAR,
                        "ports": [9901],
                        "healthCheck": {"command": ["CMD", "/bin/true"]},
                        "dependsOn": "HEALTHY",
                        "startAfter": {"log-router": "START"},
                        "logging": "firelens",
                        "cpu": 128,
                        "memory": 256,
                    },
                    {"otelCollector": True, "essential": False},
                ],
            },
        },
    ),
]
BY_ID = {v.id: v for v in VARIANTS}


@functools.cache
def program_run(variant_id: str) -> ProgramRun:
    variant = BY_ID[variant_id]
    return run_stack(variant.stack, variant.overrides)


@functools.cache
def translations(variant_id: str) -> list[Translation]:
    return translate_all(program_run(variant_id).resources, BY_ID[variant_id].region)


@functools.cache
def outcome(variant_id: str) -> Outcome:
    variant = BY_ID[variant_id]
    return replay(translations(variant_id), variant.region, variant.prepare)
