"""Releases during `pulumi up`: CodeDeployRelease and EcsServiceRelease.

CodeDeployRelease releases a new task definition revision through CodeDeploy.

A service with the CODE_DEPLOY controller cannot take a new task definition through ECS,
and no Pulumi resource starts a CodeDeploy deployment (pulumi-aws issue 3821). This
dynamic resource does: when its task definition ARN (or anything else in the AppSpec)
changes, it creates a deployment, streams status, lifecycle events and the traffic split
into the Pulumi log, and waits. Success records the deployment id and the live revision;
failure, rollback, stop or timeout fails the update and keeps the previous state, so the
next `pulumi up` retries. On first creation nothing is deployed: the service was just
created on that revision.

EcsServiceRelease serves the ECS engine, where `pulumi up` itself updates the service's
task definition and ECS deploys it: it waits for that service deployment and fails the
update, naming the deployment and the reason, when ECS rolls it back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.dynamic

from release.ecs.wait_for_start import START_WAIT_SECONDS


class ReleaseProvider(pulumi.dynamic.ResourceProvider):
    """Thin shim: the work lives in release/codedeploy/provider.py (release/ecs/provider.py).

    Pulumi pickles this provider into the state with dill and the dynamic provider host
    unpickles it in another process. Declaring the class in ``__main__`` makes dill copy it
    by value (pulumi/pulumi#7453); its methods import project modules only at call time,
    after putting the project directory on ``sys.path``.
    """

    serialize_as_secret_always = False

    def __init__(self, project_root: str, ops_module: str = "release.codedeploy.provider") -> None:
        super().__init__()
        self.project_root = project_root
        self.ops_module = ops_module

    def _ops(self) -> Any:
        import importlib as _importlib
        import os as _os
        import sys as _sys

        root = self.project_root if _os.path.isdir(self.project_root) else _os.getcwd()
        if root not in _sys.path:
            _sys.path.insert(0, root)
        return _importlib.import_module(self.ops_module)

    def _log(self) -> Any:
        from release.core.engine_log import engine_logger

        return engine_logger("release: ")

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> Any:
        return self._ops().diff(olds, news)

    def create(self, props: dict[str, Any]) -> Any:
        ops = self._ops()
        return ops.create(props, ops.default_clients, self._log())

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> Any:
        ops = self._ops()
        return ops.update(olds, news, ops.default_clients, self._log())

    def read(self, id_: str, props: dict[str, Any]) -> Any:
        """`pulumi refresh`: the revision that really serves, as live_task_definition_arn."""
        ops = self._ops()
        return ops.read(id_, props, ops.default_clients)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to delete: deployments are history, and the service goes with the stack."""


def _pickle_by_value(cls: type) -> None:
    """Make dill copy the class and its methods instead of importing them by module path."""
    cls.__module__ = "__main__"
    for member in vars(cls).values():
        if callable(member) and hasattr(member, "__module__"):
            member.__module__ = "__main__"


_pickle_by_value(ReleaseProvider)


@dataclass(frozen=True)
class ReleaseTarget:
    """What both release resources take: the service a release goes to and how long to wait.

    Built once from ``settings.release`` (``__main__.release_target``), so the two engines
    cannot drift apart in how they wait.
    """

    region: str
    profile: str | None
    """The AWS profile from `aws:profile`, so boto3 uses the same credentials as the provider."""
    cluster: pulumi.Input[str]
    service: pulumi.Input[str]
    task_definition_arn: pulumi.Input[str]
    timeout_minutes: int
    stop_on_timeout: bool
    poll_seconds: int = 15

    def props(self) -> dict[str, Any]:
        """The dynamic resource's inputs for these settings."""
        return {
            "region": self.region,
            "profile": self.profile,
            "cluster": self.cluster,
            "service": self.service,
            "task_definition_arn": self.task_definition_arn,
            "timeout_minutes": self.timeout_minutes,
            "poll_seconds": self.poll_seconds,
            "stop_on_timeout": self.stop_on_timeout,
        }


@dataclass
class CodeDeployReleaseArgs:
    target: ReleaseTarget
    application: pulumi.Input[str]
    deployment_group: pulumi.Input[str]
    container_name: str
    container_port: int
    hooks: pulumi.Input[dict[str, str]]
    """ECS hook name -> Lambda function ARN."""
    platform_version: str = "LATEST"


class CodeDeployRelease(pulumi.dynamic.Resource, module="codedeploy", name="Release"):
    deployment_id: pulumi.Output[str]
    live_task_definition_arn: pulumi.Output[str]

    def __init__(self, name: str, args: CodeDeployReleaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(
            ReleaseProvider(_project_root()),
            name,
            {
                **args.target.props(),
                "application": args.application,
                "deployment_group": args.deployment_group,
                "container_name": args.container_name,
                "container_port": args.container_port,
                "platform_version": args.platform_version,
                "hooks": args.hooks,
                "deployment_id": None,
                "live_task_definition_arn": None,
            },
            opts,
        )


def _project_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass
class EcsServiceReleaseArgs:
    target: ReleaseTarget
    wait_seconds_for_start: int = START_WAIT_SECONDS
    """How long the ECS deployment of a new revision may take to appear after the update."""


class EcsServiceRelease(pulumi.dynamic.Resource, module="ecs", name="ServiceRelease"):
    service_deployment_arn: pulumi.Output[str]
    live_task_definition_arn: pulumi.Output[str]

    def __init__(self, name: str, args: EcsServiceReleaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(
            ReleaseProvider(_project_root(), "release.ecs.provider"),
            name,
            {
                **args.target.props(),
                "wait_seconds_for_start": args.wait_seconds_for_start,
                "service_deployment_arn": None,
                "live_task_definition_arn": None,
            },
            opts,
        )
