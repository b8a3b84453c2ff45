"""Where the running Pulumi program gets its raw config: the engine's full config map."""

from __future__ import annotations

from typing import Any

from pulumi.runtime import config as runtime_config


def read_raw_config() -> dict[str, Any]:
    """Every ``namespace:key`` the engine set for this stack (including Pulumi.yaml defaults).

    ``pulumi.Config`` only answers for keys one asks about; reading the whole map is what
    lets the loader reject a misspelled top-level key instead of ignoring it.
    """
    return {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
