"""The CLI's entry point: the parser assembled from each command's module, the engine each
command runs under (EngineOps, release/cli/engine.py), and main()'s error discipline: one line
on stderr, never a traceback; exit codes 0 done, 1 the deployment did not succeed, 2 an error."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, TextIO

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from release.cli import codedeploy_engine, ecs_engine, logs, rollback, shell, status
from release.cli.context import ClientFactory, Context
from release.cli.deployment_commands import GO_AHEAD, STOP, WATCH
from release.cli.engine import EngineOps, command_engine
from release.cli.errors import EXIT_ERROR, CliError, client_error_line, one_line
from release.cli.names import names_parser, resolve_names
from specs.release_model import Engine

__all__ = ["build_parser", "main"]


class Command(Protocol):
    """A command: a module (status.py, rollback.py, logs.py, shell.py) or a DeploymentCommand."""

    def add_parser(self, commands: Any, common: argparse.ArgumentParser) -> None: ...

    def run(self, ctx: Context, engine: EngineOps) -> int: ...


COMMANDS: dict[str, Command] = {
    "status": status,
    "watch": WATCH,
    "stop": STOP,
    "rollback": rollback,
    "continue": GO_AHEAD,
    "logs": logs,
    "exec": shell,
}
"""Command name -> what adds its parser and runs it, given the engine; in the order of --help."""
ENGINES: dict[Engine, EngineOps] = {"codedeploy": codedeploy_engine, "ecs": ecs_engine}


def _default_clients(service: str, region: str) -> Any:
    import boto3

    return boto3.client(service, region_name=region)


def build_parser(prog: str = "python -m release") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Status, watch, stop, rollback and continue of the stack's blue/green releases, made "
        "by CodeDeploy or by ECS's own service deployments (--engine); the app's logs and a shell in "
        "its blue or green tasks.",
        epilog="exit codes: 0 ok, 1 the deployment did not succeed, 2 error",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = names_parser()
    for command in COMMANDS.values():
        command.add_parser(commands, common)
    return parser


def main(
    argv: list[str] | None = None,
    *,
    clients: ClientFactory | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] | None = None,
) -> int:
    given = sys.argv[1:] if argv is None else argv
    if given[:1] == ["rehearse"]:  # the release rehearsal (rehearse/), imported only for it
        return _rehearse(given[1:], out, err)
    if argv is None:  # the installed command (pyproject.toml: project.scripts bluegreen)
        argv = sys.argv[1:]
        prog = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "bluegreen"
        parser = build_parser("python -m release" if prog == "__main__.py" else prog)
    else:
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
        if now is not None:
            ctx.now = now
        return int(COMMANDS[args.command].run(ctx, ENGINES[command_engine(ctx)]))
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


def _rehearse(argv: list[str], out: TextIO, err: TextIO) -> int:
    """`bluegreen rehearse ...`: the release rehearsal (rehearse/cli.py), from the repository's checkout."""
    try:
        from rehearse.cli import main as rehearse
    except ImportError:
        print("error: rehearse runs from the repository's checkout: python -m rehearse", file=err, flush=True)
        return EXIT_ERROR
    return rehearse(argv, out=out, err=err, prog="bluegreen rehearse")
