"""The release-duration model: the least time a release takes (the config's check) and the
worst case (the preview's), from the same phases."""

from __future__ import annotations

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
    # typical: 30 + 20 + 600 + 30 + 5
    assert _duration().typical_seconds == 685
    hooks = (rd.hook_run(90, 90), rd.hook_run(5, 720))
    assert _duration(hooks=hooks).worst_case_seconds == 770 + 90 + 720
    assert _duration(hooks=hooks).typical_seconds == 685 + 10 + 5


def test_the_minimum_never_exceeds_the_typical_or_the_worst_case() -> None:
    for duration in (_duration(), _duration(ready_wait_minutes=30), _duration(termination_wait_minutes=0)):
        assert duration.minimum_seconds <= duration.typical_seconds <= duration.worst_case_seconds


def test_spans() -> None:
    assert rd.green_healthy(30, 3, 0) == rd.Span(90, 90)
    assert rd.blue_exit(2) == rd.Span(2, 2)
    assert rd.hook_run(3, 3) == rd.Span(3, 3)
