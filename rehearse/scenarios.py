"""The rehearsal's scenarios: what green (or blue) does wrong, and what the release should do then.

Faults are injected outside the app's code (``rehearse/faults.py``): ``good`` runs the real
app unchanged; ``crash`` replaces green's process with one that exits at start;
``unhealthy``, ``errors`` and ``slow`` put a proxy on green's port in front of the real app;
``no-drain`` runs blue under a parent that swallows SIGTERM.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from rehearse.records import Colour, Outcome
from rehearse.tasks import ProcessSpec

ROOT = Path(__file__).resolve().parent.parent
"""The project: on the tasks' PYTHONPATH so that ``rehearse.launch`` and the faults import."""
DEFAULT_SLOW_SECONDS = 2.0
"""The delay of ``slow`` when the stack has no response-time alarm to go above."""


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    expected: Outcome
    """What the release must end as for the stack to pass this scenario."""


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("good", "green is the real app, unchanged", "released"),
        Scenario("crash", "green's process exits at start", "failed"),
        Scenario("unhealthy", "green fails the target group's health check", "failed"),
        Scenario("errors", "green answers a share of requests (default all) with 500", "rolled_back"),
        Scenario("slow", "green answers above the response-time alarm's threshold", "rolled_back"),
        Scenario("no-drain", "blue ignores SIGTERM; the SIGKILL drops what it still serves", "released"),
    )
}


def scenario(name: str) -> Scenario:
    """The scenario called ``name``; ValueError naming the allowed ones."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise ValueError(f"--scenario {name!r} is unknown; allowed: {', '.join(SCENARIOS)}") from None


@dataclass(frozen=True)
class Fault:
    """The knobs of the faults, from the command line or the stack's alarms."""

    error_share: float = 1.0
    slow_seconds: float = DEFAULT_SLOW_SECONDS


def task_environment(base: Mapping[str, str], container_env: Mapping[str, str], port: int) -> dict[str, str]:
    """The stack's environment for one task, on its own ``PORT``, with the project importable."""
    env = {key: value for key, value in base.items() if not key.startswith("PYTHON")}
    env.update(container_env)
    env["PORT"] = str(port)
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def app_process(app_dir: Path, command: tuple[str, ...], env: Mapping[str, str]) -> ProcessSpec:
    """The image's command, run from its working directory, its listeners kept on loopback."""
    python = sys.executable
    argv = (
        python,
        "-m",
        "rehearse.launch",
        *((python, *command[1:]) if command[0] in ("python", "python3") else command),
    )
    return ProcessSpec(argv, app_dir, env, "app")


class AppRunner(Protocol):
    """How a task runs the app on ``port``: a process (``process_app``) or a container."""

    def __call__(
        self,
        colour: Colour,
        index: int,
        app_dir: Path,
        command: tuple[str, ...],
        container_env: Mapping[str, str],
        port: int,
    ) -> ProcessSpec: ...


def process_app(
    colour: Colour,
    index: int,
    app_dir: Path,
    command: tuple[str, ...],
    container_env: Mapping[str, str],
    port: int,
) -> ProcessSpec:
    """The app as a process of this machine (the default runtime)."""
    return app_process(app_dir, command, task_environment(dict(os.environ), container_env, port))


def task_processes(
    chosen: Scenario,
    colour: Colour,
    app_dir: Path,
    command: tuple[str, ...],
    container_env: Mapping[str, str],
    port: int,
    inner_port: int,
    health_path: str,
    fault: Fault,
    run_app: AppRunner = process_app,
    index: int = 0,
) -> list[ProcessSpec]:
    """The processes of task ``index`` of ``colour`` under ``chosen``: the app, and its fault if any.

    ``port`` is where the load balancer reaches the task; ``inner_port`` is the app's own port
    when a proxy stands in front of it. The faults run on this machine whatever ``run_app`` is.
    """
    python = sys.executable
    base = dict(os.environ)
    name = chosen.name
    if colour == "blue":
        app = run_app(colour, index, app_dir, command, container_env, port)
        if name == "no-drain":
            argv = (python, "-m", "rehearse.faults", "no-forward", "--", *app.argv)
            return [replace(app, argv=argv, role="no-forward")]
        return [app]
    if name == "crash":
        env = task_environment(base, container_env, port)
        return [ProcessSpec((python, "-m", "rehearse.faults", "crash"), app_dir, env, "crash")]
    if name not in ("unhealthy", "errors", "slow"):
        return [run_app(colour, index, app_dir, command, container_env, port)]
    proxy = [python, "-m", "rehearse.faults", "proxy", "--listen", str(port), "--upstream", str(inner_port)]
    proxy += ["--health-path", health_path]
    if name == "unhealthy":
        proxy.append("--unhealthy")
    elif name == "errors":
        proxy += ["--error-share", f"{fault.error_share:g}"]
    else:
        proxy += ["--delay", f"{fault.slow_seconds:g}"]
    return [
        run_app(colour, index, app_dir, command, container_env, inner_port),
        ProcessSpec(tuple(proxy), app_dir, task_environment(base, container_env, port), "proxy"),
    ]


def needs_inner_port(chosen: Scenario) -> bool:
    """Whether green's app runs behind a proxy (and needs a port of its own)."""
    return chosen.name in ("unhealthy", "errors", "slow")
