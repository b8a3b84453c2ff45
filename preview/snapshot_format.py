"""The preview's JSON snapshot as the change report reads it back: its version and its check.

Apart from ``preview.snapshot`` (which makes snapshots and needs the mock engine and Pulumi)
so that reading a base's snapshot, and refusing a bad base, imports neither.
"""

from __future__ import annotations

import json
from typing import Any

SNAPSHOT_VERSION = 1
"""Changes whenever the snapshot's shape does; a reader refuses a version it does not know."""


class SnapshotError(ValueError):
    """JSON that is not a snapshot this code can read."""


def read_snapshot(text: str, where: str) -> dict[str, Any]:
    """Parse and check a snapshot; ``where`` names its source in the error."""
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError as error:
        raise SnapshotError(f"{where}: not JSON ({error})") from None
    if not isinstance(loaded, dict) or loaded.get("version") != SNAPSHOT_VERSION:
        version = loaded.get("version") if isinstance(loaded, dict) else None
        raise SnapshotError(
            f"{where}: snapshot version {version!r}, this preview reads version {SNAPSHOT_VERSION}"
        )
    return loaded
