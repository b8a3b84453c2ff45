"""run_checks against a real local HTTP server: good, bad, redirecting, slow, flaky and absent."""

from __future__ import annotations

import socket
import time
import urllib.request
import uuid

import pytest

from hooks.smoke_test.checks import USER_AGENT, Check, CheckResult, classify_error, run_checks

from .support import LocalServer

TIMEOUT = 0.5


class FakeSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def run(base_url: str, *checks: Check, attempts: int = 1, **kwargs: object) -> list[CheckResult]:
    options: dict[str, object] = {"timeout_seconds": TIMEOUT, "retry_delay_seconds": 0, **kwargs}
    return run_checks(base_url, list(checks), attempts=attempts, **options)  # type: ignore[arg-type]


def flaky_path(failures: int) -> str:
    return f"/flaky/{uuid.uuid4().hex}/{failures}"


def test_passing_check_records_everything(server: LocalServer) -> None:
    [result] = run(server.base_url, Check("/ok", 200), attempts=3)
    assert result == CheckResult(
        path="/ok",
        url=f"{server.base_url}/ok",
        expected=200,
        status=200,
        error=None,
        error_kind=None,
        attempts=1,
        elapsed_ms=result.elapsed_ms,
        passed=True,
    )
    assert 0 <= result.elapsed_ms < 2000
    assert result.to_dict()["expectStatus"] == 200 and result.to_dict()["elapsedMs"] == result.elapsed_ms


def test_sends_a_plain_get_with_our_user_agent(server: LocalServer) -> None:
    path = f"/ok?probe={uuid.uuid4().hex}"
    run(server.base_url, Check(path, 404))
    [(method, _, headers)] = [r for r in server.requests if r[1] == path]
    assert method == "GET" and headers["User-Agent"] == USER_AGENT


@pytest.mark.parametrize(("path", "status"), [("/error", 500), ("/missing", 404), ("/status/503", 503)])
def test_non_2xx_is_a_status_not_an_exception_and_is_retried(
    server: LocalServer, path: str, status: int
) -> None:
    sleep = FakeSleep()
    [result] = run(server.base_url, Check(path, 200), attempts=3, retry_delay_seconds=0.25, sleep=sleep)
    assert (result.status, result.error, result.passed, result.attempts) == (status, None, False, 3)
    assert sleep.calls == [0.25, 0.25]  # between attempts, not after the last


def test_expected_non_2xx_status_passes(server: LocalServer) -> None:
    [result] = run(server.base_url, Check("/error", 500), attempts=3)
    assert result.passed and result.attempts == 1


def test_redirect_is_not_followed_and_is_not_a_200(server: LocalServer) -> None:
    before = server.hits("/ok")
    [result] = run(server.base_url, Check("/redirect", 200), attempts=2)
    assert (result.status, result.passed, result.attempts) == (302, False, 2)
    assert server.hits("/ok") == before  # the Location was never fetched
    [expected] = run(server.base_url, Check("/redirect", 302))
    assert expected.passed


def test_slow_route_times_out(server: LocalServer) -> None:
    started = time.monotonic()
    [result] = run(server.base_url, Check("/slow", 200), attempts=2, timeout_seconds=0.3)
    took = time.monotonic() - started
    assert (result.status, result.error_kind, result.passed, result.attempts) == (None, "timeout", False, 2)
    assert result.error == "timeout: no response within 0.3s"
    assert 0.55 <= took < 3 and 550 <= result.elapsed_ms < 3000


def test_flaky_route_passes_thanks_to_retries(server: LocalServer) -> None:
    path = flaky_path(2)
    sleep = FakeSleep()
    [result] = run(server.base_url, Check(path, 200), attempts=3, sleep=sleep)
    assert (result.status, result.passed, result.attempts) == (200, True, 3)
    assert server.hits(path) == 3 and len(sleep.calls) == 2


def test_flaky_route_fails_when_attempts_run_out(server: LocalServer) -> None:
    path = flaky_path(2)
    [result] = run(server.base_url, Check(path, 200), attempts=2)
    assert (result.status, result.passed, result.attempts) == (503, False, 2)
    assert server.hits(path) == 2


def test_refused_connection(refused_url: str) -> None:
    [result] = run(refused_url, Check("/health", 200), attempts=2)
    assert (result.status, result.error_kind) == (None, "connection_refused")
    assert result.error == "connection refused"
    assert (result.passed, result.attempts) == (False, 2)


def test_connection_closed_without_answer(server: LocalServer) -> None:
    [result] = run(server.base_url, Check("/drop", 200))
    assert (result.status, result.error_kind, result.passed) == (None, "connection", False)


def test_every_check_runs_even_after_a_failure(server: LocalServer) -> None:
    results = run(server.base_url, Check("/error", 200), Check("/ok", 200), Check("/missing", 404))
    assert [(r.path, r.passed) for r in results] == [("/error", False), ("/ok", True), ("/missing", True)]


def test_base_url_prefix_and_trailing_slash(server: LocalServer) -> None:
    [result] = run(server.base_url + "/status/", Check("/204", 204))
    assert result.url == f"{server.base_url}/status/204" and result.passed


def test_deadline_stops_retries_before_the_delay(server: LocalServer) -> None:
    sleep = FakeSleep()
    deadline = time.monotonic() + 2
    check = Check("/error", 200)
    [result] = run(server.base_url, check, attempts=3, retry_delay_seconds=5, sleep=sleep, deadline=deadline)
    assert (result.attempts, result.status, sleep.calls) == (1, 500, [])


def test_deadline_already_past_skips_the_check(server: LocalServer) -> None:
    before = len(server.requests)
    [result] = run(server.base_url, Check("/ok", 200), attempts=3, deadline=time.monotonic() - 1)
    assert (result.attempts, result.status, result.error_kind, result.passed) == (0, None, "deadline", False)
    assert len(server.requests) == before


def test_deadline_shortens_the_timeout(server: LocalServer) -> None:
    started = time.monotonic()
    [result] = run(server.base_url, Check("/slow", 200), timeout_seconds=5, deadline=started + 0.3)
    assert result.error_kind == "timeout" and time.monotonic() - started < 2


def test_opener_that_raises_http_error_still_yields_the_status(server: LocalServer) -> None:
    # urllib's stock opener raises HTTPError for 500 (and follows redirects); the status is still read.
    [result] = run(server.base_url, Check("/error", 200), opener=urllib.request.build_opener())
    assert (result.status, result.error, result.passed) == (500, None, False)


def test_classify_error_kinds() -> None:
    assert classify_error(TimeoutError(), 1)[0] == "timeout"
    assert classify_error(ConnectionRefusedError(), 1) == ("connection_refused", "connection refused")
    assert classify_error(socket.gaierror(-2, "Name or service not known"), 1)[0] == "dns"
    assert classify_error(ConnectionResetError(104, "reset"), 1)[0] == "connection"
    assert classify_error("unknown url type", 1) == ("other", "unknown url type")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"attempts": 0, "timeout_seconds": 1, "retry_delay_seconds": 0},
        {"attempts": 1, "timeout_seconds": 0, "retry_delay_seconds": 0},
        {"attempts": 1, "timeout_seconds": 1, "retry_delay_seconds": -1},
    ],
)
def test_run_checks_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        run_checks("http://127.0.0.1:1", [Check("/x", 200)], **kwargs)  # type: ignore[arg-type]
