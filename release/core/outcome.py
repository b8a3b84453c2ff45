"""How a followed deployment ended, in one vocabulary for both engines.

CodeDeploy and ECS name their states differently; each engine's watcher maps them onto an
Outcome (Succeeded, Failed, Stopped or TimedOut), so the dynamic resources, the CLI's exit
codes and every message read the same whichever engine deployed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LifecycleEvent:
    name: str
    status: str
    message: str = ""


@dataclass(frozen=True)
class Outcome:
    deployment_id: str
    status: str
    """Succeeded, Failed, Stopped or TimedOut."""
    message: str = ""
    failed_event: LifecycleEvent | None = None
    running_event: LifecycleEvent | None = None
    """The lifecycle event still in progress when a watch timed out."""
    diagnosis: str = ""
    """Why it failed, stopped or timed out, as release/diagnosis reads it from AWS (several lines);
    empty when nobody diagnosed it. ``describe`` leaves it out; ``report`` adds it."""

    @property
    def succeeded(self) -> bool:
        return self.status == "Succeeded"

    def describe(self) -> str:
        """One line with the deployment id, the failed lifecycle event and the engine's message."""
        status = "timed out" if self.status == "TimedOut" else self.status.lower()
        parts = [f"deployment {self.deployment_id} {status}"]
        if self.failed_event is not None:
            event = self.failed_event
            parts.append(
                f"lifecycle event {event.name} failed" + (f": {event.message}" if event.message else "")
            )
        if self.running_event is not None:
            parts.append(f"lifecycle event {self.running_event.name} still in progress")
        if self.message:
            parts.append(self.message)
        return "; ".join(parts)

    def report(self) -> str:
        """``describe()``, then the diagnosis on the lines below it when there is one."""
        return self.describe() + (f"\n{self.diagnosis}" if self.diagnosis else "")


def format_traffic(traffic: tuple[tuple[str, float], ...]) -> str:
    """`Blue 90% / Green 10%`: both watchers log traffic in this form, and the CLI reads it back."""
    return " / ".join(f"{label} {weight:g}%" for label, weight in traffic)
