"""Build the raw config the Pulumi engine hands the program, and load it like ``__main__`` does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from stack_config.errors import ConfigError
from stack_config.loader import load_settings
from stack_config.model import StackSettings

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "fargate-bluegreen"
DIGEST = "sha256:" + "0123456789abcdef" * 4
ECR_IMAGE = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/my-app@{DIGEST}"


def engine_encoding(value: Any) -> str:
    """The engine passes strings: objects and arrays as JSON, booleans lowercase."""
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def raw_config(sections: dict[str, Any] | None = None, *, region: str | None = "us-east-1") -> dict[str, str]:
    raw = {} if region is None else {"aws:region": region}
    for key, value in (sections or {}).items():
        raw[key if ":" in key else f"{PROJECT}:{key}"] = engine_encoding(value)
    return raw


def load(
    sections: dict[str, Any] | None = None,
    *,
    stack: str = "dev",
    region: str | None = "us-east-1",
    project_dir: Path = ROOT,
) -> StackSettings:
    return load_settings(
        raw_config(sections, region=region), project=PROJECT, stack=stack, project_dir=project_dir
    )


def problems(sections: dict[str, Any] | None = None, **kwargs: Any) -> list[str]:
    """The problem lines of the ConfigError the config must raise."""
    with pytest.raises(ConfigError) as info:
        load(sections, **kwargs)
    return info.value.problems


def stack_raw_config(stack: str) -> dict[str, str]:
    """What ``pulumi up -s <stack>`` passes: Pulumi.yaml defaults, overridden key by key by the stack file."""
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    name = project["name"]
    values: dict[str, Any] = {}
    for key, declaration in project["config"].items():
        if isinstance(declaration, dict) and "default" in declaration:
            values[f"{name}:{key}"] = declaration["default"]
    stack_values = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    values.update({key if ":" in key else f"{name}:{key}": value for key, value in stack_values.items()})
    return {key: engine_encoding(value) for key, value in values.items()}
