"""Progress lines while a command follows a deployment: the watchers' own lines, each traffic
line followed by a bar of green's share. Both engines' watchers log the same traffic line
format (release.watch.format_traffic), so one reader serves both."""

from __future__ import annotations

import re
from collections.abc import Callable

BAR_WIDTH = 10

_TRAFFIC_LINE = re.compile(r"^(?P<id>\S+): traffic (?P<split>.+)$")


def green_bar(traffic: tuple[tuple[str, float], ...], width: int = BAR_WIDTH) -> str | None:
    """`[#####-----] green 50%` from a snapshot's traffic, or None if green is not in it."""
    green = next((weight for label, weight in traffic if label.lower() == "green"), None)
    if green is None:
        return None
    share = min(max(green, 0.0), 100.0)
    filled = round(share / 100 * width)
    return f"[{'#' * filled}{'-' * (width - filled)}] green {share:g}%"


def parse_traffic(split: str) -> tuple[tuple[str, float], ...]:
    """The inverse of release.watch.format_traffic: "Blue 90% / Green 10%" -> pairs."""
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
