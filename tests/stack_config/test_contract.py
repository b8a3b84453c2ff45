"""The config contract's generator: Pulumi.yaml's config block and the README's key tables
come from the settings model, and what is committed is what it generates."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated, Literal

import pytest
from pydantic import Field, ValidationError

from specs.fargate import FARGATE_MEMORY_BY_CPU
from stack_config import contract
from stack_config.contract import README_END, README_START, Row, allowed, project_config, readme_tables, rows
from stack_config.loader import config_keys
from stack_config.model import NetworkSettings, StackSettings, TaskSettings, _Section


class _Inner(_Section):
    """A nested part."""

    flag: bool = False
    """A flag."""


class _Demo(_Section):
    """A demo section.

    A note printed under its table."""

    size: Annotated[int, Field(ge=1, le=9)] = 3
    """How big."""
    mode: Literal["a", "b"] = "a"
    """Which ``mode``."""
    inner: _Inner = _Inner()
    ratio: Annotated[float, Field(gt=0, le=600)] = 2.0
    """A ratio."""
    floor: Annotated[int, Field(ge=1)] = 1
    """At least one."""


def test_the_committed_files_are_what_the_model_generates() -> None:
    assert contract.stale() == [], "run make contract"


def test_a_hand_edit_of_either_file_is_reported_stale(tmp_path: Path) -> None:
    for name in contract.TARGETS:
        shutil.copy(contract.ROOT / name, tmp_path / name)
    project = tmp_path / "Pulumi.yaml"
    project.write_text(project.read_text().replace("cidrBlock: 10.0.0.0/16", "cidrBlock: 10.0.0.0/24"))
    readme = tmp_path / "README.md"
    readme.write_text(
        readme.read_text().replace("| `cidrBlock` | `10.0.0.0/16` |", "| `cidrBlock` | `10.1.0.0/16` |")
    )

    assert contract.stale(tmp_path) == ["Pulumi.yaml", "README.md"]


def test_everything_outside_the_generated_parts_is_kept() -> None:
    project = "# header\nname: x\nruntime:\n  name: python\nconfig:\n  old: {}\n"
    readme = f"intro\n{README_START}\nold table\n{README_END}\n\n## Next\n"

    written_project = contract.render_project_file(project)
    written_readme = contract.render_readme(readme)

    assert written_project.startswith("# header\nname: x\nruntime:\n  name: python\nconfig:\n  appName:\n")
    assert "  old: {}" not in written_project
    assert written_readme.startswith(f"intro\n{README_START}\n| key | type | default | meaning |")
    assert written_readme.endswith(f"{README_END}\n\n## Next\n")
    assert "old table" not in written_readme
    with pytest.raises(ValueError, match="lacks the markers"):
        contract.render_readme("no markers here")


def test_rows_come_from_docstrings_defaults_and_constraints() -> None:
    assert rows(_Demo) == [
        Row("size", "`3`", "1–9", "How big."),
        Row("mode", "`a`", "`a`, `b`", "Which `mode`."),
        Row("inner.flag", "`false`", "", "A flag."),
        Row("ratio", "`2.0`", "> 0 and ≤ 600", "A ratio."),
        Row("floor", "`1`", "≥ 1", "At least one."),
    ]
    assert allowed(_Demo.model_fields["mode"], code=False) == "a | b"


def test_a_changed_field_description_changes_the_readme(monkeypatch: pytest.MonkeyPatch) -> None:
    before = readme_tables()
    field = NetworkSettings.model_fields["vpc_id"]
    monkeypatch.setattr(field, "description", "An entirely new sentence about the VPC.")

    after = readme_tables()

    assert after != before
    assert "| `vpcId` | none |  | An entirely new sentence about the VPC. |" in after


def test_a_changed_limit_changes_both_files(monkeypatch: pytest.MonkeyPatch) -> None:
    field = NetworkSettings.model_fields["cidr_block"]
    monkeypatch.setattr(field, "json_schema_extra", {"allowed": "IPv4, /16–/22"})

    assert "cidrBlock IPv4, /16–/22" in project_config()["network"]["description"]
    assert "| IPv4, /16–/22 |" in readme_tables()


def test_a_section_docstring_is_its_summary_and_notes() -> None:
    tables = readme_tables()
    assert (
        "**`deployment`**: How traffic shifts from blue to green: by CodeDeploy (default) or by ECS's"
        in tables
    )
    assert "\n\nA VPC the program creates always gets its default security group emptied" in tables
    assert project_config()["deployment"]["description"].startswith(
        "How traffic shifts from blue to green: by CodeDeploy (default) or by ECS's own"
    )


def test_every_key_and_field_has_a_description() -> None:
    config = project_config()
    assert list(config) == list(config_keys())
    for key, name in config_keys().items():
        assert config[key]["description"], key
        section = StackSettings.model_fields[name].annotation
        if isinstance(section, type) and issubclass(section, _Section):
            blank = [row.key for row in rows(section) if not row.meaning]
            assert not blank, f"{key}: no docstring for {blank}"


def test_the_stated_cidr_range_is_the_enforced_one() -> None:
    """AWS takes /16 to /28 for a VPC; the program cuts it in 16 and an ALB subnet needs a /27."""
    assert "cidrBlock IPv4, /16–/23" in project_config()["network"]["description"]
    for prefix in (16, 23):
        NetworkSettings(cidr_block=f"10.0.0.0/{prefix}")
    for prefix in (15, 24, 28):
        with pytest.raises(ValidationError, match="from /16 to /23"):
            NetworkSettings(cidr_block=f"10.0.0.0/{prefix}")


def test_the_fargate_sizes_come_from_the_table() -> None:
    stated = allowed(TaskSettings.model_fields["memory"])
    for cpu, sizes in FARGATE_MEMORY_BY_CPU.items():
        assert f"{cpu} → " in stated
        assert str(sizes[-1]) in stated
    assert allowed(TaskSettings.model_fields["cpu"]) == ", ".join(map(str, FARGATE_MEMORY_BY_CPU))
