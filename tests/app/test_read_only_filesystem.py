"""The app on a read-only root filesystem (ECS.5), as far as it can be checked here.

The task definition makes the container's root filesystem read-only and mounts one writable
scratch volume at /tmp (tests/program/test_edge.py). Here the real server process runs from a
copy of app/ whose files and directories are read-only, with TMPDIR pointing at a scratch
directory, and must start, serve, drain on SIGTERM and exit 0 without creating or changing a
single file outside the scratch directory. (A root user ignores file modes, so the check is a
before/after snapshot of the tree, not only a permission error.)
"""

from __future__ import annotations

import ast
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from specs.container_definition import DEFAULT_HEALTH_COMMAND

from .support import APP_DIR, app_env, free_port, http_get

WRITE_CALLS = {
    "open",
    "write_text",
    "write_bytes",
    "mkdir",
    "makedirs",
    "mkstemp",
    "mkdtemp",
    "NamedTemporaryFile",
}


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(root)): (path.stat().st_mtime_ns, path.stat().st_size)
        for path in sorted(root.rglob("*"))
    }


def _read_only(root: Path) -> None:
    for path in sorted(root.rglob("*"), reverse=True):
        path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH | (0o111 if path.is_dir() else 0))
    root.chmod(0o555)


def test_app_code_calls_nothing_that_writes_files() -> None:
    """The server's own code opens no file for writing and makes no directory or temp file."""
    for source in sorted((APP_DIR / "server").glob("*.py")):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                assert name not in WRITE_CALLS, f"{source.name}:{node.lineno} calls {name}"


def test_the_image_never_writes_bytecode() -> None:
    dockerfile = (APP_DIR / "Dockerfile").read_text()
    assert "PYTHONDONTWRITEBYTECODE=1" in dockerfile


def test_server_starts_serves_and_drains_on_a_read_only_tree(tmp_path: Path) -> None:
    app = tmp_path / "root" / "app"
    shutil.copytree(APP_DIR / "server", app / "server", ignore=shutil.ignore_patterns("__pycache__"))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    _read_only(tmp_path / "root")
    before = _snapshot(tmp_path / "root")
    port = free_port()
    env = app_env(PORT=str(port), TMPDIR=str(scratch), HOME=str(scratch), SHUTDOWN_TIMEOUT_SECONDS="5")
    process = subprocess.Popen(
        [sys.executable, "-m", "server"], cwd=app, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = http_get(port, "/health", timeout=2)
                if status == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "the server did not become healthy"
            time.sleep(0.2)
        assert body == {"status": "ok"}
        assert http_get(port, "/version")[0] == 200
        # The container health check runs the same code, from the same read-only tree.
        check = subprocess.run(
            [sys.executable, *DEFAULT_HEALTH_COMMAND[2:]], cwd=app, env=env, capture_output=True, timeout=30
        )
        assert check.returncode == 0, check.stdout + check.stderr
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert _snapshot(tmp_path / "root") == before
    (tmp_path / "root").chmod(0o755)
    for path in (tmp_path / "root").rglob("*"):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)  # let pytest clean up
