"""The AppSpec CodeDeploy needs to deploy a task definition revision to an ECS service.

Format: CodeDeploy user guide, "AppSpec file structure for Amazon ECS deployments". Hooks
run in the order of ``specs.release_model.ECS_HOOKS``; each names a Lambda function that
must report back with ``PutLifecycleEventHookExecutionStatus``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from specs.release_model import ECS_HOOKS


def ecs_appspec(
    *,
    task_definition_arn: str,
    container_name: str,
    container_port: int,
    platform_version: str = "LATEST",
    hooks: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The AppSpec document; ``hooks`` maps ECS hook names to Lambda function ARNs."""
    unknown = sorted(set(hooks or {}) - set(ECS_HOOKS))
    if unknown:
        raise ValueError(f"hooks: {', '.join(unknown)} not ECS hooks; allowed: {', '.join(ECS_HOOKS)}")
    document: dict[str, Any] = {
        "version": 0.0,
        "Resources": [
            {
                "TargetService": {
                    "Type": "AWS::ECS::Service",
                    "Properties": {
                        "TaskDefinition": task_definition_arn,
                        "LoadBalancerInfo": {
                            "ContainerName": container_name,
                            "ContainerPort": container_port,
                        },
                        "PlatformVersion": platform_version,
                    },
                }
            }
        ],
    }
    if hooks:
        document["Hooks"] = [{name: hooks[name]} for name in ECS_HOOKS if name in hooks]
    return document


APPSPEC_SETTINGS = ("containerName", "containerPort", "platformVersion", "hooks")
"""The keys of appspec_settings (and of the stack output releaseAppSpec)."""


def appspec_settings(content: str) -> dict[str, Any] | None:
    """What an ECS AppSpec holds besides its task definition, under the keys of
    APPSPEC_SETTINGS (hooks: name -> Lambda ARN); None if the text is not an ECS AppSpec."""
    try:
        document = json.loads(content)
        properties = document["Resources"][0]["TargetService"]["Properties"]
        balancer = properties["LoadBalancerInfo"]
        hooks: dict[str, str] = {}
        for entry in document.get("Hooks") or []:
            hooks.update({str(name): str(arn) for name, arn in entry.items()})
        return {
            "containerName": str(balancer["ContainerName"]),
            "containerPort": int(balancer["ContainerPort"]),
            "platformVersion": str(properties.get("PlatformVersion") or "LATEST"),
            "hooks": hooks,
        }
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None


def appspec_content(**kwargs: Any) -> str:
    """The AppSpec as the JSON text CodeDeploy's ``AppSpecContent`` revision carries."""
    return json.dumps(ecs_appspec(**kwargs))


def task_definition_of(content: str) -> str | None:
    """The task definition an AppSpec deploys, or None if the text is not an ECS AppSpec."""
    try:
        document = json.loads(content)
        return str(document["Resources"][0]["TargetService"]["Properties"]["TaskDefinition"])
    except (ValueError, KeyError, IndexError, TypeError):
        return None
