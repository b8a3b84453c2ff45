"""An architecture diagram of what a stack declares: traffic, blue/green, release path.

Two drawings of the same facts: ``architecture_svg`` (a standalone SVG file) and
``architecture_mermaid`` (a Mermaid flowchart, which GitHub renders inline in a pull-request
comment). Both come from the declared resources, so they tell this stack's truth: the shift
arrow names the stack's strategy (all at once, canary or linear, with its numbers), a
test-traffic source appears only when a security group rule lets someone reach the test
listener (``testTrafficCidrs`` or the smoke-test hook through the NAT gateways), NAT gateways
and VPC endpoints only when the stack has them, the internet gateway as the tasks' egress when
they run in public subnets. Plain text: no Graphviz or other binary
needed, and both diff well in review.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from preview.engine import ProgramRun, Recorded
from preview.release_params import ReleaseParams, ecs_routing, extract_release_params
from specs import ecs_engine
from specs.traffic_routing import TrafficRouting, shift_summary

WIDTH, HEIGHT = 1100, 620
BLUE, GREEN, GREY, INK, SOFT, RED = "#2f6fdf", "#2e9d57", "#8a8f98", "#1d2330", "#f4f6fa", "#c0392b"
COLORS = (BLUE, GREEN, GREY, INK, RED)


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
        f'stroke-width="2"{dash} marker-end="url(#{_marker_id(color)})"/>'
    )
    if not label:
        return line
    mx, my = (start[0] + end[0]) // 2, (start[1] + end[1]) // 2 - 6
    return (
        line
        + f'\n<text x="{mx}" y="{my}" font-size="11" text-anchor="middle" fill="{color}">{escape(label)}</text>'
    )


def _marker_id(color: str) -> str:
    return f"arrow-{color.lstrip('#')}"


def _markers() -> str:
    """One arrowhead per line colour: ``context-stroke`` is SVG 2, which many viewers ignore."""
    return "".join(
        f'<marker id="{_marker_id(color)}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="{color}"/></marker>'
        for color in COLORS
    )


def shift_label(routing: TrafficRouting | None) -> str:
    """How production traffic reaches green, in the stack's own terms."""
    return "traffic shift" if routing is None else shift_summary(routing)


def _routing(run: ProgramRun, params: ReleaseParams | None) -> TrafficRouting | None:
    """The stack's routing: from ``params`` when the caller has them (the preview computes them
    once per stack), read from the run otherwise."""
    if params is not None:
        return params.routing
    try:
        return extract_release_params(run).routing
    except ValueError:
        return None


def test_traffic_sources(run: ProgramRun, test_port: Any) -> tuple[str, ...]:
    """Who may reach the test listener: the CIDRs its security group admits on the test port
    (``testTrafficCidrs``) and the hook Lambda when the NAT gateways' addresses are admitted."""
    nat_cidrs = {f"{r.outputs.get('publicIp')}/32" for r in run.of_type("aws:ec2/eip:Eip")}
    cidrs: list[str] = []
    hook = False
    rule: Recorded
    for rule in run.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"):
        if rule.inputs.get("fromPort") != test_port:
            continue
        cidr = rule.inputs.get("cidrIpv4") or rule.inputs.get("cidrIpv6")
        if cidr in nat_cidrs:
            hook = True
        elif cidr:
            cidrs.append(str(cidr))
    sources = []
    if cidrs:
        shown = ", ".join(sorted(cidrs)[:2]) + (f" +{len(cidrs) - 2}" if len(cidrs) > 2 else "")
        sources.append(f"testers: {shown}")
    if hook:
        sources.append("smoke-test hook via NAT")
    return tuple(sources)


def _facts(run: ProgramRun, params: ReleaseParams | None) -> dict[str, Any]:
    listeners = {r.name.rsplit("-", 1)[-1]: r.inputs for r in run.of_type("aws:lb/listener:Listener")}
    service_resource = run.one("aws:ecs/service:Service")
    service = service_resource.inputs
    task = run.one("aws:ecs/taskDefinition:TaskDefinition").inputs
    container, *sidecars = json.loads(task["containerDefinitions"])
    nat = len(run.of_type("aws:ec2/natGateway:NatGateway"))
    endpoints = len(run.of_type("aws:ec2/vpcEndpoint:VpcEndpoint"))
    # network.taskSubnets: public: the tasks' own public IPs reach ECR and logs through the
    # internet gateway; NAT gateways (if any) then serve the smoke-test hook alone.
    public_tasks = service["networkConfiguration"].get("assignPublicIp") is True
    egress = (
        (("internet gateway (task public IPs)",) if public_tasks else ())
        + ((f"{nat} NAT gateway(s)" + (" for the hook" if public_tasks else ""),) if nat else ())
        + ((f"{endpoints} VPC endpoint(s)",) if endpoints else ())
    )
    facts: dict[str, Any] = {
        "prod": f"{listeners['prod']['protocol']} :{listeners['prod']['port']}",
        "test": f"{listeners['test']['protocol']} :{listeners['test']['port']}",
        "testers": test_traffic_sources(run, listeners["test"]["port"]),
        "redirect": "redirect" in listeners,
        "tasks": service["desiredCount"],
        "subnets": len(service["networkConfiguration"]["subnets"]),
        "tier": "public subnets, public IPs," if public_tasks else "private subnets",
        "size": f"{task['cpu']} CPU / {task['memory']} MiB",
        "port": container["portMappings"][0]["containerPort"],
        "sidecars": tuple(str(c["name"]) for c in sidecars),
        "nat": nat,
        "endpoints": endpoints,
        "egress": (*egress, "ECR, logs, secrets") if egress else ("no route out",),
        "shift": shift_label(_routing(run, params)),
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
            "hooks": ", ".join(ecs_engine.lifecycle_hook_words(config.get("lifecycleHooks") or [])) or "none",
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


def sidecar_label(names: tuple[str, ...]) -> str:
    """``+ log-router, otel-collector`` (two named, the rest counted, so the box keeps its width)."""
    shown = ", ".join(names[:2]) + (f" +{len(names) - 2}" if len(names) > 2 else "")
    return f"+ {shown}"


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


@dataclass(frozen=True)
class Parts:
    """The diagram's boxes and what the arrows between them say: one truth for both drawings."""

    facts: dict[str, Any]
    boxes: dict[str, Box]
    edges: tuple[tuple[str, str, str, str, bool], ...]
    """(from box, to box, label, colour, dashed)."""


def _parts(run: ProgramRun, params: ReleaseParams | None) -> Parts:
    f = _facts(run, params)
    ecs = f["engine"] == "ecs"
    testers = f["testers"]
    prod_lines = (
        (str(f["prod"]),)
        + ((str(f["prod_rule"]),) if ecs else ())
        + (("+ HTTP :80 redirect",) if f["redirect"] else ())
    )
    boxes = {
        "users": Box(20, 90, 150, 60, "Users", ("internet",)),
        "prod": Box(250, 70, 200, 70 if len(prod_lines) < 3 else 90, "Production listener", prod_lines),
        "test": Box(
            250, 240, 200, 70, "Test listener", (str(f["test"]),) + ((str(f["test_rule"]),) if ecs else ())
        ),
        "blue": Box(540, 60, 200, 80, "Blue target group", ("live version",), BLUE),
        "green": Box(540, 240, 200, 80, "Green target group", ("new version during a release",), GREEN),
        "service": Box(
            830,
            130,
            240,
            110 + (20 if f["sidecars"] else 0),
            "ECS service (Fargate)",
            (
                f"{f['tasks']} task(s) x {f['size']}",
                f"{f['tier']} in {f['subnets']} zones",
                f"container port {f['port']}",
                *((sidecar_label(f["sidecars"]),) if f["sidecars"] else ()),
            ),
        ),
        "controller": Box(
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
        ),
        "alarms": Box(
            20, 420, 170, 80, "CloudWatch alarms", (f"{f['alarms']} wired to rollback", "SNS topic")
        ),
        "release": Box(
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
        ),
        "egress": Box(830, 400, 240, 100, "Egress", tuple(f["egress"])),
    }
    if testers:  # drawn only when someone may reach the test listener
        tester_box = Box(20, 250, 190, 20 + 20 * (len(testers) + 1), "Test traffic", tuple(testers))
        boxes = {"users": boxes.pop("users"), "testers": tester_box, **boxes}
    edges = [
        ("users", "prod", "", INK, False),
        *((("testers", "test", "", INK, False),) if testers else ()),
        ("prod", "blue", "100% before a release", BLUE, False),
        ("prod", "green", str(f["shift"]), GREEN, True),
        ("test", "green", "before the shift", GREEN, False),
        ("blue", "service", "", BLUE, False),
        ("green", "service", "", GREEN, False),
        ("controller", "test", "test rule weights" if ecs else "reroutes", GREY, True),
        ("controller", "prod", "prod rule weights" if ecs else "reroutes", GREY, True),
        ("alarms", "controller", "rollback", RED, False),
        ("release", "controller", "service update starts it" if ecs else "starts", INK, False),
        ("service", "egress", "", GREY, False),
    ]
    return Parts(f, boxes, tuple(edges))


def _svg_arrow(parts: Parts, edge: tuple[str, str, str, str, bool]) -> str:
    source, target, label, color, dashed = edge
    a, b = parts.boxes[source], parts.boxes[target]
    if (source, target) == ("prod", "green"):
        return _arrow((a.right[0], a.right[1] + 15), (b.left[0], b.left[1] - 20), label, color, dashed)
    if (source, target) == ("green", "service"):
        return _arrow(a.right, (b.left[0], b.left[1] + 30), label, color, dashed)
    if (source, target) == ("controller", "prod"):
        return _arrow((a.top[0] + 60, a.top[1]), (b.bottom[0] + 60, b.bottom[1]), label, color, dashed)
    if (source, target) == ("controller", "test"):
        return _arrow(a.top, b.bottom, label, color, dashed)
    if (source, target) == ("alarms", "controller"):
        return _arrow(a.right, b.left, label, color, dashed)
    if (source, target) == ("release", "controller"):
        return _arrow(a.left, b.right, label, color, dashed)
    if (source, target) == ("service", "egress"):
        return _arrow(a.bottom, b.top, label, color, dashed)
    return _arrow(a.right, b.left, label, color, dashed)


def architecture_svg(run: ProgramRun, params: ReleaseParams | None = None) -> str:
    """The stack's architecture as a standalone SVG document."""
    parts = _parts(run, params)
    ecs = parts.facts["engine"] == "ecs"
    body = "\n".join([*map(_box, parts.boxes.values()), *(_svg_arrow(parts, e) for e in parts.edges)])
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}"
     font-family="Helvetica, Arial, sans-serif" font-size="14" fill="{INK}">
<title>{escape(run.stack)}: ECS Fargate blue/green with {"the ECS deployment controller" if ecs else "CodeDeploy"}</title>
<defs>{_markers()}</defs>
<rect width="100%" height="100%" fill="white"/>
<text x="20" y="36" font-size="20" font-weight="bold">Stack {escape(run.stack)}</text>
{body}
<text x="20" y="{HEIGHT - 20}" font-size="11" fill="{GREY}">Drawn by `make preview` from the resources the program declares.</text>
</svg>
"""


def _mermaid_text(text: str) -> str:
    """Text inside a quoted Mermaid label: quotes and markup characters as entities."""
    return text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def architecture_mermaid(run: ProgramRun, params: ReleaseParams | None = None) -> str:
    """The same diagram as a Mermaid flowchart (GitHub renders a ```mermaid block inline)."""
    parts = _parts(run, params)
    lines = ["flowchart LR"]
    for key, box in parts.boxes.items():
        label = "<br/>".join(_mermaid_text(t) for t in (f"<b>{box.title}</b>", *box.lines))
        label = label.replace("#lt;b#gt;", "<b>").replace("#lt;/b#gt;", "</b>")
        lines.append(f'  {key}["{label}"]')
    styles = []
    for index, (source, target, label, color, dashed) in enumerate(parts.edges):
        arrow = "-.->" if dashed else "-->"
        text = f'|"{_mermaid_text(label)}"|' if label else ""
        lines.append(f"  {source} {arrow}{text} {target}")
        styles.append(f"  linkStyle {index} stroke:{color},color:{color}")
    lines += styles
    for key, box in parts.boxes.items():
        if box.color != INK:
            lines.append(f"  style {key} stroke:{box.color},stroke-width:2px")
    return "\n".join(lines) + "\n"
