"""What both dynamic providers' work modules (release/codedeploy/provider.py,
release/ecs/provider.py) need alike: boto3 clients made at call time, and inputs compared by
content. Here once, so the two resources cannot drift apart in either."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config

ClientFactory = Callable[[str, dict[str, Any]], Any]
"""(service, the resource's properties) -> a boto3 client."""


def default_clients(service: str, props: dict[str, Any]) -> Any:
    """A boto3 client made here, at call time: a provider holding one could not be serialized."""
    session = boto3.session.Session(region_name=props["region"], profile_name=props.get("profile") or None)
    return session.client(service, config=Config(retries={"mode": "standard", "max_attempts": 5}))


def canonical(value: Any) -> str:
    """Compare inputs by content: the state and the program may order map keys differently."""
    return json.dumps(value, sort_keys=True)


def clients_of(clients: ClientFactory, props: dict[str, Any]) -> Callable[[str], Any]:
    """service -> a client for the resource's region and profile, each made once (for a diagnosis,
    which asks for several services)."""
    made: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in made:
            made[service] = clients(service, props)
        return made[service]

    return client
