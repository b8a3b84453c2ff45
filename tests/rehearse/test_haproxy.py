"""rehearse.haproxy: the generated configuration, `show stat` parsing, and the runtime API
against a real HAProxy in front of two tiny loopback servers."""

from __future__ import annotations

import http.server
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from rehearse.haproxy import (
    COLOUR_HEADER,
    Haproxy,
    HaproxyError,
    HealthCheck,
    Plan,
    RuntimeApi,
    basis_points,
    haproxy_binary,
    matcher_expect,
    parse_stat,
    render_config,
)
from rehearse.ports import free_ports
from tests.rehearse.needs_haproxy import needs_haproxy

CHECK = HealthCheck(
    "/health", interval_ms=50, timeout_ms=20, healthy_threshold=2, unhealthy_threshold=3, matcher="200"
)


def _plan(workdir: Path, ports: list[int] | None = None) -> Plan:
    production, test, blue, green = ports or [18001, 18002, 18003, 18004]
    return Plan(production, test, (blue,), (green,), CHECK, workdir)


def test_matcher_single_code_list_and_range() -> None:
    assert matcher_expect("200") == "status 200"
    assert matcher_expect("200-202") == "rstatus ^(200|201|202)$"
    assert matcher_expect("204,200") == "rstatus ^(200|204)$"


@pytest.mark.parametrize("matcher", ["abc", "99", "200-", "600", "300-200"])
def test_matcher_refuses_what_alb_refuses(matcher: str) -> None:
    with pytest.raises(ValueError, match="matcher"):
        matcher_expect(matcher)


def test_config_listens_and_checks_on_loopback_only(tmp_path: Path) -> None:
    text = render_config(_plan(tmp_path))
    binds = [line for line in text.splitlines() if line.strip().startswith(("bind", "server"))]
    assert len(binds) == 4
    assert all("127.0.0.1:" in line for line in binds)
    assert "0.0.0.0" not in text
    assert "default-server inter 50ms rise 2 fall 3" in text
    assert "timeout check 1000ms" in text  # never below a second: a busy machine is not a slow app
    assert "option httpchk GET /health" in text
    assert f"http-response set-header {COLOUR_HEADER} green" in text


def test_basis_points() -> None:
    assert basis_points(10) == 1000
    assert basis_points(0.5) == 50
    assert basis_points(100) == 10_000
    with pytest.raises(ValueError, match="outside 0-100"):
        basis_points(101)


def test_parse_stat_servers_only() -> None:
    csv = (
        "# pxname,svname,qcur,status\n"
        "production,FRONTEND,,OPEN\n"
        "blue,blue-1,0,UP\n"
        "blue,BACKEND,0,UP\n"
        "green,green-1,0,DOWN 1/2\n"
        "green,green-2,0,MAINT\n"
        "green,green-3,0,DRAIN\n"
    )
    stats = {stat.server: stat for stat in parse_stat(csv)}
    assert set(stats) == {"blue-1", "green-1", "green-2", "green-3"}
    assert stats["blue-1"].healthy
    assert not stats["green-1"].healthy and stats["green-1"].in_service
    assert not stats["green-2"].in_service
    assert stats["green-3"].draining and not stats["green-3"].healthy
    assert stats["green-1"].coming_up and not stats["blue-1"].coming_up
    with pytest.raises(HaproxyError, match="show stat"):
        parse_stat("Unknown command")


def test_missing_haproxy_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("rehearse.haproxy.shutil.which", lambda name: None)
    monkeypatch.setattr("rehearse.haproxy.SBIN_PATHS", ())
    with pytest.raises(HaproxyError, match="apt-get install haproxy"):
        haproxy_binary()


class _Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def balancer(tmp_path: Path) -> Iterator[tuple[Haproxy, RuntimeApi]]:
    ports = free_ports(4)
    servers = [http.server.ThreadingHTTPServer(("127.0.0.1", port), _Answer) for port in ports[2:]]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    haproxy = Haproxy(_plan(tmp_path, ports))
    try:
        yield haproxy, haproxy.start()
    finally:
        haproxy.stop()
        for server in servers:
            server.shutdown()
            server.server_close()


def _colour(port: int) -> str | None:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
        colour: str | None = response.headers.get(COLOUR_HEADER)
        return colour


def _wait_healthy(api: RuntimeApi, name: str) -> None:
    for _ in range(500):
        if api.servers()[name].healthy:
            return
        threading.Event().wait(0.01)
    raise AssertionError(f"{name} never healthy: {api.servers()[name]}")


@needs_haproxy
def test_generated_config_is_valid_haproxy(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    plan.weights_map.write_text("")
    plan.routes_map.write_text("")
    plan.config_path.write_text(render_config(plan))
    checked = subprocess.run(
        [haproxy_binary(), "-c", "-f", str(plan.config_path)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr


@needs_haproxy
def test_runtime_api_registers_shifts_and_drains(balancer: tuple[Haproxy, RuntimeApi]) -> None:
    haproxy, api = balancer
    servers = api.servers()
    assert {stat.status for stat in servers.values()} == {"MAINT"}  # no task yet
    api.register("blue", 0)
    api.register("green", 0)
    assert not api.servers()["green-1"].healthy  # must pass its checks first
    _wait_healthy(api, "blue-1")  # rise 2: two passing checks
    for _ in range(500):  # a new target that passed its first check is marked healthy (ALB's rule)
        if api.servers()["green-1"].coming_up:
            break
        threading.Event().wait(0.005)
    api.mark_healthy("green", "green-1")
    assert api.servers()["green-1"].healthy
    production, test = haproxy.plan.production_port, haproxy.plan.test_port
    assert {_colour(production) for _ in range(20)} == {"blue"}
    assert _colour(test) == "blue"
    api.set_green_share(100)
    api.point_test_listener("green")
    assert {_colour(production) for _ in range(20)} == {"green"}
    assert _colour(test) == "green"
    api.set_green_share(50)
    assert {_colour(production) for _ in range(60)} == {"blue", "green"}
    api.drain("blue", 0)
    assert api.servers()["blue-1"].draining
    api.deregister("blue", 0)
    assert not api.servers()["blue-1"].in_service


@needs_haproxy
def test_runtime_api_refusal_is_an_error(balancer: tuple[Haproxy, RuntimeApi]) -> None:
    _, api = balancer
    with pytest.raises(HaproxyError, match="refused"):
        api.command("set server nowhere/nobody state ready")


@needs_haproxy
def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        others = free_ports(3, {port})
        haproxy = Haproxy(_plan(tmp_path, [port, *others]))
        with pytest.raises(HaproxyError, match="did not start") as error:
            haproxy.start()
    assert "\n" not in str(error.value)
    assert haproxy.process is None
