"""CHECKS parsing and the environment contract (pure: no network, no AWS)."""

from __future__ import annotations

import pytest

from hooks.smoke_test.checks import DEFAULT_CHECKS_JSON, Check, parse_checks
from hooks.smoke_test.config import ConfigError, load_config, parse_test_url

URL = "http://my-alb-123.us-east-1.elb.amazonaws.com:9000"


def test_parses_checks_in_order() -> None:
    raw = '[{"path": "/health", "expectStatus": 200}, {"path": "/old?x=1", "expectStatus": 301}]'
    assert parse_checks(raw) == [Check("/health", 200), Check("/old?x=1", 301)]


def test_default_checks_are_health_200() -> None:
    assert parse_checks(DEFAULT_CHECKS_JSON) == [Check("/health", 200)]


@pytest.mark.parametrize(
    ("raw", "bad_value"),
    [
        ("not json", "'not json'"),
        ("[]", "'[]'"),
        ('{"path": "/health", "expectStatus": 200}', '\'{"path"'),
        ('["/health"]', "'/health'"),
        ('[{"path": "health", "expectStatus": 200}]', "'health'"),
        ('[{"path": "/a b", "expectStatus": 200}]', "'/a b'"),
        ('[{"path": "/a#b", "expectStatus": 200}]', "'/a#b'"),
        ('[{"path": "/caf\\u00e9", "expectStatus": 200}]', "'/café'"),
        ('[{"path": 5, "expectStatus": 200}]', "5"),
        ('[{"path": "/health", "expectStatus": 600}]', "600"),
        ('[{"path": "/health", "expectStatus": 99}]', "99"),
        ('[{"path": "/health", "expectStatus": "200"}]', "'200'"),
        ('[{"path": "/health", "expectStatus": 200.0}]', "200.0"),
        ('[{"path": "/health", "expectStatus": true}]', "True"),
        ('[{"path": "/health"}]', "['expectStatus']"),
        ('[{"path": "/health", "expectStatus": 200, "method": "POST"}]', "['method']"),
    ],
)
def test_bad_checks_name_the_variable_the_value_and_what_is_allowed(raw: str, bad_value: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        parse_checks(raw, var_name="CHECKS")
    message = str(excinfo.value)
    assert message.startswith("CHECKS is invalid: ")
    assert bad_value in message
    assert 'starts with "/"' in message and "100 to 599" in message  # the allowed values


def test_check_dataclass_validates_itself() -> None:
    with pytest.raises(ValueError, match="path"):
        Check("health", 200)
    with pytest.raises(ValueError, match="expect_status"):
        Check("/health", 700)


def test_config_defaults() -> None:
    config = load_config({"TEST_URL": URL + "/"})
    assert config.test_url == URL
    assert config.checks == (Check("/health", 200),)
    assert (config.request_timeout_seconds, config.attempts, config.retry_delay_seconds) == (5, 3, 5)
    assert config.verify_tls is True
    assert (config.max_in_progress, config.callback_delay_seconds) == (6, 15)


def test_blank_optional_variables_take_defaults() -> None:
    config = load_config({"TEST_URL": URL, "CHECKS": " ", "ATTEMPTS": "", "VERIFY_TLS": ""})
    assert config.checks == (Check("/health", 200),) and config.attempts == 3 and config.verify_tls


def test_config_overrides() -> None:
    config = load_config(
        {
            "TEST_URL": "https://alb.example.com:9443/prefix",
            "CHECKS": '[{"path": "/version", "expectStatus": 200}]',
            "REQUEST_TIMEOUT_SECONDS": "2.5",
            "ATTEMPTS": "1",
            "RETRY_DELAY_SECONDS": "0",
            "VERIFY_TLS": "FALSE",
            "MAX_IN_PROGRESS": "0",
            "CALLBACK_DELAY_SECONDS": "900",
        }
    )
    assert config.test_url == "https://alb.example.com:9443/prefix"
    assert config.checks == (Check("/version", 200),)
    assert (config.request_timeout_seconds, config.attempts, config.retry_delay_seconds) == (2.5, 1, 0)
    assert config.verify_tls is False
    assert (config.max_in_progress, config.callback_delay_seconds) == (0, 900)


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("REQUEST_TIMEOUT_SECONDS", "0", "> 0 and <= 60"),
        ("REQUEST_TIMEOUT_SECONDS", "61", "> 0 and <= 60"),
        ("REQUEST_TIMEOUT_SECONDS", "nan", "> 0 and <= 60"),
        ("REQUEST_TIMEOUT_SECONDS", "5s", "> 0 and <= 60"),
        ("ATTEMPTS", "0", "integer from 1 to 10"),
        ("ATTEMPTS", "2.5", "integer from 1 to 10"),
        ("ATTEMPTS", "11", "integer from 1 to 10"),
        ("RETRY_DELAY_SECONDS", "-1", ">= 0 and <= 60"),
        ("RETRY_DELAY_SECONDS", "inf", ">= 0 and <= 60"),
        ("VERIFY_TLS", "maybe", "true, 1, yes, false, 0, no"),
        ("CHECKS", "[]", "non-empty JSON array"),
        ("MAX_IN_PROGRESS", "-1", "integer from 0 to 100"),
        ("MAX_IN_PROGRESS", "101", "integer from 0 to 100"),
        ("MAX_IN_PROGRESS", "2.0", "integer from 0 to 100"),
        ("CALLBACK_DELAY_SECONDS", "0", "integer from 1 to 900"),
        ("CALLBACK_DELAY_SECONDS", "15s", "integer from 1 to 900"),
        ("CALLBACK_DELAY_SECONDS", "901", "integer from 1 to 900"),
    ],
)
def test_bad_variable_is_named_with_value_and_allowed(name: str, value: str, allowed: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_config({"TEST_URL": URL, name: value})
    message = str(excinfo.value)
    assert name in message and repr(value) in message and allowed in message


@pytest.mark.parametrize(
    "value",
    [
        "my-alb.example.com:9000",
        "ftp://my-alb.example.com",
        "http://",
        "http://alb.example.com:99999",
        "http://alb.example.com:9000/?a=1",
        "http://alb.example.com:9000/#x",
        "http://user:pw@alb.example.com",
        "http://alb example.com",
    ],
)
def test_bad_test_url(value: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        parse_test_url(value)
    message = str(excinfo.value)
    assert message.startswith("TEST_URL is invalid") and repr(value) in message and "http://" in message


def test_missing_test_url_is_reported_with_every_other_problem() -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_config({"ATTEMPTS": "zero"})
    message = str(excinfo.value)
    assert "TEST_URL is required" in message and "ATTEMPTS is invalid: 'zero'" in message
