"""The task's container definition, built from settings and the resolved image reference."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from specs.scratch import scratch_volume_name
from specs.sidecars import (
    HealthCheckLike,
    SidecarLike,
    app_depends_on,
    app_environment,
    app_share,
    log_configuration,
    sidecar_volumes,
)

# What this module reads of the settings (stack_config.model's ContainerSettings and
# TaskSettings fit): specs stays free of stack_config, which itself builds on specs.


class ContainerLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def environment(self) -> Mapping[str, str]: ...
    @property
    def secrets(self) -> Mapping[str, str]: ...
    @property
    def health_check(self) -> HealthCheckLike: ...
    @property
    def readonly_root_filesystem(self) -> bool: ...
    @property
    def scratch_paths(self) -> Sequence[str]: ...
    @property
    def sidecars(self) -> Sequence[SidecarLike]: ...


class TaskLike(Protocol):
    @property
    def cpu(self) -> int: ...
    @property
    def memory(self) -> int: ...
    @property
    def stop_timeout_seconds(self) -> int: ...


# The bundled app (app/server/healthcheck.py) checks itself with the Python standard library,
# so the image needs no curl: a curl-based check fails in slim images that lack it.
DEFAULT_HEALTH_COMMAND = ["CMD", "python", "-m", "server.healthcheck"]

# Seconds kept between the app's own drain deadline and ECS's SIGKILL at stopTimeout.
_SHUTDOWN_MARGIN_SECONDS = 3


def shutdown_timeout_seconds(stop_timeout_seconds: int) -> int:
    """How long the app may drain in-flight requests after SIGTERM, ending before SIGKILL."""
    return max(1, stop_timeout_seconds - _SHUTDOWN_MARGIN_SECONDS)


def scratch_volumes(container: ContainerLike) -> list[dict[str, str]]:
    """The task-level volumes (Fargate task storage, empty at start) the app and its sidecars write to."""
    return [{"name": scratch_volume_name(path)} for path in container.scratch_paths] + sidecar_volumes(
        container.sidecars
    )


def _name_value_pairs(values: Mapping[str, str], value_key: str) -> list[dict[str, str]]:
    """Sorted by name, so reordering config does not register a new task definition revision."""
    return [{"name": name, value_key: values[name]} for name in sorted(values)]


def container_definition(
    container: ContainerLike,
    task: TaskLike,
    *,
    image_ref: str,
    version: str,
    log_group_name: str,
    region: str,
) -> dict[str, Any]:
    """The app's ECS container definition (the first element of ``containerDefinitions``)."""
    sidecars = container.sidecars
    environment = {
        **container.environment,
        **app_environment(sidecars),
        "PORT": str(container.port),
        "APP_VERSION": version,
        "IMAGE_REF": image_ref,
        "SHUTDOWN_TIMEOUT_SECONDS": str(shutdown_timeout_seconds(task.stop_timeout_seconds)),
    }
    definition: dict[str, Any] = {
        "name": container.name,
        "image": image_ref,
        "essential": True,
        "portMappings": [
            {
                "containerPort": container.port,
                "hostPort": container.port,
                "protocol": "tcp",
                "appProtocol": "http",
                "name": f"{container.name}-{container.port}",
            }
        ],
        "environment": _name_value_pairs(environment, "value"),
        # awslogs into the stack's log group, or awsfirelens with a log router sidecar.
        "logConfiguration": log_configuration(
            sidecars,
            name=container.name,
            logging="firelens",
            log_group_name=log_group_name,
            region=region,
        ),
        "stopTimeout": task.stop_timeout_seconds,
        # ECS.5: the image's files cannot be changed at run time; the app writes only to the
        # scratch volumes mounted below (``container.scratchPaths``, /tmp by default).
        "readonlyRootFilesystem": container.readonly_root_filesystem,
        "mountPoints": [
            {"sourceVolume": scratch_volume_name(path), "containerPath": path, "readOnly": False}
            for path in container.scratch_paths
        ],
    }
    if sidecars:
        # Every container counted: the app reserves what the sidecars leave of the task's size.
        definition["cpu"], definition["memoryReservation"] = app_share(
            sidecars, task_cpu=task.cpu, task_memory=task.memory
        )
        if waits := app_depends_on(sidecars):
            definition["dependsOn"] = waits
    if container.secrets:
        definition["secrets"] = _name_value_pairs(container.secrets, "valueFrom")
    check = container.health_check
    command = DEFAULT_HEALTH_COMMAND if check.command is None else list(check.command)
    if command:  # [] disables the container check; the target group check still applies
        definition["healthCheck"] = {
            "command": command,
            "interval": check.interval_seconds,
            "timeout": check.timeout_seconds,
            "retries": check.retries,
            "startPeriod": check.start_period_seconds,
        }
    return definition
