"""Loopback ports for the listeners and the tasks: picked free, or checked when given."""

from __future__ import annotations

import socket

LOOPBACK = "127.0.0.1"


class PortInUseError(ValueError):
    """A port the operator asked for is taken."""


def free_port() -> int:
    """A port nothing listens on right now (the kernel's pick on 127.0.0.1)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def free_ports(count: int, taken: set[int] | None = None) -> list[int]:
    """``count`` distinct free ports, none of them in ``taken``."""
    seen = set(taken or ())
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in seen:
            seen.add(port)
            ports.append(port)
    return ports


def ensure_free(port: int, what: str) -> int:
    """``port`` if it can be bound on 127.0.0.1, else PortInUseError naming it."""
    if not 1 <= port <= 65535:
        raise PortInUseError(f"{what} {port} is not a port; allowed: 1-65535")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((LOOPBACK, port))
        except OSError as error:
            raise PortInUseError(
                f"{what} {port} is in use on {LOOPBACK} ({error.strerror}); pick another"
            ) from None
    return port


def listening(port: int, timeout: float = 0.2) -> bool:
    """True when something accepts connections on 127.0.0.1:port."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=timeout):
            return True
    except OSError:
        return False
