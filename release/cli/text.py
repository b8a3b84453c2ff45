"""How both engines' commands write, so that their output reads alike: timestamps, task
definitions as ``family:revision``, traffic splits, and the progress lines of a followed
deployment with a bar of green's share after each traffic line (both engines' watchers log
traffic as release.core.outcome.format_traffic writes it, so one reader serves both)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

BAR_WIDTH = 10

_ARN_REVISION = re.compile(
    r"^(?:arn:[^:]+:ecs:[^:]*:[^:]*:task-definition/)?(?P<family>[\w-]+):(?P<revision>\d+)$"
)
_TRAFFIC_LINE = re.compile(r"^(?P<id>\S+): traffic (?P<split>.+)$")


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


def green_bar(traffic: tuple[tuple[str, float], ...], width: int = BAR_WIDTH) -> str | None:
    """`[#####-----] green 50%` from a snapshot's traffic, or None if green is not in it."""
    green = next((weight for label, weight in traffic if label.lower() == "green"), None)
    if green is None:
        return None
    share = min(max(green, 0.0), 100.0)
    filled = round(share / 100 * width)
    return f"[{'#' * filled}{'-' * (width - filled)}] green {share:g}%"


def parse_traffic(split: str) -> tuple[tuple[str, float], ...]:
    """The inverse of release.core.outcome.format_traffic: "Blue 90% / Green 10%" -> pairs."""
    pairs = []
    for part in split.split(" / "):
        label, _, percent = part.rpartition(" ")
        try:
            pairs.append((label, float(percent.rstrip("%"))))
        except ValueError:
            continue
    return tuple(pairs)


def progress_log(print_line: Callable[[str], None]) -> Callable[[str], None]:
    """Prints the watcher's lines, and after each traffic line a bar of green's share."""

    def log(line: str) -> None:
        print_line(line)
        match = _TRAFFIC_LINE.match(line)
        if match:
            bar = green_bar(parse_traffic(match["split"]))
            if bar:
                print_line(f"{match['id']}: {bar}")

    return log
