"""LiveTargetGroups and EcsEngineMove: the two dynamic resources that let a live CodeDeploy stack
switch to the ECS engine in place (work in release/ecs/engine_move.py, steps in
specs/engine_move.py).

Both exist in every ECS-engine stack, so a stack moved from CodeDeploy declares the same
resources as one created on ECS; on a new stack they only record blue as live and that there
was nothing to move. ``LiveTargetGroups`` comes before the listener rules (which forward to
its ``live_arn``), ``EcsEngineMove`` after the rules and the infrastructure role and before the
service (which depends on it), so the provider never updates a service that is still on the
CodeDeploy controller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.dynamic

from components.release import ReleaseProvider, _project_root

OPS_MODULE = "release.ecs.engine_move"


@dataclass(frozen=True)
class EngineMoveTarget:
    """The service a move switches, and the CodeDeploy group whose deployments must have ended."""

    region: str
    profile: str | None
    cluster: str
    service: str
    codedeploy_application: str
    codedeploy_group: str

    def props(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "profile": self.profile,
            "cluster": self.cluster,
            "service": self.service,
            "codedeploy_application": self.codedeploy_application,
            "codedeploy_group": self.codedeploy_group,
        }


class LiveTargetGroups(pulumi.dynamic.Resource, module="ecs", name="LiveTargetGroups"):
    """Which target group production forwards to when the ECS engine takes over (blue on a new
    stack); refuses while a CodeDeploy deployment is in progress."""

    live_arn: pulumi.Output[str]
    idle_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        target: EngineMoveTarget,
        production_listener_arn: pulumi.Input[str],
        blue_arn: pulumi.Input[str],
        green_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            ReleaseProvider(_project_root(), OPS_MODULE),
            name,
            {
                **target.props(),
                "kind": "live-target-groups",
                "production_listener_arn": production_listener_arn,
                "blue_arn": blue_arn,
                "green_arn": green_arn,
                "live_arn": None,
                "idle_arn": None,
            },
            opts,
        )


@dataclass
class EcsEngineMoveArgs:
    target: EngineMoveTarget
    live: LiveTargetGroups
    production_listener_arn: pulumi.Input[str]
    listener_arns: Sequence[pulumi.Input[str]]
    production_rule_arn: pulumi.Input[str]
    test_rule_arn: pulumi.Input[str]
    role_arn: pulumi.Input[str]
    container_name: str
    container_port: int
    deployment_configuration: pulumi.Input[dict[str, Any]]
    """What UpdateService takes (``specs.engine_move.api_deployment_configuration``)."""
    blue_arn: pulumi.Input[str]
    green_arn: pulumi.Input[str]


class EcsEngineMove(pulumi.dynamic.Resource, module="ecs", name="EngineMove"):
    """Switches a CODE_DEPLOY service to the ECS controller in place (UpdateService); records
    nothing to do on a service already on ECS or not yet created."""

    moved_from: pulumi.Output[str]

    def __init__(
        self, name: str, args: EcsEngineMoveArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(
            ReleaseProvider(_project_root(), OPS_MODULE),
            name,
            {
                **args.target.props(),
                "kind": "engine-move",
                "production_listener_arn": args.production_listener_arn,
                "blue_arn": args.blue_arn,
                "green_arn": args.green_arn,
                "live_arn": args.live.live_arn,
                "idle_arn": args.live.idle_arn,
                "listener_arns": list(args.listener_arns),
                "production_rule_arn": args.production_rule_arn,
                "test_rule_arn": args.test_rule_arn,
                "role_arn": args.role_arn,
                "container_name": args.container_name,
                "container_port": args.container_port,
                "deployment_configuration": args.deployment_configuration,
                "moved_from": None,
            },
            opts,
        )
