"""release/diagnosis: each failure cause as the AWS answers it produces, and the first line the
diagnosis names for it; one source failing leaves the others; the text reads the facts back."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from release.diagnosis import diagnose
from release.diagnosis.sources import hook_verdict, log_stream
from tests.fakes import offline_client

from .support import CLUSTER, HOOK, IMAGE, REGION, SERVICE, T0, Aws, container, subject, task


@pytest.fixture
def moto(moto_url: str) -> Callable[[str], Any]:
    """Clients of the session's moto server (reset for this test)."""
    made: dict[str, Any] = {}

    def make(service: str) -> Any:
        if service not in made:
            made[service] = boto3.session.Session().client(
                service,
                region_name=REGION,
                endpoint_url=moto_url,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                config=Config(retries={"max_attempts": 1}),
            )
        return made[service]

    return make


@pytest.fixture
def aws(moto: Callable[[str], Any]) -> Iterator[Aws]:
    scenario = Aws(others={"logs": moto("logs"), "cloudwatch": moto("cloudwatch")})
    yield scenario
    scenario.done()


def put_log(logs: Any, group: str, stream: str, lines: list[str]) -> None:
    """Log events written now (CloudWatch Logs, and moto, refuse events older than 14 days)."""
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    first = int(dt.datetime.now(dt.UTC).timestamp() * 1000) - len(lines)
    logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": first + i, "message": line} for i, line in enumerate(lines)],
    )


# --- causes -------------------------------------------------------------------------------------


def test_app_crash_at_start_names_the_exit_code_and_shows_the_container_log(aws: Aws) -> None:
    aws.service_events(
        [
            (-600, "(service web) has reached a steady state."),
            (5, "(service web, taskSet ecs-svc/123) has started 2 tasks: (task a1) (task a2)."),
            (40, "(service web, taskSet ecs-svc/123) has started 2 tasks: (task a1) (task a2)."),
        ]
    )
    exited = "Essential container in task exited"
    aws.stopped_tasks(
        [
            task("a1", exited, "EssentialContainerExited", [container(1)], ran=3),
            task("a2", exited, "EssentialContainerExited", [container(1)], ran=4),
        ]
    )
    aws.task_definition()
    aws.no_targets()
    put_log(aws.others["logs"], "/ecs/web-prod", "ecs/web/a2", ["starting", "KeyError: 'DATABASE_URL'"])

    diagnosis = diagnose(subject(), aws.client)

    assert (
        diagnosis.cause
        == "green tasks exit with code 1 within 4 s: the app crashes at start; its last log lines are below"
    )
    text = diagnosis.text()
    assert text.splitlines()[0] == f"diagnosis: {diagnosis.cause}"
    assert (
        "task a2 (web:7), ran 4 s, EssentialContainerExited: Essential container in task exited "
        "(and 1 more like it)" in text
    )
    assert "container web: exit 1" in text
    assert "KeyError: 'DATABASE_URL'" in text
    # service events since the start only, oldest first, each message once with its count
    assert "steady state" not in text
    assert (
        "12:00:40 (service web, taskSet ecs-svc/123) has started 2 tasks: (task a1) (task a2). (x2)" in text
    )
    assert diagnosis.facts.notes == ()


def test_a_failing_sidecar_is_named_with_its_log(aws: Aws) -> None:
    """The collector exits; ECS stops the app with SIGTERM (143): the sidecar is the cause."""
    aws.service_events([], app_container="web")
    exited = "Essential container in task exited"
    collector = container(2, name="otel-collector")
    aws.stopped_tasks([task("a1", exited, "EssentialContainerExited", [container(143), collector], ran=30)])
    aws.task_definition(sidecars=["otel-collector"])
    aws.no_targets()
    put_log(
        aws.others["logs"],
        "/ecs/web-prod",
        "otel-collector/otel-collector/a1",
        ["Error: failed to get config: invalid configuration"],
    )

    diagnosis = diagnose(subject(), aws.client)

    assert diagnosis.cause.startswith(
        "green's sidecar otel-collector stopped a green task: it exited with code 2 while the app (web) "
        "was not failing"
    ), diagnosis.cause
    assert diagnosis.cause.endswith("its last log lines are below")
    assert diagnosis.facts.container_log is not None
    assert diagnosis.facts.container_log.container == "otel-collector"
    assert "invalid configuration" in diagnosis.text()
    assert "container otel-collector (sidecar): exit 2" in diagnosis.text()
    assert "container web: exit 143" in diagnosis.text()


def test_an_app_logging_through_firelens_shows_its_cloudwatch_output(aws: Aws) -> None:
    """The default FireLens output writes the app's records to `firelens/<container>-firelens-<task>`."""
    aws.service_events([], app_container="web")
    exited = "Essential container in task exited"
    aws.stopped_tasks([task("a1", exited, "EssentialContainerExited", [container(1)], ran=3)])
    firelens = {
        "logDriver": "awsfirelens",
        "options": {
            "Name": "cloudwatch_logs",
            "region": REGION,
            "log_group_name": "/ecs/web-prod",
            "log_stream_prefix": "firelens/",
        },
    }
    aws.task_definition(sidecars=["log-router"], app_log=firelens)
    aws.no_targets()
    put_log(aws.others["logs"], "/ecs/web-prod", "firelens/web-firelens-a1", ["ValueError: no port"])

    diagnosis = diagnose(subject(), aws.client)

    assert diagnosis.facts.container_log is not None
    assert diagnosis.facts.container_log.stream == "firelens/web-firelens-a1"
    assert "ValueError: no port" in diagnosis.text()


def test_log_streams_are_read_only_where_cloudwatch_has_them() -> None:
    awslogs = {"logDriver": "awslogs", "options": {"awslogs-group": "/g", "awslogs-stream-prefix": "p"}}
    assert log_stream(awslogs, "web", "t1") == ("/g", "p/web/t1")
    firehose = {"logDriver": "awsfirelens", "options": {"Name": "kinesis_firehose", "delivery_stream": "s"}}
    assert log_stream(firehose, "web", "t1") is None
    assert log_stream({"logDriver": "awslogs", "options": {"awslogs-group": "/g"}}, "web", "t1") is None


def test_an_unhealthy_sidecar_is_named(aws: Aws) -> None:
    aws.service_events([], app_container="web")
    reason = "Task failed container health checks"
    router = container(None, name="log-router", health="UNHEALTHY")
    aws.stopped_tasks([task("a1", reason, "TaskFailedToStart", [container(143), router], ran=90)])
    aws.task_definition(sidecars=["log-router"])
    aws.no_targets()

    diagnosis = diagnose(subject(), aws.client)

    assert diagnosis.cause.startswith(
        "green's sidecar log-router stopped a green task: it failed its container"
    )


def test_the_app_failing_by_itself_is_not_blamed_on_a_sidecar(aws: Aws) -> None:
    """The app crashed (exit 1); the router exited with it: the app's crash is the cause."""
    aws.service_events([], app_container="web")
    exited = "Essential container in task exited"
    aws.stopped_tasks(
        [
            task(
                "a1",
                exited,
                "EssentialContainerExited",
                [container(1), container(1, name="log-router")],
                ran=3,
            )
        ]
    )
    aws.task_definition(sidecars=["log-router"])
    aws.no_targets()

    diagnosis = diagnose(subject(), aws.client)

    assert diagnosis.cause.startswith("green tasks exit with code 1 within 3 s: the app crashes at start")


def test_image_pull_failure(aws: Aws) -> None:
    reason = (
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): "
        f"failed to resolve ref {IMAGE}: "
        "not found"
    )
    aws.service_events([])
    aws.stopped_tasks(
        [
            task(
                "p1",
                "CannotPullContainerError: pull image manifest has been retried",
                "TaskFailedToStart",
                [container(None, reason)],
                ran=None,
            )
        ]
    )
    aws.no_targets()

    diagnosis = diagnose(subject(), aws.client)

    assert diagnosis.cause.startswith(f"image pull failed: a green task could not pull the image {IMAGE}")
    assert "execution role" in diagnosis.cause and "route to ECR" in diagnosis.cause
    assert "never started, TaskFailedToStart" in diagnosis.text()


def test_resource_initialization_error(aws: Aws) -> None:
    aws.service_events([])
    reason = (
        "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval "
        "failed: unable to retrieve secret from asm"
    )
    aws.stopped_tasks([task("r1", reason, "TaskFailedToStart", [container(None)], ran=None)])
    aws.no_targets()

    assert diagnose(subject(), aws.client).cause.startswith(
        "green tasks could not be initialized (ResourceInitializationError"
    )


def test_out_of_memory(aws: Aws) -> None:
    aws.service_events([])
    aws.stopped_tasks(
        [
            task(
                "m1",
                "Essential container in task exited",
                "EssentialContainerExited",
                [container(137, "OutOfMemoryError: Container killed due to memory usage")],
                ran=95,
            )
        ]
    )
    aws.task_definition()
    aws.no_targets()
    put_log(aws.others["logs"], "/ecs/web-prod", "ecs/web/m1", ["loading model"])

    diagnosis = diagnose(subject(), aws.client)

    assert diagnosis.cause.startswith(
        "green runs out of memory: a green task killed (exit code 137, OutOfMemoryError)"
    )
    assert "OutOfMemoryError: Container killed due to memory usage" in diagnosis.text()


def test_container_health_check_failed(aws: Aws) -> None:
    aws.service_events([(60, "(service web) (task h1) failed container health checks.")])
    aws.stopped_tasks(
        [
            task(
                "h1",
                "Task failed container health checks",
                "ServiceSchedulerInitiated",
                [container(137, health="UNHEALTHY")],
                ran=120,
            )
        ]
    )
    aws.task_definition()
    aws.no_targets()
    put_log(aws.others["logs"], "/ecs/web-prod", "ecs/web/h1", ["listening on :8080"])

    diagnosis = diagnose(subject(), aws.client)

    assert diagnosis.cause.startswith(
        "green's container health check fails: a green task stopped as unhealthy"
    )
    assert "container web: exit 137, unhealthy" in diagnosis.text()


@pytest.mark.parametrize(
    ("reason", "description", "expected"),
    [
        (
            "Target.ResponseCodeMismatch",
            "Health checks failed with these codes: [404]",
            "the health check path answers another status code "
            "(Health checks failed with these codes: [404])",
        ),
        ("Target.Timeout", "Request timed out", "the health check times out (HTTP /health on traffic-port"),
        (
            "Target.FailedHealthChecks",
            "Health checks failed",
            "the load balancer cannot connect to green's tasks",
        ),
    ],
)
def test_target_group_health_check_failures(aws: Aws, reason: str, description: str, expected: str) -> None:
    aws.service_events(
        [(90, "(service web, taskSet ecs-svc/1) deregistered 1 targets in (target-group web-green)")]
    )
    elb = (
        "Task failed ELB health checks in "
        "(target-group arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web-green/1)"
    )
    aws.stopped_tasks([task("t1", elb, "ServiceSchedulerInitiated", [container(143)], ran=180)])
    aws.task_definition()
    aws.target_health(
        [
            ("10.0.1.5", "unhealthy", reason, description),
            ("10.0.2.6", "draining", "Target.DeregistrationInProgress", ""),
        ]
    )

    diagnosis = diagnose(subject(), aws.client)

    assert diagnosis.cause.startswith(
        "green fails the load balancer health check (a green task stopped for it): "
    )
    assert expected in diagnosis.cause
    text = diagnosis.text()
    assert f"10.0.1.5:8080 unhealthy {reason}: {description}" in text
    assert (
        "target health of green's target group web-green, "
        "health check HTTP /health on traffic-port, expects 200" in text
    )


def test_alarm_in_alarm_with_its_reason(aws: Aws) -> None:
    cloudwatch = aws.others["cloudwatch"]
    for name in ("web-5xx", "web-latency"):
        cloudwatch.put_metric_alarm(
            AlarmName=name,
            MetricName="HTTPCode_Target_5XX_Count",
            Namespace="AWS/ApplicationELB",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=5,
            ComparisonOperator="GreaterThanThreshold",
        )
    reason = "Threshold Crossed: 1 datapoint [42.0 (01/08/25 12:04:00)] was greater than the threshold (5.0)."
    cloudwatch.set_alarm_state(AlarmName="web-5xx", StateValue="ALARM", StateReason=reason)
    aws.service_events([])
    aws.stopped_tasks([])
    aws.no_targets()

    diagnosis = diagnose(subject(alarm_names=("web-5xx", "web-latency")), aws.client)

    assert diagnosis.cause.startswith(
        f"alarm web-5xx is in ALARM ({reason}): green's metrics crossed the threshold"
    )
    assert [a.name for a in diagnosis.facts.alarms] == ["web-5xx"]  # the OK one is left out


SUMMARY = {
    "level": "error",
    "message": "summary",
    "status": "Failed",
    "deploymentId": "d-ABCDEFGHI",
    "passed": 1,
    "failed": 1,
    "error": None,
}
FAILED_CHECK = {
    "level": "error",
    "message": "check",
    "path": "/api/orders",
    "url": "http://test.example/api/orders",
    "expectStatus": 200,
    "status": 500,
    "error": None,
    "passed": False,
}


def test_hook_failed_with_its_log_lines(aws: Aws) -> None:
    aws.ecs.add_response(
        "describe_services",
        {"services": [{"serviceName": SERVICE, "events": []}], "failures": []},
        {"cluster": CLUSTER, "services": [SERVICE]},
    )
    aws.stopped_tasks([])
    aws.no_targets()
    lines = [
        "START RequestId: 1 Version: $LATEST",
        json.dumps({"level": "info", "message": "check", "path": "/health", "status": 200, "passed": True}),
        json.dumps(FAILED_CHECK),
        json.dumps(SUMMARY),
        "END RequestId: 1",
    ]
    put_log(aws.others["logs"], "/aws/lambda/web-prod-smoke-test", "2025/08/01/[$LATEST]abc", lines)

    started = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    diagnosis = diagnose(subject(hook_functions=(HOOK,), started_at=started), aws.client)

    assert diagnosis.cause.startswith(
        "the lifecycle hook web-prod-smoke-test failed: Failed; 1 checks passed, 1 failed; "
        "http://test.example/api/orders: expected 200, got 500"
    )
    text = diagnosis.text()
    assert "lifecycle hook web-prod-smoke-test (/aws/lambda/web-prod-smoke-test):" in text
    assert json.dumps(FAILED_CHECK) in text
    assert "START RequestId" not in text


def test_hook_verdict_reads_the_ecs_answer() -> None:
    summary = {**SUMMARY, "hookStatus": "FAILED"}
    summary.pop("status")
    verdict, failed = hook_verdict([json.dumps(summary)])
    assert failed is True
    assert verdict.startswith("FAILED; 1 checks passed, 1 failed")
    assert hook_verdict(["plain text"]) == ("", False)


def test_one_source_denied_still_yields_the_others(aws: Aws) -> None:
    aws.service_events([(10, "(service web) has started 1 tasks: (task a1).")])
    aws.stopped_tasks(
        [task("a1", "Essential container in task exited", "EssentialContainerExited", [container(1)], ran=2)]
    )
    aws.ecs.add_client_error(
        "describe_task_definition",
        "AccessDeniedException",
        "User is not authorized to perform: ecs:DescribeTaskDefinition",
    )
    aws.elbv2.add_client_error(
        "describe_target_groups",
        "AccessDenied",
        "User is not authorized to perform: elasticloadbalancing:DescribeTargetGroups",
    )

    diagnosis = diagnose(subject(), aws.client)

    assert diagnosis.cause == "green tasks exit with code 1 within 2 s: the app crashes at start"
    assert diagnosis.facts.notes == (
        "could not read the crashed container's log: AccessDeniedException: "
        "User is not authorized to perform: "
        "ecs:DescribeTaskDefinition",
        "could not read green's target health: AccessDenied: User is not authorized to perform: "
        "elasticloadbalancing:DescribeTargetGroups",
    )
    text = diagnosis.text()
    assert "(service web) has started 1 tasks" in text
    assert "not read:" in text


def test_every_source_failing_still_names_the_outcome() -> None:
    def broken(service: str) -> Any:
        raise RuntimeError(f"no credentials for {service}")

    diagnosis = diagnose(subject(status="TimedOut", alarm_names=("a",), hook_functions=(HOOK,)), broken)

    assert diagnosis.cause.startswith("timed out with nothing failing")
    assert len(diagnosis.facts.notes) == 5


def test_a_task_of_another_revision_or_an_earlier_deployment_is_not_green(aws: Aws) -> None:
    aws.service_events([])
    exited = "Essential container in task exited"
    aws.stopped_tasks(
        [
            task("old", exited, "EssentialContainerExited", [container(1)], task_definition=GREEN_TD_6),
            task(
                "before",
                exited,
                "EssentialContainerExited",
                [container(1)],
                created=T0 - dt.timedelta(hours=1),
            ),
        ]
    )
    aws.no_targets()

    diagnosis = diagnose(subject(status="Stopped"), aws.client)

    assert diagnosis.facts.stopped_tasks == ()
    assert diagnosis.cause.startswith("stopped on request")


GREEN_TD_6 = f"arn:aws:ecs:{REGION}:123456789012:task-definition/web:6"


def test_the_budget_skips_what_is_left() -> None:
    times = iter([0.0, 0.0, 100.0, 100.0, 100.0, 100.0, 100.0])
    stub = Stubber(offline_client("ecs"))
    stub.add_response(
        "describe_services",
        {"services": [{"serviceName": SERVICE, "events": []}], "failures": []},
        {"cluster": CLUSTER, "services": [SERVICE]},
    )
    with stub:
        diagnosis = diagnose(
            subject(), lambda service: stub.client, budget_seconds=10, clock=lambda: next(times)
        )
    assert diagnosis.facts.notes[0] == "did not read green's stopped tasks: out of time (10 s)"


def test_a_ready_wait_that_ran_out_is_named_when_nothing_else_failed() -> None:
    def nothing(service: str) -> Any:
        raise RuntimeError(f"no {service} needed")

    diagnosis = diagnose(subject(ready_wait_ran_out="ROLLBACK"), nothing)

    assert diagnosis.cause == (
        "the ready wait ran out with no go-ahead, so the engine took its timeout action ROLLBACK: nothing "
        "was found wrong with green; release again and give the go-ahead (python -m release continue) "
        "within deployment.readyWaitMinutes, or raise it"
    )
