"""The ASGI app: the routes the ALB, ECS and CodeDeploy hooks rely on."""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import socket
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.config import Settings
from server.jsonlog import log

MAX_SLEEP_SECONDS = 30.0


class Lifecycle:
    """Health flags: healthy only between startup and the first stop signal,
    so load balancers stop routing here while in-flight requests drain."""

    def __init__(self) -> None:
        self.started = False
        self.draining = False

    @property
    def healthy(self) -> bool:
        return self.started and not self.draining


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the app; a factory so env is validated by the caller, not at import."""
    settings = settings or Settings.from_env()
    lifecycle = Lifecycle()
    hostname = socket.gethostname()

    async def index(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "message": f"hello from version {settings.version}",
                "version": settings.version,
            }
        )

    async def health(request: Request) -> JSONResponse:
        if lifecycle.healthy:
            return JSONResponse({"status": "ok"})
        status = "draining" if lifecycle.draining else "starting"
        return JSONResponse({"status": status}, status_code=503)

    async def version(request: Request) -> JSONResponse:
        # Hostname/pid tell tasks apart while a canary splits traffic.
        return JSONResponse(
            {
                "version": settings.version,
                "image": settings.image,
                "hostname": hostname,
                "pid": os.getpid(),
            }
        )

    async def sleep(request: Request) -> JSONResponse:
        """Test-only slow request, used to prove SIGTERM drains in-flight work."""
        if not settings.enable_sleep:
            raise HTTPException(status_code=404)
        try:
            seconds = float(request.query_params.get("seconds", "1"))
        except ValueError:
            seconds = math.nan
        if not 0 <= seconds < math.inf:
            raise HTTPException(status_code=400, detail="seconds must be a number >= 0")
        seconds = min(seconds, MAX_SLEEP_SECONDS)
        log("sleep_begin", seconds=seconds)
        await asyncio.sleep(seconds)
        return JSONResponse({"slept": seconds})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        lifecycle.started = True
        yield
        lifecycle.draining = True

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    app = Starlette(
        routes=[
            Route("/", index),
            Route("/health", health),
            Route("/version", version),
            Route("/sleep", sleep),
        ],
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error},
    )
    app.state.lifecycle = lifecycle
    app.state.settings = settings
    return app
