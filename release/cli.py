"""Operator CLI for the stack's blue/green releases: `python -m release <command> [options]`.

    status   [--json]                      the current (or last) deployment, the production
                                           traffic split and the ECS service
    watch    [DEPLOYMENT]                  follow a deployment (default: the active one) to its end
    stop     [DEPLOYMENT]                  stop a deployment (default: the active one) with rollback
    rollback [--to-revision N | --to ARN]  release the previous task definition revision

Two engines release the service, chosen by `--engine`, else the stack output
`deploymentController`, else codedeploy:

* codedeploy: CodeDeploy blue/green deployments of the deployment group; DEPLOYMENT is a
  CodeDeploy deployment id (d-XXXXXXXXX).
* ecs: ECS's own BLUE_GREEN / LINEAR / CANARY *service deployments*, started by updating the
  service's task definition; DEPLOYMENT is a service deployment ARN (or its last segment).
  An ECS service deployment ARN given to watch or stop selects this engine when nothing else
  chose one.

Names (region, CodeDeploy application and group, ECS cluster and service) come from the
stack's outputs (`--stack STACK` runs `pulumi stack output --json`; `--outputs-file FILE`
reads the same JSON saved earlier) and/or flags, flags winning. Under codedeploy the ECS
cluster and service fall back to the ones the deployment group names; under ecs the region,
cluster and service fall back to the ones a given service deployment ARN names.

This module is the entry point: the argument parser, which engine a command runs under, and
main()'s error discipline (one line on stderr, never a traceback). The commands themselves are
in release/cli_codedeploy.py and release/cli_ecs.py (+ cli_ecs_status.py), on top of
cli_names.py (names), cli_context.py (one run), cli_errors.py (errors, exit codes) and the shared
cli_common.py, cli_traffic.py, cli_service.py, cli_revisions.py and cli_progress.py.

Exit codes: 0 done (deployment succeeded), 1 the deployment ended otherwise (watch, rollback),
2 an error, reported as one line on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from release import cli_codedeploy, cli_ecs, cli_ecs_status
from release.cli_codedeploy import DEFAULT_CONTAINER_NAME, DEFAULT_CONTAINER_PORT, DEFAULT_PLATFORM_VERSION
from release.cli_context import ClientFactory, Context
from release.cli_errors import EXIT_ERROR, CliError, client_error_line, one_line
from release.cli_names import CODEDEPLOY_ID, ECS_DEPLOYMENT_ARN, resolve_names
from specs import stack_outputs
from specs.release_model import DEFAULT_ENGINE, ECS_HOOKS, ENGINES

__all__ = ["build_parser", "main"]

DEFAULT_TIMEOUT_MINUTES = 60.0
DEFAULT_POLL_SECONDS = 10.0

Command = Callable[[Context], int]
COMMANDS: dict[str, dict[str, Command]] = {
    "status": {"codedeploy": cli_codedeploy.status, "ecs": cli_ecs_status.status},
    "watch": {"codedeploy": cli_codedeploy.watch, "ecs": cli_ecs.watch},
    "stop": {"codedeploy": cli_codedeploy.stop, "ecs": cli_ecs.stop},
    "rollback": {"codedeploy": cli_codedeploy.rollback, "ecs": cli_ecs.rollback},
}
"""Command -> engine -> what runs it."""


def command_engine(ctx: Context) -> str:
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


def _default_clients(service: str, region: str) -> Any:
    import boto3

    return boto3.client(service, region_name=region)


# ---------------------------------------------------------------------------------------- parser


def _names_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    source = common.add_argument_group("names")
    source.add_argument("--stack", help="read names from `pulumi stack output --json --stack STACK`")
    source.add_argument(
        "--outputs-file", metavar="FILE", help="read names from saved `pulumi stack output --json`"
    )
    source.add_argument("--region", help=f"AWS region (output {stack_outputs.REGION}; else AWS_REGION)")
    source.add_argument(
        "--application", help=f"CodeDeploy application (output {stack_outputs.CODEDEPLOY_APPLICATION})"
    )
    source.add_argument(
        "--deployment-group",
        help=f"CodeDeploy deployment group (output {stack_outputs.CODEDEPLOY_DEPLOYMENT_GROUP})",
    )
    source.add_argument(
        "--cluster", help=f"ECS cluster (output {stack_outputs.CLUSTER_NAME}; else the deployment group's)"
    )
    source.add_argument(
        "--service", help=f"ECS service (output {stack_outputs.SERVICE_NAME}; else the deployment group's)"
    )
    source.add_argument(
        "--engine",
        choices=ENGINES,
        help=f"what deploys the service (output {stack_outputs.DEPLOYMENT_CONTROLLER}; else "
        f"{DEFAULT_ENGINE}): CodeDeploy blue/green, or ECS's own service deployments",
    )
    return common


def _positive(kind: type[float] | type[int]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
        return value

    return parse


def _add_timing(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout-minutes",
        type=_positive(float),
        default=DEFAULT_TIMEOUT_MINUTES,
        help=f"give up following after this long (default {DEFAULT_TIMEOUT_MINUTES:g})",
    )
    parser.add_argument(
        "--poll-seconds",
        type=_positive(float),
        default=DEFAULT_POLL_SECONDS,
        help=f"seconds between polls (default {DEFAULT_POLL_SECONDS:g})",
    )


DEPLOYMENT_HELP = "CodeDeploy deployment id or ECS service deployment ARN (default: the active deployment)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m release",
        description="Status, watch, stop and rollback of the stack's blue/green releases, made by "
        "CodeDeploy or by ECS's own service deployments (--engine).",
        epilog="exit codes: 0 ok, 1 the deployment did not succeed, 2 error",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = _names_parser()

    status = commands.add_parser(
        "status", parents=[common], help="current or last deployment, production traffic, ECS tasks"
    )
    status.add_argument("--json", action="store_true", help="print one JSON object")

    watch = commands.add_parser("watch", parents=[common], help="follow a deployment until it ends")
    watch.add_argument("deployment_id", nargs="?", metavar="DEPLOYMENT", help=DEPLOYMENT_HELP)
    _add_timing(watch)

    stop = commands.add_parser("stop", parents=[common], help="stop a deployment, rolling back")
    stop.add_argument("deployment_id", nargs="?", metavar="DEPLOYMENT", help=DEPLOYMENT_HELP)

    rollback = commands.add_parser(
        "rollback",
        parents=[common],
        help="release the previous task definition revision (a CodeDeploy deployment, or under ecs "
        "an UpdateService that starts a service deployment)",
    )
    target = rollback.add_mutually_exclusive_group()
    target.add_argument("--to-revision", type=_positive(int), metavar="N", help="roll back to FAMILY:N")
    target.add_argument("--to", metavar="ARN", help="roll back to this task definition")
    rollback.add_argument(
        "--hook",
        action="append",
        default=[],
        metavar="NAME=ARN",
        help=f"codedeploy: lifecycle hook Lambda, repeatable; NAME one of {', '.join(ECS_HOOKS)} "
        "(default: no hooks)",
    )
    rollback.add_argument(
        "--container-name", help=f"codedeploy: container behind the load balancer ({DEFAULT_CONTAINER_NAME})"
    )
    rollback.add_argument(
        "--container-port", type=_positive(int), help=f"codedeploy: its port ({DEFAULT_CONTAINER_PORT})"
    )
    rollback.add_argument(
        "--platform-version", help=f"codedeploy: Fargate platform version ({DEFAULT_PLATFORM_VERSION})"
    )
    rollback.add_argument(
        "--no-wait", action="store_true", help="start the deployment, print its id (ecs: ARN), exit"
    )
    _add_timing(rollback)
    return parser


def main(
    argv: list[str],
    *,
    clients: ClientFactory | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    parser = build_parser()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else EXIT_ERROR

    ctx: Context | None = None
    try:
        names = resolve_names(args)
        ctx = Context(args, names, clients or _default_clients, out, err, sleep, clock)
        return int(COMMANDS[args.command][command_engine(ctx)](ctx))
    except CliError as error:
        message = str(error)
    except NoCredentialsError:
        message = (
            "no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), "
            "or log in with `aws sso login`"
        )
    except ClientError as error:
        message = client_error_line(
            error, ctx.names.values if ctx else {}, ctx.deployment_id if ctx else None
        )
    except BotoCoreError as error:
        message = f"AWS: {one_line(str(error))}"
    except KeyboardInterrupt:
        print("interrupted", file=err, flush=True)
        return 130
    except Exception as error:  # never a traceback for the operator
        message = f"unexpected {type(error).__name__}: {one_line(str(error))}"
    print(f"error: {message}", file=err, flush=True)
    return EXIT_ERROR
