"""Faster start for `python -m preview`: load the Pulumi providers' modules on demand.

Each ``pulumi_aws.<service>/__init__.py`` star-imports every resource module of its
service (``pulumi_aws.ec2``: about 180) though the program uses a dozen; importing them is
most of the preview's run time (docs/benchmarks.md). This meta-path finder gives each
service package a PEP 562 ``__getattr__`` that imports only the module defining the name
asked for, loads pulumi_aws's and pulumi_docker's modules as ``preview.generated_code``
compiles them (annotations deferred, TypedDicts without fields, input and output types
defined on first use), and leaves pulumi's Automation API unexecuted. It keeps what it
compiled in the virtualenv's preview-pycache, apart from __pycache__. It changes what is
imported and how fast, never what the program declares (a test compares both ways). Only the
preview's own process uses it; `pulumi up` and the tests import as usual.
``PREVIEW_EAGER_IMPORTS=1`` turns it off.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import marshal
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from importlib.machinery import ModuleSpec
from types import CodeType, ModuleType
from typing import Any

from preview.generated_code import LazyClass, compile_for_preview, define_on_first_use, names_in_all

# Where the preview keeps what it compiled: apart from __pycache__, so ordinary imports (tests,
# `pulumi up`) never load it; in the environment whose packages it compiles, so every checkout
# using that virtualenv shares it (the temporary worktrees of `make preview-diff` among them)
# and it goes when the venv goes.
CACHE_DIR = os.path.join(sys.prefix, "preview-pycache")
_CACHE_FORMAT = b"generated-code-4"

# What ``import pulumi`` loads and a program under the mock engine never uses (the Automation
# API, a thirtieth of the preview): it executes only if something reads one of its names.
UNUSED_BY_THE_PREVIEW = ("pulumi.automation",)


def _kept(name: str, sources: Sequence[str], make: Callable[[], Any]) -> Any:
    """What ``make`` returns, kept in CACHE_DIR until a file or folder in ``sources`` changes
    (a reinstalled package writes new files, with new times)."""
    stats = [os.stat(source) for source in sources]
    key = hashlib.sha256(
        b"|".join(
            [_CACHE_FORMAT, sys.version.encode()]
            + [f"{s}:{st.st_mtime_ns}:{st.st_size}".encode() for s, st in zip(sources, stats, strict=True)]
        )
    ).hexdigest()
    cached = os.path.join(CACHE_DIR, f"{name}-{key[:16]}.bin")
    try:
        with open(cached, "rb") as handle:
            return marshal.loads(handle.read())
    except (OSError, EOFError, ValueError, TypeError):
        pass
    value = make()
    try:
        os.makedirs(CACHE_DIR, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=CACHE_DIR, delete=False) as partial:
            partial.write(marshal.dumps(value))
        os.replace(partial.name, cached)  # whole or absent, even with two previews at once
    except OSError:
        pass  # a read-only environment only loses the cache
    return value


def _service_index(directory: str) -> dict[str, str]:
    """Which module of a service defines which name, from each module's ``__all__`` (text, not
    imports)."""
    index: dict[str, str] = {}
    for file in sorted(os.listdir(directory)):
        if file.endswith(".py") and file != "__init__.py":
            with open(os.path.join(directory, file), encoding="utf-8") as handle:
                for name in names_in_all(handle.read()):
                    index.setdefault(name, file[:-3])
    return index


class _LazyServiceLoader(importlib.abc.Loader):
    def __init__(self, directory: str) -> None:
        self.directory = directory

    def create_module(self, spec: ModuleSpec) -> None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        package = module.__name__
        sources = [self.directory, os.path.join(self.directory, "__init__.py")]
        index: dict[str, str] = _kept(f"{package}-index", sources, lambda: _service_index(self.directory))

        def __getattr__(name: str) -> Any:  # noqa: N807 (PEP 562 module hook)
            if name in ("outputs", "_inputs", "_enums"):
                return importlib.import_module(f"{package}.{name}")
            if name not in index:
                raise AttributeError(f"module {package!r} has no attribute {name!r}")
            value = getattr(importlib.import_module(f"{package}.{index[name]}"), name)
            setattr(module, name, value)
            return value

        module.__getattr__ = __getattr__  # type: ignore[method-assign]


class _GeneratedCodeLoader(importlib.machinery.SourceFileLoader):
    """Loads a pulumi_aws or pulumi_docker module as ``preview.generated_code`` compiles it."""

    def exec_module(self, module: ModuleType) -> None:
        code, classes = self._compiled(module.__name__)
        if classes:
            define_on_first_use(module, classes)
        exec(code, module.__dict__)

    def get_code(self, fullname: str) -> Any:
        return self._compiled(fullname)[0]

    def _compiled(self, fullname: str) -> tuple[CodeType, dict[str, LazyClass]]:
        path = self.get_filename(fullname)
        code, classes = _kept(
            fullname, [path], lambda: compile_for_preview(self.get_data(path), path, fullname)
        )
        return code, classes


def _generated(parts: list[str]) -> bool:
    """A pulumi_aws service's module, or a pulumi_docker module: both generated the same way."""
    if parts[0] == "pulumi_aws":
        return len(parts) == 3 and not parts[1].startswith("_")
    return parts[0] == "pulumi_docker" and len(parts) == 2


class _LazyServiceFinder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        parts = fullname.split(".")
        if fullname in UNUSED_BY_THE_PREVIEW:
            spec = importlib.machinery.PathFinder.find_spec(fullname, path)
            if spec is not None and spec.loader is not None:
                spec.loader = importlib.util.LazyLoader(spec.loader)
            return spec
        if _generated(parts):
            spec = importlib.machinery.PathFinder.find_spec(fullname, path)
            if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
                return spec
            loader = _GeneratedCodeLoader(fullname, spec.origin)
            return importlib.util.spec_from_file_location(fullname, spec.origin, loader=loader)
        if len(parts) != 2 or parts[0] != "pulumi_aws" or parts[1].startswith("_"):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not spec.submodule_search_locations:
            return None  # a plain module (config, provider): the normal import
        directory = next(iter(spec.submodule_search_locations))
        lazy = importlib.util.spec_from_loader(fullname, _LazyServiceLoader(directory), is_package=True)
        assert lazy is not None
        lazy.submodule_search_locations = [directory]
        return lazy


def install() -> bool:
    """Put the lazy finder in front of the import system, unless pulumi, pulumi_aws or
    pulumi_docker is loaded already (call it first: ``python -m preview`` does, tests do not)."""
    loaded = {"pulumi", "pulumi_aws", "pulumi_docker"} & set(sys.modules)
    if os.environ.get("PREVIEW_EAGER_IMPORTS") == "1" or loaded:
        return False
    if not any(isinstance(finder, _LazyServiceFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _LazyServiceFinder())
    return True
