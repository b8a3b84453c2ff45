"""Blue and green as containers (``--runtime docker``): the stack's image, run as its task definition says.

A process (the default runtime) runs the app's code with the host's files and permissions; a
container runs the image built from the stack's Dockerfile with the task definition's settings:
a read-only root filesystem with its scratch paths as tmpfs, the container's user, its health
check command, its stop timeout and memory limit. That catches what a process cannot: an app
that writes outside its scratch paths, or a health check command the image does not have.

Every container uses the host's network (``--network host``), each task on its own loopback
port through ``PORT``. The app binds every address; ``rehearse/launch.py``, mounted read-only
into the container, keeps that bind on 127.0.0.1 as it does for processes, so nothing listens
beyond loopback and no request goes to Docker's bridge. The image's ``HEALTHCHECK`` is replaced
by the task definition's (or turned off when it declares none), as ECS does.

``run_argv`` is pure: the ``docker run`` command line from the settings, tested flag by flag.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the settings' module runs the program: imported for its types only
    from rehearse.settings import ContainerSettings

RUNTIMES = ("process", "docker")
LAUNCHER = Path(__file__).resolve().parent / "launch.py"
"""Mounted into each container: the app's binds kept on loopback (see ``rehearse.launch``)."""
LAUNCHER_DIR = "/opt/rehearse"
LAUNCHER_MODULE = "rehearse_launch"
LABEL = "bluegreen.rehearsal"
"""Every container a rehearsal starts carries this label, its value the rehearsal's id."""
IMAGE_REPOSITORY = "bluegreen-rehearsal"
PROBE_SECONDS = 3.0
"""A health probe starts an interpreter in the container: its timeout is compressed no lower
than this (or the declared timeout, if shorter), as latencies are not compressed."""
MIN_INTERVAL_SECONDS = 0.2
"""The compressed probe interval's floor: each probe is a process in the container."""
DOCKER_INSTALL = "apt-get install docker.io"
BASE_IMAGE_HINT = (
    "where no registry is reachable, rehearse/docker_base.sh builds the Dockerfile's base image locally"
)


class DockerError(ValueError):
    """Docker cannot run the rehearsal (missing, no daemon, an image that does not build): exit 2."""


@dataclass(frozen=True)
class HealthTiming:
    """The container health check's timing in real seconds (docker's --health-* flags)."""

    interval: float
    timeout: float
    start_period: float
    retries: int


def health_timing(container: ContainerSettings, to_rehearsal: Callable[[float], float]) -> HealthTiming:
    """The declared interval, timeout and start period, compressed; retries as declared."""
    declared_timeout = float(container.health_timeout_seconds)
    return HealthTiming(
        interval=max(to_rehearsal(container.health_interval_seconds), MIN_INTERVAL_SECONDS),
        timeout=max(to_rehearsal(declared_timeout), min(declared_timeout, PROBE_SECONDS)),
        start_period=to_rehearsal(container.health_start_period_seconds),
        retries=container.health_retries,
    )


def health_cmd(command: tuple[str, ...]) -> str:
    """Docker's ``--health-cmd`` (a shell command) for the settings' health command."""
    if len(command) == 3 and command[:2] == ("sh", "-c"):
        return command[2]  # CMD-SHELL as declared
    return shlex.join(command)


def duration(seconds: float) -> str:
    """A Go duration for docker's flags, in whole milliseconds, at least 1 ms."""
    return f"{max(1, round(seconds * 1000))}ms"


def container_name(run_id: str, task_name: str) -> str:
    return f"rehearsal-{run_id}-{task_name}"


def run_argv(
    container: ContainerSettings,
    *,
    docker: str,
    image: str,
    name: str,
    run_id: str,
    port: int,
    environment: Mapping[str, str],
    to_rehearsal: Callable[[float], float],
    launcher: Path = LAUNCHER,
) -> tuple[str, ...]:
    """``docker run`` for one task: the image's command, the task definition's settings, on ``port``.

    ``environment`` is the task definition's; ``PORT`` becomes the task's own port. The stop
    timeout is the declared one (what ``docker stop`` waits): the rehearsal itself sends SIGTERM
    and removes the container after the compressed stop timeout.
    """
    argv = [docker, "run", "--rm", "--name", name, "--label", f"{LABEL}={run_id}", "--pull", "never"]
    argv += ["--network", "host"]
    if container.read_only_root:
        argv.append("--read-only")
    for path in container.scratch_paths:
        argv += ["--tmpfs", path]
    if container.user:
        argv += ["--user", container.user]
    if container.memory_mib is not None:
        argv += ["--memory", f"{container.memory_mib}m"]
    argv += ["--stop-timeout", str(container.stop_timeout_seconds)]
    if container.health_command:
        timing = health_timing(container, to_rehearsal)
        argv += ["--health-cmd", health_cmd(container.health_command)]
        argv += ["--health-interval", duration(timing.interval), "--health-timeout", duration(timing.timeout)]
        argv += ["--health-start-period", duration(timing.start_period)]
        argv += ["--health-retries", str(timing.retries)]
    else:
        argv.append("--no-healthcheck")
    env = {**environment, "PORT": str(port), "PYTHONPATH": LAUNCHER_DIR}
    for key in sorted(env):
        argv += ["--env", f"{key}={env[key]}"]
    argv += ["--volume", f"{launcher}:{LAUNCHER_DIR}/{LAUNCHER_MODULE}.py:ro"]
    command = container.command
    if command[0] not in ("python", "python3"):
        raise DockerError(
            f"the image's CMD {list(command)!r} does not start with python: the rehearsal keeps its "
            "listeners on loopback through a Python launcher"
        )
    return (*argv, image, command[0], "-m", LAUNCHER_MODULE, *command)


# --------------------------------------------------------------------------- the daemon


def docker_binary() -> str:
    found = shutil.which("docker")
    if found is None:
        raise DockerError(f"--runtime docker: docker is not installed; install it with: {DOCKER_INSTALL}")
    return found


def check_daemon(docker: str) -> None:
    """DockerError when no daemon answers."""
    answer = _docker(docker, "info", "--format", "{{.ServerVersion}}", timeout=20)
    if answer.returncode != 0 or not answer.stdout.strip():
        raise DockerError(
            f"--runtime docker: no Docker daemon answers ({_last_line(answer) or 'no answer'}); start it, "
            "e.g. dockerd > /tmp/dockerd.log 2>&1 &"
        )


def daemon_reachable() -> bool:
    try:
        check_daemon(docker_binary())
    except DockerError:
        return False
    return True


def build_image(docker: str, context: Path, dockerfile: str, tag: str) -> str:
    """Build ``context`` with its ``dockerfile`` as ``tag``; DockerError with the build's last line."""
    built = _docker(
        docker, "build", "--quiet", "--network", "host", "--tag", tag, "--file", str(context / dockerfile),
        str(context), timeout=900,
    )  # fmt: skip
    if built.returncode != 0:
        raise DockerError(
            f"--runtime docker: the image of {context} does not build: {_last_line(built)} "
            f"({BASE_IMAGE_HINT})"
        )
    return tag


def remove(docker: str, name: str) -> None:
    """Kill and remove a container (gone already is fine)."""
    _docker(docker, "rm", "--force", name, timeout=30)


def remove_labelled(docker: str, run_id: str) -> None:
    """Remove every container of rehearsal ``run_id`` still there."""
    listed = _docker(docker, "ps", "--all", "--quiet", "--filter", f"label={LABEL}={run_id}", timeout=30)
    ids = listed.stdout.split()
    if ids:
        _docker(docker, "rm", "--force", *ids, timeout=60)


def health(docker: str, name: str) -> tuple[str, str]:
    """(status, the last probe's output): ``starting``, ``healthy``, ``unhealthy``, or ``""`` (none)."""
    found = _docker(docker, "inspect", "--format", "{{json .State.Health}}", name, timeout=20)
    try:
        state = json.loads(found.stdout) if found.returncode == 0 else None
    except ValueError:
        state = None
    if not isinstance(state, dict):
        return "", ""
    log = state.get("Log") or [{}]
    return str(state.get("Status") or ""), str(log[-1].get("Output") or "").strip()


def _docker(docker: str, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run([docker, *args], capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess([docker, *args], 124, "", f"docker {args[0]} timed out")


def _last_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line.strip() for line in (done.stderr or done.stdout or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""
