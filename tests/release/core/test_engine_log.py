"""engine_log: stderr without an engine, the engine's Log RPC with one, stderr again when
the engine does not answer."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from concurrent import futures
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

from release.core.engine_log import engine_logger


def test_without_an_address_it_writes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    log = engine_logger("release: ", argv=[])
    log("deployment d-1: status InProgress")
    captured = capsys.readouterr()
    assert captured.err == "release: deployment d-1: status InProgress\n"
    assert captured.out == ""


def test_arguments_that_are_not_addresses_are_ignored(capsys: pytest.CaptureFixture[str]) -> None:
    engine_logger("p: ", argv=["--flag", "no:cacheprovider", "value"])("hello")
    assert capsys.readouterr().err == "p: hello\n"


def test_it_reads_the_process_arguments_by_default(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", ["pulumi-resource-pulumi-python"])
    engine_logger("p: ")("hello")
    assert capsys.readouterr().err == "p: hello\n"


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_engine_that_does_not_answer_falls_back_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    log = engine_logger("release: ", argv=[f"127.0.0.1:{unused_port()}"])
    log("one")
    log("two")
    assert capsys.readouterr().err == "release: one\nrelease: two\n"


class Engine(engine_pb2_grpc.EngineServicer):
    def __init__(self) -> None:
        self.requests: list[Any] = []

    def Log(self, request: Any, context: Any) -> empty_pb2.Empty:  # noqa: N802 (gRPC method name)
        self.requests.append(request)
        return empty_pb2.Empty()


@pytest.fixture
def engine() -> Iterator[tuple[Engine, str]]:
    servicer = Engine()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    engine_pb2_grpc.add_EngineServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield servicer, f"127.0.0.1:{port}"
    finally:
        server.stop(grace=None)


def test_with_an_engine_lines_go_to_its_log(
    engine: tuple[Engine, str], capsys: pytest.CaptureFixture[str]
) -> None:
    servicer, address = engine
    log = engine_logger("release: ", argv=[address])
    log("deployment d-1: traffic Blue 90% / Green 10%")

    (request,) = servicer.requests
    assert request.message == "release: deployment d-1: traffic Blue 90% / Green 10%"
    assert request.severity == engine_pb2.INFO
    assert capsys.readouterr().err == ""
