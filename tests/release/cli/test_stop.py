"""`stop`: moto has no StopDeployment (one clear line, exit 2); the success path and
CodeDeploy's refusals through botocore's Stubber."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from release.codedeploy.deployments import start_deployment
from specs.appspec import appspec_content

from .support import APPLICATION, GROUP, REGION, ClientFactory, Stack, names_flags, run_cli

DEPLOYMENT_ID = "d-ABCDEFGHI"


def test_stop_on_moto_is_one_clear_line(
    stack: Stack, clients: ClientFactory, client: Callable[[str], Any]
) -> None:
    appspec = appspec_content(
        task_definition_arn=stack.task_definitions[1], container_name="app", container_port=8080
    )
    start_deployment(client("codedeploy"), APPLICATION, GROUP, appspec, "to stop")

    result = run_cli(["stop", *names_flags()], clients)

    assert result.code == 2
    assert len(result.err_lines) == 1
    assert result.err.startswith("error: StopDeployment failed: HTTP 500 from the endpoint")
    assert "Traceback" not in result.err


def test_stop_without_active_deployment(stack: Stack, clients: ClientFactory) -> None:
    result = run_cli(["stop", *names_flags()], clients)

    assert result.code == 2
    assert result.err_lines == [
        f"error: no deployment is in progress for deployment group {GROUP} of application {APPLICATION}; "
        "give a DEPLOYMENT_ID"
    ]


@pytest.fixture
def stubbed() -> Any:
    client = boto3.session.Session().client(
        "codedeploy", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_stop_success_with_rollback(stubbed: Any) -> None:
    client, stubber = stubbed
    stubber.add_response(
        "stop_deployment",
        {"status": "Pending", "statusMessage": "Stop request is being processed"},
        {"deploymentId": DEPLOYMENT_ID, "autoRollbackEnabled": True},
    )

    result = run_cli(["stop", DEPLOYMENT_ID, "--region", REGION], lambda service, region: client)

    assert result.code == 0, result.err
    assert (
        result.out
        == f"deployment {DEPLOYMENT_ID}: stop Pending (with rollback): Stop request is being processed\n"
    )


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("DeploymentAlreadyCompletedException", f"deployment {DEPLOYMENT_ID} has already ended"),
        ("DeploymentDoesNotExistException", f"deployment {DEPLOYMENT_ID} does not exist in {REGION}"),
        ("InvalidDeploymentIdException", f"'{DEPLOYMENT_ID}' is not a valid deployment id (d-XXXXXXXXX)"),
    ],
)
def test_stop_refusals_are_one_line(stubbed: Any, code: str, expected: str) -> None:
    client, stubber = stubbed
    stubber.add_client_error(
        "stop_deployment", service_error_code=code, service_message="no", http_status_code=400
    )

    result = run_cli(["stop", DEPLOYMENT_ID, "--region", REGION], lambda service, region: client)

    assert result.code == 2
    assert result.err_lines == [f"error: {expected} ({code})"]
