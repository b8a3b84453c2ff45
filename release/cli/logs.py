"""`logs [blue|green|both]`: the app's log events from CloudWatch Logs, each line labelled with
its task's color, revision and id. The task definition's awslogs settings name the group (else
the stack output logGroupName) and the streams, `<prefix>/<container>/<task id>`; FilterLogEvents
reads them from --since on, with --filter as a CloudWatch filter pattern. --follow polls every
--poll-seconds (picking up tasks that start meanwhile) until Ctrl-C or --timeout-minutes."""

from __future__ import annotations

import argparse
import re
from datetime import UTC, datetime
from typing import Any

from release.cli.context import Context, add_follow_flags
from release.cli.engine import EngineOps
from release.cli.errors import EXIT_OK, CliError
from release.cli.tasks import AppTask, color_choice, service_tasks
from specs import stack_outputs

_DURATION = re.compile(r"^(?P<count>\d+)(?P<unit>[smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_STREAMS_PER_CALL = 100
"""FilterLogEvents takes at most 100 logStreamNames."""


def duration(text: str) -> float:
    """An argparse type: `30s`, `10m`, `2h`, `1d` -> seconds."""
    match = _DURATION.match(text.strip())
    if match is None or int(match["count"]) == 0:
        raise argparse.ArgumentTypeError(f"expected a duration like 30s, 10m, 2h or 1d, not {text!r}")
    return float(int(match["count"]) * _UNIT_SECONDS[match["unit"]])


def colors(text: str) -> Any:
    try:
        return color_choice(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected blue, green or both, not {text!r}") from None


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "logs", parents=[common], help="the app's logs from CloudWatch Logs, by task and revision"
    )
    parser.add_argument(
        "colors",
        nargs="?",
        type=colors,
        default=colors("both"),
        metavar="blue|green|both",
        help="whose tasks: blue (serving production), green (being deployed) or both (default)",
    )
    parser.add_argument(
        "--since", type=duration, default=600.0, help="from how long ago: 30s, 10m (default), 2h, 1d"
    )
    parser.add_argument(
        "--filter", metavar="TEXT", help='CloudWatch filter pattern: a word, or "a phrase" in quotes'
    )
    parser.add_argument("--follow", action="store_true", help="keep printing new events until Ctrl-C")
    add_follow_flags(parser)


def _log_settings(ecs: Any, task_definition: str, default_group: str | None) -> tuple[str, str] | None:
    """(log group, stream prefix `<prefix>/<container>`) of the task definition's awslogs container."""
    described = ecs.describe_task_definition(taskDefinition=task_definition)["taskDefinition"]
    for container in described.get("containerDefinitions", []):
        config = container.get("logConfiguration") or {}
        if config.get("logDriver") != "awslogs":
            continue
        options = config.get("options") or {}
        group = options.get("awslogs-group") or default_group
        prefix = options.get("awslogs-stream-prefix")
        if group and prefix:
            return str(group), f"{prefix}/{container['name']}"
    return None


def _streams(
    ctx: Context, tasks: list[AppTask], cache: dict[str, tuple[str, str] | None]
) -> dict[str, dict[str, AppTask]]:
    """Log group -> stream name -> its task."""
    default_group = ctx.names.outputs.get(stack_outputs.LOG_GROUP_NAME)
    found: dict[str, dict[str, AppTask]] = {}
    for task in tasks:
        if task.task_definition not in cache:
            cache[task.task_definition] = _log_settings(
                ctx.client("ecs"), task.task_definition, str(default_group) if default_group else None
            )
        settings = cache[task.task_definition]
        if settings is None:
            raise CliError(
                f"task definition {task.task_definition} has no awslogs container with a stream prefix: "
                "its logs are not in CloudWatch Logs streams per task"
            )
        group, prefix = settings
        found.setdefault(group, {})[f"{prefix}/{task.id}"] = task
    return found


def _events(ctx: Context, group: str, streams: list[str], start_ms: int) -> list[dict[str, Any]]:
    logs = ctx.client("logs")
    events: list[dict[str, Any]] = []
    for first in range(0, len(streams), _STREAMS_PER_CALL):
        kwargs: dict[str, Any] = {
            "logGroupName": group,
            "logStreamNames": streams[first : first + _STREAMS_PER_CALL],
            "startTime": start_ms,
        }
        if ctx.args.filter:
            kwargs["filterPattern"] = ctx.args.filter
        while True:
            page = logs.filter_log_events(**kwargs)
            events.extend(page.get("events", []))
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
    return events


def _line(task: AppTask, event: dict[str, Any]) -> str:
    at = datetime.fromtimestamp(int(event.get("timestamp", 0)) / 1000, UTC).isoformat(timespec="seconds")
    return f"[{task.label}] {at} {str(event.get('message', '')).rstrip()}"


def run(ctx: Context, engine: EngineOps) -> int:
    start_ms = int((ctx.now().timestamp() - ctx.args.since) * 1000)
    deadline = ctx.clock() + ctx.args.timeout_minutes * 60
    seen: set[str] = set()
    settings: dict[str, tuple[str, str] | None] = {}
    while True:
        _, tasks = service_tasks(ctx, engine.task_groups, ctx.args.colors)
        batch: list[tuple[int, str, str]] = []
        for group, streams in _streams(ctx, tasks, settings).items():
            for event in _events(ctx, group, sorted(streams), start_ms):
                key = str(
                    event.get("eventId")
                    or (event.get("logStreamName"), event.get("timestamp"), event.get("message"))
                )
                if key in seen:
                    continue
                seen.add(key)
                task = streams[str(event.get("logStreamName"))]
                batch.append((int(event.get("timestamp", 0)), task.arn, _line(task, event)))
        for timestamp, _, line in sorted(batch):
            ctx.print(line)
            start_ms = max(start_ms, timestamp)
        remaining = deadline - ctx.clock()
        if not ctx.args.follow or remaining <= 0:
            return EXIT_OK
        ctx.sleep(min(ctx.args.poll_seconds, remaining))
