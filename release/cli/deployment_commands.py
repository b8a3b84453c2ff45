"""The commands that act on one deployment, DEPLOYMENT given or else the one in progress:

    watch    [DEPLOYMENT]  follow it until it ends, with a bar of green's share after each traffic
                           line; the exit code says whether it succeeded
    stop     [DEPLOYMENT]  stop it with rollback
    continue [DEPLOYMENT]  the manual go-ahead for a deployment that holds green before shifting
                           production traffic (`deployment.readyWaitMinutes`: under codedeploy the
                           deployment is Ready, under ecs a PAUSE hook is AWAITING_ACTION, until
                           someone continues it or the wait runs out)

Each names the deployment the same way and asks its engine one thing (EngineOps), so they are
one shape, DeploymentCommand, and a row each here rather than a module each."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from release.cli.context import Context, add_follow_flags
from release.cli.engine import DEPLOYMENT_HELP, EngineOps
from release.cli.errors import EXIT_OK


@dataclass(frozen=True)
class DeploymentCommand:
    """One command on one deployment: its name and help, and what it asks the engine once the
    deployment is named (the exit code)."""

    name: str
    help: str
    act: Callable[[Context, EngineOps, str], int]
    follows: bool = False
    """Whether it follows the deployment (then it takes --timeout-minutes and --poll-seconds)."""

    def add_parser(self, commands: Any, common: argparse.ArgumentParser) -> None:
        parser = commands.add_parser(self.name, parents=[common], help=self.help)
        parser.add_argument("deployment_id", nargs="?", metavar="DEPLOYMENT", help=DEPLOYMENT_HELP)
        if self.follows:
            add_follow_flags(parser)

    def run(self, ctx: Context, engine: EngineOps) -> int:
        deployment = engine.deployment(ctx)
        ctx.deployment_id = deployment
        return self.act(ctx, engine, deployment)


def _said(ctx: Context, line: str) -> int:
    ctx.print(line)
    return EXIT_OK


WATCH = DeploymentCommand(
    "watch",
    "follow a deployment until it ends",
    lambda ctx, engine, deployment: ctx.report(engine.follow(ctx, deployment)),
    follows=True,
)
STOP = DeploymentCommand(
    "stop",
    "stop a deployment, rolling back",
    lambda ctx, engine, deployment: _said(ctx, engine.stop(ctx, deployment)),
)
GO_AHEAD = DeploymentCommand(
    "continue",
    "give the go-ahead a deployment waits for before shifting traffic (deployment.readyWaitMinutes)",
    lambda ctx, engine, deployment: _said(ctx, engine.go_ahead(ctx, deployment)),
)
"""`continue` (GO_AHEAD: `continue` is a Python keyword); each engine says whether it has such a
wait and gives the go-ahead (EngineOps.go_ahead)."""
