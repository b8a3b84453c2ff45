"""Where a task's app runs: a process of this machine (default) or a container (``--runtime docker``).

``docker`` builds each colour's image from its build context and the stack's Dockerfile, then
runs every task's app as ``docker run`` of it with the task definition's settings
(``rehearse.containers.run_argv``). The faults of the scenarios run on this machine either
way, in front of the app's port as for processes.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from rehearse import containers
from rehearse.records import Colour
from rehearse.scenarios import task_environment
from rehearse.settings import ContainerSettings
from rehearse.tasks import ProcessSpec


@dataclass(frozen=True)
class DockerRuntime:
    """Docker, each colour's image, and the id that labels this rehearsal's containers."""

    docker: str
    images: Mapping[Colour, str]
    run_id: str

    def cleanup(self) -> None:
        """Remove any container of this rehearsal still there."""
        containers.remove_labelled(self.docker, self.run_id)


def docker_runtime(contexts: Mapping[Colour, Path], dockerfile: str) -> DockerRuntime:
    """Check Docker and build blue's and green's images; DockerError (one line) when it cannot."""
    docker = containers.docker_binary()
    containers.check_daemon(docker)
    images: dict[Colour, str] = {}
    for colour, context in contexts.items():
        tag = f"{containers.IMAGE_REPOSITORY}:{colour}"
        images[colour] = containers.build_image(docker, context, dockerfile, tag)
    return DockerRuntime(docker, images, secrets.token_hex(4))


@dataclass(frozen=True)
class DockerApps:
    """The app of each task as a container of its colour's image (a ``scenarios.AppRunner``)."""

    runtime: DockerRuntime
    container: ContainerSettings
    to_rehearsal: Callable[[float], float]

    def __call__(
        self,
        colour: Colour,
        index: int,
        app_dir: Path,
        command: tuple[str, ...],
        container_env: Mapping[str, str],
        port: int,
    ) -> ProcessSpec:
        name = containers.container_name(self.runtime.run_id, f"{colour}-{index + 1}")
        argv = containers.run_argv(
            self.container,
            docker=self.runtime.docker,
            image=self.runtime.images[colour],
            name=name,
            run_id=self.runtime.run_id,
            port=port,
            environment=container_env,
            to_rehearsal=self.to_rehearsal,
        )
        # The docker client's own environment (DOCKER_HOST ...); the container gets only --env.
        client_env = task_environment(dict(os.environ), {}, port)
        return ProcessSpec(argv, app_dir, client_env, "app", container=name, docker=self.runtime.docker)
