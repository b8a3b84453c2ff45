"""Alarms: SNS topic, the seed's CPU alarm and the release-health alarms."""

from __future__ import annotations

from tests.program.harness import ProgramRun, run_stack


def _alarm(run: ProgramRun, kind: str):
    return run.one("aws:cloudwatch/metricAlarm:MetricAlarm", f"-{kind}")


def test_cpu_alarm_is_the_seeds_80_percent_for_2_minutes(each_stack: ProgramRun) -> None:
    alarm = _alarm(each_stack, "cpu-high").inputs
    assert (alarm["namespace"], alarm["metricName"], alarm["statistic"]) == (
        "AWS/ECS",
        "CPUUtilization",
        "Average",
    )
    assert (alarm["threshold"], alarm["period"], alarm["evaluationPeriods"]) == (80, 60, 2)
    assert alarm["comparisonOperator"] == "GreaterThanThreshold"
    cluster = each_stack.one("aws:ecs/cluster:Cluster").outputs["name"]
    service = each_stack.one("aws:ecs/service:Service").outputs["name"]
    assert alarm["dimensions"] == {"ClusterName": cluster, "ServiceName": service}


def test_every_alarm_notifies_the_topic(each_stack: ProgramRun) -> None:
    topic = each_stack.one("aws:sns/topic:Topic").outputs["arn"]
    alarms = each_stack.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert len(alarms) == 6
    for alarm in alarms:
        assert alarm.inputs["alarmActions"] == [topic], alarm.urn
        assert alarm.inputs["treatMissingData"] == "notBreaching", alarm.urn
    assert each_stack.exports["alarmTopicArn"] == topic


def test_release_health_alarms_watch_the_load_balancer_and_both_target_groups(prod: ProgramRun) -> None:
    alb = prod.one("aws:lb/loadBalancer:LoadBalancer").outputs["arnSuffix"]
    errors = _alarm(prod, "target-5xx").inputs
    assert (errors["metricName"], errors["statistic"], errors["threshold"]) == (
        "HTTPCode_Target_5XX_Count",
        "Sum",
        10,
    )
    assert errors["dimensions"] == {"LoadBalancer": alb}
    for color in ("blue", "green"):
        group = prod.one("aws:lb/targetGroup:TargetGroup", color).outputs["arnSuffix"]
        # Per target group: a load-balancer-wide average dilutes a slow 10 % canary tenfold.
        latency = _alarm(prod, f"response-time-{color}").inputs
        assert (latency["metricName"], latency["statistic"], latency["threshold"]) == (
            "TargetResponseTime",
            "Average",
            2.0,
        )
        assert latency["dimensions"] == {"LoadBalancer": alb, "TargetGroup": group}
        assert (latency["period"], latency["evaluationPeriods"]) == (60, 2)
        unhealthy = _alarm(prod, f"unhealthy-{color}").inputs
        assert unhealthy["metricName"] == "UnHealthyHostCount"
        assert unhealthy["dimensions"] == {"LoadBalancer": alb, "TargetGroup": group}
        assert unhealthy["threshold"] == 1


def test_email_subscriptions_from_config() -> None:
    run = run_stack("prod", {"alarms": {"emails": ["oncall@example.com", "team@example.org"]}})
    subs = run.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert sorted(s.inputs["endpoint"] for s in subs) == ["oncall@example.com", "team@example.org"]
    assert {s.inputs["protocol"] for s in subs} == {"email"}


def test_thresholds_follow_config() -> None:
    run = run_stack(
        "dev",
        {
            "alarms": {
                "cpuHighPercent": 70,
                "periodSeconds": 300,
                "evaluationPeriods": 3,
                "target5xxCount": 25,
                "responseTimeSeconds": 0.5,
                "unhealthyHosts": 2,
            },
            # blue kept as long as 300 s x (3 + 1) needs, or the config rejects these alarms
            "deployment": {"strategy": "all-at-once", "terminationWaitMinutes": 20},
            "release": {"timeoutMinutes": 30},  # more than the 20 minutes blue is kept
        },
    )
    cpu = _alarm(run, "cpu-high").inputs
    assert (cpu["threshold"], cpu["period"], cpu["evaluationPeriods"], cpu["datapointsToAlarm"]) == (
        70,
        300,
        3,
        3,
    )
    assert _alarm(run, "target-5xx").inputs["threshold"] == 25
    for color in ("blue", "green"):
        assert _alarm(run, f"response-time-{color}").inputs["threshold"] == 0.5
    assert _alarm(run, "unhealthy-green").inputs["threshold"] == 2
