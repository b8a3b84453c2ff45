"""BlueGreenDeployment: the CodeDeploy application and deployment group for the service.

Creates an application (compute platform ECS), a service role with the managed
``AWSCodeDeployRoleForECS`` policy, a custom deployment config when the stack's strategy
is not one AWS predefines, and a BLUE_GREEN deployment group with traffic control over the
ECS service, the blue/green target group pair, the production and test listeners, blue
terminated after ``deployment.terminationWaitMinutes``, automatic rollback, and the
stack's alarms.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from specs.iam import assume_role_policy, aws_managed_policy_arn
from stack_config.model import DeploymentSettings

ROLLBACK_EVENTS = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"]
ALARM_ROLLBACK_EVENT = "DEPLOYMENT_STOP_ON_ALARM"


@dataclass
class BlueGreenDeploymentArgs:
    deployment: DeploymentSettings
    name_prefix: str
    cluster_name: pulumi.Input[str]
    service_name: pulumi.Input[str]
    blue_target_group_name: pulumi.Input[str]
    green_target_group_name: pulumi.Input[str]
    production_listener_arn: pulumi.Input[str]
    test_listener_arn: pulumi.Input[str]
    alarm_names: pulumi.Input[list[str]] | None
    """Alarms that stop and roll back a release; None leaves alarm rollback off."""
    partition: str
    """The ARN partition the provider reports; the managed policy's ARN is written in it."""


def deployment_ready_option(
    ready_wait_minutes: int,
) -> aws.codedeploy.DeploymentGroupBlueGreenDeploymentConfigDeploymentReadyOptionArgs:
    """Shift as soon as green is ready, or hold it for a manual go-ahead that long."""
    if ready_wait_minutes == 0:
        return aws.codedeploy.DeploymentGroupBlueGreenDeploymentConfigDeploymentReadyOptionArgs(
            action_on_timeout="CONTINUE_DEPLOYMENT"
        )
    return aws.codedeploy.DeploymentGroupBlueGreenDeploymentConfigDeploymentReadyOptionArgs(
        action_on_timeout="STOP_DEPLOYMENT", wait_time_in_minutes=ready_wait_minutes
    )


class BlueGreenDeployment(pulumi.ComponentResource):
    application_name: pulumi.Output[str]
    deployment_group_name: pulumi.Output[str]
    deployment_group_arn: pulumi.Output[str]
    role_name: pulumi.Output[str]
    deployment_config_name: pulumi.Output[str]

    def __init__(self, name: str, args: BlueGreenDeploymentArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("bluegreen:codedeploy:BlueGreenDeployment", name, None, opts)
        settings = args.deployment
        child = pulumi.ResourceOptions(parent=self)

        self.application = aws.codedeploy.Application(
            f"{name}-app", name=args.name_prefix, compute_platform="ECS", opts=child
        )
        self.role = aws.iam.Role(
            f"{name}-codedeploy",
            assume_role_policy=json.dumps(assume_role_policy("codedeploy.amazonaws.com")),
            description="CodeDeploy: shift traffic between the blue and green task sets",
            opts=child,
        )
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-codedeploy",
            role=self.role.name,
            policy_arn=aws_managed_policy_arn(args.partition, "AWSCodeDeployRoleForECS"),
            opts=child,
        )

        plan = settings.plan
        if plan.custom is not None:
            custom = plan.custom
            routing = custom.traffic_routing_config()
            canary, linear = routing.get("timeBasedCanary"), routing.get("timeBasedLinear")
            config = aws.codedeploy.DeploymentConfig(
                f"{name}-config",
                deployment_config_name=custom.config_name(args.name_prefix),
                compute_platform="ECS",
                # The CodeDeploy engine's forward mapping, whose inverse the preview reads.
                traffic_routing_config=aws.codedeploy.DeploymentConfigTrafficRoutingConfigArgs(
                    type=routing["type"],
                    time_based_canary=(
                        aws.codedeploy.DeploymentConfigTrafficRoutingConfigTimeBasedCanaryArgs(
                            percentage=canary["percentage"], interval=canary["interval"]
                        )
                        if canary
                        else None
                    ),
                    time_based_linear=(
                        aws.codedeploy.DeploymentConfigTrafficRoutingConfigTimeBasedLinearArgs(
                            percentage=linear["percentage"], interval=linear["interval"]
                        )
                        if linear
                        else None
                    ),
                ),
                opts=child,
            )
            self.deployment_config_name = config.deployment_config_name
        else:
            self.deployment_config_name = pulumi.Output.from_input(plan.predefined_name or "")

        alarms_on = args.alarm_names is not None
        self.group = aws.codedeploy.DeploymentGroup(
            f"{name}-group",
            app_name=self.application.name,
            deployment_group_name=args.name_prefix,
            service_role_arn=self.role.arn,
            deployment_config_name=self.deployment_config_name,
            deployment_style=aws.codedeploy.DeploymentGroupDeploymentStyleArgs(
                deployment_option="WITH_TRAFFIC_CONTROL", deployment_type="BLUE_GREEN"
            ),
            blue_green_deployment_config=aws.codedeploy.DeploymentGroupBlueGreenDeploymentConfigArgs(
                deployment_ready_option=deployment_ready_option(settings.ready_wait_minutes),
                terminate_blue_instances_on_deployment_success=(
                    aws.codedeploy.DeploymentGroupBlueGreenDeploymentConfigTerminateBlueInstancesOnDeploymentSuccessArgs(
                        action="TERMINATE",
                        termination_wait_time_in_minutes=settings.termination_wait_minutes,
                    )
                ),
            ),
            ecs_service=aws.codedeploy.DeploymentGroupEcsServiceArgs(
                cluster_name=args.cluster_name, service_name=args.service_name
            ),
            load_balancer_info=aws.codedeploy.DeploymentGroupLoadBalancerInfoArgs(
                target_group_pair_info=aws.codedeploy.DeploymentGroupLoadBalancerInfoTargetGroupPairInfoArgs(
                    prod_traffic_route=aws.codedeploy.DeploymentGroupLoadBalancerInfoTargetGroupPairInfoProdTrafficRouteArgs(
                        listener_arns=[args.production_listener_arn]
                    ),
                    test_traffic_route=aws.codedeploy.DeploymentGroupLoadBalancerInfoTargetGroupPairInfoTestTrafficRouteArgs(
                        listener_arns=[args.test_listener_arn]
                    ),
                    target_groups=[
                        aws.codedeploy.DeploymentGroupLoadBalancerInfoTargetGroupPairInfoTargetGroupArgs(
                            name=args.blue_target_group_name
                        ),
                        aws.codedeploy.DeploymentGroupLoadBalancerInfoTargetGroupPairInfoTargetGroupArgs(
                            name=args.green_target_group_name
                        ),
                    ],
                )
            ),
            auto_rollback_configuration=aws.codedeploy.DeploymentGroupAutoRollbackConfigurationArgs(
                enabled=True,
                events=[*ROLLBACK_EVENTS, ALARM_ROLLBACK_EVENT] if alarms_on else ROLLBACK_EVENTS,
            ),
            alarm_configuration=(
                aws.codedeploy.DeploymentGroupAlarmConfigurationArgs(enabled=True, alarms=args.alarm_names)
                if args.alarm_names is not None
                else None
            ),
            # The group validates its role on creation; the policy must be attached first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[attachment]),
        )

        self.application_name = self.application.name
        self.deployment_group_name = self.group.deployment_group_name
        self.deployment_group_arn = self.group.arn
        self.role_name = self.role.name
        self.register_outputs(
            {
                "application_name": self.application_name,
                "deployment_group_name": self.deployment_group_name,
                "deployment_config_name": self.deployment_config_name,
            }
        )
