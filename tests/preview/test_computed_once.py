"""One preview run computes the release parameters, the timeline and the tree once, whatever it renders.

The tree, the diagram, the cost, the report and the snapshot read them from the run's one
``preview.report.Preview``. The two functions are wrapped wherever a loaded module holds
them, so a caller that imports them by name is counted too.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import preview.diagram
import preview.engine
import preview.report
import preview.snapshot
import preview.timeline
import preview.tree
from preview import release_params
from preview.__main__ import main
from preview.engine import ProgramRun
from preview.errors import PreviewError
from preview.report import Preview

NO_GROUP = "aws:codedeploy/deploymentGroup:DeploymentGroup"

# The program runs themselves are the session's cached ones: what is counted is what follows them.
pytestmark = pytest.mark.usefixtures("preview_runs_cached")


def _count_calls(monkeypatch: pytest.MonkeyPatch, function: Callable[..., Any]) -> list[object]:
    """Replace ``function`` in every loaded module that holds it; the list grows by one per call."""
    calls: list[object] = []

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return function(*args, **kwargs)

    for module in list(sys.modules.values()):
        for name, value in list(getattr(module, "__dict__", {}).items()):
            if value is function:
                monkeypatch.setattr(module, name, counting)
    return calls


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--stack", "prod"], id="report-and-diagram"),
        pytest.param(["--stack", "dev", "--json"], id="json-snapshot"),
        pytest.param(["--stack", "dev", "--region", "eu-west-1"], id="no-price-table"),
    ],
)
def test_one_stack_computes_release_params_and_timeline_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, args: list[str]
) -> None:
    params_calls = _count_calls(monkeypatch, release_params.extract_release_params)
    timeline_calls = _count_calls(monkeypatch, preview.timeline.build_timeline)
    tree_calls = _count_calls(monkeypatch, preview.tree.tree_lines)
    out, say = io.StringIO(), io.StringIO()
    assert main([*args, "--out", str(tmp_path)], out=out, say=say) == 0, say.getvalue()
    assert "Release timeline" in out.getvalue() or '"timeline"' in out.getvalue()
    assert (len(params_calls), len(timeline_calls)) == (1, 1)
    # The tree too: shown in the terminal and twice in Markdown (the file and the comment's copy).
    assert len(tree_calls) == 1


def test_two_stacks_compute_once_each(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    params_calls = _count_calls(monkeypatch, release_params.extract_release_params)
    timeline_calls = _count_calls(monkeypatch, preview.timeline.build_timeline)
    out, say = io.StringIO(), io.StringIO()
    assert main(["--stack", "dev", "--stack", "prod", "--out", str(tmp_path)], out=out, say=say) == 0
    assert [run.stack for (run,) in params_calls] == ["dev", "prod"]
    assert [params.stack for (params,) in timeline_calls] == ["dev", "prod"]


def _without_deployment_group(run: ProgramRun) -> ProgramRun:
    return replace(run, resources=[r for r in run.resources if r.type != NO_GROUP])


def test_a_stack_without_release_parameters_is_reported_where_they_are_computed() -> None:
    broken = _without_deployment_group(preview.engine.run_stack("prod"))
    with pytest.raises(PreviewError) as stated:
        Preview.of(broken)
    # The reason is release_params' own words, which name the missing resource type.
    assert str(stated.value).startswith("stack 'prod': no release timeline: ")
    assert NO_GROUP in str(stated.value)


def test_main_says_it_once_and_exits_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    run_stack = preview.engine.run_stack
    monkeypatch.setattr(
        preview.engine, "run_stack", lambda stack, overrides=None: _without_deployment_group(run_stack(stack))
    )
    out, say = io.StringIO(), io.StringIO()
    assert main(["--stack", "prod", "--out", str(tmp_path)], out=out, say=say) == 2
    assert say.getvalue().count("no release timeline") == 1
    last = say.getvalue().splitlines()[-1]
    assert last.startswith("preview: stack 'prod': no release timeline: ") and NO_GROUP in last
    assert "Traceback" not in say.getvalue()
    assert out.getvalue() == "" and list(tmp_path.iterdir()) == []
