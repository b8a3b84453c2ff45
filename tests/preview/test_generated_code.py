"""How the preview compiles the providers' generated modules (preview/generated_code.py), on
small modules written like them. tests/preview/test_fast_imports.py runs the real stacks."""

from __future__ import annotations

import ast
import typing
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from preview.generated_code import _import_only_what_is_named, compile_for_preview, define_on_first_use

TYPED_DICTS = b'''
from typing import Optional, TypedDict
import pulumi

class ThingArgsDict(TypedDict):
    name: pulumi.Input[str]
    """The thing's name."""
    size: Optional[pulumi.Input[int]]

MYPY = False
if not MYPY:
    class OtherArgsDict(TypedDict):
        other: pulumi.Input[str]
if MYPY:
    pass
else:
    class ElseArgsDict(TypedDict):
        other: pulumi.Input[str]

class ThingArgs:
    name: pulumi.Input[str]
'''


def test_only_typeddicts_lose_their_fields_and_annotations_stay_text() -> None:
    code, lazy = compile_for_preview(TYPED_DICTS, "generated.py", "pulumi_docker.generated")
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    assert lazy == {}  # classes are defined on first use only in a pulumi_aws service
    for typed_dict in ("ThingArgsDict", "OtherArgsDict", "ElseArgsDict"):
        assert typing.is_typeddict(namespace[typed_dict])
        assert namespace[typed_dict].__annotations__ == {}
        assert namespace[typed_dict](name="x") == {"name": "x"}  # still makes a plain dict
    assert namespace["ThingArgs"].__annotations__ == {"name": "pulumi.Input[str]"}


INPUTS = b"""
from typing import Optional

__all__ = ["RuleArgs", "StatementArgs", "MatchArgs", "UnusedArgs", "Listed", "ListedPart", "Child"]

class RuleArgs:
    statement: Optional["StatementArgs"]

class StatementArgs:
    def match(self) -> Optional["MatchArgs"]: ...

class MatchArgs:
    pattern: str

class UnusedArgs:
    pass

class ListedPart:
    pass

class Listed:
    part: "ListedPart"

DEFAULT = Listed  # a top-level statement uses it: defined with the module

def decorate(cls):
    cls.decorated = True
    return cls

class Base:
    pass

@decorate
class Child(Base):
    pass
"""


def _module(source: bytes, name: str = "pulumi_aws.svc._inputs") -> tuple[ModuleType, dict[str, Any]]:
    code, lazy = compile_for_preview(source, "_inputs.py", name)
    module = ModuleType(name)
    define_on_first_use(module, lazy)
    exec(code, module.__dict__)
    return module, lazy


def test_a_services_input_types_are_defined_when_first_asked_for_with_all_they_refer_to() -> None:
    module, lazy = _module(INPUTS)
    assert {"RuleArgs", "StatementArgs", "MatchArgs", "UnusedArgs", "Child", "Base"} <= lazy.keys()
    assert "Listed" in vars(module) and "ListedPart" in vars(module)  # needed by the module itself
    assert "RuleArgs" not in vars(module)
    rule = module.RuleArgs
    # Its hint and its hint's hint resolve in the module's namespace, as Pulumi resolves them.
    namespace = dict(vars(module))
    assert typing.get_type_hints(rule, namespace)["statement"] == module.StatementArgs | None
    assert typing.get_type_hints(module.StatementArgs.match, namespace)["return"] == module.MatchArgs | None
    assert {"StatementArgs", "MatchArgs"} <= vars(module).keys()
    assert "UnusedArgs" not in vars(module)
    # A base class (and a decorator's target) is defined before the class that needs it.
    assert module.Child.decorated is True and issubclass(module.Child, module.Base)
    with pytest.raises(AttributeError, match=r"'pulumi_aws\.svc\._inputs' has no attribute 'Missing'"):
        module.Missing  # noqa: B018


def test_a_chain_thousands_of_types_long_is_defined_without_recursion() -> None:
    chain = (
        "\n".join(f"class T{i}:\n    next: 'T{i + 1}'\n" for i in range(3000)) + "class T3000:\n    pass\n"
    )
    module, _ = _module(chain.encode())
    module.T0  # noqa: B018
    assert "T3000" in vars(module)


def test_other_modules_and_packages_keep_every_class() -> None:
    _, lazy = _module(INPUTS, "pulumi_aws.svc.rule")
    assert lazy == {}
    _, lazy = _module(INPUTS, "pulumi_docker._inputs")
    assert lazy == {}


def _star_import_rewritten(tmp_path: Path, resource: str) -> list[str] | None:
    (tmp_path / "_inputs.py").write_text(INPUTS.decode())
    tree = ast.parse(resource)
    _import_only_what_is_named(tree, resource, str(tmp_path / "rule.py"))
    found = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "_inputs"]
    return [a.name for a in found[0].names] if found else None


def test_a_resource_module_imports_only_the_input_types_it_names(tmp_path: Path) -> None:
    resource = (
        "from . import outputs\nfrom ._inputs import *\n"
        "class Rule:\n    def __init__(self, s: 'StatementArgs', r: 'RuleArgs'): ...\n"
    )
    assert _star_import_rewritten(tmp_path, resource) == ["RuleArgs", "StatementArgs"]
    assert _star_import_rewritten(tmp_path, "from ._inputs import *\nclass Plain: ...\n") is None
