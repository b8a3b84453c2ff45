"""An architecture diagram (SVG) of what a stack declares: traffic, blue/green, release path.

Drawn from the declared resources, so it shows this stack's ports, counts and strategy.
Plain SVG text: no Graphviz or other binary needed, and the file diffs well in review.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from preview.engine import ProgramRun
from preview.release_params import ecs_routing

WIDTH, HEIGHT = 1100, 620
BLUE, GREEN, GREY, INK, SOFT = "#2f6fdf", "#2e9d57", "#8a8f98", "#1d2330", "#f4f6fa"


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int
    title: str
    lines: tuple[str, ...] = ()
    color: str = INK

    @property
    def left(self) -> tuple[int, int]:
        return self.x, self.y + self.h // 2

    @property
    def right(self) -> tuple[int, int]:
        return self.x + self.w, self.y + self.h // 2

    @property
    def top(self) -> tuple[int, int]:
        return self.x + self.w // 2, self.y

    @property
    def bottom(self) -> tuple[int, int]:
        return self.x + self.w // 2, self.y + self.h


def _box(box: Box) -> str:
    parts = [
        f'<rect x="{box.x}" y="{box.y}" width="{box.w}" height="{box.h}" rx="8" fill="{SOFT}" '
        f'stroke="{box.color}" stroke-width="2"/>',
        f'<text x="{box.x + 10}" y="{box.y + 22}" font-weight="bold" fill="{box.color}">{escape(box.title)}</text>',
    ]
    for index, line in enumerate(box.lines):
        parts.append(
            f'<text x="{box.x + 10}" y="{box.y + 42 + 17 * index}" font-size="12">{escape(line)}</text>'
        )
    return "\n".join(parts)


def _arrow(
    start: tuple[int, int], end: tuple[int, int], label: str = "", color: str = INK, dashed: bool = False
) -> str:
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    line = (
        f'<line x1="{start[0]}" y1="{start[1]}" x2="{end[0]}" y2="{end[1]}" stroke="{color}" '
        f'stroke-width="2"{dash} marker-end="url(#arrow)"/>'
    )
    if not label:
        return line
    mx, my = (start[0] + end[0]) // 2, (start[1] + end[1]) // 2 - 6
    return (
        line
        + f'\n<text x="{mx}" y="{my}" font-size="11" text-anchor="middle" fill="{color}">{escape(label)}</text>'
    )


def _facts(run: ProgramRun) -> dict[str, object]:
    listeners = {r.name.rsplit("-", 1)[-1]: r.inputs for r in run.of_type("aws:lb/listener:Listener")}
    service_resource = run.one("aws:ecs/service:Service")
    service = service_resource.inputs
    task = run.one("aws:ecs/taskDefinition:TaskDefinition").inputs
    container = json.loads(task["containerDefinitions"])[0]
    facts: dict[str, object] = {
        "prod": f"{listeners['prod']['protocol']} :{listeners['prod']['port']}",
        "test": f"{listeners['test']['protocol']} :{listeners['test']['port']}",
        "redirect": "redirect" in listeners,
        "tasks": service["desiredCount"],
        "subnets": len(service["networkConfiguration"]["subnets"]),
        "size": f"{task['cpu']} CPU / {task['memory']} MiB",
        "port": container["portMappings"][0]["containerPort"],
        "nat": len(run.of_type("aws:ec2/natGateway:NatGateway")),
        "endpoints": len(run.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")),
    }
    if (service.get("deploymentController") or {}).get("type") == "ECS":
        config = service["deploymentConfiguration"]
        alarms = service.get("alarms") or {}
        rules = {r.name.rsplit("-", 2)[-2]: r.inputs for r in run.of_type("aws:lb/listenerRule:ListenerRule")}
        return facts | {
            "engine": "ecs",
            "config": ecs_routing(service_resource).config_name.removeprefix("ECS "),
            "wait": config["bakeTimeInMinutes"],
            "alarms": len(alarms.get("alarmNames") or [])
            if alarms.get("enable") and alarms.get("rollback")
            else 0,
            "hooks": ", ".join(
                stage
                for hook in config.get("lifecycleHooks") or []
                for stage in hook.get("lifecycleStages") or []
            )
            or "none",
            "prod_rule": _rule_text(rules.get("prod")),
            "test_rule": _rule_text(rules.get("test")),
        }
    group = run.one("aws:codedeploy/deploymentGroup:DeploymentGroup").inputs
    wait = group["blueGreenDeploymentConfig"]["terminateBlueInstancesOnDeploymentSuccess"][
        "terminationWaitTimeInMinutes"
    ]
    release = run.one("pulumi-python:dynamic/codedeploy:Release").inputs
    return facts | {
        "engine": "codedeploy",
        "config": str(group["deploymentConfigName"]).replace("CodeDeployDefault.", ""),
        "wait": wait,
        "alarms": len((group.get("alarmConfiguration") or {}).get("alarms") or []),
        "hooks": ", ".join(release.get("hooks") or {}) or "none",
    }


def _rule_text(rule: dict[str, Any] | None) -> str:
    """``rule 1: /*`` for a listener rule (priority and path), ``no rule`` without one."""
    if rule is None:
        return "no rule"
    paths = [
        value
        for condition in rule.get("conditions") or []
        for value in ((condition.get("pathPattern") or {}).get("values") or [])
    ]
    return f"rule {rule.get('priority')}: {', '.join(paths) or 'any path'}"


def architecture_svg(run: ProgramRun) -> str:
    """The stack's architecture as a standalone SVG document."""
    f = _facts(run)
    ecs = f["engine"] == "ecs"
    users = Box(20, 90, 150, 60, "Users", ("internet",))
    testers = Box(20, 250, 150, 60, "Test traffic", ("testTrafficCidrs, hook",))
    prod_lines = (
        (str(f["prod"]),)
        + ((str(f["prod_rule"]),) if ecs else ())
        + (("+ HTTP :80 redirect",) if f["redirect"] else ())
    )
    prod = Box(250, 70, 200, 70 if len(prod_lines) < 3 else 90, "Production listener", prod_lines)
    test = Box(
        250, 240, 200, 70, "Test listener", (str(f["test"]),) + ((str(f["test_rule"]),) if ecs else ())
    )
    blue = Box(540, 60, 200, 80, "Blue target group", ("live version",), BLUE)
    green = Box(540, 240, 200, 80, "Green target group", ("new version during a release",), GREEN)
    service = Box(
        830,
        130,
        240,
        110,
        "ECS service (Fargate)",
        (
            f"{f['tasks']} task(s) x {f['size']}",
            f"private subnets in {f['subnets']} zones",
            f"container port {f['port']}",
        ),
    )
    codedeploy = Box(
        250,
        400,
        280,
        100,
        "ECS deployment controller" if ecs else "CodeDeploy blue/green",
        (
            str(f["config"]),
            f"bake {f['wait']} min: blue kept after success"
            if ecs
            else f"blue kept {f['wait']} min after success",
            f"hooks: {f['hooks']}",
        ),
    )
    alarms = Box(20, 420, 170, 80, "CloudWatch alarms", (f"{f['alarms']} wired to rollback", "SNS topic"))
    release = Box(
        600,
        400,
        200,
        100,
        "pulumi up",
        (
            "build + push image (ECR)",
            "service gets the new revision" if ecs else "new task definition revision",
            "release waits for outcome",
        ),
    )
    egress = Box(
        830,
        400,
        240,
        100,
        "Egress",
        (f"{f['nat']} NAT gateway(s)", f"{f['endpoints']} VPC endpoint(s)", "ECR, logs, secrets"),
    )
    boxes = [users, testers, prod, test, blue, green, service, codedeploy, alarms, release, egress]
    arrows = [
        _arrow(users.right, prod.left),
        _arrow(testers.right, test.left),
        _arrow(prod.right, blue.left, "100% now", BLUE),
        _arrow(
            (prod.right[0], prod.right[1] + 15),
            (green.left[0], green.left[1] - 20),
            "canary / linear shift",
            GREEN,
            True,
        ),
        _arrow(test.right, green.left, "before the shift", GREEN),
        _arrow(blue.right, service.left, "", BLUE),
        _arrow(green.right, (service.left[0], service.left[1] + 30), "", GREEN),
        _arrow(codedeploy.top, test.bottom, "test rule weights" if ecs else "reroutes", GREY, True),
        _arrow(
            (codedeploy.top[0] + 60, codedeploy.top[1]),
            (prod.bottom[0] + 60, prod.bottom[1]),
            "prod rule weights" if ecs else "",
            GREY,
            True,
        ),
        _arrow(alarms.right, codedeploy.left, "rollback", "#c0392b"),
        _arrow(release.left, codedeploy.right, "service update starts it" if ecs else "starts"),
        _arrow(service.bottom, egress.top, "", GREY),
    ]
    body = "\n".join([*map(_box, boxes), *arrows])
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}"
     font-family="Helvetica, Arial, sans-serif" font-size="14" fill="{INK}">
<title>{escape(run.stack)}: ECS Fargate blue/green with {"the ECS deployment controller" if ecs else "CodeDeploy"}</title>
<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
<path d="M 0 0 L 10 5 L 0 10 z" fill="context-stroke"/></marker></defs>
<rect width="100%" height="100%" fill="white"/>
<text x="20" y="36" font-size="20" font-weight="bold">Stack {escape(run.stack)}</text>
{body}
<text x="20" y="{HEIGHT - 20}" font-size="11" fill="{GREY}">Drawn by `make preview` from the resources the program declares.</text>
</svg>
"""
