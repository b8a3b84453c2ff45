"""`continue`: the go-ahead for a deployment held by deployment.readyWaitMinutes (CodeDeploy's
ContinueDeployment, which moto lacks: a botocore Stubber answers), and `status` of a Ready
deployment with the time its wait has left (in-process moto for the rest)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from moto.codedeploy.models import codedeploy_backends

from release.codedeploy.deployments import start_deployment
from specs.appspec import appspec_content

from .support import ACCOUNT_ID, APPLICATION, GROUP, REGION, build_stack, names_flags, run_cli

DEPLOYMENT = "d-ABCDEFGH1"


@pytest.fixture
def codedeploy() -> Iterator[Stubber]:
    client = boto3.client(
        "codedeploy", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def _factory(stubber: Stubber) -> Any:
    return lambda service, region: stubber.client


def test_continue_a_ready_deployment(codedeploy: Stubber) -> None:
    codedeploy.add_response(
        "get_deployment",
        {"deploymentInfo": {"deploymentId": DEPLOYMENT, "status": "Ready"}},
        {"deploymentId": DEPLOYMENT},
    )
    codedeploy.add_response(
        "continue_deployment", {}, {"deploymentId": DEPLOYMENT, "deploymentWaitType": "READY_WAIT"}
    )

    result = run_cli(["continue", DEPLOYMENT, *names_flags()], _factory(codedeploy))

    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        f"deployment {DEPLOYMENT}: go-ahead given, production traffic shifts to green now "
        f"(follow it: python -m release watch {DEPLOYMENT})"
    ]


def test_continue_defaults_to_the_active_deployment(codedeploy: Stubber) -> None:
    codedeploy.add_response("list_deployments", {"deployments": [DEPLOYMENT]})
    codedeploy.add_response(
        "batch_get_deployments", {"deploymentsInfo": [{"deploymentId": DEPLOYMENT, "status": "Ready"}]}
    )
    codedeploy.add_response(
        "get_deployment", {"deploymentInfo": {"deploymentId": DEPLOYMENT, "status": "Ready"}}
    )
    codedeploy.add_response("continue_deployment", {})

    result = run_cli(["continue", *names_flags()], _factory(codedeploy))

    assert result.code == 0, result.err
    assert DEPLOYMENT in result.out


def test_continue_a_deployment_that_is_not_waiting_is_one_line(codedeploy: Stubber) -> None:
    codedeploy.add_response(
        "get_deployment", {"deploymentInfo": {"deploymentId": DEPLOYMENT, "status": "InProgress"}}
    )

    result = run_cli(["continue", DEPLOYMENT, *names_flags()], _factory(codedeploy))

    assert result.code == 2
    assert result.err_lines == [
        f"error: deployment {DEPLOYMENT} is InProgress, not waiting for a go-ahead (Ready): only a "
        "deployment held by deployment.readyWaitMinutes can be continued"
    ]


def test_continue_an_unknown_deployment_keeps_its_one_line(codedeploy: Stubber) -> None:
    codedeploy.add_client_error("get_deployment", "DeploymentDoesNotExistException", "no such deployment")

    result = run_cli(["continue", DEPLOYMENT, *names_flags()], _factory(codedeploy))

    assert result.code == 2
    assert result.err_lines == [
        f"error: deployment {DEPLOYMENT} does not exist in {REGION} (DeploymentDoesNotExistException)"
    ]


# ---------------------------------------------------------------------------------------- status


class _Http:
    status_code = 200
    headers: dict[str, str] = {}  # noqa: RUF012
    content = b""
    text = ""


READY_AT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


def _ready_deployment(clients: dict[str, Any]) -> str:
    """A deployment held Ready by a 30-minute wait, green ready at READY_AT: the end of the last event
    before the wait (the target APIs, which moto lacks, answered in a before-call handler)."""
    stack = build_stack(
        lambda service: clients.setdefault(service, boto3.client(service, region_name=REGION))
    )
    codedeploy = clients["codedeploy"]
    backend = codedeploy_backends[ACCOUNT_ID][REGION]
    backend.deployment_groups[APPLICATION][GROUP].blue_green_deployment_configuration[
        "deploymentReadyOption"
    ] = {
        "actionOnTimeout": "STOP_DEPLOYMENT",
        "waitTimeInMinutes": 30,
    }
    appspec = appspec_content(
        task_definition_arn=stack.task_definitions[1], container_name="app", container_port=8080
    )
    deployment_id = start_deployment(codedeploy, APPLICATION, GROUP, appspec, "release")
    backend.deployments[deployment_id].status = "Ready"
    events = [
        ("BeforeInstall", READY_AT - timedelta(minutes=3)),
        ("AllowTestTraffic", READY_AT - timedelta(minutes=1)),
        ("AfterAllowTestTraffic", READY_AT),
    ]
    target = {
        "deploymentTarget": {
            "deploymentTargetType": "ECSTarget",
            "ecsTarget": {
                "lifecycleEvents": [
                    {"lifecycleEventName": name, "status": "Succeeded", "endTime": end}
                    for name, end in events
                ]
                + [{"lifecycleEventName": "BeforeAllowTraffic", "status": "Pending"}],
                "taskSetsInfo": [],
            },
        }
    }
    codedeploy.meta.events.register(
        "before-call.codedeploy.ListDeploymentTargets", lambda **_: (_Http(), {"targetIds": ["t"]})
    )
    codedeploy.meta.events.register(
        "before-call.codedeploy.GetDeploymentTarget", lambda **_: (_Http(), target)
    )
    return deployment_id


def test_status_of_a_ready_deployment_shows_the_time_left(aws: None) -> None:
    clients: dict[str, Any] = {}
    deployment_id = _ready_deployment(clients)

    def factory(service: str, region: str) -> Any:
        return clients.setdefault(service, boto3.client(service, region_name=region))

    now = READY_AT + timedelta(minutes=17, seconds=30)
    result = run_cli(["status", *names_flags()], factory, now=lambda: now)

    assert result.code == 0, result.err
    assert (
        "  ready wait: 12m 30s left of 30 min (green ready since 2025-06-01T12:00:00+00:00), then "
        f"STOP_DEPLOYMENT; go ahead: python -m release continue {deployment_id}"
    ) in result.out.splitlines()

    late = run_cli(["status", "--json", *names_flags()], factory, now=lambda: READY_AT + timedelta(hours=1))
    wait = json.loads(late.out)["deployment"]["readyWait"]
    assert wait["secondsLeft"] == 0
    assert wait["waitMinutes"] == 30
    assert wait["endsAt"] == "2025-06-01T12:30:00+00:00"
