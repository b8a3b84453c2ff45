"""The release-duration model: the least time a release takes (the config's check) and the
worst case (the preview's), from the same phases."""

from __future__ import annotations

import pytest

from specs import release_duration as rd
from specs.traffic_routing import TrafficRouting

CANARY = TrafficRouting("canary", 10, 5, "")


def _duration(**changes: object) -> rd.ReleaseDuration:
    settings: dict = {
        "routing": CANARY,
        "ready_wait_minutes": 0,
        "termination_wait_minutes": 5,
        "health_check_interval_seconds": 10,
        "healthy_threshold": 2,
        "start_period_seconds": 60,
        "task_count": 1,
        "hooks": (),
        "deregistration_delay_seconds": 30,
        "stop_timeout_seconds": 30,
    }
    return rd.release_duration(**(settings | changes))


def test_the_minimum_is_the_waits_the_settings_fix() -> None:
    assert rd.minimum_release_minutes(20, CANARY, 5) == 30
    assert rd.minimum_release_minutes(0, TrafficRouting("linear", 10, 3, ""), 5) == 32
    assert rd.minimum_release_minutes(0, TrafficRouting("all-at-once", None, None, ""), 0) == 0
    assert _duration().minimum_seconds == 600


def test_the_worst_case_adds_every_phase_at_its_latest() -> None:
    # 30 provision + (60 start + 2 x 10) + 600 fixed + 30 drain + 30 stop
    assert _duration().worst_case_seconds == 30 + 80 + 600 + 30 + 30
    # typical: 30 provision + 5 (one check, half a 10 s interval) + 600 fixed + 30 drain + 5 exit
    assert _duration().typical_seconds == 670
    hooks = (rd.hook_run(90, 90), rd.hook_run(5, 720))
    assert _duration(hooks=hooks).worst_case_seconds == 770 + 90 + 720
    assert _duration(hooks=hooks).typical_seconds == 670 + 10 + 5


def test_the_minimum_never_exceeds_the_typical_or_the_worst_case() -> None:
    for duration in (_duration(), _duration(ready_wait_minutes=30), _duration(termination_wait_minutes=0)):
        assert duration.minimum_seconds <= duration.typical_seconds <= duration.worst_case_seconds


def test_spans() -> None:
    assert rd.green_healthy(30, 3, 0, 1) == rd.Span(15, 90)
    assert rd.blue_exit(2) == rd.Span(2, 2)
    assert rd.hook_run(3, 3) == rd.Span(3, 3)


def test_a_new_target_is_healthy_after_one_check_and_the_threshold_only_bounds_the_latest() -> None:
    # ALB guide, "Health checks for Application Load Balancer target groups": "After your target
    # is registered, it must pass one health check to be considered healthy." healthyThreshold
    # passes in a row are needed only once a slow start has turned the target unhealthy.
    for threshold in (2, 5, 10):
        assert rd.green_healthy(10, threshold, 0, 1).typical == 5
        assert rd.green_healthy(10, threshold, 120, 1).typical == 5
    assert rd.green_healthy(10, 2, 0, 1).latest == 20
    assert rd.green_healthy(10, 5, 0, 1).latest == 50
    assert rd.green_healthy(10, 5, 60, 1).latest == 60 + 50
    assert rd.green_healthy(30, 2, 60, 1) == rd.Span(15, 60 + 60)


def test_one_tasks_first_check_typically_comes_half_an_interval_after_registration() -> None:
    # A release rehearsal with real traffic measured the first check at a point spread evenly
    # within one interval of registration, so its expected time is half an interval (ALB does not
    # document the first check's timing: an assumption). Whole seconds, rounded up; the latest
    # stays a whole interval per check.
    intervals = (5, 10, 15, 30, 300)
    assert [rd.green_healthy(interval, 2, 0, 1).typical for interval in intervals] == [3, 5, 8, 15, 150]
    assert rd.green_healthy(5, 2, 0, 1).latest == 10
    assert rd.green_healthy(15, 3, 30, 1).latest == 30 + 45


def test_green_is_typically_healthy_at_the_latest_of_its_tasks_first_checks() -> None:
    # A release waits for every green task (the service's desiredCount, N). Each task's first
    # check comes at a point spread evenly within one interval, so the latest of N comes on
    # average at N / (N + 1) of an interval (the expected maximum of N uniform times): half for
    # one task, two thirds for two. Whole seconds, rounded up; the latest does not depend on N.
    assert [rd.green_healthy(30, 2, 0, tasks).typical for tasks in (1, 2, 3, 4, 9)] == [15, 20, 23, 24, 27]
    assert [rd.green_healthy(10, 2, 0, tasks).typical for tasks in (1, 2, 3)] == [5, 7, 8]
    for tasks in (1, 2, 10, 1000):
        assert rd.green_healthy(30, 2, 60, tasks).latest == 60 + 2 * 30
        assert rd.green_healthy(30, 2, 60, tasks).typical <= 30  # never past one interval
    # Prod (2 tasks, 30 s interval): 20 s after green runs, not 15; the release 5 s longer.
    one, two = (
        _duration(health_check_interval_seconds=30),
        _duration(health_check_interval_seconds=30, task_count=2),
    )
    assert two.typical_seconds - one.typical_seconds == 5
    assert two.worst_case_seconds == one.worst_case_seconds


def test_a_release_without_green_tasks_is_refused() -> None:
    for tasks in (0, -1):
        with pytest.raises(ValueError, match=rf"task_count {tasks}: a release needs at least 1 green task"):
            rd.green_healthy(30, 2, 0, tasks)
