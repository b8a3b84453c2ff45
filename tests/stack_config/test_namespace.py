"""The config namespace follows the project's name: a renamed project loses no setting silently."""

from __future__ import annotations

import pytest

from stack_config.errors import ConfigError
from stack_config.loader import load_settings
from tests.stack_config.support import PROJECT, ROOT, raw_config, stack_raw_config


def test_settings_are_read_under_the_projects_own_name() -> None:
    raw = {
        key.replace(f"{PROJECT}:", "my-service:"): value for key, value in stack_raw_config("prod").items()
    }
    settings = load_settings(raw, project="my-service", stack="prod", project_dir=ROOT)
    assert settings.service.desired_count == 2 and settings.deletion_protection is True


def test_a_renamed_project_with_the_old_stack_file_is_an_error_naming_each_key() -> None:
    # `pulumi new` from a template renames the project; the stack file still says fargate-bluegreen:.
    with pytest.raises(ConfigError) as info:
        load_settings(stack_raw_config("prod"), project="my-service", stack="prod", project_dir=ROOT)
    problems = info.value.problems
    assert (
        f"{PROJECT}:task: set under namespace {PROJECT!r}, but this project is named 'my-service' "
        "(Pulumi.yaml `name`), so the program would never read it; rename it to my-service:task"
    ) in problems
    assert f"{PROJECT}:deletionProtection" in "\n".join(problems)
    assert problems[-1] == (
        f"config namespace: the stack file writes keys under {PROJECT!r}; "
        "replace that prefix with 'my-service:' in Pulumi.<stack>.yaml"
    )


def test_one_stray_key_beside_correct_ones_is_reported_alone() -> None:
    raw = raw_config({"appName": "shop"}) | {"old-name:deployment": '{"strategy": "canary"}'}
    with pytest.raises(ConfigError) as info:
        load_settings(raw, project=PROJECT, stack="dev", project_dir=ROOT)
    assert info.value.problems == [
        f"old-name:deployment: set under namespace 'old-name', but this project is named {PROJECT!r} "
        f"(Pulumi.yaml `name`), so the program would never read it; rename it to {PROJECT}:deployment"
    ]


@pytest.mark.parametrize("key", ["pulumi:tags", "docker:image", "aws:tags"])
def test_provider_and_pulumi_keys_are_never_stray(key: str) -> None:
    # Same key names as ours (`pulumi:tags` is Pulumi's own stack tags), not our namespace.
    raw = raw_config({}) | {key: '{"team": "payments"}'}
    assert load_settings(raw, project=PROJECT, stack="dev", project_dir=ROOT).stack == "dev"
