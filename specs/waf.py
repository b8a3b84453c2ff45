"""The web ACL in front of the load balancer: AWS managed rule groups and a per-IP rate limit.

Standard library only. Rule names are AWS's (AWS WAF Developer Guide, "AWS Managed Rules rule
groups list": Baseline rule groups ``AWSManagedRulesCommonRuleSet`` and
``AWSManagedRulesKnownBadInputsRuleSet``, IP reputation rule group
``AWSManagedRulesAmazonIpReputationList``). A rate-based rule counts requests per client IP over
an evaluation window of 60, 120, 300 or 600 s (300 by default) and allows a limit of 10 or more
("Rate-based rule high-level settings in AWS WAF"); the API's ``RateLimit`` shape allows at
most 2,000,000,000.

``mode: count`` is the first-rollout mode: every rule only counts (managed groups with
``override_action: count``, the rate rule with ``action: count``), so the metrics and sampled
requests show what would be blocked before anything is.
"""

from __future__ import annotations

from typing import Any, Literal

WafMode = Literal["block", "count"]

MANAGED_RULE_GROUPS: tuple[str, ...] = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
)
"""In evaluation order: known bad sources first, then the OWASP-style baseline, then bad inputs."""

RATE_LIMIT_RANGE = (10, 2_000_000_000)
RATE_WINDOW_SECONDS = 300
"""The issue's "per 5 minutes per IP"; also WAF's default window."""
RATE_RULE_NAME = "RateLimitPerIp"


def _visibility(metric: str) -> dict[str, Any]:
    return {"cloudwatch_metrics_enabled": True, "metric_name": metric, "sampled_requests_enabled": True}


def web_acl_rules(*, rate_limit: int, mode: WafMode) -> list[dict[str, Any]]:
    """The web ACL's rules, as ``aws.wafv2.WebAcl`` takes them (snake_case)."""
    low, high = RATE_LIMIT_RANGE
    if not low <= rate_limit <= high:
        raise ValueError(f"rate limit {rate_limit} outside WAF's {low}-{high}")
    group_override: dict[str, dict[str, Any]] = {"count": {}} if mode == "count" else {"none": {}}
    rules: list[dict[str, Any]] = [
        {
            "name": group,
            "priority": priority,
            "override_action": group_override,
            "statement": {"managed_rule_group_statement": {"name": group, "vendor_name": "AWS"}},
            "visibility_config": _visibility(group),
        }
        for priority, group in enumerate(MANAGED_RULE_GROUPS)
    ]
    rules.append(
        {
            "name": RATE_RULE_NAME,
            "priority": len(MANAGED_RULE_GROUPS),
            "action": {"count": {}} if mode == "count" else {"block": {}},
            "statement": {
                "rate_based_statement": {
                    "limit": rate_limit,
                    "aggregate_key_type": "IP",
                    "evaluation_window_sec": RATE_WINDOW_SECONDS,
                }
            },
            "visibility_config": _visibility(RATE_RULE_NAME),
        }
    )
    return rules


def web_acl_visibility(name: str) -> dict[str, Any]:
    return _visibility(name)
