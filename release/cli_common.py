"""Small rules both engines' commands follow, so that their output reads alike: timestamps,
task definitions as ``family:revision``, traffic splits, labelled detail lines, `status`'s JSON
or text, and the "in progress" refusal."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from release.cli_context import Context
from release.cli_errors import CliError

_ARN_REVISION = re.compile(
    r"^(?:arn:[^:]+:ecs:[^:]*:[^:]*:task-definition/)?(?P<family>[\w-]+):(?P<revision>\d+)$"
)


def when(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def timestamp(value: Any) -> float:
    """Seconds since the epoch of a datetime, 0 for anything else (sorts unknown times first)."""
    return value.timestamp() if isinstance(value, datetime) else 0.0


def parse_task_definition(arn: str) -> tuple[str, int] | None:
    """(family, revision) of a task definition ARN or family:revision, else None."""
    match = _ARN_REVISION.match(arn)
    return (match["family"], int(match["revision"])) if match else None


def short_task_definition(arn: str | None) -> str | None:
    if not arn:
        return None
    parsed = parse_task_definition(arn)
    return f"{parsed[0]}:{parsed[1]}" if parsed else arn


def revision_change(live: str, target: str) -> str:
    """`family:3 -> family:2`."""
    return f"{short_task_definition(live)} -> {short_task_definition(target)}"


def traffic_json(traffic: Iterable[tuple[str, float]]) -> list[dict[str, Any]]:
    return [{"label": label, "percent": weight} for label, weight in traffic]


def split_text(traffic: list[dict[str, Any]]) -> str:
    """`Blue 90% / Green 10%` from traffic_json's list."""
    return " / ".join(f"{t['label']} {t['percent']:g}%" for t in traffic)


def print_fields(ctx: Context, record: dict[str, Any], labels: Iterable[tuple[str, str]]) -> None:
    """`  label: value` for each (key, label) whose value in ``record`` is set."""
    for key, label in labels:
        if record[key]:
            ctx.print(f"  {label}: {record[key]}")


def emit_status(
    ctx: Context, state: dict[str, Any], print_text: Callable[[Context, dict[str, Any]], None]
) -> None:
    """`status`'s state as one JSON object (--json) or as text."""
    if ctx.args.json:
        ctx.print(json.dumps(state, indent=2, default=str))
    else:
        print_text(ctx, state)


def in_progress_error(what: str, running: str, owner: str) -> CliError:
    """Another deployment is running; the operator waits for it or stops it."""
    return CliError(
        f"{what} {running} is in progress for {owner}; wait for it "
        f"(python -m release watch {running}) or stop it (python -m release stop {running})"
    )
