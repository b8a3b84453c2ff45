"""How long a successful release takes: one model for the config check and the preview.

A release passes the same phases under either engine: green's tasks start and turn healthy,
the hooks run, the ready wait (CodeDeploy's, or ECS's PAUSE hook), the traffic shift, blue kept, blue drains
and exits. Each phase has a typical and a latest duration (``Span``). Two thresholds come
from the one model:

- ``minimum_seconds``: the waits the settings fix (ready wait, shifting, blue kept). No
  release can be faster, so the config rejects a ``release.timeoutMinutes`` at or below it
  (``minimum_release_minutes``, all the config can know before any resource exists).
- ``worst_case_seconds``: every phase at its latest (slow start, hooks at their timeouts,
  full drain and stop timeout). The preview's timeline walks the same spans and warns when
  the release timeout is shorter.

Standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from specs.traffic_routing import TrafficRouting, shifting_minutes

PROVISION_SECONDS = 30
"""Assumed time for a green task to run: image pull and container start."""
TYPICAL_HOOK_SECONDS = 10
"""Assumed typical run of a lifecycle hook Lambda (the worst case is its timeout)."""
TYPICAL_EXIT_SECONDS = 5
"""Assumed time a drained blue task takes to exit after SIGTERM (at most its stopTimeout)."""


@dataclass(frozen=True)
class Span:
    """A phase's duration in seconds: typically, and at the latest in a release that succeeds."""

    typical: int
    latest: int

    @classmethod
    def fixed(cls, seconds: int) -> Span:
        return cls(seconds, seconds)


def green_running() -> Span:
    """Green's tasks start: image pull and container start (an assumption)."""
    return Span.fixed(PROVISION_SECONDS)


def green_healthy(
    interval_seconds: int, healthy_threshold: int, start_period_seconds: int, task_count: int
) -> Span:
    """A newly registered target is healthy once it passes ONE check ("After your target is
    registered, it must pass one health check to be considered healthy": ALB guide, "Health
    checks for Application Load Balancer target groups"), which comes within one ``interval``.
    The release waits for ALL ``task_count`` green tasks (the service's desiredCount), so it
    typically waits ``interval x N / (N + 1)`` (whole seconds, rounded up): the expected maximum
    of N first-check times spread evenly within one interval of registration (half an interval
    for one task, two thirds for two). That is an assumption: ALB does not document when the
    first check comes; a release rehearsal with real traffic (HAProxy) measured it spread evenly
    within one interval, and prod's two tasks healthy at the later of two first checks. At the
    latest, a slow start (up to the container health check's startPeriod) fails the first
    checks, the target turns unhealthy, and it then needs ``healthyThreshold`` passes."""
    if task_count < 1:
        raise ValueError(f"task_count {task_count!r}: a release needs at least 1 green task")
    typical = math.ceil(interval_seconds * task_count / (task_count + 1))
    return Span(typical, start_period_seconds + interval_seconds * healthy_threshold)


def hook_run(timeout_seconds: int, worst_case_seconds: int) -> Span:
    """A hook Lambda: typically ``TYPICAL_HOOK_SECONDS`` (at most its timeout), at worst every
    invocation it may need (``worst_case_seconds``)."""
    return Span(min(TYPICAL_HOOK_SECONDS, timeout_seconds), worst_case_seconds)


def blue_exit(stop_timeout_seconds: int) -> Span:
    """A drained blue task exits after SIGTERM: typically soon, at most its stopTimeout."""
    return Span(min(TYPICAL_EXIT_SECONDS, stop_timeout_seconds), stop_timeout_seconds)


def minimum_release_minutes(
    ready_wait_minutes: int, routing: TrafficRouting, termination_wait_minutes: int
) -> int:
    """The waits the settings fix: the ready wait, the shifting, blue kept. No release is faster."""
    shifting = shifting_minutes(routing.kind, routing.percentage, routing.interval_minutes)
    return ready_wait_minutes + shifting + termination_wait_minutes


@dataclass(frozen=True)
class ReleaseDuration:
    """The phases of one successful release."""

    green_running: Span
    green_healthy: Span
    hooks: tuple[Span, ...]
    minimum_minutes: int
    """Ready wait + shifting + blue kept (``minimum_release_minutes``)."""
    draining_seconds: int
    blue_exit: Span

    def _spans(self) -> tuple[Span, ...]:
        return (
            self.green_running,
            self.green_healthy,
            *self.hooks,
            Span.fixed(self.minimum_seconds),
            Span.fixed(self.draining_seconds),
            self.blue_exit,
        )

    @property
    def minimum_seconds(self) -> int:
        return self.minimum_minutes * 60

    @property
    def typical_seconds(self) -> int:
        return sum(span.typical for span in self._spans())

    @property
    def worst_case_seconds(self) -> int:
        return sum(span.latest for span in self._spans())


def release_duration(
    *,
    routing: TrafficRouting,
    ready_wait_minutes: int,
    termination_wait_minutes: int,
    health_check_interval_seconds: int,
    healthy_threshold: int,
    start_period_seconds: int,
    task_count: int,
    hooks: Iterable[Span],
    deregistration_delay_seconds: int,
    stop_timeout_seconds: int,
) -> ReleaseDuration:
    """The duration model of a release with these settings."""
    return ReleaseDuration(
        green_running=green_running(),
        green_healthy=green_healthy(
            health_check_interval_seconds, healthy_threshold, start_period_seconds, task_count
        ),
        hooks=tuple(hooks),
        minimum_minutes=minimum_release_minutes(ready_wait_minutes, routing, termination_wait_minutes),
        draining_seconds=deregistration_delay_seconds,
        blue_exit=blue_exit(stop_timeout_seconds),
    )
