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

It rests on how the providers' code is generated. When that stops holding (a module it cannot
compile or run as compiled, a class it cannot define on first use, a name the service's index
places in a module that lacks it), it falls back by itself: that module or package is loaded as
usual, every later import too, and one line on stderr says so (``_fall_back``).
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

FALLBACK_NOTICE = "preview: fast start off, importing the providers as usual ({reason})"
_fell_back: list[str] = []
"""The reason of the first fallback, once there was one."""


def _fall_back(reason: str) -> None:
    """Take the finder out of the import system, so every later import is the usual one, and
    say so on stderr, once per process."""
    sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, _LazyServiceFinder)]
    if not _fell_back:
        _fell_back.append(reason)
        print(FALLBACK_NOTICE.format(reason=reason), file=sys.stderr, flush=True)


def _failure(where: str, error: BaseException) -> str:
    return f"{where}: {type(error).__name__}: {error}"


def _plain_code(name: str, path: str) -> CodeType:
    """The module's code as the usual import compiles it (its __pycache__ included)."""
    code = importlib.machinery.SourceFileLoader(name, path).get_code(name)
    if code is None:
        raise ImportError(f"no code for {name} at {path}")
    return code


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
            defining = importlib.import_module(f"{package}.{index[name]}")
            if not hasattr(defining, name):  # the index, read from __all__, is wrong
                _fall_back(f"{package}.{index[name]} lacks {name}, which its __all__ names")
                del module.__getattr__
                exec(_plain_code(package, sources[1]), module.__dict__)  # the package as usual
                return getattr(module, name)
            value = getattr(defining, name)
            setattr(module, name, value)
            return value

        module.__getattr__ = __getattr__  # type: ignore[method-assign]


class _GeneratedCodeLoader(importlib.machinery.SourceFileLoader):
    """Loads a pulumi_aws or pulumi_docker module as ``preview.generated_code`` compiles it."""

    def exec_module(self, module: ModuleType) -> None:
        name = module.__name__
        try:
            code, classes = self._compiled(name)
            if classes:
                define_on_first_use(module, classes, on_failure=self._define_as_usual)
            exec(code, module.__dict__)
        except Exception as error:  # an assumption about the generated code failed
            _fall_back(_failure(name, error))
            module.__dict__.pop("__getattr__", None)
            exec(_plain_code(name, self.get_filename(name)), module.__dict__)

    def _define_as_usual(self, module: ModuleType, error: Exception) -> None:
        """A class that could not be defined on first use: run the whole module as usual, keeping
        the classes defined so far (they may be referred to already)."""
        _fall_back(_failure(module.__name__, error))
        namespace = module.__dict__
        namespace.pop("__getattr__", None)
        kept = dict(namespace)
        exec(_plain_code(module.__name__, self.get_filename(module.__name__)), namespace)
        namespace.update(kept)

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
