"""Test doubles shared by the release, ECS-release and CLI tests: virtual time, a log, offline clients."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

REGION = "us-east-1"


@dataclass
class FakeClock:
    """Virtual time: ``sleep`` advances it (never really sleeps), then runs ``on_sleep``."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)
    on_sleep: Callable[[], None] | None = None

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert len(self.sleeps) < 1000, "runaway polling loop"
        self.sleeps.append(seconds)
        self.now += seconds
        if self.on_sleep is not None:
            self.on_sleep()


def no_sleep(seconds: float) -> None:
    raise AssertionError(f"unexpected sleep({seconds})")


class Log(list[str]):
    """A log function that keeps its lines."""

    def __call__(self, line: str) -> None:
        self.append(line)

    def text(self) -> str:
        return "\n".join(self)


# One boto3 session for every offline client: a new session loads and parses the service's
# API model again (0.1-1 s per client), a client of an existing session reuses it. Each
# client is still new (its own Stubber and event handlers).
_SESSION = boto3.session.Session()


def offline_client(service: str) -> Any:
    """A real boto3 client that is only ever used under a Stubber (no network)."""
    return _SESSION.client(
        service,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        endpoint_url="http://127.0.0.1:9",
        config=Config(retries={"max_attempts": 1}),
    )
