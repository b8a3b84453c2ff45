"""The mock engine answers Pulumi's monitor calls in the program's own thread."""

from __future__ import annotations

import asyncio
import threading

import pytest

import preview.engine
from preview.engine import _INLINE


def test_a_program_run_leaves_its_loop_running_executor_calls_inline() -> None:
    preview.engine.run_stack("dev")  # a fresh run, not the session's cached one
    loop = asyncio.get_event_loop()
    assert loop.run_until_complete(loop.run_in_executor(None, threading.get_ident)) == threading.get_ident()


def test_a_call_that_raises_hands_its_error_to_whoever_awaits_it() -> None:
    def fail() -> None:
        raise ValueError("monitor said no")

    future = _INLINE.submit(fail)
    assert future.done()
    with pytest.raises(ValueError, match="monitor said no"):
        future.result()
    assert _INLINE.submit(lambda a, b=0: a + b, 2, b=3).result() == 5
