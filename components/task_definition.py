"""AppTaskDefinition: the Fargate task definition, its roles and its log group.

Creates a log group with retention, an execution role that may pull only this image's
repository (and the sidecars' private ones), write only this log group and read only the named
secrets, a task role for the app (empty unless ECS Exec or a sidecar shortcut needs rights:
specs/sidecars.py), and the task definition itself: the app's container first, then its
sidecars. Every change registers a new revision and the old ones stay registered
(``skip_destroy``) so a rollback can return to them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from specs.container_definition import container_definition, scratch_volumes
from specs.iam import assume_role_policy, ecr_repository_arn_from_uri, ecs_exec_policy, execution_role_policy
from specs.sidecars import execution_secret_arns, image_of, sidecar_definition, task_role_policy
from stack_config.model import ContainerSettings, ImageSettings, TaskSettings


@dataclass
class AppTaskDefinitionArgs:
    family: str
    log_group_name: str
    task: TaskSettings
    container: ContainerSettings
    image: ImageSettings
    image_ref: pulumi.Input[str]
    repository_arn: pulumi.Input[str]
    region: str
    keep_logs: bool
    """Keep the log group when the stack is destroyed (prod)."""
    execute_command: bool = False
    """ECS Exec is on (service.enableExecuteCommand): the task role may open its SSM channels."""
    sidecar_images: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Sidecar name -> the digest reference of its image built by the registry (``build``)."""
    metrics_namespace: str = ""
    """CloudWatch namespace of the OpenTelemetry collector's metrics (the stack's prefix)."""


class AppTaskDefinition(pulumi.ComponentResource):
    arn: pulumi.Output[str]
    family: pulumi.Output[str]
    log_group_name: pulumi.Output[str]

    def __init__(self, name: str, args: AppTaskDefinitionArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("bluegreen:ecs:AppTaskDefinition", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=args.log_group_name,
            retention_in_days=args.container.log_retention_days,
            skip_destroy=args.keep_logs,
            opts=child,
        )

        sidecars = args.container.sidecars
        repository_arns: list[pulumi.Input[str]] = [args.repository_arn]
        pinned = [args.image.uri, *(s.image for s in sidecars)]
        repository_arns += [arn for uri in pinned if uri and (arn := ecr_repository_arn_from_uri(uri))]
        self.execution_role = aws.iam.Role(
            f"{name}-execution",
            assume_role_policy=json.dumps(assume_role_policy("ecs-tasks.amazonaws.com")),
            description="ECS task execution: pull the image, write logs, read the task's secrets",
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-execution",
            role=self.execution_role.id,
            policy=pulumi.Output.all(repos=repository_arns, log_group=self.log_group.arn).apply(
                lambda v: json.dumps(
                    execution_role_policy(
                        repository_arns=v["repos"],
                        log_group_arn=v["log_group"],
                        secret_arns=[*args.container.secrets.values(), *execution_secret_arns(sidecars)],
                    )
                )
            ),
            opts=child,
        )
        self.task_role = aws.iam.Role(
            f"{name}-task",
            assume_role_policy=json.dumps(assume_role_policy("ecs-tasks.amazonaws.com")),
            description="The app's own AWS permissions (none by default) and its sidecars'",
            opts=child,
        )
        if task_role_policy(sidecars, log_group_arn="") is not None:
            aws.iam.RolePolicy(
                f"{name}-sidecars",
                role=self.task_role.id,
                policy=self.log_group.arn.apply(
                    lambda arn: json.dumps(task_role_policy(sidecars, log_group_arn=arn))
                ),
                opts=child,
            )
        if args.execute_command:
            aws.iam.RolePolicy(
                f"{name}-exec",
                role=self.task_role.id,
                policy=json.dumps(ecs_exec_policy()),
                opts=child,
            )

        definitions = pulumi.Output.all(
            image=args.image_ref, log_group=self.log_group.name, built=dict(args.sidecar_images)
        ).apply(
            lambda v: json.dumps(
                [
                    container_definition(
                        args.container,
                        args.task,
                        image_ref=v["image"],
                        version=args.image.version,
                        log_group_name=v["log_group"],
                        region=args.region,
                    ),
                    *(
                        sidecar_definition(
                            sidecar,
                            sidecars,
                            image=image_of(sidecar, v["built"]),
                            log_group_name=v["log_group"],
                            region=args.region,
                            namespace=args.metrics_namespace,
                        )
                        for sidecar in sidecars
                    ),
                ]
            )
        )
        self.task_definition = aws.ecs.TaskDefinition(
            f"{name}-task",
            family=args.family,
            cpu=str(args.task.cpu),
            memory=str(args.task.memory),
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            runtime_platform={
                "operating_system_family": "LINUX",
                "cpu_architecture": args.task.cpu_architecture,
            },
            execution_role_arn=self.execution_role.arn,
            task_role_arn=self.task_role.arn,
            container_definitions=definitions,
            # Empty, writable task storage behind container.scratchPaths (the root FS is read-only).
            volumes=[
                aws.ecs.TaskDefinitionVolumeArgs(name=v["name"]) for v in scratch_volumes(args.container)
            ],
            # Keep every earlier revision registered: CodeDeploy and manual rollbacks point at them.
            skip_destroy=True,
            opts=child,
        )

        self.arn = self.task_definition.arn
        self.family = self.task_definition.family
        self.log_group_name = self.log_group.name
        self.register_outputs({"arn": self.arn, "family": self.family, "log_group_name": self.log_group_name})
