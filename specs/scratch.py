"""Names of the empty task volumes behind a container's writable paths (read-only root filesystems)."""

from __future__ import annotations

import re


def scratch_volume_name(path: str) -> str:
    """The task volume behind a writable path: ``/tmp`` -> ``scratch-tmp``."""
    return "scratch-" + (re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") or "root")
