"""The preview shows sidecars: the resource tree, both diagrams, the cost lines and the change report."""

from __future__ import annotations

import json
from typing import Any

import pytest

from preview.change import compare, text_lines
from preview.diagram import architecture_mermaid, architecture_svg
from preview.diff import flat_settings, stack_settings
from preview.engine import ProgramRun
from preview.report import Preview
from preview.snapshot import snapshot
from preview.tree import tree_lines
from preview.usage import CostAssumptions, billed_quantities, extract_usage
from tests.run_cache import run_stack

SIDECARS = {
    "container": {"logRetentionDays": 7, "sidecars": [{"logRouter": "firelens"}, {"otelCollector": True}]}
}


@pytest.fixture(scope="module")
def with_sidecars() -> ProgramRun:
    return run_stack("dev", SIDECARS)


def _snapshot(run: ProgramRun) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        json.dumps(snapshot(Preview.of(run), flat_settings(stack_settings("dev"))))
    )
    return loaded


def test_the_tree_lists_each_sidecar_and_what_the_app_waits_for(with_sidecars: ProgramRun) -> None:
    (line,) = [line for line in tree_lines(with_sidecars) if "container app" in line]
    assert "logs via awsfirelens" in line
    assert (
        "sidecars: log-router (FireLens fluentbit, 32 CPU / 64 MiB); otel-collector (64 CPU / 128 MiB)"
        in line
    )
    assert "app waits for log-router START, otel-collector START" in line
    (plain,) = [line for line in tree_lines(run_stack("dev")) if "container app" in line]
    assert "sidecars" not in plain and "awsfirelens" not in plain


def test_both_diagrams_show_the_sidecars(with_sidecars: ProgramRun) -> None:
    assert "+ log-router, otel-collector" in architecture_svg(with_sidecars)
    assert "+ log-router, otel-collector" in architecture_mermaid(with_sidecars)
    assert "+ " not in architecture_mermaid(run_stack("dev")).split("service[", 1)[1].split("]", 1)[0]


def test_the_cost_shows_the_sidecars_share_and_their_logs(with_sidecars: ProgramRun) -> None:
    usage = extract_usage(with_sidecars)
    assert usage.sidecars == ("log-router", "otel-collector")
    assert (usage.sidecar_cpu_units, usage.sidecar_memory_mib) == (96, 192)
    items = {q.item: q for q in billed_quantities(usage)}
    assert (
        "Fargate vCPU (X86_64, 1 task x 0.25 vCPU; "
        "sidecars log-router, otel-collector reserve 96 of 256 CPU units)" in items
    )
    assert (
        "Fargate memory (X86_64, 1 task x 0.5 GB; sidecars log-router, otel-collector reserve 192 of 512 MiB)"
        in items
    )
    a = CostAssumptions()
    logs = items["CloudWatch Logs ingestion (app and 2 sidecars)"]
    assert logs.quantity == pytest.approx(a.log_gb_per_task_month + 2 * a.sidecar_log_gb_per_task_month)
    # Sidecars live inside the task's size: the Fargate bill is the same as without them.
    plain = {q.price_key: q.quantity for q in billed_quantities(extract_usage(run_stack("dev")))}
    assert (
        items[next(i for i in items if i.startswith("Fargate vCPU"))].quantity
        == plain["fargate_x86_64_vcpu_hour"]
    )


def test_the_change_report_names_the_sidecars_added_and_removed(with_sidecars: ProgramRun) -> None:
    base, head = _snapshot(run_stack("dev")), _snapshot(with_sidecars)
    added = text_lines(compare(base, head, "main"))
    revision = added.index(
        next(line for line in added if "TaskDefinition" in line and "new revision" in line)
    )
    assert added[revision + 1].strip() == "sidecars added: log-router, otel-collector"
    removed = text_lines(compare(head, base, "main"))
    assert any(line.strip() == "sidecars removed: log-router, otel-collector" for line in removed)
    assert any("task-role" in line or "RolePolicy" in line for line in added)
