"""The rehearsal's chart: green's share of production traffic and the error rate over time.

Plain SVG text (like ``preview/diagram.py``), so it needs no plotting library and renders on
GitHub. Three series on one 0-100 % axis over the rehearsal clock: the weight the driver gave
green (``green-weight``, a step line from the phase marks), the share of answered requests green
really served (``green-share``) and the share of requests that failed (``error-rate``), both per
time bucket; a dashed line marks each phase, red for the rollback.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

from rehearse.records import RunResult, is_failed
from rehearse.settings import RehearsalSettings

WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 28, 40
MAX_BUCKETS = 120
MIN_BUCKET_SECONDS = 0.25
GREEN, RED, GREY, BLUE = "#2e8b57", "#c0392b", "#888888", "#1f5fa8"


@dataclass(frozen=True)
class Bucket:
    start: float
    requests: int
    green_share: float | None
    """Percent of the answered requests green served; None when none was answered."""
    error_rate: float | None
    """Percent of the requests sent that failed; None when none was sent."""


def bucket_seconds(duration: float) -> float:
    """At most :data:`MAX_BUCKETS` buckets, none shorter than :data:`MIN_BUCKET_SECONDS`."""
    return max(MIN_BUCKET_SECONDS, duration / MAX_BUCKETS)


def buckets(result: RunResult, size: float) -> list[Bucket]:
    """The run cut into ``size``-second buckets from 0 to its end, by when each request was sent."""
    count = max(1, math.ceil(result.ended_at / size - 1e-9))
    found = []
    for index in range(count):
        low, high = index * size, (index + 1) * size
        sent = [
            r
            for r in result.requests
            if low <= r.sent_at < high or (index == count - 1 and r.sent_at >= high)
        ]
        answered = [r for r in sent if r.colour is not None]
        green = sum(1 for r in answered if r.colour == "green")
        failed = sum(1 for r in sent if is_failed(r))
        found.append(
            Bucket(
                start=low,
                requests=len(sent),
                green_share=100 * green / len(answered) if answered else None,
                error_rate=100 * failed / len(sent) if sent else None,
            )
        )
    return found


def weight_steps(result: RunResult) -> list[tuple[float, float]]:
    """(time, green's weight in %) as the driver set it: 0 from the start, then each mark's."""
    steps = [(0.0, 0.0)]
    for mark in sorted(result.phases, key=lambda m: m.at):
        if mark.green_percent != steps[-1][1]:
            steps.append((mark.at, mark.green_percent))
    return steps


def _x(seconds: float, duration: float) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * (seconds / duration if duration else 0)


def _y(percent: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - percent / 100)


def _polyline(name: str, colour: str, points: list[tuple[float, float]], duration: float) -> str:
    text = " ".join(f"{_x(t, duration):.1f},{_y(p):.1f}" for t, p in points)
    return f'<polyline id="{name}" fill="none" stroke="{colour}" stroke-width="2" points="{text}"/>'


def svg(settings: RehearsalSettings, result: RunResult) -> str:
    """The chart as an SVG document."""
    duration = max(result.ended_at, MIN_BUCKET_SECONDS)
    size = bucket_seconds(duration)
    found = buckets(result, size)
    middle = size / 2
    share = [(b.start + middle, b.green_share) for b in found if b.green_share is not None]
    errors = [(b.start + middle, b.error_rate) for b in found if b.error_rate is not None]
    steps = weight_steps(result)
    stepped: list[tuple[float, float]] = []
    for index, (at, percent) in enumerate(steps):
        if index:
            stepped.append((at, steps[index - 1][1]))
        stepped.append((at, percent))
    stepped.append((duration, steps[-1][1]))
    title = (
        f"Rehearsal of {settings.stack} ({result.engine}, {result.strategy}), scenario {result.scenario}: "
        f"{result.outcome}"
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{LEFT}" y="16" font-size="13">{escape(title)}</text>',
    ]
    for percent in (0, 50, 100):
        y = _y(percent)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#dddddd"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{percent} %</text>')
    for mark in sorted(result.phases, key=lambda m: m.at):
        x = _x(mark.at, duration)
        colour = RED if mark.label.startswith("rollback") else GREY
        label = escape(f"{mark.at:.1f} s: {mark.label}")
        parts.append(
            f'<line class="mark" x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{HEIGHT - BOTTOM}" '
            f'stroke="{colour}" stroke-dasharray="3,3"><title>{label}</title></line>'
        )
    parts += [
        _polyline("green-weight", BLUE, stepped, duration),
        _polyline("green-share", GREEN, share, duration),
        _polyline("error-rate", RED, errors, duration),
        f'<text x="{LEFT}" y="{HEIGHT - 8}">0 s</text>',
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 8}" text-anchor="end">{duration:.0f} s rehearsed '
        f"= {duration * result.compression:.0f} s of the stack's clock</text>",
        f'<text x="{LEFT + 60}" y="{HEIGHT - 8}" fill="{BLUE}">green weight</text>',
        f'<text x="{LEFT + 150}" y="{HEIGHT - 8}" fill="{GREEN}">green share served</text>',
        f'<text x="{LEFT + 270}" y="{HEIGHT - 8}" fill="{RED}">failed requests</text>',
        "</svg>",
    ]
    return "\n".join(parts) + "\n"
