"""Faster start for `python -m preview`: load pulumi_aws's service modules on demand.

Each ``pulumi_aws.<service>/__init__.py`` star-imports every resource module of its
service (``pulumi_aws.ec2``: about 180) though the program uses a dozen; importing them is
most of the preview's run time (docs/benchmarks.md). This meta-path finder gives each
service package a PEP 562 ``__getattr__`` that imports only the module defining the name
asked for, and compiles pulumi_aws's and pulumi_docker's modules with deferred annotations
and without the fields of their ``TypedDict`` classes (kept as bytecode in the virtualenv's
preview-pycache, apart from __pycache__). It changes what is imported and how fast, never
what the program declares (a test compares both ways). Only the preview's own process uses
it; `pulumi up` and the tests import pulumi_aws as usual. ``PREVIEW_EAGER_IMPORTS=1`` turns
it off.
"""

from __future__ import annotations
import __future__

import ast
import hashlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import marshal
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

_ALL = re.compile(r"^__all__\s*=\s*\[(.*?)\]", re.S | re.M)


class _LazyServiceLoader(importlib.abc.Loader):
    def __init__(self, directory: str) -> None:
        self.directory = directory

    def create_module(self, spec: ModuleSpec) -> None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        # Which module defines which name, from each module's __all__ (text, not imports).
        index: dict[str, str] = {}
        for file in sorted(os.listdir(self.directory)):
            if file.endswith(".py") and file != "__init__.py":
                with open(os.path.join(self.directory, file), encoding="utf-8") as handle:
                    match = _ALL.search(handle.read())
                for name in re.findall(r"['\"](\w+)['\"]", match.group(1)) if match else []:
                    index.setdefault(name, file[:-3])
        package = module.__name__

        def __getattr__(name: str) -> Any:  # noqa: N807 (PEP 562 module hook)
            if name in ("outputs", "_inputs", "_enums"):
                return importlib.import_module(f"{package}.{name}")
            if name not in index:
                raise AttributeError(f"module {package!r} has no attribute {name!r}")
            value = getattr(importlib.import_module(f"{package}.{index[name]}"), name)
            setattr(module, name, value)
            return value

        module.__getattr__ = __getattr__  # type: ignore[method-assign]


# Where the preview keeps pulumi_aws bytecode compiled with deferred annotations: apart from
# __pycache__, so ordinary imports (tests, `pulumi up`) never load it; in the environment
# whose pulumi_aws it compiles, so every checkout using that virtualenv shares it (the
# temporary worktrees of `make preview-diff` among them) and it goes when the venv goes.
CACHE_DIR = os.path.join(sys.prefix, "preview-pycache")
_CACHE_FORMAT = b"deferred-annotations-2"


def _drop_typeddict_fields(statements: list[ast.stmt]) -> None:
    """Leaves each ``class X(TypedDict)`` among ``statements`` without its annotated fields.

    pulumi_aws pairs every input type with an ``...ArgsDict`` TypedDict (``pulumi_aws.wafv2``:
    about a thousand) that exists for type checkers. Creating one type-checks each field's
    annotation, which deferred annotations turn into compiling a ``ForwardRef`` per field: a
    tenth of the preview's run time. At run time Pulumi only asks whether a class is a
    TypedDict (``typing.is_typeddict``, to skip it in a union), and an instance is a plain
    dict either way, so each stays a TypedDict, only without the fields no one reads. The
    generated modules define them at top level, or under a top-level ``if``.
    """
    for node in statements:
        if isinstance(node, ast.If):
            _drop_typeddict_fields(node.body)
            _drop_typeddict_fields(node.orelse)
        elif isinstance(node, ast.ClassDef) and any(
            isinstance(base, ast.Name) and base.id == "TypedDict" for base in node.bases
        ):
            kept = [s for s in node.body if not isinstance(s, ast.AnnAssign)]
            node.body = kept or [ast.copy_location(ast.Pass(), node)]


def _compile_for_preview(source: bytes, path: str) -> Any:
    tree = ast.parse(source, path)
    _drop_typeddict_fields(tree.body)
    return compile(
        tree,
        path,
        "exec",
        flags=__future__.annotations.compiler_flag,
        dont_inherit=True,
    )


class _DeferredAnnotationsLoader(importlib.machinery.SourceFileLoader):
    """Compiles a pulumi_aws or pulumi_docker module as if it began with
    ``from __future__ import annotations``, its TypedDicts without fields
    (``_drop_typeddict_fields``).

    Its generated classes annotate thousands of parameters with ``pulumi.Input[Optional[...]]``;
    evaluating those typing subscriptions at import is most of the cost of importing a service
    module. Deferred, they stay strings until something asks for the hints, and Pulumi
    resolves them in the module's own namespace when it serializes inputs, so what the
    program declares does not change (tests/preview/test_fast_imports.py compares both ways).
    """

    def get_code(self, fullname: str) -> Any:
        path = self.get_filename(fullname)
        stat = os.stat(path)
        key = hashlib.sha256(
            b"|".join(
                [
                    _CACHE_FORMAT,
                    sys.version.encode(),
                    path.encode(),
                    str(stat.st_mtime_ns).encode(),
                    str(stat.st_size).encode(),
                ]
            )
        ).hexdigest()
        cached = os.path.join(CACHE_DIR, f"{fullname}-{key[:16]}.bin")
        try:
            with open(cached, "rb") as handle:
                return marshal.loads(handle.read())
        except (OSError, EOFError, ValueError, TypeError):
            pass
        code = _compile_for_preview(self.get_data(path), path)
        try:
            os.makedirs(CACHE_DIR, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=CACHE_DIR, delete=False) as partial:
                partial.write(marshal.dumps(code))
            os.replace(partial.name, cached)  # whole or absent, even with two previews at once
        except OSError:
            pass  # a read-only checkout only loses the cache
        return code


def _deferred(parts: list[str]) -> bool:
    """A pulumi_aws service's module, or a pulumi_docker module: both generated the same way."""
    if parts[0] == "pulumi_aws":
        return len(parts) == 3 and not parts[1].startswith("_")
    return parts[0] == "pulumi_docker" and len(parts) == 2


class _LazyServiceFinder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        parts = fullname.split(".")
        if _deferred(parts):
            spec = importlib.machinery.PathFinder.find_spec(fullname, path)
            if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
                return spec
            loader = _DeferredAnnotationsLoader(fullname, spec.origin)
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
    """Put the lazy finder in front of the import system, unless pulumi_aws or pulumi_docker is
    loaded already."""
    if os.environ.get("PREVIEW_EAGER_IMPORTS") == "1" or {"pulumi_aws", "pulumi_docker"} & set(sys.modules):
        return False
    if not any(isinstance(finder, _LazyServiceFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _LazyServiceFinder())
    return True
