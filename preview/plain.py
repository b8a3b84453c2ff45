"""Values as a person writes them: ``on``/``off``, ``a, b``, ``5 min``, never ``True`` or ``['a']``.

One formatter for every view of the preview (the resource tree, the settings diff, the change
report), so a boolean or a list reads the same everywhere.
"""

from __future__ import annotations

from typing import Any

NOTHING = "none"
"""An empty list or an unset value."""

# Settings and inputs whose name says they are a duration, by suffix (camelCase config keys).
_DURATION_SUFFIXES = (
    ("Minutes", "min"),
    ("Seconds", "s"),
    ("Days", "days"),
    ("Hours", "h"),
)


def on_off(value: object) -> str:
    return "on" if value else "off"


def duration(seconds: float) -> str:
    """``45 s``, ``5 min``, ``1 min 30 s``, ``2 h``, ``1 h 5 min``."""
    whole = int(seconds)
    if whole != seconds:
        return f"{seconds:g} s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else "", f"{secs} s" if secs else ""]
    return " ".join(p for p in parts if p) or "0 s"


def _unit_of(key: str) -> str | None:
    leaf = key.rsplit(".", 1)[-1]
    for suffix, unit in _DURATION_SUFFIXES:
        if leaf.endswith(suffix) and leaf != suffix:
            return unit
    return None


def plain(value: Any, key: str = "") -> str:
    """``value`` for a reader; ``key`` (``deployment.terminationWaitMinutes``) adds its unit.

    Booleans are ``on``/``off``; lists are comma-separated (``none`` when empty; objects in a
    list are separated by ``;``); objects are ``key value`` pairs; numbers drop a trailing
    ``.0``; a number under a key ending in ``Minutes``, ``Seconds``, ``Days`` or ``Hours`` gets
    that unit (``5 min``).
    """
    if value is None:
        return NOTHING
    if isinstance(value, bool):
        return on_off(value)
    if isinstance(value, (int, float)):
        number = f"{value:g}" if isinstance(value, float) else str(value)
        unit = _unit_of(key)
        if unit is None:
            return number
        if unit == "days" and value == 1:
            return "1 day"
        return f"{number} {unit}"
    if isinstance(value, (list, tuple)):
        joiner = "; " if any(isinstance(item, dict) for item in value) else ", "
        return joiner.join(plain(item, key) for item in value) or NOTHING
    if isinstance(value, dict):
        return ", ".join(f"{k} {plain(v, k)}" for k, v in value.items()) or NOTHING
    return str(value)
