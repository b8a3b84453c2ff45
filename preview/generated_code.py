"""How the preview compiles the Pulumi providers' generated modules (``preview.fast_imports``).

Three changes, none to what a program declares (tests/preview/test_fast_imports.py runs both
stacks both ways and compares):

- **Deferred annotations**: every module compiles as if it began with ``from __future__ import
  annotations``. Its thousands of ``pulumi.Input[Optional[...]]`` hints stay text until Pulumi
  asks for one, which it resolves in the module's own namespace.
- **TypedDicts without fields** (``_drop_typeddict_fields``).
- **Input and output types defined on first use** (``_split_classes``): a pulumi_aws service's
  ``_inputs`` and ``outputs`` modules define every type of the service (``pulumi_aws.wafv2``:
  about 3,000 classes, ``pulumi_aws.ec2``: 1,200), where the program's resources reach a few.
"""

from __future__ import annotations
import __future__

import ast
import os
import re
from types import CodeType, ModuleType
from typing import Any

_FLAGS = __future__.annotations.compiler_flag
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_ALL = re.compile(r"^__all__\s*=\s*\[(.*?)\]", re.S | re.M)

LazyClass = tuple[CodeType, tuple[str, ...], tuple[str, ...]]
"""A class's own code, the names it needs defined first (bases, decorators), then the names
its body and hints refer to."""

LAZY_CLASS_MODULES = ("_inputs", "outputs")
"""The modules of a pulumi_aws service whose classes are defined on first use."""


def names_in_all(source: str) -> list[str]:
    """The names a generated module lists in ``__all__`` (read as text, not imported)."""
    match = _ALL.search(source)
    return re.findall(r"['\"](\w+)['\"]", match.group(1)) if match else []


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


def _identifiers(lines: list[str], first: int, last: int) -> set[str]:
    return set(_IDENTIFIER.findall("\n".join(lines[first - 1 : last])))


def _split_classes(tree: ast.Module, lines: list[str], path: str) -> dict[str, LazyClass]:
    """Takes the module's top-level classes out of ``tree``, each compiled on its own.

    What a class refers to is read from its text (every identifier that names another class
    of the module: hints, docstrings too), so defining one defines all it can lead to, and
    Pulumi, resolving its hints in the module's namespace, finds them there. A class the
    module's other statements use stays in ``tree``, with all it leads to.
    """
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    rest = [node for node in tree.body if not isinstance(node, ast.ClassDef)]
    refers: dict[str, set[str]] = {}
    first: dict[str, set[str]] = {}
    for name, node in classes.items():
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        refers[name] = (_identifiers(lines, start, node.end_lineno or node.lineno) & classes.keys()) - {name}
        header = [*node.bases, *node.keywords, *node.decorator_list]
        first[name] = {n.id for h in header for n in ast.walk(h) if isinstance(n, ast.Name)} & classes.keys()
    eager: set[str] = set()
    pending = [n.id for s in rest for n in ast.walk(s) if isinstance(n, ast.Name) and n.id in classes]
    while pending:
        name = pending.pop()
        if name not in eager:
            eager.add(name)
            pending.extend(refers[name])
    tree.body = [node for node in tree.body if not isinstance(node, ast.ClassDef) or node.name in eager]
    return {
        name: (
            compile(ast.Module(body=[node], type_ignores=[]), path, "exec", flags=_FLAGS, dont_inherit=True),
            tuple(sorted(first[name])),
            tuple(sorted(refers[name] - first[name])),
        )
        for name, node in classes.items()
        if name not in eager
    }


def _import_only_what_is_named(tree: ast.Module, source: str, path: str) -> None:
    """Turns ``from ._inputs import *`` into an import of the names this module mentions.

    A star import would ask the ``_inputs`` module for every name in its ``__all__``, which
    defines them all; the generated resource modules use those names in their hints only."""
    sibling = os.path.join(os.path.dirname(path), "_inputs.py")
    body: list[ast.stmt] = []
    for node in tree.body:
        if (
            isinstance(node, ast.ImportFrom)
            and node.level == 1
            and node.module == "_inputs"
            and [a.name for a in node.names] == ["*"]
        ):
            with open(sibling, encoding="utf-8") as handle:
                named = sorted(set(names_in_all(handle.read())) & set(_IDENTIFIER.findall(source)))
            if not named:
                continue
            node.names = [ast.copy_location(ast.alias(name=n), node) for n in named]
        body.append(node)
    tree.body = body


def compile_for_preview(source: bytes, path: str, fullname: str) -> tuple[CodeType, dict[str, LazyClass]]:
    """The module's code and, for a pulumi_aws service's ``_inputs`` or ``outputs``, the classes
    left for ``define_on_first_use``."""
    tree = ast.parse(source, path)
    _drop_typeddict_fields(tree.body)
    lazy: dict[str, LazyClass] = {}
    parts = fullname.split(".")
    if parts[0] == "pulumi_aws" and len(parts) == 3:
        text = source.decode("utf-8")
        if parts[2] in LAZY_CLASS_MODULES:
            lazy = _split_classes(tree, text.splitlines(), path)
        else:
            _import_only_what_is_named(tree, text, path)
    return compile(tree, path, "exec", flags=_FLAGS, dont_inherit=True), lazy


def define_on_first_use(module: ModuleType, classes: dict[str, LazyClass]) -> None:
    """Gives ``module`` a PEP 562 ``__getattr__`` that defines a class from ``classes`` when
    asked for it, with every class it refers to."""
    namespace = module.__dict__
    defined: set[str] = set()

    def define(name: str) -> None:
        pending = [name]  # a worklist, not recursion: wafv2's chains run thousands deep
        while pending:
            current = pending.pop()
            if current in defined:
                continue
            code, needed_first, refers = classes[current]
            missing = [other for other in needed_first if other not in defined]
            if missing:
                pending += [current, *missing]
                continue
            defined.add(current)
            exec(code, namespace)
            pending += refers

    def __getattr__(name: str) -> Any:  # noqa: N807 (PEP 562 module hook)
        if name not in classes:
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")
        define(name)
        return namespace[name]

    namespace["__getattr__"] = __getattr__
