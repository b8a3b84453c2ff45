"""The handler under Amazon ECS lifecycle hooks, end to end: real HTTP to a local server, verdict returned.

ECS reads the verdict from the return value ({"hookStatus": ...}); no AWS API is called, so every
test here also fails if a CodeDeploy client is so much as created.

Payloads are copied from the AWS documentation:

- https://docs.aws.amazon.com/AmazonECS/latest/developerguide/lambda-lifecycle-hooks.html
  ("Lifecycle payloads", "Lifecycle hooks during rollback" and "Passing state with hookDetails"):
  executionId / lifecycleStage / resourceArn / executionDetails, plus hookDetails on later calls;
- https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-lifecycle-hooks.html as it
  read before that page existed ("Lifecycle payloads"): the same four fields at the top level.
"""

from __future__ import annotations

import copy
import json
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from hooks.smoke_test import handler as hook

from .support import LocalServer

GREEN = "arn:aws:ecs:us-west-2:123456789012:service-revision/my-cluster/my-service/9313423515462893900"
BLUE = "arn:aws:ecs:us-west-2:123456789012:service-revision/my-cluster/my-service/1920498462936580504"
SERVICE = "arn:aws:ecs:us-west-2:123456789012:service/my-cluster/my-service"
DEPLOYMENT = (
    "arn:aws:ecs:us-west-2:123456789012:service-deployment/my-cluster/my-service/EZe5RNVLH6PPzHXINuP28"
)

# lambda-lifecycle-hooks.html, "POST_TEST_TRAFFIC_SHIFT": where this hook belongs (the analogue of
# CodeDeploy's AfterAllowTestTraffic: green serves 100% of test traffic, no production traffic yet).
POST_TEST_TRAFFIC_SHIFT: dict[str, Any] = {
    "executionId": "3a0345ba-b029-404b-890d-7da2a4b266aa",
    "lifecycleStage": "POST_TEST_TRAFFIC_SHIFT",
    "resourceArn": DEPLOYMENT,
    "executionDetails": {
        "serviceArn": SERVICE,
        "targetServiceRevisionArn": GREEN,
        "testTrafficWeights": {},
        "productionTrafficWeights": {},
    },
}
# lambda-lifecycle-hooks.html, "TEST_TRAFFIC_SHIFT".
TEST_TRAFFIC_SHIFT: dict[str, Any] = {
    "executionId": "779085de-ab47-42bc-84ad-41f9914a8643",
    "lifecycleStage": "TEST_TRAFFIC_SHIFT",
    "resourceArn": DEPLOYMENT,
    "executionDetails": {
        "serviceArn": SERVICE,
        "targetServiceRevisionArn": GREEN,
        "testTrafficWeights": {GREEN: 100, BLUE: 0},
        "productionTrafficWeights": {},
    },
}
# lambda-lifecycle-hooks.html, "Lifecycle hooks during rollback" (PRODUCTION_TRAFFIC_SHIFT back to blue).
PRODUCTION_TRAFFIC_SHIFT_ROLLBACK: dict[str, Any] = {
    "executionId": "70073435-cb99-457f-b900-6ee1dcad05ec",
    "lifecycleStage": "PRODUCTION_TRAFFIC_SHIFT",
    "resourceArn": DEPLOYMENT,
    "executionDetails": {
        "serviceArn": SERVICE,
        "targetServiceRevisionArn": GREEN,
        "testTrafficWeights": {},
        "productionTrafficWeights": {GREEN: 0, BLUE: 100},
    },
}
# lambda-lifecycle-hooks.html, "Passing state with hookDetails": a later invocation, carrying both the
# service's configured hookDetails and what an earlier IN_PROGRESS answer added.
WITH_HOOK_DETAILS: dict[str, Any] = {
    "executionId": "e8d5a28f-eb01-4f3c-9454-a30ba6dc54bc",
    "lifecycleStage": "POST_TEST_TRAFFIC_SHIFT",
    "resourceArn": DEPLOYMENT,
    "executionDetails": {
        "serviceArn": SERVICE,
        "targetServiceRevisionArn": GREEN,
        "testTrafficWeights": {},
        "productionTrafficWeights": {},
    },
    "hookDetails": {"approvalChecked": True, "S3_BUCKET_NAME": "my-approval-bucket"},
}
# deployment-lifecycle-hooks.html (earlier version), "POST_TEST_TRAFFIC_SHIFT": the flat shape.
FLAT_POST_TEST_TRAFFIC_SHIFT: dict[str, Any] = {
    "serviceArn": "arn:aws:ecs:us-west-2:1234567890:service/myCluster/myService",
    "targetServiceRevisionArn": (
        "arn:aws:ecs:us-west-2:1234567890:service-revision/myCluster/myService/01275892"
    ),
    "testTrafficWeights": {},
    "productionTrafficWeights": {},
}
DOCUMENTED_EVENTS = {
    "post_test_traffic_shift": POST_TEST_TRAFFIC_SHIFT,
    "test_traffic_shift": TEST_TRAFFIC_SHIFT,
    "production_traffic_shift_rollback": PRODUCTION_TRAFFIC_SHIFT_ROLLBACK,
    "with_hook_details": WITH_HOOK_DETAILS,
    "flat": FLAT_POST_TEST_TRAFFIC_SHIFT,
}
EVENT = POST_TEST_TRAFFIC_SHIFT
COUNT = hook.IN_PROGRESS_COUNT_KEY
FAST = {"REQUEST_TIMEOUT_SECONDS": "0.3", "ATTEMPTS": "2", "RETRY_DELAY_SECONDS": "0"}
MAX_RESPONSE_CHARS = 2000


@pytest.fixture(autouse=True)
def no_codedeploy(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Creating a CodeDeploy client raises - and is recorded, in case the handler swallowed the raise."""
    created: list[str] = []

    def refuse() -> None:
        created.append("codedeploy")
        raise AssertionError("a CodeDeploy client was created for an Amazon ECS event")

    monkeypatch.setattr(hook, "make_codedeploy_client", refuse)
    yield created
    assert created == [], "the ECS shape must not create a CodeDeploy client"


def set_env(env: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in values.items():
        env.setenv(name, value)


def log_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def checks_json(*pairs: tuple[str, int]) -> str:
    return json.dumps([{"path": path, "expectStatus": status} for path, status in pairs])


def with_count(event: dict[str, Any], count: object) -> dict[str, Any]:
    changed = copy.deepcopy(event)
    changed["hookDetails"] = {**changed.get("hookDetails", {}), COUNT: count}
    return changed


def next_invocation(event: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    """What ECS sends after an IN_PROGRESS answer: the same event, the returned hookDetails merged in."""
    changed = copy.deepcopy(event)
    changed["hookDetails"] = {**changed.get("hookDetails", {}), **response["hookDetails"]}
    return changed


def assert_small_json(result: dict[str, Any]) -> None:
    text = json.dumps(result)
    assert len(text) < MAX_RESPONSE_CHARS, text
    assert "checks" not in result  # per-check detail is in the log, one line each


@pytest.mark.parametrize("event", DOCUMENTED_EVENTS.values(), ids=DOCUMENTED_EVENTS.keys())
def test_passing_checks_return_succeeded(
    server: LocalServer,
    hook_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    event: dict[str, Any],
) -> None:
    flaky = f"/flaky/{uuid.uuid4().hex}/1"
    set_env(hook_env, TEST_URL=server.base_url, CHECKS=checks_json(("/ok", 200), (flaky, 200)), **FAST)

    result = hook.handler(copy.deepcopy(event), None)

    assert result["hookStatus"] == "SUCCEEDED"
    assert "callBackDelay" not in result and "hookDetails" not in result
    assert (result["passed"], result["failed"], result["error"]) == (2, 0, None)
    assert result["testUrl"] == server.base_url
    details = event.get("executionDetails", event)
    assert result["serviceArn"] == details["serviceArn"]
    assert result["targetServiceRevisionArn"] == details["targetServiceRevisionArn"]
    for key in ("executionId", "lifecycleStage", "resourceArn"):
        assert result.get(key) == event.get(key)
    assert_small_json(result)
    lines = log_lines(capsys)
    checks = [line for line in lines if line["message"] == "check"]
    assert [(line["path"], line["passed"]) for line in checks] == [("/ok", True), (flaky, True)]
    assert all(line["targetServiceRevisionArn"] == details["targetServiceRevisionArn"] for line in checks)
    [summary] = [line for line in lines if line["message"] == "summary"]
    assert (summary["hookStatus"], summary["level"]) == ("SUCCEEDED", "info") and "status" not in summary


@pytest.mark.parametrize("bad", ["/error", "/redirect", "/missing", "/status/503", "/status/502"])
def test_a_wrong_status_returns_failed_never_in_progress(
    server: LocalServer, hook_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    set_env(hook_env, TEST_URL=server.base_url, CHECKS=checks_json(("/ok", 200), (bad, 200)), **FAST)

    result = hook.handler(copy.deepcopy(EVENT), None)

    assert result["hookStatus"] == "FAILED"
    assert "callBackDelay" not in result and "hookDetails" not in result
    assert (result["passed"], result["failed"]) == (1, 1)
    lines = log_lines(capsys)
    assert not [line for line in lines if line["message"] == "in_progress"]
    [summary] = [line for line in lines if line["message"] == "summary"]
    assert (summary["hookStatus"], summary["level"]) == ("FAILED", "error")


def test_a_wrong_status_beside_a_timeout_is_still_failed(
    server: LocalServer, hook_env: pytest.MonkeyPatch
) -> None:
    set_env(hook_env, TEST_URL=server.base_url, CHECKS=checks_json(("/slow", 200), ("/error", 200)), **FAST)
    hook_env.setenv("ATTEMPTS", "1")
    assert hook.handler(copy.deepcopy(EVENT), None)["hookStatus"] == "FAILED"


def test_nothing_listening_returns_in_progress_and_counts(
    refused_url: str, hook_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    set_env(hook_env, TEST_URL=refused_url, CALLBACK_DELAY_SECONDS="7", **FAST)

    first = hook.handler(copy.deepcopy(WITH_HOOK_DETAILS), None)

    assert first["hookStatus"] == "IN_PROGRESS"
    assert first["callBackDelay"] == 7
    assert first["hookDetails"] == {COUNT: 1}  # only our key: ECS merges it into what it has
    assert (first["passed"], first["failed"], first["error"]) == (0, 1, None)
    assert_small_json(first)
    lines = log_lines(capsys)
    [check] = [line for line in lines if line["message"] == "check"]
    assert check["errorKind"] == "connection_refused"
    [progress] = [line for line in lines if line["message"] == "in_progress"]
    assert (progress["inProgressCount"], progress["maxInProgress"], progress["callBackDelay"]) == (1, 6, 7)
    [summary] = [line for line in lines if line["message"] == "summary"]
    assert (summary["hookStatus"], summary["level"]) == ("IN_PROGRESS", "warning")

    second_event = next_invocation(WITH_HOOK_DETAILS, first)
    assert second_event["hookDetails"]["S3_BUCKET_NAME"] == "my-approval-bucket"
    second = hook.handler(second_event, None)
    assert (second["hookStatus"], second["hookDetails"]) == ("IN_PROGRESS", {COUNT: 2})


def test_defaults_are_six_callbacks_fifteen_seconds_apart(
    refused_url: str, hook_env: pytest.MonkeyPatch
) -> None:
    set_env(hook_env, TEST_URL=refused_url, **FAST)
    result = hook.handler(copy.deepcopy(EVENT), None)
    assert (result["hookStatus"], result["callBackDelay"]) == ("IN_PROGRESS", 15)
    assert hook.handler(with_count(EVENT, 5), None)["hookDetails"] == {COUNT: 6}
    assert hook.handler(with_count(EVENT, 6), None)["hookStatus"] == "FAILED"


def test_a_timeout_is_also_worth_waiting_for(server: LocalServer, hook_env: pytest.MonkeyPatch) -> None:
    set_env(hook_env, TEST_URL=server.base_url, CHECKS=checks_json(("/ok", 200), ("/slow", 200)), **FAST)
    result = hook.handler(copy.deepcopy(EVENT), None)
    assert (result["hookStatus"], result["hookDetails"]) == ("IN_PROGRESS", {COUNT: 1})
    assert (result["passed"], result["failed"]) == (1, 1)


def test_green_that_comes_up_between_invocations_succeeds(hook_env: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:
        sock.bind(
            ("127.0.0.1", 0)
        )  # bound, not listening: refused, like a listener with nothing behind it yet
        set_env(hook_env, TEST_URL=f"http://127.0.0.1:{sock.getsockname()[1]}", **FAST)

        first = hook.handler(copy.deepcopy(EVENT), None)
        assert first["hookStatus"] == "IN_PROGRESS"

        green = LocalServer(sock=sock)  # now it listens, on the very same port
        try:
            second = hook.handler(next_invocation(EVENT, first), None)
        finally:
            green.close()
    assert (second["hookStatus"], second["passed"]) == ("SUCCEEDED", 1)
    assert green.paths() == ["/health"]


def test_the_counter_reaching_max_in_progress_returns_failed(
    refused_url: str, hook_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    set_env(hook_env, TEST_URL=refused_url, MAX_IN_PROGRESS="3", CALLBACK_DELAY_SECONDS="1", **FAST)

    answers: list[dict[str, Any]] = []
    event = copy.deepcopy(EVENT)
    for _ in range(10):  # what ECS would do: call again after every IN_PROGRESS
        answers.append(hook.handler(event, None))
        if answers[-1]["hookStatus"] != "IN_PROGRESS":
            break
        event = next_invocation(event, answers[-1])

    assert [answer["hookStatus"] for answer in answers] == ["IN_PROGRESS"] * 3 + ["FAILED"]
    assert [answer.get("hookDetails") for answer in answers] == [{COUNT: 1}, {COUNT: 2}, {COUNT: 3}, None]
    last = answers[-1]
    assert "callBackDelay" not in last
    assert "MAX_IN_PROGRESS=3" in last["error"] and "3 IN_PROGRESS" in last["error"]
    summaries = [line for line in log_lines(capsys) if line["message"] == "summary"]
    assert [line["hookStatus"] for line in summaries] == ["IN_PROGRESS"] * 3 + ["FAILED"]


@pytest.mark.parametrize("count", [6, 7, 50])
def test_a_counter_at_or_past_the_limit_is_failed(
    refused_url: str, hook_env: pytest.MonkeyPatch, count: int
) -> None:
    set_env(hook_env, TEST_URL=refused_url, **FAST)
    result = hook.handler(with_count(EVENT, count), None)
    assert result["hookStatus"] == "FAILED" and "MAX_IN_PROGRESS=6" in result["error"]


def test_max_in_progress_zero_never_waits(refused_url: str, hook_env: pytest.MonkeyPatch) -> None:
    set_env(hook_env, TEST_URL=refused_url, MAX_IN_PROGRESS="0", **FAST)
    assert hook.handler(copy.deepcopy(EVENT), None)["hookStatus"] == "FAILED"


@pytest.mark.parametrize(
    ("hook_details", "next_count"),
    [
        ({COUNT: 2}, 3),
        ({COUNT: 2.0}, 3),  # a JSON number that came back as a float
        ({COUNT: "2"}, 3),
        (json.dumps({COUNT: 2}), 3),  # hookDetails as JSON text
        ({COUNT: -1}, 1),
        ({COUNT: True}, 1),
        ({COUNT: "two"}, 1),
        ({COUNT: "\u00b2"}, 1),  # "²".isdigit(), yet int("²") raises
        ({COUNT: None}, 1),
        ("not json", 1),
        (["a", "list"], 1),
        (None, 1),
    ],
)
def test_the_counter_is_read_tolerantly(
    refused_url: str, hook_env: pytest.MonkeyPatch, hook_details: object, next_count: int
) -> None:
    set_env(hook_env, TEST_URL=refused_url, **FAST)
    event = {**copy.deepcopy(EVENT), "hookDetails": hook_details}
    assert hook.handler(event, None)["hookDetails"] == {COUNT: next_count}


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"TEST_URL": ""}, "TEST_URL"),
        ({"TEST_URL": "my-alb.example.com:9000"}, "TEST_URL"),
        ({"CHECKS": "[]"}, "CHECKS"),
        ({"ATTEMPTS": "0"}, "ATTEMPTS"),
        ({"MAX_IN_PROGRESS": "-1"}, "MAX_IN_PROGRESS"),
        ({"MAX_IN_PROGRESS": "101"}, "MAX_IN_PROGRESS"),
        ({"MAX_IN_PROGRESS": "six"}, "MAX_IN_PROGRESS"),
        ({"CALLBACK_DELAY_SECONDS": "0"}, "CALLBACK_DELAY_SECONDS"),
        ({"CALLBACK_DELAY_SECONDS": "1.5"}, "CALLBACK_DELAY_SECONDS"),
        ({"CALLBACK_DELAY_SECONDS": "901"}, "CALLBACK_DELAY_SECONDS"),
    ],
)
def test_invalid_config_returns_failed_without_sending_requests(
    server: LocalServer,
    hook_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    named: str,
) -> None:
    set_env(hook_env, **{"TEST_URL": server.base_url, **FAST, **env})
    before = len(server.requests)

    result = hook.handler(copy.deepcopy(EVENT), None)

    assert len(server.requests) == before
    assert result["hookStatus"] == "FAILED" and "hookDetails" not in result
    assert result["error"].startswith("invalid configuration: ") and named in result["error"]
    assert_small_json(result)
    [config_error] = [line for line in log_lines(capsys) if line["message"] == "config_error"]
    assert named in config_error["error"] and config_error["executionId"] == EVENT["executionId"]


def test_invalid_config_is_failed_even_when_green_is_unreachable(
    refused_url: str, hook_env: pytest.MonkeyPatch
) -> None:
    set_env(hook_env, TEST_URL=refused_url, VERIFY_TLS="maybe", **FAST)
    assert hook.handler(copy.deepcopy(EVENT), None)["hookStatus"] == "FAILED"


def test_a_long_config_error_is_clipped(hook_env: pytest.MonkeyPatch) -> None:
    hook_env.setattr(hook, "MAX_RETURNED_ERROR_CHARS", 200)
    set_env(hook_env, CHECKS="[1]", ATTEMPTS="x", REQUEST_TIMEOUT_SECONDS="x", RETRY_DELAY_SECONDS="x")
    result = hook.handler(copy.deepcopy(EVENT), None)
    assert result["hookStatus"] == "FAILED"
    assert len(result["error"]) == 200 and result["error"].endswith("...")


@pytest.mark.parametrize("target", ["run_checks", "load_config", "_summary"])
def test_an_unexpected_exception_returns_failed_instead_of_raising(
    server: LocalServer,
    hook_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    target: str,
) -> None:
    set_env(hook_env, TEST_URL=server.base_url, **FAST)

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    hook_env.setattr(hook, target, explode)

    result = hook.handler(copy.deepcopy(EVENT), None)  # no raise: ECS gets an explicit FAILED

    assert result == {
        "hookStatus": "FAILED",
        "executionId": EVENT["executionId"],
        "lifecycleStage": "POST_TEST_TRAFFIC_SHIFT",
        "resourceArn": DEPLOYMENT,
        "serviceArn": SERVICE,
        "targetServiceRevisionArn": GREEN,
        "error": "unexpected error: RuntimeError: boom",
    }
    [line] = [line for line in log_lines(capsys) if line["message"] == "unexpected_error"]
    assert (line["error"], line["source"], line["level"]) == ("RuntimeError: boom", "ecs", "error")


class FakeContext:
    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def test_no_time_left_is_failed_not_in_progress(server: LocalServer, hook_env: pytest.MonkeyPatch) -> None:
    set_env(hook_env, TEST_URL=server.base_url, **FAST)
    before = len(server.requests)
    context = FakeContext(remaining_ms=int(hook.REPORT_RESERVE_SECONDS * 1000) - 1)
    result = hook.handler(copy.deepcopy(EVENT), context)
    assert result["hookStatus"] == "FAILED" and len(server.requests) == before


@pytest.mark.parametrize(
    "event",
    [
        {"executionDetails": {}},
        {"executionDetails": {"serviceArn": SERVICE}},
        {"executionDetails": {"serviceArn": SERVICE, "targetServiceRevisionArn": ""}},
        {"executionDetails": {"serviceArn": 5, "targetServiceRevisionArn": GREEN}},
        {"executionId": "x", "lifecycleStage": "POST_TEST_TRAFFIC_SHIFT", "resourceArn": DEPLOYMENT},
        {"serviceArn": SERVICE},
        {"hookDetails": {COUNT: 1}},
        # a broken CodeDeploy event is not taken for an ECS one
        {"DeploymentId": "d-ABCDEF123", **POST_TEST_TRAFFIC_SHIFT},
        {"LifecycleEventHookExecutionId": "x", **FLAT_POST_TEST_TRAFFIC_SHIFT},
        "POST_TEST_TRAFFIC_SHIFT",
        None,
    ],
)
def test_unrecognised_events_still_raise(
    server: LocalServer, hook_env: pytest.MonkeyPatch, event: Any
) -> None:
    hook_env.setenv("TEST_URL", server.base_url)
    before = len(server.requests)
    with pytest.raises(ValueError, match="unrecognised event") as excinfo:
        hook.handler(event, None)
    assert "serviceArn and targetServiceRevisionArn" in str(excinfo.value)
    assert len(server.requests) == before


def test_ecs_reporter_shape() -> None:
    reporter = hook.reporter_for(copy.deepcopy(WITH_HOOK_DETAILS))
    assert reporter.source == "ecs"
    assert reporter.ids == {
        "executionId": "e8d5a28f-eb01-4f3c-9454-a30ba6dc54bc",
        "lifecycleStage": "POST_TEST_TRAFFIC_SHIFT",
        "resourceArn": DEPLOYMENT,
        "serviceArn": SERVICE,
        "targetServiceRevisionArn": GREEN,
    }
    reporter.report_success()  # nothing to call: the verdict is the return value
    reporter.report_failure()
    summary = {"testUrl": "http://x", "passed": 1, "failed": 0, "error": None, "checks": []}
    compact = {"testUrl": "http://x", "passed": 1, "failed": 0, "error": None}
    assert reporter.response(True, summary) == {"hookStatus": "SUCCEEDED", **reporter.ids, **compact}
    assert (
        reporter.response(False, summary, retryable=True)["hookStatus"] == "FAILED"
    )  # no config: no waiting
    assert hook.reporter_for(copy.deepcopy(FLAT_POST_TEST_TRAFFIC_SHIFT)).ids == {
        "serviceArn": FLAT_POST_TEST_TRAFFIC_SHIFT["serviceArn"],
        "targetServiceRevisionArn": FLAT_POST_TEST_TRAFFIC_SHIFT["targetServiceRevisionArn"],
    }
