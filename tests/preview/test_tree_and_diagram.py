"""The resource tree and the architecture diagram reflect what the stack declares."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from preview.diagram import architecture_svg
from preview.engine import ProgramRun
from preview.tree import describe, resource_counts, tree_lines
from tests.run_cache import run_stack

SVG = "{http://www.w3.org/2000/svg}"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789012"


@pytest.fixture(scope="module")
def prod() -> ProgramRun:
    return run_stack("prod")


def test_every_declared_resource_appears_once_under_its_component(prod: ProgramRun) -> None:
    lines = tree_lines(prod)
    shown = [r for r in prod.resources if r.type != "pulumi:providers:aws"]
    assert len(lines) == len(shown)
    for resource in shown:
        matches = [
            line for line in lines if f" {resource.name}" in line and resource.type.rsplit(":", 1)[-1] in line
        ]
        assert matches, resource.urn
    top_level = [line for line in lines if not line.startswith(("│", " "))]
    assert all(
        line[3:].split()[0]
        in {
            "Network",
            "Registry",
            "BlueGreenLoadBalancer",
            "AppTaskDefinition",
            "FargateService",
            "ReleaseAlarms",
            "BlueGreenDeployment",
            "SmokeTestHook",
            "AccessLogBucket",
            "WebFirewall",
        }
        for line in top_level
    ), top_level


def test_listeners_say_codedeploy_owns_their_default_action(prod: ProgramRun) -> None:
    assert describe(prod.one("aws:lb/listener:Listener", "-prod")) == (
        "HTTP :80, forward to blue, default action owned by CodeDeploy"
    )


def test_service_line_names_the_controller_and_what_it_ignores(prod: ProgramRun) -> None:
    line = describe(prod.one("aws:ecs/service:Service"))
    assert line.startswith("2 task(s) on FARGATE, CODE_DEPLOY controller, no public IP")
    assert "ignores taskDefinition, loadBalancers" in line


def test_resource_counts_leave_out_components_and_the_provider(prod: ProgramRun) -> None:
    counts = resource_counts(prod)
    assert counts["aws:cloudwatch/metricAlarm:MetricAlarm"] == 6
    assert counts["aws:lb/targetGroup:TargetGroup"] == 2
    assert not any(t.startswith("bluegreen:") or t.startswith("pulumi:providers") for t in counts)


def _texts(svg: str) -> str:
    return " ".join(t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text"))


def test_diagram_is_valid_svg_with_this_stacks_facts(prod: ProgramRun) -> None:
    texts = _texts(architecture_svg(prod))
    for fact in (
        "Stack prod",
        "HTTP :80",
        "HTTP :9000",
        "ECSCanary10Percent5Minutes",
        "blue kept 5 min after success",
        "hooks: AfterAllowTestTraffic",
        "6 wired to rollback",
        "2 NAT gateway(s)",
        "private subnets in 2 zones",
    ):
        assert fact in texts, fact


def test_diagram_follows_https_and_endpoints() -> None:
    run = run_stack(
        "dev",
        {
            "loadBalancer": {"certificateArn": CERT, "testListenerPort": 8443},
            "network": {"natGateways": 0, "vpcEndpoints": True},
        },
    )
    texts = _texts(architecture_svg(run))
    assert "HTTPS :443" in texts and "+ HTTP :80 redirect" in texts and "HTTPS :8443" in texts
    assert "NAT gateway" not in texts and "5 VPC endpoint(s)" in texts
    assert "ECSAllAtOnce" in texts and "hooks: none" in texts


def test_tree_order_does_not_depend_on_registration_order(prod: ProgramRun) -> None:
    """Registration order varies between runs; sorting keeps reports diffable."""
    shuffled = ProgramRun(prod.stack, list(reversed(prod.resources)), prod.exports)
    assert tree_lines(shuffled) == tree_lines(prod)
