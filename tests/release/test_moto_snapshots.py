"""tests/moto_snapshots.py: moto's state saved and put back, in process and over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws
from moto.ec2.models import ec2_backends
from moto.elbv2.models import elbv2_backends

from tests import moto_server, moto_snapshots
from tests.release.cli.support import ACCOUNT_ID as ACCOUNT
from tests.release.cli.support import REGION, build_network


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], Any]]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        yield lambda service: boto3.client(service, region_name=REGION)


def _network(aws: Callable[[str], Any]) -> dict[str, Any]:
    """A VPC, two subnets, a load balancer in them (and target groups)."""
    net = build_network(aws, group="snap", target_groups=("snap-blue", "snap-green"))
    [vpc] = _vpcs(aws)
    return {"vpc": vpc, "subnets": net.subnets, "alb": net.alb}


def _vpcs(aws: Callable[[str], Any]) -> set[str]:
    return {v["VpcId"] for v in aws("ec2").describe_vpcs()["Vpcs"] if not v["IsDefault"]}


def test_restore_puts_back_what_was_saved_and_drops_what_came_after(aws: Callable[[str], Any]) -> None:
    built = _network(aws)
    moto_snapshots.save("network")
    later = aws("ec2").create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    aws("elbv2").delete_load_balancer(LoadBalancerArn=built["alb"])

    assert moto_snapshots.restore("network")

    assert _vpcs(aws) == {built["vpc"]}  # the later VPC is gone
    [alb] = aws("elbv2").describe_load_balancers()["LoadBalancers"]  # the deleted one is back
    assert alb["LoadBalancerArn"] == built["alb"]
    assert {z["SubnetId"] for z in alb["AvailabilityZones"]} == set(built["subnets"])
    assert later not in _vpcs(aws)


def test_each_restore_is_a_new_copy_of_the_saved_state(aws: Callable[[str], Any]) -> None:
    built = _network(aws)
    moto_snapshots.save("network")
    assert moto_snapshots.restore("network")
    aws("ec2").create_tags(Resources=[built["vpc"]], Tags=[{"Key": "changed", "Value": "yes"}])
    assert moto_snapshots.restore("network")
    [vpc] = aws("ec2").describe_vpcs(VpcIds=[built["vpc"]])["Vpcs"]
    assert "Tags" not in vpc or vpc["Tags"] == []


def test_references_between_services_point_into_the_same_copy(aws: Callable[[str], Any]) -> None:
    """A load balancer (elbv2) holds EC2's subnet objects: after a restore they are EC2's own."""
    built = _network(aws)
    moto_snapshots.save("network")
    assert moto_snapshots.restore("network")
    ec2 = ec2_backends[ACCOUNT][REGION]
    alb = elbv2_backends[ACCOUNT][REGION].load_balancers[built["alb"]]
    for subnet in alb.subnets:
        assert ec2.get_subnet(subnet.id) is subnet


def test_an_unknown_name_restores_nothing(aws: Callable[[str], Any]) -> None:
    built = _network(aws)
    assert not moto_snapshots.restore("never-saved")
    assert _vpcs(aws) == {built["vpc"]}


# --------------------------------------------------------------------------------- over HTTP


def test_the_servers_endpoints(moto_url: str, moto_port: int) -> None:
    ec2 = boto3.session.Session().client(
        "ec2",
        region_name=REGION,
        endpoint_url=moto_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    moto_server.save(moto_port, "test-the-servers-endpoints")
    ec2.delete_vpc(VpcId=vpc)
    assert moto_server.restore(moto_port, "test-the-servers-endpoints")
    assert vpc in {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
    assert not moto_server.restore(moto_port, "never-saved")
    assert moto_server.request(moto_port, "POST", "/tests-api/forget/x") == 400
    assert moto_server.request(moto_port, "GET", "/moto-api/") == 200  # moto's own, passed on


def test_moto_built_builds_once_and_hands_out_copies(moto_url: str, moto_built: Callable[..., Any]) -> None:
    calls: list[int] = []

    def build() -> dict[str, list[int]]:
        calls.append(1)
        return {"ids": [1, 2]}

    first = moto_built("test-moto-built", build)
    first["ids"].append(3)
    second = moto_built("test-moto-built", build)
    assert calls == [1] and second == {"ids": [1, 2]}


def test_built_in_process_builds_once_across_mock_aws_contexts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The in-process BuiltOnce: a later test's fresh ``mock_aws`` gets the first one's state."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    builds: list[dict[str, Any]] = []

    def build() -> dict[str, Any]:
        builds.append(_network(lambda service: boto3.client(service, region_name=REGION)))
        return builds[-1]

    vpcs = []
    for _test in range(2):
        with mock_aws():
            built = moto_snapshots.built_in_process("test-built-in-process", build)
            vpcs.append(_vpcs(lambda service: boto3.client(service, region_name=REGION)))
            assert vpcs[-1] == {built["vpc"]}
    assert len(builds) == 1 and vpcs[0] == vpcs[1]
