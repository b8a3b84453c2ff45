"""The scenarios' faults (rehearse/faults.py, rehearse/scenarios.py), the loopback launcher and
the CodeDeploy stand-in: each as a real process or server on loopback."""

from __future__ import annotations

import http.server
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from rehearse.faults import FaultProxy, request_path, with_connection_close
from rehearse.launch import loopback_address
from rehearse.ports import free_ports, listening
from rehearse.scenarios import SCENARIOS, Fault, scenario, task_processes
from rehearse.standin import CodeDeployStandIn
from rehearse.tasks import wait_until

ROOT = Path(__file__).resolve().parents[2]


def test_decide() -> None:
    unhealthy = FaultProxy(1, "/health", unhealthy=True, error_share=0, delay=0)
    assert unhealthy.decide("/health") == "unhealthy"
    assert unhealthy.decide("/") == "forward"
    errors = FaultProxy(1, "/health", unhealthy=False, error_share=1, delay=0)
    assert errors.decide("/health") == "forward"  # the target group still finds it healthy
    assert errors.decide("/") == "error"
    assert FaultProxy(1, "/health", unhealthy=False, error_share=0, delay=2).decide("/") == "slow"
    half = FaultProxy(1, "/health", unhealthy=False, error_share=0.5, delay=0)
    half.random.seed(7)
    choices = {half.decide("/") for _ in range(50)}
    assert choices == {"error", "forward"}
    with pytest.raises(ValueError, match="error-share"):
        FaultProxy(1, "/health", unhealthy=False, error_share=1.5, delay=0)


def test_request_head_helpers() -> None:
    head = b"GET /version?x=1 HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n"
    assert request_path(head) == "/version"
    rewritten = with_connection_close(head)
    assert b"keep-alive" not in rewritten
    assert rewritten.endswith(b"Connection: close\r\n\r\n")


def test_launcher_keeps_any_address_on_loopback() -> None:
    assert loopback_address(socket.AF_INET, ("0.0.0.0", 80)) == ("127.0.0.1", 80)
    assert loopback_address(socket.AF_INET, ("", 80)) == ("127.0.0.1", 80)
    assert loopback_address(socket.AF_INET6, ("::", 80, 0, 0)) == ("::1", 80, 0, 0)
    assert loopback_address(socket.AF_INET, ("10.0.0.1", 80)) == ("10.0.0.1", 80)


def test_unknown_scenario_names_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match="good, crash, unhealthy, errors, slow, no-drain"):
        scenario("flaky")


@pytest.mark.parametrize(
    ("name", "blue_roles", "green_roles"),
    [
        ("good", ["app"], ["app"]),
        ("crash", ["app"], ["crash"]),
        ("unhealthy", ["app"], ["app", "proxy"]),
        ("errors", ["app"], ["app", "proxy"]),
        ("slow", ["app"], ["app", "proxy"]),
        ("no-drain", ["no-forward"], ["app"]),
    ],
)
def test_faults_stay_outside_the_app(name: str, blue_roles: list[str], green_roles: list[str]) -> None:
    chosen = SCENARIOS[name]
    fault = Fault(error_share=0.25, slow_seconds=3)
    env = {"APP_VERSION": "v1"}
    blue = task_processes(
        chosen, "blue", ROOT / "app", ("python", "-m", "server"), env, 1000, 1000, "/health", fault
    )
    green = task_processes(
        chosen, "green", ROOT / "app", ("python", "-m", "server"), env, 1001, 2001, "/health", fault
    )
    assert [p.role for p in blue] == blue_roles
    assert [p.role for p in green] == green_roles
    for process in [*blue, *green]:
        assert process.env["APP_VERSION"] == "v1"
        if process.role == "app":  # the image's command, unchanged, behind the loopback launcher
            assert process.argv[1:3] == ("-m", "rehearse.launch")
            assert process.argv[-2:] == ("-m", "server")
    if "proxy" in green_roles:
        app, proxy = green
        assert app.env["PORT"] == "2001" and proxy.env["PORT"] == "1001"
        assert proxy.argv[proxy.argv.index("--listen") : proxy.argv.index("--listen") + 2] == (
            "--listen",
            "1001",
        )
    if name == "errors":
        assert "0.25" in green[1].argv
    if name == "slow":
        assert "3" in green[1].argv


class _Upstream(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = self.path.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.fixture
def upstream() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _get(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.parametrize(
    ("option", "health", "root"), [("--unhealthy", 503, 200), ("--error-share=1", 200, 500)]
)
def test_proxy_process(upstream: int, option: str, health: int, root: int) -> None:
    (port,) = free_ports(1, {upstream})
    argv = [
        sys.executable,
        "-m",
        "rehearse.faults",
        "proxy",
        "--listen",
        str(port),
        "--upstream",
        str(upstream),
    ]
    proxy = subprocess.Popen([*argv, option], env=_env(), start_new_session=True)
    try:
        assert wait_until(lambda: listening(port), 10)
        assert _get(port, "/health")[0] == health
        status, body = _get(port, "/")
        assert status == root
        if root == 200:
            assert body == b"/"  # forwarded to the app, answer unchanged
    finally:
        proxy.send_signal(signal.SIGTERM)
        assert proxy.wait(10) == 0


def test_crash_exits_at_start() -> None:
    crashed = subprocess.run(
        [sys.executable, "-m", "rehearse.faults", "crash"], env=_env(), capture_output=True
    )
    assert crashed.returncode == 1
    assert b"exits at start" in crashed.stderr


def test_no_forward_swallows_sigterm_until_sigkill() -> None:
    child = [sys.executable, "-c", "import time; time.sleep(60)"]
    wrapper = subprocess.Popen(
        [sys.executable, "-m", "rehearse.faults", "no-forward", "--", *child],
        env=_env(),
        start_new_session=True,
    )
    try:
        assert wait_until(lambda: bool(_children(wrapper.pid)), 10)
        (sleeper,) = _children(wrapper.pid)
        wrapper.send_signal(signal.SIGTERM)
        with pytest.raises(subprocess.TimeoutExpired):  # still running after SIGTERM: as intended
            wrapper.wait(0.5)
    finally:
        os.killpg(wrapper.pid, signal.SIGKILL)
        wrapper.wait(10)
    assert wrapper.returncode == -signal.SIGKILL
    assert wait_until(lambda: not Path(f"/proc/{sleeper}").exists() or _zombie(sleeper), 5)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _zombie(pid: int) -> bool:
    try:
        return (Path(f"/proc/{pid}") / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_standin_takes_the_real_boto3_call(monkeypatch: pytest.MonkeyPatch) -> None:
    standin = CodeDeployStandIn().start()
    try:
        for key, value in {
            "AWS_ACCESS_KEY_ID": "rehearsal",
            "AWS_SECRET_ACCESS_KEY": "rehearsal",
            "AWS_ENDPOINT_URL_CODEDEPLOY": standin.url,
        }.items():
            monkeypatch.setenv(key, value)
        client = boto3.client("codedeploy", region_name="us-east-1")
        answer = client.put_lifecycle_event_hook_execution_status(
            deploymentId="d-REHEARSAL", lifecycleEventHookExecutionId="hook-1", status="Succeeded"
        )
        assert answer["lifecycleEventHookExecutionId"] == "hook-1"
        assert standin.status_of("hook-1") == "Succeeded"
        with pytest.raises(ClientError, match="UnknownOperation"):
            client.get_deployment(deploymentId="d-REHEARSAL")
    finally:
        standin.stop()
