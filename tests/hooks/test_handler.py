"""The Lambda handler end to end: real HTTP to a local server, CodeDeploy via botocore's Stubber.

Stubber checks every call's parameters against the real CodeDeploy API model and fails on any
call it was not told to expect, so "exactly one report with these values" is what is asserted.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from hooks.smoke_test import handler as hook

from .support import LocalServer

# CodeDeploy invokes the hook with {"DeploymentId": ..., "LifecycleEventHookExecutionId": ...}; see the
# sample hook function, which reads exactly these two keys, in
# https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html
# ("Sample Lambda 'hooks' function" for an Amazon ECS deployment).
DEPLOYMENT_ID = "d-ABCDEF123"
EXECUTION_ID = "eyJlbmNyeXB0ZWREYXRhIjoiZXhhbXBsZSJ9"  # opaque in real events
EVENT = {"DeploymentId": DEPLOYMENT_ID, "LifecycleEventHookExecutionId": EXECUTION_ID}
FAST = {"REQUEST_TIMEOUT_SECONDS": "0.3", "ATTEMPTS": "2", "RETRY_DELAY_SECONDS": "0"}


@pytest.fixture
def stubber(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    client = boto3.client(
        "codedeploy", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    monkeypatch.setattr(hook, "make_codedeploy_client", lambda: client)
    with Stubber(client) as stub:
        yield stub


def expect_report(stub: Stubber, status: str) -> None:
    stub.add_response(
        "put_lifecycle_event_hook_execution_status",
        {"lifecycleEventHookExecutionId": EXECUTION_ID},
        {"deploymentId": DEPLOYMENT_ID, "lifecycleEventHookExecutionId": EXECUTION_ID, "status": status},
    )


def set_env(env: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in values.items():
        env.setenv(name, value)


def log_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def checks_json(*pairs: tuple[str, int]) -> str:
    return json.dumps([{"path": path, "expectStatus": status} for path, status in pairs])


def test_all_checks_pass_reports_succeeded(
    server: LocalServer, hook_env: pytest.MonkeyPatch, stubber: Stubber, capsys: pytest.CaptureFixture[str]
) -> None:
    flaky = f"/flaky/{uuid.uuid4().hex}/1"
    set_env(hook_env, TEST_URL=server.base_url, CHECKS=checks_json(("/ok", 200), (flaky, 200)), **FAST)
    expect_report(stubber, "Succeeded")

    result = hook.handler(EVENT, None)

    stubber.assert_no_pending_responses()
    assert result["status"] == "Succeeded"
    assert (result["deploymentId"], result["lifecycleEventHookExecutionId"]) == (DEPLOYMENT_ID, EXECUTION_ID)
    assert (result["passed"], result["failed"], result["error"]) == (2, 0, None)
    assert [(c["path"], c["status"], c["attempts"]) for c in result["checks"]] == [
        ("/ok", 200, 1),
        (flaky, 200, 2),
    ]
    json.dumps(result)  # the return value must serialise
    lines = log_lines(capsys)
    checks = [line for line in lines if line["message"] == "check"]
    assert [line["path"] for line in checks] == ["/ok", flaky]
    assert all(line["deploymentId"] == DEPLOYMENT_ID for line in checks)
    [summary] = [line for line in lines if line["message"] == "summary"]
    assert summary["status"] == "Succeeded" and "checks" not in summary


def test_defaults_check_health(server: LocalServer, hook_env: pytest.MonkeyPatch, stubber: Stubber) -> None:
    hook_env.setenv("TEST_URL", server.base_url)
    expect_report(stubber, "Succeeded")
    result = hook.handler(EVENT, None)
    stubber.assert_no_pending_responses()
    assert [(c["path"], c["status"], c["passed"]) for c in result["checks"]] == [("/health", 200, True)]


@pytest.mark.parametrize("bad", [("/error", 200), ("/redirect", 200), ("/slow", 200), ("/missing", 200)])
def test_one_failing_check_reports_failed(
    server: LocalServer,
    hook_env: pytest.MonkeyPatch,
    stubber: Stubber,
    capsys: pytest.CaptureFixture[str],
    bad: tuple[str, int],
) -> None:
    set_env(hook_env, TEST_URL=server.base_url, CHECKS=checks_json(("/ok", 200), bad), **FAST)
    hook_env.setenv("ATTEMPTS", "1")
    expect_report(stubber, "Failed")

    result = hook.handler(EVENT, None)

    stubber.assert_no_pending_responses()
    assert (result["status"], result["passed"], result["failed"]) == ("Failed", 1, 1)
    failing = [line for line in log_lines(capsys) if line["message"] == "check" and not line["passed"]]
    assert [line["path"] for line in failing] == [bad[0]] and failing[0]["level"] == "error"


def test_refused_connection_reports_failed(
    refused_url: str, hook_env: pytest.MonkeyPatch, stubber: Stubber
) -> None:
    set_env(hook_env, TEST_URL=refused_url, **FAST)
    expect_report(stubber, "Failed")
    result = hook.handler(EVENT, None)
    stubber.assert_no_pending_responses()
    assert result["checks"][0]["errorKind"] == "connection_refused"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"CHECKS": '[{"path": "health", "expectStatus": 200}]'}, "CHECKS"),
        ({"CHECKS": "[]"}, "CHECKS"),
        ({"CHECKS": "{oops"}, "CHECKS"),
        ({"TEST_URL": ""}, "TEST_URL"),
        ({"TEST_URL": "my-alb.example.com:9000"}, "TEST_URL"),
        ({"ATTEMPTS": "0"}, "ATTEMPTS"),
        ({"VERIFY_TLS": "nope"}, "VERIFY_TLS"),
    ],
)
def test_invalid_config_reports_failed_without_sending_requests(
    server: LocalServer,
    hook_env: pytest.MonkeyPatch,
    stubber: Stubber,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    named: str,
) -> None:
    set_env(hook_env, **{"TEST_URL": server.base_url, **FAST, **env})
    expect_report(stubber, "Failed")
    before = len(server.requests)

    result = hook.handler(EVENT, None)

    stubber.assert_no_pending_responses()
    assert len(server.requests) == before
    assert result["status"] == "Failed" and result["checks"] == []
    assert result["error"].startswith("invalid configuration: ") and named in result["error"]
    [config_error] = [line for line in log_lines(capsys) if line["message"] == "config_error"]
    assert named in config_error["error"] and config_error["deploymentId"] == DEPLOYMENT_ID


def test_unset_test_url_reports_failed(hook_env: pytest.MonkeyPatch, stubber: Stubber) -> None:
    expect_report(stubber, "Failed")
    result = hook.handler(EVENT, None)
    stubber.assert_no_pending_responses()
    assert "TEST_URL is required" in result["error"]


def test_unexpected_exception_reports_failed_then_reraises(
    server: LocalServer,
    hook_env: pytest.MonkeyPatch,
    stubber: Stubber,
    capsys: pytest.CaptureFixture[str],
) -> None:
    set_env(hook_env, TEST_URL=server.base_url, **FAST)

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    hook_env.setattr(hook, "run_checks", explode)
    expect_report(stubber, "Failed")

    with pytest.raises(RuntimeError, match="boom"):
        hook.handler(EVENT, None)

    stubber.assert_no_pending_responses()
    [line] = [line for line in log_lines(capsys) if line["message"] == "unexpected_error"]
    assert line["error"] == "RuntimeError: boom"


def test_a_failed_report_is_raised_and_not_contradicted(
    server: LocalServer, hook_env: pytest.MonkeyPatch, stubber: Stubber
) -> None:
    set_env(hook_env, TEST_URL=server.base_url, **FAST)
    stubber.add_client_error(
        "put_lifecycle_event_hook_execution_status",
        service_error_code="ThrottlingException",
        http_status_code=400,
        expected_params={
            "deploymentId": DEPLOYMENT_ID,
            "lifecycleEventHookExecutionId": EXECUTION_ID,
            "status": "Succeeded",
        },
    )
    # No second (Failed) response is queued: a second call would raise UnStubbedResponseError instead.
    with pytest.raises(ClientError, match="ThrottlingException"):
        hook.handler(EVENT, None)
    stubber.assert_no_pending_responses()


class FakeContext:
    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def test_no_time_left_still_reports_failed(
    server: LocalServer, hook_env: pytest.MonkeyPatch, stubber: Stubber
) -> None:
    set_env(hook_env, TEST_URL=server.base_url, **FAST)
    expect_report(stubber, "Failed")
    before = len(server.requests)
    result = hook.handler(EVENT, FakeContext(remaining_ms=int(hook.REPORT_RESERVE_SECONDS * 1000) - 1))
    stubber.assert_no_pending_responses()
    assert result["checks"][0]["errorKind"] == "deadline" and len(server.requests) == before


def test_enough_time_left_runs_normally(
    server: LocalServer, hook_env: pytest.MonkeyPatch, stubber: Stubber
) -> None:
    set_env(hook_env, TEST_URL=server.base_url, **FAST)
    expect_report(stubber, "Succeeded")
    assert hook.handler(EVENT, FakeContext(remaining_ms=60_000))["status"] == "Succeeded"
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"DeploymentId": DEPLOYMENT_ID},
        {"DeploymentId": "", "LifecycleEventHookExecutionId": EXECUTION_ID},
        {"DeploymentId": DEPLOYMENT_ID, "LifecycleEventHookExecutionId": None},
        ["not", "a", "dict"],
    ],
)
def test_unrecognised_event_raises_without_reporting(
    server: LocalServer, hook_env: pytest.MonkeyPatch, stubber: Stubber, event: Any
) -> None:
    hook_env.setenv("TEST_URL", server.base_url)
    with pytest.raises(ValueError):
        hook.handler(event, None)
    stubber.assert_no_pending_responses()  # nothing was queued, nothing was called


def test_https_listener_end_to_end(
    tls_server: LocalServer, hook_env: pytest.MonkeyPatch, stubber: Stubber
) -> None:
    set_env(hook_env, TEST_URL=tls_server.base_url, VERIFY_TLS="false", **FAST)
    expect_report(stubber, "Succeeded")
    assert hook.handler(EVENT, None)["status"] == "Succeeded"
    hook_env.setenv("VERIFY_TLS", "true")
    expect_report(stubber, "Failed")
    result = hook.handler(EVENT, None)
    assert result["checks"][0]["errorKind"] == "tls"
    stubber.assert_no_pending_responses()


def test_reporter_adapter_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    class Client:
        def put_lifecycle_event_hook_execution_status(self, **kwargs: str) -> None:
            calls.append(kwargs["status"])

    monkeypatch.setattr(hook, "make_codedeploy_client", Client)
    reporter = hook.reporter_for(EVENT)
    assert reporter.source == "codedeploy"
    assert reporter.ids == {"deploymentId": DEPLOYMENT_ID, "lifecycleEventHookExecutionId": EXECUTION_ID}
    reporter.report_failure()
    reporter.report_success()
    assert calls == ["Failed", "Succeeded"]
    assert reporter.response(True, {"status": "Succeeded"}) == {"status": "Succeeded"}
