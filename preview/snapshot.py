"""A stack's offline preview as plain JSON: what ``--json`` prints and the change report compares.

The change report (``preview.change``) runs the preview of a base commit in that commit's own
checkout and reads this JSON back, so the two sides never share Python objects and an older
commit's code previews itself. Its version and the reader's check are in
``preview.snapshot_format``.

Declared inputs are kept as the program declared them, with three changes that keep two
checkouts of the same commit equal: paths under the repository root are relative, a Pulumi
asset or archive is the SHA-256 of its files' contents, and a secret input is a digest of its
value (a change shows, the value does not); a dynamic resource's pickled provider is left out.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pulumi

from preview import ROOT
from preview.engine import Recorded
from preview.estimate import CostEstimate
from preview.report import Preview
from preview.snapshot_format import SNAPSHOT_VERSION
from preview.timeline import Timeline


def _file_digest(path: Path, digest: Any) -> None:
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and "__pycache__" not in child.parts:
                digest.update(str(child.relative_to(path)).encode())
                digest.update(child.read_bytes())
    elif path.is_file():
        digest.update(path.read_bytes())
    else:
        digest.update(str(path).encode())


def _asset_digest(value: pulumi.Asset | pulumi.Archive) -> str:
    digest = hashlib.sha256()

    def add(item: Any) -> None:
        if isinstance(item, pulumi.AssetArchive):
            for name in sorted(item.assets):
                digest.update(name.encode())
                add(item.assets[name])
        elif isinstance(item, pulumi.StringAsset):
            digest.update(item.text.encode())
        elif isinstance(item, (pulumi.FileAsset, pulumi.FileArchive)):
            path = Path(item.path)
            _file_digest(path if path.is_absolute() else ROOT / path, digest)
        else:  # remote assets and archives: their address is what is declared
            digest.update(repr(getattr(item, "uri", item)).encode())

    add(value)
    return f"sha256:{digest.hexdigest()[:16]}"


def plain_json(value: Any) -> Any:
    """A recorded input as JSON values (assets as content digests, unknowns as ``<unknown>``)."""
    if isinstance(value, dict):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_json(v) for v in value]
    if isinstance(value, (pulumi.Asset, pulumi.Archive)):
        return {"asset": _asset_digest(value)}
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        root = str(ROOT)
        return value.replace(root + "/", "").replace(root, ".") if root in value else value
    return "<unknown>"


def _path_tokens(path: str) -> list[str | int]:
    """``a.b[0].c`` -> ``['a', 'b', 0, 'c']``."""
    tokens: list[str | int] = []
    for part in path.split("."):
        name, *indexes = part.split("[")
        if name:
            tokens.append(name)
        tokens.extend(int(index.rstrip("]")) for index in indexes)
    return tokens


def _mask_secrets(inputs: dict[str, Any], paths: set[str]) -> dict[str, Any]:
    for path in sorted(paths):
        tokens = _path_tokens(path)
        holder: Any = inputs
        try:
            for token in tokens[:-1]:
                holder = holder[token]
            value = holder[tokens[-1]]
        except (KeyError, IndexError, TypeError):
            continue
        digest = hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:12]
        holder[tokens[-1]] = f"[secret {digest}]"
    return inputs


DYNAMIC_PROVIDER_INPUT = "__provider"
"""A dynamic resource's pickled provider: it embeds the checkout's paths, so it is left out."""


def resource_json(resource: Recorded) -> dict[str, Any]:
    inputs = {k: v for k, v in resource.inputs.items() if k != DYNAMIC_PROVIDER_INPUT}
    return {
        "urn": resource.urn,
        "type": resource.type,
        "name": resource.name,
        "parent": resource.parent,
        "custom": resource.custom,
        "inputs": _mask_secrets(plain_json(inputs), resource.secret_inputs),
        "ignoreChanges": list(resource.ignore_changes),
        "protect": resource.protect,
        "deleteBeforeReplace": resource.delete_before_replace,
    }


def timeline_json(timeline: Timeline) -> dict[str, Any]:
    full = next((e for e in timeline.events if e.green_percent >= 100), None)
    return {
        "typicalSeconds": timeline.typical_seconds,
        "worstCaseSeconds": timeline.worst_case_seconds,
        "fullShiftSeconds": full.at_seconds if full else None,
        "fullShiftLatestSeconds": full.latest_seconds if full else None,
        "rollbackWindowSeconds": timeline.rollback_window_seconds,
        "releaseTimeoutSeconds": timeline.release_timeout_seconds,
        "warnings": list(timeline.warnings),
        "notes": list(timeline.notes),
        "events": [
            {"at": e.at_seconds, "latest": e.latest_seconds, "label": e.label, "green": e.green_percent}
            for e in timeline.events
        ],
    }


def cost_json(preview: Preview) -> dict[str, Any]:
    cost = preview.cost
    if not isinstance(cost, CostEstimate):
        return {"estimated": False, "region": cost.region, "reason": cost.line()}
    return {
        "estimated": True,
        "region": cost.region,
        "pricesAsOf": cost.prices_as_of,
        "totalMonthlyUsd": round(cost.total_monthly_usd, 2),
        "totalWithReleasesUsd": round(cost.total_with_releases_usd, 2),
        "releaseExtraUsd": round(cost.release_extra.monthly_usd, 2) if cost.release_extra else None,
        "items": [
            {"item": i.item, "quantity": i.quantity, "unit": i.unit, "monthlyUsd": round(i.monthly_usd, 2)}
            for i in cost.items
        ],
        "unpriced": [u.item for u in cost.unpriced],
    }


def snapshot(preview: Preview, settings: dict[str, Any]) -> dict[str, Any]:
    """The stack's preview as JSON: settings, declared resources, release timeline, cost."""
    params = preview.params
    return {
        "version": SNAPSHOT_VERSION,
        "stack": preview.run.stack,
        "region": str(preview.run.exports.get("region", "")),
        "engine": params.engine,
        "strategy": params.routing.config_name,
        "routing": params.routing.kind,
        "headline": [[key, value] for key, value in preview.headline()],
        "settings": settings,
        "resources": [
            resource_json(r)
            for r in sorted(preview.run.resources, key=lambda r: r.urn)
            if not r.type.startswith("pulumi:providers:")
        ],
        "timeline": timeline_json(preview.timeline),
        "cost": cost_json(preview),
    }
