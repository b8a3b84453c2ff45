"""Pure smoke-check core: parse the CHECKS JSON, send HTTP GETs with retries, record results.

No AWS here and nothing outside the standard library. Redirects are never followed and a
non-2xx answer is read as a status, so `expectStatus` is compared with what the server
really said.
"""

from __future__ import annotations

import functools
import http.client
import json
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, Protocol

DEFAULT_CHECKS_JSON = '[{"path": "/health", "expectStatus": 200}]'
MIN_STATUS = 100
MAX_STATUS = 599
USER_AGENT = "codedeploy-smoke-test/1"

CHECKS_ALLOWED = (
    'a non-empty JSON array of objects like [{"path": "/health", "expectStatus": 200}]: '
    '"path" is a string that starts with "/" and holds only printable ASCII without spaces '
    'or "#"; "expectStatus" is an integer from 100 to 599; no other keys'
)

# What went wrong when no status came back; `CheckResult.error_kind` is one of these.
ERROR_KINDS = ("timeout", "connection_refused", "tls", "dns", "connection", "protocol", "deadline", "other")


def _path_problem(path: object) -> str | None:
    if not isinstance(path, str):
        return "is not a string"
    if not path.startswith("/"):
        return 'does not start with "/"'
    if any(not ("!" <= ch <= "~") for ch in path):
        return "holds a space, a control character or non-ASCII (percent-encode it)"
    if "#" in path:
        return 'holds "#" (a fragment is never sent to the server)'
    return None


def _status_problem(status: object) -> str | None:
    if isinstance(status, bool) or not isinstance(status, int):
        return "is not an integer"
    if not MIN_STATUS <= status <= MAX_STATUS:
        return f"is outside {MIN_STATUS}-{MAX_STATUS}"
    return None


@dataclass(frozen=True)
class Check:
    """One GET to send: `path` is appended to the test URL; pass iff the status equals `expect_status`."""

    path: str
    expect_status: int

    def __post_init__(self) -> None:
        if (problem := _path_problem(self.path)) is not None:
            raise ValueError(f"Check path {self.path!r} {problem}")
        if (problem := _status_problem(self.expect_status)) is not None:
            raise ValueError(f"Check expect_status {self.expect_status!r} {problem}")


def _short(value: object, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse_checks(raw: str, *, var_name: str = "CHECKS") -> list[Check]:
    """Parse the CHECKS JSON; ValueError names the variable, the bad value and what is allowed."""

    def fail(detail: str) -> NoReturn:
        raise ValueError(f"{var_name} is invalid: {detail}. Allowed: {CHECKS_ALLOWED}.")

    try:
        data: Any = json.loads(raw)
    except json.JSONDecodeError as exc:
        fail(f"{_short(raw)} is not valid JSON ({exc.msg} at position {exc.pos})")
    if not isinstance(data, list) or not data:
        fail(f"{_short(raw)} is not a non-empty JSON array")
    result: list[Check] = []
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            fail(f"item {index} is {_short(item)}, not an object")
        unknown = sorted(set(item) - {"path", "expectStatus"})
        if unknown:
            fail(f"item {index} {_short(item)} has unknown key(s) {unknown}")
        missing = [key for key in ("path", "expectStatus") if key not in item]
        if missing:
            fail(f"item {index} {_short(item)} lacks {missing}")
        if (problem := _path_problem(item["path"])) is not None:
            fail(f'item {index} "path" {_short(item["path"])} {problem}')
        if (problem := _status_problem(item["expectStatus"])) is not None:
            fail(f'item {index} "expectStatus" {_short(item["expectStatus"])} {problem}')
        result.append(Check(path=item["path"], expect_status=item["expectStatus"]))
    return result


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check after all its attempts.

    `status` is the last HTTP status received (None if none came back); `error` / `error_kind`
    describe the last failure without a status (None when a status came back).
    """

    path: str
    url: str
    expected: int
    status: int | None
    error: str | None
    error_kind: str | None
    attempts: int
    elapsed_ms: int
    passed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "url": self.url,
            "expectStatus": self.expected,
            "status": self.status,
            "error": self.error,
            "errorKind": self.error_kind,
            "attempts": self.attempts,
            "elapsedMs": self.elapsed_ms,
            "passed": self.passed,
        }


class Opener(Protocol):
    """What run_checks needs from a urllib OpenerDirector (tests may pass a fake)."""

    def open(self, fullurl: urllib.request.Request, data: None = None, timeout: float = ...) -> Any: ...


class _EveryStatusIsAResponse(urllib.request.HTTPErrorProcessor):
    """Return every response as-is: no HTTPError for non-2xx, hence no redirect is ever followed.

    urllib only follows redirects from its error path (HTTPErrorProcessor -> HTTPRedirectHandler),
    so skipping that path makes a 302 come back as a plain 302.
    """

    def http_response(self, request: urllib.request.Request, response: Any) -> Any:
        return response

    https_response = http_response


@functools.cache
def make_ssl_context(verify_tls: bool) -> ssl.SSLContext:
    """Default (verifying) context, or one that checks neither the chain nor the hostname.

    Made once per process for each setting: reading the system's CA certificates takes tens of
    milliseconds, which every warm invocation of the hook would otherwise pay again. Nothing
    changes a context after it is made."""
    context = ssl.create_default_context()
    if not verify_tls:
        # The HTTPS test listener presents the service's certificate, whose name is not the
        # ALB's hostname; the program turns verification off there on purpose.
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def build_opener(*, verify_tls: bool = True) -> urllib.request.OpenerDirector:
    """urllib opener: no redirects, non-2xx as statuses, no proxies from the environment."""
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        urllib.request.HTTPSHandler(context=make_ssl_context(verify_tls)),
        _EveryStatusIsAResponse(),
    )


def classify_error(exc: BaseException | str, timeout_seconds: float) -> tuple[str, str]:
    """(error_kind, message) for a failure that produced no HTTP status."""
    if isinstance(exc, TimeoutError):  # socket.timeout is TimeoutError; covers connect, TLS and read
        return "timeout", f"timeout: no response within {timeout_seconds:g}s"
    if isinstance(exc, ssl.SSLError):
        return "tls", f"TLS error: {exc}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection_refused", "connection refused"
    if isinstance(exc, socket.gaierror):
        return "dns", f"DNS lookup failed: {exc}"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "connection", "connection closed without a response"
    if isinstance(exc, http.client.HTTPException):
        return "protocol", f"bad HTTP response: {type(exc).__name__}: {exc}"
    if isinstance(exc, OSError):
        return "connection", f"network error: {type(exc).__name__}: {exc}"
    if isinstance(exc, str):
        return "other", exc
    return "other", f"{type(exc).__name__}: {exc}"


def _attempt(opener: Opener, url: str, timeout_seconds: float) -> tuple[int | None, str | None, str | None]:
    """One GET: (status, None, None) or (None, error_kind, error)."""
    request = urllib.request.Request(
        url, method="GET", headers={"User-Agent": USER_AGENT, "Cache-Control": "no-cache"}
    )
    try:
        with opener.open(request, timeout=timeout_seconds) as response:
            return int(response.status), None, None
    except urllib.error.HTTPError as exc:  # only from an opener that raises for non-2xx
        exc.close()
        return exc.code, None, None
    except urllib.error.URLError as exc:
        kind, error = classify_error(exc.reason, timeout_seconds)
        return None, kind, error
    except (OSError, http.client.HTTPException) as exc:  # raised after the connection was made
        kind, error = classify_error(exc, timeout_seconds)
        return None, kind, error


def _run_one(
    opener: Opener,
    base_url: str,
    check: Check,
    *,
    timeout_seconds: float,
    attempts: int,
    retry_delay_seconds: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    deadline: float | None,
) -> CheckResult:
    url = base_url + check.path
    started = clock()
    status: int | None = None
    kind: str | None = None
    error: str | None = None
    used = 0
    for attempt in range(1, attempts + 1):
        if attempt > 1:
            if deadline is not None and clock() + retry_delay_seconds >= deadline:
                break
            sleep(retry_delay_seconds)
        timeout = timeout_seconds
        if deadline is not None:
            remaining = deadline - clock()
            if remaining <= 0:
                break
            timeout = min(timeout, remaining)
        used = attempt
        status, kind, error = _attempt(opener, url, timeout)
        if status == check.expect_status:
            break
    if used == 0:
        kind, error = "deadline", "not attempted: the time budget ran out first"
    return CheckResult(
        path=check.path,
        url=url,
        expected=check.expect_status,
        status=status,
        error=error,
        error_kind=kind,
        attempts=used,
        elapsed_ms=round((clock() - started) * 1000),
        passed=used > 0 and status == check.expect_status,
    )


def run_checks(
    base_url: str,
    checks: Sequence[Check],
    *,
    timeout_seconds: float,
    attempts: int,
    retry_delay_seconds: float,
    verify_tls: bool = True,
    sleep: Callable[[float], None] = time.sleep,
    opener: Opener | None = None,
    clock: Callable[[], float] = time.monotonic,
    deadline: float | None = None,
) -> list[CheckResult]:
    """Run every check in order (all of them, even after a failure) and return one result each.

    Each check is tried up to `attempts` times, `retry_delay_seconds` apart, until its status
    matches. `timeout_seconds` bounds each socket operation of an attempt. `verify_tls` is only
    used when no `opener` is given. `deadline` (a `clock()` value) stops retries - and skips
    checks - that would run past it, so the caller keeps time to report.
    """
    if attempts < 1:
        raise ValueError(f"attempts must be >= 1, got {attempts!r}")
    if timeout_seconds <= 0:
        raise ValueError(f"timeout_seconds must be > 0, got {timeout_seconds!r}")
    if retry_delay_seconds < 0:
        raise ValueError(f"retry_delay_seconds must be >= 0, got {retry_delay_seconds!r}")
    if opener is None:
        opener = build_opener(verify_tls=verify_tls)
    base = base_url.rstrip("/")
    return [
        _run_one(
            opener,
            base,
            check,
            timeout_seconds=timeout_seconds,
            attempts=attempts,
            retry_delay_seconds=retry_delay_seconds,
            sleep=sleep,
            clock=clock,
            deadline=deadline,
        )
        for check in checks
    ]
