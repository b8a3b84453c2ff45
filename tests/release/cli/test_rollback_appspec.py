"""`rollback` under codedeploy builds its AppSpec as the stack deploys it: container name and
port, platform version and hooks from the stack output releaseAppSpec, else from the group's
last succeeded deployment, each overridable by a flag; never from built-in defaults (in-process
moto.mock_aws, so a deployment can be marked Succeeded)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.codedeploy.models import codedeploy_backends

from release.codedeploy.deployments import appspec_of, start_deployment
from specs.appspec import appspec_content
from tests.moto_snapshots import BuiltOnce

from .support import ACCOUNT_ID, APPLICATION, GROUP, REGION, Stack, build_stack, names_flags, run_cli

SMOKE_TEST = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:my-app-prod-smoke-test"


class Aws:
    def __init__(self, built: BuiltOnce) -> None:
        self.built = built
        self._clients: dict[tuple[str, str], Any] = {}

    def clients(self, service: str, region: str) -> Any:
        if (service, region) not in self._clients:
            self._clients[(service, region)] = boto3.client(service, region_name=region)
        return self._clients[(service, region)]

    def client(self, service: str) -> Any:
        return self.clients(service, REGION)

    def stack(self) -> Stack:
        """The CLI tests' stack, built on first use in the session and put back after."""
        return self.built("rollback-appspec-stack", lambda: build_stack(self.client))

    def appspec(self, deployment_id: str) -> dict[str, Any]:
        info = self.client("codedeploy").get_deployment(deploymentId=deployment_id)["deploymentInfo"]
        return dict(json.loads(appspec_of(info) or "{}"))


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, moto_built_in_process: BuiltOnce) -> Iterator[Aws]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield Aws(moto_built_in_process)


def _outputs_file(tmp_path: Path, stack: Stack, **appspec: Any) -> str:
    outputs = stack.outputs()
    if appspec:
        outputs["releaseAppSpec"] = appspec
    else:
        del outputs["releaseAppSpec"]
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs), encoding="utf-8")
    return str(path)


def _properties(appspec: dict[str, Any]) -> dict[str, Any]:
    return dict(appspec["Resources"][0]["TargetService"]["Properties"])


def test_prod_rollback_keeps_the_stack_hooks_container_and_port(aws: Aws, tmp_path: Path) -> None:
    stack = aws.stack()
    outputs = _outputs_file(
        tmp_path,
        stack,
        containerName="web",
        containerPort=9090,
        platformVersion="LATEST",
        hooks={"AfterAllowTestTraffic": SMOKE_TEST},
    )

    result = run_cli(["rollback", "--no-wait", "--outputs-file", outputs], aws.clients)

    assert result.code == 0, result.err
    assert result.out.splitlines()[1] == (
        "AppSpec: container web:9090, platform LATEST, hooks AfterAllowTestTraffic "
        "(from the stack output releaseAppSpec)"
    )
    appspec = aws.appspec(result.out.splitlines()[-1])
    assert _properties(appspec) == {
        "TaskDefinition": stack.task_definitions[1],
        "LoadBalancerInfo": {"ContainerName": "web", "ContainerPort": 9090},
        "PlatformVersion": "LATEST",
    }
    assert appspec["Hooks"] == [{"AfterAllowTestTraffic": SMOKE_TEST}]


def test_flags_override_the_stack_one_setting_at_a_time(aws: Aws, tmp_path: Path) -> None:
    stack = aws.stack()
    outputs = _outputs_file(
        tmp_path,
        stack,
        containerName="web",
        containerPort=9090,
        platformVersion="LATEST",
        hooks={"AfterAllowTestTraffic": SMOKE_TEST},
    )

    result = run_cli(
        ["rollback", "--no-wait", "--outputs-file", outputs, "--container-port", "8081", "--no-hooks"],
        aws.clients,
    )

    assert result.code == 0, result.err
    assert "(from the stack output releaseAppSpec (containerPort, hooks from flags))" in result.out
    appspec = aws.appspec(result.out.splitlines()[-1])
    assert _properties(appspec)["LoadBalancerInfo"] == {"ContainerName": "web", "ContainerPort": 8081}
    assert "Hooks" not in appspec


def test_without_the_output_it_copies_the_last_succeeded_deployment(aws: Aws) -> None:
    stack = aws.stack()
    codedeploy = aws.client("codedeploy")
    released = appspec_content(
        task_definition_arn=stack.task_definitions[2],
        container_name="web",
        container_port=9090,
        platform_version="1.4.0",
        hooks={"BeforeAllowTraffic": SMOKE_TEST, "AfterAllowTestTraffic": SMOKE_TEST},
    )
    succeeded = start_deployment(codedeploy, APPLICATION, GROUP, released, "release")
    codedeploy_backends[ACCOUNT_ID][REGION].deployments[succeeded].status = "Succeeded"

    result = run_cli(["rollback", "--no-wait", *names_flags()], aws.clients)

    assert result.code == 0, result.err
    assert f"(from the last succeeded deployment {succeeded})" in result.out.splitlines()[1]
    appspec = aws.appspec(result.out.splitlines()[-1])
    assert _properties(appspec) == {
        "TaskDefinition": stack.task_definitions[1],
        "LoadBalancerInfo": {"ContainerName": "web", "ContainerPort": 9090},
        "PlatformVersion": "1.4.0",
    }
    assert appspec["Hooks"] == [{"AfterAllowTestTraffic": SMOKE_TEST}, {"BeforeAllowTraffic": SMOKE_TEST}]


def test_no_source_and_no_flags_is_one_keyed_line(aws: Aws) -> None:
    aws.stack()

    result = run_cli(["rollback", "--no-wait", "--container-name", "app", *names_flags()], aws.clients)

    assert result.code == 2
    assert result.err_lines == [
        "error: cannot tell the AppSpec the stack deploys: no stack output releaseAppSpec "
        f"(--stack/--outputs-file) and no succeeded deployment of group {GROUP} to copy; give "
        "--container-port, --platform-version, --hook NAME=ARN or --no-hooks"
    ]
    assert aws.client("codedeploy").list_deployments()["deployments"] == []


@pytest.mark.parametrize(
    ("appspec", "error"),
    [
        ({"containerName": "", "containerPort": 8080, "platformVersion": "LATEST"}, "containerName is ''"),
        ({"containerName": "app", "containerPort": 0, "platformVersion": "LATEST"}, "containerPort is 0"),
        (
            {"containerName": "app", "containerPort": 8080, "platformVersion": "LATEST", "hooks": ["x"]},
            "hooks is ['x']",
        ),
    ],
)
def test_a_bad_output_is_one_keyed_line(
    aws: Aws, tmp_path: Path, appspec: dict[str, Any], error: str
) -> None:
    stack = aws.stack()

    result = run_cli(
        ["rollback", "--no-wait", "--outputs-file", _outputs_file(tmp_path, stack, **appspec)], aws.clients
    )

    assert result.code == 2
    assert len(result.err_lines) == 1
    assert result.err.startswith(f"error: the stack output releaseAppSpec.{error}")
