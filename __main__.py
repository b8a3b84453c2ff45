"""The Pulumi program: one stack of an ECS Fargate service deployed blue/green.

Config is read and validated first (stack_config), so a bad stack fails before any
resource is declared; then the components are wired together, the engine's own part
(service, hook and release, by ``deployment.controller``: components/release_engine.py) is
declared, and the stack's outputs exported under the names of ``specs.stack_outputs``.
Everything else lives in components/ (resources) and specs/ (pure logic).
"""

from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.alarms import ReleaseAlarms, ReleaseAlarmsArgs
from components.edge import (
    AccessLogBucket,
    AccessLogBucketArgs,
    DomainCertificate,
    DomainCertificateArgs,
    WebFirewall,
    WebFirewallArgs,
)
from components.load_balancer import BlueGreenLoadBalancer, BlueGreenLoadBalancerArgs
from components.network import Network, NetworkArgs
from components.region import look_up_account, look_up_partition, look_up_zone, look_up_zones
from components.registry import Registry, RegistryArgs
from components.release_engine import ReleaseEngineArgs, deploy_release, engine_move_target
from components.task_definition import AppTaskDefinition, AppTaskDefinitionArgs
from specs import stack_outputs
from specs.tags import program_tags
from stack_config.errors import ConfigError
from stack_config.loader import load_settings
from stack_config.pulumi_source import read_raw_config
from stack_config.region_checks import domain_problems, region_problems

project_dir = Path(__file__).resolve().parent
settings = load_settings(
    read_raw_config(),
    project=pulumi.get_project(),
    stack=pulumi.get_stack(),
    project_dir=project_dir,
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
        sidecar_builds={s.name: s.build for s in settings.container.sidecars if s.name and s.build},
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
        engine_move=engine_move_target(settings) if engine == "ecs" else None,
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
        sidecar_images=registry.sidecar_image_refs,
        metrics_namespace=prefix,
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


# The engine's own part: the service, the hook and the release resource (components/release_engine.py).
release = deploy_release(
    ReleaseEngineArgs(
        settings=settings,
        project_dir=project_dir,
        partition=partition,
        account_id=account_id,
        network=network,
        load_balancer=load_balancer,
        task=task,
        alarms=alarms,
        opts=aws_opts,
    )
)
for output_name, value in release.outputs.items():
    pulumi.export(output_name, value)

pulumi.export(stack_outputs.DEPLOYMENT_CONTROLLER, engine)
pulumi.export(stack_outputs.SERVICE_URL, load_balancer.production_url)
pulumi.export(stack_outputs.TEST_URL, load_balancer.test_url)
pulumi.export(stack_outputs.REPOSITORY_URL, registry.repository_url)
pulumi.export(stack_outputs.IMAGE_REF, registry.image_ref)
pulumi.export(stack_outputs.CLUSTER_NAME, release.service.cluster_name)
pulumi.export(stack_outputs.SERVICE_NAME, release.service.service_name)
pulumi.export(stack_outputs.TASK_DEFINITION_ARN, task.arn)
pulumi.export(stack_outputs.TASK_DEFINITION_FAMILY, task.family)
pulumi.export(stack_outputs.LOG_GROUP_NAME, task.log_group_name)
pulumi.export(stack_outputs.ALARM_TOPIC_ARN, alarms.topic_arn)
pulumi.export(stack_outputs.REGION, settings.region)
pulumi.export(stack_outputs.LIVE_TASK_DEFINITION_ARN, release.live_task_definition_arn)
