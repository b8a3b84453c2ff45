"""Sidecar containers beside the app: their container definitions, what they change in the app's
definition, the task role's rights they need, and the rules a set of sidecars must keep.

Two shortcuts come ready:

- ``logRouter: firelens``: AWS for Fluent Bit as the task's FireLens log router. The app's log
  driver becomes ``awsfirelens`` with the router's output as its options (default: the
  ``cloudwatch_logs`` output into the stack's log group); the router's own logs go to CloudWatch
  through ``awslogs`` (AWS's FireLens examples do the same).
- ``otelCollector``: the AWS Distro for OpenTelemetry (ADOT) collector, listening for OTLP on
  localhost only; traces go to X-Ray, metrics to CloudWatch as EMF log events in the stack's log
  group; the app's environment points the OpenTelemetry SDK at it.

Every other sidecar is a plain container: an image, ports, environment, secrets, a health
check, a size and its logs. The app waits for each sidecar by the condition the sidecar names
(``dependsOn``); a sidecar may wait for other sidecars (``startAfter``), never for the app.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol

from specs.scratch import scratch_volume_name


class HealthCheckLike(Protocol):
    """A container's health check as the settings hold it (the app's and each sidecar's)."""

    @property
    def command(self) -> Sequence[str] | None: ...
    @property
    def interval_seconds(self) -> int: ...
    @property
    def timeout_seconds(self) -> int: ...
    @property
    def retries(self) -> int: ...
    @property
    def start_period_seconds(self) -> int: ...


Condition = Literal["START", "COMPLETE", "SUCCESS", "HEALTHY"]
# ECS's ContainerCondition enum (botocore's ECS model).
CONDITIONS: tuple[Condition, ...] = ("START", "COMPLETE", "SUCCESS", "HEALTHY")
# "This condition can't be set on an essential container." (ECS API, ContainerDependency)
EXIT_CONDITIONS: tuple[Condition, ...] = ("COMPLETE", "SUCCESS")

LOG_ROUTER = "log-router"
OTEL_COLLECTOR = "otel-collector"
SHORTCUT_NAMES = (LOG_ROUTER, OTEL_COLLECTOR)

# AWS for Fluent Bit: a version tag, which AWS guarantees immutable ("You should lock your
# deployments to a specific version tag. We guarantee that these tags will be immutable",
# aws/aws-for-fluent-bit README, "Using image tags"); the release the `stable` tag named
# (AWS_FOR_FLUENT_BIT_STABLE_VERSION). `latest` and `stable` move; `image` pins a digest.
FLUENT_BIT_IMAGE = "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.34.3.20260623"
# ADOT collector: the release version tag (aws-observability/aws-otel-collector VERSION).
ADOT_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.45.1"

OTLP_GRPC_PORT = 4317
OTLP_HTTP_PORT = 4318
ADOT_HEALTH_PORT = 13133
# FireLens's generated Fluent Bit configuration adds a forward input on TCP 24224.
FLUENT_FORWARD_PORT = 24224

# Ports each shortcut listens on inside the task's network namespace (awsvpc: one localhost
# for every container, so no other container may bind them).
SHORTCUT_PORTS: dict[str, tuple[int, ...]] = {
    LOG_ROUTER: (FLUENT_FORWARD_PORT,),
    OTEL_COLLECTOR: (OTLP_GRPC_PORT, OTLP_HTTP_PORT, ADOT_HEALTH_PORT),
}
# CPU units and MiB reserved when a shortcut names no size (AWS's FireLens examples reserve
# 50 MiB for the router; the collector batches traces and metrics, so it gets more).
SHORTCUT_SIZES: dict[str, tuple[int, int]] = {LOG_ROUTER: (32, 64), OTEL_COLLECTOR: (64, 128)}
CUSTOM_SIZE = (64, 128)

# What the app container keeps at least, after the sidecars' reservations.
APP_MIN_CPU = 64
APP_MIN_MEMORY = 128
# ECS quota "Containers per task definition" (not adjustable).
MAX_CONTAINERS = 10

# The app's environment the collector shortcut sets (reserved while it is on).
OTEL_ENVIRONMENT = {
    "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://localhost:{OTLP_GRPC_PORT}",
    "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
}
# ADOT reads its whole configuration from this variable when it is set.
ADOT_CONFIG_VARIABLE = "AOT_CONFIG_CONTENT"

# X-Ray's write rights, as ADOT's ECS set-up lists them ("Create IAM Policy",
# aws-otel.github.io/docs/setup/ecs/create-iam-policy) and AWS's AWSXRayDaemonWriteAccess
# grants them; none has a resource type, so only "*" matches.
XRAY_WRITE_ACTIONS = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
)
# "Metrics are sent to CloudWatch using EMF Logs, so CloudWatch Logs permissions are required"
# (same page). The log group exists already with its retention, so of the page's six logs
# actions only these two are used; cloudwatch:PutMetricData is not (no CloudWatch metrics
# exporter runs), nor are the page's EC2 and SSM rights (no resource detection, no SSM config).
LOG_WRITE_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")


class ImageBuildLike(Protocol):
    @property
    def context(self) -> str: ...
    @property
    def dockerfile(self) -> str: ...


class SidecarLike(Protocol):
    @property
    def name(self) -> str | None: ...
    @property
    def log_router(self) -> str | None: ...
    @property
    def otel_collector(self) -> bool: ...
    @property
    def image(self) -> str | None: ...
    @property
    def build(self) -> ImageBuildLike | None: ...
    @property
    def essential(self) -> bool: ...
    @property
    def ports(self) -> Sequence[int]: ...
    @property
    def environment(self) -> Mapping[str, str]: ...
    @property
    def secrets(self) -> Mapping[str, str]: ...
    @property
    def health_check(self) -> HealthCheckLike | None: ...
    @property
    def cpu(self) -> int | None: ...
    @property
    def memory(self) -> int | None: ...
    @property
    def logging(self) -> str: ...
    @property
    def depends_on(self) -> str | None: ...
    @property
    def start_after(self) -> Mapping[str, str]: ...
    @property
    def output(self) -> Mapping[str, str] | None: ...
    @property
    def output_secrets(self) -> Mapping[str, str]: ...
    @property
    def readonly_root_filesystem(self) -> bool: ...
    @property
    def scratch_paths(self) -> Sequence[str]: ...


def kind(sidecar: SidecarLike) -> str | None:
    """``log-router``, ``otel-collector`` or None (a plain sidecar)."""
    if sidecar.log_router is not None:
        return LOG_ROUTER
    if sidecar.otel_collector:
        return OTEL_COLLECTOR
    return None


def name_of(sidecar: SidecarLike) -> str:
    """The container's name: its own, else its shortcut's."""
    return sidecar.name or kind(sidecar) or ""


def size_of(sidecar: SidecarLike) -> tuple[int, int]:
    """(CPU units, MiB reserved): its own, else its shortcut's or the plain default."""
    cpu, memory = SHORTCUT_SIZES.get(kind(sidecar) or "", CUSTOM_SIZE)
    return (
        cpu if sidecar.cpu is None else sidecar.cpu,
        memory if sidecar.memory is None else sidecar.memory,
    )


def listening_ports(sidecar: SidecarLike) -> list[int]:
    """Every port the sidecar binds in the task's shared network namespace."""
    return sorted({*sidecar.ports, *SHORTCUT_PORTS.get(kind(sidecar) or "", ())})


def image_of(sidecar: SidecarLike, built: Mapping[str, str]) -> str:
    """Its image: pinned in config, built by the program (``built`` by name), or the shortcut's."""
    if sidecar.image is not None:
        return sidecar.image
    name = name_of(sidecar)
    if name in built:
        return built[name]
    return {LOG_ROUTER: FLUENT_BIT_IMAGE, OTEL_COLLECTOR: ADOT_IMAGE}[kind(sidecar) or ""]


def log_router(sidecars: Sequence[SidecarLike]) -> SidecarLike | None:
    return next((s for s in sidecars if kind(s) == LOG_ROUTER), None)


def collector(sidecars: Sequence[SidecarLike]) -> SidecarLike | None:
    return next((s for s in sidecars if kind(s) == OTEL_COLLECTOR), None)


# --- the rules a set of sidecars keeps (stack_config/model.py raises them as keyed errors) -------


def sidecar_problems(
    sidecars: Sequence[SidecarLike], *, app_name: str, app_port: int, app_environment: Mapping[str, str]
) -> list[tuple[str, str]]:
    """(key below ``container``, message) for every rule the sidecars break."""
    problems: list[tuple[str, str]] = []
    names = [name_of(s) for s in sidecars]
    if 1 + len(sidecars) > MAX_CONTAINERS:
        problems.append(
            (
                "sidecars",
                f"{len(sidecars)} sidecars and the app make {1 + len(sidecars)} containers; "
                f"a task definition holds at most {MAX_CONTAINERS}",
            )
        )
    for kind_name in SHORTCUT_NAMES:
        if sum(1 for s in sidecars if kind(s) == kind_name) > 1:
            problems.append(("sidecars", f"more than one {kind_name} shortcut; a task runs one"))
    if problems:
        return problems  # the rest would repeat it (same names, same ports)
    owner: dict[int, str] = {app_port: f"the app ({app_name})"}
    for index, sidecar in enumerate(sidecars):
        key = f"sidecars.{index}"
        name = names[index]
        problems += _name_problems(sidecar, key, name, app_name, names[:index])
        problems += _condition_problems(sidecar, key, name)
        problems += _start_after_problems(sidecar, key, name, app_name, names)
        problems += _logging_problems(sidecar, key, sidecars)
        for port in listening_ports(sidecar):
            if port in owner:
                problems.append(
                    (
                        f"{key}.ports",
                        f"port {port} of {name} is already taken by {owner[port]}; containers "
                        "of a Fargate task share one network namespace, so each port has one owner",
                    )
                )
            else:
                owner[port] = name
    if collector(sidecars) is not None:
        clash = sorted(set(app_environment) & set(OTEL_ENVIRONMENT))
        if clash:
            problems.append(
                (
                    "environment",
                    f"{', '.join(clash)} set, but otelCollector points the app at its collector "
                    f"itself ({', '.join(f'{k}={v}' for k, v in OTEL_ENVIRONMENT.items())}); remove it",
                )
            )
    problems += _cycle_problems(sidecars, names)
    return problems


def private_ecr_image(image: str, region: str) -> bool:
    """Whether ``image`` is in a private ECR registry of ``region`` (the stack's repository, your
    own, or a pull-through cache), the one registry the ECR VPC endpoints reach."""
    pattern = rf"\d{{12}}\.dkr\.ecr(?:-fips)?\.{re.escape(region)}\.amazonaws\.com(?:\.cn)?/.+"
    return re.fullmatch(pattern, image) is not None


def images_needing_internet(sidecars: Sequence[SidecarLike], *, region: str) -> list[tuple[str, str]]:
    """(key below ``container``, what it names) of every sidecar image outside ``region``'s
    private ECR: a shortcut's own image (public.ecr.aws) or a pinned ``image``. Built sidecars
    are pushed to the stack's repository. Tasks with no internet route cannot pull these."""
    found: list[tuple[str, str]] = []
    for index, sidecar in enumerate(sidecars):
        if sidecar.build is not None:
            continue
        image = image_of(sidecar, {})
        if private_ecr_image(image, region):
            continue
        if sidecar.image is not None:
            found.append((f"sidecars.{index}.image", f"{image!r}"))
        elif sidecar.log_router is not None:
            found.append((f"sidecars.{index}.logRouter", f"{sidecar.log_router!r} runs {image}"))
        else:
            found.append((f"sidecars.{index}.otelCollector", f"true runs {image}"))
    return found


def _name_problems(
    sidecar: SidecarLike, key: str, name: str, app_name: str, earlier: Sequence[str]
) -> list[tuple[str, str]]:
    if not name:
        return [(f"{key}.name", "not set; a sidecar needs a name (or logRouter / otelCollector)")]
    if name == app_name:
        return [(f"{key}.name", f"{name!r} is the app container's name (container.name); choose another")]
    if name in earlier:
        return [(f"{key}.name", f"{name!r} names two sidecars; container names are unique in a task")]
    if name in SHORTCUT_NAMES and kind(sidecar) != name:
        return [
            (
                f"{key}.name",
                f"{name!r} is reserved for the {name} shortcut "
                f"({'logRouter: firelens' if name == LOG_ROUTER else 'otelCollector: true'}); choose another",
            )
        ]
    return []


def _condition_problems(sidecar: SidecarLike, key: str, name: str) -> list[tuple[str, str]]:
    conditions = [("dependsOn", sidecar.depends_on)] if sidecar.depends_on else []
    conditions += [(f"startAfter.{other}", c) for other, c in sidecar.start_after.items()]
    problems: list[tuple[str, str]] = []
    if sidecar.depends_on in EXIT_CONDITIONS and sidecar.essential:
        problems.append(
            (
                f"{key}.dependsOn",
                f"{sidecar.depends_on} waits for {name} to exit, which stops the task while "
                "it is essential; set essential: false (ECS: \"This condition can't be set on an essential "
                'container")',
            )
        )
    if sidecar.depends_on == "HEALTHY" and not _has_check(sidecar):
        problems.append(
            (
                f"{key}.dependsOn",
                f"HEALTHY needs a health check on {name}; set healthCheck.command or wait for START",
            )
        )
    if sidecar.depends_on in EXIT_CONDITIONS and kind(sidecar) is not None:
        problems.append(
            (
                f"{key}.dependsOn",
                f"{sidecar.depends_on}: the {kind(sidecar)} runs as long as the task; "
                "allowed: START, HEALTHY",
            )
        )
    return problems


def _has_check(sidecar: SidecarLike) -> bool:
    check = sidecar.health_check
    return kind(sidecar) == OTEL_COLLECTOR or bool(check is not None and check.command)


def _start_after_problems(
    sidecar: SidecarLike, key: str, name: str, app_name: str, names: Sequence[str]
) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for other in sidecar.start_after:
        where = f"{key}.startAfter.{other}"
        if other == name:
            problems.append((where, f"{name} waits for itself; name other sidecars"))
        elif other == app_name:
            problems.append(
                (
                    where,
                    f"{name} waits for the app ({app_name}), but the app starts after its sidecars and "
                    "traffic shifts to the app alone; a sidecar waits only for other sidecars",
                )
            )
        elif other not in names:
            problems.append((where, f"{other!r} is no sidecar of this task; sidecars: {', '.join(names)}"))
    return problems


def _cycle_problems(sidecars: Sequence[SidecarLike], names: Sequence[str]) -> list[tuple[str, str]]:
    """Sidecars that wait for each other in a ring never start."""
    waits = {name_of(s): [o for o in s.start_after if o in names and o != name_of(s)] for s in sidecars}
    for index, start in enumerate(names):
        path, seen = [start], {start}
        frontier = list(waits.get(start, []))
        while frontier:
            current = frontier.pop()
            if current == start:
                return [
                    (
                        f"sidecars.{index}.startAfter",
                        f"{start} waits for itself through {' -> '.join([*path, start])}; break the ring",
                    )
                ]
            if current not in seen:
                seen.add(current)
                path.append(current)
                frontier.extend(waits.get(current, []))
    return []


def _logging_problems(
    sidecar: SidecarLike, key: str, sidecars: Sequence[SidecarLike]
) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if sidecar.logging == "firelens":
        if kind(sidecar) == LOG_ROUTER:
            problems.append(
                (f"{key}.logging", "the log router cannot route its own logs; they go to awslogs")
            )
        elif log_router(sidecars) is None:
            problems.append((f"{key}.logging", "firelens needs a sidecar with logRouter: firelens"))
    if kind(sidecar) != LOG_ROUTER:
        if sidecar.output is not None:
            problems.append((f"{key}.output", "only the log router (logRouter: firelens) has an output"))
        if sidecar.output_secrets:
            problems.append(
                (f"{key}.outputSecrets", "only the log router (logRouter: firelens) has an output")
            )
    elif sidecar.output is not None and not sidecar.output.get("Name"):
        problems.append(
            (
                f"{key}.output",
                "needs Name, the Fluent Bit output plugin (e.g. cloudwatch_logs, "
                "kinesis_firehose, s3, datadog)",
            )
        )
    return problems


def size_problems(
    sidecars: Sequence[SidecarLike], *, task_cpu: int, task_memory: int
) -> list[tuple[str, str]]:
    """Fargate's task size must hold every container: the sidecars' reservations and the app's least."""
    if not sidecars:
        return []
    sizes = [(name_of(s), *size_of(s)) for s in sidecars]
    problems: list[tuple[str, str]] = []
    for field, total, least, unit, index in (
        ("cpu", task_cpu, APP_MIN_CPU, "CPU units", 1),
        ("memory", task_memory, APP_MIN_MEMORY, "MiB", 2),
    ):
        used = sum(int(size[index]) for size in sizes)
        if used + least > total:
            parts = " + ".join(f"{size[0]} {size[index]}" for size in sizes)
            problems.append(
                (
                    f"task.{field}",
                    f"{total} {unit} cannot hold every container: sidecars {parts} = {used}, "
                    f"and the app keeps at least {least}; raise task.{field} to a Fargate size of at least "
                    f"{used + least} or lower the sidecars' {field}",
                )
            )
    return problems


# --- the container definitions ------------------------------------------------------------------


def app_share(sidecars: Sequence[SidecarLike], *, task_cpu: int, task_memory: int) -> tuple[int, int]:
    """What the task's size leaves the app after the sidecars' reservations."""
    return (
        task_cpu - sum(size_of(s)[0] for s in sidecars),
        task_memory - sum(size_of(s)[1] for s in sidecars),
    )


def app_environment(sidecars: Sequence[SidecarLike]) -> dict[str, str]:
    """What the sidecars add to the app's environment (the collector's endpoint)."""
    return dict(OTEL_ENVIRONMENT) if collector(sidecars) is not None else {}


def app_depends_on(sidecars: Sequence[SidecarLike]) -> list[dict[str, str]]:
    """The app's dependsOn: each sidecar it waits for, by that sidecar's condition."""
    return [
        {"containerName": name_of(s), "condition": s.depends_on} for s in sidecars if s.depends_on is not None
    ]


def router_output(router: SidecarLike, *, log_group_name: str, region: str) -> dict[str, str]:
    """The app's awsfirelens options: the configured output, else CloudWatch Logs in the stack's group."""
    if router.output is not None:
        return dict(router.output)
    return {
        "Name": "cloudwatch_logs",
        "region": region,
        "log_group_name": log_group_name,
        # FireLens tags records `<container>-firelens-<task id>`; the stream is this prefix + the tag.
        "log_stream_prefix": "firelens/",
        "auto_create_group": "false",
    }


def _awslogs(log_group_name: str, region: str, prefix: str) -> dict[str, Any]:
    return {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": log_group_name,
            "awslogs-region": region,
            "awslogs-stream-prefix": prefix,
        },
    }


def log_configuration(
    sidecars: Sequence[SidecarLike],
    *,
    name: str,
    logging: str,
    log_group_name: str,
    region: str,
) -> dict[str, Any]:
    """A container's logConfiguration: awslogs into the stack's group, or through the FireLens router."""
    router = log_router(sidecars)
    if logging != "firelens" or router is None:
        return _awslogs(log_group_name, region, name)
    configuration: dict[str, Any] = {
        "logDriver": "awsfirelens",
        "options": router_output(router, log_group_name=log_group_name, region=region),
    }
    if router.output_secrets:
        configuration["secretOptions"] = _name_value_pairs(router.output_secrets, "valueFrom")
    return configuration


def _name_value_pairs(values: Mapping[str, str], value_key: str) -> list[dict[str, str]]:
    return [{"name": name, value_key: values[name]} for name in sorted(values)]


def collector_config(*, region: str, log_group_name: str, namespace: str) -> str:
    """The ADOT collector's configuration: OTLP on localhost in, X-Ray and EMF out."""
    config = {
        "extensions": {"health_check": {"endpoint": f"127.0.0.1:{ADOT_HEALTH_PORT}"}},
        "receivers": {
            "otlp": {
                "protocols": {
                    "grpc": {"endpoint": f"127.0.0.1:{OTLP_GRPC_PORT}"},
                    "http": {"endpoint": f"127.0.0.1:{OTLP_HTTP_PORT}"},
                }
            }
        },
        "processors": {"batch": {}},
        "exporters": {
            "awsxray": {"region": region},
            "awsemf": {
                "region": region,
                "namespace": namespace,
                "log_group_name": log_group_name,
                "log_stream_name": "otel-metrics/{TaskId}",
            },
        },
        "service": {
            "extensions": ["health_check"],
            "pipelines": {
                "traces": {"receivers": ["otlp"], "processors": ["batch"], "exporters": ["awsxray"]},
                "metrics": {"receivers": ["otlp"], "processors": ["batch"], "exporters": ["awsemf"]},
            },
        },
    }
    # JSON is YAML: the collector reads it as its YAML configuration.
    return json.dumps(config, sort_keys=True, separators=(",", ":"))


def sidecar_definition(
    sidecar: SidecarLike,
    sidecars: Sequence[SidecarLike],
    *,
    image: str,
    log_group_name: str,
    region: str,
    namespace: str,
) -> dict[str, Any]:
    """One sidecar's container definition."""
    name = name_of(sidecar)
    cpu, memory = size_of(sidecar)
    environment = dict(sidecar.environment)
    if kind(sidecar) == OTEL_COLLECTOR:
        environment[ADOT_CONFIG_VARIABLE] = collector_config(
            region=region, log_group_name=log_group_name, namespace=namespace
        )
    definition: dict[str, Any] = {
        "name": name,
        "image": image,
        "essential": sidecar.essential,
        "cpu": cpu,
        "memoryReservation": memory,
        "portMappings": [
            {"containerPort": port, "hostPort": port, "protocol": "tcp", "name": f"{name}-{port}"}
            for port in sidecar.ports
        ],
        "environment": _name_value_pairs(environment, "value"),
        "logConfiguration": log_configuration(
            sidecars,
            name=name,
            logging="awslogs" if kind(sidecar) == LOG_ROUTER else sidecar.logging,
            log_group_name=log_group_name,
            region=region,
        ),
        # ECS.5 as for the app: the image's files stay as they are; scratch volumes take writes.
        "readonlyRootFilesystem": sidecar.readonly_root_filesystem,
        "mountPoints": [
            {"sourceVolume": scratch_volume(name, path), "containerPath": path, "readOnly": False}
            for path in sidecar.scratch_paths
        ],
    }
    if sidecar.secrets:
        definition["secrets"] = _name_value_pairs(sidecar.secrets, "valueFrom")
    if kind(sidecar) == LOG_ROUTER:
        # ECS writes the router's configuration for the app's awsfirelens options.
        definition["firelensConfiguration"] = {
            "type": "fluentbit",
            "options": {"enable-ecs-log-metadata": "true"},
        }
    waits = [{"containerName": other, "condition": c} for other, c in sorted(sidecar.start_after.items())]
    if waits:
        definition["dependsOn"] = waits
    check = _health_check(sidecar)
    if check:
        definition["healthCheck"] = check
    return definition


def _health_check(sidecar: SidecarLike) -> dict[str, Any] | None:
    check = sidecar.health_check
    if check is not None and check.command:
        return {
            "command": list(check.command),
            "interval": check.interval_seconds,
            "timeout": check.timeout_seconds,
            "retries": check.retries,
            "startPeriod": check.start_period_seconds,
        }
    if kind(sidecar) == OTEL_COLLECTOR and check is None:
        # The ADOT image ships /healthcheck, which asks the health_check extension.
        return {
            "command": ["CMD", "/healthcheck"],
            "interval": 5,
            "timeout": 6,
            "retries": 5,
            "startPeriod": 1,
        }
    return None


def scratch_volume(name: str, path: str) -> str:
    """A sidecar's writable path's task volume: ``log-router``, ``/tmp`` -> ``scratch-log-router-tmp``."""
    return scratch_volume_name(f"{name}/{path}")


def sidecar_volumes(sidecars: Sequence[SidecarLike]) -> list[dict[str, str]]:
    """The task-level volumes (empty at start) the sidecars write to."""
    return [{"name": scratch_volume(name_of(s), path)} for s in sidecars for path in s.scratch_paths]


# --- rights -------------------------------------------------------------------------------------


def task_role_statements(sidecars: Sequence[SidecarLike], *, log_group_arn: str) -> list[dict[str, Any]]:
    """The task role's rights the sidecars need: the collector's X-Ray and EMF writes, the log
    router's writes when its output is CloudWatch Logs in the stack's log group."""
    statements: list[dict[str, Any]] = []
    writes_logs = False
    if collector(sidecars) is not None:
        statements.append(
            {"Sid": "XRayWrite", "Effect": "Allow", "Action": list(XRAY_WRITE_ACTIONS), "Resource": "*"}
        )
        writes_logs = True
    router = log_router(sidecars)
    if router is not None and router.output is None:
        writes_logs = True  # the default output: cloudwatch_logs into the stack's log group
    if writes_logs:
        statements.append(
            {
                "Sid": "WriteStackLogGroup",
                "Effect": "Allow",
                "Action": list(LOG_WRITE_ACTIONS),
                "Resource": f"{log_group_arn}:*",
            }
        )
    return statements


def task_role_policy(sidecars: Sequence[SidecarLike], *, log_group_arn: str) -> dict[str, Any] | None:
    statements = task_role_statements(sidecars, log_group_arn=log_group_arn)
    return {"Version": "2012-10-17", "Statement": statements} if statements else None


def execution_secret_arns(sidecars: Sequence[SidecarLike]) -> list[str]:
    """Secrets ECS reads for the sidecars when the task starts (their own, the router's output's)."""
    return [arn for s in sidecars for arn in (*s.secrets.values(), *s.output_secrets.values())]
