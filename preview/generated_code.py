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

Two ways to the same result: by the module's text (``_compile_by_text``: the generated modules
are regular, and that way costs little more than a plain compile) and, when the text is not
shaped as expected, by its syntax tree (``_compile_by_tree``: parsing a module into Python
objects takes twice as long as compiling it, seconds for pulumi_aws's largest, once per
virtualenv). Tests hold the two to the same output.
"""

from __future__ import annotations
import __future__

import ast
import os
import re
from collections.abc import Callable
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
        elif isinstance(node, ast.ClassDef) and _is_typeddict(node):
            kept = [s for s in node.body if not isinstance(s, ast.AnnAssign)]
            node.body = kept or [ast.copy_location(ast.Pass(), node)]


def _is_typeddict(node: ast.ClassDef) -> bool:
    return any(isinstance(base, ast.Name) and base.id == "TypedDict" for base in node.bases)


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
        last = node.lineno if _is_typeddict(node) else node.end_lineno or node.lineno  # fields dropped
        refers[name] = (_identifiers(lines, start, last) & classes.keys()) - {name}
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
    body: list[ast.stmt] = []
    for node in tree.body:
        if (
            isinstance(node, ast.ImportFrom)
            and node.level == 1
            and node.module == "_inputs"
            and [a.name for a in node.names] == ["*"]
        ):
            named = _input_types_named(source, path)
            if not named:
                continue
            node.names = [ast.copy_location(ast.alias(name=n), node) for n in named]
        body.append(node)
    tree.body = body


Compiled = tuple[CodeType, dict[str, LazyClass]]


def _kind(fullname: str) -> str:
    """ "lazy" (a service's ``_inputs`` or ``outputs``), "resource" (another module of a
    pulumi_aws service) or "plain"."""
    parts = fullname.split(".")
    if parts[0] == "pulumi_aws" and len(parts) == 3:
        return "lazy" if parts[2] in LAZY_CLASS_MODULES else "resource"
    return "plain"


def compile_for_preview(source: bytes, path: str, fullname: str) -> Compiled:
    """The module's code and, for a pulumi_aws service's ``_inputs`` or ``outputs``, the classes
    left for ``define_on_first_use``."""
    try:
        return _compile_by_text(source.decode("utf-8"), path, _kind(fullname))
    except (_UnexpectedTextError, SyntaxError):
        return _compile_by_tree(source, path, fullname)


def _compile_by_tree(source: bytes, path: str, fullname: str) -> Compiled:
    tree = ast.parse(source, path)
    _drop_typeddict_fields(tree.body)
    lazy: dict[str, LazyClass] = {}
    kind = _kind(fullname)
    if kind == "lazy":
        lazy = _split_classes(tree, source.decode("utf-8").splitlines(), path)
    elif kind == "resource":
        _import_only_what_is_named(tree, source.decode("utf-8"), path)
    return compile(tree, path, "exec", flags=_FLAGS, dont_inherit=True), lazy


class _UnexpectedTextError(Exception):
    """The module's text is not shaped as ``_compile_by_text`` expects."""


_CLASS_LINE = re.compile(r"class (\w+)(?:\((.*)\))?:\s*$")
_NESTED_TYPEDDICT = re.compile(r"^[ \t]+class \w+\(TypedDict", re.M)
_STAR_IMPORT = re.compile(r"^from \._inputs import \*[ \t]*$", re.M)


def _class_blocks(lines: list[str]) -> list[tuple[int, int, int]]:
    """Each top-level class as (its first line, its ``class`` line, the line after it), from
    0: its decorators, its ``class`` line, then every line that is blank, a comment or
    indented. A line of a string that starts in column 0 ends it early; compiling the pieces
    then fails, and the caller takes the syntax tree instead."""
    blocks = []
    i, count = 0, len(lines)
    while i < count:
        if not lines[i].startswith(("@", "class ")):
            i += 1
            continue
        start = i
        while i < count and lines[i].startswith("@"):
            i += 1
        if i == count or not _CLASS_LINE.match(lines[i]):
            raise _UnexpectedTextError(f"line {start + 1}: not a one-line class statement after it")
        header = i
        i += 1
        while i < count and (not lines[i].strip() or lines[i][0] in " \t#"):
            i += 1
        blocks.append((start, header, i))
    return blocks


def _moved(code: CodeType, lines: int) -> CodeType:
    """``code``, compiled from a piece of a module, numbered as lines of the whole module."""
    consts = tuple(_moved(c, lines) if isinstance(c, CodeType) else c for c in code.co_consts)
    return code.replace(co_firstlineno=code.co_firstlineno + lines, co_consts=consts)


def _compile_by_text(text: str, path: str, kind: str) -> Compiled:
    if _NESTED_TYPEDDICT.search(text):
        raise _UnexpectedTextError("a TypedDict below the top level")
    lines = text.splitlines(keepends=True)
    blocks = _class_blocks(lines)
    for _start, header, end in blocks:  # TypedDicts without fields, in as many lines
        match = _CLASS_LINE.match(lines[header])
        assert match is not None
        if (match.group(2) or "").split(",")[0].strip() == "TypedDict":
            if end - header < 2:
                raise _UnexpectedTextError(f"line {header + 1}: a one-line TypedDict")
            lines[header + 1 : end] = ["    pass\n"] + ["\n"] * (end - header - 2)
    if kind == "resource":
        rewritten = _STAR_IMPORT.sub(lambda _: _named_import(text, path), "".join(lines))
        return compile(rewritten, path, "exec", flags=_FLAGS, dont_inherit=True), {}
    if kind != "lazy":
        return compile("".join(lines), path, "exec", flags=_FLAGS, dont_inherit=True), {}
    names = {_class_name(lines[header]) for _, header, _ in blocks}
    lazy: dict[str, LazyClass] = {}
    rest: list[str] = []  # the module without its classes, each class's lines left blank
    done = 0
    for start, header, end in blocks:
        piece = "".join(lines[start:end])
        name = _class_name(lines[header])
        code = compile(piece, path, "exec", flags=_FLAGS, dont_inherit=True)
        first = names.intersection(_IDENTIFIER.findall("".join(lines[start : header + 1])))
        refers = names.intersection(_IDENTIFIER.findall(piece))
        first.discard(name)
        refers -= first | {name}
        lazy[name] = (_moved(code, start), tuple(sorted(first)), tuple(sorted(refers)))
        rest += [*lines[done:start], "\n" * (end - start)]
        done = end
    remainder = "".join(rest + lines[done:])
    used = {n.id for n in ast.walk(ast.parse(remainder, path)) if isinstance(n, ast.Name)}
    if used & names:
        raise _UnexpectedTextError(f"the module's own statements use {sorted(used & names)[:3]}")
    return compile(remainder, path, "exec", flags=_FLAGS, dont_inherit=True), lazy


def _class_name(line: str) -> str:
    match = _CLASS_LINE.match(line)
    assert match is not None
    return match.group(1)


def _input_types_named(text: str, path: str) -> list[str]:
    """The names of the sibling ``_inputs`` module's ``__all__`` that ``text`` mentions."""
    with open(os.path.join(os.path.dirname(path), "_inputs.py"), encoding="utf-8") as handle:
        return sorted(set(names_in_all(handle.read())) & set(_IDENTIFIER.findall(text)))


def _named_import(text: str, path: str) -> str:
    """``from ._inputs import *`` as an import of the names ``text`` mentions, on one line."""
    named = _input_types_named(text, path)
    return f"from ._inputs import ({', '.join(named)})" if named else ""


def define_on_first_use(
    module: ModuleType,
    classes: dict[str, LazyClass],
    on_failure: Callable[[ModuleType, Exception], None] | None = None,
) -> None:
    """Gives ``module`` a PEP 562 ``__getattr__`` that defines a class from ``classes`` when
    asked for it, with every class it refers to. When that fails (the classes do not refer to
    one another as read), ``on_failure`` gets to define the module's names another way."""
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
        try:
            define(name)
        except Exception as error:
            if on_failure is None:
                raise
            on_failure(module, error)
        return namespace[name]

    namespace["__getattr__"] = __getattr__
