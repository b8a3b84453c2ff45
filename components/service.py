"""FargateService: the ECS cluster, the service CodeDeploy deploys, and its auto scaling.

Creates the cluster (Container Insights from config), a security group that admits only
the ALB on the container port, and a Fargate service in the task subnets (private, or public
with a public IP per task under ``network.taskSubnets: public``), created after
the listeners exist. With ``deployment.controller: codedeploy`` the service has the
``CODE_DEPLOY`` controller and CodeDeploy owns its task definition, load balancer and
network settings after creation. With ``ecs`` the service deploys itself (BLUE_GREEN,
LINEAR or CANARY, bake time, alarms with rollback, circuit breaker, lifecycle hooks)
through listener rules and an alternate target group, using an infrastructure role; a
service still on CodeDeploy is switched to it in place first (``EcsEngineMove``). The
scaler owns the desired count. Optional target-tracking auto scaling on CPU and on ALB
requests per target.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.engine_move import EcsEngineMove, EcsEngineMoveArgs, EngineMoveTarget, LiveTargetGroups
from specs import scaling as requests_metric
from specs.ecs_engine import deployment_configuration, pause_hook
from specs.engine_move import api_deployment_configuration
from specs.iam import assume_role_policy, aws_managed_policy_arn
from specs.release_model import CONTROLLER_TYPE, LIFECYCLE_STAGE, Engine
from stack_config.model import AutoScalingSettings, DeploymentSettings, ServiceSettings

LOAD_BALANCER_INFRASTRUCTURE_POLICY = "AmazonECSInfrastructureRolePolicyForLoadBalancers"


@dataclass
class FargateServiceArgs:
    service: ServiceSettings
    vpc_id: pulumi.Input[str]
    task_subnet_ids: pulumi.Input[list[str]]
    assign_public_ip: bool
    """Tasks in public subnets need a public IP to reach ECR and CloudWatch Logs through the
    internet gateway; the security group below still admits only the load balancer."""
    task_definition_arn: pulumi.Input[str]
    container_name: str
    container_port: int
    alb_security_group_id: pulumi.Input[str]
    alb_arn_suffix: pulumi.Input[str]
    blue_target_group: aws.lb.TargetGroup
    green_target_group: aws.lb.TargetGroup
    listeners: Sequence[pulumi.Resource]
    """The service may only be created once its target group has a listener (and, under the
    ECS engine, its listener rules exist)."""
    name: str
    """The cluster's and the service's name; fixed, so the alarms can name them beforehand."""
    deployment: DeploymentSettings
    partition: str
    """The ARN partition the provider reports (``aws``, ``aws-cn``, ``aws-us-gov``)."""
    alarm_names: pulumi.Input[list[str]] | None = None
    """Under the ECS engine: alarms that stop and roll back a deployment."""
    production_rule: aws.lb.ListenerRule | None = None
    test_rule: aws.lb.ListenerRule | None = None
    hook_function_arn: pulumi.Input[str] | None = None
    hook_events: Sequence[str] = ()
    """CodeDeploy hook names; under the ECS engine mapped to its lifecycle stages."""
    live_target_groups: LiveTargetGroups | None = None
    """Under the ECS engine: the service's primary (live) and alternate (idle) target group."""
    engine_move: EngineMoveTarget | None = None
    """Under the ECS engine: what moves a service still on CodeDeploy in place."""
    listener_arns: Sequence[pulumi.Input[str]] = ()
    """Production and test listener: their default action after a move."""


def ignored_after_create(engine: Engine, auto_scaling: bool) -> list[str]:
    """Service properties the deployment engine (and the scaler) own once the service exists.

    CodeDeploy: updating them through ECS fails on a CODE_DEPLOY service ("Unable to update
    task definition on services with a CODE_DEPLOY deployment controller"), and reverting
    them would undo the last release; new values ship through a CodeDeploy deployment.
    ECS: the task definition is how `pulumi up` starts a deployment, so it stays managed;
    but ECS swaps the primary and alternate target groups after each deployment, and sending
    the original pair again breaks the next one (terraform-provider-aws#45678). The controller
    is switched by EcsEngineMove (components/engine_move.py) on a stack moved from CodeDeploy,
    so the provider never plans a replacement (pulumi-aws before 7.3 marks it ForceNew) nor
    sends it in the same call as the task definition.
    """
    owned = (
        ["task_definition", "load_balancers", "network_configuration", "platform_version"]
        if engine == "codedeploy"
        else ["load_balancers", "deployment_controller"]
    )
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
            name=args.name,
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
            # EC2 allows only a-zA-Z0-9, spaces and ._-:/()#,@[]+=&;{}!$* in rule descriptions.
            description="image pulls, logs, secrets and calls the app makes",
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

        engine = args.deployment.controller
        self.infrastructure_dependencies: list[pulumi.Resource] = []
        # CodeDeploy owns deployments unless the ECS engine is chosen; then the service deploys
        # itself and these are set below.
        controller = CONTROLLER_TYPE[engine]
        advanced_configuration: aws.ecs.ServiceLoadBalancerAdvancedConfigurationArgs | None = None
        deployment_configuration: aws.ecs.ServiceDeploymentConfigurationArgs | None = None
        deployment_circuit_breaker: aws.ecs.ServiceDeploymentCircuitBreakerArgs | None = None
        alarms: aws.ecs.ServiceAlarmsArgs | None = None
        primary_target_group: pulumi.Input[str] = args.blue_target_group.arn
        if engine == "ecs":
            infrastructure_role = self._infrastructure_role(name, args)
            assert args.production_rule is not None and args.test_rule is not None
            assert args.live_target_groups is not None and args.engine_move is not None
            live = args.live_target_groups
            primary_target_group = live.live_arn
            advanced_configuration = aws.ecs.ServiceLoadBalancerAdvancedConfigurationArgs(
                alternate_target_group_arn=live.idle_arn,
                production_listener_rule=args.production_rule.arn,
                test_listener_rule=args.test_rule.arn,
                role_arn=infrastructure_role.arn,
            )
            deployment_configuration = _native_configuration(args, infrastructure_role.arn)
            deployment_circuit_breaker = aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                enable=True, rollback=True
            )
            if args.alarm_names is not None:
                alarms = aws.ecs.ServiceAlarmsArgs(alarm_names=args.alarm_names, enable=True, rollback=True)
            # A service still on CodeDeploy (a stack moving engines) is switched here, in place,
            # before the provider updates it; on a service already on ECS this does nothing.
            self.infrastructure_dependencies.append(
                EcsEngineMove(
                    f"{name}-engine-move",
                    EcsEngineMoveArgs(
                        target=args.engine_move,
                        live=live,
                        production_listener_arn=args.listener_arns[0],
                        listener_arns=args.listener_arns,
                        production_rule_arn=args.production_rule.arn,
                        test_rule_arn=args.test_rule.arn,
                        role_arn=infrastructure_role.arn,
                        container_name=args.container_name,
                        container_port=args.container_port,
                        deployment_configuration=_move_configuration(args),
                        blue_arn=args.blue_target_group.arn,
                        green_arn=args.green_target_group.arn,
                    ),
                    pulumi.ResourceOptions(
                        parent=self,
                        depends_on=[*args.listeners, *self.infrastructure_dependencies],
                    ),
                )
            )

        self.service = aws.ecs.Service(
            f"{name}-service",
            name=args.name,
            cluster=self.cluster.arn,
            task_definition=args.task_definition_arn,
            desired_count=settings.desired_count,
            launch_type="FARGATE",
            platform_version="LATEST",
            load_balancers=[
                aws.ecs.ServiceLoadBalancerArgs(
                    target_group_arn=primary_target_group,
                    container_name=args.container_name,
                    container_port=args.container_port,
                    advanced_configuration=advanced_configuration,
                )
            ],
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=args.task_subnet_ids,
                security_groups=[self.security_group.id],
                assign_public_ip=args.assign_public_ip,
            ),
            health_check_grace_period_seconds=settings.health_check_grace_period_seconds,
            propagate_tags="SERVICE",
            # ECS Exec (service.enableExecuteCommand); the task role holds the rights it needs.
            enable_execute_command=settings.enable_execute_command,
            enable_ecs_managed_tags=True,
            deployment_controller=aws.ecs.ServiceDeploymentControllerArgs(type=controller),
            deployment_configuration=deployment_configuration,
            deployment_circuit_breaker=deployment_circuit_breaker,
            alarms=alarms,
            opts=pulumi.ResourceOptions(
                parent=self,
                # "The target group ... does not have an associated load balancer" otherwise;
                # under the ECS engine its role must hold its policies before ECS uses it.
                depends_on=[*args.listeners, *self.infrastructure_dependencies],
                # The engine and the scaler own these after creation; see ignored_after_create.
                ignore_changes=ignored_after_create(engine, settings.auto_scaling.enabled),
                # The name is fixed, so a replacement (e.g. moving back to CodeDeploy) must
                # remove the old service before creating its successor.
                delete_before_replace=True,
                # AWS documents no in-place move from ECS back to CODE_DEPLOY (specs/engine_move.py):
                # whichever provider version is in use, that way replaces the service.
                replace_on_changes=["deployment_controller"] if engine == "codedeploy" else None,
            ),
        )

        if settings.auto_scaling.enabled:
            self._auto_scaling(name, args)

        self.cluster_name = self.cluster.name
        self.service_name = self.service.name
        self.register_outputs({"cluster_name": self.cluster_name, "service_name": self.service_name})

    def _infrastructure_role(self, name: str, args: FargateServiceArgs) -> aws.iam.Role:
        """The role ECS assumes to move listener-rule weights and to invoke the hook Lambda."""
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-ecs-infrastructure",
            assume_role_policy=json.dumps(assume_role_policy("ecs.amazonaws.com")),
            description="ECS blue/green: shift listener rule weights, invoke lifecycle hooks",
            opts=child,
        )
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-ecs-infrastructure",
            role=role.name,
            policy_arn=aws_managed_policy_arn(args.partition, LOAD_BALANCER_INFRASTRUCTURE_POLICY),
            opts=child,
        )
        self.infrastructure_dependencies.append(attachment)
        if args.hook_function_arn is not None:
            self.infrastructure_dependencies.append(
                aws.iam.RolePolicy(
                    f"{name}-ecs-invoke-hook",
                    role=role.id,
                    policy=pulumi.Output.from_input(args.hook_function_arn).apply(
                        lambda arn: json.dumps(
                            {
                                "Version": "2012-10-17",
                                "Statement": [
                                    {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": arn}
                                ],
                            }
                        )
                    ),
                    opts=child,
                )
            )
        return role

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
        aws.appautoscaling.Policy(
            f"{name}-cpu",
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration=_target_tracking(
                scaling, scaling.cpu_target_percent, "ECSServiceAverageCPUUtilization"
            ),
            opts=child,
        )
        if scaling.requests_per_target == 0:
            return
        # One policy over both target groups; see specs/scaling.py for why not one per group.
        aws.appautoscaling.Policy(
            f"{name}-requests",
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration=(
                aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                    target_value=scaling.requests_per_target,
                    customized_metric_specification=_requests_per_target_metric(args),
                    scale_in_cooldown=scaling.scale_in_cooldown_seconds,
                    scale_out_cooldown=scaling.scale_out_cooldown_seconds,
                )
            ),
            opts=child,
        )


def _requests_per_target_metric(
    args: FargateServiceArgs,
) -> aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationArgs:
    """specs/scaling.py's expression, its inputs bound to this ALB and its two target groups."""
    spec = aws.appautoscaling
    groups = {"blue": args.blue_target_group, "green": args.green_target_group}
    inputs = [
        spec.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricArgs(
            id=query.id,
            return_data=False,
            metric_stat=spec.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricMetricStatArgs(
                stat=query.stat,
                metric=spec.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricMetricStatMetricArgs(
                    namespace=requests_metric.NAMESPACE,
                    metric_name=query.metric_name,
                    dimensions=[
                        spec.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricMetricStatMetricDimensionArgs(
                            name="LoadBalancer", value=args.alb_arn_suffix
                        ),
                        spec.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricMetricStatMetricDimensionArgs(
                            name="TargetGroup", value=groups[query.colour].arn_suffix
                        ),
                    ],
                ),
            ),
        )
        for query in requests_metric.QUERIES
    ]
    result = spec.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricArgs(
        id=requests_metric.EXPRESSION_ID,
        expression=requests_metric.EXPRESSION,
        label="Requests per healthy target, blue and green",
        return_data=True,
    )
    return spec.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationArgs(
        metrics=[*inputs, result]
    )


def _target_tracking(
    scaling: AutoScalingSettings,
    target_value: int,
    metric_type: str,
    resource_label: pulumi.Input[str] | None = None,
) -> aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs:
    """Track ``metric_type`` at ``target_value`` with the service's scale-in and scale-out cooldowns."""
    return aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
        target_value=target_value,
        predefined_metric_specification=(
            aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                predefined_metric_type=metric_type, resource_label=resource_label
            )
        ),
        scale_in_cooldown=scaling.scale_in_cooldown_seconds,
        scale_out_cooldown=scaling.scale_out_cooldown_seconds,
    )


def _move_configuration(args: FargateServiceArgs) -> pulumi.Output[dict[str, Any]]:
    """The deploymentConfiguration the move sends with the new controller (UpdateService's
    shape): the strategy, the circuit breaker and the alarms; the provider's own update of the
    service right after it adds the lifecycle hooks."""
    declared = deployment_configuration(args.deployment.native_plan)
    return pulumi.Output.from_input(args.alarm_names).apply(
        lambda names: api_deployment_configuration(
            declared,
            {"enable": True, "rollback": True},
            {"alarmNames": list(names), "enable": True, "rollback": True} if names is not None else None,
            (),
        )
    )


def _native_configuration(
    args: FargateServiceArgs, role_arn: pulumi.Input[str]
) -> aws.ecs.ServiceDeploymentConfigurationArgs:
    """The service's deploymentConfiguration for ECS's built-in strategies: the ECS engine's
    forward mapping (``specs.ecs_engine.deployment_configuration``, whose inverse the preview reads)."""
    config = deployment_configuration(args.deployment.native_plan)
    canary = config.get("canaryConfiguration")
    linear = config.get("linearConfiguration")
    return aws.ecs.ServiceDeploymentConfigurationArgs(
        strategy=config["strategy"],
        bake_time_in_minutes=config["bakeTimeInMinutes"],
        canary_configuration=(
            aws.ecs.ServiceDeploymentConfigurationCanaryConfigurationArgs(
                canary_percent=canary["canaryPercent"],
                canary_bake_time_in_minutes=canary["canaryBakeTimeInMinutes"],
            )
            if canary
            else None
        ),
        linear_configuration=(
            aws.ecs.ServiceDeploymentConfigurationLinearConfigurationArgs(
                step_percent=linear["stepPercent"],
                step_bake_time_in_minutes=linear["stepBakeTimeInMinutes"],
            )
            if linear
            else None
        ),
        lifecycle_hooks=_lifecycle_hooks(args, role_arn) or None,
    )


def _lifecycle_hooks(
    args: FargateServiceArgs, role_arn: pulumi.Input[str]
) -> list[aws.ecs.ServiceDeploymentConfigurationLifecycleHookArgs]:
    """The smoke test Lambda at its stages, and the ready wait: a PAUSE hook
    (``specs.ecs_engine.pause_hook``) that holds green until `bluegreen continue` or its timeout."""
    hooks: list[aws.ecs.ServiceDeploymentConfigurationLifecycleHookArgs] = []
    if args.hook_function_arn is not None and args.hook_events:
        hooks.append(
            aws.ecs.ServiceDeploymentConfigurationLifecycleHookArgs(
                hook_target_arn=args.hook_function_arn,
                role_arn=role_arn,
                lifecycle_stages=[LIFECYCLE_STAGE[event] for event in args.hook_events],
            )
        )
    pause = args.deployment.ready_pause
    if pause is not None:
        declared = pause_hook(pause)
        timeout = declared["timeoutConfiguration"]
        hooks.append(
            aws.ecs.ServiceDeploymentConfigurationLifecycleHookArgs(
                target_type=declared["targetType"],
                lifecycle_stages=declared["lifecycleStages"],
                timeout_configuration=aws.ecs.ServiceDeploymentConfigurationLifecycleHookTimeoutConfigurationArgs(
                    timeout_in_minutes=timeout["timeoutInMinutes"], action=timeout["action"]
                ),
            )
        )
    return hooks
