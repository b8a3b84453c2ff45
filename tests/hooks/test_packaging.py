"""The code directory works as Lambda loads it (its own dir is the import root) and as a package.

Lambda unzips hooks/smoke_test/ into /var/task and imports `handler` as a top-level module, so
`checks` and `config` must be importable as siblings there, with only the standard library and
the runtime's boto3/botocore.
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hooks.smoke_test import handler as hook

from .support import LocalServer

CODE_DIR = Path(__file__).resolve().parents[2] / "hooks" / "smoke_test"
SUBPROCESS_TIMEOUT = 60  # a cold interpreter importing boto3 on a busy machine
RUNTIME_PROVIDED = {"boto3", "botocore"}

LAMBDA_LIKE_RUN = r"""
import json, os, sys
import boto3
from botocore.stub import Stubber
import handler, checks, config

assert "hooks" not in sys.modules, "imported through the repository package"
assert handler.run_checks is checks.run_checks and config.parse_checks is checks.parse_checks

client = boto3.client("codedeploy", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
stub = Stubber(client)
stub.add_response(
    "put_lifecycle_event_hook_execution_status",
    {"lifecycleEventHookExecutionId": "exec-1"},
    {"deploymentId": "d-ABCDEF123", "lifecycleEventHookExecutionId": "exec-1", "status": "Succeeded"},
)
stub.activate()
handler.make_codedeploy_client = lambda: client
result = handler.handler({"DeploymentId": "d-ABCDEF123", "LifecycleEventHookExecutionId": "exec-1"}, None)
stub.assert_no_pending_responses()
print("RESULT " + json.dumps(result))
"""

# Amazon ECS answers through the return value: no boto3 client may be made for this shape.
LAMBDA_LIKE_ECS_RUN = r"""
import json, sys
import handler

assert "hooks" not in sys.modules, "imported through the repository package"


def no_codedeploy():
    raise AssertionError("a CodeDeploy client was created for an Amazon ECS event")


handler.make_codedeploy_client = no_codedeploy
print("RESULT " + json.dumps(handler.handler(json.loads(sys.argv[1]), None)))
"""
# POST_TEST_TRAFFIC_SHIFT payload from
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/lambda-lifecycle-hooks.html
ECS_EVENT = {
    "executionId": "3a0345ba-b029-404b-890d-7da2a4b266aa",
    "lifecycleStage": "POST_TEST_TRAFFIC_SHIFT",
    "resourceArn": (
        "arn:aws:ecs:us-west-2:123456789012:service-deployment/my-cluster/my-service/EZe5RNVLH6PPzHXINuP28"
    ),
    "executionDetails": {
        "serviceArn": "arn:aws:ecs:us-west-2:123456789012:service/my-cluster/my-service",
        "targetServiceRevisionArn": (
            "arn:aws:ecs:us-west-2:123456789012:service-revision/my-cluster/my-service/9313423515462893900"
        ),
        "testTrafficWeights": {},
        "productionTrafficWeights": {},
    },
}


def clean_env(**extra: str) -> dict[str, str]:
    """The parent's environment without PYTHON* (no PYTHONPATH to the repository) or hook variables."""
    hook_vars = (
        "TEST_URL",
        "CHECKS",
        "REQUEST_TIMEOUT_SECONDS",
        "ATTEMPTS",
        "RETRY_DELAY_SECONDS",
        "VERIFY_TLS",
        "MAX_IN_PROGRESS",
        "CALLBACK_DELAY_SECONDS",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON") and k not in hook_vars}
    return {**env, "PYTHONDONTWRITEBYTECODE": "1", **extra}


def test_handler_imports_as_a_top_level_module_in_its_own_dir() -> None:
    proc = subprocess.run(
        [sys.executable, "-B", "-c", "import handler; print(handler.handler.__module__)"],
        cwd=CODE_DIR,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "handler"


def test_lambda_like_copy_runs_end_to_end(tmp_path: Path, server: LocalServer) -> None:
    task = tmp_path / "task"  # like /var/task: the directory's contents only, outside the repository
    shutil.copytree(CODE_DIR, task, ignore=shutil.ignore_patterns("__pycache__"))
    proc = subprocess.run(
        [sys.executable, "-B", "-c", LAMBDA_LIKE_RUN],
        cwd=task,
        env=clean_env(TEST_URL=server.base_url, ATTEMPTS="1", REQUEST_TIMEOUT_SECONDS="2"),
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    [line] = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    result = json.loads(line.removeprefix("RESULT "))
    assert result["status"] == "Succeeded" and result["checks"][0]["path"] == "/health"


def test_lambda_like_copy_answers_an_ecs_event(tmp_path: Path, server: LocalServer) -> None:
    task = tmp_path / "task"
    shutil.copytree(CODE_DIR, task, ignore=shutil.ignore_patterns("__pycache__"))
    proc = subprocess.run(
        [sys.executable, "-B", "-c", LAMBDA_LIKE_ECS_RUN, json.dumps(ECS_EVENT)],
        cwd=task,
        env=clean_env(TEST_URL=server.base_url, ATTEMPTS="1", REQUEST_TIMEOUT_SECONDS="2"),
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    [line] = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    result = json.loads(line.removeprefix("RESULT "))
    assert result["hookStatus"] == "SUCCEEDED" and result["lifecycleStage"] == "POST_TEST_TRAFFIC_SHIFT"


def test_handler_signature() -> None:
    assert list(inspect.signature(hook.handler).parameters) == ["event", "context"]


@pytest.mark.parametrize("source", sorted(CODE_DIR.glob("*.py")), ids=lambda path: path.name)
def test_only_stdlib_and_runtime_boto3_are_imported(source: Path) -> None:
    siblings = {path.stem for path in CODE_DIR.glob("*.py")}
    imported: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
    foreign = imported - set(sys.stdlib_module_names) - RUNTIME_PROVIDED - siblings - {"__future__"}
    assert not foreign, f"{source.name} imports {sorted(foreign)}, which the Lambda runtime does not provide"
