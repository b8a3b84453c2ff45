"""Tree, diagram, report and `python -m preview` under `deployment.controller: ecs`."""

from __future__ import annotations

import io
import itertools
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from preview import ROOT
from preview.__main__ import main
from preview.diagram import architecture_svg
from preview.engine import ProgramRun
from preview.report import Preview, markdown_report, text_report
from preview.tree import describe, tree_lines
from tests.run_cache import run_stack

SVG = "{http://www.w3.org/2000/svg}"
CANARY = {
    "controller": "ecs",
    "strategy": "canary",
    "percentage": 10,
    "intervalMinutes": 5,
    "terminationWaitMinutes": 5,
}


@pytest.fixture(scope="module")
def prod_ecs() -> ProgramRun:
    return run_stack("prod", {"deployment": CANARY})


@pytest.fixture(scope="module")
def prod_codedeploy() -> ProgramRun:
    return run_stack("prod")


def _texts(svg: str) -> str:
    return " ".join(t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text"))


# --- tree ---------------------------------------------------------------------------------


def test_listener_rules_show_priority_condition_weights_and_ecs_ownership(prod_ecs: ProgramRun) -> None:
    for name in ("-prod-rule", "-test-rule"):
        assert describe(prod_ecs.one("aws:lb/listenerRule:ListenerRule", name)) == (
            "priority 1, path /*, forward blue 100 / green 0, weights owned by ECS"
        )


def test_a_rule_whose_actions_pulumi_manages_does_not_claim_ecs_owns_them(prod_ecs: ProgramRun) -> None:
    rule = prod_ecs.one("aws:lb/listenerRule:ListenerRule", "-prod-rule")
    managed = type(rule)(**{**rule.__dict__, "ignore_changes": []})
    assert describe(managed) == "priority 1, path /*, forward blue 100 / green 0"


def test_listeners_under_ecs_answer_404_by_default(prod_ecs: ProgramRun) -> None:
    assert describe(prod_ecs.one("aws:lb/listener:Listener", "-prod")) == (
        "HTTP :80, default: fixed 404 (traffic goes through its listener rule), "
        "default action kept as created or set by the engine move"
    )
    assert describe(prod_ecs.one("aws:lb/listener:Listener", "-test")) == (
        "HTTP :9000, default: fixed 404 (traffic goes through its listener rule), "
        "default action kept as created or set by the engine move"
    )


def test_the_ecs_service_line_says_how_it_deploys(prod_ecs: ProgramRun) -> None:
    assert describe(prod_ecs.one("aws:ecs/service:Service")) == (
        "2 task(s) on FARGATE, ECS controller, no public IP, grace 60 s; CANARY 10% then 100% after 5 min, "
        "bake 5 min, 6 alarm(s) roll back, circuit breaker rolls back, hooks POST_TEST_TRAFFIC_SHIFT; "
        "a stack on CodeDeploy moves to the ECS engine in place (EngineMove); "
        "ignores loadBalancers, deploymentController, desiredCount"
    )


def test_the_ecs_service_line_names_the_ready_wait() -> None:
    run = run_stack(
        "prod",
        {"deployment": {**CANARY, "readyWaitMinutes": 30}, "release": {"timeoutMinutes": 120}},
    )
    line = describe(run.one("aws:ecs/service:Service"))
    assert (
        "hooks POST_TEST_TRAFFIC_SHIFT, POST_TEST_TRAFFIC_SHIFT ready wait (PAUSE 30 min, then ROLLBACK);"
    ) in line
    assert "ready wait (PAUSE 30 min, then ROLLBACK)" in _texts(architecture_svg(run))


def test_the_ecs_service_line_for_linear_without_alarms_or_hooks() -> None:
    run = run_stack(
        "dev",
        {
            "deployment": {**CANARY, "strategy": "linear", "intervalMinutes": 1, "terminationWaitMinutes": 2},
            "alarms": {"rollbackOnAlarm": False},
        },
    )
    assert describe(run.one("aws:ecs/service:Service")) == (
        "1 task(s) on FARGATE, ECS controller, public IP, grace 60 s; LINEAR 10% every 1 min, "
        "bake 2 min, no alarms, circuit breaker rolls back, hooks none; "
        "a stack on CodeDeploy moves to the ECS engine in place (EngineMove); "
        "ignores loadBalancers, deploymentController"
    )


def test_the_codedeploy_service_line_is_unchanged(prod_codedeploy: ProgramRun) -> None:
    assert describe(prod_codedeploy.one("aws:ecs/service:Service")) == (
        "2 task(s) on FARGATE, CODE_DEPLOY controller, no public IP, grace 60 s; "
        "ignores taskDefinition, loadBalancers, networkConfiguration, platformVersion, desiredCount"
    )


def test_the_service_release_line(prod_ecs: ProgramRun) -> None:
    assert describe(prod_ecs.one("pulumi-python:dynamic/ecs:ServiceRelease")) == (
        "waits for each ECS service deployment of a new task definition, up to 60 min "
        "(ECS has 120 s to start it; polls every 15 s, stops it on timeout)"
    )


def test_every_resource_appears_once_and_no_codedeploy_component(prod_ecs: ProgramRun) -> None:
    lines = tree_lines(prod_ecs)
    assert len(lines) == len([r for r in prod_ecs.resources if r.type != "pulumi:providers:aws"])
    top_level = {line[3:].split()[0] for line in lines if not line.startswith(("│", " "))}
    assert top_level == {
        "Network",
        "Registry",
        "BlueGreenLoadBalancer",
        "AppTaskDefinition",
        "ReleaseAlarms",
        "SmokeTestHook",
        "FargateService",
        "AccessLogBucket",
        "WebFirewall",
    }
    # Only the lines on how a stack still on CodeDeploy moves name it.
    naming = sorted(line.split("─ ", 1)[1].split(":")[0] for line in lines if "CodeDeploy" in line)
    assert naming == [
        "EngineMove my-app-prod-engine-move",
        "LiveTargetGroups my-app-prod-live",
        "Service my-app-prod-service",
    ]


# --- diagram ------------------------------------------------------------------------------


def test_the_ecs_diagram_names_the_ecs_controller_and_never_codedeploy(prod_ecs: ProgramRun) -> None:
    svg = architecture_svg(prod_ecs)
    texts = _texts(svg)
    for fact in (
        "ECS deployment controller",
        "CANARY 10% then 100% after 5 min",
        "bake 5 min: blue kept after success",
        "hooks: POST_TEST_TRAFFIC_SHIFT",
        "6 wired to rollback",
        "rule 1: /*",
        "test rule weights",
        "prod rule weights",
        "service gets the new revision",
        "service update starts it",
    ):
        assert fact in texts, fact
    assert "CodeDeploy" not in svg  # not in any text, the title or anywhere else
    assert "prod: ECS Fargate blue/green with the ECS deployment controller" in svg


def _boxes(root: ET.Element) -> dict[str, tuple[int, int, int, int]]:
    """Box title -> (x, y, width, height): each box is a rounded rect followed by its bold title."""

    def geometry(rect: ET.Element) -> tuple[int, int, int, int]:
        x, y, w, h = (int(rect.get(k) or 0) for k in ("x", "y", "width", "height"))
        return x, y, w, h

    return {
        (title.text or ""): geometry(rect)
        for rect, title in itertools.pairwise(root)
        if rect.tag == f"{SVG}rect" and rect.get("rx") == "8" and title.get("font-weight") == "bold"
    }


def test_the_ecs_diagram_arrows_from_the_controller_point_at_the_listener_rules(prod_ecs: ProgramRun) -> None:
    root = ET.fromstring(architecture_svg(prod_ecs))
    boxes = _boxes(root)
    cx, cy, cw, _ = boxes["ECS deployment controller"]
    from_controller = [
        (int(line.get("x2") or 0), int(line.get("y2") or 0))
        for line in root.iter(f"{SVG}line")
        if int(line.get("y1") or 0) == cy and cx <= int(line.get("x1") or 0) <= cx + cw
    ]
    bottoms = {
        title: (x, y + h, w)
        for title, (x, y, w, h) in boxes.items()
        if title in ("Test listener", "Production listener")
    }
    hit = {
        title
        for x2, y2 in from_controller
        for title, (x, bottom, w) in bottoms.items()
        if y2 == bottom and x <= x2 <= x + w
    }
    assert hit == {"Test listener", "Production listener"}
    # ... and the listener boxes show their rules, which the arrows' labels name.
    texts = _texts(architecture_svg(prod_ecs))
    assert texts.count("rule 1: /*") == 2
    assert "test rule weights" in texts and "prod rule weights" in texts


def test_the_ecs_diagram_for_blue_green_with_https() -> None:
    run = run_stack(
        "dev",
        {
            "deployment": {"controller": "ecs", "strategy": "all-at-once", "terminationWaitMinutes": 2},
            "loadBalancer": {
                "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-1",
                "testListenerPort": 8443,
            },
            "alarms": {"rollbackOnAlarm": False},
        },
    )
    svg = architecture_svg(run)
    texts = _texts(svg)
    for fact in ("BLUE_GREEN 100% at once", "HTTPS :443", "+ HTTP :80 redirect", "hooks: none", "0 wired"):
        assert fact in texts, fact
    assert "CodeDeploy" not in svg


def test_the_codedeploy_diagram_keeps_its_codedeploy_box(prod_codedeploy: ProgramRun) -> None:
    texts = _texts(architecture_svg(prod_codedeploy))
    assert "CodeDeploy blue/green" in texts and "reroutes" in texts
    assert "ECS deployment controller" not in texts and "rule weights" not in texts


# --- report -------------------------------------------------------------------------------


def test_the_headline_has_an_engine_row_and_the_native_config(
    prod_ecs: ProgramRun, prod_codedeploy: ProgramRun
) -> None:
    ecs = dict(Preview.of(prod_ecs).headline())
    assert ecs["engine"] == "ecs (ECS deployment controller)"
    assert ecs["traffic shifting"] == "ECS CANARY 10% then 100% after 5 min"
    assert ecs["blue kept after success"] == "5 min (bake time)"
    assert ecs["hooks"] == "POST_TEST_TRAFFIC_SHIFT"
    assert ecs["alarms wired to rollback"] == "6"
    assert ecs["release takes"] == "11:35 typical, 25:30 worst case"
    codedeploy = dict(Preview.of(prod_codedeploy).headline())
    assert codedeploy["engine"] == "codedeploy (CodeDeploy deployment group)"
    assert codedeploy["traffic shifting"] == "CodeDeployDefault.ECSCanary10Percent5Minutes"
    assert codedeploy["blue kept after success"] == "5 min"
    assert list(ecs) == list(codedeploy)  # the same rows, in the same order


def test_the_reports_say_which_deployment_the_timeline_starts_from(prod_ecs: ProgramRun) -> None:
    preview = Preview.of(prod_ecs)
    text = "\n".join(text_report(preview))
    assert "Release timeline (from the start of the ECS service deployment)" in text
    assert "CodeDeploy deployment" not in text
    markdown = markdown_report(preview)
    assert "| engine | ecs (ECS deployment controller) |" in markdown
    assert "| traffic shifting | ECS CANARY 10% then 100% after 5 min |" in markdown
    assert "Times from the start of the ECS service deployment." in markdown
    assert (
        "| 1:00 | 14:30 | PRODUCTION_TRAFFIC_SHIFT: 10 % of production on green (canary) | 10 % |" in markdown
    )


# --- python -m preview on an ECS stack ----------------------------------------------------


def test_main_previews_an_ecs_stack(tmp_path: Path) -> None:
    """A temporary stack file (prod with the ECS engine) in the repo root, removed afterwards."""
    config = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    config["config"]["fargate-bluegreen:deployment"]["controller"] = "ecs"
    stack_file = ROOT / "Pulumi.ecstest.yaml"
    stack_file.write_text(yaml.safe_dump(config))
    out, say = io.StringIO(), io.StringIO()
    try:
        code = main(["--stack", "ecstest", "--out", str(tmp_path)], out=out, say=say)
    finally:
        stack_file.unlink()
    assert code == 0, say.getvalue()
    printed = out.getvalue()
    assert "  engine                    ecs (ECS deployment controller)" in printed
    assert "  traffic shifting          ECS CANARY 10% then 100% after 5 min" in printed
    assert (
        "   1:00  PRODUCTION_TRAFFIC_SHIFT: 10 % of production on green (canary)  [latest 14:30]" in printed
    )
    assert "ListenerRule my-app-ecstest-prod-rule: priority 1, path /*, forward blue 100 / green 0" in printed
    report = (tmp_path / "preview-ecstest.md").read_text()
    assert "| engine | ecs (ECS deployment controller) |" in report
    svg = (tmp_path / "architecture-ecstest.svg").read_text()
    assert "ECS deployment controller" in _texts(svg) and "CodeDeploy" not in svg
    assert not stack_file.exists()
