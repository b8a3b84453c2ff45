"""HAProxy standing in for the Application Load Balancer, on loopback only.

What the ALB does in a release, and how HAProxy does it here:

- two target groups, blue and green: one backend per colour, with active HTTP health checks
  from the target group's settings (path, interval, timeout, healthy and unhealthy
  thresholds, success codes). A backend adds a response header naming its colour, so the load
  generator knows who answered;
- the production listener's weighted forward to both target groups: the frontend draws a
  number from 0 to 9999 per request and sends it to green when it is below green's share in
  basis points, a value in a map file that the runtime API changes (``set map``) as the engine
  shifts traffic;
- the test listener's forward to one target group: the backend's name in a second map;
- a target deregistering: the server set to ``drain`` (no new requests, in-flight ones finish)
  through the runtime API, the same socket that reads health (``show stat``);
- a new target's first passing check: ALB counts a newly registered target healthy after one
  passing check ("After your target is registered, it must pass one health check to be
  considered healthy"), the healthy threshold applies to a target that was unhealthy. HAProxy
  has one ``rise`` per server, so the driver marks a new target up (``set server ... health
  up``) when its first check passes (``DOWN 1/2``). HAProxy's first check of a registered
  target comes at some point within one interval (its check timer keeps running).

Every ``bind`` and every server is 127.0.0.1.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rehearse.records import Colour

LOOPBACK = "127.0.0.1"
COLOUR_HEADER = "X-Rehearsal-Colour"
COLOURS: tuple[Colour, Colour] = ("blue", "green")
GREEN_SHARE_KEY = "green_basis_points"
TEST_ROUTE_KEY = "test"
BASIS_POINTS = 10_000
INSTALL_HINT = "haproxy is not installed: install it with `apt-get install haproxy` (Debian/Ubuntu)"
MIN_CHECK_MS = 10
"""HAProxy accepts any positive ``inter``; below this, checks would load the machine more than the traffic."""
MIN_CHECK_TIMEOUT_MS = 1000
"""A health check's timeout is not compressed below this: a busy machine's scheduling delays are
not the app's latency (the stack's timeouts are seconds; a check that fails, fails at once)."""


class HaproxyError(RuntimeError):
    """HAProxy is missing, refused its configuration or did not come up: one line for the operator."""


@dataclass(frozen=True)
class HealthCheck:
    """A target group's health check, its durations already compressed to milliseconds."""

    path: str
    interval_ms: int
    timeout_ms: int
    healthy_threshold: int
    unhealthy_threshold: int
    matcher: str
    """The ALB matcher: ``200``, ``200,202`` or ``200-399``."""


@dataclass(frozen=True)
class Plan:
    """Everything the configuration is generated from."""

    production_port: int
    test_port: int
    blue_ports: tuple[int, ...]
    green_ports: tuple[int, ...]
    health_check: HealthCheck
    workdir: Path
    """Holds the configuration, the maps, the pid file and the runtime API's socket."""
    server_timeout_ms: int = 30_000

    @property
    def socket_path(self) -> Path:
        return self.workdir / "admin.sock"

    @property
    def weights_map(self) -> Path:
        return self.workdir / "weights.map"

    @property
    def routes_map(self) -> Path:
        return self.workdir / "routes.map"

    @property
    def config_path(self) -> Path:
        return self.workdir / "haproxy.cfg"

    def ports(self, colour: Colour) -> tuple[int, ...]:
        return self.blue_ports if colour == "blue" else self.green_ports


def server_name(colour: Colour, index: int) -> str:
    """``blue-1``, ``green-2``: one server per task, numbered from 1."""
    return f"{colour}-{index + 1}"


def matcher_expect(matcher: str) -> str:
    """The ``http-check expect`` rule for an ALB success-codes matcher.

    ALB takes one code (``200``), a list (``200,202``) or a range (``200-299``); HAProxy takes
    one status or a regular expression over the status code.
    """
    text = matcher.replace(" ", "")
    if re.fullmatch(r"[1-5]\d\d", text):
        return f"status {text}"
    codes: list[int] = []
    for part in text.split(","):
        bounds = re.fullmatch(r"([1-5]\d\d)(?:-([1-5]\d\d))?", part)
        if bounds is None:
            raise ValueError(
                f"health check matcher {matcher!r} is not an ALB success-codes value; allowed: one code "
                "(200), a comma-separated list (200,202) or a range (200-399), codes 100-599"
            )
        low = int(bounds.group(1))
        high = int(bounds.group(2) or low)
        if high < low:
            raise ValueError(f"health check matcher {matcher!r}: range {part} ends before it starts")
        codes.extend(range(low, high + 1))
    return f"rstatus ^({'|'.join(str(code) for code in sorted(set(codes)))})$"


def _backend(colour: Colour, ports: Sequence[int], check: HealthCheck) -> list[str]:
    interval = max(MIN_CHECK_MS, check.interval_ms)
    timeout = max(MIN_CHECK_TIMEOUT_MS, check.timeout_ms)
    lines = [
        f"backend {colour}",
        f"  http-response set-header {COLOUR_HEADER} {colour}",
        f"  option httpchk GET {check.path}",
        f"  http-check expect {matcher_expect(check.matcher)}",
        f"  timeout check {timeout}ms",
        f"  default-server inter {interval}ms rise {check.healthy_threshold}"
        f" fall {check.unhealthy_threshold}",
    ]
    # Servers start in maintenance: a task joins its target group when it runs (RuntimeApi.register).
    lines.extend(
        f"  server {server_name(colour, index)} {LOOPBACK}:{port} check disabled"
        for index, port in enumerate(ports)
    )
    return lines


def render_config(plan: Plan) -> str:
    """The haproxy.cfg text for a plan."""
    connect_ms = max(MIN_CHECK_TIMEOUT_MS, min(plan.health_check.timeout_ms, 5000))
    lines = [
        "# Generated by the release rehearsal (rehearse/haproxy.py): the ALB on loopback.",
        "global",
        f"  stats socket {plan.socket_path} mode 600 level admin",
        "  maxconn 2000",
        "defaults",
        "  mode http",
        f"  timeout connect {connect_ms}ms",
        "  timeout client 30s",
        f"  timeout server {plan.server_timeout_ms}ms",
        "  timeout http-keep-alive 1s",
        "",
        "frontend production",
        f"  bind {LOOPBACK}:{plan.production_port}",
        f"  http-request set-var(txn.green) str({GREEN_SHARE_KEY}),map_str_int({plan.weights_map},0)",
        f"  http-request set-var(txn.roll) rand({BASIS_POINTS})",
        "  use_backend green if { var(txn.roll),sub(txn.green) -m int lt 0 }",
        "  default_backend blue",
        "",
        "frontend test",
        f"  bind {LOOPBACK}:{plan.test_port}",
        f"  use_backend %[str({TEST_ROUTE_KEY}),map({plan.routes_map},blue)]",
        "",
    ]
    for colour in COLOURS:
        lines.extend(_backend(colour, plan.ports(colour), plan.health_check))
        lines.append("")
    return "\n".join(lines)


def basis_points(green_percent: float) -> int:
    """Green's share as the map holds it: 10 % -> 1000, 0.5 % -> 50."""
    if not 0 <= green_percent <= 100:
        raise ValueError(f"green's share {green_percent!r} is outside 0-100 %")
    return round(green_percent * BASIS_POINTS / 100)


@dataclass(frozen=True)
class ServerStat:
    """One server's line of ``show stat``."""

    backend: str
    server: str
    status: str
    """``UP``, ``DOWN``, ``UP 1/2`` (going down), ``DOWN 1/2`` (coming up), ``DRAIN``, ``MAINT``, ``NOLB``."""

    @property
    def in_service(self) -> bool:
        """Registered with the target group: not in maintenance (a task that does not exist)."""
        return not self.status.startswith("MAINT")

    @property
    def coming_up(self) -> bool:
        """Down, but its last checks passed (``DOWN 1/2``): on its way to ``rise`` passes."""
        return self.status.startswith("DOWN ") and "/" in self.status

    @property
    def draining(self) -> bool:
        return self.status.startswith("DRAIN")

    @property
    def healthy(self) -> bool:
        """Passing its health checks and taking requests, as the ALB's HealthyHostCount counts it
        (a draining target counts as neither healthy nor unhealthy)."""
        return self.in_service and self.status.startswith("UP")


def parse_stat(csv_text: str) -> list[ServerStat]:
    """The server lines of ``show stat``'s CSV (FRONTEND and BACKEND summary lines left out)."""
    lines = [line for line in csv_text.splitlines() if line.strip()]
    if not lines or not lines[0].startswith("# "):
        raise HaproxyError(f"unexpected answer to `show stat`: {csv_text[:200]!r}")
    header = lines[0][2:].split(",")
    column = {name: index for index, name in enumerate(header)}
    stats = []
    for line in lines[1:]:
        fields = line.split(",")
        server = fields[column["svname"]]
        if server in ("FRONTEND", "BACKEND"):
            continue
        stats.append(ServerStat(fields[column["pxname"]], server, fields[column["status"]]))
    return stats


class RuntimeApi:
    """HAProxy's runtime API over its unix socket: one command per connection."""

    def __init__(self, socket_path: Path, weights_map: Path, routes_map: Path, timeout: float = 5.0) -> None:
        self.socket_path = socket_path
        self.weights_map = weights_map
        self.routes_map = routes_map
        self.timeout = timeout

    @classmethod
    def for_plan(cls, plan: Plan) -> RuntimeApi:
        return cls(plan.socket_path, plan.weights_map, plan.routes_map)

    def command(self, line: str) -> str:
        """Send one command, return HAProxy's answer; an answer that reports a failure raises."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(self.timeout)
            conn.connect(str(self.socket_path))
            conn.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        answer = b"".join(chunks).decode(errors="replace").strip()
        lowered = answer.lower()
        if any(word in lowered for word in ("unknown command", "no such", "require", "invalid", "not found")):
            raise HaproxyError(f"HAProxy refused `{line}`: {answer.splitlines()[0]}")
        return answer

    def set_green_share(self, green_percent: float) -> None:
        """Production traffic on green from now on (the listener's weights)."""
        self.command(f"set map {self.weights_map} {GREEN_SHARE_KEY} {basis_points(green_percent)}")

    def point_test_listener(self, colour: Colour) -> None:
        self.command(f"set map {self.routes_map} {TEST_ROUTE_KEY} {colour}")

    def register(self, colour: Colour, index: int) -> None:
        """A new task joins its target group: it must pass ``healthy_threshold`` checks first."""
        name = f"{colour}/{server_name(colour, index)}"
        self.command(f"set server {name} state ready")
        self.command(f"set server {name} health down")

    def mark_healthy(self, backend: str, server: str) -> None:
        """A target that passed its first check as a new target: healthy now, as ALB counts it."""
        self.command(f"set server {backend}/{server} health up")

    def drain(self, colour: Colour, index: int) -> None:
        """Deregistration begins: no new requests for this target, in-flight ones finish."""
        self.command(f"set server {colour}/{server_name(colour, index)} state drain")

    def deregister(self, colour: Colour, index: int) -> None:
        """The target is gone from the target group."""
        self.command(f"set server {colour}/{server_name(colour, index)} state maint")

    def stats(self) -> list[ServerStat]:
        return parse_stat(self.command("show stat"))

    def servers(self) -> dict[str, ServerStat]:
        """The blue and green servers by name (``blue-1``)."""
        return {stat.server: stat for stat in self.stats() if stat.backend in COLOURS}


SBIN_PATHS = ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy")
"""Where Debian's package puts it, for a PATH without sbin."""


def haproxy_binary() -> str:
    """The haproxy executable, or the one-line error that says how to install it."""
    found = shutil.which("haproxy") or next((path for path in SBIN_PATHS if Path(path).exists()), None)
    if found is None:
        raise HaproxyError(INSTALL_HINT)
    return found


class Haproxy:
    """One HAProxy process for one rehearsal: started from a plan, always stopped."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.process: subprocess.Popen[bytes] | None = None
        self.api = RuntimeApi.for_plan(plan)

    def start(self, ready_timeout: float = 10.0) -> RuntimeApi:
        binary = haproxy_binary()
        plan = self.plan
        plan.workdir.mkdir(parents=True, exist_ok=True)
        plan.weights_map.write_text(f"{GREEN_SHARE_KEY} 0\n")
        plan.routes_map.write_text(f"{TEST_ROUTE_KEY} blue\n")
        plan.config_path.write_text(render_config(plan))
        check = subprocess.run(
            [binary, "-c", "-q", "-f", str(plan.config_path)], capture_output=True, text=True, check=False
        )
        if check.returncode != 0:
            raise HaproxyError(f"HAProxy refused the generated configuration: {_first_alert(check.stderr)}")
        # -db: stay in the foreground, so this object owns the process and nothing outlives it.
        self.process = subprocess.Popen(
            [binary, "-db", "-f", str(plan.config_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                stderr = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                self.process = None
                raise HaproxyError(f"HAProxy did not start: {_first_alert(stderr)}")
            try:
                self.api.stats()
                return self.api
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise HaproxyError(f"HAProxy did not answer on {plan.socket_path} within {ready_timeout:g} s")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()  # SIGTERM: HAProxy's hard stop
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stderr:
            process.stderr.close()


def _first_alert(stderr: str) -> str:
    """HAProxy's first [ALERT] line (its reason), else the first non-empty line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    alerts = [line for line in lines if "[ALERT]" in line]
    chosen = (alerts or lines or ["no message"])[0]
    return re.sub(r"^\[ALERT\]\s*\(\d+\)\s*:\s*", "", chosen)
