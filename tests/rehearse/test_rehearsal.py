"""Real rehearsals through the command: the dev stack's release with real processes, HAProxy and
traffic, at high compression; one good release and one `errors` scenario. Then bad input:
one line, exit code 2, and nothing left running."""

from __future__ import annotations

import io
import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest

from rehearse.cli import main
from rehearse.engine import Options, Rehearsal, RehearsalInputError, Sources
from rehearse.scenarios import scenario
from rehearse.settings import load_settings
from tests.rehearse.needs_haproxy import needs_haproxy

COMPRESSION = "60"
"""dev's release (about 3 min) in about 3 s; its 60 s alarm periods last 1 s (50 requests each).

dev keeps blue exactly as long as its alarms take to fire (2 x 60 s), so whether `errors` rolls
back depends on where in an alarm period the shift lands (docs/rehearsal.md, findings): here
about 0.4 s before a period ends, well inside the 0.2-0.9 s that works at this factor. At 120
that margin is gone."""


REHEARSAL_MODULES = {"rehearse.launch", "rehearse.faults", "rehearse.hookrun"}
"""What a rehearsal's processes run (python -m ...), besides HAProxy."""


def _ours() -> list[str]:
    """This process's children that belong to a rehearsal (tasks, faults, hooks, HAProxy)."""
    found = []
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        state, parent = stat.rsplit(")", 1)[1].split()[:2]
        words = command.split()
        ours = bool(words) and (words[0].endswith("/haproxy") or bool(REHEARSAL_MODULES.intersection(words)))
        if int(parent) == me and state != "Z" and ours:
            found.append(command)
    return found


def _rehearse(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["--stack", "dev", "--compression", COMPRESSION, "--json", "--out", str(tmp_path), *args], out, err
    )
    assert not _ours(), "a process of the rehearsal is still running"
    return code, json.loads(out.getvalue()) if out.getvalue() else {}, err.getvalue()


@needs_haproxy
def test_a_good_release_loses_no_request(tmp_path: Path) -> None:
    code, report, err = _rehearse(tmp_path, "--scenario", "good")
    assert code == 0, err
    assert report["outcome"] == "released"
    assert report["requests"] > 100
    assert report["failed_requests"] == 0
    assert (tmp_path / "dev-good.svg").read_text().startswith("<svg")
    assert "released" in (tmp_path / "dev-good.md").read_text()


@needs_haproxy
def test_errors_roll_back_on_the_alarm(tmp_path: Path) -> None:
    code, report, err = _rehearse(tmp_path, "--scenario", "errors")
    assert code == 0, err
    assert report["outcome"] == "rolled_back"
    assert report["failed_requests"] > 0  # green's 500s reached users until the alarm fired
    assert report["failed_after_rollback"] == 0
    assert "target-5xx" in json.dumps(report)


def test_unknown_scenario(tmp_path: Path) -> None:
    code, _, err = _rehearse(tmp_path, "--scenario", "flaky")
    assert code == 2
    assert err.count("\n") == 1 and "allowed: good, crash" in err


def test_missing_haproxy_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("rehearse.haproxy.shutil.which", lambda name: None)
    monkeypatch.setattr("rehearse.haproxy.SBIN_PATHS", ())
    code, _, err = _rehearse(tmp_path)
    assert code == 2
    assert err.count("\n") == 1 and "apt-get install haproxy" in err


@needs_haproxy
def test_unknown_ref(tmp_path: Path) -> None:
    code, _, err = _rehearse(tmp_path, "--blue-ref", "no-such-branch-anywhere")
    assert code == 2
    assert err.count("\n") == 1 and "--blue-ref 'no-such-branch-anywhere' is not a commit" in err


@needs_haproxy
def test_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = _rehearse(tmp_path, "--port", str(port))
    assert code == 2
    assert err.count("\n") == 1 and f"--port {port} is in use" in err


@needs_haproxy
def test_an_app_that_cannot_start(tmp_path: Path) -> None:
    broken = tmp_path / "app"
    (broken / "server").mkdir(parents=True)
    (broken / "server" / "__main__.py").write_text("raise SystemExit('error: PORT=x is invalid')\n")
    options = Options(scenario("good"), compression=60)
    rehearsal = Rehearsal(load_settings("dev"), Sources(broken, broken, "broken", "broken"), options)
    with pytest.raises(RehearsalInputError, match=r"blue \(broken\) cannot start: exited.*PORT=x is invalid"):
        rehearsal.run()
    assert not _ours()


@needs_haproxy
def test_an_interrupted_rehearsal_leaves_nothing_running(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C (or SIGTERM, which the command turns into it) once green runs: all of it stops."""
    step = Rehearsal._step

    def interrupted(self: Rehearsal, index: int, events: Any) -> None:
        if "green healthy" in events[index].label:
            assert self.green and self.blue and self.haproxy is not None
            raise KeyboardInterrupt
        step(self, index, events)

    monkeypatch.setattr(Rehearsal, "_step", interrupted)
    app = Path(__file__).resolve().parents[2] / "app"
    rehearsal = Rehearsal(
        load_settings("dev"), Sources(app, app, "HEAD", "working tree"), Options(scenario("good"), 60)
    )
    with pytest.raises(KeyboardInterrupt):
        rehearsal.run()
    assert not _ours()
    assert all(task.gone() for task in [*rehearsal.blue, *rehearsal.green])


def test_bluegreen_rehearse_is_the_same_command() -> None:
    from release.cli.main import main as bluegreen

    out, err = io.StringIO(), io.StringIO()
    assert bluegreen(["rehearse", "--scenario", "flaky"], out=out, err=err) == 2
    assert "--scenario 'flaky' is unknown" in err.getvalue()


@needs_haproxy
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stack", "nope"], "stack: 'nope' has no Pulumi.nope.yaml"),
        (["--compression", "0.5"], "compression: 0.5 is below 1"),
        (["--green-ref", "no-such-ref"], "--green-ref 'no-such-ref' is not a commit"),
        (["--config", 'deployment={"strategy": "zigzag"}'], "deployment.strategy: got 'zigzag'"),
        (["--rate", "0"], "--rate 0 is outside"),
    ],
)
def test_bad_input_is_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main([*args, "--out", str(tmp_path)], out, err)
    assert code == 2
    assert err.getvalue().count("\n") == 1 and message in err.getvalue()
    assert not _ours()
