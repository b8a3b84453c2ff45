"""Load balancer pair: ALB, blue/green target groups, production and test listeners."""

from __future__ import annotations

import pytest

from tests.program.harness import ProgramRun, run_stack

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789012"


def test_alb_is_internet_facing_in_the_public_subnets(each_stack: ProgramRun) -> None:
    alb = each_stack.one("aws:lb/loadBalancer:LoadBalancer")
    public = [s.id for s in each_stack.of_type("aws:ec2/subnet:Subnet") if "public" in s.name]
    assert alb.inputs["internal"] is False, alb.urn
    assert alb.inputs["loadBalancerType"] == "application"
    assert sorted(alb.inputs["subnets"]) == sorted(public)
    assert alb.inputs["dropInvalidHeaderFields"] is True


def test_deletion_protection_only_in_prod(dev: ProgramRun, prod: ProgramRun) -> None:
    assert prod.one("aws:lb/loadBalancer:LoadBalancer").inputs["enableDeletionProtection"] is True
    assert dev.one("aws:lb/loadBalancer:LoadBalancer").inputs["enableDeletionProtection"] is False


@pytest.mark.parametrize("color", ["blue", "green"])
def test_target_groups_use_ip_targets_and_the_seed_health_check(prod: ProgramRun, color: str) -> None:
    group = prod.one("aws:lb/targetGroup:TargetGroup", color)
    assert group.inputs["targetType"] == "ip", group.urn
    assert group.inputs["port"] == 8080
    assert group.inputs["protocol"] == "HTTP"
    assert group.inputs["deregistrationDelay"] == 30
    check = group.inputs["healthCheck"]
    assert (check["path"], check["interval"], check["timeout"]) == ("/health", 30, 5)
    assert (check["healthyThreshold"], check["unhealthyThreshold"]) == (2, 2)
    assert check["matcher"] == "200"


def test_health_check_and_draining_follow_config() -> None:
    run = run_stack(
        "dev",
        {
            "healthCheck": {
                "path": "/ready",
                "intervalSeconds": 15,
                "timeoutSeconds": 4,
                "healthyThreshold": 3,
                "unhealthyThreshold": 4,
                "successCodes": "200-299",
            },
            "loadBalancer": {"deregistrationDelaySeconds": 0},
        },
    )
    for group in run.of_type("aws:lb/targetGroup:TargetGroup"):
        check = group.inputs["healthCheck"]
        assert (check["path"], check["interval"], check["timeout"]) == ("/ready", 15, 4), group.urn
        assert (check["healthyThreshold"], check["unhealthyThreshold"], check["matcher"]) == (3, 4, "200-299")
        assert group.inputs["deregistrationDelay"] == 0


def test_both_listeners_start_on_blue_and_leave_default_actions_to_codedeploy(each_stack: ProgramRun) -> None:
    blue = each_stack.one("aws:lb/targetGroup:TargetGroup", "blue")
    green = each_stack.one("aws:lb/targetGroup:TargetGroup", "green")
    for suffix in ("prod", "test"):
        listener = each_stack.one("aws:lb/listener:Listener", suffix)
        # Green sits behind the listener at weight 0, so its targets are health-checked as
        # they start, before CodeDeploy moves any traffic.
        assert listener.inputs["defaultActions"] == [
            {
                "type": "forward",
                "forward": {
                    "targetGroups": [
                        {"arn": blue.outputs["arn"], "weight": 100},
                        {"arn": green.outputs["arn"], "weight": 0},
                    ]
                },
            }
        ]
        # Without this the next `pulumi up` flips production back to the old colour.
        assert listener.ignore_changes == ["defaultActions"], listener.urn


def test_http_production_listener_and_test_listener_port(dev: ProgramRun) -> None:
    prod_listener = dev.one("aws:lb/listener:Listener", "prod")
    test_listener = dev.one("aws:lb/listener:Listener", "test")
    assert (prod_listener.inputs["port"], prod_listener.inputs["protocol"]) == (80, "HTTP")
    assert (test_listener.inputs["port"], test_listener.inputs["protocol"]) == (9000, "HTTP")
    assert dev.exports["serviceUrl"].startswith("http://") and dev.exports["serviceUrl"].endswith(
        ".amazonaws.com"
    )
    assert dev.exports["testUrl"].endswith(":9000")


def test_https_production_listener_with_redirect() -> None:
    run = run_stack("prod", {"loadBalancer": {"certificateArn": CERT, "testListenerPort": 8443}})
    prod_listener = run.one("aws:lb/listener:Listener", "prod")
    assert (prod_listener.inputs["port"], prod_listener.inputs["protocol"]) == (443, "HTTPS")
    assert prod_listener.inputs["certificateArn"] == CERT
    assert prod_listener.inputs["sslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    test_listener = run.one("aws:lb/listener:Listener", "test")
    assert (test_listener.inputs["port"], test_listener.inputs["protocol"]) == (8443, "HTTPS")
    redirect = run.one("aws:lb/listener:Listener", "redirect")
    assert redirect.inputs["port"] == 80
    assert redirect.inputs["defaultActions"][0]["redirect"] == {
        "protocol": "HTTPS",
        "port": "443",
        "statusCode": "HTTP_301",
    }
    assert redirect.ignore_changes == []  # CodeDeploy never touches the redirect
    assert run.exports["serviceUrl"].startswith("https://")
    ingress_ports = {
        r.inputs["fromPort"]
        for r in run.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.name.startswith("my-app-prod-prod") or r.name.startswith("my-app-prod-redirect")
    }
    assert ingress_ports == {80, 443}


def test_test_listener_reachable_only_from_configured_cidrs() -> None:
    run = run_stack(
        "dev",
        {
            "loadBalancer": {
                "testTrafficCidrs": ["203.0.113.0/24", "2001:db8::/32"],
                "allowedCidrs": ["198.51.100.0/24"],
            }
        },
    )
    rules = run.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    alb_group = run.one("aws:ec2/securityGroup:SecurityGroup", "-alb")
    on_alb = [r for r in rules if r.inputs["securityGroupId"] == alb_group.id]
    by_port = {}
    for rule in on_alb:
        by_port.setdefault(rule.inputs["fromPort"], set()).add(
            rule.inputs.get("cidrIpv4") or rule.inputs.get("cidrIpv6")
        )
    assert by_port == {80: {"198.51.100.0/24"}, 9000: {"203.0.113.0/24", "2001:db8::/32"}}


def test_no_test_traffic_cidrs_means_no_way_in_to_the_test_port(dev: ProgramRun) -> None:
    ports = {
        r.inputs["fromPort"]
        for r in dev.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if "referencedSecurityGroupId" not in r.inputs
    }
    assert 9000 not in ports
