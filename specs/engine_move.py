"""Moving a live stack between engines: which way moves in place, which target group is live,
when a move must not start, and what the listeners answer once ECS routes through rules.

Sources (ECS developer guide): "Migrating from a CodeDeploy blue/green to an Amazon ECS
blue/green service deployment" (prerequisites: reuse the production and test target groups,
listeners and rules; one target group behind the production rule and the other behind the
test rule; "confirm that the service has no service deployment in progress"; then
UpdateService with the ECS deployment controller, the deployment configuration and the load
balancer's advanced configuration), "Migrate CodeDeploy blue/green deployments to Amazon ECS
blue/green deployments" (the in-place update reuses the Elastic Load Balancing resources), and
"Troubleshooting Amazon ECS deployment strategy updates" ("Updating the deployment controller
is not supported when there are multiple tasksets in the service"). The AWS Containers blog
"Migrating from AWS CodeDeploy to Amazon ECS for blue/green deployments" lists the in-place
update as the first of three paths. All of them describe CodeDeploy -> ECS only; none
documents ECS -> CodeDeploy in place, so that way stays a replacement of the service.

Pure functions: the dynamic resources (release/ecs/engine_move.py) and the preview's change
report (preview/change.py) call them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from specs.release_model import Engine

IN_PLACE_MOVES: frozenset[tuple[Engine, Engine]] = frozenset({("codedeploy", "ecs")})
"""(from, to) engine moves AWS documents as an UpdateService of the live service."""

IN_PLACE_WORDS = "moves to the ECS engine in place"
"""How the preview names the in-place move of the service (UpdateService, no replacement)."""

BACK_WORDS = (
    "AWS documents no in-place move from the ECS engine back to CodeDeploy: the service is "
    "replaced (down until its new tasks are healthy); see the README's Choosing an engine"
)

NO_ROUTE_ACTION: dict[str, Any] = {
    "Type": "fixed-response",
    "FixedResponseConfig": {"StatusCode": "404", "ContentType": "text/plain", "MessageBody": "no route"},
}
"""The listeners' default action under the ECS engine (ELBv2's shape): the listener rules carry
the traffic, this answers only what no rule matches. The program declares the same."""

IN_PROGRESS_CODEDEPLOY = ("Created", "Queued", "InProgress", "Baking", "Ready")
"""CodeDeploy deployment statuses of a deployment that has not ended."""


class EngineMoveRefusedError(RuntimeError):
    """A move that must not start now; the message is one line saying what to do."""


def moves_in_place(old: Engine, new: Engine) -> bool:
    """Whether switching ``deployment.controller`` from ``old`` to ``new`` keeps the service."""
    return (old, new) in IN_PLACE_MOVES


@dataclass(frozen=True)
class LiveTargetGroups:
    live: str
    """The target group production forwards to now: the service's primary after the move."""
    idle: str
    """The other one: ECS's alternate target group, where the next release's tasks start."""


def live_target_groups(
    forward: Sequence[tuple[str, int]], blue: str, green: str, where: str
) -> LiveTargetGroups:
    """The live and idle target group from a forward action's (target group ARN, weight) pairs.

    After a CodeDeploy release production may forward to green: the live one is read, never
    assumed. A forward that splits traffic means a release is moving it now; one to a target
    group other than blue or green is not this stack's.
    """
    known = {blue: green, green: blue}
    weighted = [(arn, weight) for arn, weight in forward if weight > 0]
    if len(weighted) != 1:
        split = ", ".join(f"{_name(arn)} {weight}" for arn, weight in forward) or "no target group"
        raise EngineMoveRefusedError(
            f"{where} splits traffic ({split}): a release is shifting it; wait until it ends "
            "(python -m release status), then run `pulumi up` again"
        )
    live = weighted[0][0]
    if live not in known:
        raise EngineMoveRefusedError(
            f"{where} forwards to {_name(live)}, which is neither of this stack's target groups "
            f"({_name(blue)}, {_name(green)}): point it back at one of them, then run `pulumi up` again"
        )
    return LiveTargetGroups(live=live, idle=known[live])


def deployments_in_progress_refusal(
    service: str, codedeploy_ids: Iterable[str], task_sets: int
) -> str | None:
    """Why the move of ``service`` must wait, in one line, or None when it may start.

    AWS's prerequisite: no deployment in progress; and ECS refuses to switch the controller of a
    service with more than one task set (a CodeDeploy deployment that has not finished)."""
    ids = sorted(codedeploy_ids)
    if ids:
        return (
            f"cannot move ECS service {service} to the ECS engine while CodeDeploy deployment "
            f"{', '.join(ids)} is in progress: wait for it to end or stop it (python -m release stop), "
            "then run `pulumi up` again"
        )
    if task_sets > 1:
        return (
            f"cannot move ECS service {service} to the ECS engine while it has {task_sets} task sets "
            "(a CodeDeploy deployment has not finished): wait until only one remains "
            "(python -m release status), then run `pulumi up` again"
        )
    return None


def forward_pairs(action: dict[str, Any]) -> list[tuple[str, int]]:
    """(target group ARN, weight) of an ELBv2 forward action; [] for any other action."""
    if action.get("Type") != "forward":
        return []
    groups = (action.get("ForwardConfig") or {}).get("TargetGroups")
    if groups:
        return [(str(g["TargetGroupArn"]), int(g.get("Weight", 1))) for g in groups]
    arn = action.get("TargetGroupArn")
    return [(str(arn), 1)] if arn else []


def api_deployment_configuration(
    declared: dict[str, Any],
    circuit_breaker: dict[str, Any] | None,
    alarms: dict[str, Any] | None,
    lifecycle_hooks: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """The service's deploymentConfiguration as UpdateService takes it, from the program's
    declared one (``specs.ecs_engine.deployment_configuration``: bake times as text)."""
    config: dict[str, Any] = {}
    for key, value in declared.items():
        if isinstance(value, dict):
            config[key] = {k: _number(v) for k, v in value.items()}
        else:
            config[key] = _number(value) if key != "strategy" else value
    if circuit_breaker:
        config["deploymentCircuitBreaker"] = dict(circuit_breaker)
    if alarms:
        config["alarms"] = {
            "alarmNames": list(alarms["alarmNames"]),
            "enable": bool(alarms["enable"]),
            "rollback": bool(alarms["rollback"]),
        }
    if lifecycle_hooks:
        config["lifecycleHooks"] = [dict(hook) for hook in lifecycle_hooks]
    return config


def _number(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _name(arn: str) -> str:
    """``arn:...:targetgroup/my-app-dev-blue/abc`` -> ``my-app-dev-blue``."""
    parts = arn.split("/")
    return parts[-2] if len(parts) >= 3 else arn
