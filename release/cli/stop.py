"""`stop [DEPLOYMENT]`: stop a deployment (the one in progress by default) with rollback.
The same under both engines: each only names the deployment and stops it (EngineOps)."""

from __future__ import annotations

import argparse
from typing import Any

from release.cli.context import Context
from release.cli.engine import DEPLOYMENT_HELP, EngineOps
from release.cli.errors import EXIT_OK


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    stop = commands.add_parser("stop", parents=[common], help="stop a deployment, rolling back")
    stop.add_argument("deployment_id", nargs="?", metavar="DEPLOYMENT", help=DEPLOYMENT_HELP)


def run(ctx: Context, engine: EngineOps) -> int:
    deployment = engine.deployment(ctx)
    ctx.deployment_id = deployment
    ctx.print(engine.stop(ctx, deployment))
    return EXIT_OK
