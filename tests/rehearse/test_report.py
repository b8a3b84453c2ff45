"""rehearse.observed and rehearse.report on hand-built runs of the real stacks' settings.

Each run places every request, so the phases' counts, percentiles, the timeline's differences,
the errors scenario's bound and the checks are all known in advance.
"""

from __future__ import annotations

import json

import pytest

from rehearse.observed import (
    alarm_window,
    errors_bound,
    event_timings,
    phases,
    scenario_bound,
    shift_steps,
    teardown_failures,
)
from rehearse.records import AlarmTransition, HookVerdict, PhaseMark, RunResult
from rehearse.report import build_json, checks, markdown
from rehearse.settings import RehearsalSettings, load_settings
from tests.rehearse.runs import marks, requests, run

CANARY = "10 % of production on green (canary)"


@pytest.fixture(scope="module")
def prod() -> RehearsalSettings:
    return load_settings("prod")


@pytest.fixture(scope="module")
def dev() -> RehearsalSettings:
    return load_settings("dev")


def errors_run(prod: RehearsalSettings) -> RunResult:
    """Prod's canary at compression 12 from 1.0 s: green healthy 1 s early (24 %), the canary
    on time at 6.0 s, every 10th request green's and a 503 until the rollback at 18.0 s."""
    phase_marks = marks(prod, 1.0, 12, until=100)
    phase_marks = [
        PhaseMark(m.at - 1.0, m.label, m.green_percent) if m.label.startswith("green healthy") else m
        for m in phase_marks
    ]
    canary = next(m.at for m in phase_marks if m.label == CANARY)
    rollback = canary + 12
    phase_marks.append(PhaseMark(rollback, "rollback: alarm my-app-prod-target-5xx in ALARM", 0))

    def serve(i: int, at: float) -> tuple[int, str | None, float]:
        if canary <= at < rollback and i % 10 == 0:
            return 503, "green", 0.2
        return 200, "blue", 0.5 if i % 100 == 5 else 0.01

    return run(
        prod,
        scenario="errors",
        outcome="rolled_back",
        expected="rolled_back",
        phases=phase_marks,
        records=requests(25.0, serve),
        ended_at=25.0,
        rollback_at=rollback,
        hooks=(
            HookVerdict(
                at=8.5, event="AfterAllowTestTraffic", status="Succeeded", seconds=0.4, detail="2 checks"
            ),
        ),
        alarms=(
            AlarmTransition(0.0, "my-app-prod-target-5xx", "OK"),
            AlarmTransition(17.5, "my-app-prod-target-5xx", "ALARM"),
        ),
        reason="alarm my-app-prod-target-5xx in ALARM",
    )


def test_phase_boundaries_counts_and_percentiles(prod: RehearsalSettings) -> None:
    found = {p.label: p for p in phases(errors_run(prod))}
    canary = found[CANARY]
    # The canary 60 s into the release (30 s start + 20 s to the later of 2 first checks + 10 s
    # hook), 5.0 s at compression 12, from 1.0 s; the rollback 12 s later.
    assert (canary.start, canary.end) == pytest.approx((6.0, 18.0))
    # Requests 300 (6.00 s) to 899 (17.98 s): 600, of which i % 10 == 0 are green's 503s.
    assert (canary.requests, canary.failed) == (600, 60)
    green, blue = canary.by_colour["green"], canary.by_colour["blue"]
    assert (green.requests, green.p50_seconds, green.p99_seconds) == (60, 0.2, 0.2)
    # 540 blue answers, 6 of them (i % 100 == 5) slow: the 535th of 540 is the p99.
    assert (blue.requests, blue.p50_seconds, blue.p99_seconds) == (540, 0.01, 0.5)
    rollback = found["rollback: alarm my-app-prod-target-5xx in ALARM"]
    assert (rollback.requests, rollback.failed, rollback.green_percent) == (350, 0, 0)  # 900 to 1249
    assert rollback.by_colour["green"].requests == 0
    first = phases(errors_run(prod))[0]
    assert (first.label, first.start, first.requests) == ("before the first mark", 0.0, 50)
    assert sum(p.requests for p in phases(errors_run(prod))) == 1250


def test_timeline_against_the_preview(prod: RehearsalSettings) -> None:
    timings = {t.label: t for t in event_timings(prod, errors_run(prod))}
    healthy = next(t for label, t in timings.items() if label.startswith("green healthy"))
    # predicted 50 s / 12 (30 s start + 20 s, 2/3 of a 30 s interval for 2 tasks); observed 1 s early
    assert (healthy.predicted_seconds, healthy.observed_seconds) == pytest.approx((50 / 12, 38 / 12))
    assert healthy.difference == pytest.approx(-12 / 50)
    assert healthy.within_tolerance is False and healthy.key
    canary = timings[CANARY]
    assert canary.within_tolerance is True and canary.key
    assert canary.observed_stack_seconds == pytest.approx(60)
    assert canary.predicted_stack_seconds == 60
    gone = timings["blue gone: deployment complete"]
    assert (gone.observed_seconds, gone.within_tolerance, gone.key) == (None, None, True)
    assert not timings["green tasks running (image pull and start, assumed 30 s)"].key


def test_the_errors_bound_arithmetic(prod: RehearsalSettings, dev: RehearsalSettings) -> None:
    assert shift_steps(prod, 12) == [(0.0, 10.0), (25.0, 100.0)]
    assert shift_steps(dev, 12) == [(0.0, 100.0)]
    five_xx = next(a for a in prod.alarms if a.metric_name == "HTTPCode_Target_5XX_Count")
    assert alarm_window(five_xx, 12) == 15.0  # (2 of 2 + the partial period) x 60 s / 12
    assert errors_bound(50, [(0, 10), (25, 100)], 15) == 75  # 15 s x 5 requests/s on green
    assert errors_bound(50, [(0, 10), (25, 100)], 30) == 375  # 25 s at 10 %, then 5 s at 100 %
    assert errors_bound(50, [(0, 100)], 15) == 750
    assert errors_bound(50, [(0, 10)], 15, error_share=0.5) == 38
    assert errors_bound(50, [], 15) == 0
    assert scenario_bound(prod, 50, 12) == (75, five_xx)
    assert scenario_bound(dev, 50, 12) is not None and scenario_bound(dev, 50, 12)[0] == 750  # type: ignore[index]
    with pytest.raises(ValueError, match=r"^errors bound: rate -1/s"):
        errors_bound(-1, [(0, 10)], 15)


def test_the_errors_report_as_json(prod: RehearsalSettings) -> None:
    data = build_json(prod, errors_run(prod))
    json.dumps(data)  # all of it JSON
    assert {k: data[k] for k in ("stack", "engine", "strategy", "scenario", "outcome", "compression")} == {
        "stack": "prod",
        "engine": "codedeploy",
        "strategy": "canary",
        "scenario": "errors",
        "outcome": "rolled_back",
        "compression": 12.0,
    }
    assert (data["requests"], data["failed_requests"], data["failed_after_rollback"]) == (1250, 60, 0)
    assert data["errors_bound"] == {"bound": 75, "failed_requests": 60, "alarm": "my-app-prod-target-5xx"}
    assert data["clocks"] == {"rehearsal_seconds": 25.0, "stack_seconds": 300.0, "deployment_started_at": 1.0}
    assert data["preview_matches"] is False  # green healthy 24 % early
    assert data["verdict"] == "pass"
    assert [c["check"] for c in data["checks"]] == [
        "outcome",
        "no failures after the rollback",
        "failures within the alarm's bound",
    ]
    five_xx = next(a for a in data["alarms"] if a["name"] == "my-app-prod-target-5xx")
    assert (five_xx["final_state"], five_xx["first_alarm_at"], five_xx["measured"]) == ("ALARM", 17.5, True)
    cpu = next(a for a in data["alarms"] if a["name"] == "my-app-prod-cpu-high")
    assert (cpu["measured"], cpu["final_state"]) == (False, "INSUFFICIENT_DATA")
    assert data["rollback"]["at"] == pytest.approx(18.0)
    assert data["hooks"][0]["status"] == "Succeeded"
    assert data["teardown_failed_requests"] is None


def test_too_many_failures_fail_the_verdict(prod: RehearsalSettings) -> None:
    result = errors_run(prod)
    late = RunResult(**{**result.__dict__, "rollback_at": 12.0})
    data = build_json(prod, late)
    assert data["failed_after_rollback"] == 30  # the green 503s from 12.0 s on: requests 600 to 890
    assert data["verdict"] == "fail"


def test_the_markdown_report(prod: RehearsalSettings) -> None:
    text = markdown(prod, errors_run(prod))
    assert text.startswith(
        "### Rehearsal of `prod` (codedeploy, canary): scenario `errors` — rolled_back, verdict **pass**"
    )
    assert (
        "| requests | 1250, 60 failed (bound 75, set by my-app-prod-target-5xx), 0 after the rollback |"
        in text
    )
    assert (
        "| 6.0 s | 10 % of production on green (canary) | 10 | 600 | 60 | 540: 10 / 500 | 60: 200 / 200 |"
        in text
    )
    assert "| **10 % of production on green (canary)** | 5.0 s | 5.0 s | 1:00 | +0.0 % | yes |" in text
    assert "| 4.2 s | 3.2 s | 0:38 | -24.0 % | **no** |" in text
    assert "25.0 s rehearsed = 5:00 on the stack's clock (compression 12)" in text
    assert "| AfterAllowTestTraffic | Succeeded | 0.4 | 2 checks |" in text
    cpu = "| my-app-prod-cpu-high | AWS/ECS CPUUtilization Average | not measured"
    assert cpu + " (not visible to the load balancer) | – |" in text
    assert (
        "| my-app-prod-target-5xx | AWS/ApplicationELB HTTPCode_Target_5XX_Count Sum | ALARM | 17.5 s |"
        in text
    )
    assert "- ✅ failures within the alarm's bound: 60 failed, bound 75" in text


def test_a_good_dev_release(dev: RehearsalSettings) -> None:
    phase_marks = marks(dev, 1.0, 12)
    shift = next(m.at for m in phase_marks if m.green_percent == 100)
    records = requests(18.0, lambda i, at: (200, "green" if at >= shift else "blue", 0.01))
    result = run(
        dev,
        scenario="good",
        outcome="released",
        expected="released",
        phases=phase_marks,
        records=records,
        ended_at=18.0,
    )
    data = build_json(dev, result)
    assert (data["verdict"], data["failed_requests"], data["preview_matches"]) == ("pass", 0, True)
    assert data["teardown_failed_requests"] == 0
    assert data["green_production_requests"] == sum(1 for r in records if r.colour == "green") > 0
    assert all(t["within_10_percent"] in (True, None) for t in data["timeline"])
    assert data["errors_bound"] is None


def test_no_drain_counts_blue_teardowns_cost(dev: RehearsalSettings) -> None:
    phase_marks = marks(dev, 1.0, 12)
    drain = next(m.at for m in phase_marks if "drain" in m.label)

    def serve(i: int, at: float) -> tuple[int, str | None, float]:
        return (0, None, 1.0) if drain <= at < drain + 0.2 else (200, "green", 0.01)  # 10 dropped

    result = run(
        dev,
        scenario="no-drain",
        outcome="released",
        expected="released",
        phases=phase_marks,
        records=requests(21.0, serve),
        ended_at=21.0,
    )
    assert teardown_failures(dev, result) == 10
    assert build_json(dev, result)["verdict"] == "pass"  # the cost is counted, not judged


def test_crash_must_keep_green_away_from_production(dev: RehearsalSettings) -> None:
    failure = PhaseMark(6.0, "deployment failed: green never healthy", 0)
    phase_marks = [*marks(dev, 1.0, 12, until=30), failure]
    records = requests(8.0, lambda i, at: (200, "blue", 0.01))
    result = run(
        dev,
        scenario="crash",
        outcome="failed",
        expected="failed",
        phases=phase_marks,
        records=records,
        ended_at=8.0,
    )
    assert [(c.name, c.ok) for c in checks(dev, result)] == [
        ("outcome", True),
        ("no production request reaches green", True),
        ("no failed requests", True),
    ]
    leaked = run(
        dev,
        scenario="crash",
        outcome="released",
        expected="failed",
        phases=phase_marks,
        records=requests(8.0, lambda i, at: (502, "green", 0.01) if i == 3 else (200, "blue", 0.01)),
        ended_at=8.0,
    )
    assert [c.ok for c in checks(dev, leaked)] == [False, False, False]
