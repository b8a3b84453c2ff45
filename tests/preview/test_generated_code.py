"""How the preview compiles the providers' generated modules (preview/generated_code.py), on
small modules written like them. tests/preview/test_fast_imports.py runs the real stacks."""

from __future__ import annotations

import typing
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

import pulumi_aws
import pytest

from preview import generated_code
from preview.generated_code import Compiled, compile_for_preview, define_on_first_use

PULUMI_AWS = Path(pulumi_aws.__file__).parent
"""The installed package, wherever the environment is (not only ./venv)."""


def _by_tree(source: bytes, path: str, fullname: str) -> Compiled:
    return generated_code._compile_by_tree(source, path, fullname)


def _by_text(source: bytes, path: str, fullname: str) -> Compiled:
    return generated_code._compile_by_text(source.decode(), path, generated_code._kind(fullname))


BOTH = pytest.mark.parametrize("compiled_by", [_by_text, _by_tree], ids=["text", "tree"])

TYPED_DICTS = b'''
from typing import Optional, TypedDict
import pulumi

class ThingArgsDict(TypedDict):
    name: pulumi.Input[str]
    """The thing's name."""
    size: Optional[pulumi.Input[int]]

class ThingArgs:
    name: pulumi.Input[str]
'''

NESTED_TYPED_DICTS = (
    TYPED_DICTS
    + b"""
MYPY = False
if not MYPY:
    class OtherArgsDict(TypedDict):
        other: pulumi.Input[str]
if MYPY:
    pass
else:
    class ElseArgsDict(TypedDict):
        other: pulumi.Input[str]
"""
)


@BOTH
def test_only_typeddicts_lose_their_fields_and_annotations_stay_text(compiled_by: Any) -> None:
    code, lazy = compiled_by(TYPED_DICTS, "generated.py", "pulumi_docker.generated")
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    assert lazy == {}  # classes are defined on first use only in a pulumi_aws service
    typed_dict = namespace["ThingArgsDict"]
    assert typing.is_typeddict(typed_dict) and typed_dict.__annotations__ == {}
    assert typed_dict(name="x") == {"name": "x"}  # still makes a plain dict
    assert namespace["ThingArgs"].__annotations__ == {"name": "pulumi.Input[str]"}


def test_typeddicts_below_the_top_level_are_left_to_the_syntax_tree() -> None:
    with pytest.raises(generated_code._UnexpectedTextError, match="below the top level"):
        _by_text(NESTED_TYPED_DICTS, "generated.py", "pulumi_docker.generated")
    code, _ = compile_for_preview(NESTED_TYPED_DICTS, "generated.py", "pulumi_docker.generated")
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    for typed_dict in ("ThingArgsDict", "OtherArgsDict", "ElseArgsDict"):
        assert typing.is_typeddict(namespace[typed_dict])
        assert namespace[typed_dict].__annotations__ == {}
        assert namespace[typed_dict](name="x") == {"name": "x"}  # still makes a plain dict
    assert namespace["ThingArgs"].__annotations__ == {"name": "pulumi.Input[str]"}


INPUTS = b"""
from typing import Optional

__all__ = ["RuleArgs", "StatementArgs", "MatchArgs", "UnusedArgs", "Child"]

class RuleArgs:
    statement: Optional["StatementArgs"]

class StatementArgs:
    def match(self) -> Optional["MatchArgs"]: ...

class MatchArgs:
    pattern: str

class UnusedArgs:
    pass

def decorate(cls):
    cls.decorated = True
    return cls

class Base:
    pass

@decorate
class Child(Base):
    pass
"""


def _module(
    source: bytes, name: str = "pulumi_aws.svc._inputs", compiled_by: Any = compile_for_preview
) -> tuple[ModuleType, dict[str, Any]]:
    code, lazy = compiled_by(source, "_inputs.py", name)
    module = ModuleType(name)
    define_on_first_use(module, lazy)
    exec(code, module.__dict__)
    return module, lazy


@BOTH
def test_a_services_input_types_are_defined_when_first_asked_for_with_all_they_refer_to(
    compiled_by: Any,
) -> None:
    module, lazy = _module(INPUTS, compiled_by=compiled_by)
    assert lazy.keys() == {"RuleArgs", "StatementArgs", "MatchArgs", "UnusedArgs", "Child", "Base"}
    assert "RuleArgs" not in vars(module)
    # Numbered as lines of the whole module, for tracebacks.
    body = next(c for c in lazy["MatchArgs"][0].co_consts if isinstance(c, CodeType))
    assert body.co_firstlineno == INPUTS.decode().splitlines().index("class MatchArgs:") + 1
    rule = module.RuleArgs
    # Its hint and its hint's hint resolve in the module's namespace, as Pulumi resolves them
    # (a copy of it, and locals of its own).
    namespace = dict(vars(module))
    assert typing.get_type_hints(rule, namespace, {})["statement"] == module.StatementArgs | None
    match = typing.get_type_hints(module.StatementArgs.match, namespace, {})
    assert match["return"] == module.MatchArgs | None
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


USED_BY_THE_MODULE = (
    INPUTS
    + b"""
class ListedPart:
    pass

class Listed:
    part: "ListedPart"

DEFAULT = Listed  # a top-level statement uses it
"""
)

ODD_TEXT = (
    INPUTS
    + b'''
class Documented:
    """A docstring with a line that starts in column 0:
class NotAClass: this is text
    """
'''
)


def test_a_class_the_module_itself_uses_is_defined_with_the_module() -> None:
    with pytest.raises(generated_code._UnexpectedTextError, match="the module's own statements use"):
        _by_text(USED_BY_THE_MODULE, "_inputs.py", "pulumi_aws.svc._inputs")
    module, lazy = _module(USED_BY_THE_MODULE)  # by its syntax tree
    assert "Listed" in vars(module) and "ListedPart" in vars(module)
    assert "Listed" not in lazy and "RuleArgs" in lazy


def test_text_the_fast_way_cannot_split_is_compiled_from_its_syntax_tree() -> None:
    with pytest.raises((generated_code._UnexpectedTextError, SyntaxError)):
        _by_text(ODD_TEXT, "_inputs.py", "pulumi_aws.svc._inputs")
    module, lazy = _module(ODD_TEXT)
    assert "Documented" in lazy and "NotAClass" not in lazy
    assert "column 0" in (module.Documented.__doc__ or "")


@pytest.mark.parametrize("service", ["ecs", "codedeploy"])
def test_both_ways_agree_on_a_real_service(service: str) -> None:
    """The same classes left for later, needing and leading to the same others."""
    files = sorted((PULUMI_AWS / service).glob("*.py"))
    assert {"__init__.py", "_inputs.py", "outputs.py"} < {f.name for f in files}, files
    for file in files:
        fullname = f"pulumi_aws.{service}.{file.stem}"
        text_code, text_lazy = _by_text(file.read_bytes(), str(file), fullname)
        tree_code, tree_lazy = _by_tree(file.read_bytes(), str(file), fullname)
        assert {k: v[1:] for k, v in text_lazy.items()} == {k: v[1:] for k, v in tree_lazy.items()}, file
        assert set(text_code.co_names) == set(tree_code.co_names), file


def test_other_modules_and_packages_keep_every_class() -> None:
    _, lazy = _module(INPUTS, "pulumi_aws.svc.rule")
    assert lazy == {}
    _, lazy = _module(INPUTS, "pulumi_docker._inputs")
    assert lazy == {}


RESOURCE = (
    "from . import outputs\nfrom ._inputs import *\n"
    "class Rule:\n    def __init__(self, s: 'StatementArgs', r: 'RuleArgs'): ...\n"
)


@BOTH
def test_a_resource_module_imports_only_the_input_types_it_names(compiled_by: Any, tmp_path: Path) -> None:
    (tmp_path / "_inputs.py").write_bytes(INPUTS)
    code, _ = compiled_by(RESOURCE.encode(), str(tmp_path / "rule.py"), "pulumi_aws.svc.rule")
    assert {"RuleArgs", "StatementArgs"} <= set(code.co_names)
    assert not {"MatchArgs", "UnusedArgs", "*"} & set(code.co_names)
    plain, _ = compiled_by(
        b"from ._inputs import *\nclass Plain:\n    pass\n", str(tmp_path / "p.py"), "pulumi_aws.svc.p"
    )
    assert "_inputs" not in plain.co_names
