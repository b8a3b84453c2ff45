"""The image the stacks deploy: multi-stage, non-root, and it ships what the task runs."""

from __future__ import annotations

import json
from pathlib import Path

from specs.container_definition import DEFAULT_HEALTH_COMMAND

APP = Path(__file__).resolve().parents[2] / "app"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with line continuations joined and comments dropped."""
    text = (APP / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def _final_stage() -> list[tuple[str, str]]:
    instructions = _instructions()
    last_from = max(i for i, (op, _) in enumerate(instructions) if op == "FROM")
    return instructions[last_from:]


def test_build_is_multi_stage_with_pinned_bases() -> None:
    bases = [args.split()[0] for op, args in _instructions() if op == "FROM"]
    assert len(bases) >= 2
    assert all(":" in base and not base.endswith(":latest") for base in bases), bases


def test_final_stage_runs_as_a_numeric_non_root_user() -> None:
    users = [args for op, args in _final_stage() if op == "USER"]
    assert users, "the final stage sets no USER, so the app would run as root"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0, users[-1]


def test_cmd_is_exec_form_so_sigterm_reaches_the_app() -> None:
    cmd = [args for op, args in _final_stage() if op == "CMD"][-1]
    assert json.loads(cmd) == ["python", "-m", "server"]


def test_image_ships_the_module_the_default_container_health_check_runs() -> None:
    module = DEFAULT_HEALTH_COMMAND[DEFAULT_HEALTH_COMMAND.index("-m") + 1]
    assert (APP / (module.replace(".", "/") + ".py")).is_file(), module
    copied = " ".join(args for op, args in _final_stage() if op == "COPY")
    assert module.split(".")[0] + "/" in copied, "the final stage does not copy the server package"
