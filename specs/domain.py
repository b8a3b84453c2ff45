"""DNS names: whether a name can carry a public certificate, and whether a hosted zone holds it.

Standard library only. The rules are those of a public ACM certificate's domain name and a
Route 53 public hosted zone: labels of letters, digits and hyphens (1-63 characters, no
leading or trailing hyphen), at least two labels, at most 253 characters, compared
case-insensitively and without a trailing dot.
"""

from __future__ import annotations

import re

_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
MAX_NAME = 253


def normalize(name: str) -> str:
    """Lowercase, without the trailing dot Route 53 writes."""
    return name.strip().lower().removesuffix(".")


def dns_name_problem(name: str) -> str | None:
    """Why ``name`` is not a DNS name a public certificate can cover; None when it is."""
    text = normalize(name)
    if not text:
        return "is empty"
    if len(text) > MAX_NAME:
        return f"is {len(text)} characters; a DNS name has at most {MAX_NAME}"
    labels = text.split(".")
    if len(labels) < 2:
        return "needs at least two labels, e.g. app.example.com"
    for label in labels:
        if label == "*":
            return "is a wildcard; give the one name the service answers on (e.g. app.example.com)"
        if not _LABEL.match(label):
            return (
                f"label {label!r} is not a DNS label: 1-63 letters, digits or hyphens, "
                "not starting or ending with a hyphen"
            )
    if labels[-1].isdigit():
        return "ends in a number; an IP address is not a DNS name"
    return None


def zone_contains(zone_name: str, name: str) -> bool:
    """Whether records for ``name`` can live in the hosted zone ``zone_name`` (itself or below it)."""
    zone, wanted = normalize(zone_name), normalize(name)
    return wanted == zone or wanted.endswith(f".{zone}")


def zone_problem(zone_name: str, name: str) -> str | None:
    """Why the zone cannot hold ``name``'s records; None when it can."""
    if zone_contains(zone_name, name):
        return None
    return (
        f"hosted zone {normalize(zone_name)!r} does not contain {normalize(name)!r}: the certificate's "
        "validation record and the alias record must be in the zone of the name or one of its parents"
    )
