"""The Lambda's environment contract, validated up front (pure: no AWS, no network)."""

from __future__ import annotations

import math
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING or __package__:  # imported as hooks.smoke_test.config (tests, tooling)
    from .checks import DEFAULT_CHECKS_JSON, Check, parse_checks
else:  # inside Lambda the code directory is the import root
    from checks import DEFAULT_CHECKS_JSON, Check, parse_checks

# Unset or blank optional variables take these defaults.
DEFAULTS: dict[str, str] = {
    "CHECKS": DEFAULT_CHECKS_JSON,
    "REQUEST_TIMEOUT_SECONDS": "5",
    "ATTEMPTS": "3",
    "RETRY_DELAY_SECONDS": "5",
    "VERIFY_TLS": "true",
    # Used only under Amazon ECS lifecycle hooks (validated under both engines).
    "MAX_IN_PROGRESS": "6",
    "CALLBACK_DELAY_SECONDS": "15",
}
MAX_TIMEOUT_SECONDS = 60.0
MAX_ATTEMPTS = 10
MAX_RETRY_DELAY_SECONDS = 60.0
MAX_MAX_IN_PROGRESS = 100
MIN_CALLBACK_DELAY_SECONDS = 1
MAX_CALLBACK_DELAY_SECONDS = 900
TRUE_VALUES = ("true", "1", "yes")
FALSE_VALUES = ("false", "0", "no")

_DECIMAL = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)")
_INTEGER = re.compile(r"\d+")


class ConfigError(ValueError):
    """One or more environment variables are missing or invalid; the message lists them all."""


@dataclass(frozen=True)
class Config:
    test_url: str
    checks: tuple[Check, ...]
    request_timeout_seconds: float
    attempts: int
    retry_delay_seconds: float
    verify_tls: bool
    # Amazon ECS only: how many IN_PROGRESS answers one hook execution may give while green is
    # still unreachable, and the callBackDelay (seconds) returned with each.
    max_in_progress: int = int(DEFAULTS["MAX_IN_PROGRESS"])
    callback_delay_seconds: int = int(DEFAULTS["CALLBACK_DELAY_SECONDS"])


def parse_test_url(raw: str) -> str:
    """An http(s) URL with a host (an optional port and path prefix); returned without a trailing "/"."""
    allowed = (
        "an http:// or https:// URL with a host, an optional port and path, no query, fragment or "
        "credentials, e.g. http://my-alb-123.us-east-1.elb.amazonaws.com:9000"
    )
    if not raw:
        raise ValueError(f"TEST_URL is required and not set. Allowed: {allowed}.")
    problem = None
    try:
        parts = urllib.parse.urlsplit(raw)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        problem = str(exc)
    else:
        if parts.scheme not in ("http", "https"):
            problem = "the scheme is not http or https"
        elif not parts.hostname:
            problem = "there is no host"
        elif parts.query or parts.fragment or "?" in raw or "#" in raw:
            problem = "it has a query or fragment"
        elif parts.username is not None or parts.password is not None:
            problem = "it has credentials"
        elif any(not ("!" <= ch <= "~") for ch in raw):
            problem = "it holds a space, a control character or non-ASCII"
    if problem is not None:
        raise ValueError(f"TEST_URL is invalid: {raw!r} ({problem}). Allowed: {allowed}.")
    return raw.rstrip("/")


def _number(name: str, raw: str, *, minimum: float, maximum: float, allow_minimum: bool) -> float:
    low = f">= {minimum:g}" if allow_minimum else f"> {minimum:g}"
    allowed = f"a decimal number of seconds {low} and <= {maximum:g}"
    value = float(raw) if _DECIMAL.fullmatch(raw) else math.nan
    in_range = (value >= minimum if allow_minimum else value > minimum) and value <= maximum
    if not in_range:  # also false for nan
        raise ValueError(f"{name} is invalid: {raw!r}. Allowed: {allowed}.")
    return value


def _integer(name: str, raw: str, *, minimum: int, maximum: int) -> int:
    if not _INTEGER.fullmatch(raw) or not minimum <= int(raw) <= maximum:
        raise ValueError(f"{name} is invalid: {raw!r}. Allowed: an integer from {minimum} to {maximum}.")
    return int(raw)


def _boolean(name: str, raw: str) -> bool:
    lowered = raw.lower()
    if lowered in TRUE_VALUES:
        return True
    if lowered in FALSE_VALUES:
        return False
    allowed = ", ".join(TRUE_VALUES + FALSE_VALUES)
    raise ValueError(f"{name} is invalid: {raw!r}. Allowed (case-insensitive): {allowed}.")


def load_config(env: Mapping[str, str]) -> Config:
    """Validate every variable; raise ConfigError listing all problems at once."""

    def get(name: str) -> str:
        return env.get(name, "").strip() or DEFAULTS.get(name, "")

    parsers: dict[str, Callable[[str], object]] = {
        "TEST_URL": parse_test_url,
        "CHECKS": lambda raw: tuple(parse_checks(raw, var_name="CHECKS")),
        "REQUEST_TIMEOUT_SECONDS": lambda raw: _number(
            "REQUEST_TIMEOUT_SECONDS", raw, minimum=0, maximum=MAX_TIMEOUT_SECONDS, allow_minimum=False
        ),
        "ATTEMPTS": lambda raw: _integer("ATTEMPTS", raw, minimum=1, maximum=MAX_ATTEMPTS),
        "RETRY_DELAY_SECONDS": lambda raw: _number(
            "RETRY_DELAY_SECONDS", raw, minimum=0, maximum=MAX_RETRY_DELAY_SECONDS, allow_minimum=True
        ),
        "VERIFY_TLS": lambda raw: _boolean("VERIFY_TLS", raw),
        "MAX_IN_PROGRESS": lambda raw: _integer(
            "MAX_IN_PROGRESS", raw, minimum=0, maximum=MAX_MAX_IN_PROGRESS
        ),
        "CALLBACK_DELAY_SECONDS": lambda raw: _integer(
            "CALLBACK_DELAY_SECONDS",
            raw,
            minimum=MIN_CALLBACK_DELAY_SECONDS,
            maximum=MAX_CALLBACK_DELAY_SECONDS,
        ),
    }
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, parse in parsers.items():
        try:
            values[name] = parse(get(name))
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("; ".join(problems))
    return Config(
        test_url=values["TEST_URL"],
        checks=values["CHECKS"],
        request_timeout_seconds=values["REQUEST_TIMEOUT_SECONDS"],
        attempts=values["ATTEMPTS"],
        retry_delay_seconds=values["RETRY_DELAY_SECONDS"],
        verify_tls=values["VERIFY_TLS"],
        max_in_progress=values["MAX_IN_PROGRESS"],
        callback_delay_seconds=values["CALLBACK_DELAY_SECONDS"],
    )
