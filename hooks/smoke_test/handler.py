"""Deployment lifecycle hook Lambda (handler setting `handler.handler`) for two engines.

Smoke-tests the green tasks through the ALB's test listener (`TEST_URL`) and gives the verdict
to whichever engine invoked it. An event shape is turned into a `Reporter` by an adapter in
`EVENT_ADAPTERS`; an event no adapter recognises raises ValueError.

- **CodeDeploy** (`{"DeploymentId", "LifecycleEventHookExecutionId"}`): the verdict is reported
  with `PutLifecycleEventHookExecutionStatus` - always, so a deployment never waits out the hook
  timeout: Failed when a check fails, when the environment is invalid, or on any unexpected
  exception (which is then re-raised so the invocation is marked as an error too).
- **Amazon ECS** native blue/green, linear and canary deployments (`executionDetails` with
  `serviceArn` / `targetServiceRevisionArn`, or those keys at the top level as earlier docs
  showed): nothing is called; the verdict is the return value `{"hookStatus": "SUCCEEDED" |
  "FAILED" | "IN_PROGRESS", ...}`. IN_PROGRESS (with `callBackDelay` and a counter in
  `hookDetails`) is returned while every failing check failed only with a refused connection or a
  timeout - green may still be starting - up to `MAX_IN_PROGRESS` times. An unexpected exception
  returns FAILED instead of raising, so the verdict is explicit.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING or __package__:  # imported as hooks.smoke_test.handler (tests, tooling)
    from .checks import CheckResult, run_checks
    from .config import Config, ConfigError, load_config
else:  # inside Lambda the code directory is the import root
    from checks import CheckResult, run_checks
    from config import Config, ConfigError, load_config

# CodeDeploy statuses (PutLifecycleEventHookExecutionStatus).
SUCCEEDED = "Succeeded"
FAILED = "Failed"
# Amazon ECS hookStatus values (the function's return value).
ECS_SUCCEEDED = "SUCCEEDED"
ECS_FAILED = "FAILED"
ECS_IN_PROGRESS = "IN_PROGRESS"
# Our key in the ECS hookDetails: how many IN_PROGRESS answers this hook execution has given.
IN_PROGRESS_COUNT_KEY = "smokeTestInProgressCount"
# A check that failed only like this may simply have come too early (green still starting).
RETRYABLE_ERROR_KINDS = frozenset({"connection_refused", "timeout"})
# Keeps the ECS return value small (an invalid-configuration message can list several variables).
MAX_RETURNED_ERROR_CHARS = 1000
# Kept back from the Lambda's remaining time so the verdict can still be reported.
REPORT_RESERVE_SECONDS = 5.0


def make_codedeploy_client() -> Any:
    """The CodeDeploy client, created per invocation; tests replace this function."""
    import boto3  # lazy: only reporting needs it

    return boto3.client("codedeploy")


def log(message: str, level: str = "info", **fields: Any) -> None:
    """One JSON line on stdout (CloudWatch Logs)."""
    print(json.dumps({"level": level, "message": message, **fields}, default=str), flush=True)


class Responder(Protocol):
    """Builds the handler's return value from the verdict and the summary.

    `config` is None when the environment was invalid; `retryable` is true when the checks
    failed only with connection-level errors (see RETRYABLE_ERROR_KINDS).
    """

    def __call__(
        self, ok: bool, summary: dict[str, Any], /, *, config: Config | None = None, retryable: bool = False
    ) -> Any: ...


def summary_as_response(
    ok: bool, summary: dict[str, Any], /, *, config: Config | None = None, retryable: bool = False
) -> Any:
    """The default Responder: the summary itself (CodeDeploy ignores the return value)."""
    return summary


@dataclass(frozen=True)
class Reporter:
    """Where one event's verdict goes.

    `ids` identify the event in logs and in the returned summary; `report_success` /
    `report_failure` deliver the verdict; `response` builds the handler's return value (an
    adapter whose protocol answers through the return value, such as ECS lifecycle hooks, uses
    it). `on_unexpected_error`, given the error text, returns the value to answer with after an
    unexpected exception; None means: report failure and re-raise.
    """

    source: str
    ids: dict[str, str]
    report_success: Callable[[], None]
    report_failure: Callable[[], None]
    response: Responder = summary_as_response
    on_unexpected_error: Callable[[str], Any] | None = None


def _is_codedeploy_event(event: Any) -> bool:
    return isinstance(event, Mapping) and "DeploymentId" in event and "LifecycleEventHookExecutionId" in event


def _codedeploy_reporter(event: Mapping[str, Any]) -> Reporter:
    deployment_id = event["DeploymentId"]
    execution_id = event["LifecycleEventHookExecutionId"]
    for key, value in (("DeploymentId", deployment_id), ("LifecycleEventHookExecutionId", execution_id)):
        if not isinstance(value, str) or not value:
            raise ValueError(f"CodeDeploy event field {key} is {value!r}; expected a non-empty string")
    client = make_codedeploy_client()

    def report(status: str) -> None:
        client.put_lifecycle_event_hook_execution_status(
            deploymentId=deployment_id,
            lifecycleEventHookExecutionId=execution_id,
            status=status,
        )
        log("reported", source="codedeploy", status=status, deploymentId=deployment_id)

    return Reporter(
        source="codedeploy",
        ids={"deploymentId": deployment_id, "lifecycleEventHookExecutionId": execution_id},
        report_success=lambda: report(SUCCEEDED),
        report_failure=lambda: report(FAILED),
    )


def _clip(text: str) -> str:
    limit = MAX_RETURNED_ERROR_CHARS
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _ecs_details(event: Any) -> Mapping[str, Any] | None:
    """Where an ECS lifecycle hook event keeps serviceArn & co, or None if it is not one.

    The "Lambda hooks for Amazon ECS service deployments" page nests them in `executionDetails`
    (next to executionId, lifecycleStage, resourceArn and, on later invocations, hookDetails);
    earlier versions of "Lifecycle hooks for Amazon ECS service deployments" showed them at the
    top level. Both carry a non-empty `serviceArn` and `targetServiceRevisionArn`.
    """
    if not isinstance(event, Mapping) or "DeploymentId" in event or "LifecycleEventHookExecutionId" in event:
        return None
    nested = event.get("executionDetails")
    details: Mapping[str, Any] = nested if isinstance(nested, Mapping) else event
    for key in ("serviceArn", "targetServiceRevisionArn"):
        value = details.get(key)
        if not isinstance(value, str) or not value:
            return None
    return details


def _is_ecs_event(event: Any) -> bool:
    return _ecs_details(event) is not None


def _in_progress_count(hook_details: Any) -> int:
    """Our counter from the event's hookDetails (0 when absent or unreadable)."""
    if isinstance(hook_details, str):  # tolerated: the service configuration takes hookDetails as JSON text
        try:
            hook_details = json.loads(hook_details)
        except ValueError:
            return 0
    if not isinstance(hook_details, Mapping):
        return 0
    value = hook_details.get(IN_PROGRESS_COUNT_KEY)
    if isinstance(value, bool):
        return 0
    if isinstance(value, float) and value.is_integer():  # a JSON number may come back as 2.0
        value = int(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    return value if isinstance(value, int) and value >= 0 else 0


def _ecs_reporter(event: Mapping[str, Any]) -> Reporter:
    details = _ecs_details(event)
    if details is None:  # not reached through reporter_for
        raise ValueError("not an Amazon ECS lifecycle hook event")
    ids: dict[str, str] = {}
    for key in ("executionId", "lifecycleStage", "resourceArn"):
        value = event.get(key)
        if isinstance(value, str) and value:
            ids[key] = value
    ids["serviceArn"] = details["serviceArn"]
    ids["targetServiceRevisionArn"] = details["targetServiceRevisionArn"]
    previous = _in_progress_count(event.get("hookDetails"))

    def respond(
        ok: bool, summary: dict[str, Any], /, *, config: Config | None = None, retryable: bool = False
    ) -> dict[str, Any]:
        error = summary.get("error")
        compact: dict[str, Any] = {
            **ids,
            "testUrl": summary.get("testUrl"),
            "passed": summary.get("passed"),
            "failed": summary.get("failed"),
            "error": _clip(error) if isinstance(error, str) else error,
        }
        if ok:
            return {"hookStatus": ECS_SUCCEEDED, **compact}
        if retryable and config is not None:
            if previous < config.max_in_progress:
                count = previous + 1
                log(
                    "in_progress",
                    level="warning",
                    inProgressCount=count,
                    maxInProgress=config.max_in_progress,
                    callBackDelay=config.callback_delay_seconds,
                    **ids,
                )
                return {
                    "hookStatus": ECS_IN_PROGRESS,
                    "callBackDelay": config.callback_delay_seconds,
                    "hookDetails": {IN_PROGRESS_COUNT_KEY: count},
                    **compact,
                }
            compact["error"] = (
                f"still no connection to the test listener after {previous} IN_PROGRESS "
                f"callback(s) (MAX_IN_PROGRESS={config.max_in_progress})"
            )
        return {"hookStatus": ECS_FAILED, **compact}

    def on_unexpected_error(error: str) -> dict[str, Any]:
        return {"hookStatus": ECS_FAILED, **ids, "error": _clip(f"unexpected error: {error}")}

    def nothing_to_call() -> None:  # ECS reads the verdict from the return value
        return None

    return Reporter(
        source="ecs",
        ids=ids,
        report_success=nothing_to_call,
        report_failure=nothing_to_call,
        response=respond,
        on_unexpected_error=on_unexpected_error,
    )


# (recognises the event, builds its Reporter). Add new event shapes here.
EVENT_ADAPTERS: list[tuple[Callable[[Any], bool], Callable[[Any], Reporter]]] = [
    (_is_codedeploy_event, _codedeploy_reporter),
    (_is_ecs_event, _ecs_reporter),
]


def reporter_for(event: Any) -> Reporter:
    """The Reporter for this event; ValueError if no adapter knows its shape."""
    for recognises, make_reporter in EVENT_ADAPTERS:
        if recognises(event):
            return make_reporter(event)
    keys = sorted(event) if isinstance(event, Mapping) else type(event).__name__
    raise ValueError(
        f"unrecognised event {keys}; expected a CodeDeploy lifecycle hook event with "
        "DeploymentId and LifecycleEventHookExecutionId, or an Amazon ECS lifecycle hook event with "
        "serviceArn and targetServiceRevisionArn (in executionDetails or at the top level)"
    )


def _deadline(context: Any, clock: Callable[[], float] = time.monotonic) -> float | None:
    """The clock() value by which checks must stop, from the Lambda context (None without one)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    return clock() + float(remaining()) / 1000 - REPORT_RESERVE_SECONDS


def _only_connection_errors(results: list[CheckResult]) -> bool:
    """True if some check failed and every failed one got no status, only a refusal or a timeout."""
    failed = [result for result in results if not result.passed]
    return bool(failed) and all(
        result.status is None and result.error_kind in RETRYABLE_ERROR_KINDS for result in failed
    )


def _summary(
    reporter: Reporter, ok: bool, results: list[CheckResult], error: str | None, test_url: str | None
) -> dict[str, Any]:
    return {
        "status": SUCCEEDED if ok else FAILED,
        **reporter.ids,
        "testUrl": test_url,
        "passed": sum(result.passed for result in results),
        "failed": sum(not result.passed for result in results),
        "error": error,
        "checks": [result.to_dict() for result in results],
    }


def handler(event: Any, context: Any) -> Any:
    """Lambda entry point: run the smoke checks and deliver the verdict (see the module docstring)."""
    reporter = reporter_for(event)  # an unknown shape has nowhere to report to: raise
    reported = False

    def deliver(
        ok: bool, summary: dict[str, Any], *, config: Config | None = None, retryable: bool = False
    ) -> Any:
        nonlocal reported
        reported = True  # set first: a failed report is not followed by a contradicting one
        response = reporter.response(ok, summary, config=config, retryable=retryable)
        fields = {k: v for k, v in summary.items() if k != "checks"}
        hook_status = response.get("hookStatus") if isinstance(response, Mapping) else None
        if hook_status is not None:  # the answer, in place of the checks' Succeeded/Failed
            fields.pop("status", None)
            fields["hookStatus"] = hook_status
        level = "info" if ok else "warning" if hook_status == ECS_IN_PROGRESS else "error"
        log("summary", level=level, **fields)
        (reporter.report_success if ok else reporter.report_failure)()
        return response

    try:
        try:
            config = load_config(os.environ)
        except ConfigError as exc:
            log("config_error", level="error", error=str(exc), **reporter.ids)
            return deliver(False, _summary(reporter, False, [], f"invalid configuration: {exc}", None))

        results = run_checks(
            config.test_url,
            config.checks,
            timeout_seconds=config.request_timeout_seconds,
            attempts=config.attempts,
            retry_delay_seconds=config.retry_delay_seconds,
            verify_tls=config.verify_tls,
            deadline=_deadline(context),
        )
        for result in results:
            log("check", level="info" if result.passed else "error", **reporter.ids, **result.to_dict())
        ok = bool(results) and all(result.passed for result in results)
        return deliver(
            ok,
            _summary(reporter, ok, results, None, config.test_url),
            config=config,
            retryable=not ok and _only_connection_errors(results),
        )
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        log("unexpected_error", level="error", error=error, source=reporter.source, **reporter.ids)
        if reporter.on_unexpected_error is not None:  # e.g. ECS: answer FAILED rather than raise
            return reporter.on_unexpected_error(error)
        if not reported:
            reporter.report_failure()
        raise
