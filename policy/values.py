"""Reading props as the policy runtime hands them over: unknown values, secrets, numbers.

During a preview some values are unknown: ``pulumi_policy`` wraps props in a proxy that raises
``UnknownValueError`` on access to an unknown, and hands over an unknown value itself as one of
its sentinel strings; a secret comes wrapped in ``Secret``. :data:`READER`, the shared reader of
declared resources (``specs/resource_reader.py``) taught those three, is how every check reads
props: an unknown value reads as :data:`UNKNOWN`, which a check skips and judges again in
``pulumi up``, when inputs are resolved.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import PolicyResource, Secret, proxy

from specs.resource_reader import UNKNOWN, Reader, number, number_or_text, parse_json

_UNKNOWN_SENTINELS = frozenset(
    {
        proxy.UNKNOWN_ARCHIVE_VALUE,
        proxy.UNKNOWN_ARRAY_VALUE,
        proxy.UNKNOWN_ASSET_VALUE,
        proxy.UNKNOWN_BOOLEAN_VALUE,
        proxy.UNKNOWN_NUMBER_VALUE,
        proxy.UNKNOWN_OBJECT_VALUE,
        proxy.UNKNOWN_STRING_VALUE,
    }
)


def _is_sentinel(value: Any) -> bool:
    return isinstance(value, str) and value in _UNKNOWN_SENTINELS


def _reveal(value: Any) -> Any:
    return value.value if isinstance(value, Secret) else value


READER: Reader[PolicyResource] = Reader(
    type_of=lambda resource: resource.resource_type,
    props_of=lambda resource: resource.props,
    is_unknown=_is_sentinel,
    reveal=_reveal,
    unknown_errors=(proxy.UnknownValueError,),
)

get = READER.get
"""``props[path[0]][path[1]]...``; ``default`` when absent, :data:`UNKNOWN` when unknown."""
items = READER.items
"""The elements of a list-like value ([] when absent, [UNKNOWN] when unknown)."""
is_unknown = READER.unknown
of_type = READER.of_type


def resource_id(resource: PolicyResource, arn_kind: str) -> str | None:
    """A resource's id from its state: ``id``, else the end of its ARN (``...:<arn_kind>/<id>``)."""
    found = get(resource.props, "id")
    if isinstance(found, str) and found:
        return found
    arn = get(resource.props, "arn")
    if isinstance(arn, str) and f":{arn_kind}/" in arn:
        return arn.rsplit("/", 1)[-1]
    return None


def fmt(value: float) -> str:
    """A number as a message shows it: ``30`` for 30.0, ``0.5`` for 0.5."""
    return str(int(value)) if float(value).is_integer() else str(value)


__all__ = [
    "READER",
    "UNKNOWN",
    "fmt",
    "get",
    "is_unknown",
    "items",
    "number",
    "number_or_text",
    "of_type",
    "parse_json",
    "resource_id",
]
