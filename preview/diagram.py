"""An architecture diagram (SVG) of what a stack declares: traffic, blue/green, release path.

Drawn from the declared resources, so it shows this stack's ports, counts and strategy.
Plain SVG text: no Graphviz or other binary needed, and the file diffs well in review.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from xml.sax.saxutils import escape

from preview.engine import ProgramRun

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
    service = run.one("aws:ecs/service:Service").inputs
    task = run.one("aws:ecs/taskDefinition:TaskDefinition").inputs
    container = json.loads(task["containerDefinitions"])[0]
    group = run.one("aws:codedeploy/deploymentGroup:DeploymentGroup").inputs
    wait = group["blueGreenDeploymentConfig"]["terminateBlueInstancesOnDeploymentSuccess"][
        "terminationWaitTimeInMinutes"
    ]
    release = run.one("pulumi-python:dynamic/codedeploy:Release").inputs
    return {
        "prod": f"{listeners['prod']['protocol']} :{listeners['prod']['port']}",
        "test": f"{listeners['test']['protocol']} :{listeners['test']['port']}",
        "redirect": "redirect" in listeners,
        "tasks": service["desiredCount"],
        "subnets": len(service["networkConfiguration"]["subnets"]),
        "size": f"{task['cpu']} CPU / {task['memory']} MiB",
        "port": container["portMappings"][0]["containerPort"],
        "config": str(group["deploymentConfigName"]).replace("CodeDeployDefault.", ""),
        "wait": wait,
        "alarms": len((group.get("alarmConfiguration") or {}).get("alarms") or []),
        "hooks": ", ".join(release.get("hooks") or {}) or "none",
        "nat": len(run.of_type("aws:ec2/natGateway:NatGateway")),
        "endpoints": len(run.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")),
    }


def architecture_svg(run: ProgramRun) -> str:
    """The stack's architecture as a standalone SVG document."""
    f = _facts(run)
    users = Box(20, 90, 150, 60, "Users", ("internet",))
    testers = Box(20, 250, 150, 60, "Test traffic", ("testTrafficCidrs, hook",))
    prod = Box(
        250,
        70,
        200,
        70,
        "Production listener",
        (str(f["prod"]),) + (("+ HTTP :80 redirect",) if f["redirect"] else ()),
    )
    test = Box(250, 240, 200, 70, "Test listener", (str(f["test"]),))
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
        "CodeDeploy blue/green",
        (str(f["config"]), f"blue kept {f['wait']} min after success", f"hooks: {f['hooks']}"),
    )
    alarms = Box(20, 420, 170, 80, "CloudWatch alarms", (f"{f['alarms']} wired to rollback", "SNS topic"))
    release = Box(
        600,
        400,
        200,
        100,
        "pulumi up",
        ("build + push image (ECR)", "new task definition revision", "release waits for outcome"),
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
        _arrow(codedeploy.top, test.bottom, "reroutes", GREY, True),
        _arrow(
            (codedeploy.top[0] + 60, codedeploy.top[1]), (prod.bottom[0] + 60, prod.bottom[1]), "", GREY, True
        ),
        _arrow(alarms.right, codedeploy.left, "rollback", "#c0392b"),
        _arrow(release.left, codedeploy.right, "starts"),
        _arrow(service.bottom, egress.top, "", GREY),
    ]
    body = "\n".join([*map(_box, boxes), *arrows])
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}"
     font-family="Helvetica, Arial, sans-serif" font-size="14" fill="{INK}">
<title>{escape(run.stack)}: ECS Fargate blue/green with CodeDeploy</title>
<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
<path d="M 0 0 L 10 5 L 0 10 z" fill="context-stroke"/></marker></defs>
<rect width="100%" height="100%" fill="white"/>
<text x="20" y="36" font-size="20" font-weight="bold">Stack {escape(run.stack)}</text>
{body}
<text x="20" y="{HEIGHT - 20}" font-size="11" fill="{GREY}">Drawn by `make preview` from the resources the program declares.</text>
</svg>
"""
