"""Helpers: resources as the policy runtime sees them, and running the pack's policies on them.

Arguments are the real ``pulumi_policy`` classes with props wrapped in the runtime's
unknown-checking proxy, so a check that reads an unknown value the wrong way fails here as
it would in a preview. Only ``policy.guardrails`` is imported: ``policy/__main__.py`` builds
the ``PolicyPack``, which starts a gRPC server and blocks.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from pulumi_policy import (
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import unknown_checking_proxy

from policy.guardrails import build_policies

PROJECT = "fargate-bluegreen"


@dataclass(frozen=True)
class Res:
    """A resource: its inputs (what resource policies see) and its state (what stack policies see)."""

    type: str
    name: str
    urn: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]


def res(type_: str, name: str, props: dict[str, Any], stack: str = "test") -> Res:
    """A hand-made resource whose inputs and state are both ``props``."""
    urn = f"urn:pulumi:{stack}::{PROJECT}::{type_}::{name}"
    return Res(type_, name, urn, copy.deepcopy(props), copy.deepcopy(props))


def from_recorded(recorded: Any) -> Res:
    """A resource the real program registered under mocks (tests/program/harness.py)."""
    return Res(recorded.type, recorded.name, recorded.urn, recorded.inputs, recorded.outputs)


DELETE = object()
"""Pass as the value to ``mutated`` to remove the property."""


def _set_path(target: dict[str, Any], path: Sequence[str | int], value: Any) -> None:
    node: Any = target
    for key in path[:-1]:
        node = node[key]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value


def mutated(resource: Res, path: Sequence[str | int], value: Any) -> Res:
    """A copy of ``resource`` with ``path`` set to ``value`` (or removed, with DELETE) everywhere."""
    inputs, outputs = copy.deepcopy(resource.inputs), copy.deepcopy(resource.outputs)
    _set_path(inputs, path, value)
    _set_path(outputs, path, value if value is DELETE else copy.deepcopy(value))
    return replace(resource, inputs=inputs, outputs=outputs)


def mutated_json(resource: Res, key: str, change: Callable[[Any], None]) -> Res:
    """A copy of ``resource`` whose JSON-text property ``key`` was parsed, changed and re-encoded."""
    document = json.loads(resource.inputs[key])
    change(document)
    return mutated(resource, [key], json.dumps(document))


_IMMUTABLE = (str, int, float, bool, type(None))


def _copied(value: Any) -> Any:
    """A deep copy of a resource's JSON-like properties, so no policy can change what another
    sees: dicts and lists rebuilt, immutable leaves shared, anything else deep-copied. The
    policy tests hand every resource to each of the 14 policies, where copy.deepcopy was a fifth of
    their time."""
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value if isinstance(value, _IMMUTABLE) else copy.deepcopy(value)


def resource_args(resource: Res) -> ResourceValidationArgs:
    props = unknown_checking_proxy(_copied(resource.inputs))
    return ResourceValidationArgs(resource.type, props, resource.urn, resource.name, None, None)  # type: ignore[arg-type]


def stack_args(resources: Sequence[Res]) -> StackValidationArgs:
    policy_resources = [
        PolicyResource(
            r.type,
            unknown_checking_proxy(_copied(r.outputs)),
            r.urn,
            r.name,
            None,  # type: ignore[arg-type]
            None,
            None,
            [],
            {},
        )
        for r in resources
    ]
    return StackValidationArgs(policy_resources)


Reported = list[tuple[str, str | None]]


def run_policy(policy: Any, resources: Sequence[Res]) -> Reported:
    """What one policy reports on a stack: resource policies per resource, stack policies once."""
    reported: Reported = []

    def report(message: str, urn: str | None = None) -> None:
        reported.append((message, urn))

    if isinstance(policy, ResourceValidationPolicy):
        for resource in resources:
            policy.validate(resource_args(resource), report)
    elif isinstance(policy, StackValidationPolicy):
        policy.validate(stack_args(resources), report)
    else:  # pragma: no cover - the pack has only these two kinds
        raise TypeError(policy)
    return reported


def evaluate(resources: Sequence[Res], stack: str) -> dict[str, Reported]:
    """Every policy of the pack on ``resources`` of ``stack``: policy name -> violations, if any."""
    results = {p.name: run_policy(p, resources) for p in build_policies(lambda: stack)}
    return {name: reported for name, reported in results.items() if reported}


def policy_named(name: str, stack: str = "test") -> Any:
    found = [p for p in build_policies(lambda: stack) if p.name == name]
    assert len(found) == 1, f"no single policy named {name!r}"
    return found[0]


def only(resources: Sequence[Res], type_: str, name_suffix: str = "") -> Res:
    found = [r for r in resources if r.type == type_ and r.name.endswith(name_suffix)]
    assert len(found) == 1, f"expected one {type_} named *{name_suffix}, found {[r.name for r in found]}"
    return found[0]


def replaced(resources: Sequence[Res], old: Res, new: Res | None) -> list[Res]:
    """The stack with ``old`` swapped for ``new`` (or removed when ``new`` is None)."""
    assert old in resources
    return [new if r is old else r for r in resources if not (r is old and new is None)]
