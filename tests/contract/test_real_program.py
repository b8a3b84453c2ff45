"""Every AWS resource the real program declares, in every variant, as AWS would receive it.

The mocks accept anything; these tests do not: each declared resource becomes the create
requests the AWS provider sends, which must satisfy botocore's service model and the rules
AWS documents only in prose (``model_rules.py``), and which moto must accept when replayed
in dependency order with real ids (``replay.py``).
"""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError

from preview.engine import Recorded
from tests.contract.replay import MOTO_SKIPS, clients_for, mock_aws
from tests.contract.translate import NOT_AWS_RESOURCES, PROVIDER_TYPE, TRANSLATORS, aws_resources
from tests.contract.variants import VARIANTS, outcome, program_run, translations

IDS = [v.id for v in VARIANTS]
# Resources whose create call is not sent (MOTO_SKIPS), so moto hands out no id for them.
SKIPPED_TYPES = {"aws:codedeploy/deploymentConfig:DeploymentConfig"}


def _declared(variant_id: str) -> list[Recorded]:
    return aws_resources(program_run(variant_id).resources)


def test_every_declared_aws_type_has_a_translation() -> None:
    """A new resource type fails here until translate.py turns it into its API requests."""
    declared = {r.type for v in IDS for r in program_run(v).resources if r.custom}
    unknown = sorted(declared - set(TRANSLATORS) - NOT_AWS_RESOURCES - {PROVIDER_TYPE})
    assert unknown == [], (
        f"declared resource types with no translation in tests/contract/translate.py: {unknown}"
    )


def test_the_lazy_imports_test_runs_every_declared_type() -> None:
    """tests/preview/test_fast_imports.py compares lazy and eager imports on a few variants:
    between them they must declare every type any variant declares."""
    from tests.preview.test_fast_imports import IDS as COMPARED

    everything = {r.type for v in IDS for r in program_run(v).resources}
    compared = {r.type for v in COMPARED for r in program_run(v).resources}
    assert sorted(everything - compared) == []


def test_every_translation_is_exercised_by_a_variant() -> None:
    """The translation table covers what the variants declare, no more: no untested translator."""
    declared = {r.type for v in IDS for r in _declared(v)}
    assert sorted(set(TRANSLATORS) - declared) == []


@pytest.mark.parametrize("variant_id", IDS)
def test_requests_follow_aws_rules(variant_id: str) -> None:
    """(a) Types, required members, lengths, ranges, enums, patterns, documented rules, tags."""
    problems = [str(v) for v in outcome(variant_id).violations]
    assert problems == [], "requests AWS would reject:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("variant_id", IDS)
def test_moto_accepts_every_request(variant_id: str) -> None:
    """(b) moto creates everything, in dependency order, with the ids it handed out."""
    result = outcome(variant_id)
    assert result.moto_errors == [], "moto refused:\n  " + "\n  ".join(result.moto_errors)
    expected = sum(len(t.calls) for t in translations(variant_id))
    assert len(result.sent) == expected
    assert all(s.split(": ")[-1] in MOTO_SKIPS.values() for s in result.skipped)


@pytest.mark.parametrize("variant_id", IDS)
def test_no_mock_value_reaches_aws(variant_id: str) -> None:
    """Every reference to another resource (also inside policies, URLs, labels) was swapped for
    moto's value before sending."""
    result = outcome(variant_id)
    mock_ids = {r.id for r in _declared(variant_id)}
    replaced = sorted(result.replaced, key=len, reverse=True)
    assert mock_ids <= set(result.replaced) | {
        r.id for r in _declared(variant_id) if r.type in SKIPPED_TYPES
    }, "a created resource's mock id has no real counterpart"
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(m) for m in replaced) + r")(?![\w-])")
    leftovers = [
        f"{s.resource_type} ({s.resource_name}): {s.operation} sends {found.group(0)!r}"
        for s in result.sent
        for value in _strings(s.params)
        for found in [pattern.search(value)]
        if found
    ]
    assert leftovers == []


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_variants_cover_both_regions_and_engines() -> None:
    regions = {v.region for v in VARIANTS}
    assert {"us-east-1", "ap-northeast-2"} <= regions
    for variant_id in ("prod-seoul-ecs-linear-every-hook", "dev-seoul-linear-arm64"):
        zones = [
            s.params.get("AvailabilityZone")
            for s in outcome(variant_id).sent
            if s.operation == "CreateSubnet"
        ]
        assert zones and all(z.startswith("ap-northeast-2") for z in zones)
    controllers = {
        s.params["deploymentController"]["type"]
        for v in IDS
        for s in outcome(v).sent
        if s.operation == "CreateService"
    }
    assert controllers == {"CODE_DEPLOY", "ECS"}


def test_skipped_calls_are_still_unimplemented_by_moto() -> None:
    """When moto learns a skipped call, this fails: drop it from MOTO_SKIPS so moto checks it."""
    assert set(MOTO_SKIPS) == {("codedeploy", "CreateDeploymentConfig")}
    with mock_aws():
        codedeploy = clients_for("us-east-1")("codedeploy")
        with pytest.raises((NotImplementedError, ClientError)):
            codedeploy.create_deployment_config(deploymentConfigName="probe", computePlatform="ECS")


CHEAP_NETWORK = (
    "dev",
    "dev-ecs-canary",
    "dev-existing-vpc-public-tasks",
    "prod-public-tasks-hook-through-nat",
)


def _subnets(variant_id: str, tier: str) -> set[str]:
    """moto's ids of the stack's ``tier`` subnets: those its ``<prefix>-<tier>-<n>`` associations name."""
    return {
        s.params["SubnetId"]
        for s in outcome(variant_id).sent
        if s.operation == "AssociateRouteTable" and f"-{tier}-" in s.resource_name
    }


@pytest.mark.parametrize("variant_id", CHEAP_NETWORK)
def test_the_cheap_network_reaches_aws_as_public_tasks_behind_the_load_balancer(variant_id: str) -> None:
    """network.taskSubnets: public, as sent to moto: the service's tasks get public IPs in the public
    subnets, their group admits only the ALB's group, and NAT exists only where a hook needs it."""
    sent = outcome(variant_id).sent
    (service,) = [s.params for s in sent if s.operation == "CreateService"]
    awsvpc = service["networkConfiguration"]["awsvpcConfiguration"]
    assert awsvpc["assignPublicIp"] == "ENABLED"
    if variant_id == "dev-existing-vpc-public-tasks":
        assert len(awsvpc["subnets"]) == 2  # the stack's publicSubnetIds, created by prepare
    else:
        assert set(awsvpc["subnets"]) == _subnets(variant_id, "public")
    (tasks_group,) = awsvpc["securityGroups"]
    into_tasks = [
        s.params
        for s in sent
        if s.operation == "AuthorizeSecurityGroupIngress" and s.params.get("GroupId") == tasks_group
    ]
    assert into_tasks, "no ingress rule on the tasks' group"
    (balancer,) = [s.params for s in sent if s.operation == "CreateLoadBalancer"]
    for rule in into_tasks:
        for permission in rule["IpPermissions"]:
            assert not permission.get("IpRanges") and not permission.get("Ipv6Ranges"), permission
            assert not permission.get("PrefixListIds"), permission
            assert {p["GroupId"] for p in permission["UserIdGroupPairs"]} <= set(balancer["SecurityGroups"])
    nat_gateways = [s for s in sent if s.operation == "CreateNatGateway"]
    hooks = [s.params for s in sent if s.operation == "CreateFunction"]
    if variant_id.startswith("prod"):  # its smoke-test hook still reaches the test listener through NAT
        assert len(nat_gateways) == 2 and len(hooks) == 1
        private = _subnets(variant_id, "private")
        assert set(hooks[0]["VpcConfig"]["SubnetIds"]) == private
    else:
        assert nat_gateways == [] and hooks == []


def test_every_mount_point_names_a_declared_volume() -> None:
    """ECS rejects a task definition whose mountPoints name a volume it does not declare."""
    for variant_id in IDS:
        for sent in outcome(variant_id).sent:
            if sent.operation != "RegisterTaskDefinition":
                continue
            volumes = {v["name"] for v in sent.params.get("volumes") or []}
            for container in sent.params["containerDefinitions"]:
                for mount in container.get("mountPoints") or []:
                    assert mount["sourceVolume"] in volumes, (variant_id, container["name"], mount)


def test_the_sidecar_variants_register_every_container_and_its_wiring() -> None:
    """The shortcuts' task definitions reached moto whole: the app, the router, the collector."""
    for variant_id, expected in (
        ("dev-firelens-otel-collector", ["app", "log-router", "otel-collector"]),
        ("prod-seoul-ecs-firelens-output-and-sidecar", ["app", "log-router", "proxy", "otel-collector"]),
    ):
        (sent,) = [s for s in outcome(variant_id).sent if s.operation == "RegisterTaskDefinition"]
        containers = {c["name"]: c for c in sent.params["containerDefinitions"]}
        assert list(containers) == expected
        assert containers["app"]["logConfiguration"]["logDriver"] == "awsfirelens"
        assert containers["log-router"]["firelensConfiguration"]["type"] == "fluentbit"
        assert {d["containerName"] for d in containers["app"]["dependsOn"]} == set(expected[1:])
