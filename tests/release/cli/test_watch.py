"""`watch` (and `rollback` waiting, `status` of a finished deployment) in-process under
moto.mock_aws: the deployment's state is changed from the injected sleep, time is a fake
clock, and the deployment target APIs moto lacks are answered by a TargetShim."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.codedeploy.models import codedeploy_backends

from release.codedeploy.deployments import start_deployment
from specs.appspec import appspec_content
from tests.moto_snapshots import BuiltOnce

from .support import (
    ACCOUNT_ID,
    APPLICATION,
    FAMILY,
    GROUP,
    REGION,
    STACK_APPSPEC_FLAGS,
    FakeClock,
    Stack,
    TargetShim,
    build_stack,
    create_codedeploy,
    names_flags,
    run_cli,
)

LISTENER = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT_ID}:listener/app/my-app-dev-alb/abc"
TASK_DEFINITION = f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:task-definition/{FAMILY}:2"


class InProcess:
    def __init__(self, built: BuiltOnce) -> None:
        self.built = built
        self.shim = TargetShim()
        self.clock = FakeClock()
        self._clients: dict[tuple[str, str], Any] = {}

    def clients(self, service: str, region: str) -> Any:
        if (service, region) not in self._clients:
            client = boto3.client(service, region_name=region)
            self._clients[(service, region)] = (
                self.shim.install(client) if service == "codedeploy" else client
            )
        return self._clients[(service, region)]

    def client(self, service: str) -> Any:
        return self.clients(service, REGION)

    def stack(self) -> Stack:
        """The CLI tests' stack, built on first use in the session and put back after."""
        return self.built("watch-stack", lambda: build_stack(self.client))

    def deployment(self, deployment_id: str) -> Any:
        return codedeploy_backends[ACCOUNT_ID][REGION].deployments[deployment_id]

    def start(self, description: str = "release") -> str:
        appspec = appspec_content(
            task_definition_arn=TASK_DEFINITION, container_name="app", container_port=8080
        )
        return start_deployment(self.client("codedeploy"), APPLICATION, GROUP, appspec, description)

    def run(self, argv: list[str]) -> Any:
        return run_cli(argv, self.clients, sleep=self.clock.sleep, clock=self.clock)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, moto_built_in_process: BuiltOnce) -> Iterator[InProcess]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "MOTO_ECS_SERVICE_RUNNING": "2",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield InProcess(moto_built_in_process)


@pytest.fixture
def group(aws: InProcess) -> InProcess:
    create_codedeploy(
        aws.client("codedeploy"), prod_listener=f"{LISTENER}/prod", test_listener=f"{LISTENER}/test"
    )
    return aws


def _script(aws: InProcess, deployment_id: str, steps: list[dict[str, Any]]) -> None:
    """Apply one step (status, events, traffic) per sleep."""
    pending = list(steps)

    def advance() -> None:
        step = pending.pop(0)
        aws.deployment(deployment_id).status = step["status"]
        aws.shim.events = step.get("events", aws.shim.events)
        aws.shim.traffic = step.get("traffic", aws.shim.traffic)

    aws.clock.on_sleep = advance


def test_watch_follows_to_succeeded_with_a_green_bar(group: InProcess) -> None:
    deployment_id = group.start()
    _script(
        group,
        deployment_id,
        [
            {
                "status": "InProgress",
                "events": [("BeforeInstall", "Succeeded", "")],
                "traffic": {"Blue": 100.0, "Green": 0.0},
            },
            {"status": "InProgress", "traffic": {"Blue": 50.0, "Green": 50.0}},
            {
                "status": "Succeeded",
                "events": [("BeforeInstall", "Succeeded", ""), ("AfterAllowTraffic", "Succeeded", "")],
                "traffic": {"Blue": 0.0, "Green": 100.0},
            },
        ],
    )

    result = group.run(["watch", deployment_id, "--poll-seconds", "5", "--region", REGION])

    assert result.code == 0, result.err
    assert result.err == ""
    assert result.out.splitlines() == [
        f"{deployment_id}: status Created",
        f"{deployment_id}: status InProgress",
        f"{deployment_id}: lifecycle event BeforeInstall Succeeded",
        f"{deployment_id}: traffic Blue 100% / Green 0%",
        f"{deployment_id}: [----------] green 0%",
        f"{deployment_id}: traffic Blue 50% / Green 50%",
        f"{deployment_id}: [#####-----] green 50%",
        f"{deployment_id}: status Succeeded",
        f"{deployment_id}: lifecycle event AfterAllowTraffic Succeeded",
        f"{deployment_id}: traffic Blue 0% / Green 100%",
        f"{deployment_id}: [##########] green 100%",
        f"deployment {deployment_id} succeeded",
    ]
    assert group.clock.sleeps == [5.0, 5.0, 5.0]


def test_watch_exits_1_when_the_deployment_fails(group: InProcess) -> None:
    deployment_id = group.start()
    _script(
        group,
        deployment_id,
        [
            {"status": "InProgress", "events": [("AfterAllowTestTraffic", "InProgress", "")]},
            {"status": "Failed", "events": [("AfterAllowTestTraffic", "Failed", "smoke test: /health 503")]},
        ],
    )

    result = group.run(["watch", deployment_id, "--region", REGION])

    assert result.code == 1
    assert (
        f"{deployment_id}: lifecycle event AfterAllowTestTraffic Failed: smoke test: /health 503"
        in result.out
    )
    assert result.err_lines[:1] == [
        f"deployment {deployment_id} failed; "
        "lifecycle event AfterAllowTestTraffic failed: smoke test: /health 503"
    ]
    assert result.err_lines[1].startswith("diagnosis: ")  # release/diagnosis, after the outcome
    assert group.clock.sleeps == [10.0, 10.0]


def test_watch_times_out_with_exit_1(group: InProcess) -> None:
    deployment_id = group.start()
    group.deployment(deployment_id).status = "InProgress"

    result = group.run(
        ["watch", deployment_id, "--timeout-minutes", "1", "--poll-seconds", "20", "--region", REGION]
    )

    assert result.code == 1
    assert result.err_lines[:1] == [f"deployment {deployment_id} timed out; still InProgress after 60 s"]
    assert result.err_lines[1].startswith("diagnosis: ")  # release/diagnosis, after the outcome
    assert group.clock.sleeps == [20.0, 20.0, 20.0]


def test_watch_without_id_follows_the_active_deployment(group: InProcess) -> None:
    finished = group.start("old")
    group.deployment(finished).status = "Succeeded"
    deployment_id = group.start()
    _script(group, deployment_id, [{"status": "Succeeded"}])

    result = group.run(["watch", *names_flags()])

    assert result.code == 0, result.err
    assert result.out.splitlines()[-1] == f"deployment {deployment_id} succeeded"


def test_watch_without_any_active_deployment(group: InProcess) -> None:
    result = group.run(["watch", *names_flags()])

    assert result.code == 2
    assert result.err_lines == [
        f"error: no deployment is in progress for deployment group {GROUP} of application {APPLICATION}; "
        "give a DEPLOYMENT_ID"
    ]


def test_watch_unknown_deployment_id(group: InProcess) -> None:
    result = group.run(["watch", "d-NOPE12345", "--region", REGION])

    assert result.code == 2
    assert result.err_lines == [
        f"error: deployment d-NOPE12345 does not exist in {REGION} (DeploymentDoesNotExistException)"
    ]


def test_status_shows_the_last_deployment_when_none_is_active(aws: InProcess) -> None:
    aws.stack()
    first = aws.start("first")
    second = aws.start("second")
    aws.deployment(first).status = "Succeeded"
    aws.deployment(first).create_time -= timedelta(minutes=5)
    aws.deployment(second).status = "Failed"
    aws.shim.events = [
        ("BeforeInstall", "Succeeded", ""),
        ("AfterAllowTestTraffic", "Failed", "smoke test failed"),
    ]

    result = aws.run(["status", *names_flags()])

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert f"last deployment {second}: Failed" in lines
    assert "  description: second" in lines
    assert "    AfterAllowTestTraffic Failed: smoke test failed" in lines


def test_rollback_waits_for_the_release_to_succeed(aws: InProcess) -> None:
    stack = aws.stack()

    def succeed_newest() -> None:
        backend = codedeploy_backends[ACCOUNT_ID][REGION]
        newest = max(backend.deployments.values(), key=lambda d: d.create_time)
        newest.status = "Succeeded"
        aws.shim.traffic = {"Blue": 0.0, "Green": 100.0}

    aws.clock.on_sleep = succeed_newest

    result = aws.run(["rollback", "--poll-seconds", "3", *STACK_APPSPEC_FLAGS, *names_flags()])

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == f"rolling back {FAMILY}:3 -> {FAMILY}:2"
    assert lines[1].startswith("AppSpec: container app:8080, platform LATEST, hooks none")
    assert lines[2].startswith("started deployment ") and lines[2].endswith(f"of {stack.task_definitions[1]}")
    deployment_id = lines[2].split()[2]
    assert f"{deployment_id}: [##########] green 100%" in lines
    assert lines[-1] == f"deployment {deployment_id} succeeded"
    assert aws.clock.sleeps == [3.0]


def test_rollback_that_fails_exits_1(aws: InProcess) -> None:
    aws.stack()

    def fail_newest() -> None:
        backend = codedeploy_backends[ACCOUNT_ID][REGION]
        max(backend.deployments.values(), key=lambda d: d.create_time).status = "Failed"

    aws.clock.on_sleep = fail_newest

    result = aws.run(["rollback", *STACK_APPSPEC_FLAGS, *names_flags()])

    assert result.code == 1
    assert len(result.err_lines) == 1
    assert result.err.startswith("deployment ") and " failed" in result.err
