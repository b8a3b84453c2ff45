"""Which settings differ between two stacks, side by side."""

from __future__ import annotations

from typing import Any

from preview.engine import PROJECT, ROOT, engine_encoding, stack_config
from stack_config.loader import load_settings
from stack_config.model import StackSettings


def stack_settings(stack: str) -> StackSettings:
    """The stack's validated settings, exactly as `pulumi up` would load them."""
    raw = {key: engine_encoding(value) for key, value in stack_config(stack).items()}
    return load_settings(raw, project=PROJECT, stack=stack, project_dir=ROOT)


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``; lists stay whole values."""
    if isinstance(value, dict) and value:
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(flatten(item, f"{prefix}.{key}" if prefix else key))
        return flat
    return {prefix: value}


def settings_diff(left: StackSettings, right: StackSettings) -> list[tuple[str, Any, Any]]:
    """(setting, left value, right value) for every setting that differs, in config order."""
    a = flatten(left.model_dump(by_alias=True, mode="json", exclude={"stack"}))
    b = flatten(right.model_dump(by_alias=True, mode="json", exclude={"stack"}))
    keys = list(dict.fromkeys([*a, *b]))
    return [(key, a.get(key), b.get(key)) for key in keys if a.get(key) != b.get(key)]


def diff_lines(left_name: str, right_name: str, rows: list[tuple[str, Any, Any]]) -> list[str]:
    """A plain-text table, one row per differing setting."""
    if not rows:
        return [f"stacks {left_name} and {right_name} have the same settings"]
    shown = [(key, _show(a), _show(b)) for key, a, b in rows]
    width = [max(len(r[i]) for r in [("setting", left_name, right_name), *shown]) for i in range(3)]
    header = ("setting", left_name, right_name)
    lines = ["  ".join(cell.ljust(width[i]) for i, cell in enumerate(header)).rstrip()]
    lines.append("  ".join("-" * w for w in width))
    lines += ["  ".join(cell.ljust(width[i]) for i, cell in enumerate(row)).rstrip() for row in shown]
    return lines


def _show(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) if not isinstance(v, dict) else str(v) for v in value) + "]"
    return str(value)
