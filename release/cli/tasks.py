"""The service's running tasks, each labelled blue or green, for `logs` and `exec`.

Blue is the revision that serves production, green the one being deployed. Which task group is
which is the engine's (EngineOps.task_groups): under codedeploy the service's task sets (the
PRIMARY one is blue while a deployment runs, the ACTIVE replacement green); under ecs the
service's deployments (the PRIMARY one is the new revision, green, while an older ACTIVE one still
runs; alone it is blue). A task belongs to the group that started it (``startedBy``), else to the
one whose task definition it runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from release.cli.context import Context
from release.cli.errors import CliError
from release.cli.service import find_service
from release.cli.text import short_task_definition

Color = Literal["blue", "green"]
COLORS: tuple[Color, ...] = ("blue", "green")
_DESCRIBE_BATCH = 100


@dataclass(frozen=True)
class TaskGroup:
    """A task set (codedeploy) or service deployment (ecs) and its color."""

    color: Color
    id: str
    task_definition: str


@dataclass(frozen=True)
class AppTask:
    color: Color
    arn: str
    task_definition: str
    last_status: str
    exec_enabled: bool

    @property
    def id(self) -> str:
        return self.arn.rsplit("/", 1)[-1]

    @property
    def label(self) -> str:
        """`green app:4 0123abcd`: color, revision, short task id."""
        return f"{self.color} {short_task_definition(self.task_definition)} {self.id[:8]}"


def color_choice(text: str) -> tuple[Color, ...]:
    """An argparse type: blue, green or both."""
    if text == "both":
        return COLORS
    if text in COLORS:
        return ("blue",) if text == "blue" else ("green",)
    raise ValueError(text)


def running_tasks(ctx: Context, groups: list[TaskGroup]) -> list[AppTask]:
    """The service's running tasks, in the groups' colors (tasks of no group are left out)."""
    cluster, service = ctx.names.require("cluster"), ctx.names.require("service")
    ecs = ctx.client("ecs")
    arns: list[str] = []
    kwargs: dict[str, Any] = {"cluster": cluster, "serviceName": service, "desiredStatus": "RUNNING"}
    while True:
        page = ecs.list_tasks(**kwargs)
        arns.extend(page.get("taskArns", []))
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    by_id = {group.id: group for group in groups}
    by_definition = {group.task_definition: group for group in groups}
    found: list[AppTask] = []
    for start in range(0, len(arns), _DESCRIBE_BATCH):
        described = ecs.describe_tasks(cluster=cluster, tasks=arns[start : start + _DESCRIBE_BATCH])
        for task in described.get("tasks", []):
            group = by_id.get(str(task.get("startedBy") or "")) or by_definition.get(
                str(task.get("taskDefinitionArn") or "")
            )
            if group is None:
                continue
            found.append(
                AppTask(
                    color=group.color,
                    arn=str(task["taskArn"]),
                    task_definition=str(task.get("taskDefinitionArn") or group.task_definition),
                    last_status=str(task.get("lastStatus") or "?"),
                    exec_enabled=bool(task.get("enableExecuteCommand")),
                )
            )
    return sorted(found, key=lambda t: (COLORS.index(t.color), t.arn))


def service_tasks(
    ctx: Context, groups_of: Any, colors: tuple[Color, ...]
) -> tuple[dict[str, Any], list[AppTask]]:
    """The service and its running tasks of ``colors``; CliError naming what runs when none does."""
    service = find_service(ctx)
    groups = list(groups_of(ctx, service))
    tasks = [task for task in running_tasks(ctx, groups) if task.color in colors]
    if not tasks:
        running = (
            ", ".join(f"{g.color} {short_task_definition(g.task_definition)}" for g in groups) or "nothing"
        )
        raise CliError(
            f"no running {' or '.join(colors)} task in ECS service {ctx.names.get('service')} "
            f"(its task groups: {running})"
        )
    return service, tasks
