"""Network: a new VPC across zones, or an existing one; tasks in private subnets, or (dev) public ones."""

from __future__ import annotations

import ipaddress

import pytest

from tests.program.harness import ProgramRun, run_stack


def _subnets(run: ProgramRun, tier: str) -> list:
    return [s for s in run.of_type("aws:ec2/subnet:Subnet") if s.inputs["tags"]["tier"] == tier]


def test_new_vpc_has_public_and_private_subnets_in_distinct_zones(each_stack: ProgramRun) -> None:
    vpc = each_stack.one("aws:ec2/vpc:Vpc")
    network = ipaddress.ip_network(vpc.inputs["cidrBlock"])
    for tier in ("public", "private"):
        subnets = _subnets(each_stack, tier)
        assert len(subnets) == 2, tier
        assert len({s.inputs["availabilityZone"] for s in subnets}) == 2, f"{tier} subnets share a zone"
        for subnet in subnets:
            assert ipaddress.ip_network(subnet.inputs["cidrBlock"]).subnet_of(network), subnet.urn
            assert subnet.inputs["mapPublicIpOnLaunch"] is False, subnet.urn
    cidrs = [ipaddress.ip_network(s.inputs["cidrBlock"]) for s in each_stack.of_type("aws:ec2/subnet:Subnet")]
    assert not any(a.overlaps(b) for i, a in enumerate(cidrs) for b in cidrs[i + 1 :])


DEV_WITH_NAT = {"network": {"availabilityZones": 2, "natGateways": 1}}
"""Dev's network as it was before taskSubnets: private tasks behind one shared NAT gateway."""


@pytest.mark.parametrize("stack", ["prod", "dev-with-nat"])
def test_private_subnets_route_out_through_nat(stack: str) -> None:
    run = run_stack("prod") if stack == "prod" else run_stack("dev", DEV_WITH_NAT)
    nat_ids = {n.id for n in run.of_type("aws:ec2/natGateway:NatGateway")}
    private_tables = [t for t in run.of_type("aws:ec2/routeTable:RouteTable") if "private" in t.name]
    assert len(private_tables) == 2
    for table in private_tables:
        assert table.inputs["routes"][0]["natGatewayId"] in nat_ids, table.urn
    public = run.one("aws:ec2/routeTable:RouteTable", "-public")
    assert public.inputs["routes"][0]["gatewayId"] == run.one("aws:ec2/internetGateway:InternetGateway").id


def test_dev_has_no_nat_gateway_and_its_tasks_leave_through_the_internet_gateway(dev: ProgramRun) -> None:
    """Pulumi.dev.yaml: taskSubnets public, natGateways 0. The public subnets route to the internet
    gateway (where the tasks run, with a public IP); nothing routes through NAT, no Elastic IP."""
    assert dev.of_type("aws:ec2/natGateway:NatGateway") == []
    assert dev.of_type("aws:ec2/eip:Eip") == []
    assert dev.of_type("aws:ec2/vpcEndpoint:VpcEndpoint") == []
    gateway = dev.one("aws:ec2/internetGateway:InternetGateway")
    public_table = dev.one("aws:ec2/routeTable:RouteTable", "-public")
    assert public_table.inputs["routes"] == [{"cidrBlock": "0.0.0.0/0", "gatewayId": gateway.id}]
    service = dev.one("aws:ecs/service:Service").inputs["networkConfiguration"]
    associated = {
        a.inputs["subnetId"]
        for a in dev.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation")
        if a.inputs["routeTableId"] == public_table.id
    }
    assert set(service["subnets"]) == associated and service["assignPublicIp"] is True
    for table in dev.of_type("aws:ec2/routeTable:RouteTable"):
        if "private" in table.name:
            assert table.inputs["routes"] == [], table.urn  # kept (free) for a switch back to private


def test_prod_has_a_nat_gateway_per_zone_and_dev_with_nat_shares_one(prod: ProgramRun) -> None:
    assert len(prod.of_type("aws:ec2/natGateway:NatGateway")) == 2
    assert len(run_stack("dev", DEV_WITH_NAT).of_type("aws:ec2/natGateway:NatGateway")) == 1
    prod_nats = {
        t.inputs["routes"][0]["natGatewayId"]
        for t in prod.of_type("aws:ec2/routeTable:RouteTable")
        if "private" in t.name
    }
    assert len(prod_nats) == 2


def test_vpc_endpoints_replace_nat_for_image_pulls_logs_and_secrets() -> None:
    run = run_stack("dev", {"network": {"natGateways": 0, "vpcEndpoints": True, "availabilityZones": 3}})
    assert run.of_type("aws:ec2/natGateway:NatGateway") == []
    endpoints = {e.inputs["serviceName"]: e for e in run.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")}
    expected = {
        f"com.amazonaws.us-east-1.{s}" for s in ("ecr.api", "ecr.dkr", "logs", "secretsmanager", "s3")
    }
    assert set(endpoints) == expected
    s3 = endpoints["com.amazonaws.us-east-1.s3"]
    assert s3.inputs["vpcEndpointType"] == "Gateway"
    assert len(s3.inputs["routeTableIds"]) == 3
    logs = endpoints["com.amazonaws.us-east-1.logs"]
    assert logs.inputs["privateDnsEnabled"] is True and len(logs.inputs["subnetIds"]) == 3
    assert len(_subnets(run, "private")) == 3


def test_existing_vpc_creates_no_network_resources() -> None:
    run = run_stack(
        "dev",
        {
            "network": {
                "vpcId": "vpc-0abc",
                "publicSubnetIds": ["subnet-p1", "subnet-p2"],
                "privateSubnetIds": ["subnet-a", "subnet-b"],
            }
        },
    )
    assert run.of_type("aws:ec2/vpc:Vpc") == [] and run.of_type("aws:ec2/subnet:Subnet") == []
    assert run.one("aws:lb/loadBalancer:LoadBalancer").inputs["subnets"] == ["subnet-p1", "subnet-p2"]
    service = run.one("aws:ecs/service:Service")
    assert service.inputs["networkConfiguration"]["subnets"] == ["subnet-a", "subnet-b"]
    assert run.one("aws:lb/targetGroup:TargetGroup", "blue").inputs["vpcId"] == "vpc-0abc"
    assert "aws:index/getAvailabilityZones:getAvailabilityZones" not in run.calls


def test_existing_vpc_runs_public_tasks_in_its_public_subnets() -> None:
    network = {
        "vpcId": "vpc-0abc",
        "publicSubnetIds": ["subnet-p1", "subnet-p2"],
        "privateSubnetIds": ["subnet-a", "subnet-b"],
        "taskSubnets": "public",
    }
    run = run_stack("dev", {"network": network})
    configuration = run.one("aws:ecs/service:Service").inputs["networkConfiguration"]
    assert configuration["subnets"] == ["subnet-p1", "subnet-p2"]
    assert configuration["assignPublicIp"] is True


def test_public_tasks_keep_the_hook_in_the_private_subnets_behind_nat() -> None:
    """prod with taskSubnets public keeps its NAT gateways for the smoke-test hook alone."""
    run = run_stack("prod", {"network": {"availabilityZones": 2, "natGateways": 2, "taskSubnets": "public"}})
    private = {s.id for s in _subnets(run, "private")}
    public = {s.id for s in _subnets(run, "public")}
    hook = run.one("aws:lambda/function:Function")
    assert set(hook.inputs["vpcConfig"]["subnetIds"]) == private
    assert set(run.one("aws:ecs/service:Service").inputs["networkConfiguration"]["subnets"]) == public
    from_nat = [
        r
        for r in run.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if "test-from-nat" in r.name
    ]
    assert len(from_nat) == 2
