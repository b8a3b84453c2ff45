"""Resource tags: the program's own, and AWS's rules for the ones a stack adds.

AWS's tagging rules (the "Tag naming limits and requirements" in the Tagging AWS
Resources guide, repeated in each service's ``Tag`` shape): a key is 1-128 Unicode
characters, a value 0-256, keys starting with ``aws:`` (in any case) are reserved for AWS,
at most 50 user tags per resource, and across services only letters, digits, spaces and
``_ . : / = + - @`` are safe (EC2 allows more, ECS, IAM and ELB do not; every tag lands on
every resource through the provider's default tags).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

MAX_TAGS_PER_RESOURCE = 50
MAX_KEY_LENGTH = 128
MAX_VALUE_LENGTH = 256
RESERVED_PREFIX = "aws:"
ALLOWED_CHARACTERS = "letters, digits, spaces and _ . : / = + - @"
# \w is Unicode letters, digits and _; the spaces are Unicode's space separators (\p{Z}).
_SAFE = re.compile(r"^[\w .:/=+\-@\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$")

# Tags some resources carry on top of the default tags (components/network.py).
PER_RESOURCE_TAG_KEYS = ("Name", "tier")


PROGRAM_TAG_KEYS = ("application", "stack", "managed-by")


def program_tags(app_name: str, stack: str) -> dict[str, str]:
    """The tags the provider puts on every resource before the stack's own ``tags``."""
    return dict(zip(PROGRAM_TAG_KEYS, (app_name, stack, "pulumi"), strict=True))


def tag_problems(tags: Mapping[str, str], program_keys: tuple[str, ...]) -> list[tuple[str, str]]:
    """(key, reason) per tag AWS would reject, the key empty for a problem of the whole map.

    ``program_keys`` are the keys the program sets itself; a stack tag with one of those
    keys replaces the program's value rather than adding a tag, so it is not counted twice.
    """
    problems: list[tuple[str, str]] = []
    for key, value in tags.items():
        if not 1 <= len(key) <= MAX_KEY_LENGTH:
            problems.append((key, f"key {key!r} has {len(key)} characters; AWS allows 1-{MAX_KEY_LENGTH}"))
        if key.lower().startswith(RESERVED_PREFIX):
            problems.append(
                (key, f"key {key!r} starts with {RESERVED_PREFIX!r}, which AWS reserves for its own tags")
            )
        if not _SAFE.match(key):
            problems.append((key, f"key {key!r} has a character AWS rejects; allowed: {ALLOWED_CHARACTERS}"))
        if not isinstance(value, str):
            problems.append((key, f"value {value!r} is not a string; quote it in the stack file"))
            continue
        if len(value) > MAX_VALUE_LENGTH:
            problems.append(
                (
                    key,
                    f"value {value[:40]!r}... has {len(value)} characters; "
                    f"AWS allows at most {MAX_VALUE_LENGTH}",
                )
            )
        if not _SAFE.match(value):
            problems.append(
                (key, f"value {value!r} has a character AWS rejects; allowed: {ALLOWED_CHARACTERS}")
            )
    total = len(set(tags) | set(program_keys))
    if total > MAX_TAGS_PER_RESOURCE:
        room = MAX_TAGS_PER_RESOURCE - len(program_keys)
        problems.append(
            (
                "",
                f"{len(tags)} tags plus the program's own ({', '.join(program_keys)}) make {total} on some "
                f"resources; AWS allows {MAX_TAGS_PER_RESOURCE} per resource, so at most {room} here",
            )
        )
    return problems
