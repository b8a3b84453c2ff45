"""The ECS service both engines release and the production traffic its load balancer carries,
read the same way whichever engine deploys it: finding the service, the head of `status`'s
"ecs" object, and the target groups (by name and percent) of the forward action of the
production listeners (CodeDeploy) or listener rules (ECS service deployments). Which listeners
or rules is each engine's business; reading them is the same for both."""

from __future__ import annotations

from typing import Any

from release.cli.context import Context
from release.cli.errors import CliError
from release.cli.text import parse_task_definition

LISTENER_KEY = "listenerArn"
RULE_KEY = "listenerRuleArn"


def find_service(ctx: Context) -> dict[str, Any]:
    """The ECS service, or CliError if the cluster has no such (active) service."""
    cluster = ctx.names.require("cluster")
    service = ctx.names.require("service")
    response = ctx.client("ecs").describe_services(cluster=cluster, services=[service])
    services = [s for s in response.get("services", []) if s.get("status") != "INACTIVE"]
    if not services:
        raise CliError(f"ECS service {service} not found in cluster {cluster} ({ctx.names.get('region')})")
    return dict(services[0])


def service_counts(ctx: Context, service: dict[str, Any], controller: str | None) -> dict[str, Any]:
    """The head of `status`'s "ecs" object: the service, its task counts and controller."""
    return {
        "cluster": ctx.names.get("cluster"),
        "service": service.get("serviceName"),
        "status": service.get("status"),
        "desiredCount": service.get("desiredCount"),
        "runningCount": service.get("runningCount"),
        "pendingCount": service.get("pendingCount"),
        "deploymentController": controller,
    }


def live_fields(live: str | None) -> dict[str, Any]:
    """The live task definition and its revision, for `status`'s "ecs" object."""
    parsed = parse_task_definition(live) if live else None
    return {"liveTaskDefinition": live, "liveRevision": parsed[1] if parsed else None}


def _forward_weights(actions: list[dict[str, Any]]) -> list[tuple[str, float]]:
    """(target group ARN, weight) of the first forward action (by Order) of a listener or rule."""
    ordered = sorted(actions, key=lambda action: action.get("Order", 0))
    forward = next((action for action in ordered if action.get("Type") == "forward"), None)
    if forward is None:
        return []
    groups = (forward.get("ForwardConfig") or {}).get("TargetGroups") or []
    if groups:
        return [(g["TargetGroupArn"], float(g.get("Weight", 1))) for g in groups]
    if forward.get("TargetGroupArn"):
        return [(forward["TargetGroupArn"], 1.0)]
    return []


def _named_splits(
    elbv2: Any, actions_by_source: list[tuple[str, list[dict[str, Any]]]], key: str
) -> list[dict[str, Any]]:
    """Per source (listener or rule, under ``key``): its target groups by name with their percent."""
    weights_by_source = [(arn, _forward_weights(actions)) for arn, actions in actions_by_source]
    arns = sorted({arn for _, weights in weights_by_source for arn, _ in weights})
    names: dict[str, str] = {}
    if arns:
        for group in elbv2.describe_target_groups(TargetGroupArns=arns).get("TargetGroups", []):
            names[group["TargetGroupArn"]] = group["TargetGroupName"]
    result = []
    for source_arn, weights in weights_by_source:
        total = sum(weight for _, weight in weights)
        result.append(
            {
                key: source_arn,
                "targetGroups": [
                    {
                        "name": names.get(arn, arn),
                        "arn": arn,
                        "percent": round(weight / total * 100, 1) if total else 0.0,
                    }
                    for arn, weight in weights
                ],
            }
        )
    return result


def listener_traffic(elbv2: Any, listener_arns: list[str]) -> list[dict[str, Any]]:
    """Per listener: the target groups its default forward action sends traffic to."""
    if not listener_arns:
        return []
    listeners = elbv2.describe_listeners(ListenerArns=listener_arns).get("Listeners", [])
    actions = [(str(listener["ListenerArn"]), listener.get("DefaultActions", [])) for listener in listeners]
    return _named_splits(elbv2, actions, LISTENER_KEY)


def rule_traffic(elbv2: Any, rule_arns: list[str]) -> list[dict[str, Any]]:
    """Per listener rule: the target groups its forward action sends traffic to."""
    if not rule_arns:
        return []
    rules = elbv2.describe_rules(RuleArns=rule_arns).get("Rules", [])
    actions = [(str(rule["RuleArn"]), rule.get("Actions", [])) for rule in rules]
    return _named_splits(elbv2, actions, RULE_KEY)
