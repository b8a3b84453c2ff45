"""The mark for tests that start a real HAProxy: skipped only where it is missing outside CI.

CI (``CI`` set, as GitHub Actions sets it) installs HAProxy (.ci/run), so a missing one there
fails the tests instead of hiding them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from rehearse.haproxy import SBIN_PATHS

HAPROXY_FOUND = shutil.which("haproxy") is not None or any(Path(path).exists() for path in SBIN_PATHS)

needs_haproxy = pytest.mark.skipif(
    not HAPROXY_FOUND and not os.environ.get("CI"),
    reason="HAProxy is not installed (apt-get install haproxy); CI installs it and runs these",
)
