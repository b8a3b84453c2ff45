"""`watch [DEPLOYMENT]`: follow a deployment (the one in progress by default) until it ends,
with a bar of green's share after each traffic line; the exit code says whether it succeeded.
The same under both engines: each only names the deployment and follows it (EngineOps)."""

from __future__ import annotations

import argparse
from typing import Any

from release.cli.context import Context, add_follow_flags
from release.cli.engine import DEPLOYMENT_HELP, EngineOps


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    watch = commands.add_parser("watch", parents=[common], help="follow a deployment until it ends")
    watch.add_argument("deployment_id", nargs="?", metavar="DEPLOYMENT", help=DEPLOYMENT_HELP)
    add_follow_flags(watch)


def run(ctx: Context, engine: EngineOps) -> int:
    deployment = engine.deployment(ctx)
    ctx.deployment_id = deployment
    return ctx.report(engine.follow(ctx, deployment))
