"""Where names come from (--outputs-file, --stack via the pulumi CLI, flags over outputs) and
the one-line errors: missing names, no credentials, unknown application or group."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from release.codedeploy.deployments import start_deployment
from specs.appspec import appspec_content

from .support import APPLICATION, GROUP, REGION, SERVICE, ClientFactory, Stack, names_flags, run_cli

CREDENTIAL_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
)


def _deploy(stack: Stack, client: Callable[[str], Any]) -> str:
    appspec = appspec_content(
        task_definition_arn=stack.task_definitions[1], container_name="app", container_port=8080
    )
    return start_deployment(client("codedeploy"), APPLICATION, GROUP, appspec, "test")


@pytest.fixture
def no_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)


def _fake_pulumi(directory: Path, *, stdout: str = "", stderr: str = "", code: int = 0) -> Path:
    """A `pulumi` executable that records its arguments and prints what it is told to."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "stdout.txt").write_text(stdout)
    (directory / "stderr.txt").write_text(stderr)
    script = directory / "pulumi"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$@" > "{directory}/args.txt"\n'
        f'cat "{directory}/stdout.txt"\n'
        f'cat "{directory}/stderr.txt" >&2\n'
        f"exit {code}\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return directory


# ------------------------------------------------------------------------------ outputs file


def test_outputs_file_gives_every_name(
    stack: Stack, clients: ClientFactory, client: Callable[[str], Any], tmp_path: Path, no_region: None
) -> None:
    deployment_id = _deploy(stack, client)
    outputs = tmp_path / "outputs.json"
    outputs.write_text(stack.outputs_json())

    result = run_cli(["status", "--outputs-file", str(outputs)], clients)

    assert result.code == 0, result.err
    assert f"current deployment {deployment_id}: Created" in result.out
    assert f"application {APPLICATION}, deployment group {GROUP} ({REGION})" in result.out


def test_flags_override_outputs(stack: Stack, clients: ClientFactory, tmp_path: Path) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(stack.outputs_json())

    result = run_cli(["status", "--outputs-file", str(outputs), "--application", "nope"], clients)

    assert result.code == 2
    assert result.err_lines == [
        f"error: CodeDeploy application nope not found in {REGION} (ApplicationDoesNotExistException)"
    ]


def test_outputs_file_without_a_name_says_which(
    stack: Stack, clients: ClientFactory, tmp_path: Path, no_region: None
) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(
        json.dumps({k: v for k, v in stack.outputs().items() if k != "codedeployDeploymentGroup"})
    )

    result = run_cli(["status", "--outputs-file", str(outputs)], clients)

    assert result.code == 2
    assert result.err_lines == [
        "error: missing the CodeDeploy deployment group: give --deployment-group or the stack output "
        "codedeployDeploymentGroup (--stack/--outputs-file) (the stack outputs have none)"
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "error: cannot read outputs file {path}: No such file or directory"),
        ("[1, 2]", None),
        ("{oops", None),
    ],
)
def test_bad_outputs_file(tmp_path: Path, content: str | None, expected: str | None) -> None:
    path = tmp_path / "outputs.json"
    if content is not None:
        path.write_text(content)

    result = run_cli(["status", "--outputs-file", str(path)], lambda service, region: None)

    assert result.code == 2
    assert len(result.err_lines) == 1
    if expected is not None:
        assert result.err_lines == [expected.format(path=path)]
    else:
        assert result.err.startswith(f"error: outputs file {path} is not")


def test_stack_and_outputs_file_together_refused(tmp_path: Path) -> None:
    result = run_cli(["status", "--stack", "dev", "--outputs-file", "x.json"], lambda service, region: None)

    assert result.code == 2
    assert result.err_lines == ["error: give either --stack or --outputs-file, not both"]


# ------------------------------------------------------------------------------ --stack


def test_stack_reads_outputs_from_the_pulumi_cli(
    stack: Stack,
    clients: ClientFactory,
    client: Callable[[str], Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_region: None,
) -> None:
    deployment_id = _deploy(stack, client)
    bin_dir = _fake_pulumi(tmp_path / "bin", stdout=stack.outputs_json())
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")

    result = run_cli(["status", "--stack", "dev"], clients)

    assert result.code == 0, result.err
    assert (bin_dir / "args.txt").read_text().split() == ["stack", "output", "--json", "--stack", "dev"]
    assert f"current deployment {deployment_id}: Created" in result.out
    assert f"ECS service {SERVICE}" in result.out


def test_stack_when_pulumi_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = _fake_pulumi(
        tmp_path / "bin", stderr="warning: something\nerror: no stack named 'nope' found\n", code=255
    )
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")

    result = run_cli(["status", "--stack", "nope"], lambda service, region: None)

    assert result.code == 2
    assert result.err_lines == [
        "error: `pulumi stack output` for stack nope failed (exit 255): error: no stack named 'nope' found"
    ]


def test_stack_when_pulumi_prints_no_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = _fake_pulumi(tmp_path / "bin", stdout="not json\n")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")

    result = run_cli(["status", "--stack", "dev"], lambda service, region: None)

    assert result.code == 2
    assert len(result.err_lines) == 1
    assert result.err.startswith("error: the output of `pulumi stack output --json --stack dev` is not JSON")


def test_stack_without_the_pulumi_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))

    result = run_cli(["status", "--stack", "dev"], lambda service, region: None)

    assert result.code == 2
    assert result.err_lines == [
        "error: the pulumi CLI is not on PATH: install it, or pass --outputs-file FILE or the names as flags"
    ]


# ------------------------------------------------------------------------------ missing names


def test_missing_application(no_region: None) -> None:
    result = run_cli(["status"], lambda service, region: None)

    assert result.code == 2
    assert result.err_lines == [
        "error: missing the CodeDeploy application: give --application or the stack output "
        "codedeployApplication (--stack/--outputs-file)"
    ]


def test_missing_region(no_region: None) -> None:
    result = run_cli(
        ["status", "--application", "a", "--deployment-group", "g"], lambda service, region: None
    )

    assert result.code == 2
    assert result.err_lines == [
        "error: missing the AWS region: give --region or AWS_REGION or the stack output region "
        "(--stack/--outputs-file)"
    ]


def test_region_from_the_environment(
    stack: Stack, clients: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_REGION", REGION)

    result = run_cli(["status", *names_flags(region="")], clients)

    assert result.code == 2  # reached AWS: no deployment yet
    assert result.err_lines == [
        f"error: no deployment found for deployment group {GROUP} of application {APPLICATION}"
    ]


def test_missing_service_when_the_group_names_none(stack: Stack, clients: ClientFactory, client: Any) -> None:
    client("codedeploy").create_deployment_group(
        applicationName=APPLICATION,
        deploymentGroupName="bare",
        serviceRoleArn="arn:aws:iam::123456789012:role/x",
    )

    result = run_cli(
        ["status", *names_flags(**{"deployment-group": "bare", "cluster": "", "service": ""})], clients
    )

    assert result.code == 2
    assert result.err_lines == [
        "error: missing the ECS cluster: give --cluster or the stack output clusterName "
        "(--stack/--outputs-file)"
    ]


def test_usage_error_is_argparse_exit_2() -> None:
    result = run_cli(["frobnicate"], lambda service, region: None)

    assert result.code == 2
    assert "invalid choice" in result.err
    assert "Traceback" not in result.err


# ------------------------------------------------------------------------------ AWS errors


def test_no_credentials(stack: Stack, endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    empty = tmp_path / "empty"
    empty.write_text("")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    def without_credentials(service: str, region: str) -> Any:
        return boto3.session.Session().client(
            service, region_name=region, endpoint_url=endpoint, config=Config(retries={"max_attempts": 1})
        )

    result = run_cli(["status", *names_flags()], without_credentials)

    assert result.code == 2
    assert result.err_lines == [
        "error: no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), "
        "or log in with `aws sso login`"
    ]


@pytest.mark.parametrize("command", [["status"], ["rollback", "--no-wait"], ["watch"], ["stop"]])
def test_unknown_application(stack: Stack, clients: ClientFactory, command: list[str]) -> None:
    result = run_cli([*command, *names_flags(application="nope")], clients)

    assert result.code == 2
    assert len(result.err_lines) == 1
    assert "Traceback" not in result.err


def test_unknown_application_message(stack: Stack, clients: ClientFactory) -> None:
    result = run_cli(["status", *names_flags(application="nope")], clients)

    assert result.err_lines == [
        f"error: CodeDeploy application nope not found in {REGION} (ApplicationDoesNotExistException)"
    ]


def test_unknown_deployment_group(stack: Stack, clients: ClientFactory) -> None:
    result = run_cli(["rollback", "--no-wait", *names_flags(**{"deployment-group": "nope"})], clients)

    assert result.code == 2
    assert result.err_lines == [
        f"error: deployment group nope does not exist in CodeDeploy application {APPLICATION} ({REGION}) "
        "(DeploymentGroupDoesNotExistException)"
    ]
