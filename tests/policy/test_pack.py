"""The pack itself: its files, and the real analyzer process answering the engine's gRPC calls.

The pack's __main__ is never imported (PolicyPack starts a gRPC server and blocks); it is run
the way the Pulumi CLI runs a Python policy pack (``python -m pulumi.policy <engine> <pack dir>``,
see pulumi-analyzer-policy-python), in a child process that the test stops.
"""

from __future__ import annotations

import ast
import json
import os
import re
import select
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy import EnforcementLevel

from policy import guardrails as g
from tests.policy.support import Res, only

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "policy"
MANDATORY = analyzer_pb2.MANDATORY if hasattr(analyzer_pb2, "MANDATORY") else 1


def test_pack_file_declares_a_python_pack():
    pack = yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text())
    assert pack["runtime"]["name"] == "python"
    assert pack["runtime"]["options"]["virtualenv"] == "venv"
    assert re.fullmatch(r"\d+\.\d+\.\d+", pack["version"])


def test_pack_requirements_pin_pulumi_policy():
    lines = [line.split("#")[0].strip() for line in (PACK / "requirements.txt").read_text().splitlines()]
    assert "pulumi-policy>=1.21,<2" in lines


def test_pack_modules_import_only_what_its_environment_has():
    """policy/venv has pulumi-policy and pulumi; the rest is the standard library, the pack's own
    modules (relative imports) and the stdlib-only specs modules (tests/specs/test_release_model.py)."""
    shared = {"specs", "specs.release_model", "specs.resource_reader", "specs.ecs_engine"}
    for path in sorted(PACK.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                allowed = name.split(".")[0] in {*sys.stdlib_module_names, "pulumi", "pulumi_policy"}
                assert allowed or name in shared or name == "policy.guardrails", f"{path.name} imports {name}"


def test_main_only_builds_the_pack():
    """policy/__main__.py builds one PolicyPack from PACK_NAME, PACK_ENFORCEMENT and build_policies()."""
    tree = ast.parse((PACK / "__main__.py").read_text())
    calls = [
        n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "PolicyPack"
    ]
    assert len(calls) == 1
    keywords = {k.arg: k.value for k in calls[0].keywords}
    assert ast.unparse(keywords["name"]) == "PACK_NAME"
    assert ast.unparse(keywords["enforcement_level"]) == "PACK_ENFORCEMENT"
    assert ast.unparse(keywords["policies"]) == "build_policies()"
    assert g.PACK_NAME == "fargate-bluegreen-guardrails"
    assert g.PACK_ENFORCEMENT is EnforcementLevel.MANDATORY


def test_policies_are_unique_and_inherit_the_mandatory_level():
    policies = g.build_policies(lambda: "prod")
    names = [p.name for p in policies]
    assert len(names) == len(set(names)) == 14
    assert all(p.enforcement_level is None for p in policies)  # the pack's MANDATORY applies


@contextmanager
def running_pack(stack: str) -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    env = {
        **os.environ,
        "PULUMI_PROJECT": "fargate-bluegreen",
        "PULUMI_STACK": stack,
        "PULUMI_DRY_RUN": "false",
    }
    process = subprocess.Popen(  # the engine address is unused until the pack logs
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", str(PACK)],
        cwd=PACK,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 60)
        assert ready, "the policy pack did not print its port within 60 s"
        port = process.stdout.readline().strip()  # type: ignore[union-attr]
        assert port.isdigit(), f"unexpected first line {port!r}; stderr: {process.stderr.read()}"  # type: ignore[union-attr]
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            stream.close()  # type: ignore[union-attr]


def _struct(props: dict) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(json.loads(json.dumps(props, default=lambda _: None)))  # e.g. a Lambda's archive
    return struct


def _stack_request(resources: list[Res]) -> analyzer_pb2.AnalyzeStackRequest:
    return analyzer_pb2.AnalyzeStackRequest(
        resources=[
            analyzer_pb2.AnalyzerResource(type=r.type, properties=_struct(r.outputs), urn=r.urn, name=r.name)
            for r in resources
        ]
    )


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_the_running_pack_enforces_its_policies(checked_in, stack):
    """As the CLI runs it: every policy mandatory, and the stack name read from the Pulumi runtime."""
    with running_pack(stack) as analyzer:
        info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
        assert info.name == g.PACK_NAME
        assert [p.name for p in info.policies] == [p.name for p in g.build_policies(lambda: stack)]
        assert {p.enforcementLevel for p in info.policies} == {MANDATORY}

        repository = only(checked_in["prod"], g.ECR_REPOSITORY)
        props = {**repository.inputs, "imageScanningConfiguration": {"scanOnPush": False}}
        resource = analyzer.Analyze(
            analyzer_pb2.AnalyzeRequest(
                type=repository.type, properties=_struct(props), urn=repository.urn, name=repository.name
            )
        )
        assert [(d.policyName, d.enforcementLevel) for d in resource.diagnostics] == [
            ("ecr-scan-on-push", MANDATORY)
        ]

        # The checked-in prod stack: production on HTTP, a violation in prod only.
        found = analyzer.AnalyzeStack(_stack_request(checked_in["prod"]))
        https = [d for d in found.diagnostics if d.policyName == "production-listener-https"]
        if stack == "prod":
            listener = only(checked_in["prod"], g.LISTENER, "-prod")
            assert [(d.urn, d.enforcementLevel) for d in https] == [(listener.urn, MANDATORY)]
        else:
            assert https == []
