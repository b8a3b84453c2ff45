"""Which settings differ between two stacks, side by side."""

from __future__ import annotations

from typing import Any

from preview import ROOT
from preview.engine import PROJECT, engine_encoding, stack_config
from preview.plain import plain
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


def flat_settings(settings: StackSettings) -> dict[str, Any]:
    """Every setting by its dotted config key (``deployment.strategy``), JSON values."""
    return flatten(settings.model_dump(by_alias=True, mode="json", exclude={"stack"}))


def flat_diff(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(setting, value in a, value in b) for every key whose value differs, in a's order then b's."""
    keys = list(dict.fromkeys([*a, *b]))
    return [(key, a.get(key), b.get(key)) for key in keys if a.get(key) != b.get(key)]


def settings_diff(left: StackSettings, right: StackSettings) -> list[tuple[str, Any, Any]]:
    """(setting, left value, right value) for every setting that differs, in config order."""
    return flat_diff(flat_settings(left), flat_settings(right))


def diff_lines(left_name: str, right_name: str, rows: list[tuple[str, Any, Any]]) -> list[str]:
    """A plain-text table, one row per differing setting."""
    if not rows:
        return [f"stacks {left_name} and {right_name} have the same settings"]
    shown = [(key, plain(a, key), plain(b, key)) for key, a, b in rows]
    width = [max(len(r[i]) for r in [("setting", left_name, right_name), *shown]) for i in range(3)]
    header = ("setting", left_name, right_name)
    lines = ["  ".join(cell.ljust(width[i]) for i, cell in enumerate(header)).rstrip()]
    lines.append("  ".join("-" * w for w in width))
    lines += ["  ".join(cell.ljust(width[i]) for i, cell in enumerate(row)).rstrip() for row in shown]
    return lines
