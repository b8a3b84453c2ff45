"""`rollback`: release the previous task definition revision (or the one named), under either
engine. Here is what is the same for both: the flags, which revision to release (--to /
--to-revision, else the ACTIVE revision of the live one's family just before it) and the
refusals when the live revision is unknown, already the target, or another deployment is in
progress. How the revision is released and followed is the engine's (EngineOps.rollback)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from release.cli.context import Context, add_follow_flags, positive
from release.cli.engine import EngineOps
from release.cli.errors import CliError
from release.cli.text import parse_task_definition, short_task_definition
from specs.release_model import ECS_HOOKS

CODEDEPLOY_ONLY_FLAGS = (
    ("hook", "--hook"),
    ("no_hooks", "--no-hooks"),
    ("container_name", "--container-name"),
    ("container_port", "--container-port"),
    ("platform_version", "--platform-version"),
)
"""(argument, flag) of the AppSpec settings only the codedeploy engine uses."""


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    rollback = commands.add_parser(
        "rollback",
        parents=[common],
        help="release the previous task definition revision (a CodeDeploy deployment, or under ecs "
        "an UpdateService that starts a service deployment)",
    )
    target = rollback.add_mutually_exclusive_group()
    target.add_argument("--to-revision", type=positive(int), metavar="N", help="roll back to FAMILY:N")
    target.add_argument("--to", metavar="ARN", help="roll back to this task definition")
    stack = "(default: the stack's, from the output releaseAppSpec, else the last succeeded deployment)"
    hooks = rollback.add_mutually_exclusive_group()
    hooks.add_argument(
        "--hook",
        action="append",
        default=[],
        metavar="NAME=ARN",
        help=f"codedeploy: lifecycle hook Lambda, repeatable, replacing the stack's hooks; NAME one of "
        f"{', '.join(ECS_HOOKS)} {stack}",
    )
    hooks.add_argument("--no-hooks", action="store_true", help="codedeploy: release without any hook")
    rollback.add_argument("--container-name", help=f"codedeploy: container behind the load balancer {stack}")
    rollback.add_argument("--container-port", type=positive(int), help=f"codedeploy: its port {stack}")
    rollback.add_argument("--platform-version", help=f"codedeploy: Fargate platform version {stack}")
    rollback.add_argument(
        "--no-wait", action="store_true", help="start the deployment, print its id (ecs: ARN), exit"
    )
    add_follow_flags(rollback)


def run(ctx: Context, engine: EngineOps) -> int:
    return engine.rollback(ctx)


def family_revisions(ecs: Any, family: str) -> list[tuple[int, str]]:
    """(revision, ARN) of the family's ACTIVE task definitions, newest first."""
    found: list[tuple[int, str]] = []
    kwargs: dict[str, Any] = {"familyPrefix": family, "status": "ACTIVE", "sort": "DESC"}
    while True:
        page = ecs.list_task_definitions(**kwargs)
        for arn in page.get("taskDefinitionArns", []):
            parsed = parse_task_definition(arn)
            if parsed and parsed[0] == family:
                found.append((parsed[1], arn))
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    return sorted(found, reverse=True)


def rollback_target(ctx: Context, live: str) -> str:
    """The task definition ARN to roll back to from ``live``."""
    ecs = ctx.client("ecs")
    parsed = parse_task_definition(live)
    family = parsed[0] if parsed else ctx.names.get("task_definition_family")
    if ctx.args.to:
        described = ecs.describe_task_definition(taskDefinition=ctx.args.to)["taskDefinition"]
        if described.get("status") != "ACTIVE":
            raise CliError(f"{ctx.args.to} is {described.get('status')}, not ACTIVE: ECS cannot start it")
        return str(described["taskDefinitionArn"])
    if not family:
        raise CliError(f"cannot tell the task definition family from {live}; give --to ARN")
    revisions = family_revisions(ecs, family)
    if ctx.args.to_revision is not None:
        for revision, arn in revisions:
            if revision == ctx.args.to_revision:
                return arn
        active = ", ".join(str(revision) for revision, _ in sorted(revisions)) or "none"
        raise CliError(f"{family}:{ctx.args.to_revision} is not an ACTIVE revision (ACTIVE: {active})")
    if parsed is None:
        raise CliError(f"cannot tell the live revision from {live}; give --to-revision N or --to ARN")
    earlier = [(revision, arn) for revision, arn in revisions if revision < parsed[1]]
    if not earlier:
        raise CliError(
            f"no ACTIVE revision of {family} earlier than the live {family}:{parsed[1]}: "
            "nothing to roll back to"
        )
    return earlier[0][1]


def already_live(target: str) -> CliError:
    return CliError(f"{short_task_definition(target)} is already the live revision")


def pick_rollback(
    ctx: Context, live: str | None, service: str, same: Callable[[str, str], bool]
) -> tuple[str, str]:
    """(live, target): the service's live task definition (as the engine knows it; None when it
    cannot tell) and the one to roll back to, which ``same`` says is not the live one."""
    if not live:
        raise CliError(
            f"cannot tell which task definition {service} runs; give --to ARN or the taskDefinitionArn output"
        )
    target = rollback_target(ctx, live)
    if same(target, live):
        raise already_live(target)
    return live, target


def in_progress_error(what: str, running: str, owner: str) -> CliError:
    """Another deployment is running; the operator waits for it or stops it."""
    return CliError(
        f"{what} {running} is in progress for {owner}; wait for it "
        f"(python -m release watch {running}) or stop it (python -m release stop {running})"
    )
