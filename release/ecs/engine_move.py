"""The work behind the two dynamic resources that move a live CodeDeploy stack to the ECS engine
in place (components/engine_move.py), following AWS's documented steps (specs/engine_move.py):

1. ``LiveTargetGroups``, before the listener rules exist: read which target group production
   forwards to now (blue, or green after a CodeDeploy release) and refuse when a deployment
   is in progress. The rules are then created forwarding all traffic to that target group, so
   production keeps its targets.
2. ``EcsEngineMove``, once the rules and the infrastructure role exist and before the provider
   updates the service: UpdateService with the ECS deployment controller, the deployment
   configuration and the load balancer's advanced configuration (live target group primary,
   the other alternate, the two rules, the role); wait until the service runs on the new
   controller; then set the listeners' default action to the one a fresh ECS stack has (the
   rules answer every path first). Pulumi deletes the CodeDeploy application and group after
   that, at the end of the update.

On a stack that is already on the ECS engine (or new) both only record what they see, so the
next `pulumi up` shows no change for them. Property names are the resources' inputs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, UpdateResult

from release.core.provider import ClientFactory, canonical, clients_of, default_clients
from specs.engine_move import (
    IN_PROGRESS_CODEDEPLOY,
    NO_ROUTE_ACTION,
    EngineMoveRefusedError,
    deployments_in_progress_refusal,
    forward_pairs,
    live_target_groups,
)

__all__ = ["ClientFactory", "create", "default_clients", "diff", "read", "update"]

Log = Callable[[str], None]

IDENTITY = ("region", "cluster", "service", "production_listener_arn", "blue_arn", "green_arn")
"""Inputs that name what is read or moved: another value is another resource."""
SETTLE_SECONDS = 1800.0
"""How long the service may take to settle on the ECS controller after the switch."""
POLL_SECONDS = 10.0


def _service(ecs: Any, props: dict[str, Any]) -> dict[str, Any] | None:
    """The service as DescribeServices answers, or None when it does not exist (a new stack)."""
    try:
        answer = ecs.describe_services(cluster=props["cluster"], services=[props["service"]])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ClusterNotFoundException":
            return None
        raise
    found = [s for s in answer.get("services", []) if s.get("status") != "INACTIVE"]
    return found[0] if found else None


def _controller(service: dict[str, Any] | None) -> str | None:
    return None if service is None else str((service.get("deploymentController") or {}).get("type", "ECS"))


def _codedeploy_in_progress(codedeploy: Any, props: dict[str, Any]) -> list[str]:
    try:
        answer = codedeploy.list_deployments(
            applicationName=props["codedeploy_application"],
            deploymentGroupName=props["codedeploy_group"],
            includeOnlyStatuses=list(IN_PROGRESS_CODEDEPLOY),
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in (
            "ApplicationDoesNotExistException",
            "DeploymentGroupDoesNotExistException",
        ):
            return []
        raise
    return [str(d) for d in answer.get("deployments", [])]


def refuse_if_busy(clients: Callable[[str], Any], props: dict[str, Any], service: dict[str, Any]) -> None:
    """Raise EngineMoveRefusedError (one line) when a deployment of the CODE_DEPLOY service is running."""
    refusal = deployments_in_progress_refusal(
        props["service"],
        _codedeploy_in_progress(clients("codedeploy"), props),
        len([t for t in service.get("taskSets") or [] if t.get("status") != "DRAINING"]),
    )
    if refusal:
        raise EngineMoveRefusedError(refusal)


def _listener_forward(elbv2: Any, listener_arn: str) -> list[tuple[str, int]]:
    """Where a listener sends every path: its catch-all rule's forward if it has one (the ECS
    engine), else its default action's (CodeDeploy's)."""
    rules = elbv2.describe_rules(ListenerArn=listener_arn)["Rules"]
    ordered = sorted(rules, key=lambda r: (r.get("IsDefault", False), _priority(r)))
    for rule in ordered:
        for action in rule.get("Actions", []):
            pairs = forward_pairs(action)
            if pairs:
                return pairs
    return []


def _priority(rule: dict[str, Any]) -> int:
    value = str(rule.get("Priority", "default"))
    return int(value) if value.isdigit() else 1_000_000


def read_live(clients: Callable[[str], Any], props: dict[str, Any]) -> dict[str, str]:
    """``live_arn`` and ``idle_arn``: read from the production listener; blue and green for a
    listener that forwards nowhere yet (a new stack)."""
    pairs = _listener_forward(clients("elbv2"), props["production_listener_arn"])
    if not pairs:
        return {"live_arn": props["blue_arn"], "idle_arn": props["green_arn"]}
    found = live_target_groups(
        pairs,
        props["blue_arn"],
        props["green_arn"],
        f"production listener {props['production_listener_arn']}",
    )
    return {"live_arn": found.live, "idle_arn": found.idle}


# --------------------------------------------------------------------------- LiveTargetGroups


def _live_outputs(clients: Callable[[str], Any], props: dict[str, Any]) -> dict[str, Any]:
    service = _service(clients("ecs"), props)
    if _controller(service) == "CODE_DEPLOY":
        assert service is not None
        refuse_if_busy(clients, props, service)
    return {**props, **read_live(clients, props)}


# --------------------------------------------------------------------------- EcsEngineMove


def _advanced_load_balancer(props: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "targetGroupArn": props["live_arn"],
            "containerName": props["container_name"],
            "containerPort": int(props["container_port"]),
            "advancedConfiguration": {
                "alternateTargetGroupArn": props["idle_arn"],
                "productionListenerRule": props["production_rule_arn"],
                "testListenerRule": props["test_rule_arn"],
                "roleArn": props["role_arn"],
            },
        }
    ]


def _settled(service: dict[str, Any] | None) -> bool:
    """On the ECS controller with one deployment left and all its tasks running."""
    if _controller(service) != "ECS" or service is None:
        return False
    deployments = service.get("deployments") or []
    if len(deployments) > 1:
        return False
    return all(
        d.get("rolloutState", "COMPLETED") == "COMPLETED" and d.get("runningCount") == d.get("desiredCount")
        for d in deployments
    )


def switch_to_ecs(
    clients: Callable[[str], Any],
    props: dict[str, Any],
    log: Log,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """AWS's in-place step: one UpdateService, then wait for the service to settle on ECS."""
    ecs = clients("ecs")
    log(
        f"moving ECS service {props['service']} to the ECS engine in place: production stays on "
        f"{props['live_arn'].split('/')[-2]}"
    )
    ecs.update_service(
        cluster=props["cluster"],
        service=props["service"],
        deploymentController={"type": "ECS"},
        deploymentConfiguration=props["deployment_configuration"],
        loadBalancers=_advanced_load_balancer(props),
    )
    deadline = clock() + float(props.get("settle_seconds") or SETTLE_SECONDS)
    while not _settled(_service(ecs, props)):
        if clock() >= deadline:
            raise RuntimeError(
                f"ECS service {props['service']} did not settle on the ECS deployment controller in time; "
                f"see aws ecs describe-services --cluster {props['cluster']} --services {props['service']}, "
                "then run `pulumi up` again"
            )
        sleep(POLL_SECONDS)
    log(f"ECS service {props['service']} runs on the ECS deployment controller")
    default_to_no_route(clients("elbv2"), props.get("listener_arns") or [])


def default_to_no_route(elbv2: Any, listener_arns: list[str]) -> None:
    """Give each listener whose rules carry the traffic the default action of a new ECS stack;
    a listener without a forwarding rule keeps its own (it is what serves)."""
    for listener in listener_arns:
        rules = elbv2.describe_rules(ListenerArn=listener)["Rules"]
        routed = any(
            forward_pairs(action) for rule in rules if not rule.get("IsDefault") for action in rule["Actions"]
        )
        default = next((rule for rule in rules if rule.get("IsDefault")), None)
        current = (default or {}).get("Actions") or [{}]
        if routed and current[0].get("Type") != NO_ROUTE_ACTION["Type"]:
            elbv2.modify_listener(ListenerArn=listener, DefaultActions=[NO_ROUTE_ACTION])


def _move_outputs(
    clients: Callable[[str], Any],
    props: dict[str, Any],
    log: Log,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> dict[str, Any]:
    service = _service(clients("ecs"), props)
    controller = _controller(service)
    if controller == "CODE_DEPLOY":
        assert service is not None
        refuse_if_busy(clients, props, service)
        serving = read_live(clients, props)["live_arn"]
        if serving != props["live_arn"]:
            raise EngineMoveRefusedError(
                f"cannot move ECS service {props['service']} to the ECS engine: production forwards to "
                f"{serving.split('/')[-2]}, not to {props['live_arn'].split('/')[-2]} as when its listener "
                f"rules were created; point both rules at {props['live_arn'].split('/')[-2]} again, "
                "then run `pulumi up` again"
            )
        switch_to_ecs(clients, props, log, clock=clock, sleep=sleep)
        return {**props, "moved_from": "CODE_DEPLOY"}
    if controller == "ECS":
        # A move whose wait ran out: the service is on ECS, the listeners may still forward.
        default_to_no_route(clients("elbv2"), props.get("listener_arns") or [])
    return {**props, "moved_from": ""}


# --------------------------------------------------------------------------- provider operations


def diff(olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
    """Once done, nothing to do: only another service or listener makes a new read or move."""
    replaces = [key for key in IDENTITY if canonical(olds.get(key)) != canonical(news.get(key))]
    return DiffResult(changes=bool(replaces), replaces=replaces, delete_before_replace=False)


def create(
    props: dict[str, Any],
    clients: ClientFactory,
    log: Log,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> CreateResult:
    made = clients_of(clients, props)
    resource_id = f"{props['cluster']}/{props['service']}"
    try:
        if props.get("kind") == "live-target-groups":
            return CreateResult(id_=resource_id, outs=_live_outputs(made, props))
        return CreateResult(id_=resource_id, outs=_move_outputs(made, props, log, clock, sleep))
    except EngineMoveRefusedError:
        raise
    except (ClientError, BotoCoreError) as error:
        raise RuntimeError(f"moving ECS service {props['service']} to the ECS engine: {error}") from None


def update(
    olds: dict[str, Any], news: dict[str, Any], clients: ClientFactory, log: Log, **_: Any
) -> UpdateResult:
    """Only non-identity inputs changed (diff says no change then): keep what was recorded."""
    keep: dict[str, Any] = {key: olds[key] for key in ("live_arn", "idle_arn", "moved_from") if key in olds}
    return UpdateResult(outs={**news, **keep})


def read(resource_id: str, props: dict[str, Any], clients: ClientFactory) -> ReadResult:
    """`pulumi refresh` keeps the record: it describes a moment (the move), not a live setting."""
    return ReadResult(id_=resource_id, outs=dict(props))
