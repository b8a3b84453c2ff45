"""load_settings: raw engine config in, validated settings or one ConfigError with every problem out."""

from __future__ import annotations

import pytest

from stack_config.errors import ConfigError
from stack_config.loader import load_settings

from .support import ECR_IMAGE, PROJECT, ROOT, load, problems, raw_config, stack_raw_config

ALLOWED_TOP_LEVEL = (
    "alarms, appName, container, deletionProtection, deployment, domain, healthCheck, hooks, image, "
    "loadBalancer, network, registry, release, service, tags, task"
)
REGION_MISSING = "aws:region: not set; run `pulumi config set aws:region <region>`, e.g. us-east-1"


def test_empty_config_gives_the_defaults_for_the_region():
    settings = load({}, region="eu-central-1")
    assert settings.region == "eu-central-1"
    assert settings.stack == "dev"
    assert settings.prefix == "my-app-dev"
    assert settings.deployment.plan.predefined_name == "CodeDeployDefault.ECSCanary10Percent5Minutes"


@pytest.mark.parametrize("region", [None, ""], ids=["missing", "empty"])
def test_missing_region_says_how_to_set_it(region):
    assert problems({}, region=region) == [REGION_MISSING]


def test_objects_arrive_as_json_text_and_are_decoded():
    settings = load(
        {
            "deployment": {"strategy": "linear", "percentage": 20, "intervalMinutes": 2},
            "task": {"cpu": 1024, "memory": 3072},
            "tags": {"team": "payments"},
        }
    )
    assert settings.deployment.plan.custom is not None
    assert settings.deployment.plan.custom.config_name(settings.prefix) == "my-app-dev-linear-20pct-2min"
    assert (settings.task.cpu, settings.task.memory) == (1024, 3072)
    assert settings.tags == {"team": "payments"}


@pytest.mark.parametrize(("text", "value"), [("true", True), ("false", False)])
def test_scalars_arrive_as_text(text, value):
    settings = load_settings(
        {"aws:region": "us-east-1", f"{PROJECT}:deletionProtection": text, f"{PROJECT}:appName": "shop"},
        project=PROJECT,
        stack="prod",
        project_dir=ROOT,
    )
    assert settings.deletion_protection is value
    assert settings.app_name == "shop"


@pytest.mark.parametrize(
    ("key", "text"),
    [
        pytest.param("deployment", "canary", id="plain-string"),
        pytest.param("deployment", "[1, 2]", id="json-list"),
        pytest.param("task", '{"cpu": 256', id="broken-json"),
        pytest.param("network", "null", id="json-null"),
        pytest.param("tags", "team=payments", id="map-key"),
    ],
)
def test_non_object_for_an_object_key_is_rejected(key, text):
    raw = {"aws:region": "us-east-1", f"{PROJECT}:{key}": text}
    with pytest.raises(ConfigError) as info:
        load_settings(raw, project=PROJECT, stack="dev", project_dir=ROOT)
    assert info.value.problems == [f"{key}: expected an object (a YAML mapping), got {text!r}"]


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("stratgy", id="typo"),
        pytest.param("app_name", id="snake-case"),
        pytest.param("region", id="program-field-region"),
        pytest.param("stack", id="program-field-stack"),
    ],
)
def test_unknown_top_level_key_is_rejected_with_the_allowed_keys(key):
    assert problems({key: "x"}) == [f"{PROJECT}:{key}: unknown config key; allowed keys: {ALLOWED_TOP_LEVEL}"]


def test_keys_of_other_namespaces_are_not_ours_to_judge():
    # Keys this program does not have, under other namespaces (see test_namespace.py for ours).
    raw = raw_config({}) | {"aws:profile": "work", "other-project:featureFlag": "nonsense"}
    settings = load_settings(raw, project=PROJECT, stack="dev", project_dir=ROOT)
    assert settings.region == "us-east-1"


def test_several_problems_in_different_keys_are_reported_together():
    with pytest.raises(ConfigError) as info:
        load(
            {
                "deployment": {"percentage": 0},
                "task": {"cpu": 300},
                "container": {"port": 0},
                "network": {"natGateways": 0},
            }
        )
    error = info.value
    assert [line.split(":", 1)[0] for line in error.problems] == [
        "container.port",
        "task.cpu",
        "network.natGateways",
        "deployment.percentage",
    ]
    assert str(error).startswith("invalid configuration for stack 'dev':\n  - ")
    assert str(error).count("\n  - ") == 4
    assert error.stack == "dev"


def test_several_raw_config_problems_are_reported_together():
    raw = {f"{PROJECT}:stratgy": "linear", f"{PROJECT}:deployment": "canary"}
    with pytest.raises(ConfigError) as info:
        load_settings(raw, project=PROJECT, stack="prod", project_dir=ROOT)
    assert info.value.problems == [
        REGION_MISSING,
        "deployment: expected an object (a YAML mapping), got 'canary'",
        f"{PROJECT}:stratgy: unknown config key; allowed keys: {ALLOWED_TOP_LEVEL}",
    ]


def test_missing_region_and_a_bad_setting_are_reported_together():
    lines = problems({"deployment": {"percentage": 0}}, region=None)
    assert REGION_MISSING in lines
    assert any(line.startswith("deployment.percentage: ") for line in lines)


def test_secret_error_keeps_the_secret_name_as_written():
    lines = problems({"container": {"secrets": {"DB_PASSWORD": "plain"}}})
    assert "DB_PASSWORD: 'plain' is not a Secrets Manager or SSM parameter ARN" in lines[0]


def test_missing_dockerfile_names_the_path_and_the_alternative(tmp_path):
    lines = problems({}, project_dir=tmp_path)
    assert lines == [
        f"image.context/image.dockerfile: {tmp_path / 'app' / 'Dockerfile'} does not exist; point them at "
        "the app to build, or set image.uri to a prebuilt image"
    ]


def test_prebuilt_image_needs_no_dockerfile(tmp_path):
    settings = load(
        {"image": {"uri": ECR_IMAGE}, "container": {"healthCheck": {"command": []}}}, project_dir=tmp_path
    )
    assert settings.image.uri == ECR_IMAGE


def test_dockerfile_is_looked_up_under_context_and_name(tmp_path):
    (tmp_path / "service").mkdir()
    (tmp_path / "service" / "Containerfile").write_text("FROM scratch\n")
    settings = load({"image": {"context": "service", "dockerfile": "Containerfile"}}, project_dir=tmp_path)
    assert settings.image.context == "service"
    lines = problems({"image": {"context": "service"}}, project_dir=tmp_path)
    assert str(tmp_path / "service" / "Dockerfile") in lines[0]


def test_project_app_dockerfile_is_found():
    assert (ROOT / "app" / "Dockerfile").is_file()
    assert load({}).image.uri is None


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_files_load_with_project_defaults(stack):
    settings = load_settings(stack_raw_config(stack), project=PROJECT, stack=stack, project_dir=ROOT)
    assert settings.prefix == f"my-app-{stack}"
    assert settings.region == "us-east-1"


def test_prod_is_canary_10_5_with_two_tasks_and_deletion_protection():
    settings = load_settings(stack_raw_config("prod"), project=PROJECT, stack="prod", project_dir=ROOT)
    assert (
        settings.deployment.strategy,
        settings.deployment.percentage,
        settings.deployment.interval_minutes,
    ) == (
        "canary",
        10,
        5,
    )
    assert settings.deployment.plan.predefined_name == "CodeDeployDefault.ECSCanary10Percent5Minutes"
    assert settings.service.desired_count >= 2
    assert settings.service.auto_scaling.min_capacity >= 2
    assert settings.deletion_protection is True


def test_dev_shifts_all_at_once_without_deletion_protection():
    settings = load_settings(stack_raw_config("dev"), project=PROJECT, stack="dev", project_dir=ROOT)
    assert settings.deployment.plan.predefined_name == "CodeDeployDefault.ECSAllAtOnce"
    assert settings.deletion_protection is False
    assert (settings.task.cpu, settings.task.memory) == (256, 512)
