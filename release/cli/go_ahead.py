"""`continue [DEPLOYMENT]`: the manual go-ahead for a deployment that holds green before shifting
production traffic (`deployment.readyWaitMinutes` under codedeploy: the deployment is Ready until
someone continues it or the wait runs out). Each engine says whether it has such a wait and gives
the go-ahead (EngineOps.go_ahead). (Named go_ahead: `continue` is a Python keyword.)"""

from __future__ import annotations

import argparse
from typing import Any

from release.cli.context import Context
from release.cli.engine import DEPLOYMENT_HELP, EngineOps
from release.cli.errors import EXIT_OK


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "continue",
        parents=[common],
        help="give the go-ahead a deployment waits for before shifting traffic (deployment.readyWaitMinutes)",
    )
    parser.add_argument("deployment_id", nargs="?", metavar="DEPLOYMENT", help=DEPLOYMENT_HELP)


def run(ctx: Context, engine: EngineOps) -> int:
    deployment = engine.deployment(ctx)
    ctx.deployment_id = deployment
    ctx.print(engine.go_ahead(ctx, deployment))
    return EXIT_OK
