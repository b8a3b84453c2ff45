"""The one interface every command reaches an engine through, and which engine a command runs
under: `--engine`, else the stack output `deploymentController`, else codedeploy; an ECS
service deployment ARN given as DEPLOYMENT selects ecs when nothing else chose. The commands
(status.py, rollback.py, logs.py, shell.py, deployment_commands.py) hold what is the same under
both engines; each engine's adapter (codedeploy_engine.py, ecs_engine.py) holds only what
differs, so adding a command or an engine touches one side."""

from __future__ import annotations

from typing import Any, Protocol

from release.cli.context import Context
from release.cli.errors import CliError
from release.cli.names import CODEDEPLOY_ID, ECS_DEPLOYMENT_ARN
from release.cli.tasks import TaskGroup
from release.core.outcome import Outcome
from specs.release_model import Engine

DEPLOYMENT_HELP = "CodeDeploy deployment id or ECS service deployment ARN (default: the active deployment)"


class EngineOps(Protocol):
    """What a command asks of the engine that deploys the service (a module providing these
    functions: release/cli/codedeploy_engine.py, release/cli/ecs_engine.py)."""

    def status(self, ctx: Context) -> dict[str, Any]:
        """`status`'s state, one JSON-able object: "engine", the names, "deployment" (None when
        the engine has none to show), "deploymentActive", "productionTraffic" and "ecs"."""
        ...

    def deployment(self, ctx: Context) -> str:
        """The DEPLOYMENT argument as this engine names deployments, else the one in progress;
        CliError when there is none."""
        ...

    def follow(self, ctx: Context, deployment: str) -> Outcome:
        """Follow the deployment until it ends or --timeout-minutes pass."""
        ...

    def stop(self, ctx: Context, deployment: str) -> str:
        """Stop the deployment with rollback; the line that says what happened."""
        ...

    def go_ahead(self, ctx: Context, deployment: str) -> str:
        """Give the manual go-ahead a deployment waits for (CodeDeploy's READY wait, ECS's PAUSE
        hook); the line that says what happened, CliError when it is not waiting."""
        ...

    def task_groups(self, ctx: Context, service: dict[str, Any]) -> list[TaskGroup]:
        """The service's task sets (codedeploy) or deployments (ecs), each blue or green."""
        ...

    def rollback(self, ctx: Context) -> int:
        """Release the revision release/cli/rollback.py picks and (unless --no-wait) follow it."""
        ...


def command_engine(ctx: Context) -> Engine:
    """The engine of this command. A DEPLOYMENT argument that is an ECS service deployment ARN
    selects ecs when neither --engine nor the outputs chose; one that contradicts the chosen
    engine is an error rather than a confusing "not found"."""
    given = str(getattr(ctx.args, "deployment_id", None) or "")
    names = ctx.names
    if ECS_DEPLOYMENT_ARN.match(given):
        if names.engine_source == "default":
            return "ecs"
        if names.engine != "ecs":
            raise CliError(
                f"{given} is an ECS service deployment, but the engine is {names.engine} "
                f"(from {names.engine_source}); give --engine ecs"
            )
    elif CODEDEPLOY_ID.match(given) and names.engine == "ecs":
        raise CliError(
            f"{given} is a CodeDeploy deployment id, but the engine is ecs (from {names.engine_source}); "
            "give --engine codedeploy"
        )
    return "ecs" if names.engine == "ecs" else "codedeploy"
