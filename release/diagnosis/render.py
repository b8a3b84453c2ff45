"""A diagnosis as text: the likely cause first, then each source's facts, then what could not be
read. The same text ends the `pulumi up` error and follows `watch`'s and `status`'s outcome."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from release.diagnosis.cause import first_line
from release.diagnosis.sources import BUDGET_SECONDS, Clients, Facts, StoppedTask, Subject, gather

INDENT = "  "


@dataclass(frozen=True)
class Diagnosis:
    cause: str
    facts: Facts

    def text(self) -> str:
        return render(self)

    def to_json(self) -> dict[str, Any]:
        """The cause, the facts and the text, JSON-able (datetimes left for ``default=str``)."""
        facts = dataclasses.asdict(self.facts)
        facts.pop("subject", None)
        return {"cause": self.cause, **facts, "text": self.text()}


def diagnose(
    subject: Subject,
    clients: Clients,
    *,
    budget_seconds: float = BUDGET_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> Diagnosis:
    """Gather the facts about the subject's failure and name the likely cause (never raises for AWS)."""
    facts = gather(subject, clients, budget_seconds=budget_seconds, clock=clock)
    return Diagnosis(first_line(facts), facts)


def _time(at: dt.datetime | None) -> str:
    return at.strftime("%H:%M:%S") if at is not None else "--:--:--"


def _task_line(task: StoppedTask) -> str:
    ran = task.ran_seconds
    parts = [f"task {task.task_id} ({task.task_definition.rsplit('/', 1)[-1]})"]
    parts.append(f"ran {ran:.0f} s" if ran is not None else "never started")
    if task.stop_code:
        parts.append(task.stop_code)
    head = ", ".join(parts)
    return f"{head}: {task.stopped_reason or 'no stop reason'}"


def _container_line(task: StoppedTask, app_container: str = "") -> list[str]:
    """One line per container; a container other than the load-balanced app is marked a sidecar."""
    lines = []
    for c in task.containers:
        role = " (sidecar)" if app_container and c.name != app_container else ""
        bits = [f"exit {c.exit_code}" if c.exit_code is not None else "no exit code"]
        if c.health and c.health != "UNKNOWN":
            bits.append(c.health.lower())
        if c.reason:
            bits.append(c.reason)
        lines.append(f"container {c.name}{role}: {', '.join(bits)}")
    return lines


def render(diagnosis: Diagnosis) -> str:
    facts = diagnosis.facts
    out = [f"diagnosis: {diagnosis.cause}"]

    def section(title: str, lines: list[str]) -> None:
        if lines:
            out.append(f"{INDENT}{title}:")
            out.extend(f"{INDENT * 2}{line}" for line in lines)

    # Tasks with the same stop reason and exits are one line (with how many).
    seen: dict[tuple[str, ...], int] = {}
    shown: list[StoppedTask] = []
    for task in facts.stopped_tasks:
        key = (
            task.stopped_reason,
            task.stop_code,
            *(f"{c.name}={c.exit_code}:{c.reason}" for c in task.containers),
        )
        if key not in seen:
            shown.append(task)
            seen[key] = 0
        seen[key] += 1
    task_lines: list[str] = []
    for task in shown[:5]:
        key = (
            task.stopped_reason,
            task.stop_code,
            *(f"{c.name}={c.exit_code}:{c.reason}" for c in task.containers),
        )
        more = f" (and {seen[key] - 1} more like it)" if seen[key] > 1 else ""
        task_lines.append(_task_line(task) + more)
        task_lines.extend(f"{INDENT}{line}" for line in _container_line(task, facts.app_container))
    section(f"green's stopped tasks ({len(facts.stopped_tasks)})", task_lines)
    log = facts.container_log
    if log is not None:
        section(
            f"last log lines of container {log.container} in task {log.task_id} ({log.group}, {log.stream})",
            list(log.lines) or ["(none)"],
        )
    for group in facts.target_groups:
        lines = [
            f"{t.target} {t.state}"
            + (f" {t.reason}" if t.reason else "")
            + (f": {t.description}" if t.description else "")
            for t in group.targets
        ] or ["no registered targets"]
        check = f", health check {group.health_check}" if group.health_check else ""
        section(f"target health of green's target group {group.name}{check}", lines)
    section("alarms", [f"{a.name} {a.state}" + (f": {a.reason}" if a.reason else "") for a in facts.alarms])
    for hook in facts.hooks:
        lines = [f"reported: {hook.verdict}"] if hook.verdict else []
        lines += list(hook.lines)
        section(f"lifecycle hook {hook.function} ({hook.log_group})", lines or ["no log lines"])
    section(
        "ECS service events since the deployment started",
        [f"{_time(e.at)} {e.message}" + (f" (x{e.count})" if e.count > 1 else "") for e in facts.events],
    )
    section("not read", list(facts.notes))
    return "\n".join(out)
