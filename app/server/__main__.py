"""Entry point (`python -m server`): validate env, serve, drain on SIGTERM, exit 0."""

from __future__ import annotations

import os
import signal
import socket
import sys
from types import FrameType

import uvicorn

from server.config import ConfigError, Settings
from server.jsonlog import LOG_CONFIG, log
from server.main import Lifecycle, create_app


class GracefulServer(uvicorn.Server):
    """uvicorn.Server that flags /health as draining on the stop signal and logs phases."""

    def __init__(self, config: uvicorn.Config, lifecycle: Lifecycle, settings: Settings) -> None:
        super().__init__(config)
        self.lifecycle = lifecycle
        self.settings = settings

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # Only set a flag: logging from a signal handler can re-enter stdout's buffer.
        self.lifecycle.draining = True
        super().handle_exit(sig, frame)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            log(
                "startup",
                port=self.settings.port,
                version=self.settings.version,
                image=self.settings.image,
                shutdown_timeout=self.settings.shutdown_timeout,
                pid=os.getpid(),
            )

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # uvicorn closes the listeners first too; doing it before the log line
        # means "shutdown_begin" guarantees new connections are already refused.
        for listener in getattr(self, "servers", []):
            listener.close()
        log("shutdown_begin", in_flight=len(self.server_state.connections))
        await super().shutdown(sockets=sockets)


def main() -> int:
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host="0.0.0.0",
        port=settings.port,
        timeout_graceful_shutdown=settings.shutdown_timeout,
        # Longer than the ALB idle timeout (60 s) so the ALB, not us, closes idle
        # keep-alive connections; otherwise it can reuse a dying one and return 502.
        timeout_keep_alive=65,
        log_config=LOG_CONFIG,
        server_header=False,
        lifespan="on",
    )
    server = GracefulServer(config, app.state.lifecycle, settings)
    # uvicorn re-raises the stop signal once it has drained, restoring the previous
    # handler first; a no-op handler turns that into a clean exit 0 instead of 143.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    server.run()
    if not server.started:
        log("startup_failed")
        return 1
    log("shutdown_complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
