"""The request metric auto scaling tracks: requests per healthy target across both colours.

Production traffic moves between the blue and the green target group with every release.
AWS's predefined ``ALBRequestCountPerTarget`` names one group, and a target-tracking policy
on the idle group sees no requests (no data points at all), while target tracking scales
in only when every policy of the service agrees: one policy per group keeps the service
at its peak forever. So one policy tracks a metric-math expression over both groups:
their request counts summed (a missing series read as 0) over their healthy targets
summed, which is what ``ALBRequestCountPerTarget`` means for whichever group is live.
"""

from __future__ import annotations

from dataclasses import dataclass

NAMESPACE = "AWS/ApplicationELB"
COLOURS = ("blue", "green")


@dataclass(frozen=True)
class MetricQuery:
    """One input of the expression: an ALB metric of one target group."""

    id: str
    metric_name: str
    stat: str
    colour: str


QUERIES = tuple(
    query
    for colour in COLOURS
    for query in (
        MetricQuery(f"requests_{colour}", "RequestCount", "Sum", colour),
        MetricQuery(f"healthy_{colour}", "HealthyHostCount", "Average", colour),
    )
)
EXPRESSION_ID = "requests_per_target"
# FILL(..., 0): the idle group publishes no RequestCount; without it the sum has no data.
EXPRESSION = (
    "(FILL(requests_blue, 0) + FILL(requests_green, 0)) / (FILL(healthy_blue, 0) + FILL(healthy_green, 0))"
)
