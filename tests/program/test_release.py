"""The release resource: what `pulumi up` hands CodeDeploy when the task definition changes."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.program.harness import ProgramRun, run_stack

RELEASE = "pulumi-python:dynamic/codedeploy:Release"


def test_release_targets_this_stacks_group_service_and_task_definition(each_stack: ProgramRun) -> None:
    release = each_stack.one(RELEASE).inputs
    task = each_stack.one("aws:ecs/taskDefinition:TaskDefinition")
    assert release["task_definition_arn"] == task.outputs["arn"]
    assert release["application"] == each_stack.one("aws:codedeploy/application:Application").outputs["name"]
    assert release["deployment_group"] == f"my-app-{each_stack.stack}"
    assert release["cluster"] == each_stack.one("aws:ecs/cluster:Cluster").outputs["name"]
    assert release["service"] == each_stack.one("aws:ecs/service:Service").outputs["name"]
    assert (release["container_name"], release["container_port"]) == ("app", 8080)
    assert (release["region"], release["platform_version"]) == ("us-east-1", "LATEST")


def test_release_waits_as_configured(dev: ProgramRun, prod: ProgramRun) -> None:
    assert dev.one(RELEASE).inputs["timeout_minutes"] == 20
    prod_release = prod.one(RELEASE).inputs
    assert (
        prod_release["timeout_minutes"],
        prod_release["stop_on_timeout"],
        prod_release["poll_seconds"],
    ) == (
        60,
        True,
        15,
    )


def test_prod_release_runs_the_smoke_test_at_after_allow_test_traffic(prod: ProgramRun) -> None:
    release = prod.one(RELEASE)
    function = prod.one("aws:lambda/function:Function")
    assert release.inputs["hooks"] == {"AfterAllowTestTraffic": function.outputs["arn"]}
    permission = prod.one("aws:iam/rolePolicy:RolePolicy", "invoke-hook")
    assert permission.urn in release.depends_on, "CodeDeploy must be allowed to invoke the hook first"


def test_dev_release_has_no_hooks(dev: ProgramRun) -> None:
    assert dev.one(RELEASE).inputs["hooks"] == {}


def test_release_belongs_to_the_codedeploy_component(each_stack: ProgramRun) -> None:
    release = each_stack.one(RELEASE)
    assert each_stack.by_urn(release.parent).type == "bluegreen:codedeploy:BlueGreenDeployment"


def test_stack_exports_the_live_revision(each_stack: ProgramRun) -> None:
    assert each_stack.exports["liveTaskDefinitionArn"] == each_stack.exports["taskDefinitionArn"]


def test_aws_profile_reaches_the_release(tmp_path) -> None:
    run = run_stack("dev", {"aws:profile": "deployer"})
    assert run.one(RELEASE).inputs["profile"] == "deployer"


def test_serialized_provider_works_in_another_process_and_directory(prod: ProgramRun, tmp_path) -> None:
    """The dynamic provider host unpickles the provider from the state in its own process;
    it must not need this checkout on sys.path to load it."""
    serialized = prod.one(RELEASE).inputs["__provider"]
    assert isinstance(serialized, str) and serialized, "the provider was not serialized into the inputs"
    script = """
import base64, json, sys
import dill
provider = dill.loads(base64.b64decode(sys.stdin.read()))
props = {"task_definition_arn": "arn:td:1", "container_name": "app", "container_port": 8080}
same = provider.diff("id", props, dict(props))
changed = provider.diff("id", props, {**props, "task_definition_arn": "arn:td:2"})
print(json.dumps([type(provider).__name__, same.changes, changed.changes]))
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        input=serialized,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONNOUSERSITE": "1"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == ["ReleaseProvider", False, True]


def test_each_engine_has_its_wiring_and_the_parents_stay() -> None:
    """components/release_engine.py wires every ``deployment.controller``; a plain function, so
    the release keeps the parent it had when __main__.py declared it (its URN unchanged)."""
    from typing import get_args

    from components.release_engine import DEPLOY_WITH
    from specs.release_model import Engine

    assert set(DEPLOY_WITH) == set(get_args(Engine))
    codedeploy = run_stack("dev")
    ecs = run_stack("dev", {"deployment": {"controller": "ecs"}})
    assert codedeploy.one(RELEASE).urn == (
        "urn:pulumi:dev::fargate-bluegreen::bluegreen:codedeploy:BlueGreenDeployment$"
        "pulumi-python:dynamic/codedeploy:Release::my-app-dev-release"
    )
    assert ecs.one("pulumi-python:dynamic/ecs:ServiceRelease").urn == (
        "urn:pulumi:dev::fargate-bluegreen::bluegreen:ecs:FargateService$"
        "pulumi-python:dynamic/ecs:ServiceRelease::my-app-dev-release"
    )
