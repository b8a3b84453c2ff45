"""Sidecar settings: each bad one is a line naming its key, its value and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from specs.sidecars import APP_MIN_CPU, APP_MIN_MEMORY, SHORTCUT_SIZES

from .support import DIGEST, load, problems

PINNED = f"public.ecr.aws/envoyproxy/envoy@{DIGEST}"
ROUTER = {"logRouter": "firelens"}
COLLECTOR = {"otelCollector": True}


def _sidecars(*entries: dict, **container: object) -> dict:
    return {"container": {"sidecars": list(entries), **container}}


def only_problem(sections: dict, **kwargs: object) -> str:
    lines = problems(sections, **kwargs)
    assert len(lines) == 1, lines
    return lines[0]


def test_shortcuts_take_their_names_images_and_sizes() -> None:
    settings = load(_sidecars(ROUTER, COLLECTOR))
    router, collector = settings.container.sidecars
    assert (router.log_router, router.name, router.image) == ("firelens", None, None)
    assert collector.otel_collector is True
    assert (router.depends_on, collector.depends_on) == ("START", "START")


REJECTED = [
    pytest.param(
        _sidecars({"name": "app", "image": PINNED}),
        "container.sidecars.0.name",
        "'app' is the app container's name",
        id="name-of-the-app",
    ),
    pytest.param(
        _sidecars({"name": "proxy", "image": PINNED}, {"name": "proxy", "image": PINNED, "ports": [9901]}),
        "container.sidecars.1.name",
        "'proxy' names two sidecars",
        id="duplicate-name",
    ),
    pytest.param(
        _sidecars({"name": "log-router", "image": PINNED}),
        "container.sidecars.0.name",
        "'log-router' is reserved for the log-router shortcut",
        id="reserved-name",
    ),
    pytest.param(
        _sidecars({"name": "otel-collector", "image": PINNED}),
        "container.sidecars.0.name",
        "'otel-collector' is reserved",
        id="reserved-collector-name",
    ),
    pytest.param(
        _sidecars({"name": "proxy", "image": PINNED, "startAfter": {"proxy": "START"}}),
        "container.sidecars.0.startAfter.proxy",
        "proxy waits for itself",
        id="waits-for-itself",
    ),
    pytest.param(
        _sidecars({"name": "proxy", "image": PINNED, "startAfter": {"app": "HEALTHY"}}),
        "container.sidecars.0.startAfter.app",
        "proxy waits for the app (app)",
        id="waits-for-the-app",
    ),
    pytest.param(
        _sidecars({"name": "proxy", "image": PINNED, "startAfter": {"cache": "START"}}),
        "container.sidecars.0.startAfter.cache",
        "'cache' is no sidecar of this task; sidecars: proxy",
        id="waits-for-nobody",
    ),
    pytest.param(
        _sidecars({"name": "proxy", "image": PINNED, "ports": [8080]}),
        "container.sidecars.0.ports",
        "port 8080 of proxy is already taken by the app (app)",
        id="port-of-the-app",
    ),
    pytest.param(
        _sidecars(COLLECTOR, {"name": "proxy", "image": PINNED, "ports": [4317]}),
        "container.sidecars.1.ports",
        "port 4317 of proxy is already taken by otel-collector",
        id="port-of-the-collector",
    ),
    pytest.param(
        _sidecars(
            {"name": "a", "image": PINNED, "ports": [9000]}, {"name": "b", "image": PINNED, "ports": [9000]}
        ),
        "container.sidecars.1.ports",
        "port 9000 of b is already taken by a",
        id="port-of-another-sidecar",
    ),
    pytest.param(
        _sidecars(COLLECTOR, port=4318),
        "container.sidecars.0.ports",
        "port 4318 of otel-collector is already taken by the app (app)",
        id="app-on-a-collector-port",
    ),
    pytest.param(
        _sidecars({"name": "migrate", "image": PINNED, "dependsOn": "SUCCESS"}),
        "container.sidecars.0.dependsOn",
        "SUCCESS waits for migrate to exit, which stops the task while it is essential",
        id="exit-condition-on-essential",
    ),
    pytest.param(
        _sidecars({"name": "proxy", "image": PINNED, "dependsOn": "HEALTHY"}),
        "container.sidecars.0.dependsOn",
        "HEALTHY needs a health check on proxy",
        id="healthy-without-check",
    ),
    pytest.param(
        _sidecars({"name": "proxy", "image": PINNED, "dependsOn": "READY"}),
        "container.sidecars.0.dependsOn",
        "'START', 'COMPLETE', 'SUCCESS' or 'HEALTHY'",
        id="unknown-condition",
    ),
    pytest.param(
        _sidecars({"name": "proxy", "image": "envoyproxy/envoy:v1.30"}),
        "container.sidecars.0.image",
        "must pin a digest",
        id="image-by-tag",
    ),
    pytest.param(
        _sidecars({"name": "proxy"}),
        "container.sidecars.0.image",
        "not set",
        id="no-image",
    ),
    pytest.param(
        _sidecars({"name": "proxy", "image": PINNED, "logging": "firelens"}),
        "container.sidecars.0.logging",
        "firelens needs a sidecar with logRouter: firelens",
        id="firelens-without-router",
    ),
    pytest.param(
        _sidecars(ROUTER, ROUTER),
        "container.sidecars",
        "more than one log-router shortcut",
        id="two-routers",
    ),
    pytest.param(
        _sidecars(COLLECTOR, environment={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://elsewhere:4317"}),
        "container.environment",
        "OTEL_EXPORTER_OTLP_ENDPOINT set, but otelCollector points the app at its collector",
        id="collector-endpoint-set-by-hand",
    ),
    pytest.param(
        _sidecars({"logRouter": "fluentd"}),
        "container.sidecars.0.logRouter",
        "'fluentd'",
        id="unknown-router",
    ),
    pytest.param(
        _sidecars({**ROUTER, "output": {"region": "us-east-1"}}),
        "container.sidecars.0.output",
        "needs Name",
        id="output-without-plugin",
    ),
    pytest.param(
        _sidecars(
            {"name": "a", "image": PINNED, "startAfter": {"b": "START"}},
            {"name": "b", "image": PINNED, "startAfter": {"a": "START"}},
        ),
        "container.sidecars.0.startAfter",
        "a waits for itself through a -> b -> a",
        id="ring",
    ),
]


@pytest.mark.parametrize(("sections", "key", "detail"), REJECTED)
def test_bad_sidecar_is_a_keyed_line(sections: dict, key: str, detail: str) -> None:
    line = only_problem(sections)
    assert line.startswith(f"{key}: "), line
    assert detail in line, line


def test_sidecars_over_the_fargate_cpu_are_keyed_at_task_cpu_with_every_container_counted() -> None:
    line = only_problem(
        {**_sidecars({**ROUTER, "cpu": 128}, {**COLLECTOR, "cpu": 96}), "task": {"cpu": 256, "memory": 512}}
    )
    assert line.startswith("task.cpu: 256 CPU units cannot hold every container"), line
    assert "log-router 128 + otel-collector 96 = 224" in line and f"at least {APP_MIN_CPU}" in line, line
    assert f"at least {224 + APP_MIN_CPU}" in line


def test_sidecars_over_the_fargate_memory_are_keyed_at_task_memory() -> None:
    line = only_problem(
        {
            **_sidecars({**ROUTER, "memory": 200}, {**COLLECTOR, "memory": 200}),
            "task": {"cpu": 256, "memory": 512},
        }
    )
    assert line.startswith("task.memory: 512 MiB cannot hold every container"), line
    assert "= 400" in line and f"at least {APP_MIN_MEMORY}" in line


def test_the_shortcuts_default_sizes_fit_the_smallest_task() -> None:
    used_cpu = sum(cpu for cpu, _ in SHORTCUT_SIZES.values())
    used_memory = sum(memory for _, memory in SHORTCUT_SIZES.values())
    assert used_cpu + APP_MIN_CPU <= 256 and used_memory + APP_MIN_MEMORY <= 512
    load({**_sidecars(ROUTER, COLLECTOR), "task": {"cpu": 256, "memory": 512}})


def test_exactly_full_is_accepted_one_more_is_not() -> None:
    fits = 256 - APP_MIN_CPU - SHORTCUT_SIZES["otel-collector"][0]
    load({**_sidecars({**ROUTER, "cpu": fits}, COLLECTOR), "task": {"cpu": 256, "memory": 512}})
    line = only_problem(
        {**_sidecars({**ROUTER, "cpu": fits + 1}, COLLECTOR), "task": {"cpu": 256, "memory": 512}}
    )
    assert line.startswith("task.cpu:")


def test_a_sidecar_built_from_a_missing_directory_is_named(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text("FROM scratch\n")
    lines = problems(_sidecars({"name": "proxy", "build": {"context": "proxy"}}), project_dir=tmp_path)
    assert len(lines) == 1 and lines[0].startswith("container.sidecars.0.build: "), lines
    assert "does not exist" in lines[0]


def test_exit_conditions_are_allowed_on_a_non_essential_sidecar() -> None:
    settings = load(
        _sidecars({"name": "migrate", "image": PINNED, "essential": False, "dependsOn": "SUCCESS"})
    )
    assert settings.container.sidecars[0].depends_on == "SUCCESS"


# --- tasks with only the VPC endpoints pull from the region's private ECR alone ------------------

ENDPOINTS_ONLY = {"natGateways": 0, "vpcEndpoints": True}


@pytest.mark.parametrize(
    ("sidecar", "key", "value"),
    [
        (ROUTER, "container.sidecars.0.logRouter", "'firelens' runs public.ecr.aws/aws-observability/"),
        (COLLECTOR, "container.sidecars.0.otelCollector", "true runs public.ecr.aws/aws-observability/"),
        ({**ROUTER, "image": PINNED}, "container.sidecars.0.image", f"{PINNED!r}"),
        ({"name": "proxy", "image": PINNED}, "container.sidecars.0.image", f"{PINNED!r}"),
        (
            {**COLLECTOR, "image": f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/adot@{DIGEST}"},
            "container.sidecars.0.image",
            "'123456789012.dkr.ecr.eu-west-1.amazonaws.com/adot@",
        ),
    ],
    ids=["log-router", "otel-collector", "router-public-digest", "plain-public", "other-region-ecr"],
)
def test_a_sidecar_image_the_endpoints_cannot_reach_names_the_key_the_value_and_the_fixes(
    sidecar: dict, key: str, value: str
) -> None:
    line = only_problem({"network": ENDPOINTS_ONLY, **_sidecars(sidecar)})
    assert line.startswith(f"{key}: {value}"), line
    assert "which the tasks cannot pull: network.natGateways 0 with taskSubnets 'private'" in line
    assert "set network.natGateways >= 1, or network.taskSubnets: public" in line
    assert (
        "or copy the image into your own ECR repository in us-east-1 and set its digest-pinned URI as "
        "container.sidecars.0.image"
    ) in line


def test_every_unreachable_sidecar_is_named() -> None:
    lines = problems({"network": ENDPOINTS_ONLY, **_sidecars(ROUTER, COLLECTOR)})
    assert [line.split(":")[0] for line in lines] == [
        "container.sidecars.0.logRouter",
        "container.sidecars.1.otelCollector",
    ]


@pytest.mark.parametrize(
    "network",
    [
        {"natGateways": 1},
        {"natGateways": 0, "taskSubnets": "public"},
        {**ENDPOINTS_ONLY, "taskSubnets": "private", "natGateways": 1, "vpcEndpoints": True},
    ],
    ids=["nat-gateway", "public-tasks", "nat-and-endpoints"],
)
def test_shortcut_images_are_fine_with_an_internet_route(network: dict) -> None:
    settings = load({"network": network, **_sidecars(ROUTER, COLLECTOR)})
    assert len(settings.container.sidecars) == 2


def test_images_in_the_regions_own_ecr_and_built_ones_need_no_internet(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    own = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/mirror/aws-for-fluent-bit@{DIGEST}"
    cache = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/ecr-public/aws-observability/adot@{DIGEST}"
    settings = load(
        {
            "network": ENDPOINTS_ONLY,
            **_sidecars(
                {**ROUTER, "image": own},
                {**COLLECTOR, "image": cache},
                {"name": "proxy", "build": {"context": str(tmp_path)}, "ports": [9901]},
            ),
        }
    )
    assert [s.image for s in settings.container.sidecars] == [own, cache, None]


def test_an_existing_vpcs_routes_are_not_judged() -> None:
    network = {
        "vpcId": "vpc-0123456789abcdef0",
        "publicSubnetIds": ["subnet-0a", "subnet-0b"],
        "privateSubnetIds": ["subnet-0c", "subnet-0d"],
        "natGateways": 0,
    }
    assert load({"network": network, **_sidecars(ROUTER)}).network.tasks_offline is False


def test_a_list_where_a_mapping_belongs_names_the_shape() -> None:
    """startAfter (and every other mapping) is a YAML mapping: a list gets the shape named, not
    pydantic's "valid dictionary"."""
    sidecar = {"name": "proxy", "image": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/p@{DIGEST}"}
    line = only_problem(_sidecars({**sidecar, "startAfter": ["other"]}))
    assert line == "container.sidecars.0.startAfter: got ['other']; a mapping of keys to values is expected"
