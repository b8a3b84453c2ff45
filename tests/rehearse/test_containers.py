"""The ``docker run`` command line of ``--runtime docker``, flag by flag against the stack's settings.

Pure: no Docker needed. Each flag is read back out of the argv and compared with the
task definition's setting it comes from (rehearse.settings.ContainerSettings).
"""

from __future__ import annotations

import io
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from rehearse.cli import main
from rehearse.compression import Compression
from rehearse.containers import (
    LABEL,
    LAUNCHER,
    LAUNCHER_DIR,
    LAUNCHER_MODULE,
    PROBE_SECONDS,
    DockerError,
    duration,
    health_cmd,
    health_timing,
    run_argv,
)
from rehearse.settings import ContainerSettings, RehearsalSettings, load_settings
from rehearse.tasks import ProcessSpec, Task

IMAGE = "bluegreen-rehearsal:green"


@pytest.fixture(scope="module", params=["dev", "prod"])
def each(request: pytest.FixtureRequest) -> RehearsalSettings:
    return load_settings(request.param)


def _argv(container: ContainerSettings, factor: float = 60.0, port: int = 41234) -> tuple[str, ...]:
    return run_argv(
        container,
        docker="/usr/bin/docker",
        image=IMAGE,
        name="rehearsal-abcd-green-1",
        run_id="abcd",
        port=port,
        environment=container.environment,
        to_rehearsal=Compression(factor).to_rehearsal,
    )


def _options(argv: tuple[str, ...]) -> tuple[list[tuple[str, str | None]], tuple[str, ...]]:
    """(the options before the image, as (flag, value or None)), the image and its command."""
    flags_with_values = {
        "--name", "--label", "--pull", "--network", "--tmpfs", "--user", "--memory", "--stop-timeout",
        "--health-cmd", "--health-interval", "--health-timeout", "--health-start-period",
        "--health-retries", "--env", "--volume",
    }  # fmt: skip
    assert argv[:3] == ("/usr/bin/docker", "run", "--rm")
    options: list[tuple[str, str | None]] = []
    i = 3
    while argv[i].startswith("--"):
        if argv[i] in flags_with_values:
            options.append((argv[i], argv[i + 1]))
            i += 2
        else:
            options.append((argv[i], None))
            i += 1
    return options, argv[i:]


def _values(options: list[tuple[str, str | None]], flag: str) -> list[str | None]:
    return [value for name, value in options if name == flag]


def test_every_flag_comes_from_the_task_definition(each: RehearsalSettings) -> None:
    container = each.container
    options, rest = _options(_argv(container))
    assert rest == (IMAGE, "python", "-m", LAUNCHER_MODULE, *container.command)
    assert _values(options, "--name") == ["rehearsal-abcd-green-1"]
    assert _values(options, "--label") == [f"{LABEL}=abcd"]
    assert _values(options, "--pull") == ["never"]  # the image is built here; nothing is pulled
    assert _values(options, "--network") == ["host"]
    assert container.read_only_root is True and _values(options, "--read-only") == [None]
    assert _values(options, "--tmpfs") == list(container.scratch_paths) == ["/tmp"]
    assert _values(options, "--user") == [container.user] == ["10001:10001"]
    assert _values(options, "--memory") == [f"{container.memory_mib}m"]
    assert _values(options, "--stop-timeout") == [str(container.stop_timeout_seconds)]
    assert _values(options, "--health-cmd") == ["python -m server.healthcheck"]
    assert _values(options, "--no-healthcheck") == []
    # Compressed 60 x: 30 s -> 500 ms, 60 s start period -> 1 s; the timeout not below the probe's.
    assert _values(options, "--health-interval") == [duration(container.health_interval_seconds / 60)]
    assert _values(options, "--health-start-period") == [duration(container.health_start_period_seconds / 60)]
    assert _values(options, "--health-timeout") == [
        duration(min(container.health_timeout_seconds, PROBE_SECONDS))
    ]
    assert _values(options, "--health-retries") == [str(container.health_retries)]
    assert _values(options, "--volume") == [f"{LAUNCHER}:{LAUNCHER_DIR}/{LAUNCHER_MODULE}.py:ro"]
    env = dict(str(value).split("=", 1) for value in _values(options, "--env"))
    assert env == {**container.environment, "PORT": "41234", "PYTHONPATH": LAUNCHER_DIR}
    assert {flag for flag, _ in options} == {
        "--name", "--label", "--pull", "--network", "--read-only", "--tmpfs", "--user", "--memory",
        "--stop-timeout", "--health-cmd", "--health-interval", "--health-timeout",
        "--health-start-period", "--health-retries", "--env", "--volume",
    }  # fmt: skip


def test_each_task_on_its_own_port(each: RehearsalSettings) -> None:
    blue, green = _argv(each.container, port=40001), _argv(each.container, port=40002)
    assert "PORT=40001" in blue and "PORT=40002" in green
    assert f"PORT={each.container.port}" not in blue  # the declared 8080 is replaced


def test_what_the_task_definition_does_not_set_is_left_out(each: RehearsalSettings) -> None:
    container = replace(
        each.container,
        read_only_root=False,
        scratch_paths=(),
        user=None,
        memory_mib=None,
        health_command=None,
    )
    options, _ = _options(_argv(container))
    flags = {flag for flag, _ in options}
    assert not flags & {"--read-only", "--tmpfs", "--user", "--memory", "--health-cmd", "--health-interval"}
    # ECS ignores the image's HEALTHCHECK: without a declared check the container has none either.
    assert "--no-healthcheck" in flags


def test_several_scratch_paths(each: RehearsalSettings) -> None:
    container = replace(each.container, scratch_paths=("/tmp", "/var/cache/app"))
    assert _values(_options(_argv(container))[0], "--tmpfs") == ["/tmp", "/var/cache/app"]


def test_health_commands_as_docker_takes_them() -> None:
    assert health_cmd(("python", "-m", "server.healthcheck")) == "python -m server.healthcheck"
    assert (
        health_cmd(("curl", "-f", "http://localhost/health page")) == "curl -f 'http://localhost/health page'"
    )
    # CMD-SHELL (the settings hold it as sh -c) is passed as written.
    assert health_cmd(("sh", "-c", "curl -f localhost:8080/health || exit 1")) == (
        "curl -f localhost:8080/health || exit 1"
    )


def test_health_timing_compressed(each: RehearsalSettings) -> None:
    container = replace(
        each.container, health_interval_seconds=30, health_timeout_seconds=5, health_start_period_seconds=60
    )
    timing = health_timing(container, Compression(10).to_rehearsal)
    assert (timing.interval, timing.timeout, timing.start_period) == (3.0, PROBE_SECONDS, 6.0)
    assert timing.retries == container.health_retries
    slow = health_timing(container, Compression(1).to_rehearsal)
    assert (slow.interval, slow.timeout, slow.start_period) == (30.0, 5.0, 60.0)  # uncompressed
    fast = health_timing(replace(container, health_timeout_seconds=2), Compression(600).to_rehearsal)
    assert fast.interval == 0.2 and fast.timeout == 2.0  # floors: a probe is a process


def test_durations() -> None:
    assert duration(0.5) == "500ms"
    assert duration(2) == "2000ms"
    assert duration(0) == "1ms"  # docker refuses 0 for an interval


def test_a_command_that_is_not_python_is_refused(each: RehearsalSettings) -> None:
    with pytest.raises(DockerError, match=r"CMD \['/app/server'\] does not start with python"):
        _argv(replace(each.container, command=("/app/server",)))


# --------------------------------------------------------------------------- bad input, one line


def _command(tmp_path: Path, *args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--stack", "dev", "--runtime", "docker", "--out", str(tmp_path), *args], out, err)
    return code, err.getvalue()


def test_docker_missing_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("rehearse.haproxy.haproxy_binary", lambda: "/usr/sbin/haproxy")
    monkeypatch.setattr("rehearse.containers.shutil.which", lambda name: None)
    code, err = _command(tmp_path)
    assert code == 2
    assert err.count("\n") == 1 and "docker is not installed" in err and "apt-get install docker.io" in err


def test_no_daemon_says_how_to_start_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A docker client whose daemon does not answer (here: one that always fails)."""
    monkeypatch.setattr("rehearse.haproxy.haproxy_binary", lambda: "/usr/sbin/haproxy")
    failing = shutil.which("false")
    monkeypatch.setattr("rehearse.containers.shutil.which", lambda name: failing)
    code, err = _command(tmp_path)
    assert code == 2
    assert err.count("\n") == 1 and "no Docker daemon answers" in err and "dockerd" in err


def test_an_unknown_runtime(tmp_path: Path) -> None:
    code, err = _command(tmp_path, "--runtime", "podman")
    assert code == 2 and "invalid choice: 'podman'" in err


# --------------------------------------------------------------------------- a task's container


def _fake_docker(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A docker client answering ``inspect`` from a file and logging ``rm``: (client, state, calls)."""
    state, calls = tmp_path / "health.json", tmp_path / "calls"
    client = tmp_path / "docker"
    client.write_text(f'#!/bin/sh\necho "$@" >> {calls}\ncase "$1" in inspect) cat {state};; esac\n')
    client.chmod(0o755)
    return client, state, calls


def test_a_task_follows_its_containers_health(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("rehearse.tasks.HEALTH_POLL_SECONDS", 0.0)
    client, state, calls = _fake_docker(tmp_path)
    spec = ProcessSpec(
        ("sleep", "30"), tmp_path, {}, "app", container="rehearsal-x-green-1", docker=str(client)
    )
    task = Task("green", 0, 40000, [spec], tmp_path / "logs")
    task.start()
    try:
        state.write_text('{"Status": "starting", "Log": []}')
        assert not task.container_healthy() and task.exited() is None
        state.write_text('{"Status": "healthy", "Log": [{"Output": "ok"}]}')
        assert task.container_healthy() and task.exited() is None
        # ECS stops a task whose essential container is unhealthy: so does the rehearsal.
        state.write_text('{"Status": "unhealthy", "Log": [{"Output": "No module named server.healthcheck"}]}')
        assert task.exited() == 1
        assert task.unhealthy is not None and "No module named server.healthcheck" in task.unhealthy
        assert "No module named server.healthcheck" in task.last_log_line()
        assert "rm --force rehearsal-x-green-1" in calls.read_text()
        assert task.gone()
    finally:
        task.kill()


def test_a_task_without_a_container_has_no_container_health(tmp_path: Path) -> None:
    task = Task("blue", 0, 40000, [ProcessSpec(("true",), tmp_path, {}, "app")], tmp_path / "logs")
    assert task.container_health() == "" and task.container_healthy()
