"""Run the image's command with every listening socket on loopback.

``python -m rehearse.launch python -m server`` runs the app exactly as the image's ``CMD``
does (``runpy``, ``__main__``, the same arguments), except that a bind to every address
(``0.0.0.0``, ``::`` or ``""``, right inside a container) becomes a bind to loopback: the
rehearsal keeps every listener on 127.0.0.1. The app's code is not touched.
"""

from __future__ import annotations

import runpy
import socket
import sys
from typing import Any

PYTHONS = ("python", "python3")
ANY_ADDRESS: dict[int, tuple[str, str]] = {socket.AF_INET: ("", "0.0.0.0"), socket.AF_INET6: ("", "::")}
LOOPBACK_OF: dict[int, str] = {socket.AF_INET: "127.0.0.1", socket.AF_INET6: "::1"}


def loopback_address(family: int, address: Any) -> Any:
    """``address`` with an any-address host replaced by the family's loopback address."""
    if isinstance(address, tuple) and family in ANY_ADDRESS and address[0] in ANY_ADDRESS[family]:
        return (LOOPBACK_OF[family], *address[1:])
    return address


def keep_binds_on_loopback() -> None:
    original = socket.socket.bind

    def bind(self: socket.socket, address: Any) -> None:
        original(self, loopback_address(self.family, address))

    socket.socket.bind = bind  # type: ignore[method-assign,assignment]


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0].rsplit("/", 1)[-1] not in PYTHONS:
        print(
            f"rehearse.launch: cannot run {argv!r}: the image's command must be `python -m MODULE ...` "
            "or `python SCRIPT ...`",
            file=sys.stderr,
        )
        return 2
    keep_binds_on_loopback()
    if argv[1] == "-m" and len(argv) >= 3:
        sys.argv = [argv[2], *argv[3:]]
        runpy.run_module(argv[2], run_name="__main__", alter_sys=True)
    else:
        sys.argv = argv[1:]
        runpy.run_path(argv[1], run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
