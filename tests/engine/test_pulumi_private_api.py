"""The private pulumi API that preview/engine.py (the mock engine of `make preview` and the tests) rests on.

pulumi's mocks do not record resource options, so the engine subclasses
``pulumi.runtime.mocks.MockMonitor`` and drives the runtime with names that are not public:
they can change in any release. pyproject.toml therefore pins pulumi exactly; these tests
name each private piece, so that moving the pin to a pulumi that changed one of them fails
here, saying which, instead of somewhere deep in a program run.
"""

from __future__ import annotations

import ast
import asyncio
import contextvars
import importlib
import inspect
import re
import tomllib
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

# (module, attribute, the leading parameters the engine passes, in order)
CALLABLES = [
    ("pulumi.runtime.mocks", "MockMonitor", ["mocks"]),
    ("pulumi.runtime.mocks", "MockMonitor.RegisterResource", ["self", "request"]),
    ("pulumi.runtime.mocks", "set_mocks", ["mocks", "project", "stack", "preview", "logger", "monitor"]),
    ("pulumi.runtime.rpc", "deserialize_properties", ["props_struct", "keep_unknowns"]),
    ("pulumi.runtime.settings", "get_root_resource", []),
    ("pulumi.runtime.stack", "run_pulumi_func", ["func"]),
    ("pulumi.runtime.sync_await", "_sync_await", ["awaitable"]),
    ("pulumi.runtime.sync_await", "_ensure_event_loop", []),
    ("pulumi.runtime.config", "set_all_config", ["config", "secret_keys"]),
    ("pulumi.runtime.resource", "_get_stack_trace", []),
]

# Fields of the gRPC messages the engine's RegisterResource override reads.
REGISTER_REQUEST_FIELDS = [
    "type",
    "name",
    "parent",
    "custom",
    "object",
    "dependencies",
    "ignoreChanges",
    "protect",
    "deleteBeforeReplace",
    "provider",
]
REGISTER_RESPONSE_FIELDS = ["urn", "id"]


def _pinned_pulumi() -> str:
    program = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]["program"]
    pins = [
        match.group(1)
        for dependency in program
        if isinstance(dependency, str)
        and (match := re.fullmatch(r"pulumi\s*==\s*([0-9][^\s;,]*)", dependency.strip()))
    ]
    assert len(pins) == 1, (
        f"pyproject.toml's program group must pin pulumi exactly (pulumi==X.Y.Z), found {pins or 'none'}"
    )
    return pins[0]


def _resolve(module: str, attribute: str) -> Any:
    name = f"{module}.{attribute}"
    try:
        found: Any = importlib.import_module(module)
    except ImportError as error:
        pytest.fail(f"pulumi {version('pulumi')}: preview/engine.py imports {module}, which is gone: {error}")
    for part in attribute.split("."):
        if not hasattr(found, part):
            pytest.fail(f"pulumi {version('pulumi')}: preview/engine.py uses {name}, which is gone")
        found = getattr(found, part)
    return found


def test_installed_pulumi_is_the_pinned_one() -> None:
    pinned = _pinned_pulumi()
    assert version("pulumi") == pinned, (
        f"pulumi {version('pulumi')} is installed but pyproject.toml pins {pinned}: "
        "run `make venv` (or `make lock` after changing the pin)"
    )


def test_the_policy_pack_pins_the_same_pulumi() -> None:
    lines = [
        line.split("#")[0].strip() for line in (ROOT / "policy/requirements.txt").read_text().splitlines()
    ]
    assert f"pulumi=={_pinned_pulumi()}" in lines, "policy/requirements.txt must pin the program's pulumi"


@pytest.mark.parametrize(
    ("module", "attribute", "parameters"),
    CALLABLES,
    ids=[f"{module}.{attribute}" for module, attribute, _ in CALLABLES],
)
def test_private_callable_keeps_its_signature(module: str, attribute: str, parameters: list[str]) -> None:
    name = f"{module}.{attribute}"
    found = _resolve(module, attribute)
    assert callable(found), f"pulumi {version('pulumi')}: {name} is no longer callable"
    actual = list(inspect.signature(found).parameters)
    assert actual[: len(parameters)] == parameters, (
        f"pulumi {version('pulumi')}: preview/engine.py calls {name}({', '.join(parameters)}), "
        f"but its signature is now ({', '.join(actual)})"
    )


def test_run_pulumi_func_is_a_coroutine_function() -> None:
    run_pulumi_func = _resolve("pulumi.runtime.stack", "run_pulumi_func")
    assert inspect.iscoroutinefunction(run_pulumi_func), (
        "pulumi.runtime.stack.run_pulumi_func is no longer async: preview/engine.py passes it to _sync_await"
    )


def test_sync_await_runs_a_coroutine_to_its_result() -> None:
    sync_await = _resolve("pulumi.runtime.sync_await", "_sync_await")
    ensure_event_loop = _resolve("pulumi.runtime.sync_await", "_ensure_event_loop")
    ensure_event_loop()

    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    assert sync_await(answer()) == 42, "pulumi.runtime.sync_await._sync_await no longer returns the result"


def test_settings_root_is_a_context_var() -> None:
    root = _resolve("pulumi.runtime.settings", "ROOT")
    assert isinstance(root, contextvars.ContextVar), (
        f"pulumi.runtime.settings.ROOT is now a {type(root).__name__}: "
        "preview/engine.py resets it with ROOT.set(None) before each run"
    )


def test_mock_monitor_keeps_each_registration_with_its_state() -> None:
    monitor_class = _resolve("pulumi.runtime.mocks", "MockMonitor")
    mocks_class = _resolve("pulumi.runtime.mocks", "Mocks")
    registration = _resolve("pulumi.runtime.mocks", "MockMonitor.ResourceRegistration")
    assert {"urn", "id", "state"} <= set(registration._fields), (
        "pulumi.runtime.mocks.MockMonitor.ResourceRegistration lost urn/id/state, "
        "which preview/engine.py reads through MockMonitor.resources[urn].state"
    )

    class NoMocks(mocks_class):  # type: ignore[misc, valid-type]
        def new_resource(self, args: Any) -> tuple[str, dict[str, Any]]:
            raise NotImplementedError

        def call(self, args: Any) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
            raise NotImplementedError

    monitor = monitor_class(NoMocks())
    assert isinstance(monitor.resources, dict), (
        "pulumi.runtime.mocks.MockMonitor.resources is no longer a dict keyed by URN"
    )


def test_mock_args_keep_the_fields_the_fake_provider_reads() -> None:
    resource_args = inspect.signature(_resolve("pulumi.runtime.mocks", "MockResourceArgs")).parameters
    call_args = inspect.signature(_resolve("pulumi.runtime.mocks", "MockCallArgs")).parameters
    assert {"typ", "name", "inputs"} <= set(resource_args), (
        f"pulumi.runtime.mocks.MockResourceArgs is now ({', '.join(resource_args)}); "
        "FakeAws reads typ, name, inputs"
    )
    assert "token" in call_args, (
        f"pulumi.runtime.mocks.MockCallArgs is now ({', '.join(call_args)}); FakeAws reads token"
    )


def test_secret_markers_are_the_engine_protocol_constants() -> None:
    # Fixed by the engine's wire protocol (sdk/go/common/resource/properties.go); the engine
    # unwraps secrets by them.
    assert _resolve("pulumi.runtime.rpc", "_special_sig_key") == "4dabf18193072939515e22adb298388d"
    assert _resolve("pulumi.runtime.rpc", "_special_secret_sig") == "1b47061264138c4ac30d75fd1eb44270"


@pytest.mark.parametrize(
    ("message", "fields"),
    [
        ("RegisterResourceRequest", REGISTER_REQUEST_FIELDS),
        ("RegisterResourceResponse", REGISTER_RESPONSE_FIELDS),
    ],
)
def test_register_resource_messages_keep_the_fields_the_engine_reads(message: str, fields: list[str]) -> None:
    descriptor = _resolve("pulumi.runtime.proto.resource_pb2", message).DESCRIPTOR
    missing = [name for name in fields if name not in descriptor.fields_by_name]
    assert not missing, f"pulumi {version('pulumi')}: {message} lost {missing}, which preview/engine.py reads"


def test_the_engine_imports_only_what_is_checked_here() -> None:
    """A new import from pulumi.runtime in preview/engine.py needs a check above."""
    tree = ast.parse((ROOT / "preview/engine.py").read_text())
    imported = {
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pulumi.runtime")
        for alias in node.names
    }
    checked = {
        ("pulumi.runtime", "rpc"),  # its members used: deserialize_properties and the secret markers
        ("pulumi.runtime", "settings"),  # ROOT and get_root_resource
        ("pulumi.runtime.mocks", "MockMonitor"),
        ("pulumi.runtime.stack", "run_pulumi_func"),
        ("pulumi.runtime.sync_await", "_ensure_event_loop"),
        ("pulumi.runtime.sync_await", "_sync_await"),
        ("pulumi.runtime.proto", "source_pb2"),  # StackTrace, for the stack traces left uncaptured
    }
    assert imported <= checked, (
        f"preview/engine.py imports pulumi runtime names not checked here: {sorted(imported - checked)}"
    )


def test_registrations_capture_their_stack_trace_through_the_name_the_engine_replaces() -> None:
    """The mock engine swaps pulumi.runtime.resource._get_stack_trace for one that captures
    nothing; that only takes effect while registration looks the function up by that name."""
    resource = importlib.import_module("pulumi.runtime.resource")
    for function in ("register_resource", "read_resource"):
        source = inspect.getsource(getattr(resource, function))
        assert "_get_stack_trace()" in source, (
            f"pulumi {version('pulumi')}: {function} no longer calls _get_stack_trace(), "
            "which preview/engine.py replaces under mocks"
        )
    stack_trace = _resolve("pulumi.runtime.proto.source_pb2", "StackTrace")
    assert len(stack_trace().frames) == 0


# --- the `pulumi up` path ------------------------------------------------------------------------
# Not only the mock engine: the program and its dynamic providers lean on names outside pulumi's
# public API too. Each is named here with who relies on it.

UP_PATH_NAMES = [
    ("pulumi.runtime.config", "CONFIG", "stack_config/pulumi_source.py reads the whole config map"),
    ("pulumi.runtime.config", "get_config_env", "stack_config/pulumi_source.py reads PULUMI_CONFIG"),
    ("pulumi.dynamic.dynamic", "serialize_provider", "components/release.py's provider is pickled by it"),
    ("pulumi.dynamic.dynamic", "PROVIDER_KEY", "the serialized provider's input, which the host reads"),
    ("pulumi.runtime.proto.engine_pb2", "LogRequest", "release/core/engine_log.py sends it"),
    ("pulumi.runtime.proto.engine_pb2", "INFO", "release/core/engine_log.py's severity"),
    ("pulumi.runtime.proto.engine_pb2_grpc", "EngineStub", "release/core/engine_log.py calls Log on it"),
]

UP_PATH_FILES = [
    "stack_config/pulumi_source.py",
    "components/release.py",
    "release/core/engine_log.py",
    "release/codedeploy/provider.py",
    "release/ecs/provider.py",
]
"""The modules `pulumi up` runs that import from pulumi beyond ``pulumi`` itself."""


@pytest.mark.parametrize(
    ("module", "attribute", "why"), UP_PATH_NAMES, ids=[f"{m}.{a}" for m, a, _ in UP_PATH_NAMES]
)
def test_up_path_name_is_still_there(module: str, attribute: str, why: str) -> None:
    found: Any = importlib.import_module(module)
    for part in attribute.split("."):
        assert hasattr(found, part), f"pulumi {version('pulumi')}: {module}.{attribute} is gone; {why}"
        found = getattr(found, part)


def test_the_config_map_is_what_the_engine_set_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """read_raw_config sees keys set in the runtime (CONFIG, a ContextVar of a dict) and those the
    language host passes in PULUMI_CONFIG (get_config_env), which is how Pulumi.yaml's defaults arrive."""
    from pulumi.runtime import config as runtime_config

    from stack_config.pulumi_source import read_raw_config

    assert isinstance(runtime_config.CONFIG, contextvars.ContextVar), (
        f"pulumi.runtime.config.CONFIG is now a {type(runtime_config.CONFIG).__name__}; "
        "stack_config/pulumi_source.py calls CONFIG.get()"
    )
    monkeypatch.setenv("PULUMI_CONFIG", '{"project:fromEnvironment": "1"}')
    runtime_config.set_all_config({"project:fromRuntime": "2"})
    try:
        raw = read_raw_config()
    finally:
        runtime_config.set_all_config({})
    assert raw.get("project:fromEnvironment") == "1", "get_config_env() no longer returns PULUMI_CONFIG's map"
    assert raw.get("project:fromRuntime") == "2", "CONFIG no longer holds what set_all_config set"


def test_a_dynamic_resource_reads_serialize_as_secret_always() -> None:
    """components/release.py sets it False so the provider is not a secret in the state (and the
    preview's diff can read it); pulumi reads it by that name while declaring the resource."""
    source = inspect.getsource(_resolve("pulumi.dynamic", "Resource.__init__"))
    assert '"serialize_as_secret_always"' in source and "serialize_provider" in source, (
        f"pulumi {version('pulumi')}: pulumi.dynamic.Resource no longer serializes its provider with "
        "serialize_provider or reads serialize_as_secret_always"
    )


def test_the_release_provider_is_serialized_by_value_and_loads_in_another_process(tmp_path: Path) -> None:
    """The provider host unpickles the provider (dill) in a process that never ran the program:
    ReleaseProvider must arrive by value (its module set to ``__main__``, pulumi/pulumi#7453), not
    as a reference to components.release, and then find its work module from the project root."""
    import subprocess
    import sys

    from components.release import ReleaseProvider

    serialize_provider = _resolve("pulumi.dynamic.dynamic", "serialize_provider")
    serialized = serialize_provider(ReleaseProvider(str(ROOT), "release.ecs.provider"))
    script = (
        "import base64, sys, dill\n"
        "provider = dill.loads(base64.b64decode(sys.stdin.read()))\n"
        "assert 'components' not in sys.modules and 'components.release' not in sys.modules, 'by reference'\n"
        "print(type(provider).__name__, provider._ops().__name__)\n"
        "print(provider.diff('id', {'task_definition_arn': 'a'}, {'task_definition_arn': 'b'}).changes)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        input=serialized,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["ReleaseProvider release.ecs.provider", "True"]


def test_the_engine_log_request_keeps_its_fields() -> None:
    descriptor = _resolve("pulumi.runtime.proto.engine_pb2", "LogRequest").DESCRIPTOR
    missing = [name for name in ("severity", "message") if name not in descriptor.fields_by_name]
    assert not missing, f"pulumi {version('pulumi')}: LogRequest lost {missing}, which engine_log.py sets"
    assert hasattr(_resolve("pulumi.runtime.proto.engine_pb2_grpc", "EngineStub"), "__init__")


def _pulumi_imports(path: Path) -> set[tuple[str, str]]:
    """(module, name) of every ``from pulumi.… import name`` in the file, nested ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        (node.module or "", alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pulumi.")
        for alias in node.names
    }


def test_the_up_path_imports_only_what_is_checked_here() -> None:
    """A new import from pulumi's runtime or dynamic internals on the `pulumi up` path needs a check above."""
    checked = {
        ("pulumi.runtime", "config"),  # CONFIG and get_config_env
        ("pulumi.runtime.proto", "engine_pb2"),  # LogRequest, INFO
        ("pulumi.runtime.proto", "engine_pb2_grpc"),  # EngineStub
        # pulumi.dynamic's public names (its __all__):
        ("pulumi.dynamic", "CreateResult"),
        ("pulumi.dynamic", "DiffResult"),
        ("pulumi.dynamic", "ReadResult"),
        ("pulumi.dynamic", "UpdateResult"),
    }
    imported = {name for file in UP_PATH_FILES for name in _pulumi_imports(ROOT / file)}
    assert imported, "the up-path files import nothing from pulumi: is UP_PATH_FILES still right?"
    assert imported <= checked, f"imports of pulumi internals not checked here: {sorted(imported - checked)}"
