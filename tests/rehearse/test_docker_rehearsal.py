"""Real rehearsals with ``--runtime docker``: blue and green as containers of the app's image.

They run only where a Docker daemon answers and the Dockerfile's base image is there (built
locally by rehearse/docker_base.sh where no registry is reachable); CI starts no daemon, so
they skip there with the reason. What they show: a good dev release loses no request as
containers, and the two faults only containers catch, an app that writes outside its scratch
paths and a health check command the image lacks, fail green's release, while the same app
as processes releases.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from preview import ROOT
from rehearse.cli import main
from rehearse.containers import LABEL, daemon_reachable
from rehearse.engine import Options, Rehearsal, Sources
from rehearse.records import RunResult
from rehearse.runtime import docker_runtime
from rehearse.scenarios import scenario
from rehearse.settings import RehearsalSettings, load_settings
from tests.rehearse.needs_haproxy import HAPROXY_FOUND

COMPRESSION = 60.0
"""As the process rehearsal's tests (tests/rehearse/test_rehearsal.py): dev in about 3 s."""


def _base_image_found() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    first = (ROOT / "app" / "Dockerfile").read_text().split("FROM ", 1)[1].split()[0]
    found = subprocess.run([docker, "image", "inspect", first], capture_output=True, check=False)
    return found.returncode == 0


DAEMON = daemon_reachable()
needs_docker = pytest.mark.skipif(
    not (DAEMON and HAPROXY_FOUND and _base_image_found()),
    reason="needs HAProxy, a Docker daemon and app/Dockerfile's base image (rehearse/docker_base.sh "
    "builds it where no registry is reachable); CI starts no Docker daemon",
)


def _leftovers() -> list[str]:
    docker = str(shutil.which("docker"))
    listed = subprocess.run(
        [docker, "ps", "--all", "--quiet", "--filter", f"label={LABEL}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return listed.stdout.split()


@pytest.fixture(scope="module")
def dev() -> RehearsalSettings:
    return load_settings("dev")


def _green_variant(tmp_path: Path, change: str) -> Path:
    """A copy of the app (the image's build context) with one change made to green."""
    green = tmp_path / "green-app"
    shutil.copytree(ROOT / "app", green, ignore=shutil.ignore_patterns("__pycache__"))
    if change == "writes-app":
        main_module = green / "server" / "__main__.py"
        future = "from __future__ import annotations\n"
        write = "from pathlib import Path\nPath(__file__).with_name('state.json').write_text('{}')\n"
        main_module.write_text(main_module.read_text().replace(future, future + write, 1))
    elif change == "no-health-command":
        (green / "server" / "healthcheck.py").unlink()
    return green


def _rehearse(settings: RehearsalSettings, green: Path, docker: bool) -> RunResult:
    blue = ROOT / "app"
    runtime = (
        docker_runtime({"blue": blue, "green": green}, settings.container.dockerfile) if docker else None
    )
    options = Options(scenario("good"), compression=COMPRESSION, docker=runtime)
    result = Rehearsal(settings, Sources(blue, green, "HEAD", "variant"), options).run()
    assert not _leftovers(), "a container of the rehearsal is still there"
    return result


@needs_docker
def test_a_good_release_as_containers(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    argv = ["--stack", "dev", "--runtime", "docker", "--compression", f"{COMPRESSION:g}", "--json"]
    code = main([*argv, "--out", str(tmp_path)], out, err)
    assert code == 0, err.getvalue()
    report = json.loads(out.getvalue())
    assert (report["runtime"], report["outcome"], report["failed_requests"]) == ("docker", "released", 0)
    assert report["requests"] > 100
    assert not _leftovers()


@needs_docker
def test_an_app_that_writes_outside_its_scratch_paths(tmp_path: Path, dev: RehearsalSettings) -> None:
    green = _green_variant(tmp_path, "writes-app")
    as_processes = _rehearse(dev, green, docker=False)
    assert (green / "server" / "state.json").exists()
    assert as_processes.outcome == "released", (
        as_processes.reason
    )  # the host's files are writable: processes miss it
    as_containers = _rehearse(dev, green, docker=True)
    assert as_containers.outcome == "failed", as_containers.reason
    assert "Read-only file system" in as_containers.reason or "Permission denied" in as_containers.reason
    assert not any(r.colour == "green" for r in as_containers.requests)


@needs_docker
def test_a_health_check_command_missing_from_the_image(tmp_path: Path, dev: RehearsalSettings) -> None:
    result = _rehearse(dev, _green_variant(tmp_path, "no-health-command"), docker=True)
    assert result.outcome == "failed"
    assert "container health check" in result.reason and "server.healthcheck" in result.reason
    assert result.rollback_at is not None
    assert all(r.colour != "green" and r.status == 200 for r in result.requests)
