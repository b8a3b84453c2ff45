"""Pulumi.yaml declares every config key, with defaults that match the settings model."""

from __future__ import annotations

import pytest

from stack_config.loader import config_keys
from stack_config.model import StackSettings
from tests.program.harness import ROOT, project_file, stack_file

DECLARED = project_file()["config"]


def _model_default(key: str):
    field = StackSettings.model_fields[config_keys()[key]]
    default = field.get_default(call_default_factory=True)
    if hasattr(default, "model_dump"):
        return default.model_dump(by_alias=True, mode="json", exclude_none=True)
    return default


def test_every_config_key_is_declared() -> None:
    assert set(DECLARED) == set(config_keys())


@pytest.mark.parametrize("key", sorted(config_keys()))
def test_declaration_has_type_description_and_the_model_default(key: str) -> None:
    declaration = DECLARED[key]
    assert declaration["type"] in {"string", "integer", "boolean", "object"}
    assert len(declaration["description"]) > 20
    assert declaration["default"] == _model_default(key), (
        f"Pulumi.yaml default of {key} drifted from the model"
    )


def test_runtime_uses_the_virtualenv_the_makefile_creates() -> None:
    runtime = project_file()["runtime"]
    assert runtime["name"] == "python"
    assert runtime["options"]["virtualenv"] == "venv"
    assert "venv:" in (ROOT / "Makefile").read_text()


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_files_set_only_declared_keys(stack: str) -> None:
    project = project_file()["name"]
    for key in stack_file(stack):
        namespace, _, name = key.partition(":")
        assert namespace in {"aws", project}, key
        if namespace == project:
            assert name in DECLARED, key


@pytest.mark.parametrize("key", sorted(config_keys()))
def test_readme_documents_every_key(key: str) -> None:
    readme = (ROOT / "README.md").read_text()
    assert f"`{key}`" in readme, f"README.md does not document config key {key}"
