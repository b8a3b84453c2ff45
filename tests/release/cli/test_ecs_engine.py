"""Which engine a command uses: --engine, else the stack output deploymentController, else
codedeploy (today's behaviour); an ECS service deployment ARN argument when nothing chose; and
the one-line errors when the choice and the names or the service disagree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.stub import Stubber

from .ecs_support import (
    T0,
    EcsStack,
    brief,
    deployment,
    deployment_arn,
    expect_describe,
    expect_list,
    expect_revisions,
    task_definition,
)
from .support import CLUSTER, REGION, SERVICE, ClientFactory, FakeClock, Stack, names_flags, run_cli

NEW = deployment_arn("new")
MISSING_APPLICATION = (
    "error: missing the CodeDeploy application: give --application or the stack output "
    "codedeployApplication (--stack/--outputs-file) (the stack outputs have none)"
)


@pytest.fixture
def no_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)


def _outputs(tmp_path: Path, stack: EcsStack, **overrides: object) -> str:
    path = tmp_path / "outputs.json"
    path.write_text(stack.outputs_json(**overrides))
    return str(path)


def _successful(stubber: Stubber) -> None:
    expect_list(stubber, [brief("new", 3, "SUCCESSFUL", T0)])
    expect_describe(stubber, deployment("new", "SUCCESSFUL", target=3, source=2))
    expect_revisions(stubber, {3: task_definition(3), 2: task_definition(2)})


def test_the_output_deployment_controller_selects_ecs(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber, tmp_path: Path, no_region: None
) -> None:
    _successful(ecs_api)

    result = run_cli(["status", "--json", "--outputs-file", _outputs(tmp_path, ecs_stack)], ecs_clients)

    assert result.code == 0, result.err
    state = json.loads(result.out)
    assert (state["engine"], state["deployment"]["arn"]) == ("ecs", NEW)
    assert state["ecs"]["strategy"] == "BLUE_GREEN"  # the deploymentStrategy output


@pytest.mark.parametrize("controller", ["codedeploy", "CODE_DEPLOY", None])
def test_outputs_saying_codedeploy_or_nothing_keep_codedeploy(
    ecs_stack: EcsStack, tmp_path: Path, controller: str | None, no_region: None
) -> None:
    outputs = _outputs(tmp_path, ecs_stack, deploymentController=controller)

    result = run_cli(["status", "--outputs-file", outputs], lambda service, region: None)

    assert result.code == 2
    assert result.err_lines == [MISSING_APPLICATION]


def test_the_engine_flag_overrides_the_outputs(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber, tmp_path: Path
) -> None:
    _successful(ecs_api)
    codedeploy_outputs = _outputs(tmp_path, ecs_stack, deploymentController="codedeploy")

    to_ecs = run_cli(["status", "--engine", "ecs", "--outputs-file", codedeploy_outputs], ecs_clients)
    to_codedeploy = run_cli(
        ["status", "--engine", "codedeploy", "--outputs-file", _outputs(tmp_path, ecs_stack)], ecs_clients
    )

    assert to_ecs.code == 0, to_ecs.err
    assert "last service deployment new: SUCCESSFUL (BLUE_GREEN)" in to_ecs.out.splitlines()
    assert to_codedeploy.code == 2
    assert to_codedeploy.err_lines == [MISSING_APPLICATION]


def test_an_unknown_controller_output_is_one_line(ecs_stack: EcsStack, tmp_path: Path) -> None:
    outputs = _outputs(tmp_path, ecs_stack, deploymentController="lambda")

    result = run_cli(["status", "--outputs-file", outputs], lambda service, region: None)

    assert result.code == 2
    assert result.err_lines == [
        "error: the stack output deploymentController is 'lambda', expected one of codedeploy, ecs; "
        "give --engine to choose"
    ]


def test_the_engine_flag_makes_a_bad_controller_output_harmless(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber, tmp_path: Path
) -> None:
    _successful(ecs_api)
    outputs = _outputs(tmp_path, ecs_stack, deploymentController="lambda")

    result = run_cli(["status", "--engine", "ecs", "--outputs-file", outputs], ecs_clients)

    assert result.code == 0, result.err


def test_an_unknown_engine_flag_is_a_usage_error() -> None:
    result = run_cli(["status", "--engine", "lambda"], lambda service, region: None)

    assert result.code == 2
    assert "invalid choice: 'lambda'" in result.err


def test_help_names_the_engine_flag() -> None:
    result = run_cli(["watch", "--help"], lambda service, region: None)

    assert result.code == 0
    assert "--engine {codedeploy,ecs}" in result.out
    assert "ECS service deployment ARN" in result.out


def test_ecs_arn_with_codedeploy_engine_is_one_line(ecs_stack: EcsStack, tmp_path: Path) -> None:
    outputs = _outputs(tmp_path, ecs_stack, deploymentController="codedeploy")

    result = run_cli(["watch", NEW, "--outputs-file", outputs], lambda service, region: None)

    assert result.code == 2
    assert result.err_lines == [
        f"error: {NEW} is an ECS service deployment, but the engine is codedeploy "
        "(from the stack output deploymentController); give --engine ecs"
    ]


def test_codedeploy_id_with_ecs_engine_is_one_line(ecs_stack: EcsStack, tmp_path: Path) -> None:
    result = run_cli(
        ["stop", "d-ABCDEFGHI", "--outputs-file", _outputs(tmp_path, ecs_stack)], lambda s, r: None
    )

    assert result.code == 2
    assert result.err_lines == [
        "error: d-ABCDEFGHI is a CodeDeploy deployment id, but the engine is ecs "
        "(from the stack output deploymentController); give --engine codedeploy"
    ]


def test_an_arn_in_another_region_than_the_flag_is_one_line() -> None:
    result = run_cli(["stop", NEW, "--engine", "ecs", "--region", "eu-west-1"], lambda s, r: None)

    assert result.code == 2
    assert result.err_lines == [f"error: {NEW} is in {REGION}, not in eu-west-1 (--region)"]


def test_the_arns_region_wins_over_the_environment(
    ecs_clients: ClientFactory, ecs_api: Stubber, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    expect_describe(ecs_api, deployment("new", "IN_PROGRESS"))
    ecs_api.add_response(
        "stop_service_deployment",
        {"serviceDeploymentArn": NEW},
        {"serviceDeploymentArn": NEW, "stopType": "ROLLBACK"},
    )
    regions: list[str] = []

    def record(service: str, region: str) -> object:
        regions.append(region)
        return ecs_clients(service, region)

    result = run_cli(["stop", NEW], record)

    assert result.code == 0, result.err
    assert set(regions) == {REGION}


def test_ecs_engine_on_a_codedeploy_service_is_one_line(stack: Stack, clients: ClientFactory) -> None:
    result = run_cli(["status", "--engine", "ecs", *names_flags()], clients)

    assert result.code == 2
    assert result.err_lines == [
        f"error: ECS service {SERVICE} uses the CODE_DEPLOY deployment controller: CodeDeploy deploys it; "
        "give --engine codedeploy"
    ]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["status"], "missing the ECS cluster: give --cluster or the stack output clusterName"),
        (["watch"], "missing the ECS cluster: give --cluster or the stack output clusterName"),
        (
            ["rollback", "--no-wait"],
            "missing the ECS cluster: give --cluster or the stack output clusterName",
        ),
        (
            ["stop", "--cluster", CLUSTER, "--service", SERVICE],
            "missing the AWS region: give --region or AWS_REGION or the stack output region",
        ),
    ],
)
def test_missing_names_under_ecs_are_one_line(argv: list[str], expected: str, no_region: None) -> None:
    result = run_cli([*argv, "--engine", "ecs"], lambda service, region: None)

    assert result.code == 2
    assert result.err_lines == [f"error: {expected} (--stack/--outputs-file)"]


@pytest.mark.parametrize("command", [["status"], ["watch"], ["stop"], ["rollback", "--no-wait"]])
def test_every_command_reports_an_unknown_cluster_in_one_line(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, command: list[str]
) -> None:
    flags = ["--engine", "ecs", "--region", REGION, "--cluster", "nope", "--service", SERVICE]

    result = run_cli([*command, *flags], ecs_clients, sleep=FakeClock().sleep)

    assert result.code == 2
    assert result.err_lines == [f"error: ECS cluster nope not found in {REGION} (ClusterNotFoundException)"]
