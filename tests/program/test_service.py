"""Cluster and service: CODE_DEPLOY controller, task networking, drift safety, scaling."""

from __future__ import annotations

import pytest

from tests.program.harness import ProgramRun, run_stack


def test_container_insights_on_in_prod_only(dev: ProgramRun, prod: ProgramRun) -> None:
    assert prod.one("aws:ecs/cluster:Cluster").inputs["settings"] == [
        {"name": "containerInsights", "value": "enabled"}
    ]
    assert dev.one("aws:ecs/cluster:Cluster").inputs["settings"] == [
        {"name": "containerInsights", "value": "disabled"}
    ]


def test_service_is_deployed_by_codedeploy_on_fargate(each_stack: ProgramRun) -> None:
    service = each_stack.one("aws:ecs/service:Service")
    assert service.inputs["deploymentController"] == {"type": "CODE_DEPLOY"}, service.urn
    assert service.inputs["launchType"] == "FARGATE"
    assert service.inputs["cluster"] == each_stack.one("aws:ecs/cluster:Cluster").outputs["arn"]
    assert (
        service.inputs["taskDefinition"]
        == each_stack.one("aws:ecs/taskDefinition:TaskDefinition").outputs["arn"]
    )
    assert service.inputs["healthCheckGracePeriodSeconds"] == 60


def test_service_starts_behind_the_blue_target_group(each_stack: ProgramRun) -> None:
    service = each_stack.one("aws:ecs/service:Service")
    blue = each_stack.one("aws:lb/targetGroup:TargetGroup", "blue")
    assert service.inputs["loadBalancers"] == [
        {"targetGroupArn": blue.outputs["arn"], "containerName": "app", "containerPort": 8080}
    ]


def test_prod_tasks_run_in_private_subnets_without_public_ip(prod: ProgramRun) -> None:
    network = prod.one("aws:ecs/service:Service").inputs["networkConfiguration"]
    private = {s.id for s in prod.of_type("aws:ec2/subnet:Subnet") if "private" in s.name}
    assert network["assignPublicIp"] is False
    assert set(network["subnets"]) == private
    assert network["securityGroups"] == [prod.one("aws:ec2/securityGroup:SecurityGroup", "-tasks").id]


def test_dev_tasks_run_in_public_subnets_with_a_public_ip(dev: ProgramRun) -> None:
    """network.taskSubnets: public (Pulumi.dev.yaml): ECR and logs through the internet gateway."""
    network = dev.one("aws:ecs/service:Service").inputs["networkConfiguration"]
    public = {s.id for s in dev.of_type("aws:ec2/subnet:Subnet") if "public" in s.name}
    assert network["assignPublicIp"] is True
    assert set(network["subnets"]) == public
    assert network["securityGroups"] == [dev.one("aws:ec2/securityGroup:SecurityGroup", "-tasks").id]


def test_private_task_subnets_override_in_dev() -> None:
    run = run_stack("dev", {"network": {"availabilityZones": 2, "natGateways": 1, "taskSubnets": "private"}})
    network = run.one("aws:ecs/service:Service").inputs["networkConfiguration"]
    private = {s.id for s in run.of_type("aws:ec2/subnet:Subnet") if "private" in s.name}
    assert network["assignPublicIp"] is False and set(network["subnets"]) == private


def test_tasks_admit_only_the_alb_on_the_container_port(each_stack: ProgramRun) -> None:
    tasks = each_stack.one("aws:ec2/securityGroup:SecurityGroup", "-tasks")
    alb = each_stack.one("aws:ec2/securityGroup:SecurityGroup", "-alb")
    into_tasks = [
        r
        for r in each_stack.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.inputs["securityGroupId"] == tasks.id
    ]
    assert len(into_tasks) == 1
    rule = into_tasks[0].inputs
    assert (rule["referencedSecurityGroupId"], rule["fromPort"], rule["toPort"]) == (alb.id, 8080, 8080)
    assert tasks.inputs.get("ingress") in (None, []) and tasks.inputs.get("egress") in (None, [])
    egress = [
        r
        for r in each_stack.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
        if r.inputs["securityGroupId"] == tasks.id
    ]
    assert [(r.inputs["ipProtocol"], r.inputs["cidrIpv4"]) for r in egress] == [("-1", "0.0.0.0/0")]


def test_alb_may_reach_the_tasks_only_on_the_container_port(each_stack: ProgramRun) -> None:
    tasks = each_stack.one("aws:ec2/securityGroup:SecurityGroup", "-tasks")
    alb = each_stack.one("aws:ec2/securityGroup:SecurityGroup", "-alb")
    out_of_alb = [
        r.inputs
        for r in each_stack.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
        if r.inputs["securityGroupId"] == alb.id
    ]
    assert [(r["referencedSecurityGroupId"], r["fromPort"], r["toPort"]) for r in out_of_alb] == [
        (tasks.id, 8080, 8080)
    ]


def test_service_is_created_after_the_listeners(each_stack: ProgramRun) -> None:
    service = each_stack.one("aws:ecs/service:Service")
    for suffix in ("prod", "test"):
        listener = each_stack.one("aws:lb/listener:Listener", suffix)
        assert listener.urn in service.depends_on, f"{service.urn} must depend on {listener.urn}"


def test_codedeploy_owned_properties_are_ignored_after_creation(dev: ProgramRun) -> None:
    service = dev.one("aws:ecs/service:Service")
    assert set(service.ignore_changes) == {
        "taskDefinition",
        "loadBalancers",
        "networkConfiguration",
        "platformVersion",
    }


def test_scaler_owns_desired_count_when_auto_scaling(prod: ProgramRun) -> None:
    service = prod.one("aws:ecs/service:Service")
    assert "desiredCount" in service.ignore_changes
    assert service.inputs["desiredCount"] == 2


def test_prod_scales_on_cpu_and_on_requests_in_both_target_groups(prod: ProgramRun) -> None:
    target = prod.one("aws:appautoscaling/target:Target")
    assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == (2, 6)
    assert target.inputs["scalableDimension"] == "ecs:service:DesiredCount"
    cluster = prod.one("aws:ecs/cluster:Cluster").outputs["name"]
    service = prod.one("aws:ecs/service:Service").outputs["name"]
    assert target.inputs["resourceId"] == f"service/{cluster}/{service}"
    cpu = prod.one("aws:appautoscaling/policy:Policy", "-cpu").inputs[
        "targetTrackingScalingPolicyConfiguration"
    ]
    assert cpu["targetValue"] == 60
    assert cpu["predefinedMetricSpecification"]["predefinedMetricType"] == "ECSServiceAverageCPUUtilization"
    alb_suffix = prod.one("aws:lb/loadBalancer:LoadBalancer").outputs["arnSuffix"]
    # One request policy over both groups: a policy on the idle group has no data and target
    # tracking scales in only when every policy agrees, so one per group never scales in.
    assert [p.name for p in prod.of_type("aws:appautoscaling/policy:Policy") if "requests" in p.name] == [
        "my-app-prod-requests"
    ]
    spec = prod.one("aws:appautoscaling/policy:Policy", "requests").inputs[
        "targetTrackingScalingPolicyConfiguration"
    ]
    assert spec["targetValue"] == 1000 and "predefinedMetricSpecification" not in spec
    metrics = {m["id"]: m for m in spec["customizedMetricSpecification"]["metrics"]}
    for color in ("blue", "green"):
        group = prod.one("aws:lb/targetGroup:TargetGroup", color).outputs["arnSuffix"]
        for prefix, name, stat in (
            ("requests", "RequestCount", "Sum"),
            ("healthy", "HealthyHostCount", "Average"),
        ):
            query = metrics[f"{prefix}_{color}"]
            assert query["returnData"] is False
            assert query["metricStat"] == {
                "stat": stat,
                "metric": {
                    "namespace": "AWS/ApplicationELB",
                    "metricName": name,
                    "dimensions": [
                        {"name": "LoadBalancer", "value": alb_suffix},
                        {"name": "TargetGroup", "value": group},
                    ],
                },
            }
    (returned,) = [m for m in metrics.values() if m.get("returnData")]
    # The idle group publishes no RequestCount: without FILL the sum has no data points.
    assert returned["expression"] == (
        "(FILL(requests_blue, 0) + FILL(requests_green, 0)) / "
        "(FILL(healthy_blue, 0) + FILL(healthy_green, 0))"
    )


def test_dev_has_no_auto_scaling(dev: ProgramRun) -> None:
    assert dev.of_type("aws:appautoscaling/target:Target") == []
    assert "desiredCount" not in dev.one("aws:ecs/service:Service").ignore_changes


@pytest.mark.parametrize("requests", [0, 500])
def test_request_scaling_is_optional(requests: int) -> None:
    run = run_stack(
        "dev",
        {
            "service": {
                "desiredCount": 1,
                "autoScaling": {
                    "enabled": True,
                    "minCapacity": 1,
                    "maxCapacity": 3,
                    "requestsPerTarget": requests,
                },
            }
        },
    )
    policies = run.of_type("aws:appautoscaling/policy:Policy")
    assert len(policies) == (2 if requests else 1)
