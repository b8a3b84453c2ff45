"""`exec [blue|green]`: a shell in a running task through ECS Exec (`aws ecs execute-command
--interactive`), which needs the AWS CLI and its Session Manager plugin on PATH, and the
service's ECS Exec turned on (config service.enableExecuteCommand; tasks started before that
have no exec agent). The shell's exit code is the command's. (Named shell: `exec` is a builtin.)"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from typing import Any

from release.cli.context import Context
from release.cli.engine import EngineOps
from release.cli.errors import CliError
from release.cli.tasks import AppTask, color_choice, service_tasks

AWS_CLI_INSTALL = "https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html"
PLUGIN_INSTALL = "https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html"


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "exec",
        parents=[common],
        help="open a shell in a blue or green task (ECS Exec: service.enableExecuteCommand)",
    )
    parser.add_argument(
        "color",
        nargs="?",
        choices=("blue", "green"),
        default="blue",
        help="a task of blue (serving production, default) or green (being deployed)",
    )
    parser.add_argument("--task", metavar="ID", help="this task (id or ARN) instead of the color's first")
    parser.add_argument("--container", help="the container (default: the task definition's first)")
    parser.add_argument(
        "--command", dest="shell_command", default="/bin/sh", help="what to run (default /bin/sh)"
    )


def required_tools() -> tuple[str, str]:
    """The AWS CLI and the Session Manager plugin, or CliError saying which is missing."""
    aws = shutil.which("aws")
    if aws is None:
        raise CliError(
            f"the AWS CLI (aws) is not on PATH: ECS Exec runs through it; install it: {AWS_CLI_INSTALL}"
        )
    plugin = shutil.which("session-manager-plugin")
    if plugin is None:
        raise CliError(
            "the Session Manager plugin (session-manager-plugin) is not on PATH: `aws ecs execute-command` "
            f"needs it; install it: {PLUGIN_INSTALL}"
        )
    return aws, plugin


def _pick(ctx: Context, tasks: list[AppTask]) -> AppTask:
    given = ctx.args.task
    if given:
        for task in tasks:
            if given in (task.arn, task.id):
                return task
        raise CliError(
            f"task {given} is not a running task of ECS service {ctx.names.get('service')}; running: "
            + ", ".join(task.label for task in tasks)
        )
    return next(task for task in tasks if task.color == ctx.args.color)


def run(ctx: Context, engine: EngineOps) -> int:
    aws, _ = required_tools()
    colors = ("blue", "green") if ctx.args.task else color_choice(ctx.args.color)
    service, tasks = service_tasks(ctx, engine.task_groups, colors)
    name = ctx.names.get("service")
    if not service.get("enableExecuteCommand"):
        raise CliError(
            f"ECS Exec is off for ECS service {name}: set service.enableExecuteCommand: true in the stack "
            "and `pulumi up` (tasks started before that need replacing)"
        )
    task = _pick(ctx, tasks)
    if not task.exec_enabled:
        raise CliError(
            f"task {task.id} started before ECS Exec was turned on for {name}: exec into a newer task "
            "(--task) or let a deployment replace it"
        )
    container = ctx.args.container
    if not container:
        described = ctx.client("ecs").describe_task_definition(taskDefinition=task.task_definition)
        container = str(described["taskDefinition"]["containerDefinitions"][0]["name"])
    command = [
        aws,
        "ecs",
        "execute-command",
        "--region",
        ctx.names.require("region"),
        "--cluster",
        ctx.names.require("cluster"),
        "--task",
        task.arn,
        "--container",
        container,
        "--interactive",
        "--command",
        ctx.args.shell_command,
    ]
    ctx.print(f"{ctx.args.shell_command} in {task.label} (container {container}); exit the shell to return")
    try:
        return subprocess.call(command)
    except OSError as error:
        raise CliError(f"cannot run {aws}: {error.strerror or error}") from None
