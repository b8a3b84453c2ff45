"""The release engine's part of the stack, by ``deployment.controller``: the service, the smoke
test hook, and what releases each new task definition revision.

* codedeploy: a CODE_DEPLOY service, its deployment group (BlueGreenDeployment), the hook
  reporting to that group, and a CodeDeployRelease that starts each deployment and waits.
* ecs: the hook first, then a service that deploys itself and runs the hook at its lifecycle
  stages, and an EcsServiceRelease that waits for each service deployment.

A plain function, not a ComponentResource: the resources keep the parents (and so the URNs)
they had when ``__main__.py`` declared them, so no live stack sees a replacement.
``deploy_release`` returns the service, the revision the release left live and the engine's own
stack outputs; ``__main__.py`` exports them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

from components.alarms import ReleaseAlarms
from components.codedeploy import BlueGreenDeployment, BlueGreenDeploymentArgs
from components.engine_move import EngineMoveTarget
from components.hooks import SmokeTestHook, SmokeTestHookArgs
from components.load_balancer import BlueGreenLoadBalancer
from components.network import Network
from components.release import (
    CodeDeployRelease,
    CodeDeployReleaseArgs,
    EcsServiceRelease,
    EcsServiceReleaseArgs,
    ReleaseTarget,
)
from components.service import FargateService, FargateServiceArgs
from components.task_definition import AppTaskDefinition
from specs import stack_outputs
from specs.release_model import Engine
from stack_config.model import StackSettings


@dataclass(frozen=True)
class ReleaseEngineArgs:
    """What either engine's part is wired from: the settings and the components declared before it."""

    settings: StackSettings
    project_dir: Path
    partition: str
    account_id: str
    network: Network
    load_balancer: BlueGreenLoadBalancer
    task: AppTaskDefinition
    alarms: ReleaseAlarms
    opts: pulumi.ResourceOptions
    """The options (provider) every AWS resource of the stack is declared with."""


@dataclass(frozen=True)
class DeployedRelease:
    service: FargateService
    live_task_definition_arn: pulumi.Output[str]
    """The task definition ARN the release left live."""
    outputs: Mapping[str, pulumi.Input[Any]]
    """The engine's own stack outputs (names from specs.stack_outputs)."""


def engine_move_target(settings: StackSettings) -> EngineMoveTarget:
    """The service an engine move switches and the CodeDeploy group it waits for: the names
    the service (``FargateService``) and ``BlueGreenDeployment`` are given, the stack's prefix."""
    return EngineMoveTarget(
        region=settings.region,
        profile=settings.aws_profile,
        cluster=settings.prefix,
        service=settings.prefix,
        codedeploy_application=settings.prefix,
        codedeploy_group=settings.prefix,
    )


def _smoke_test_hook(args: ReleaseEngineArgs, deployment: BlueGreenDeployment | None) -> SmokeTestHook:
    """The hook Lambda; under CodeDeploy it reports to the group, under ECS it returns its verdict."""
    settings, network, load_balancer = args.settings, args.network, args.load_balancer
    return SmokeTestHook(
        settings.prefix,
        SmokeTestHookArgs(
            hooks=settings.hooks,
            name_prefix=settings.prefix,
            project_dir=args.project_dir,
            test_url=load_balancer.test_url,
            # With a domain the hook calls https://<name>:<port>, which the certificate matches;
            # with a certificate made elsewhere it calls the ALB's own host name, which it cannot.
            verify_tls=settings.domain.enabled or not settings.https,
            vpc_id=network.vpc_id,
            private_subnet_ids=network.private_subnet_ids,
            nat_public_ips=network.nat_public_ips,
            nat_gateway_count=0 if settings.network.vpc_id else settings.network.nat_gateways,
            alb_security_group_id=load_balancer.security_group_id,
            test_listener_port=settings.load_balancer.test_listener_port,
            log_retention_days=settings.container.log_retention_days,
            partition=args.partition,
            region=settings.region,
            account_id=args.account_id,
            codedeploy_role_name=deployment.role_name if deployment else None,
        ),
        args.opts,
    )


def _fargate_service(args: ReleaseEngineArgs, hook_function_arn: pulumi.Input[str] | None) -> FargateService:
    """The cluster and service; under ECS the service itself runs the hook at its lifecycle stages."""
    settings, network, load_balancer = args.settings, args.network, args.load_balancer
    return FargateService(
        settings.prefix,
        FargateServiceArgs(
            service=settings.service,
            vpc_id=network.vpc_id,
            task_subnet_ids=network.task_subnet_ids,
            assign_public_ip=network.tasks_public,
            task_definition_arn=args.task.arn,
            container_name=settings.container.name,
            container_port=settings.container.port,
            alb_security_group_id=load_balancer.security_group_id,
            alb_arn_suffix=load_balancer.arn_suffix,
            blue_target_group=load_balancer.blue,
            green_target_group=load_balancer.green,
            listeners=load_balancer.listeners,
            name=settings.prefix,
            deployment=settings.deployment,
            partition=args.partition,
            alarm_names=args.alarms.rollback_alarm_names,
            production_rule=load_balancer.production_rule,
            test_rule=load_balancer.test_rule,
            hook_function_arn=hook_function_arn,
            hook_events=settings.hooks.lifecycle_events,
            live_target_groups=load_balancer.live_target_groups,
            engine_move=engine_move_target(settings) if load_balancer.live_target_groups else None,
            listener_arns=[load_balancer.production_listener.arn, load_balancer.test_listener.arn],
        ),
        args.opts,
    )


def _release_target(args: ReleaseEngineArgs, service: FargateService) -> ReleaseTarget:
    """What either engine's release resource needs, from ``settings.release``: built in one place."""
    settings = args.settings
    return ReleaseTarget(
        region=settings.region,
        profile=settings.aws_profile,
        cluster=service.cluster_name,
        service=service.service_name,
        task_definition_arn=args.task.arn,
        timeout_minutes=settings.release.timeout_minutes,
        stop_on_timeout=settings.release.stop_on_timeout,
        poll_seconds=settings.release.poll_seconds,
    )


def _deploy_with_codedeploy(args: ReleaseEngineArgs) -> DeployedRelease:
    """A CODE_DEPLOY service, its deployment group, and a release that starts each deployment."""
    settings, load_balancer, prefix = args.settings, args.load_balancer, args.settings.prefix
    service = _fargate_service(args, None)
    deployment = BlueGreenDeployment(
        prefix,
        BlueGreenDeploymentArgs(
            deployment=settings.deployment,
            name_prefix=prefix,
            cluster_name=service.cluster_name,
            service_name=service.service_name,
            blue_target_group_name=load_balancer.blue.name,
            green_target_group_name=load_balancer.green.name,
            production_listener_arn=load_balancer.production_listener.arn,
            test_listener_arn=load_balancer.test_listener.arn,
            alarm_names=args.alarms.rollback_alarm_names,
            partition=args.partition,
        ),
        args.opts,
    )
    hook_arns: pulumi.Input[dict[str, str]] = {}
    release_after: list[pulumi.Resource] = []  # its inputs already order it after the group and service
    if settings.hooks.enabled:
        hook = _smoke_test_hook(args, deployment)
        hook_arns = hook.hook_arns
        if hook.invoke_permission is not None:
            release_after.append(hook.invoke_permission)
    # When the task definition changes, this releases it through CodeDeploy and waits.
    release = CodeDeployRelease(
        f"{prefix}-release",
        CodeDeployReleaseArgs(
            target=_release_target(args, service),
            application=deployment.application_name,
            deployment_group=deployment.deployment_group_name,
            container_name=settings.container.name,
            container_port=settings.container.port,
            hooks=hook_arns,
        ),
        pulumi.ResourceOptions(parent=deployment, depends_on=release_after),
    )
    container = settings.container
    return DeployedRelease(
        service,
        release.live_task_definition_arn,
        {
            stack_outputs.CODEDEPLOY_APPLICATION: deployment.application_name,
            stack_outputs.CODEDEPLOY_DEPLOYMENT_GROUP: deployment.deployment_group_name,
            stack_outputs.DEPLOYMENT_CONFIG_NAME: deployment.deployment_config_name,
            stack_outputs.LAST_DEPLOYMENT_ID: release.deployment_id,
            # What `python -m release rollback` builds its AppSpec from, as the release does above.
            stack_outputs.RELEASE_APPSPEC: pulumi.Output.from_input(hook_arns).apply(
                lambda hooks: {
                    "containerName": container.name,
                    "containerPort": container.port,
                    "platformVersion": CodeDeployReleaseArgs.platform_version,
                    "hooks": dict(hooks or {}),
                }
            ),
        },
    )


def _deploy_with_ecs(args: ReleaseEngineArgs) -> DeployedRelease:
    """An ECS-controlled service that deploys itself, and a release that waits for each deployment."""
    settings = args.settings
    hook = _smoke_test_hook(args, None) if settings.hooks.enabled else None
    service = _fargate_service(args, hook.function_arn if hook else None)
    # The service update deploys the new revision itself; this waits for that deployment
    # and fails the update when ECS rolls it back.
    release = EcsServiceRelease(
        f"{settings.prefix}-release",
        EcsServiceReleaseArgs(target=_release_target(args, service)),
        pulumi.ResourceOptions(parent=service, depends_on=[service.service]),
    )
    return DeployedRelease(
        service,
        release.live_task_definition_arn,
        {
            stack_outputs.DEPLOYMENT_STRATEGY: settings.deployment.native_plan.strategy,
            stack_outputs.LAST_SERVICE_DEPLOYMENT_ARN: release.service_deployment_arn,
        },
    )


DEPLOY_WITH: dict[Engine, Callable[[ReleaseEngineArgs], DeployedRelease]] = {
    "codedeploy": _deploy_with_codedeploy,
    "ecs": _deploy_with_ecs,
}
"""``deployment.controller`` -> the wiring of that engine's part."""


def deploy_release(args: ReleaseEngineArgs) -> DeployedRelease:
    """Declare the engine's part of the stack (``deployment.controller``) and return what it left."""
    return DEPLOY_WITH[args.settings.deployment.controller](args)
