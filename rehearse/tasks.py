"""Tasks: real processes of the app, one per desired count per colour, stopped as ECS stops them.

A task is one or more processes (the app, and for some scenarios a fault process in front
of it), each in its own session so that nothing it starts outlives it. Stopping a task is
what ECS does to a container: SIGTERM to each process it started, then SIGKILL to all of
their process groups once the stop timeout has passed.

Under ``--runtime docker`` the app's process is ``docker run`` in the foreground: it passes
SIGTERM on to the container (docker's signal proxy), and killing it is followed by removing
the container. A container with a health check counts as running only once Docker reports it
healthy, and as stopped once it reports it unhealthy, as ECS stops a task whose essential
container is unhealthy.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rehearse import containers
from rehearse.ports import listening
from rehearse.records import Colour

HEALTH_POLL_SECONDS = 0.25


@dataclass(frozen=True)
class ProcessSpec:
    """One process of a task: its argv, working directory and environment."""

    argv: tuple[str, ...]
    cwd: Path
    env: Mapping[str, str]
    role: str = "app"
    """``app``, or the fault's name (``proxy``, ``crash``, ``no-forward``) for the report and logs."""
    container: str | None = None
    """The container this process runs in the foreground (``docker run --name``), if any."""
    docker: str = "docker"


@dataclass(frozen=True)
class StopResult:
    """How a task ended: on its own after SIGTERM, or killed at the stop timeout."""

    killed: bool
    seconds: float
    exit_codes: tuple[int | None, ...]


@dataclass
class Task:
    """A running task of one colour, reachable on 127.0.0.1:``port``."""

    colour: Colour
    index: int
    port: int
    processes: Sequence[ProcessSpec]
    log_dir: Path
    running: list[subprocess.Popen[bytes]] = field(default_factory=list)
    unhealthy: str | None = None
    """Why Docker found a container of the task unhealthy (then the task is stopped)."""
    _health: tuple[float, str] = (-1.0, "")
    last_probe: str = ""

    @property
    def name(self) -> str:
        return f"{self.colour}-{self.index + 1}"

    def log_path(self, spec: ProcessSpec) -> Path:
        return self.log_dir / f"{self.name}-{spec.role}.log"

    def start(self) -> None:
        """Start every process; the app first, so a proxy in front finds it sooner."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for spec in self.processes:
            with self.log_path(spec).open("ab") as log:
                self.running.append(
                    subprocess.Popen(
                        list(spec.argv),
                        cwd=spec.cwd,
                        env=dict(spec.env),
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )

    def exited(self) -> int | None:
        """The exit code of the first process that has ended, None while all run."""
        if self.unhealthy is None and self.container_health() == "unhealthy":
            self._stop_unhealthy()
        if self.unhealthy is not None:
            return 1
        for process in self.running:
            code = process.poll()
            if code is not None:
                return code
        return None

    def listening(self) -> bool:
        return listening(self.port)

    def containers(self) -> list[ProcessSpec]:
        return [spec for spec in self.processes if spec.container is not None]

    def container_health(self) -> str:
        """Docker's health status of the task's container: ``""`` without one or without a check.

        Read at most every HEALTH_POLL_SECONDS (each read is a ``docker inspect``).
        """
        specs = self.containers()
        if not specs:
            return ""
        if self.unhealthy is not None:
            return "unhealthy"
        read_at, status = self._health
        if time.monotonic() - read_at >= HEALTH_POLL_SECONDS:
            spec = specs[0]
            status, output = containers.health(spec.docker, str(spec.container))
            self._health = (time.monotonic(), status)
            self.last_probe = output
        return status

    def container_healthy(self) -> bool:
        """True once Docker reports the container healthy, or when there is no container check."""
        return self.container_health() in ("", "healthy")

    def _stop_unhealthy(self) -> None:
        probe = self.last_probe or "no output"
        self.unhealthy = f"container health check unhealthy, its last probe said: {probe.splitlines()[-1]}"
        for spec in self.containers():
            with self.log_path(spec).open("a") as log:
                log.write(f"{self.unhealthy}\n")
        self.kill()

    def last_log_line(self) -> str:
        """The last non-empty line any of its processes wrote (why it did not start)."""
        lines: list[str] = []
        for spec in self.processes:
            path = self.log_path(spec)
            if path.exists():
                lines.extend(
                    line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()
                )
        return lines[-1] if lines else "no output"

    def terminate(self) -> None:
        """SIGTERM to each process the task started (as ECS signals a container's PID 1)."""
        for process in self.running:
            if process.poll() is None:
                _signal(process.pid, signal.SIGTERM, group=False)

    def gone(self) -> bool:
        return all(process.poll() is not None for process in self.running)

    def stop(self, stop_timeout: float) -> StopResult:
        """SIGTERM to each process, SIGKILL to their groups after ``stop_timeout`` seconds."""
        return stop_tasks([self], stop_timeout)[0]

    def kill(self) -> None:
        """SIGKILL to every process group of the task, its containers removed, and reap them."""
        for process in self.running:
            _signal(process.pid, signal.SIGKILL, group=True)
        if self.running:
            for spec in self.containers():
                containers.remove(spec.docker, str(spec.container))
        for process in self.running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)


def stop_tasks(tasks: Sequence[Task], stop_timeout: float) -> list[StopResult]:
    """Stop tasks together: SIGTERM to all, then SIGKILL to whatever still runs at the stop timeout."""
    started = time.monotonic()
    for task in tasks:
        task.terminate()
    wait_until(lambda: all(task.gone() for task in tasks), stop_timeout, step=0.01)
    results = []
    for task in tasks:
        killed = not task.gone()
        task.kill()
        codes = tuple(process.returncode for process in task.running)
        results.append(StopResult(killed, time.monotonic() - started, codes))
    return results


def _signal(pid: int, sig: signal.Signals, group: bool) -> None:
    try:
        if group:
            os.killpg(pid, sig)  # each process leads its own session: its group id is its pid
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        pass


def wait_until(predicate: Callable[[], bool], timeout: float, step: float = 0.02) -> bool:
    """Poll ``predicate()`` until it is true or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(step)
