"""Run the real Pulumi program (``__main__.py``) for a stack under Pulumi's mock engine.

What ``pulumi up -s <stack>`` would declare, without AWS or the Pulumi CLI: the stack's
config is assembled the way the CLI does it (``Pulumi.yaml`` defaults, then
``Pulumi.<stack>.yaml``, then overrides), the program runs, and every resource
registration is recorded with its inputs *and* its resource options (``ignore_changes``,
``depends_on``, ``protect``), which plain mocks never see. The offline preview and the
tests both use it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import json
import runpy
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime.resource
import yaml
from pulumi.runtime import rpc
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from preview import ROOT
from preview.regions import partition_of, zones_of

ACCOUNT = "123456789012"


# libyaml's parser where PyYAML was built with it: the same safe loading, about ten times
# faster than the pure-Python one, and the project and stack files are read on every run.
_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(), Loader=_SAFE_LOADER)


def project_file() -> dict[str, Any]:
    loaded: dict[str, Any] = _read_yaml(ROOT / "Pulumi.yaml")
    return loaded


PROJECT = project_file()["name"]


def stack_file(stack: str) -> dict[str, Any]:
    config: dict[str, Any] = _read_yaml(ROOT / f"Pulumi.{stack}.yaml").get("config") or {}
    return config


def _full_key(key: str) -> str:
    return key if ":" in key else f"{PROJECT}:{key}"


def stack_config(
    stack: str, overrides: dict[str, Any] | None = None, *, project: str = PROJECT
) -> dict[str, Any]:
    """The stack's config as the CLI would pass it: project defaults, the stack file, overrides.

    Like ``pulumi config set``, an override replaces a whole key; ``None`` removes the key.
    Project defaults are namespaced by ``project`` (the CLI uses Pulumi.yaml's name);
    stack-file keys stay as written, as they do for the CLI.
    """
    values: dict[str, Any] = {}
    for key, declaration in (project_file().get("config") or {}).items():
        if isinstance(declaration, dict) and "default" in declaration:
            values[key if ":" in key else f"{project}:{key}"] = declaration["default"]
    values.update({_full_key(k): v for k, v in stack_file(stack).items()})
    for key, value in (overrides or {}).items():
        if value is None:
            values.pop(_full_key(key), None)
        else:
            values[_full_key(key)] = value
    return values


def stack_value(stack: str, key: str) -> Any:
    """One key's effective value for a stack (a copy, safe to modify)."""
    return json.loads(json.dumps(stack_config(stack).get(_full_key(key))))


def engine_encoding(value: Any) -> str:
    """The engine hands the program strings: objects and arrays as JSON, booleans lowercase."""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _reveal(value: Any, path: str, secret_paths: set[str]) -> Any:
    """Unwrap secret markers (noting where they were) and give whole numbers back as ints."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            secret_paths.add(path)
            return _reveal(value["value"], path, secret_paths)
        return {k: _reveal(v, f"{path}.{k}" if path else k, secret_paths) for k, v in value.items()}
    if isinstance(value, list):
        return [_reveal(v, f"{path}[{i}]", secret_paths) for i, v in enumerate(value)]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the engine carries every number as a float; 8080.0 reads as 8080
    return value


@dataclass
class Recorded:
    """One registered resource: what the program declared and how."""

    urn: str
    id: str
    type: str
    name: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    depends_on: list[str]
    ignore_changes: list[str]
    replace_on_changes: list[str]
    protect: bool
    delete_before_replace: bool
    provider: str
    """The provider reference (``<provider urn>::<id>``) the resource was registered with."""
    secret_inputs: set[str]
    """Input paths that were marked secret (e.g. ``registry``)."""


def fake_zone_id(zone_name: str) -> str:
    """A hosted zone id derived from the zone's name: the same name always gets the same id."""
    return "Z" + hashlib.sha256(zone_name.encode()).hexdigest()[:20].upper()


def parent_zone(domain_name: str) -> str:
    """What the mock answers for a zone asked for by id: the domain's parent (or the domain
    itself when it has two labels). The offline preview cannot ask Route 53; the real lookup
    does, and a zone that does not hold the name is a config error either way."""
    labels = domain_name.removesuffix(".").split(".")
    return ".".join(labels[1:]) if len(labels) > 2 else ".".join(labels)


class FakeAws(pulumi.runtime.Mocks):
    """Mock provider: echoes inputs and adds the computed outputs the program reads."""

    def __init__(
        self, region: str, domain_name: str | None = None, zones: dict[str, str] | None = None
    ) -> None:
        self.region = region
        self.partition = partition_of(region)
        self.domain_name = domain_name
        self.zones = dict(zones or {})
        """Hosted zone id -> name, for lookups by id (else ``parent_zone`` of ``domain_name``)."""
        self.calls: list[str] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        outputs = dict(args.inputs)
        name = args.name
        module = args.typ.split(":")[1].split("/")[0]
        region, account = self.region, ACCOUNT
        outputs.setdefault("name", f"{name}-1a2b3c4")
        partition, dns_suffix = self.partition.partition, self.partition.dns_suffix
        outputs.setdefault("arn", f"arn:{partition}:{module}:{region}:{account}:{name}")
        if args.typ == "aws:ecr/repository:Repository":
            outputs["repositoryUrl"] = f"{account}.dkr.ecr.{region}.{dns_suffix}/{outputs['name']}"
            outputs["registryId"] = account
            outputs["arn"] = f"arn:{partition}:ecr:{region}:{account}:repository/{outputs['name']}"
        elif args.typ == "docker:index/image:Image":
            image_name = args.inputs["imageName"]
            digest = hashlib.sha256(image_name.encode()).hexdigest()
            outputs["repoDigest"] = f"{image_name.rsplit(':', 1)[0]}@sha256:{digest}"
        elif args.typ == "aws:lb/loadBalancer:LoadBalancer":
            outputs["dnsName"] = f"{name}-1234567890.{region}.elb.{dns_suffix}"
            outputs["arnSuffix"] = f"app/{name}/50dc6c495c0c9188"
            outputs["zoneId"] = "ZFAKEALB" + hashlib.sha256(region.encode()).hexdigest()[:6].upper()
        elif args.typ == "aws:acm/certificate:Certificate":
            domain = args.inputs["domainName"]
            token = hashlib.sha256(domain.encode()).hexdigest()
            outputs["arn"] = (
                f"arn:{partition}:acm:{region}:{account}:certificate/{token[:8]}-{token[8:12]}-{token[12:16]}-{token[16:20]}-{token[20:32]}"
            )
            outputs["domainValidationOptions"] = [
                {
                    "domainName": domain,
                    "resourceRecordName": f"_{token[:32]}.{domain}.",
                    "resourceRecordType": "CNAME",
                    "resourceRecordValue": f"_{token[32:64]}.acm-validations.aws.",
                }
            ]
        elif args.typ == "aws:acm/certificateValidation:CertificateValidation":
            outputs["certificateArn"] = args.inputs["certificateArn"]
        elif args.typ == "aws:route53/record:Record":
            outputs["fqdn"] = str(args.inputs["name"]).removesuffix(".")
        elif args.typ == "aws:s3/bucket:Bucket":
            outputs.setdefault("bucket", f"{name}-1a2b3c4")
            outputs["arn"] = f"arn:{partition}:s3:::{outputs['bucket']}"
        elif args.typ == "aws:wafv2/webAcl:WebAcl":
            outputs["arn"] = (
                f"arn:{partition}:wafv2:{region}:{account}:regional/webacl/{outputs['name']}/{name}-id"
            )
        elif args.typ == "aws:lb/targetGroup:TargetGroup":
            outputs["arnSuffix"] = f"targetgroup/{outputs['name']}/943f017f100becff"
        elif args.typ == "aws:ecs/taskDefinition:TaskDefinition":
            outputs["revision"] = 1
            outputs["arn"] = (
                f"arn:{partition}:ecs:{region}:{account}:task-definition/{args.inputs['family']}:1"
            )
        elif args.typ == "pulumi-python:dynamic/codedeploy:Release":
            # What the provider's create() records for a new stack: the first revision, no deployment.
            outputs["live_task_definition_arn"] = args.inputs["task_definition_arn"]
            outputs["deployment_id"] = ""
        elif args.typ == "pulumi-python:dynamic/ecs:LiveTargetGroups":
            # A new stack: the listener forwards nowhere yet, so blue starts live.
            outputs["live_arn"] = args.inputs["blue_arn"]
            outputs["idle_arn"] = args.inputs["green_arn"]
        elif args.typ == "pulumi-python:dynamic/ecs:EngineMove":
            outputs["moved_from"] = ""
        elif args.typ == "pulumi-python:dynamic/ecs:ServiceRelease":
            outputs["live_task_definition_arn"] = args.inputs["task_definition_arn"]
            outputs["service_deployment_arn"] = ""
        elif args.typ == "aws:ec2/eip:Eip":
            # TEST-NET-3 (never routed), derived from the name: registration order varies.
            outputs["publicIp"] = f"203.0.113.{zlib.crc32(name.encode()) % 250 + 1}"
        elif args.typ == "aws:cloudwatch/logGroup:LogGroup":
            outputs["arn"] = f"arn:{partition}:logs:{region}:{account}:log-group:{outputs['name']}"
        return f"{name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        """Answer the lookups the program makes; fail on any other, so a new one is noticed."""
        return self._answer(args), []

    def _answer(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        self.calls.append(args.token)
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            names = zones_of(self.region)
            return {
                "names": names,
                "zoneIds": [f"{self.region}-az{i}" for i in range(1, len(names) + 1)],
                "id": self.region,
            }
        if args.token == "aws:index/getPartition:getPartition":
            facts = self.partition
            return {
                "partition": facts.partition,
                "dnsSuffix": facts.dns_suffix,
                "reverseDnsPrefix": facts.reverse_dns_prefix,
                "id": facts.partition,
            }
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": ACCOUNT,
                "arn": f"arn:{self.partition.partition}:iam::{ACCOUNT}:user/preview",
                "userId": "AIDAPREVIEW",
                "id": ACCOUNT,
            }
        if args.token == "aws:route53/getZone:getZone":
            zone_id = args.args.get("zoneId")
            if zone_id:
                name = self.zones.get(zone_id) or parent_zone(self.domain_name or "example.com")
            else:
                name = str(args.args["name"]).removesuffix(".")
                zone_id = fake_zone_id(name)
            return {
                "zoneId": zone_id,
                "name": name,
                "arn": f"arn:{self.partition.partition}:route53:::hostedzone/{zone_id}",
                "privateZone": False,
                "nameServers": [f"ns-1.awsdns-01.{name}"],
                "resourceRecordSetCount": 2,
                "id": zone_id,
            }
        if args.token == "aws:ecr/getAuthorizationToken:getAuthorizationToken":
            return {
                "userName": "AWS",
                "password": "fake-ecr-password",
                "authorizationToken": "QVdTOmZha2U=",
                "proxyEndpoint": f"https://{ACCOUNT}.dkr.ecr.{self.region}.{self.partition.dns_suffix}",
                "expiresAt": "2030-01-01T00:00:00Z",
                "id": self.region,
            }
        raise AssertionError(f"the program made a lookup the tests do not expect: {args.token}")


class RecordingMonitor(MockMonitor):
    """A mock monitor that also keeps each registration's resource options."""

    def __init__(self, mocks: FakeAws) -> None:
        super().__init__(mocks)
        self.records: list[Recorded] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the gRPC method name
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]  # pulumi's mock API is untyped
        if request.type != "pulumi:pulumi:Stack":
            _ensure_event_loop()  # type: ignore[no-untyped-call]  # pulumi internals are untyped
            secret_paths: set[str] = set()
            inputs = _reveal(rpc.deserialize_properties(request.object, keep_unknowns=True), "", secret_paths)
            self.records.append(
                Recorded(
                    urn=response.urn,
                    id=response.id,
                    type=request.type,
                    name=request.name,
                    parent=request.parent,
                    custom=request.custom,
                    inputs=inputs,
                    outputs=self.resources[response.urn].state,
                    depends_on=list(request.dependencies),
                    ignore_changes=list(request.ignoreChanges),
                    replace_on_changes=list(request.replaceOnChanges),
                    protect=bool(request.protect),
                    delete_before_replace=bool(request.deleteBeforeReplace),
                    provider=request.provider,
                    secret_inputs=secret_paths,
                )
            )
        return response


@dataclass
class ProgramRun:
    stack: str
    resources: list[Recorded]
    exports: dict[str, Any]
    calls: list[str] = field(default_factory=list)

    def of_type(self, type_: str) -> list[Recorded]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str, name_suffix: str = "") -> Recorded:
        """The single resource of ``type_`` whose name ends with ``name_suffix``."""
        found = [r for r in self.of_type(type_) if r.name.endswith(name_suffix)]
        assert len(found) == 1, f"expected one {type_} named *{name_suffix}, found {[r.name for r in found]}"
        return found[0]

    def by_urn(self, urn: str) -> Recorded:
        return next(r for r in self.resources if r.urn == urn)

    def children_of(self, parent: Recorded) -> list[Recorded]:
        return [r for r in self.resources if r.parent == parent.urn]


def _no_stack_trace() -> source_pb2.StackTrace:
    return source_pb2.StackTrace()


class _InlineExecutor(concurrent.futures.ThreadPoolExecutor):
    """Runs each call at once in the caller's thread: the event loop's default executor here.

    Pulumi sends every call to the resource monitor through the loop's default executor (a
    thread pool), since a real monitor is a gRPC server in another process. The mock monitor
    answers in microseconds and never waits on the loop, and handing each call to a thread,
    then waking the loop when it came back, was about a third of a warm program run.
    """

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # handed to the awaiting coroutine, as a thread's would be
            future.set_exception(error)
        return future


_INLINE = _InlineExecutor()


def _start(
    stack: str, overrides: dict[str, Any] | None, project: str = PROJECT
) -> tuple[FakeAws, RecordingMonitor]:
    """Point the Pulumi runtime at fresh mocks, a fresh root stack and the stack's config."""
    # Pulumi captures a stack trace at every resource, for the CLI to show where it was
    # declared. Under mocks nothing reads it, and capturing it was about a seventh of a run.
    pulumi.runtime.resource._get_stack_trace = _no_stack_trace
    try:
        usable = not asyncio.get_event_loop().is_closed()
    except RuntimeError:
        usable = False
    if not usable:  # another test (e.g. an ASGI one) may have closed or cleared the loop
        asyncio.set_event_loop(asyncio.new_event_loop())
    asyncio.get_event_loop().set_default_executor(_INLINE)
    config = stack_config(stack, overrides, project=project)
    domain = config.get(f"{project}:domain")
    domain_name = domain.get("name") if isinstance(domain, dict) else None
    mocks = FakeAws(str(config.get("aws:region") or "us-east-1"), domain_name=domain_name)
    monitor = RecordingMonitor(mocks)
    runtime_settings.ROOT.set(None)  # a fresh root stack for every run
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config({k: engine_encoding(v) for k, v in config.items()})
    return mocks, monitor


def run_stack(stack: str, overrides: dict[str, Any] | None = None) -> ProgramRun:
    """Run ``__main__.py`` for ``stack`` under mocks and return what it declared and exported."""
    mocks, monitor = _start(stack, overrides)
    exports: dict[str, Any] = {}

    def program() -> None:
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")
        root = runtime_settings.get_root_resource()
        outputs = pulumi.Output.from_input(dict(root.outputs))  # type: ignore[union-attr]
        resolved: dict[str, Any] | None = _sync_await(outputs.future())
        exports.update(resolved or {})

    try:
        _sync_await(run_pulumi_func(program))
    finally:
        pulumi.runtime.set_all_config({})
    return ProgramRun(stack=stack, resources=monitor.records, exports=exports, calls=mocks.calls)


def _run_main() -> None:
    runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")


def run_stack_expecting_error(
    stack: str, overrides: dict[str, Any], *, project: str = PROJECT
) -> tuple[BaseException, list[Recorded]]:
    """Run a stack that must fail; return the error and whatever got registered before it.

    ``project`` runs it as if Pulumi.yaml had another name (the stack file unchanged).
    """
    _, monitor = _start(stack, overrides, project)
    try:
        _sync_await(run_pulumi_func(_run_main))
    except BaseException as error:  # returned to the test to inspect
        return error, monitor.records
    finally:
        pulumi.runtime.set_all_config({})
    raise AssertionError(f"stack {stack!r} with {overrides} ran without error")
