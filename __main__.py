"""The Pulumi program: one stack of an ECS Fargate service deployed blue/green.

Config is read and validated first (stack_config), so a bad stack fails before any
resource is declared; then the components are wired together, the engine's own part
(``deploy_with_codedeploy`` or ``deploy_with_ecs``, by ``deployment.controller``) is
declared, and the stack's outputs exported under the names of ``specs.stack_outputs``.
Everything else lives in components/ (resources) and specs/ (pure logic).
"""

from collections.abc import Callable
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.alarms import ReleaseAlarms, ReleaseAlarmsArgs
from components.codedeploy import BlueGreenDeployment, BlueGreenDeploymentArgs
from components.edge import (
    AccessLogBucket,
    AccessLogBucketArgs,
    DomainCertificate,
    DomainCertificateArgs,
    WebFirewall,
    WebFirewallArgs,
)
from components.hooks import SmokeTestHook, SmokeTestHookArgs
from components.load_balancer import BlueGreenLoadBalancer, BlueGreenLoadBalancerArgs
from components.network import Network, NetworkArgs
from components.region import look_up_account, look_up_partition, look_up_zone, look_up_zones
from components.registry import Registry, RegistryArgs
from components.release import (
    CodeDeployRelease,
    CodeDeployReleaseArgs,
    EcsServiceRelease,
    EcsServiceReleaseArgs,
    ReleaseTarget,
)
from components.service import FargateService, FargateServiceArgs
from components.task_definition import AppTaskDefinition, AppTaskDefinitionArgs
from specs import stack_outputs
from specs.release_model import Engine
from specs.tags import program_tags
from stack_config.errors import ConfigError
from stack_config.loader import load_settings
from stack_config.pulumi_source import read_raw_config
from stack_config.region_checks import domain_problems, region_problems

settings = load_settings(
    read_raw_config(),
    project=pulumi.get_project(),
    stack=pulumi.get_stack(),
    project_dir=Path(__file__).resolve().parent,
)
prefix = settings.prefix

provider = aws.Provider(
    "aws",
    region=settings.region,
    default_tags={"tags": {**program_tags(settings.app_name, settings.stack), **settings.tags}},
)
aws_opts = pulumi.ResourceOptions(providers=[provider])

# Asked of the provider, then checked, before the first AWS resource is declared.
partition = look_up_partition(provider)
account_id = look_up_account(provider)
zones = [] if settings.network.vpc_id else look_up_zones(provider)
domain = settings.domain
hosted_zone = (
    look_up_zone(provider, zone_id=domain.zone_id, name=domain.zone_name) if domain.enabled else None
)
if problems := [
    *region_problems(settings, zones),
    *domain_problems(settings, hosted_zone.name if hosted_zone else None),
]:
    raise ConfigError(settings.stack, problems)

network = Network(
    prefix,
    NetworkArgs(
        network=settings.network,
        region=settings.region,
        zones=zones,
        account_id=account_id,
        partition=partition,
    ),
    aws_opts,
)

registry = Registry(
    prefix,
    RegistryArgs(
        registry=settings.registry,
        image=settings.image,
        cpu_architecture=settings.task.cpu_architecture,
        protect=settings.deletion_protection,
    ),
    aws_opts,
)

engine = settings.deployment.controller

# A domain brings its own certificate, validated in its hosted zone before any listener uses it.
certificate_arn: pulumi.Input[str] | None = settings.load_balancer.certificate_arn
if domain.name is not None and hosted_zone is not None:
    certificate_arn = DomainCertificate(
        prefix, DomainCertificateArgs(domain_name=domain.name, zone_id=hosted_zone.zone_id), aws_opts
    ).certificate_arn

access_logs = (
    AccessLogBucket(
        prefix,
        AccessLogBucketArgs(
            access_logs=settings.load_balancer.access_logs,
            name_prefix=prefix,
            account_id=account_id,
            region=settings.region,
            partition=partition,
            force_destroy=not settings.deletion_protection,
        ),
        aws_opts,
    )
    if settings.load_balancer.access_logs.enabled
    else None
)

load_balancer = BlueGreenLoadBalancer(
    prefix,
    BlueGreenLoadBalancerArgs(
        load_balancer=settings.load_balancer,
        health_check=settings.health_check,
        vpc_id=network.vpc_id,
        public_subnet_ids=network.public_subnet_ids,
        container_port=settings.container.port,
        deletion_protection=settings.deletion_protection,
        engine=engine,
        https=settings.https,
        certificate_arn=certificate_arn,
        domain_name=domain.name,
        zone_id=hosted_zone.zone_id if hosted_zone else None,
        access_log_bucket=access_logs.bucket_name if access_logs else None,
        access_log_prefix=access_logs.prefix if access_logs else "",
        access_log_ready=access_logs.ready if access_logs else [],
    ),
    aws_opts,
)

if settings.load_balancer.waf.enabled:
    WebFirewall(
        prefix,
        WebFirewallArgs(
            waf=settings.load_balancer.waf, name_prefix=prefix, load_balancer_arn=load_balancer.arn
        ),
        aws_opts,
    )

task = AppTaskDefinition(
    prefix,
    AppTaskDefinitionArgs(
        family=f"{prefix}-task",
        log_group_name=f"/ecs/{prefix}",
        task=settings.task,
        container=settings.container,
        image=settings.image,
        image_ref=registry.image_ref,
        repository_arn=registry.repository_arn,
        region=settings.region,
        keep_logs=settings.deletion_protection,
        execute_command=settings.service.enable_execute_command,
    ),
    aws_opts,
)

# The cluster and the service carry the prefix as their name, so the alarms (which name
# them) exist before the service, whose ECS engine rolls back on them.
alarms = ReleaseAlarms(
    prefix,
    ReleaseAlarmsArgs(
        alarms=settings.alarms,
        name_prefix=prefix,
        cluster_name=prefix,
        service_name=prefix,
        alb_arn_suffix=load_balancer.arn_suffix,
        blue_target_group_arn_suffix=load_balancer.blue.arn_suffix,
        green_target_group_arn_suffix=load_balancer.green.arn_suffix,
    ),
    aws_opts,
)


def smoke_test_hook(deployment: BlueGreenDeployment | None) -> SmokeTestHook:
    """The hook Lambda; under CodeDeploy it reports to the group, under ECS it returns its verdict."""
    return SmokeTestHook(
        prefix,
        SmokeTestHookArgs(
            hooks=settings.hooks,
            name_prefix=prefix,
            project_dir=Path(__file__).resolve().parent,
            test_url=load_balancer.test_url,
            # With a domain the hook calls https://<name>:<port>, which the certificate matches;
            # with a certificate made elsewhere it calls the ALB's own host name, which it cannot.
            verify_tls=domain.enabled or not settings.https,
            vpc_id=network.vpc_id,
            private_subnet_ids=network.private_subnet_ids,
            nat_public_ips=network.nat_public_ips,
            nat_gateway_count=0 if settings.network.vpc_id else settings.network.nat_gateways,
            alb_security_group_id=load_balancer.security_group_id,
            test_listener_port=settings.load_balancer.test_listener_port,
            log_retention_days=settings.container.log_retention_days,
            partition=partition,
            region=settings.region,
            account_id=account_id,
            codedeploy_role_name=deployment.role_name if deployment else None,
        ),
        aws_opts,
    )


def fargate_service(hook_function_arn: pulumi.Input[str] | None) -> FargateService:
    """The cluster and service; under ECS the service itself runs the hook at its lifecycle stages."""
    return FargateService(
        prefix,
        FargateServiceArgs(
            service=settings.service,
            vpc_id=network.vpc_id,
            private_subnet_ids=network.private_subnet_ids,
            task_definition_arn=task.arn,
            container_name=settings.container.name,
            container_port=settings.container.port,
            alb_security_group_id=load_balancer.security_group_id,
            alb_arn_suffix=load_balancer.arn_suffix,
            blue_target_group=load_balancer.blue,
            green_target_group=load_balancer.green,
            listeners=load_balancer.listeners,
            name=prefix,
            deployment=settings.deployment,
            partition=partition,
            alarm_names=alarms.rollback_alarm_names,
            production_rule=load_balancer.production_rule,
            test_rule=load_balancer.test_rule,
            hook_function_arn=hook_function_arn,
            hook_events=settings.hooks.lifecycle_events,
        ),
        aws_opts,
    )


def release_target(service: FargateService) -> ReleaseTarget:
    """What either engine's release resource needs, from ``settings.release``: built in one place."""
    return ReleaseTarget(
        region=settings.region,
        profile=settings.aws_profile,
        cluster=service.cluster_name,
        service=service.service_name,
        task_definition_arn=task.arn,
        timeout_minutes=settings.release.timeout_minutes,
        stop_on_timeout=settings.release.stop_on_timeout,
        poll_seconds=settings.release.poll_seconds,
    )


Deployed = tuple[FargateService, pulumi.Output[str]]
"""The service, and the task definition ARN the release left live."""


def deploy_with_codedeploy() -> Deployed:
    """A CODE_DEPLOY service, its deployment group, and a release that starts each deployment."""
    service = fargate_service(None)
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
            alarm_names=alarms.rollback_alarm_names,
            partition=partition,
        ),
        aws_opts,
    )
    hook_arns: pulumi.Input[dict[str, str]] = {}
    release_after: list[pulumi.Resource] = []  # its inputs already order it after the group and service
    if settings.hooks.enabled:
        hook = smoke_test_hook(deployment)
        hook_arns = hook.hook_arns
        if hook.invoke_permission is not None:
            release_after.append(hook.invoke_permission)
    # When the task definition changes, this releases it through CodeDeploy and waits.
    release = CodeDeployRelease(
        f"{prefix}-release",
        CodeDeployReleaseArgs(
            target=release_target(service),
            application=deployment.application_name,
            deployment_group=deployment.deployment_group_name,
            container_name=settings.container.name,
            container_port=settings.container.port,
            hooks=hook_arns,
        ),
        pulumi.ResourceOptions(parent=deployment, depends_on=release_after),
    )
    pulumi.export(stack_outputs.CODEDEPLOY_APPLICATION, deployment.application_name)
    pulumi.export(stack_outputs.CODEDEPLOY_DEPLOYMENT_GROUP, deployment.deployment_group_name)
    pulumi.export(stack_outputs.DEPLOYMENT_CONFIG_NAME, deployment.deployment_config_name)
    pulumi.export(stack_outputs.LAST_DEPLOYMENT_ID, release.deployment_id)
    # What `python -m release rollback` builds its AppSpec from, as the release does above.
    pulumi.export(
        stack_outputs.RELEASE_APPSPEC,
        pulumi.Output.from_input(hook_arns).apply(
            lambda hooks: {
                "containerName": settings.container.name,
                "containerPort": settings.container.port,
                "platformVersion": CodeDeployReleaseArgs.platform_version,
                "hooks": dict(hooks or {}),
            }
        ),
    )
    return service, release.live_task_definition_arn


def deploy_with_ecs() -> Deployed:
    """An ECS-controlled service that deploys itself, and a release that waits for each deployment."""
    hook = smoke_test_hook(None) if settings.hooks.enabled else None
    service = fargate_service(hook.function_arn if hook else None)
    # The service update deploys the new revision itself; this waits for that deployment
    # and fails the update when ECS rolls it back.
    release = EcsServiceRelease(
        f"{prefix}-release",
        EcsServiceReleaseArgs(target=release_target(service)),
        pulumi.ResourceOptions(parent=service, depends_on=[service.service]),
    )
    pulumi.export(stack_outputs.DEPLOYMENT_STRATEGY, settings.deployment.native_plan.strategy)
    pulumi.export(stack_outputs.LAST_SERVICE_DEPLOYMENT_ARN, release.service_deployment_arn)
    return service, release.live_task_definition_arn


DEPLOY_WITH: dict[Engine, Callable[[], Deployed]] = {
    "codedeploy": deploy_with_codedeploy,
    "ecs": deploy_with_ecs,
}
service, live_task_definition_arn = DEPLOY_WITH[engine]()

pulumi.export(stack_outputs.DEPLOYMENT_CONTROLLER, engine)
pulumi.export(stack_outputs.SERVICE_URL, load_balancer.production_url)
pulumi.export(stack_outputs.TEST_URL, load_balancer.test_url)
pulumi.export(stack_outputs.REPOSITORY_URL, registry.repository_url)
pulumi.export(stack_outputs.IMAGE_REF, registry.image_ref)
pulumi.export(stack_outputs.CLUSTER_NAME, service.cluster_name)
pulumi.export(stack_outputs.SERVICE_NAME, service.service_name)
pulumi.export(stack_outputs.TASK_DEFINITION_ARN, task.arn)
pulumi.export(stack_outputs.TASK_DEFINITION_FAMILY, task.family)
pulumi.export(stack_outputs.LOG_GROUP_NAME, task.log_group_name)
pulumi.export(stack_outputs.ALARM_TOPIC_ARN, alarms.topic_arn)
pulumi.export(stack_outputs.REGION, settings.region)
pulumi.export(stack_outputs.LIVE_TASK_DEFINITION_ARN, live_task_definition_arn)
