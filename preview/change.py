"""What a change does to a stack: the offline preview of a base commit against the working tree.

``compare(base, head)`` takes two snapshots (``preview.snapshot``) of one stack and returns a
``StackChange``: resources added, removed, replaced (with the input that forces it), updated
in place or given a new revision; settings changed; the monthly cost before and after with
the lines that moved; and the release before and after (time to 100 % on green, the rollback
window, blue gone) with the warnings that appear or disappear. ``text_lines`` and
``markdown`` render it; a stack the change does not touch is one line.

Resources are matched by URN, as Pulumi matches them. A resource whose URN changed because
its logical name did (``appName`` renamed, say) is paired with its old self by type and by
its name without the stack's name prefix: Pulumi creates the new one and deletes the old,
which is a replacement. A resource with the same URN is replaced when an input that forces
replacement changed (``FORCES_REPLACEMENT``); a task definition never changes in place, it
gets a new revision, and that is what a release deploys.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from preview.diff import flat_diff
from preview.plain import duration, plain
from preview.timeline import clock
from specs.engine_move import BACK_WORDS, IN_PLACE_WORDS, moves_in_place
from specs.release_model import CONTROLLER_TYPE, Engine

# Inputs (Pulumi's camelCase names, dotted for nested blocks) whose change makes the AWS
# provider replace the resource instead of updating it: the attributes marked ForceNew in
# terraform-provider-aws, which pulumi-aws wraps (internal/service/<service>/<resource>.go;
# e.g. internal/service/ecs/service.go marks name, cluster, launch_type, iam_role and
# scheduling_strategy ForceNew). deployment_controller.type was ForceNew until
# terraform-provider-aws 6.4.0 (#43434; pulumi-aws 7.51 is past it); it stays listed because
# the program asks for a replacement when the service moves back to CodeDeploy
# (replace_on_changes; specs/engine_move.py), while the move to ECS is reported in place
# (``_engine_move``). Only the inputs this program sets, or could set, are listed; a type not
# listed is judged updatable in place.
FORCES_REPLACEMENT: dict[str, tuple[str, ...]] = {
    "aws:ecs/service:Service": (
        "name",
        "cluster",
        "launchType",
        "deploymentController.type",
        "schedulingStrategy",
        "iamRole",
    ),
    "aws:ecs/cluster:Cluster": ("name",),
    "aws:lb/loadBalancer:LoadBalancer": ("name", "namePrefix", "internal", "loadBalancerType"),
    "aws:lb/targetGroup:TargetGroup": (
        "name",
        "namePrefix",
        "port",
        "protocol",
        "protocolVersion",
        "vpcId",
        "targetType",
    ),
    "aws:lb/listener:Listener": ("loadBalancerArn",),
    "aws:lb/listenerRule:ListenerRule": ("listenerArn",),
    "aws:codedeploy/application:Application": ("computePlatform",),
    "aws:codedeploy/deploymentGroup:DeploymentGroup": ("appName",),
    "aws:codedeploy/deploymentConfig:DeploymentConfig": (
        "deploymentConfigName",
        "computePlatform",
        "trafficRoutingConfig",
        "minimumHealthyHosts",
    ),
    "aws:ecr/repository:Repository": ("name", "encryptionConfigurations"),
    "aws:lambda/function:Function": ("name",),
    "aws:lambda/permission:Permission": ("action", "function", "principal", "sourceArn", "statementId"),
    "aws:cloudwatch/logGroup:LogGroup": ("name", "namePrefix"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("name",),
    "aws:sns/topic:Topic": ("name", "namePrefix"),
    "aws:sns/topicSubscription:TopicSubscription": ("topic", "protocol", "endpoint"),
    "aws:iam/role:Role": ("name", "namePrefix"),
    "aws:iam/rolePolicy:RolePolicy": ("name", "role"),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ("role", "policyArn"),
    "aws:ec2/vpc:Vpc": ("cidrBlock",),
    "aws:ec2/subnet:Subnet": ("vpcId", "cidrBlock", "availabilityZone"),
    "aws:ec2/natGateway:NatGateway": ("subnetId", "allocationId", "connectivityType"),
    "aws:ec2/securityGroup:SecurityGroup": ("name", "namePrefix", "description", "vpcId"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("vpcId", "serviceName", "vpcEndpointType"),
    "aws:ec2/flowLog:FlowLog": ("vpcId", "trafficType", "logDestination", "logDestinationType", "iamRoleArn"),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ("securityGroupId",),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ("securityGroupId",),
    "aws:s3/bucket:Bucket": ("bucket", "bucketPrefix"),
    "aws:wafv2/webAcl:WebAcl": ("name", "scope"),
    "aws:wafv2/webAclAssociation:WebAclAssociation": ("resourceArn", "webAclArn"),
    "aws:appautoscaling/target:Target": ("resourceId", "scalableDimension", "serviceNamespace"),
    "aws:appautoscaling/policy:Policy": ("name", "resourceId", "scalableDimension", "serviceNamespace"),
    "aws:acm/certificate:Certificate": ("domainName", "validationMethod", "subjectAlternativeNames"),
    "aws:route53/record:Record": ("name", "zoneId"),
}
NEW_REVISION = {"aws:ecs/taskDefinition:TaskDefinition", "docker:index/image:Image"}
"""Never updated in place: a change registers a new revision (or pushes a new image)."""

NAME_INPUTS = {"name", "namePrefix", "bucket", "bucketPrefix"}
"""Inputs that are the resource's own AWS name."""

Kind = Literal["replace", "add", "remove", "revision", "update"]
ORDER: dict[Kind, int] = {"replace": 0, "remove": 1, "add": 2, "revision": 3, "update": 4}
MAX_DETAILS = 6
MAX_NAMED = 10
"""Replaced resources named in the Markdown warning; the table lists them all."""
FOLD_ROWS = 15
"""A longer resource table is folded in the Markdown report."""


@dataclass(frozen=True)
class ResourceChange:
    kind: Kind
    type: str
    name: str
    details: tuple[str, ...] = ()
    """Replace: what forces it; revision and update: the inputs that changed (old -> new)."""

    @property
    def short_type(self) -> str:
        return self.type.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class CostLine:
    line: str
    before: float | None
    after: float | None

    @property
    def delta(self) -> float:
        return (self.after or 0.0) - (self.before or 0.0)


@dataclass(frozen=True)
class StackChange:
    stack: str
    base_ref: str
    new_stack: bool = False
    resources: tuple[ResourceChange, ...] = ()
    settings: tuple[tuple[str, Any, Any], ...] = ()
    cost_before: float | None = None
    cost_after: float | None = None
    with_releases_before: float | None = None
    with_releases_after: float | None = None
    cost_lines: tuple[CostLine, ...] = ()
    cost_note: str = ""
    release: tuple[tuple[str, str, str], ...] = ()
    """(what, before, after) for each release fact that changed."""
    warnings_added: tuple[str, ...] = ()
    warnings_removed: tuple[str, ...] = ()
    hazards: tuple[str, ...] = ()
    """What `pulumi up` of this change would break, with the steps that avoid it."""
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def unchanged(self) -> bool:
        return not (
            self.new_stack
            or self.resources
            or self.settings
            or self.cost_lines
            or self.release
            or self.warnings_added
            or self.warnings_removed
            or self.cost_before != self.cost_after
        )

    def of_kind(self, kind: Kind) -> list[ResourceChange]:
        return [r for r in self.resources if r.kind == kind]

    def cost_headline(self) -> str:
        if self.cost_before is None or self.cost_after is None:
            return self.cost_note or "monthly cost: not estimated"
        delta = self.cost_after - self.cost_before
        if abs(delta) < 0.005:
            return f"monthly cost unchanged (${self.cost_after:,.2f})"
        verb = "increase" if delta > 0 else "decrease"
        return (
            f"monthly cost will {verb} by ${abs(delta):,.2f} "
            f"(${self.cost_before:,.2f} → ${self.cost_after:,.2f})"
        )


# ---------------------------------------------------------------------------------------------
# Resources


def _expand(value: Any) -> Any:
    """JSON held in a string input (``containerDefinitions``, policies) compared as JSON."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _leaves(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    value = _expand(value)
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from _leaves(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and value and any(isinstance(v, (dict, list)) for v in value):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{prefix}[{index}]")
    else:
        yield prefix, value


def _get(inputs: dict[str, Any], path: str) -> Any:
    value: Any = inputs
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _was(path: str, old: Any, new: Any) -> str:
    key = re.sub(r"\[\d+\]", "", path)
    return f"{path}: {_short(plain(old, key))} → {_short(plain(new, key))}"


def _changed_leaves(old: dict[str, Any], new: dict[str, Any], ignored: set[str]) -> list[str]:
    a = {p: v for p, v in _leaves(old) if p.split(".")[0].split("[")[0] not in ignored}
    b = {p: v for p, v in _leaves(new) if p.split(".")[0].split("[")[0] not in ignored}
    return [
        _was(path, a.get(path), b.get(path)) for path in dict.fromkeys([*a, *b]) if a.get(path) != b.get(path)
    ]


def _capped(details: list[str]) -> tuple[str, ...]:
    if len(details) <= MAX_DETAILS:
        return tuple(details)
    return (*details[:MAX_DETAILS], f"and {len(details) - MAX_DETAILS} more")


def _forcing(type_: str, old: dict[str, Any], new: dict[str, Any], ignored: set[str]) -> list[str]:
    found = []
    for path in FORCES_REPLACEMENT.get(type_, ()):
        if path.split(".")[0] in ignored:
            continue
        before, after = _expand(_get(old, path)), _expand(_get(new, path))
        if before != after:
            found.append(f"{_was(path, before, after)} forces replacement")
    return found


SERVICE_TYPE = "aws:ecs/service:Service"
_ENGINE_OF: dict[str, Engine] = {controller: engine for engine, controller in CONTROLLER_TYPE.items()}


def _engine_move(type_: str, old: dict[str, Any], new: dict[str, Any]) -> tuple[Engine, Engine] | None:
    """(from, to) engines when the service's deployment controller changes, else None."""
    if type_ != SERVICE_TYPE:
        return None
    before = _ENGINE_OF.get(str(_get(old, "deploymentController.type")))
    after = _ENGINE_OF.get(str(_get(new, "deploymentController.type")))
    if before is None or after is None or before == after:
        return None
    return before, after


def _prefix(snap: dict[str, Any]) -> str:
    settings = snap.get("settings") or {}
    return f"{settings.get('appName', '')}-{snap.get('stack', '')}"


def _role(resource: dict[str, Any], prefix: str) -> tuple[str, str]:
    name = str(resource["name"])
    return resource["type"], name[len(prefix) :] if prefix and name.startswith(prefix) else name


def _replacement_notes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    notes = []
    if old.get("protect"):
        notes.append("protected: `pulumi up` refuses to delete it until `protect` is lifted")
    name = _get(new["inputs"], "name")
    if name and name == _get(old["inputs"], "name"):
        notes.append(f"keeps the name {name}: the old one is deleted before the new one exists")
    return notes


def _container_names(inputs: dict[str, Any]) -> list[str]:
    containers = _expand(inputs.get("containerDefinitions"))
    if not isinstance(containers, list):
        return []
    return [str(c.get("name")) for c in containers if isinstance(c, dict)]


def _container_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """A task definition's sidecars added or removed, said first (the app's container comes first)."""
    before, after = _container_names(old)[1:], _container_names(new)[1:]
    added = [name for name in after if name not in before]
    removed = [name for name in before if name not in after]
    return ([f"sidecars added: {', '.join(added)}"] if added else []) + (
        [f"sidecars removed: {', '.join(removed)}"] if removed else []
    )


def resource_changes(base: dict[str, Any], head: dict[str, Any]) -> list[ResourceChange]:
    """Every declared cloud resource (components left out) added, removed, replaced or changed."""
    old = {r["urn"]: r for r in base.get("resources") or [] if r.get("custom")}
    new = {r["urn"]: r for r in head.get("resources") or [] if r.get("custom")}
    changes: list[ResourceChange] = []
    for urn in sorted(old.keys() & new.keys()):
        a, b = old[urn], new[urn]
        ignored = set(b.get("ignoreChanges") or [])
        if a["inputs"] == b["inputs"]:
            continue
        forcing = _forcing(b["type"], a["inputs"], b["inputs"], ignored)
        changed = _changed_leaves(a["inputs"], b["inputs"], ignored)
        move = _engine_move(b["type"], a["inputs"], b["inputs"])
        if move is not None and moves_in_place(*move):
            # The controller is ignored by the provider and switched by the engine move.
            rest = [d for d in forcing if not d.startswith("deploymentController.")]
            if not rest:
                details = [f"{IN_PLACE_WORDS} (UpdateService: the service and its tasks stay)", *changed]
                changes.append(ResourceChange("update", b["type"], b["name"], _capped(details)))
                continue
            forcing = rest
        elif move is not None:
            forcing = [*forcing, BACK_WORDS]
        if forcing:
            details = forcing + _replacement_notes(a, b)
            changes.append(ResourceChange("replace", b["type"], b["name"], tuple(details)))
        elif b["type"] in NEW_REVISION:
            details = _container_changes(a["inputs"], b["inputs"]) + changed
            changes.append(ResourceChange("revision", b["type"], b["name"], _capped(details)))
        elif changed:
            changes.append(ResourceChange("update", b["type"], b["name"], _capped(changed)))
    removed = {urn: old[urn] for urn in old.keys() - new.keys()}
    added = {urn: new[urn] for urn in new.keys() - old.keys()}
    # A new logical name is a new URN: pair it with the old resource of the same type and role.
    old_prefix, new_prefix = _prefix(base), _prefix(head)
    by_role: dict[tuple[str, str], list[str]] = {}
    for urn, resource in sorted(removed.items()):
        by_role.setdefault(_role(resource, old_prefix), []).append(urn)
    for urn, resource in sorted(added.items()):
        candidates = by_role.get(_role(resource, new_prefix)) or []
        if not candidates or old_prefix == new_prefix:
            continue
        previous = removed.pop(candidates.pop(0))
        del added[urn]
        details = [f"renamed {previous['name']} → {resource['name']}: a new logical name is a new resource"]
        # Only the names: inputs that refer to other renamed resources change with them.
        details += [
            d
            for d in _forcing(resource["type"], previous["inputs"], resource["inputs"], set())
            if d.split(":", 1)[0] in NAME_INPUTS
        ]
        details += _replacement_notes(previous, resource)
        changes.append(ResourceChange("replace", resource["type"], resource["name"], tuple(details)))
    changes += [ResourceChange("remove", r["type"], r["name"]) for r in removed.values()]
    changes += [ResourceChange("add", r["type"], r["name"]) for r in added.values()]
    return sorted(changes, key=lambda c: (ORDER[c.kind], c.type, c.name))


NAT_GATEWAY_TYPE = "aws:ec2/natGateway:NatGateway"


def _custom(snap: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["urn"]: r for r in snap.get("resources") or [] if r.get("custom")}


def egress_hazards(base: dict[str, Any], head: dict[str, Any]) -> list[str]:
    """A NAT gateway removed while a CodeDeploy-controlled service's declared network changes.

    CodeDeploy owns such a service's network configuration (``networkConfiguration`` is in its
    ignoreChanges, components/service.py), so its tasks stay in the subnets they run in, while
    the NAT gateway those subnets leave through goes in the same update: the tasks would lose
    egress (image pulls, logs, secrets). README, "A dev stack without a NAT gateway"."""
    old, new = _custom(base), _custom(head)
    gone = sorted(r["name"] for urn, r in old.items() if urn not in new and r["type"] == NAT_GATEWAY_TYPE)
    if not gone:
        return []
    codedeploy = CONTROLLER_TYPE["codedeploy"]
    hazards = []
    for urn, service in sorted(new.items()):
        before = old.get(urn)
        if service["type"] != SERVICE_TYPE or before is None:
            continue
        held = "networkConfiguration" in (service.get("ignoreChanges") or [])
        on_codedeploy = all(
            _get(r["inputs"], "deploymentController.type") == codedeploy for r in (before, service)
        )
        moved = _changed_leaves(
            {"networkConfiguration": before["inputs"].get("networkConfiguration")},
            {"networkConfiguration": service["inputs"].get("networkConfiguration")},
            set(),
        )
        if not (held and on_codedeploy and moved):
            continue
        hazards.append(
            f"ECS service {service['name']} keeps its tasks where they run: CodeDeploy owns its network "
            f"configuration, so this change to it ({'; '.join(moved)}) does not reach them, while this "
            f"update removes NAT gateway(s) {', '.join(gone)} and the private subnets' route through "
            "them: the tasks would lose egress (image pulls, logs, secrets). Either replace the service "
            f"in the same update, `pulumi up --replace '{urn}'` (down until its new tasks are healthy), "
            "or keep the old network (network.taskSubnets: private, natGateways: 1) until you replace "
            'it; README, "A dev stack without a NAT gateway"'
        )
    return hazards


# ---------------------------------------------------------------------------------------------
# Cost and release


def _line_key(item: str) -> str:
    """``NAT gateways (2)`` -> ``NAT gateways``: the line without the quantities that may change."""
    return re.sub(r"\s*\([^)]*\)", "", item).strip()


def _cost(base: dict[str, Any], head: dict[str, Any]) -> dict[str, Any]:
    a, b = base.get("cost") or {}, head.get("cost") or {}
    if not (a.get("estimated") and b.get("estimated")):
        missing = [s for s, c in (("base", a), ("head", b)) if not c.get("estimated")]
        return {"cost_note": f"monthly cost not compared: no estimate for the {' and '.join(missing)}"}
    before = {_line_key(i["item"]): i for i in a.get("items") or []}
    after = {_line_key(i["item"]): i for i in b.get("items") or []}
    lines = []
    for key in dict.fromkeys([*before, *after]):
        x, y = before.get(key), after.get(key)
        old_usd = x["monthlyUsd"] if x else None
        new_usd = y["monthlyUsd"] if y else None
        if old_usd == new_usd:
            continue
        label = (y or x or {}).get("item", key)
        if x and y and x["item"] != y["item"]:
            label = f"{x['item']} → {y['item']}"
        lines.append(CostLine(label, old_usd, new_usd))
    extra_a, extra_b = a.get("releaseExtraUsd"), b.get("releaseExtraUsd")
    if extra_a != extra_b:
        lines.append(CostLine("green tasks during releases", extra_a, extra_b))
    return {
        "cost_before": a["totalMonthlyUsd"],
        "cost_after": b["totalMonthlyUsd"],
        "with_releases_before": a["totalWithReleasesUsd"],
        "with_releases_after": b["totalWithReleasesUsd"],
        "cost_lines": tuple(lines),
    }


def _when(typical: int | None, latest: int | None) -> str:
    if typical is None:
        return "never"
    return clock(typical) + (f" (latest {clock(latest)})" if latest is not None and latest != typical else "")


def _release(base: dict[str, Any], head: dict[str, Any]) -> dict[str, Any]:
    a, b = base.get("timeline") or {}, head.get("timeline") or {}
    facts = [
        ("engine", str(base.get("engine")), str(head.get("engine"))),
        ("traffic shifting", str(base.get("strategy")), str(head.get("strategy"))),
        (
            "100 % of production on green",
            _when(a.get("fullShiftSeconds"), a.get("fullShiftLatestSeconds")),
            _when(b.get("fullShiftSeconds"), b.get("fullShiftLatestSeconds")),
        ),
        (
            "rollback window (blue kept after 100 %)",
            duration(a.get("rollbackWindowSeconds") or 0),
            duration(b.get("rollbackWindowSeconds") or 0),
        ),
        (
            "blue gone, release complete",
            _when(a.get("typicalSeconds"), a.get("worstCaseSeconds")),
            _when(b.get("typicalSeconds"), b.get("worstCaseSeconds")),
        ),
        (
            "release timeout",
            clock(a.get("releaseTimeoutSeconds") or 0),
            clock(b.get("releaseTimeoutSeconds") or 0),
        ),
    ]
    old_warnings, new_warnings = list(a.get("warnings") or []), list(b.get("warnings") or [])
    return {
        "release": tuple(f for f in facts if f[1] != f[2]),
        "warnings_added": tuple(w for w in new_warnings if w not in old_warnings),
        "warnings_removed": tuple(w for w in old_warnings if w not in new_warnings),
    }


def compare(base: dict[str, Any] | None, head: dict[str, Any], base_ref: str) -> StackChange:
    """The change from ``base`` (None: the stack does not exist there) to ``head``."""
    stack = str(head["stack"])
    if base is None:
        everything = [
            ResourceChange("add", r["type"], r["name"])
            for r in head.get("resources") or []
            if r.get("custom")
        ]
        cost = head.get("cost") or {}
        return StackChange(
            stack,
            base_ref,
            new_stack=True,
            resources=tuple(everything),
            cost_before=0.0 if cost.get("estimated") else None,
            cost_after=cost.get("totalMonthlyUsd"),
            counts={"add": len(everything)},
        )
    resources = resource_changes(base, head)
    counts: dict[str, int] = {kind: sum(1 for r in resources if r.kind == kind) for kind in ORDER}
    return StackChange(
        stack,
        base_ref,
        resources=tuple(resources),
        settings=tuple(flat_diff(base.get("settings") or {}, head.get("settings") or {})),
        counts=counts,
        hazards=tuple(egress_hazards(base, head)),
        **_cost(base, head),
        **_release(base, head),
    )


# ---------------------------------------------------------------------------------------------
# Rendering

LABELS: dict[Kind, str] = {
    "replace": "replace",
    "remove": "remove",
    "add": "add",
    "revision": "new revision",
    "update": "update in place",
}
SIGNS: dict[Kind, str] = {"replace": "±", "remove": "-", "add": "+", "revision": "~", "update": "~"}


def _counts_line(change: StackChange) -> str:
    parts = [
        f"{change.counts.get(kind, 0)} to {LABELS[kind]}"
        for kind in ("add", "remove", "replace")
        if change.counts.get(kind)
    ]
    if change.counts.get("revision"):
        parts.append(f"{change.counts['revision']} new revision(s)")
    if change.counts.get("update"):
        parts.append(f"{change.counts['update']} to update in place")
    return ", ".join(parts) or "no resource changes"


def _usd(value: float | None) -> str:
    return "-" if value is None else f"${value:,.2f}"


def _signed(value: float) -> str:
    return f"{'+' if value >= 0 else '-'}${abs(value):,.2f}"


def _release_note(change: StackChange) -> str:
    if change.of_kind("revision") and any(
        r.type == "aws:ecs/taskDefinition:TaskDefinition" for r in change.resources
    ):
        return "The task definition gets a new revision: `pulumi up` releases it blue/green."
    return ""


def summary_line(change: StackChange) -> str:
    if change.unchanged:
        return (
            f"stack {change.stack}: no change against {change.base_ref} "
            "(same resources, settings, cost and release)"
        )
    if change.new_stack:
        return f"stack {change.stack}: new in this change ({len(change.resources)} resources to add)"
    return f"stack {change.stack}: {_counts_line(change)}; {change.cost_headline()}"


def text_lines(change: StackChange) -> list[str]:
    """The change report for a terminal."""
    lines = [summary_line(change)]
    if change.unchanged or change.new_stack:
        return lines
    lines += [f"  WARNING: {hazard}" for hazard in change.hazards]
    if change.resources:
        lines += ["", "  Resources"]
        for r in change.resources:
            lines.append(f"    {SIGNS[r.kind]} {LABELS[r.kind]:<15} {r.short_type} {r.name}")
            lines += [f"        {detail}" for detail in r.details]
    if change.settings:
        lines += ["", "  Settings"]
        lines += [f"    {key}: {plain(a, key)} → {plain(b, key)}" for key, a, b in change.settings]
    if change.cost_lines or change.cost_before != change.cost_after:
        lines += ["", f"  Monthly cost (USD): {change.cost_headline()}"]
        lines += [
            f"    {line.line}: {_usd(line.before)} → {_usd(line.after)} ({_signed(line.delta)})"
            for line in change.cost_lines
        ]
        if change.with_releases_before != change.with_releases_after:
            lines.append(
                f"    total with releases: {_usd(change.with_releases_before)} → "
                f"{_usd(change.with_releases_after)}"
            )
    elif change.cost_note:
        lines += ["", f"  {change.cost_note}"]
    if change.release or change.warnings_added or change.warnings_removed:
        lines += ["", "  Release"]
        lines += [f"    {what}: {before} → {after}" for what, before, after in change.release]
        lines += [f"    new warning: {w}" for w in change.warnings_added]
        lines += [f"    warning gone: {w}" for w in change.warnings_removed]
    note = _release_note(change)
    if note:
        lines += ["", f"  {note}"]
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(change: StackChange) -> str:
    """The change report for a pull-request comment."""
    head = f"### What this change does to stack `{change.stack}`"
    if change.unchanged:
        return f"{head}\n\nNothing: same resources, settings, cost and release as `{change.base_ref}`.\n"
    if change.new_stack:
        return (
            f"{head}\n\nThe stack is new in this change (no `Pulumi.{change.stack}.yaml` at "
            f"`{change.base_ref}`): {len(change.resources)} resources to add; "
            f"estimated {_usd(change.cost_after)} a month.\n"
        )
    cost = change.cost_headline()
    parts = [
        head,
        "",
        f"Compared with `{change.base_ref}`: **{cost[0].upper() + cost[1:]}**; {_counts_line(change)}.",
        "",
    ]
    replaced = change.of_kind("replace")
    if replaced:
        named = ", ".join(f"{r.short_type} `{r.name}`" for r in replaced[:MAX_NAMED])
        more = f" and {len(replaced) - MAX_NAMED} more" if len(replaced) > MAX_NAMED else ""
        parts += [
            f"> [!WARNING]\n> {len(replaced)} resource(s) will be **replaced** (deleted and created "
            f"again): {named}{more}.",
            "",
        ]
    for hazard in change.hazards:
        parts += [f"> [!WARNING]\n> {hazard}.", ""]
    moving = [r for r in change.of_kind("update") if r.details and r.details[0].startswith(IN_PLACE_WORDS)]
    if moving:
        parts += [
            f"> [!NOTE]\n> {moving[0].short_type} `{moving[0].name}` {IN_PLACE_WORDS}: no replacement, "
            "no downtime. `pulumi up` refuses to start the move while a release is in progress.",
            "",
        ]
    if change.resources:
        table = ["| | resource | why / what |", "| --- | --- | --- |"]
        for r in change.resources:
            why = "<br>".join(_cell(d) for d in r.details)
            table.append(f"| {SIGNS[r.kind]} {LABELS[r.kind]} | {r.short_type} `{r.name}` | {why} |")
        if len(change.resources) > FOLD_ROWS:
            parts += [
                "#### Resources",
                "",
                f"<details><summary>{len(change.resources)} resource changes</summary>",
                "",
                *table,
                "",
                "</details>",
                "",
            ]
        else:
            parts += ["#### Resources", "", *table, ""]
    if change.settings:
        parts += ["#### Settings", "", "| setting | before | after |", "| --- | --- | --- |"]
        parts += [
            f"| `{key}` | {_cell(plain(a, key))} | {_cell(plain(b, key))} |" for key, a, b in change.settings
        ]
        parts.append("")
    if change.cost_lines or change.cost_before != change.cost_after:
        parts += [
            "#### Monthly cost (USD)",
            "",
            "| line | before | after | change |",
            "| --- | ---: | ---: | ---: |",
        ]
        parts += [
            f"| {_cell(line.line)} | {_usd(line.before)} | {_usd(line.after)} | {_signed(line.delta)} |"
            for line in change.cost_lines
        ]
        if change.cost_before is not None and change.cost_after is not None:
            parts.append(
                f"| **total (steady state)** | {_usd(change.cost_before)} | {_usd(change.cost_after)} | "
                f"**{_signed(change.cost_after - change.cost_before)}** |"
            )
        if change.with_releases_before is not None and change.with_releases_after is not None:
            parts.append(
                f"| total with releases | {_usd(change.with_releases_before)} | "
                f"{_usd(change.with_releases_after)} | "
                f"{_signed(change.with_releases_after - change.with_releases_before)} |"
            )
        parts.append("")
    elif change.cost_note:
        parts += [change.cost_note + ".", ""]
    if change.release or change.warnings_added or change.warnings_removed:
        parts += ["#### Release", ""]
        if change.release:
            parts += ["| | before | after |", "| --- | --- | --- |"]
            parts += [
                f"| {what} | {_cell(before)} | {_cell(after)} |" for what, before, after in change.release
            ]
            parts.append("")
        parts += [f"- ⚠️ new warning: {w}" for w in change.warnings_added]
        parts += [f"- ✅ warning gone: {w}" for w in change.warnings_removed]
        if change.warnings_added or change.warnings_removed:
            parts.append("")
    note = _release_note(change)
    if note:
        parts += [note, ""]
    return "\n".join(parts)
