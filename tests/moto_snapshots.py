"""moto's whole state saved under a name and put back later, in moto's own process.

Many release tests start from the same stack (a VPC, a load balancer pair, an ECS cluster and
service, a CodeDeploy group): building it takes about 17 API calls, a tenth of a second of
moto's time, before each of some 90 tests. Built once and saved, it is put back in a few
milliseconds: a deep copy of every service backend moto has in use, made in one pass so that
objects of one service that point at another's (a load balancer's subnets) still point into
the same copy.

Run as a script, this is ``moto_server`` with two more endpoints, handled before moto sees
the request (tests/moto_server.py starts it and calls them):

- ``POST /tests-api/save/NAME``: keep the current state as NAME.
- ``POST /tests-api/restore/NAME``: replace the current state with a copy of NAME; 404 when
  nothing was saved under that name.

In process (``moto.mock_aws``), ``built_in_process`` (or ``save`` and ``restore``) does the same.
"""

from __future__ import annotations

import argparse
import copy
import os
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from moto.core.base_backend import BackendDict, backend_lock
from moto.core.model_instances import reset_model_data

_saved: dict[str, tuple[list[BackendDict[Any]], list[dict[str, Any]]]] = {}
PREFIX = "/tests-api/"


def _in_use() -> list[BackendDict[Any]]:
    """moto's list of the services with any account in use (the one its reset empties)."""
    services: list[BackendDict[Any]] = BackendDict._instances  # type: ignore[misc]
    return services


def save(name: str) -> None:
    """Keep a copy of moto's state as ``name`` (replacing any kept before)."""
    with backend_lock:
        services = list(_in_use())
        _saved[name] = (services, _copied(services, [dict(service) for service in services]))


def restore(name: str) -> bool:
    """Replace moto's state with a copy of what was saved as ``name``; False if nothing was."""
    if name not in _saved:
        return False
    services, contents = _saved[name]
    with backend_lock:
        for service in _in_use():
            service.clear()
        reset_model_data()
        _in_use()[:] = services
        for service, accounts in zip(services, _copied(services, contents), strict=True):
            service.update(accounts)
    return True


T = TypeVar("T")


class BuiltOnce:
    """``built(name, build)``: moto in the state ``build()`` leaves it, and a copy of what
    ``build`` returned. The first call of a name runs ``build`` and saves the state; later calls
    put that state back, which is what the same calls on an empty moto would leave. ``build``
    must depend on nothing but the empty moto it is given."""

    def __init__(self, save: Callable[[str], None], restore: Callable[[str], bool]) -> None:
        self._save, self._restore = save, restore
        self._results: dict[str, Any] = {}

    def __call__(self, name: str, build: Callable[[], T]) -> T:
        if name not in self._results or not self._restore(name):
            self._results[name] = build()
            self._save(name)
        result: T = copy.deepcopy(self._results[name])
        return result


built_in_process = BuiltOnce(save, restore)
"""For tests under ``moto.mock_aws`` (the session's server has its own: ``moto_built``)."""


def _copied(services: Iterable[BackendDict[Any]], contents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A deep copy of ``contents`` in which the services' own dictionaries stay themselves."""
    memo: dict[int, Any] = {id(service): service for service in services}
    copied: list[dict[str, Any]] = copy.deepcopy(contents, memo)
    return copied


def with_snapshots(app: Callable[..., Any]) -> Callable[..., Any]:
    """A WSGI app answering ``/tests-api/...`` itself and passing everything else to ``app``."""

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path: str = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX) or environ.get("REQUEST_METHOD") != "POST":
            return app(environ, start_response)
        action, _, name = path[len(PREFIX) :].partition("/")
        if action == "save" and name:
            save(name)
            status = "200 OK"
        elif action == "restore" and name:
            status = "200 OK" if restore(name) else "404 Not Found"
        else:
            status = "400 Bad Request"
        start_response(status, [("Content-Type", "text/plain"), ("Content-Length", "0")])
        return [b""]

    return serve


def _list_services_once() -> None:
    """moto's server lists its own package folder on every request (some 180 entries, each
    checked for being a folder) to tell whether a Host header names a service: about a
    millisecond a request. The folder does not change while the server runs."""
    import moto.backends

    services = tuple(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: services


def main(argv: list[str] | None = None) -> None:
    """``moto_server -H HOST -p PORT``, with the snapshot endpoints in front."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import run_simple

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("MOTO_PORT", str(args.port))  # as moto_server does: URLs in answers
    _list_services_once()
    moto_app = DomainDispatcherApplication(create_backend_app)
    moto_app.debug = True  # type: ignore[attr-defined]  # as moto_server does
    run_simple(
        args.host,
        args.port,
        with_snapshots(moto_app),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
