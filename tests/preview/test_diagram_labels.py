"""The diagrams tell each stack's truth: strategy, test traffic, egress, arrowhead colours.

Every strategy under both engines, drawn as SVG and as Mermaid from the same facts.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from preview.diagram import architecture_mermaid, architecture_svg
from preview.engine import ProgramRun
from tests.run_cache import run_stack

SVG = "{http://www.w3.org/2000/svg}"

STRATEGIES: dict[str, tuple[dict[str, Any], str]] = {
    "all-at-once": ({"strategy": "all-at-once"}, "all at once"),
    "canary": (
        {"strategy": "canary", "percentage": 10, "intervalMinutes": 5},
        "canary 10 %, 100 % after 5 min",
    ),
    "linear": ({"strategy": "linear", "percentage": 25, "intervalMinutes": 2}, "linear 25 % every 2 min"),
}


def _run(engine: str, strategy: str) -> ProgramRun:
    deployment = {"controller": engine, "terminationWaitMinutes": 3, **STRATEGIES[strategy][0]}
    return run_stack("dev", {"deployment": deployment})


def _svg_texts(svg: str) -> str:
    return " ".join(t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text"))


@pytest.mark.parametrize("engine", ["codedeploy", "ecs"])
@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_the_shift_arrow_names_the_stacks_strategy(engine: str, strategy: str) -> None:
    run = _run(engine, strategy)
    label = STRATEGIES[strategy][1]
    svg, mermaid = _svg_texts(architecture_svg(run)), architecture_mermaid(run)
    assert label in svg
    assert f'prod -.->|"{label}"| green' in mermaid
    for drawing in (svg, mermaid):
        assert "canary / linear" not in drawing
        if strategy != "canary":
            assert "canary" not in drawing.lower()
        if strategy != "linear":
            assert "linear" not in drawing.lower()
    controller = "ECS deployment controller" if engine == "ecs" else "CodeDeploy blue/green"
    assert controller in svg and controller in mermaid
    if engine == "ecs":
        assert "CodeDeploy" not in svg and "CodeDeploy" not in mermaid


def test_no_test_traffic_source_when_nobody_may_reach_the_test_listener() -> None:
    run = run_stack("dev")  # no testTrafficCidrs, no hook
    svg, mermaid = _svg_texts(architecture_svg(run)), architecture_mermaid(run)
    assert "Test traffic" not in svg and "Test traffic" not in mermaid
    assert "Test listener" in svg  # the listener itself is there: the engine points it at green


def test_the_test_traffic_source_names_who_may_reach_it() -> None:
    cidrs = run_stack("dev", {"loadBalancer": {"testTrafficCidrs": ["198.51.100.0/24"]}})
    assert "testers: 198.51.100.0/24" in _svg_texts(architecture_svg(cidrs))
    assert "smoke-test hook" not in architecture_mermaid(cidrs)
    hook = run_stack("prod")  # AfterAllowTestTraffic smoke test through the NAT gateways
    assert "smoke-test hook via NAT" in _svg_texts(architecture_svg(hook))
    assert "testers:" not in architecture_mermaid(hook)
    assert "testers --> test" in architecture_mermaid(hook)


def test_egress_shows_only_what_the_stack_has() -> None:
    nat_only = _svg_texts(architecture_svg(run_stack("dev", {"network": {"natGateways": 1}})))
    assert "1 NAT gateway(s)" in nat_only and "VPC endpoint" not in nat_only
    assert "private subnets in 2 zones" in nat_only and "internet gateway" not in nat_only
    public = _svg_texts(architecture_svg(run_stack("dev")))  # taskSubnets: public, no NAT
    assert "internet gateway (task public IPs)" in public and "NAT gateway" not in public
    assert "public subnets, public IPs, in 2 zones" in public and "no route out" not in public
    with_hook = run_stack(
        "prod", {"network": {"availabilityZones": 2, "natGateways": 2, "taskSubnets": "public"}}
    )
    assert "2 NAT gateway(s) for the hook" in _svg_texts(architecture_svg(with_hook))
    endpoints = run_stack("dev", {"network": {"natGateways": 0, "vpcEndpoints": True}})
    texts = _svg_texts(architecture_svg(endpoints))
    assert "5 VPC endpoint(s)" in texts and "NAT gateway" not in texts


def test_every_arrowhead_has_its_lines_colour() -> None:
    root = ET.fromstring(architecture_svg(run_stack("prod")))
    markers = {m.get("id"): m.find(f"{SVG}path") for m in root.iter(f"{SVG}marker")}
    lines = list(root.iter(f"{SVG}line"))
    assert lines
    for line in lines:
        ref = re.fullmatch(r"url\(#(.+)\)", line.get("marker-end") or "")
        assert ref, line.attrib
        head = markers[ref.group(1)]
        assert head is not None and head.get("fill") == line.get("stroke")
        assert "context-stroke" not in (head.get("fill") or "")


def test_the_mermaid_flowchart_is_well_formed() -> None:
    mermaid = architecture_mermaid(run_stack("prod"))
    lines = mermaid.splitlines()
    assert lines[0] == "flowchart LR"
    nodes = {m.group(1) for m in (re.match(r'  (\w+)\["', line) for line in lines) if m}
    edges = [line for line in lines if "-->" in line or "-.->" in line]
    for edge in edges:
        source, target = edge.split()[0], edge.split()[-1]
        assert {source, target} <= nodes, edge
    styles = [int(m.group(1)) for m in (re.match(r"  linkStyle (\d+) ", line) for line in lines) if m]
    assert styles == list(range(len(edges)))
    for line in lines:  # labels are quoted; a quote inside one would end it
        if '["' in line:
            assert line.count('"') == 2, line
