"""specs/sidecars.py by hand: shares, waits, outputs, the collector's configuration, rights."""

from __future__ import annotations

import json

import pytest

from specs.sidecars import (
    APP_MIN_CPU,
    LOG_WRITE_ACTIONS,
    MAX_CONTAINERS,
    XRAY_WRITE_ACTIONS,
    app_depends_on,
    app_environment,
    app_share,
    collector_config,
    execution_secret_arns,
    listening_ports,
    private_ecr_image,
    router_output,
    sidecar_problems,
    size_problems,
    task_role_policy,
)
from stack_config.model import SidecarSettings

DIGEST = "sha256:" + "0" * 64
ARN = "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/my-app-dev"


def _sidecar(**fields: object) -> SidecarSettings:
    return SidecarSettings.model_validate(fields)


ROUTER = _sidecar(logRouter="firelens")
COLLECTOR = _sidecar(otelCollector=True)


def test_the_app_keeps_what_the_sidecars_leave() -> None:
    assert app_share([ROUTER, COLLECTOR], task_cpu=256, task_memory=512) == (160, 320)
    assert app_share([], task_cpu=256, task_memory=512) == (256, 512)


def test_the_app_waits_by_each_sidecars_condition_and_not_for_one_without() -> None:
    helper = _sidecar(name="helper", image=f"x/y@{DIGEST}", dependsOn=None)
    assert app_depends_on([ROUTER, helper]) == [{"containerName": "log-router", "condition": "START"}]


def test_only_the_collector_changes_the_apps_environment() -> None:
    assert app_environment([ROUTER]) == {}
    assert app_environment([COLLECTOR])["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://localhost:4317"


def test_the_default_output_is_the_stacks_log_group_and_a_configured_one_is_kept() -> None:
    default = router_output(ROUTER, log_group_name="/ecs/my-app-dev", region="us-east-1")
    assert default["Name"] == "cloudwatch_logs" and default["log_group_name"] == "/ecs/my-app-dev"
    own = _sidecar(logRouter="firelens", output={"Name": "s3", "bucket": "logs"})
    assert router_output(own, log_group_name="/ecs/x", region="us-east-1") == {"Name": "s3", "bucket": "logs"}


def test_the_collector_listens_on_localhost_and_writes_to_the_stacks_group() -> None:
    config = json.loads(collector_config(region="ap-northeast-2", log_group_name="/ecs/a", namespace="a"))
    endpoints = [p["endpoint"] for p in config["receivers"]["otlp"]["protocols"].values()]
    assert endpoints == ["127.0.0.1:4317", "127.0.0.1:4318"]
    assert config["exporters"]["awsemf"]["log_group_name"] == "/ecs/a"
    assert config["service"]["pipelines"]["traces"]["exporters"] == ["awsxray"]
    assert config["service"]["pipelines"]["metrics"]["exporters"] == ["awsemf"]


def test_rights_follow_the_shortcuts_and_the_output() -> None:
    assert task_role_policy([], log_group_arn=ARN) is None
    own_output = _sidecar(logRouter="firelens", output={"Name": "datadog"})
    assert task_role_policy([own_output], log_group_arn=ARN) is None
    (logs,) = task_role_policy([ROUTER], log_group_arn=ARN)["Statement"]  # type: ignore[index]
    assert (logs["Action"], logs["Resource"]) == (list(LOG_WRITE_ACTIONS), f"{ARN}:*")
    xray, logs = task_role_policy([COLLECTOR, own_output], log_group_arn=ARN)["Statement"]  # type: ignore[index]
    assert (xray["Action"], xray["Resource"]) == (list(XRAY_WRITE_ACTIONS), "*")


def test_the_execution_role_reads_sidecar_and_output_secrets() -> None:
    secret = "arn:aws:ssm:us-east-1:123456789012:parameter/key"
    router = _sidecar(logRouter="firelens", output={"Name": "datadog"}, outputSecrets={"apikey": secret})
    proxy = _sidecar(name="proxy", image=f"x/y@{DIGEST}", secrets={"TOKEN": secret + "2"})
    assert execution_secret_arns([router, proxy]) == [secret, secret + "2"]


def test_shortcut_ports_count_as_taken() -> None:
    assert listening_ports(COLLECTOR) == [4317, 4318, 13133]
    assert listening_ports(_sidecar(name="p", image=f"x/y@{DIGEST}", ports=[9901])) == [9901]


def test_at_most_ten_containers() -> None:
    many = [_sidecar(name=f"s{i}", image=f"x/y@{DIGEST}") for i in range(MAX_CONTAINERS)]
    problems = sidecar_problems(many, app_name="app", app_port=8080, app_environment={})
    assert problems == [
        ("sidecars", "10 sidecars and the app make 11 containers; a task definition holds at most 10")
    ]


def test_no_sidecars_no_size_rule() -> None:
    assert size_problems([], task_cpu=256, task_memory=512) == []
    heavy = _sidecar(name="p", image=f"x/y@{DIGEST}", cpu=256 - APP_MIN_CPU + 1)
    ((key, _),) = size_problems([heavy], task_cpu=256, task_memory=512)
    assert key == "task.cpu"


@pytest.mark.parametrize(
    ("image", "reachable"),
    [
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:" + "0" * 64, True),
        ("123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/app:1", True),
        ("123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1", False),
        ("public.ecr.aws/aws-observability/aws-otel-collector:v0.45.1", False),
        ("docker.io/library/nginx:1", False),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example/app:1", False),
    ],
)
def test_only_the_regions_private_ecr_is_reached_through_its_endpoints(image: str, reachable: bool) -> None:
    assert private_ecr_image(image, "us-east-1") is reachable
