"""Typed stack settings: every config key, its default and the limits AWS enforces.

Each object key in ``Pulumi.yaml`` maps to one model here. Unknown fields are rejected
(``extra="forbid"``) so a typo such as ``stratgy`` fails instead of silently falling back
to a default. Field names are snake_case in Python and camelCase in config.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel
from pydantic.config import JsonDict

from specs.codedeploy_engine import MAX_WAIT_MINUTES as CODEDEPLOY_MAX_WAIT_MINUTES
from specs.codedeploy_engine import DeploymentConfigPlan, plan_deployment_config
from specs.domain import dns_name_problem, normalize, zone_problem
from specs.ecs_engine import (
    NativeDeploymentPlan,
    ReadyPause,
    ReadyWaitTimeoutAction,
    codedeploy_ready_wait_problem,
    native_problems,
    plan_native_deployment,
    ready_pause,
)
from specs.fargate import FARGATE_MEMORY_BY_CPU, describe_memory_choices, fargate_size_error
from specs.release_duration import minimum_release_minutes
from specs.release_model import (
    DEFAULT_ENGINE,
    ECS_DEFAULT_STOP_TIMEOUT_SECONDS,
    ECS_HOOKS,
    HEALTH_CHECK_INTERVAL,
    HEALTH_CHECK_THRESHOLD,
    HEALTH_CHECK_TIMEOUT,
    AlarmWindow,
    Engine,
    alarm_window_finding,
)
from specs.sidecars import (
    ADOT_CONFIG_VARIABLE,
    Condition,
    images_needing_internet,
    sidecar_problems,
    size_problems,
)
from specs.tags import PER_RESOURCE_TAG_KEYS, PROGRAM_TAG_KEYS, tag_problems
from specs.traffic_routing import STEP_SETTINGS, Strategy, has_steps, routing_for
from specs.waf import RATE_LIMIT_RANGE, WafMode
from stack_config.errors import FieldError, SeveralFieldsError

Port = Annotated[int, Field(ge=1, le=65535)]
WaitMinutes = Annotated[int, Field(ge=0, le=CODEDEPLOY_MAX_WAIT_MINUTES)]
RELEASE_TIMEOUT_MAX_MINUTES = 30240
"""`release.timeoutMinutes`' bound: three weeks, so `pulumi up` can wait through ECS's longest ready
wait (a 20160-minute pause) and what follows it."""

# Environment names the program sets itself for the app (see specs/container_definition.py).
RESERVED_ENVIRONMENT = ("PORT", "APP_VERSION", "IMAGE_REF", "SHUTDOWN_TIMEOUT_SECONDS")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:(secretsmanager|ssm):[a-z0-9-]+:\d{12}:.+$")
_ACM_ARN = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/.+$")
_KMS_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/.+$")
_DOCKER_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_DIGEST_REF = re.compile(r"^[a-z0-9]+(?:[._/:-][a-z0-9]+)*@sha256:[0-9a-f]{64}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SUCCESS_CODES = re.compile(r"^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$")
_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")
_CONTAINER_PATH = re.compile(r"^(/[A-Za-z0-9._-]+)+$")

# The values CloudWatch Logs accepts for a log group's retention (PutRetentionPolicy's
# retentionInDays; anything else is rejected with InvalidParameterException).


def _allowed(text: str) -> JsonDict:
    """A limit a validator enforces, stated for the docs (stack_config/contract.py) beside the field."""
    return {"allowed": text}


LogRetentionDays = Literal[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653
]


class _Section(BaseModel):
    """Base for config objects: camelCase keys, unknown keys rejected, values immutable."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
    )


class ImageSettings(_Section):
    """What the task runs: an image built from `context`, or a prebuilt `uri`."""

    context: str = "app"
    """Directory built by pulumi-docker (must contain `dockerfile`), relative to the project."""
    dockerfile: str = "Dockerfile"
    """File name inside `context`."""
    version: str = "v1.0.0"
    """Tag pushed to ECR and reported by the app's `/version`; bump it to release. A Docker tag: letters,
    digits, `_`, `.`, `-`, at most 128 characters."""
    uri: str | None = None
    """A prebuilt image pinned by digest (`…@sha256:<64 hex>`); nothing is built, and the execution role may
    pull it if it is in ECR."""

    @field_validator("version")
    @classmethod
    def _version_is_a_tag(cls, value: str) -> str:
        if not _DOCKER_TAG.match(value):
            raise ValueError(
                "must be a Docker tag: letters, digits, '_', '.', '-', at most 128 characters, "
                "not starting with '.' or '-'"
            )
        return value

    @field_validator("uri")
    @classmethod
    def _uri_is_pinned(cls, value: str | None) -> str | None:
        if value is not None and not _DIGEST_REF.match(value):
            raise ValueError(
                "must pin a digest, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:<64 hex>, "
                "so every release runs exactly the image that was tested (a tag can move)"
            )
        return value


class RegistrySettings(_Section):
    """The ECR repository and its lifecycle policy."""

    tag_mutability: Literal["MUTABLE", "IMMUTABLE"] = "IMMUTABLE"
    """`IMMUTABLE` makes a pushed version tag permanent; `MUTABLE` lets dev re-push the same version."""
    untagged_expiry_days: Annotated[int, Field(ge=1, le=3650)] = 7
    """Lifecycle rule 1: untagged images older than this many days expire."""
    keep_last_images: Annotated[int, Field(ge=1, le=10000)] = 10
    """Lifecycle rule 2 (`tagStatus: any`, always the last rule): only this many images are kept."""
    kms_key_arn: str | None = None
    """Encrypt with this KMS key (or alias) ARN instead of AES256."""

    @field_validator("kms_key_arn")
    @classmethod
    def _kms_arn(cls, value: str | None) -> str | None:
        if value is not None and not _KMS_ARN.match(value):
            raise ValueError("must be a KMS key or alias ARN (arn:aws:kms:<region>:<account>:key/...)")
        return value


class ContainerHealthCheck(_Section):
    """The ECS container health check (Docker HEALTHCHECK semantics)."""

    command: list[str] | None = None
    """Exec form (`CMD` or `CMD-SHELL` first); `[]` disables the check. Unset: the bundled app's stdlib
    checker (`python -m server.healthcheck`), so the image needs no curl; set it with `image.uri`, where
    that checker may not exist."""
    interval_seconds: Annotated[int, Field(ge=5, le=300)] = 30
    """Seconds between checks."""
    timeout_seconds: Annotated[int, Field(ge=2, le=60)] = 5
    """Seconds a check may take before it counts as failed."""
    retries: Annotated[int, Field(ge=1, le=10)] = 3
    """Failed checks in a row before the container is unhealthy."""
    start_period_seconds: Annotated[int, Field(ge=0, le=300)] = 60
    """Seconds after start in which failed checks do not count."""

    @field_validator("command")
    @classmethod
    def _command_form(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and value and value[0] not in ("CMD", "CMD-SHELL"):
            raise ValueError('must start with "CMD" or "CMD-SHELL", or be [] to disable the check')
        return value


def _environment_names(value: dict[str, str], reserved: tuple[str, ...]) -> dict[str, str]:
    for name in value:
        if not _ENV_NAME.match(name):
            raise ValueError(f"{name!r} is not a valid environment variable name")
        if name in reserved:
            raise ValueError(f"{name!r} is set by the program itself; reserved: {', '.join(reserved)}")
    return value


def _secret_arns(value: dict[str, str]) -> dict[str, str]:
    for name, arn in value.items():
        if not _SECRET_ARN.match(arn):
            raise ValueError(
                f"{name}: {arn!r} is not a Secrets Manager or SSM parameter ARN "
                "(arn:aws:secretsmanager:... or arn:aws:ssm:...)"
            )
    return value


def _scratch_paths(value: list[str]) -> list[str]:
    for path in value:
        if not _CONTAINER_PATH.match(path) or any(part in (".", "..") for part in path.split("/")):
            raise ValueError(
                f"{path!r} is not an absolute container path below / (letters, digits, '.', '_', '-' "
                "per segment, e.g. /tmp)"
            )
    if len(set(value)) != len(value):
        raise ValueError("lists a path twice")
    return value


def _pinned_image(value: str | None) -> str | None:
    if value is not None and not _DIGEST_REF.match(value):
        raise ValueError(
            "must pin a digest, e.g. public.ecr.aws/aws-observability/aws-for-fluent-bit@sha256:<64 hex>, "
            "so every release runs exactly the image that was tested (a tag can move)"
        )
    return value


class SidecarBuild(_Section):
    """A sidecar image built from a directory, like the app's."""

    context: str
    """Directory built by pulumi-docker, relative to the project."""
    dockerfile: str = "Dockerfile"
    """File name inside `context`."""


class SidecarSettings(_Section):
    """One container beside the app (an entry of `container.sidecars`)."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$")] | None = None
    log_router: Literal["firelens"] | None = None
    otel_collector: bool = False
    image: str | None = None
    build: SidecarBuild | None = None
    essential: bool = True
    ports: list[Port] = Field(default_factory=list)
    environment: dict[str, str] = Field(default_factory=dict)
    secrets: dict[str, str] = Field(default_factory=dict)
    health_check: ContainerHealthCheck | None = None
    cpu: Annotated[int, Field(ge=0, le=16384)] | None = None
    memory: Annotated[int, Field(ge=6, le=122880)] | None = None
    logging: Literal["awslogs", "firelens"] = "awslogs"
    depends_on: Condition | None = "START"
    start_after: dict[str, Condition] = Field(default_factory=dict)
    output: dict[str, str] | None = None
    output_secrets: dict[str, str] = Field(default_factory=dict)
    readonly_root_filesystem: bool = True
    scratch_paths: list[str] = Field(default_factory=lambda: ["/tmp"])

    @field_validator("scratch_paths")
    @classmethod
    def _scratch_paths(cls, value: list[str]) -> list[str]:
        return _scratch_paths(value)

    @field_validator("image")
    @classmethod
    def _image_is_pinned(cls, value: str | None) -> str | None:
        return _pinned_image(value)

    @field_validator("environment", "secrets", "output_secrets")
    @classmethod
    def _names(cls, value: dict[str, str]) -> dict[str, str]:
        return _environment_names(value, (ADOT_CONFIG_VARIABLE,))

    @field_validator("secrets", "output_secrets")
    @classmethod
    def _secret_arns(cls, value: dict[str, str]) -> dict[str, str]:
        return _secret_arns(value)

    @field_validator("ports")
    @classmethod
    def _ports_once(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise ValueError("lists a port twice")
        return value

    @model_validator(mode="after")
    def _one_image(self) -> SidecarSettings:
        if self.log_router is not None and self.otel_collector:
            raise FieldError("otelCollector", "set together with logRouter; one shortcut per sidecar")
        shortcut = self.log_router is not None or self.otel_collector
        if self.build is not None and (shortcut or self.image is not None):
            raise FieldError(
                "build",
                "set together with "
                + ("a shortcut, which brings its image" if shortcut else "image")
                + "; keep one",
            )
        if not shortcut and self.image is None and self.build is None:
            raise FieldError(
                "image",
                "not set; a sidecar runs an image pinned by digest (image) or built from a path (build)",
            )
        if self.health_check is not None and not self.health_check.command:
            raise FieldError(
                "healthCheck.command", "not set; a sidecar's check needs its command (CMD or CMD-SHELL first)"
            )
        both = sorted(set(self.environment) & set(self.secrets))
        if both:
            raise FieldError("secrets", f"{', '.join(both)} set both in environment and in secrets; keep one")
        return self


class ContainerSettings(_Section):
    """The application container and the sidecars beside it.

        Each entry of `sidecars` is a container in the app's task: `name`; `image` (pinned by digest) or
        `build` (`context`, `dockerfile`: built and pushed to the stack's repository, tagged
        `<name>-<image.version>`); `essential` (default `true`: its exit stops the task); `ports`;
        `environment`; `secrets`; `healthCheck` (as the app's, `command` required); `cpu` (units) and
        `memory` (MiB reserved; default 64 and 128); `logging` (`awslogs` into the stack's log group, or
        `firelens` through the log router); `readonlyRootFilesystem` and `scratchPaths` (as the app's:
    read-only, `/tmp` writable); `dependsOn`, the condition the app waits for (`START`,
        `HEALTHY`, `COMPLETE`, `SUCCESS`; default `START`; `null`: the app does not wait; `COMPLETE` and
        `SUCCESS` need `essential: false`, `HEALTHY` a health check); `startAfter`, the other sidecars it
        waits for (name → condition; never itself nor the app). Containers share the task's network, so
        every port has one owner; Fargate's `task.cpu` and `task.memory` must hold every sidecar plus at
        least 64 CPU units and 128 MiB for the app, which gets the rest. Traffic, the AppSpec and the
        load balancer always name the app container.

        Shortcuts (see [Sidecars](#sidecars)): `{logRouter: firelens}` runs AWS for Fluent Bit as the
    FireLens log router (32 CPU, 64 MiB): the app's log driver becomes `awsfirelens` with `output` as
    its options (default: Fluent Bit's `cloudwatch_logs` into the stack's log group, which the task
    role may then write; `outputSecrets` for the output's keys), the router logs to CloudWatch itself,
    and other sidecars may set `logging: firelens`. `{otelCollector: true}` runs the ADOT collector
    (64 CPU, 128 MiB, health-checked) with OTLP on localhost 4317 (gRPC) and 4318 (HTTP), traces to
    X-Ray and metrics as EMF into the stack's log group; the app gets `OTEL_EXPORTER_OTLP_ENDPOINT`
    and the task role X-Ray's write actions and the log group's writes. Either takes `image` to pin a
    digest, and `name`, `cpu`, `memory`, `essential`, `dependsOn` to override."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$")] = "app"
    """Container name (the load balancer and the deployment refer to it): letters, digits, `_` and `-`, at
    most 255 characters."""
    port: Port = 8080
    """Port the app listens on."""
    environment: dict[str, str] = Field(default_factory=dict)
    """Plain environment variables; `PORT`, `APP_VERSION`, `IMAGE_REF`, `SHUTDOWN_TIMEOUT_SECONDS` are set
    by the program and reserved."""
    secrets: dict[str, str] = Field(default_factory=dict)
    """Name → Secrets Manager secret or SSM parameter ARN (a `:json-key::` suffix is allowed), read when the
    task starts; the execution role may read exactly these. A name is set here or in `environment`, not
    both."""
    health_check: ContainerHealthCheck = ContainerHealthCheck()
    log_retention_days: LogRetentionDays = 30
    """Days CloudWatch keeps the container's logs."""
    readonly_root_filesystem: bool = True
    """ECS.5: the container cannot change the image's files; it writes only to `scratchPaths`."""
    scratch_paths: list[str] = Field(default_factory=lambda: ["/tmp"])
    """Absolute paths, each an empty writable task volume mounted there (the bundled app writes nothing;
    `/tmp` is for libraries that do)."""
    sidecars: list[SidecarSettings] = Field(default_factory=list)
    """Containers beside the app, e.g. `[{logRouter: firelens}, {otelCollector: true}]`; fields below
    the table."""

    @field_validator("scratch_paths")
    @classmethod
    def _scratch_paths(cls, value: list[str]) -> list[str]:
        return _scratch_paths(value)

    @field_validator("environment", "secrets")
    @classmethod
    def _names(cls, value: dict[str, str]) -> dict[str, str]:
        return _environment_names(value, RESERVED_ENVIRONMENT)

    @field_validator("secrets")
    @classmethod
    def _secret_arns(cls, value: dict[str, str]) -> dict[str, str]:
        return _secret_arns(value)

    @model_validator(mode="after")
    def _no_overlap(self) -> ContainerSettings:
        both = sorted(set(self.environment) & set(self.secrets))
        if both:
            raise FieldError("secrets", f"{', '.join(both)} set both in environment and in secrets; keep one")
        return self

    @model_validator(mode="after")
    def _sidecars_fit_beside_the_app(self) -> ContainerSettings:
        problems = sidecar_problems(
            self.sidecars, app_name=self.name, app_port=self.port, app_environment=self.environment
        )
        if problems:
            raise SeveralFieldsError([FieldError(key, message) for key, message in problems])
        return self


class TaskSettings(_Section):
    """Fargate task size and platform."""

    cpu: int = Field(default=256, json_schema_extra=_allowed(", ".join(map(str, FARGATE_MEMORY_BY_CPU))))
    """CPU units (256 = 0.25 vCPU)."""
    memory: int = Field(
        default=512,
        json_schema_extra=_allowed(
            "by cpu: "
            + " / ".join(f"{cpu} → {describe_memory_choices(cpu)}" for cpu in FARGATE_MEMORY_BY_CPU)
        ),
    )
    """Memory in MiB, one of the sizes Fargate pairs with `cpu`."""
    cpu_architecture: Literal["X86_64", "ARM64"] = "X86_64"
    """Also the image's build platform."""
    stop_timeout_seconds: Annotated[int, Field(ge=2, le=120)] = ECS_DEFAULT_STOP_TIMEOUT_SECONDS
    """SIGTERM → SIGKILL; the app drains requests for this minus 3 s."""

    @model_validator(mode="after")
    def _fargate_size(self) -> TaskSettings:
        error = fargate_size_error(self.cpu, self.memory)
        if error:
            field, message = error
            raise FieldError(field, message)
        return self


class TargetHealthCheck(_Section):
    """The target groups' health check; unhealthy green targets fail the deployment."""

    path: Annotated[str, Field(pattern=r"^/\S{0,1023}$")] = "/health"
    """Path the ALB requests; starts with `/`."""
    interval_seconds: Annotated[int, Field(ge=HEALTH_CHECK_INTERVAL[0], le=HEALTH_CHECK_INTERVAL[1])] = 30
    """Seconds between checks."""
    timeout_seconds: Annotated[int, Field(ge=HEALTH_CHECK_TIMEOUT[0], le=HEALTH_CHECK_TIMEOUT[1])] = 5
    """Seconds to wait for an answer; less than `intervalSeconds`."""
    healthy_threshold: Annotated[int, Field(ge=HEALTH_CHECK_THRESHOLD[0], le=HEALTH_CHECK_THRESHOLD[1])] = 2
    """Successful checks in a row before an unhealthy target is healthy again (a new target needs one)."""
    unhealthy_threshold: Annotated[int, Field(ge=HEALTH_CHECK_THRESHOLD[0], le=HEALTH_CHECK_THRESHOLD[1])] = 2
    """Failed checks in a row before a target is unhealthy."""
    success_codes: str = "200"
    """HTTP codes that count as healthy, e.g. `200`, `200-299`, `200,204` (from 200 to 499)."""

    @field_validator("success_codes")
    @classmethod
    def _codes(cls, value: str) -> str:
        if not _SUCCESS_CODES.match(value):
            raise ValueError("must be codes like 200, 200-299 or 200,204")
        codes = [int(code) for code in re.split(r"[,-]", value)]
        if not all(200 <= code <= 499 for code in codes):
            raise ValueError("ALB health checks accept HTTP codes from 200 to 499 only")
        return value

    @model_validator(mode="after")
    def _timeout_below_interval(self) -> TargetHealthCheck:
        if self.timeout_seconds >= self.interval_seconds:
            raise FieldError(
                "timeoutSeconds",
                f"{self.timeout_seconds} must be less than intervalSeconds ({self.interval_seconds})",
            )
        return self


class AccessLogSettings(_Section):
    """ALB access logs (FSBP ELB.5) to an S3 bucket the program creates."""

    enabled: bool = False
    """ALB access logs (ELB.5) to an S3 bucket made for them:
    `<appName>-<stack>-alb-logs-<account>-<region>`, SSE-S3, public access blocked, ACLs disabled,
    TLS-only policy, `s3:PutObject` on `alb/AWSLogs/<account>/*` for the region's ELB log delivery (the
    region's ELB account before August 2022, else `logdelivery.elasticloadbalancing.amazonaws.com`;
    `specs/elb_log_delivery.py`). On in dev and prod."""
    expiration_days: Annotated[int, Field(ge=1, le=3650)] = 90
    """Days a log object is kept before the bucket's lifecycle rule deletes it."""


class WafSettings(_Section):
    """A WAF web ACL on the ALB: AWS managed rule groups and a per-IP rate limit."""

    enabled: bool = False
    """A REGIONAL WAF web ACL on the ALB: `AWSManagedRulesAmazonIpReputationList`,
    `AWSManagedRulesCommonRuleSet`, `AWSManagedRulesKnownBadInputsRuleSet` and a rate-based rule. On in
    prod."""
    mode: WafMode = "block"
    """`block` enforces; `count` only counts what would be blocked (a first rollout: watch the metrics and
    sampled requests, then switch)."""
    rate_limit: Annotated[int, Field(ge=RATE_LIMIT_RANGE[0], le=RATE_LIMIT_RANGE[1])] = 2000
    """Requests per client IP per 5 minutes before the rate rule acts."""


class LoadBalancerSettings(_Section):
    """The ALB: its production and test listeners, target group draining, access logs and WAF."""

    certificate_arn: str | None = None
    """An ACM certificate made elsewhere: production on HTTPS 443 (and the test listener on HTTPS) plus an
    HTTP 80 → 443 redirect; without it (and without `domain`) production is HTTP 80. Not together with
    `domain`."""
    ssl_policy: str = "ELBSecurityPolicy-TLS13-1-2-2021-06"
    """TLS policy of the HTTPS listeners."""
    test_listener_port: Port = 9000
    """Port of the test listener, which points at green before traffic shifts; not a production port (80,
    and 443 with HTTPS)."""
    allowed_cidrs: list[str] = Field(default_factory=lambda: ["0.0.0.0/0"])
    """Who may reach production (CIDR blocks)."""
    test_traffic_cidrs: list[str] = Field(default_factory=list)
    """Who may reach the test listener (nobody by default)."""
    deregistration_delay_seconds: Annotated[int, Field(ge=0, le=3600)] = 30
    """Seconds a stopping target drains (AWS's 300 s default slows every release)."""
    idle_timeout_seconds: Annotated[int, Field(ge=1, le=4000)] = 60
    """ALB idle timeout in seconds."""
    access_logs: AccessLogSettings = AccessLogSettings()
    waf: WafSettings = WafSettings()

    @field_validator("certificate_arn")
    @classmethod
    def _acm_arn(cls, value: str | None) -> str | None:
        if value is not None and not _ACM_ARN.match(value):
            raise ValueError(
                "must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/...)"
            )
        return value

    @field_validator("allowed_cidrs", "test_traffic_cidrs")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        for cidr in value:
            try:
                ipaddress.ip_network(cidr, strict=True)
            except ValueError as error:
                raise ValueError(f"{cidr!r} is not a CIDR block ({error})") from None
        return value

    @property
    def https(self) -> bool:
        return self.certificate_arn is not None

    @property
    def production_port(self) -> int:
        return 443 if self.https else 80

    @model_validator(mode="after")
    def _test_port_free(self) -> LoadBalancerSettings:
        taken = (80, 443) if self.https else (80,)
        if self.test_listener_port in taken:
            raise FieldError(
                "testListenerPort",
                f"{self.test_listener_port} is used by the production listener; "
                f"choose another port than {', '.join(map(str, taken))}",
            )
        return self


class FlowLogSettings(_Section):
    """VPC flow logs (FSBP EC2.6) of a VPC the program creates, to CloudWatch Logs."""

    enabled: bool = False
    """VPC flow logs (EC2.6) to the log group `/vpc/<appName>-<stack>/flow-logs`, through a role that may
    write only that group; only for a VPC the program creates (with `vpcId` it is an error). On in prod."""
    retention_days: LogRetentionDays = 90
    """Days CloudWatch keeps the flow logs."""
    traffic_type: Literal["ALL", "ACCEPT", "REJECT"] = "ALL"
    """Which traffic is logged."""


class NetworkSettings(_Section):
    """Either an existing VPC (`vpcId` and its subnets) or a new one.

    A VPC the program creates always gets its default security group emptied (EC2.2): nothing uses it,
    and AWS's default rules let its members reach each other."""

    vpc_id: str | None = None
    """Use this existing VPC; then `publicSubnetIds` (ALB) and `privateSubnetIds` (tasks), two or more each,
    are required and nothing is created."""
    public_subnet_ids: list[str] = Field(default_factory=list)
    """With `vpcId`: existing subnets for the ALB, in two zones at least."""
    private_subnet_ids: list[str] = Field(default_factory=list)
    """With `vpcId`: existing subnets for the tasks, with egress to ECR, logs and secrets."""
    cidr_block: str = Field(default="10.0.0.0/16", json_schema_extra=_allowed("IPv4, /16–/23"))
    """A new VPC's IPv4 block. AWS allows /16 to /28, but the program cuts the block into 16 equal subnets
    and an ALB subnet needs at least a /27, so /23 is the smallest."""
    availability_zones: Annotated[int, Field(ge=2, le=6)] = 2
    """Zones of the new VPC, one public and one private subnet each: the first zones the region lists for
    the account (asked of AWS before anything is created; more than the region has is an error that lists
    its zones)."""
    task_subnets: Literal["private", "public"] = "private"
    """Where the tasks run. `private`: the private subnets, no public IP, egress through NAT gateways and/or
    `vpcEndpoints`. `public`: the public subnets with a public IP per task ($0.005/h each), egress through
    the internet gateway, so no NAT gateway is needed (dev's choice, README "A dev stack without a NAT
    gateway"); the tasks' security group still admits only the load balancer's. The smoke-test hook
    needs a NAT gateway, so with `natGateways: 0` hooks must be off. The policy pack rejects `public` in
    a production stack unless its `ecs-service-no-public-ip` rule is waived."""
    nat_gateways: Annotated[int, Field(ge=0, le=6)] = 1
    """NAT gateways for task egress, at most `availabilityZones`: one is cheap, one per zone survives a zone
    outage; 0 needs `vpcEndpoints` (then every sidecar image must come from the region's private ECR, the
    shortcuts' public.ecr.aws images too) or `taskSubnets: public`."""
    vpc_endpoints: bool = False
    """Interface endpoints for ECR (api, dkr), CloudWatch Logs and Secrets Manager plus an S3 gateway
    endpoint; with `natGateways: 0` and private task subnets the tasks need them."""
    flow_logs: FlowLogSettings = FlowLogSettings()

    @field_validator("cidr_block")
    @classmethod
    def _cidr(cls, value: str) -> str:
        try:
            network = ipaddress.ip_network(value, strict=True)
        except ValueError as error:
            raise ValueError(f"{value!r} is not a CIDR block ({error})") from None
        if network.version != 4 or not 16 <= network.prefixlen <= 23:
            raise ValueError(
                f"{value!r} must be an IPv4 block from /16 to /23: it is cut into 16 subnets and "
                "an ALB subnet needs at least a /27"
            )
        return value

    @model_validator(mode="after")
    def _shape(self) -> NetworkSettings:
        if self.vpc_id is not None:
            for key, subnets in (
                ("publicSubnetIds", self.public_subnet_ids),
                ("privateSubnetIds", self.private_subnet_ids),
            ):
                if len(subnets) < 2:
                    raise FieldError(
                        key, f"an existing VPC needs at least two subnets in different zones, got {subnets}"
                    )
            if self.flow_logs.enabled:
                raise FieldError(
                    "flowLogs.enabled",
                    "true, but vpcId names an existing VPC: its flow logs belong to whoever owns it "
                    "(the program only adds them to a VPC it creates); set it to false",
                )
            return self
        if self.public_subnet_ids or self.private_subnet_ids:
            raise FieldError("vpcId", "is missing but subnet ids are set; subnets need their vpcId")
        if self.nat_gateways > self.availability_zones:
            raise FieldError(
                "natGateways",
                f"{self.nat_gateways} exceeds availabilityZones ({self.availability_zones}); "
                "at most one per zone",
            )
        if self.nat_gateways == 0 and not self.vpc_endpoints and self.task_subnets == "private":
            raise FieldError(
                "natGateways",
                "0 with vpcEndpoints false: tasks in private subnets could not pull "
                "images, write logs or read secrets; set natGateways >= 1 or vpcEndpoints: true, "
                "or run the tasks in the public subnets (taskSubnets: public)",
            )
        return self

    @property
    def tasks_public(self) -> bool:
        """Tasks in the public subnets with a public IP (``taskSubnets: public``)."""
        return self.task_subnets == "public"

    @property
    def tasks_offline(self) -> bool:
        """Tasks in a new VPC's private subnets without a NAT gateway: the VPC endpoints (ECR of
        the stack's region, CloudWatch Logs, Secrets Manager, S3) are all they reach. An
        existing VPC's routes are its owner's, so they are not judged."""
        return self.vpc_id is None and self.nat_gateways == 0 and not self.tasks_public


class AutoScalingSettings(_Section):
    """Application Auto Scaling of the service's desired count."""

    enabled: bool = False
    """Application Auto Scaling of the desired count."""
    min_capacity: Annotated[int, Field(ge=1, le=1000)] = 1
    """Fewest tasks."""
    max_capacity: Annotated[int, Field(ge=1, le=1000)] = 4
    """Most tasks, at least `minCapacity`."""
    cpu_target_percent: Annotated[int, Field(ge=10, le=90)] = 60
    """CPU target tracking: the average service CPU to hold."""
    requests_per_target: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    """ALB requests per healthy task per minute to track (0 = off); one policy over both target groups
    (their requests summed over their healthy targets), because production moves between them and a
    policy on the idle group would never let the service scale in."""
    scale_in_cooldown_seconds: Annotated[int, Field(ge=0, le=3600)] = 300
    """Seconds after a scale-in before the next one."""
    scale_out_cooldown_seconds: Annotated[int, Field(ge=0, le=3600)] = 60
    """Seconds after a scale-out before the next one."""

    @model_validator(mode="after")
    def _range(self) -> AutoScalingSettings:
        if self.max_capacity < self.min_capacity:
            raise FieldError("maxCapacity", f"{self.max_capacity} is below minCapacity ({self.min_capacity})")
        return self


class ServiceSettings(_Section):
    """The ECS cluster and service, and its auto scaling."""

    desired_count: Annotated[int, Field(ge=1, le=1000)] = 1
    """Running tasks (within `autoScaling` min..max when enabled)."""
    health_check_grace_period_seconds: Annotated[int, Field(ge=0, le=2_147_483_647)] = 60
    """Ignore ALB health checks this long after a task starts."""
    container_insights: bool = False
    """CloudWatch Container Insights on the cluster."""
    auto_scaling: AutoScalingSettings = AutoScalingSettings()
    enable_execute_command: bool = False
    """ECS Exec on the service (for `python -m release exec`); the task role then gets
    `ssmmessages:CreateControlChannel`, `CreateDataChannel`, `OpenControlChannel`, `OpenDataChannel` on
    `*` (no resource types); tasks started before it is turned on cannot be exec'd into."""

    @model_validator(mode="after")
    def _desired_within_scaling(self) -> ServiceSettings:
        scaling = self.auto_scaling
        if scaling.enabled and not scaling.min_capacity <= self.desired_count <= scaling.max_capacity:
            raise FieldError(
                "desiredCount",
                f"{self.desired_count} must lie within autoScaling "
                f"minCapacity..maxCapacity ({scaling.min_capacity}..{scaling.max_capacity})",
            )
        return self


class DeploymentSettings(_Section):
    """How traffic shifts from blue to green: by CodeDeploy (default) or by ECS's own blue/green, linear and
    canary deployments.

    Under CodeDeploy, canary 10/5 and 10/15, linear 10/1 and 10/3, and all-at-once use AWS's predefined
    `CodeDeployDefault.ECS…` configs; any other combination creates a custom deployment config
    (`TimeBasedCanary` / `TimeBasedLinear`) named like `my-app-dev-canary-20pct-10min`. Under ECS the
    same settings become the service's deployment configuration (`CANARY`, `LINEAR` or `BLUE_GREEN` with
    a bake time), within ECS's own limits (see [Choosing an engine](#choosing-an-engine)), checked before
    anything is created."""

    controller: Engine = DEFAULT_ENGINE
    """Who shifts traffic: CodeDeploy, or ECS's built-in deployments (see [Choosing an
    engine](#choosing-an-engine))."""
    strategy: Strategy = "canary"
    """canary: `percentage` first, the rest after `intervalMinutes`; linear: `percentage` more every
    `intervalMinutes`; all-at-once: 100 % at once."""
    percentage: Annotated[int, Field(ge=1, le=99)] = 10
    """Traffic per step: canary's first step, linear's every step; not for all-at-once."""
    interval_minutes: Annotated[int, Field(ge=1)] = 5
    """Minutes between steps; not for all-at-once."""
    termination_wait_minutes: WaitMinutes = 5
    """Minutes blue is kept after success, the instant-rollback window (ECS: the bake time); with
    `alarms.rollbackOnAlarm`, at least `alarms.periodSeconds` × (`evaluationPeriods` + 1), the + 1 for
    the clock-aligned period a breach starts in (checked before anything is created), or an alarm could
    fire after blue is gone."""
    ready_wait_minutes: Annotated[int, Field(ge=0)] = 0
    """0: shift as soon as green is healthy; more: hold green on the test listener that long for a manual
    go-ahead (`bluegreen continue`), else `readyWaitTimeoutAction`. CodeDeploy: up to 2880 (its ready
    wait); ECS: up to 20160 (a PAUSE lifecycle hook at POST_TEST_TRAFFIC_SHIFT)."""
    ready_wait_timeout_action: ReadyWaitTimeoutAction = "rollback"
    """What happens when nobody continued the ready wait in time: `rollback` (blue keeps production;
    CodeDeploy stops the deployment) or `continue` (production shifts anyway; controller ecs only)."""

    @model_validator(mode="after")
    def _fits_the_native_engine(self) -> DeploymentSettings:
        if self.controller == "codedeploy":
            problem = codedeploy_ready_wait_problem(self.ready_wait_minutes)
            if problem is not None:
                raise FieldError(*problem)
            if self.ready_wait_timeout_action == "continue":
                raise FieldError(
                    "readyWaitTimeoutAction",
                    "'continue' is for controller ecs: CodeDeploy's ready wait stops the deployment when it "
                    "runs out (STOP_DEPLOYMENT); use 'rollback' or controller ecs",
                )
        if self.controller == "ecs":
            problems = native_problems(
                self.strategy,
                self.percentage,
                self.interval_minutes,
                self.termination_wait_minutes,
                self.ready_wait_minutes,
            )
            if problems:
                raise FieldError(*problems[0])
        return self

    @property
    def ready_pause(self) -> ReadyPause | None:
        """Under controller ``ecs``: the PAUSE hook that holds green for the go-ahead (None: no wait)."""
        return ready_pause(self.ready_wait_minutes, self.ready_wait_timeout_action)

    @property
    def native_plan(self) -> NativeDeploymentPlan:
        """The ECS service's deploymentConfiguration when ``controller`` is ``ecs``."""
        return plan_native_deployment(
            self.strategy, self.percentage, self.interval_minutes, self.termination_wait_minutes
        )

    @model_validator(mode="after")
    def _steps_only_when_shifting(self) -> DeploymentSettings:
        if not has_steps(self.strategy):
            for field in STEP_SETTINGS:
                if field in self.model_fields_set:
                    raise FieldError(
                        to_camel(field),
                        f"{getattr(self, field)} is not used by strategy {self.strategy!r} (it shifts 100% "
                        "at once); remove it or choose canary or linear",
                    )
        return self

    @property
    def minimum_minutes(self) -> int:
        """The least time a successful deployment takes: hold, shifting, keeping blue."""
        routing = routing_for(self.strategy, self.percentage, self.interval_minutes, "")
        return minimum_release_minutes(self.ready_wait_minutes, routing, self.termination_wait_minutes)

    @property
    def plan(self) -> DeploymentConfigPlan:
        """The CodeDeploy config this strategy maps to (predefined or custom)."""
        return plan_deployment_config(self.strategy, self.percentage, self.interval_minutes)


class AlarmSettings(_Section):
    """CloudWatch alarms on CPU, target 5xx, response time and unhealthy hosts, their SNS topic, and whether
    they roll a release back."""

    emails: list[str] = Field(default_factory=list)
    """Addresses subscribed to the alarm topic (each must confirm by email)."""
    rollback_on_alarm: bool = True
    """Wire every alarm into the release (CodeDeploy: the deployment group's alarms; ECS: the service's
    deployment alarms), so a release that trips one rolls back."""
    period_seconds: Literal[10, 30, 60, 120, 180, 240, 300, 600, 900, 3600] = 60
    """Alarm period."""
    evaluation_periods: Annotated[int, Field(ge=1, le=100)] = 2
    """Breaching periods in a row before an alarm fires (periods are fixed to the clock, so a breach may
    take one period more)."""
    cpu_high_percent: Annotated[int, Field(ge=1, le=100)] = 80
    """Service CPU above this."""
    target_5xx_count: Annotated[int, Field(ge=1)] = Field(default=10, alias="target5xxCount")
    """Target 5xx responses per period."""
    unhealthy_hosts: Annotated[int, Field(ge=1)] = 1
    """Unhealthy targets in the blue or the green target group."""
    response_time_seconds: Annotated[float, Field(gt=0, le=600)] = 2.0
    """Average target response time in seconds, in each target group (an alarm for blue, one for green)."""

    @field_validator("emails")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        for address in value:
            if not _EMAIL.match(address):
                raise ValueError(f"{address!r} is not an email address")
        if len(set(value)) != len(value):
            raise ValueError("lists an address twice")
        return value


class SmokeCheck(_Section):
    """One request the hook sends to the test listener, and the status it must get."""

    path: Annotated[str, Field(pattern=r"^/\S{0,1023}$")]
    expect_status: Annotated[int, Field(ge=100, le=599)] = 200


class HookSettings(_Section):
    """The smoke-test Lambda (hooks/smoke_test) that checks green through the test listener before users see
    it; off when `lifecycleEvents` is empty.

    Hooks need a NAT path to the test listener: with a new VPC `network.natGateways` ≥ 1; with an
    existing VPC add its NAT gateways' public IPs to `loadBalancer.testTrafficCidrs`."""

    lifecycle_events: list[str] = Field(
        default_factory=list, json_schema_extra=_allowed(f"any of {', '.join(ECS_HOOKS)}")
    )
    """The lifecycle events that run it, named as CodeDeploy's ECS hooks (under `ecs`, the matching ECS
    lifecycle stages); it calls the test listener, which serves green from `AfterAllowTestTraffic` on;
    prod uses `AfterAllowTestTraffic`."""
    checks: list[SmokeCheck] = Field(default_factory=lambda: [SmokeCheck(path="/health", expect_status=200)])
    """Requests sent to the test listener and the status each must return (at least one)."""
    attempts: Annotated[int, Field(ge=1, le=10)] = 3
    """Tries per check, 5 s apart, before it counts as failed (green may need a moment)."""
    request_timeout_seconds: Annotated[int, Field(ge=1, le=30)] = 5
    """Seconds per request."""

    @field_validator("lifecycle_events")
    @classmethod
    def _known_hooks(cls, value: list[str]) -> list[str]:
        unknown = [name for name in value if name not in ECS_HOOKS]
        if unknown:
            raise ValueError(
                f"{', '.join(unknown)} not an ECS lifecycle hook; allowed: {', '.join(ECS_HOOKS)}"
            )
        if len(set(value)) != len(value):
            raise ValueError("lists a hook twice")
        return value

    @field_validator("checks")
    @classmethod
    def _some_checks(cls, value: list[SmokeCheck]) -> list[SmokeCheck]:
        if not value:
            raise ValueError("needs at least one check, e.g. [{path: /health, expectStatus: 200}]")
        return value

    @property
    def enabled(self) -> bool:
        return bool(self.lifecycle_events)


class ReleaseSettings(_Section):
    """How `pulumi up` waits for the release of a new revision: the CodeDeploy deployment it creates, or the
    ECS service deployment the new task definition starts."""

    timeout_minutes: Annotated[int, Field(ge=5, le=RELEASE_TIMEOUT_MAX_MINUTES)] = 60
    """Fail the update if the release has not ended by then; more than `deployment.readyWaitMinutes` +
    traffic shifting + `terminationWaitMinutes` (checked before anything is created); `make preview` also
    warns when the worst case with health checks, hooks and draining is longer. Up to three weeks: ECS's
    longest ready wait (20160) with a canary's longest bake and blue kept a day."""
    stop_on_timeout: bool = True
    """Stop a timed-out deployment with rollback; `false` leaves it running."""
    poll_seconds: Annotated[int, Field(ge=5, le=300)] = 15
    """How often progress is read, in seconds."""


class DomainSettings(_Section):
    """A DNS name for the service: an ACM certificate validated in Route 53, an alias record to the ALB,
    HTTPS. Unset by default: it needs a Route 53 public hosted zone you own.

    Exactly one of `zoneId` and `zoneName`. With a domain the program requests an ACM certificate (DNS
    validation, record in the zone), waits for it to be issued, serves production on HTTPS 443 with an
    HTTP 80 redirect and the test listener on HTTPS, adds an alias `A` record to the ALB, and
    `serviceUrl` / `testUrl` name the domain. Not together with `loadBalancer.certificateArn`."""

    name: str | None = None
    """The name users reach, e.g. `app.example.com` (a DNS name: labels of letters, digits and hyphens, two
    or more labels, no wildcard)."""
    zone_id: str | None = None
    """The Route 53 public hosted zone that holds `name`, by id (`Z…`); its name is looked up and checked
    before anything is created."""
    zone_name: str | None = None
    """The same zone by name (`example.com`); it must be `name` or a parent of it (checked at once), and is
    looked up."""

    @field_validator("name", "zone_name")
    @classmethod
    def _dns_name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        problem = dns_name_problem(value)
        if problem:
            raise ValueError(f"{problem}; allowed: a DNS name such as app.example.com")
        return normalize(value)

    @field_validator("zone_id")
    @classmethod
    def _zone_id(cls, value: str | None) -> str | None:
        if value is not None and not _ZONE_ID.match(value):
            raise ValueError(
                "is not a Route 53 hosted zone id (Z followed by letters and digits, e.g. Z0123456789ABC)"
            )
        return value

    @model_validator(mode="after")
    def _one_zone(self) -> DomainSettings:
        if self.name is None:
            for key, value in (("zoneId", self.zone_id), ("zoneName", self.zone_name)):
                if value is not None:
                    raise FieldError(
                        key, f"{value!r} is set but name is not; set name (the DNS name to serve)"
                    )
            return self
        if (self.zone_id is None) == (self.zone_name is None):
            raise FieldError(
                "zoneId",
                "exactly one of zoneId and zoneName must name the Route 53 hosted zone of "
                f"{self.name!r} (got {'both' if self.zone_id else 'neither'})",
            )
        if self.zone_name is not None and (problem := zone_problem(self.zone_name, self.name)):
            raise FieldError("zoneName", problem)
        return self

    @property
    def enabled(self) -> bool:
        return self.name is not None


# "<prefix>-green" plus Pulumi's 8-character suffix must fit a 32-character target group name.
_STACK_PREFIX_MAX = 18


class StackSettings(BaseModel):
    """All settings of one stack, validated together before any resource is declared."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)

    stack: str
    aws_profile: str | None = None
    """`aws:profile`, when the stack names one; the release resource's boto3 uses it too."""
    app_name: Annotated[
        str,
        Field(
            pattern=r"^[a-z][a-z0-9-]*[a-z0-9]$",
            json_schema_extra=_allowed(
                f"`<appName>-<stack>` at most {_STACK_PREFIX_MAX} characters (AWS's 32-character target "
                "group names)"
            ),
        ),
    ] = "my-app"
    """Name prefix of every resource: lowercase letters, digits and hyphens."""
    region: str
    deletion_protection: bool = False
    """Protect what is costly to lose: ALB deletion protection, a protected ECR repository without
    `force_delete`, the log group kept on destroy. On in prod."""
    image: ImageSettings = ImageSettings()
    registry: RegistrySettings = RegistrySettings()
    container: ContainerSettings = ContainerSettings()
    task: TaskSettings = TaskSettings()
    health_check: TargetHealthCheck = TargetHealthCheck()
    load_balancer: LoadBalancerSettings = LoadBalancerSettings()
    domain: DomainSettings = DomainSettings()
    network: NetworkSettings = NetworkSettings()
    service: ServiceSettings = ServiceSettings()
    deployment: DeploymentSettings = DeploymentSettings()
    alarms: AlarmSettings = AlarmSettings()
    hooks: HookSettings = HookSettings()
    release: ReleaseSettings = ReleaseSettings()
    tags: dict[str, str] = Field(default_factory=dict)
    """Extra tags on every resource, on top of `application`, `stack`, `managed-by` (and `Name`, `tier` on
    network resources); AWS's rules are checked first: key 1–128 characters without the reserved `aws:`
    prefix, value 0–256, only letters, digits, spaces and `_ . : / = + - @`, at most 45 of your own (50
    per resource with the program's)."""

    @field_validator("tags")
    @classmethod
    def _tags_aws_accepts(cls, value: dict[str, str]) -> dict[str, str]:
        program_keys = (*PROGRAM_TAG_KEYS, *PER_RESOURCE_TAG_KEYS)
        problems = tag_problems(value, program_keys)
        if problems:
            raise SeveralFieldsError([FieldError(key, message) for key, message in problems])
        return value

    @model_validator(mode="after")
    def _every_container_fits_the_task(self) -> StackSettings:
        problems = size_problems(
            self.container.sidecars, task_cpu=self.task.cpu, task_memory=self.task.memory
        )
        if problems:
            raise SeveralFieldsError([FieldError(key, message) for key, message in problems])
        return self

    @property
    def prefix(self) -> str:
        """Physical-name prefix, unique per stack so dev and prod can share an account."""
        return f"{self.app_name}-{self.stack}"

    @property
    def https(self) -> bool:
        """Production on HTTPS 443: a domain (certificate made here) or a certificate made elsewhere."""
        return self.domain.enabled or self.load_balancer.https

    @property
    def production_port(self) -> int:
        return 443 if self.https else 80

    @model_validator(mode="after")
    def _cross_checks(self) -> StackSettings:
        if not re.fullmatch(r"[A-Za-z0-9-]+", self.stack):
            raise ValueError(
                f"stack name {self.stack!r} becomes part of load balancer and target group names, "
                "which allow only letters, digits and hyphens; rename the stack"
            )
        if len(self.prefix) > _STACK_PREFIX_MAX:
            raise FieldError(
                "appName",
                f"{self.app_name!r} with stack {self.stack!r} makes the name prefix "
                f"{self.prefix!r} ({len(self.prefix)} characters); at most {_STACK_PREFIX_MAX} fit AWS's "
                "32-character target group names",
            )
        if self.release.timeout_minutes <= self.deployment.minimum_minutes:
            raise FieldError(
                "release.timeoutMinutes",
                f"{self.release.timeout_minutes} is not more than the "
                f"{self.deployment.minimum_minutes} minutes "
                "a successful deployment takes (deployment.readyWaitMinutes + traffic shifting + "
                "terminationWaitMinutes); raise it",
            )
        if (
            self.hooks.enabled
            and self.network.vpc_id is not None
            and not self.load_balancer.test_traffic_cidrs
        ):
            raise FieldError(
                "loadBalancer.testTrafficCidrs",
                "is empty, but hooks.lifecycleEvents runs the smoke test, which calls the test listener from "
                "the VPC's private subnets through NAT; add the existing VPC's NAT gateway public IPs "
                "(x.x.x.x/32)",
            )
        self._network_fits_the_hooks()
        self._network_reaches_the_sidecar_images()
        if self.hooks.enabled and self.network.vpc_id is None and self.network.nat_gateways == 0:
            raise FieldError(
                "hooks.lifecycleEvents",
                "the smoke test reaches the internet-facing test listener through NAT, but "
                "network.natGateways is 0; add a NAT gateway or turn the hooks off",
            )
        if self.image.uri is not None and self.container.health_check.command is None:
            raise FieldError(
                "container.healthCheck.command",
                "not set, but image.uri names a prebuilt image, so the default check "
                "(the bundled app's python checker) may not exist in it; set a command that works in that "
                "image, or [] to rely on the target group health check alone",
            )
        if self.domain.enabled and self.load_balancer.certificate_arn is not None:
            raise FieldError(
                "loadBalancer.certificateArn",
                f"set together with domain.name ({self.domain.name!r}), which requests its own certificate; "
                "keep one: domain (certificate, DNS validation and alias records made here) or "
                "certificateArn (a certificate made elsewhere)",
            )
        if self.domain.enabled and self.load_balancer.test_listener_port == 443:
            raise FieldError(
                "loadBalancer.testListenerPort",
                "443 is used by the production listener (domain.name serves HTTPS); "
                "choose another port than 80, 443",
            )
        self._blue_kept_for_the_alarms()
        return self

    def _network_fits_the_hooks(self) -> None:
        """Public task subnets drop the NAT path only the smoke-test hook still needs (a Lambda
        function in a VPC never gets a public IP): a new VPC's NAT gateways then serve the hook
        alone, so they are asked for exactly when hooks run."""
        network = self.network
        if network.vpc_id is not None or not network.tasks_public:
            return
        if self.hooks.enabled and network.nat_gateways == 0:
            raise FieldError(
                "network.taskSubnets",
                f"'public' with natGateways 0 leaves no NAT path, but hooks.lifecycleEvents "
                f"{self.hooks.lifecycle_events} still runs the smoke-test hook, which reaches the "
                "internet-facing test listener from the private subnets through a NAT gateway; set "
                "hooks.lifecycleEvents: [] (the cheap dev network keeps no hook), or keep the hook "
                "with natGateways: 1, or taskSubnets: private",
            )
        if not self.hooks.enabled and network.nat_gateways > 0:
            raise FieldError(
                "network.natGateways",
                f"{network.nat_gateways} with taskSubnets 'public' and no hooks: the tasks leave through "
                "the internet gateway and only the smoke-test hook uses NAT, so the NAT gateways would "
                "serve nothing and still cost by the hour; set natGateways: 0",
            )

    def _network_reaches_the_sidecar_images(self) -> None:
        """Tasks with only the VPC endpoints pull from the region's private ECR alone: a shortcut's
        public.ecr.aws image, or any other registry's, never arrives and the task never starts."""
        if not self.network.tasks_offline:
            return
        found = images_needing_internet(self.container.sidecars, region=self.region)
        if found:
            raise SeveralFieldsError(
                [
                    FieldError(
                        f"container.{key}",
                        f"{value}, which the tasks cannot pull: network.natGateways 0 with taskSubnets "
                        "'private' leaves them only the VPC endpoints, no internet route; set "
                        "network.natGateways >= 1, or network.taskSubnets: public, or copy the image into "
                        f"your own ECR repository in {self.region} and set its digest-pinned URI as "
                        f"container.{key.rsplit('.', 1)[0]}.image",
                    )
                    for key, value in found
                ]
            )

    def _blue_kept_for_the_alarms(self) -> None:
        """Both engines watch the rollback alarms only while blue is kept (CodeDeploy's termination
        wait, ECS's bake time): a slower alarm could not roll a broken release back."""
        if not self.alarms.rollback_on_alarm:
            return
        window = AlarmWindow[int]("alarms", self.alarms.period_seconds, self.alarms.evaluation_periods)
        finding = alarm_window_finding(self.deployment.termination_wait_minutes * 60, [window])
        if finding is None:
            return
        wait = self.deployment.termination_wait_minutes
        raise FieldError(
            "deployment.terminationWaitMinutes",
            f"{wait} keeps blue {int(finding.window_seconds)} s after the last traffic shift, less than "
            f"the alarm window of {finding.evaluation_seconds} s (alarms.periodSeconds "
            f"{self.alarms.period_seconds} x (alarms.evaluationPeriods {self.alarms.evaluation_periods} "
            "+ the period a breach starts in)): "
            "an alarm firing after blue is gone cannot roll the release back; set it to at least "
            f"{finding.minutes_needed}, shorten the alarm window, or set alarms.rollbackOnAlarm: false",
        )
