"""ReleaseAlarms: the SNS topic and the CloudWatch alarms that judge a release.

Creates an SNS topic (with optional email subscriptions) and alarms on service CPU (the
seed's > 80 % for 2 x 60 s), target 5xx responses, and the target response time and
unhealthy hosts of each target group, all notifying the topic. ``rollback_alarm_names``
lists the alarms the release watches (None when ``alarms.rollbackOnAlarm`` is false): any
of them firing during a release rolls it back.

Response time is averaged per target group (``response-time-blue`` / ``-green``): a
load-balancer-wide average dilutes a slow canary by its share (green 3 s late at 10 %
moves it to about 0.3 s, under a 2 s threshold), so it would be caught only after the
shift to 100 %. ELB publishes ``TargetResponseTime`` per ``LoadBalancer, TargetGroup``
as well as per ``LoadBalancer`` (Elastic Load Balancing User Guide, "CloudWatch metrics
for your Application Load Balancer", target metrics:
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html).
The 5xx alarm stays load-balancer-wide: a ``Sum`` counts green's errors whatever its
share, and the window that bounds them does not depend on which group answered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from stack_config.model import AlarmSettings


@dataclass
class ReleaseAlarmsArgs:
    alarms: AlarmSettings
    name_prefix: str
    cluster_name: pulumi.Input[str]
    service_name: pulumi.Input[str]
    alb_arn_suffix: pulumi.Input[str]
    blue_target_group_arn_suffix: pulumi.Input[str]
    green_target_group_arn_suffix: pulumi.Input[str]


class ReleaseAlarms(pulumi.ComponentResource):
    topic_arn: pulumi.Output[str]
    alarm_names: pulumi.Output[list[str]]
    rollback_alarm_names: pulumi.Output[list[str]] | None

    def __init__(self, name: str, args: ReleaseAlarmsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("bluegreen:cloudwatch:ReleaseAlarms", name, None, opts)
        settings = args.alarms
        child = pulumi.ResourceOptions(parent=self)
        self.topic = aws.sns.Topic(f"{name}-alarms", opts=child)
        for address in settings.emails:
            aws.sns.TopicSubscription(
                f"{name}-email-{re.sub(r'[^0-9a-zA-Z]+', '-', address)}",
                topic=self.topic.arn,
                protocol="email",
                endpoint=address,
                opts=child,
            )

        service: dict[str, pulumi.Input[str]] = {
            "ClusterName": args.cluster_name,
            "ServiceName": args.service_name,
        }
        balancer: dict[str, pulumi.Input[str]] = {"LoadBalancer": args.alb_arn_suffix}
        self.alarms: list[aws.cloudwatch.MetricAlarm] = [
            self._alarm(
                name,
                args.name_prefix,
                "cpu-high",
                settings,
                description=f"Service CPU above {settings.cpu_high_percent}%",
                namespace="AWS/ECS",
                metric_name="CPUUtilization",
                statistic="Average",
                dimensions=service,
                threshold=settings.cpu_high_percent,
                comparison_operator="GreaterThanThreshold",
            ),
            self._alarm(
                name,
                args.name_prefix,
                "target-5xx",
                settings,
                description=f"At least {settings.target_5xx_count} target 5xx responses per period",
                namespace="AWS/ApplicationELB",
                metric_name="HTTPCode_Target_5XX_Count",
                statistic="Sum",
                dimensions=balancer,
                threshold=settings.target_5xx_count,
            ),
        ]
        groups = (("blue", args.blue_target_group_arn_suffix), ("green", args.green_target_group_arn_suffix))
        for color, suffix in groups:
            self.alarms.append(
                self._alarm(
                    name,
                    args.name_prefix,
                    f"response-time-{color}",
                    settings,
                    description=(
                        f"Average response time of the {color} target group's targets "
                        f"of {settings.response_time_seconds}s or more"
                    ),
                    namespace="AWS/ApplicationELB",
                    metric_name="TargetResponseTime",
                    statistic="Average",
                    dimensions={**balancer, "TargetGroup": suffix},
                    threshold=settings.response_time_seconds,
                )
            )
        for color, suffix in groups:
            self.alarms.append(
                self._alarm(
                    name,
                    args.name_prefix,
                    f"unhealthy-{color}",
                    settings,
                    description=f"{settings.unhealthy_hosts}+ unhealthy targets in the {color} target group",
                    namespace="AWS/ApplicationELB",
                    metric_name="UnHealthyHostCount",
                    statistic="Maximum",
                    dimensions={**balancer, "TargetGroup": suffix},
                    threshold=settings.unhealthy_hosts,
                )
            )

        # Outputs of the alarms themselves, so the deployment group is created after them.
        self.alarm_names = pulumi.Output.all(*[a.name for a in self.alarms])
        self.rollback_alarm_names = self.alarm_names if settings.rollback_on_alarm else None
        self.topic_arn = self.topic.arn
        self.register_outputs({"topic_arn": self.topic_arn, "alarm_names": self.alarm_names})

    def _alarm(
        self,
        name: str,
        prefix: str,
        kind: str,
        settings: AlarmSettings,
        *,
        description: str,
        namespace: str,
        metric_name: str,
        statistic: str,
        dimensions: Mapping[str, pulumi.Input[str]],
        threshold: float,
        comparison_operator: str = "GreaterThanOrEqualToThreshold",
    ) -> aws.cloudwatch.MetricAlarm:
        # A fixed name, because the deployment group refers to alarms by name.
        return aws.cloudwatch.MetricAlarm(
            f"{name}-{kind}",
            name=f"{prefix}-{kind}",
            alarm_description=description,
            period=settings.period_seconds,
            evaluation_periods=settings.evaluation_periods,
            datapoints_to_alarm=settings.evaluation_periods,
            alarm_actions=[self.topic.arn],
            ok_actions=[self.topic.arn],
            # No data (an idle target group, no traffic) is not a failed release.
            treat_missing_data="notBreaching",
            comparison_operator=comparison_operator,
            namespace=namespace,
            metric_name=metric_name,
            statistic=statistic,
            dimensions=dimensions,
            threshold=threshold,
            opts=pulumi.ResourceOptions(parent=self),
        )
