"""rehearse.chart: the SVG parses, and its series are the run's traffic share and error rate."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from rehearse.chart import BOTTOM, HEIGHT, TOP, bucket_seconds, buckets, svg, weight_steps
from rehearse.settings import RehearsalSettings, load_settings
from tests.rehearse.test_report import errors_run

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def prod() -> RehearsalSettings:
    return load_settings("prod")


def _percent(y: float) -> float:
    return round(100 * (1 - (y - TOP) / (HEIGHT - TOP - BOTTOM)), 6)


def test_buckets_hold_the_share_and_the_error_rate(prod: RehearsalSettings) -> None:
    result = errors_run(prod)
    assert bucket_seconds(25.0) == 0.25 and bucket_seconds(600) == 5.0
    found = buckets(result, 1.0)
    assert len(found) == 25 and sum(b.requests for b in found) == 1250
    # 10.0-11.0 s lies inside the canary: every 10th request green's, each a 503.
    canary = found[10]
    assert (canary.requests, canary.green_share, canary.error_rate) == (50, 10.0, 10.0)
    assert (found[2].green_share, found[2].error_rate) == (0.0, 0.0)
    assert (found[24].green_share, found[24].error_rate) == (0.0, 0.0)  # after the rollback


def test_weights_step_with_the_marks(prod: RehearsalSettings) -> None:
    steps = weight_steps(errors_run(prod))
    # the canary 60 s into the release (5.0 s at compression 12) from 1.0 s; the rollback 12 s later
    assert steps == [(0.0, 0.0), (pytest.approx(6.0), 10), (pytest.approx(18.0), 0)]


def test_the_svg_parses_with_the_three_series_and_the_marks(prod: RehearsalSettings) -> None:
    result = errors_run(prod)
    root = ET.fromstring(svg(prod, result))
    assert root.tag == f"{SVG}svg"
    lines = {p.get("id"): p.get("points", "").split() for p in root.iter(f"{SVG}polyline")}
    assert set(lines) == {"green-weight", "green-share", "error-rate"}
    assert len(lines["green-share"]) == len(lines["error-rate"]) == 100  # 25 s in 0.25 s buckets
    shares = [_percent(float(point.split(",")[1])) for point in lines["green-share"]]
    errors = [_percent(float(point.split(",")[1])) for point in lines["error-rate"]]
    found = buckets(result, 0.25)
    assert shares == pytest.approx([b.green_share for b in found], abs=0.2)  # drawn to 0.1 px
    assert errors == pytest.approx([b.error_rate for b in found], abs=0.2)
    # 12 or 13 requests a bucket, every 10th green's and failing: 1 or 2 of them, 7.7 % to 15.4 %.
    assert max(shares) == max(errors) == pytest.approx(200 / 13, abs=0.2)
    assert shares[0] == errors[0] == 0.0
    weights = {round(_percent(float(point.split(",")[1])), 1) for point in lines["green-weight"]}
    assert weights == {0.0, 10.0}
    marks = list(root.iter(f"{SVG}line"))
    dashed = [line for line in marks if line.get("class") == "mark"]
    assert len(dashed) == len(result.phases)
    assert [line.get("stroke") for line in dashed].count("#c0392b") == 1  # the rollback
    title = root.find(f"{SVG}title")
    assert (
        title is not None
        and title.text == "Rehearsal of prod (codedeploy, canary), scenario errors: rolled_back"
    )
