"""Environment parsing, stdlib-only so the health check can share it."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_PORT = 8080
# Below the ECS default stopTimeout (30 s) so draining ends before SIGKILL.
DEFAULT_SHUTDOWN_TIMEOUT = 25
# ECS caps stopTimeout at 120 s; waiting longer than that can never finish.
MAX_SHUTDOWN_TIMEOUT = 120


class ConfigError(ValueError):
    """A bad env value; the message is the one line shown to the operator."""


def env_int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """Strict integer parse: unset/empty means default, anything else must be digits in range."""
    value = env.get(name, "")
    raw = value.strip()
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]+", raw) or not low <= int(raw) <= high:
        raise ConfigError(f"{name}={value!r} is invalid: expected an integer from {low} to {high}")
    return int(raw)


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment, validated once at startup."""

    port: int = DEFAULT_PORT
    shutdown_timeout: int = DEFAULT_SHUTDOWN_TIMEOUT
    version: str = "dev"
    image: str = "unknown"
    enable_sleep: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        return cls(
            port=env_int(env, "PORT", DEFAULT_PORT, 1, 65535),
            shutdown_timeout=env_int(
                env,
                "SHUTDOWN_TIMEOUT_SECONDS",
                DEFAULT_SHUTDOWN_TIMEOUT,
                1,
                MAX_SHUTDOWN_TIMEOUT,
            ),
            version=env.get("APP_VERSION") or "dev",
            image=env.get("IMAGE_REF") or "unknown",
            enable_sleep=env.get("ENABLE_SLEEP_ENDPOINT") == "1",
        )
