"""HTTPS test listener: its certificate does not name the host we call, so VERIFY_TLS=false exists."""

from __future__ import annotations

import ssl

from hooks.smoke_test.checks import Check, make_ssl_context, run_checks

from .support import LocalServer


def test_verify_tls_false_accepts_the_mismatched_self_signed_cert(tls_server: LocalServer) -> None:
    [result] = run_checks(
        tls_server.base_url,
        [Check("/ok", 200)],
        timeout_seconds=2,
        attempts=1,
        retry_delay_seconds=0,
        verify_tls=False,
    )
    assert (result.status, result.passed) == (200, True)
    assert result.url.startswith("https://")


def test_verify_tls_true_rejects_it_as_a_tls_error(tls_server: LocalServer) -> None:
    [result] = run_checks(
        tls_server.base_url,
        [Check("/ok", 200)],
        timeout_seconds=2,
        attempts=2,
        retry_delay_seconds=0,
        verify_tls=True,
    )
    assert (result.status, result.error_kind, result.passed, result.attempts) == (None, "tls", False, 2)
    assert result.error is not None and "CERTIFICATE_VERIFY_FAILED" in result.error


def test_ssl_contexts() -> None:
    strict = make_ssl_context(True)
    assert strict.verify_mode == ssl.CERT_REQUIRED and strict.check_hostname
    relaxed = make_ssl_context(False)
    assert relaxed.verify_mode == ssl.CERT_NONE and not relaxed.check_hostname


def test_each_context_is_made_once_per_process() -> None:
    """Reading the CA certificates again on every warm invocation cost tens of milliseconds."""
    assert make_ssl_context(True) is make_ssl_context(True)
    assert make_ssl_context(False) is make_ssl_context(False)
    assert make_ssl_context(True) is not make_ssl_context(False)
