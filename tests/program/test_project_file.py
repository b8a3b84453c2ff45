"""Pulumi.yaml: a runtime a stock Pulumi CLI can install, and stack files that set only declared keys.

The config block itself is generated from the settings model (stack_config/contract.py, tested
in tests/stack_config/test_contract.py).
"""

from __future__ import annotations

import pytest

from tests.program.harness import ROOT, project_file, stack_file

DECLARED = project_file()["config"]


def test_runtime_is_stock_pip_in_the_virtualenv_the_makefile_fills() -> None:
    """toolchain pip: Pulumi creates ./venv with `python -m venv` and installs requirements.txt
    (hash-pinned, so pip checks every hash); make fills the same ./venv with uv, keeping pip in it."""
    runtime = project_file()["runtime"]
    assert runtime["name"] == "python"
    assert runtime["options"] == {"toolchain": "pip", "virtualenv": "venv"}
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    pinned = [line for line in requirements.splitlines() if line and line[0].isalpha()]
    assert pinned and all("==" in line and line.endswith("\\") for line in pinned)
    assert "--hash=sha256:" in requirements
    assert {line.split("==")[0] for line in pinned} >= {
        "pulumi",
        "pulumi-aws",
        "pulumi-docker",
        "pydantic",
        "boto3",
    }
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "$(VENV)/bin/pip:\n\t$(PYTHON) -m venv $(VENV)" in makefile


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_files_set_only_declared_keys(stack: str) -> None:
    project = project_file()["name"]
    for key in stack_file(stack):
        namespace, _, name = key.partition(":")
        assert namespace in {"aws", project}, key
        if namespace == project:
            assert name in DECLARED, key
