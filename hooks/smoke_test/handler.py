"""CodeDeploy lifecycle hook Lambda (handler setting `handler.handler`).

Smoke-tests the green tasks through the ALB's test listener (`TEST_URL`) and reports
Succeeded or Failed to CodeDeploy - always, so a deployment never waits out the hook
timeout: Failed when a check fails, when the environment is invalid, or on any unexpected
exception (which is then re-raised so the invocation is marked as an error too).

An event shape is turned into a `Reporter` by an adapter in `EVENT_ADAPTERS`; only
CodeDeploy's `{"DeploymentId", "LifecycleEventHookExecutionId"}` exists today.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING or __package__:  # imported as hooks.smoke_test.handler (tests, tooling)
    from .checks import CheckResult, run_checks
    from .config import ConfigError, load_config
else:  # inside Lambda the code directory is the import root
    from checks import CheckResult, run_checks
    from config import ConfigError, load_config

SUCCEEDED = "Succeeded"
FAILED = "Failed"
# Kept back from the Lambda's remaining time so the verdict can still be reported.
REPORT_RESERVE_SECONDS = 5.0


def make_codedeploy_client() -> Any:
    """The CodeDeploy client, created per invocation; tests replace this function."""
    import boto3  # lazy: only reporting needs it

    return boto3.client("codedeploy")


def log(message: str, level: str = "info", **fields: Any) -> None:
    """One JSON line on stdout (CloudWatch Logs)."""
    print(json.dumps({"level": level, "message": message, **fields}, default=str), flush=True)


@dataclass(frozen=True)
class Reporter:
    """Where one event's verdict goes.

    `ids` identify the event in logs and in the returned summary; `report_success` /
    `report_failure` deliver the verdict; `response` builds the handler's return value from
    the verdict and the summary (an adapter whose protocol answers through the return value,
    such as ECS native lifecycle hooks, would use it).
    """

    source: str
    ids: dict[str, str]
    report_success: Callable[[], None]
    report_failure: Callable[[], None]
    response: Callable[[bool, dict[str, Any]], Any] = lambda ok, summary: summary


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


# (recognises the event, builds its Reporter). Add new event shapes here.
EVENT_ADAPTERS: list[tuple[Callable[[Any], bool], Callable[[Any], Reporter]]] = [
    (_is_codedeploy_event, _codedeploy_reporter),
]


def reporter_for(event: Any) -> Reporter:
    """The Reporter for this event; ValueError if no adapter knows its shape."""
    for recognises, make_reporter in EVENT_ADAPTERS:
        if recognises(event):
            return make_reporter(event)
    keys = sorted(event) if isinstance(event, Mapping) else type(event).__name__
    raise ValueError(
        f"unrecognised event {keys}; expected a CodeDeploy lifecycle hook event with "
        "DeploymentId and LifecycleEventHookExecutionId"
    )


def _deadline(context: Any, clock: Callable[[], float] = time.monotonic) -> float | None:
    """The clock() value by which checks must stop, from the Lambda context (None without one)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    return clock() + float(remaining()) / 1000 - REPORT_RESERVE_SECONDS


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
    """Lambda entry point: run the smoke checks and report the verdict (see the module docstring)."""
    reporter = reporter_for(event)  # an unknown shape has nowhere to report to: raise
    reported = False

    def deliver(ok: bool, summary: dict[str, Any]) -> Any:
        nonlocal reported
        reported = True  # set first: a failed report is not followed by a contradicting one
        log("summary", level="info" if ok else "error", **{k: v for k, v in summary.items() if k != "checks"})
        (reporter.report_success if ok else reporter.report_failure)()
        return reporter.response(ok, summary)

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
        return deliver(ok, _summary(reporter, ok, results, None, config.test_url))
    except Exception as exc:
        log("unexpected_error", level="error", error=f"{type(exc).__name__}: {exc}", **reporter.ids)
        if not reported:
            reporter.report_failure()
        raise
