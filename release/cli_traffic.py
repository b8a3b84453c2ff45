"""The production traffic split as the load balancer has it: the target groups, by name and
percent, of the forward action of the production listeners (CodeDeploy) or listener rules (ECS
service deployments). Which listeners or rules is each engine's business; reading their forward
actions, naming their target groups and printing the split is the same for both."""

from __future__ import annotations

from typing import Any

from release.cli_context import Context

LISTENER_KEY = "listenerArn"
RULE_KEY = "listenerRuleArn"


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


def print_production_traffic(
    ctx: Context, splits: list[dict[str, Any]], key: str, unknown_because: str
) -> None:
    """`production traffic: blue 90% / green 10%` per listener or rule (naming it when several)."""
    if not splits:
        ctx.print(f"production traffic: unknown ({unknown_because})")
    for split in splits:
        text = (
            " / ".join(f"{g['name']} {g['percent']:g}%" for g in split["targetGroups"]) or "no forward action"
        )
        suffix = f" ({split[key]})" if len(splits) > 1 else ""
        ctx.print(f"production traffic: {text}{suffix}")
