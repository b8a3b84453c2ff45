"""The stack outputs the operator CLI needs: from `pulumi stack output --json` or a saved copy.

Both sources give one JSON object of output name -> value, as the program exports them in
__main__.py under the names of specs/stack_outputs.py. `deploymentController` says which
engine releases the service: "codedeploy" (CodeDeploy blue/green) or "ecs" (ECS's own
BLUE_GREEN / LINEAR / CANARY service deployments).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from specs import stack_outputs
from specs.release_model import CONTROLLER_TYPE, ENGINES, Engine

PULUMI_TIMEOUT_SECONDS = 120.0
# The engine's name, and ECS's own spelling of it (deploymentController.type, CODE_DEPLOY).
_ENGINE_ALIASES: dict[str, Engine] = {
    **{engine: engine for engine in ENGINES},
    **{controller.lower(): engine for engine, controller in CONTROLLER_TYPE.items()},
}


class OutputsError(Exception):
    """The outputs could not be read; the message is one line saying why."""


def _parse(text: str, source: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except ValueError as error:
        raise OutputsError(f"{source} is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise OutputsError(f"{source} is not a JSON object of stack outputs")
    return document


def deployment_engine(outputs: dict[str, Any]) -> Engine | None:
    """The engine the outputs name ("codedeploy" or "ecs"; ECS's own spelling CODE_DEPLOY is
    accepted too), None when they name none, OutputsError for anything else."""
    value = outputs.get(stack_outputs.DEPLOYMENT_CONTROLLER)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    engine = _ENGINE_ALIASES.get(str(value).strip().lower()) if isinstance(value, str) else None
    if engine is None:
        raise OutputsError(
            f"the stack output {stack_outputs.DEPLOYMENT_CONTROLLER} is {value!r}, expected one of "
            f"{', '.join(ENGINES)}; give --engine to choose"
        )
    return engine


def read_outputs_file(path: str | Path) -> dict[str, Any]:
    """Outputs saved earlier with `pulumi stack output --json > FILE`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise OutputsError(f"cannot read outputs file {path}: {error.strerror or error}") from None
    return _parse(text, f"outputs file {path}")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def pulumi_stack_outputs(
    stack: str,
    *,
    run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run,
    which: Callable[[str], str | None] = shutil.which,
    timeout_seconds: float = PULUMI_TIMEOUT_SECONDS,
) -> dict[str, Any]:
    """The stack's outputs from the Pulumi CLI (run in the current directory, the project's)."""
    pulumi = which("pulumi")
    if pulumi is None:
        raise OutputsError(
            "the pulumi CLI is not on PATH: install it, or pass --outputs-file FILE or the names as flags"
        )
    command = [pulumi, "stack", "output", "--json", "--stack", stack]
    try:
        result = run(command, capture_output=True, text=True, timeout=timeout_seconds, check=False)
    except subprocess.TimeoutExpired:
        raise OutputsError(
            f"`pulumi stack output` for stack {stack} took over {timeout_seconds:g} s"
        ) from None
    except OSError as error:
        raise OutputsError(f"cannot run {pulumi}: {error.strerror or error}") from None
    if result.returncode != 0:
        detail = _last_line(result.stderr) or _last_line(result.stdout) or "no output"
        raise OutputsError(
            f"`pulumi stack output` for stack {stack} failed (exit {result.returncode}): {detail}"
        )
    return _parse(result.stdout, f"the output of `pulumi stack output --json --stack {stack}`")
