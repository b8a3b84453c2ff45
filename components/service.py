"""FargateService: the ECS cluster, the service CodeDeploy deploys, and its auto scaling.

Creates the cluster (Container Insights from config), a security group that admits only
the ALB on the container port, and a Fargate service with the ``CODE_DEPLOY`` deployment
controller in the private subnets, created after the listeners exist. After creation
CodeDeploy owns the service's task definition, load balancer and network settings, and
the scaler owns its desired count, so those are ignored on later updates. Optional
target-tracking auto scaling on CPU and on ALB requests per target.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from stack_config.model import ServiceSettings


@dataclass
class FargateServiceArgs:
    service: ServiceSettings
    vpc_id: pulumi.Input[str]
    private_subnet_ids: pulumi.Input[list[str]]
    task_definition_arn: pulumi.Input[str]
    container_name: str
    container_port: int
    alb_security_group_id: pulumi.Input[str]
    alb_arn_suffix: pulumi.Input[str]
    blue_target_group: aws.lb.TargetGroup
    green_target_group: aws.lb.TargetGroup
    listeners: Sequence[pulumi.Resource]
    """The service may only be created once its target group has a listener."""


def ignored_after_create(auto_scaling: bool) -> list[str]:
    """Service properties owned by CodeDeploy (and the scaler) once the service exists.

    Updating them through ECS fails on a CODE_DEPLOY service ("Unable to update task
    definition on services with a CODE_DEPLOY deployment controller"), and reverting them
    would undo the last release; new values ship through a CodeDeploy deployment instead.
    """
    owned = ["task_definition", "load_balancers", "network_configuration", "platform_version"]
    return [*owned, "desired_count"] if auto_scaling else owned


class FargateService(pulumi.ComponentResource):
    cluster_name: pulumi.Output[str]
    service_name: pulumi.Output[str]

    def __init__(self, name: str, args: FargateServiceArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("bluegreen:ecs:FargateService", name, None, opts)
        settings = args.service
        child = pulumi.ResourceOptions(parent=self)

        self.cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            settings=[
                {
                    "name": "containerInsights",
                    "value": "enabled" if settings.container_insights else "disabled",
                }
            ],
            opts=child,
        )

        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-tasks",
            vpc_id=args.vpc_id,
            description="Tasks: the app port from the ALB only",
            opts=child,
        )
        # Rules as separate resources only: the AWS provider overwrites rules when a group
        # mixes inline rules with rule resources.
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-tasks-egress",
            security_group_id=self.security_group.id,
            ip_protocol="-1",
            cidr_ipv4="0.0.0.0/0",
            description="image pulls, logs, secrets and the app's own calls",
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-from-alb",
            security_group_id=self.security_group.id,
            referenced_security_group_id=args.alb_security_group_id,
            ip_protocol="tcp",
            from_port=args.container_port,
            to_port=args.container_port,
            description="app port from the load balancer",
            opts=child,
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-alb-to-tasks",
            security_group_id=args.alb_security_group_id,
            referenced_security_group_id=self.security_group.id,
            ip_protocol="tcp",
            from_port=args.container_port,
            to_port=args.container_port,
            description="traffic and health checks to the tasks",
            opts=child,
        )

        self.service = aws.ecs.Service(
            f"{name}-service",
            cluster=self.cluster.arn,
            task_definition=args.task_definition_arn,
            desired_count=settings.desired_count,
            launch_type="FARGATE",
            platform_version="LATEST",
            deployment_controller={"type": "CODE_DEPLOY"},
            load_balancers=[
                {
                    "target_group_arn": args.blue_target_group.arn,
                    "container_name": args.container_name,
                    "container_port": args.container_port,
                }
            ],
            network_configuration={
                "subnets": args.private_subnet_ids,
                "security_groups": [self.security_group.id],
                "assign_public_ip": False,
            },
            health_check_grace_period_seconds=settings.health_check_grace_period_seconds,
            propagate_tags="SERVICE",
            enable_ecs_managed_tags=True,
            opts=pulumi.ResourceOptions(
                parent=self,
                # "The target group ... does not have an associated load balancer" otherwise.
                depends_on=list(args.listeners),
                # CodeDeploy and the scaler own these after creation; see ignored_after_create.
                ignore_changes=ignored_after_create(settings.auto_scaling.enabled),
            ),
        )

        if settings.auto_scaling.enabled:
            self._auto_scaling(name, args)

        self.cluster_name = self.cluster.name
        self.service_name = self.service.name
        self.register_outputs({"cluster_name": self.cluster_name, "service_name": self.service_name})

    def _auto_scaling(self, name: str, args: FargateServiceArgs) -> None:
        scaling = args.service.auto_scaling
        child = pulumi.ResourceOptions(parent=self)
        target = aws.appautoscaling.Target(
            f"{name}-scaling",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", self.cluster.name, "/", self.service.name),
            min_capacity=scaling.min_capacity,
            max_capacity=scaling.max_capacity,
            opts=child,
        )
        cooldowns = {
            "scale_in_cooldown": scaling.scale_in_cooldown_seconds,
            "scale_out_cooldown": scaling.scale_out_cooldown_seconds,
        }
        aws.appautoscaling.Policy(
            f"{name}-cpu",
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration={
                "target_value": scaling.cpu_target_percent,
                "predefined_metric_specification": {
                    "predefined_metric_type": "ECSServiceAverageCPUUtilization"
                },
                **cooldowns,
            },
            opts=child,
        )
        if scaling.requests_per_target == 0:
            return
        # Production traffic moves between blue and green with every release, so track
        # requests on both: the idle group has no data and never votes to scale in alone.
        for color, group in (("blue", args.blue_target_group), ("green", args.green_target_group)):
            aws.appautoscaling.Policy(
                f"{name}-requests-{color}",
                policy_type="TargetTrackingScaling",
                service_namespace=target.service_namespace,
                scalable_dimension=target.scalable_dimension,
                resource_id=target.resource_id,
                target_tracking_scaling_policy_configuration={
                    "target_value": scaling.requests_per_target,
                    "predefined_metric_specification": {
                        "predefined_metric_type": "ALBRequestCountPerTarget",
                        "resource_label": pulumi.Output.concat(args.alb_arn_suffix, "/", group.arn_suffix),
                    },
                    **cooldowns,
                },
                opts=child,
            )
