"""In-process checks of logic the subprocess tests cannot reach deterministically."""

from __future__ import annotations

import asyncio
import signal

import httpx
import pytest
import uvicorn
from server import main as server_main
from server.__main__ import GracefulServer
from server.config import ConfigError, Settings, env_int
from server.main import create_app
from starlette.applications import Starlette


def asgi_client(app: Starlette) -> httpx.AsyncClient:
    # httpx's ASGI transport skips lifespan, so tests control startup explicitly.
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def test_health_is_503_until_startup_and_after_stop_signal() -> None:
    app = create_app(Settings())

    async def scenario() -> None:
        async with asgi_client(app) as client:
            response = await client.get("/health")
            assert (response.status_code, response.json()) == (
                503,
                {"status": "starting"},
            )
            async with app.router.lifespan_context(app):
                assert (await client.get("/health")).json() == {"status": "ok"}
                server = GracefulServer(uvicorn.Config(app), app.state.lifecycle, Settings())
                server.handle_exit(signal.SIGTERM, None)
                assert server.should_exit
                response = await client.get("/health")
                assert (response.status_code, response.json()) == (
                    503,
                    {"status": "draining"},
                )

    asyncio.run(scenario())


def get(app: Starlette, path: str) -> httpx.Response:
    async def go() -> httpx.Response:
        async with asgi_client(app) as client:
            return await client.get(path)

    return asyncio.run(go())


@pytest.mark.parametrize("seconds", ["-1", "abc", "nan", "inf"])
def test_sleep_rejects_bad_seconds(seconds: str) -> None:
    app = create_app(Settings(enable_sleep=True))
    assert get(app, f"/sleep?seconds={seconds}").status_code == 400


def test_sleep_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_main, "MAX_SLEEP_SECONDS", 0.01)
    app = create_app(Settings(enable_sleep=True))
    assert get(app, "/sleep?seconds=31").json() == {"slept": 0.01}


@pytest.mark.parametrize(("raw", "expected"), [("", 8080), (" 9000 ", 9000), ("65535", 65535)])
def test_env_int_accepts(raw: str, expected: int) -> None:
    assert env_int({"PORT": raw}, "PORT", 8080, 1, 65535) == expected


@pytest.mark.parametrize("raw", ["8_080", "+80", "0x50", "\u0661\u0662", "99999"])
def test_env_int_rejects(raw: str) -> None:
    with pytest.raises(ConfigError, match="PORT"):
        env_int({"PORT": raw}, "PORT", 8080, 1, 65535)
