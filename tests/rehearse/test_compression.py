"""rehearse.compression: one factor for every configured duration, and the default for each stack."""

from __future__ import annotations

import dataclasses

import pytest

from rehearse.compression import (
    MIN_SECONDS,
    REHEARSAL_PERIOD_SECONDS,
    TARGET_REHEARSAL_SECONDS,
    Compression,
    check_factor,
    compressed,
    default_compression,
)
from rehearse.settings import RehearsalSettings, load_settings


@pytest.fixture(scope="module")
def dev() -> RehearsalSettings:
    return load_settings("dev")


@pytest.fixture(scope="module")
def prod() -> RehearsalSettings:
    return load_settings("prod")


def test_prod_canary_rehearses_in_about_a_minute(prod: RehearsalSettings) -> None:
    factor = default_compression(prod)
    assert factor == 60 / REHEARSAL_PERIOD_SECONDS == 12
    rehearsal = Compression(factor).to_rehearsal(prod.timeline.typical_seconds)
    # 30 s start + 20 s to the later of 2 tasks' first checks + 10 s hook + 5 min canary + 5 min wait
    # + 30 s drain + 5 s exit = 695 s, / 12 = 57.92 s.
    assert prod.timeline.typical_seconds == 695
    assert rehearsal == pytest.approx(57.917, abs=0.001)


def test_dev_rehearses_faster(dev: RehearsalSettings, prod: RehearsalSettings) -> None:
    factor = default_compression(dev)
    assert factor == 12
    dev_seconds = Compression(factor).to_rehearsal(dev.timeline.typical_seconds)
    prod_seconds = Compression(default_compression(prod)).to_rehearsal(prod.timeline.typical_seconds)
    assert dev_seconds == pytest.approx(230 / 12)  # 30 s + 5 s first check + 3 min wait + 10 s + 5 s
    assert dev_seconds <= prod_seconds / 3


def test_every_alarm_period_keeps_its_share_of_the_release(prod: RehearsalSettings) -> None:
    compression = Compression(default_compression(prod))
    canary = compression.to_rehearsal(prod.release.routing.interval_minutes * 60)  # type: ignore[operator]
    period = compression.to_rehearsal(prod.alarms[0].period_seconds)
    assert (canary, period) == (25.0, REHEARSAL_PERIOD_SECONDS)
    assert canary / period == 300 / 60


def test_without_alarms_the_typical_release_sets_the_factor(prod: RehearsalSettings) -> None:
    quiet = dataclasses.replace(prod, alarms=())
    assert default_compression(quiet) == 695 / TARGET_REHEARSAL_SECONDS
    short = dataclasses.replace(prod, alarms=(dataclasses.replace(prod.alarms[0], period_seconds=1),))
    assert default_compression(short) == 1.0  # never slower than the release itself


def test_both_ways_and_the_floors() -> None:
    compression = Compression(12)
    assert compression.to_rehearsal(30) == 2.5
    assert compression.to_stack(2.5) == 30
    assert compression.to_rehearsal(0) == 0.0
    assert Compression(100_000).to_rehearsal(5) == MIN_SECONDS
    assert Compression(100_000).to_rehearsal(5, floor=0.2) == 0.2
    assert compression.milliseconds(30) == 2500
    assert compressed(300, 12) == compression.to_rehearsal(300) == 25.0
    assert compressed(1, 1e6, floor=0.01) == 0.01
    with pytest.raises(ValueError, match=r"^compression: 0\.5 is below 1"):
        compressed(10, 0.5)
    assert Compression(1e9).milliseconds(1) == 1
    with pytest.raises(ValueError, match=r"^duration: -1 s is negative; allowed: 0 or more seconds$"):
        compression.to_rehearsal(-1)


@pytest.mark.parametrize(
    ("factor", "message"),
    [
        (0.5, "compression: 0.5 is below 1; allowed: a number >= 1 (1 = real time)"),
        (float("nan"), "compression: nan is not a number; allowed: a number >= 1 (1 = real time)"),
        ("10", "compression: '10' is not a number; allowed: a number >= 1 (1 = real time)"),
    ],
)
def test_bad_factors_are_named(factor: float, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        check_factor(factor)
    assert str(raised.value) == message
    with pytest.raises(ValueError):
        Compression(factor)
