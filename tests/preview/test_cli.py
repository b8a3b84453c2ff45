"""`python -m preview` end to end: report, diagram, diff, and the errors a user can hit."""

from __future__ import annotations

import io
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from preview import ROOT
from preview.__main__ import main

pytestmark = pytest.mark.usefixtures("preview_runs_cached")  # main's program runs shared with the session


def run_main(*args: str) -> tuple[int, str, str]:
    out, say = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, say=say)
    return code, out.getvalue(), say.getvalue()


def test_prod_preview_prints_tree_timeline_and_cost_and_writes_files(tmp_path: Path) -> None:
    code, out, say = run_main("--stack", "prod", "--out", str(tmp_path))
    assert code == 0, say
    assert "traffic shifting          CodeDeployDefault.ECSCanary10Percent5Minutes" in out
    assert "TaskDefinition my-app-prod-task: 512 CPU / 1024 MiB X86_64" in out
    assert "10 % of production on green (canary)" in out
    assert "total (steady state)" in out
    report = (tmp_path / "preview-prod.md").read_text()
    assert report.startswith("## Offline preview of stack `prod`")
    assert "| traffic shifting | CodeDeployDefault.ECSCanary10Percent5Minutes |" in report
    assert "### Release timeline" in report and "### Monthly cost estimate (USD)" in report
    svg = ET.parse(tmp_path / "architecture-prod.svg").getroot()
    texts = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    assert "ECSCanary10Percent5Minutes" in texts and "2 task(s) x 512 CPU / 1024 MiB" in texts
    # It says what it is doing while it runs.
    assert "under the Pulumi mock engine" in say and "wrote" in say and "done in" in say


def test_dev_preview_shows_all_at_once(tmp_path: Path) -> None:
    code, out, _ = run_main("--stack", "dev", "--out", str(tmp_path))
    assert code == 0
    assert "CodeDeployDefault.ECSAllAtOnce" in out
    assert "100 % of production on green" in out
    assert (tmp_path / "preview-dev.md").is_file() and (tmp_path / "architecture-dev.svg").is_file()


def test_no_files_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, _ = run_main("--stack", "dev", "--no-files")
    assert code == 0 and list(tmp_path.iterdir()) == []


def test_diff_lists_the_settings_that_differ() -> None:
    code, out, _ = run_main("--diff", "dev", "prod")
    assert code == 0
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[2:]}
    assert rows["deployment.strategy"] == ["all-at-once", "canary"]
    assert rows["service.desiredCount"] == ["1", "2"]
    assert rows["deletionProtection"] == ["off", "on"]  # as a person writes it, not false/true
    assert rows["deployment.terminationWaitMinutes"] == ["3", "min", "5", "min"]
    assert "appName" not in rows  # the same in both


def test_diff_of_a_stack_with_itself_says_so() -> None:
    code, out, _ = run_main("--diff", "prod", "prod")
    assert code == 0 and out.strip() == "stacks prod and prod have the same settings"


def test_unknown_stack_is_one_clear_line() -> None:
    code, out, say = run_main("--stack", "staging")
    assert code == 2 and out == ""
    assert "stack 'staging' has no Pulumi.staging.yaml; stacks here: dev, prod" in say
    assert "Traceback" not in say


@pytest.mark.parametrize("value", ["-5", "many", "2.5"])
def test_a_bad_releases_per_month_names_the_option_and_what_it_takes(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        run_main("--stack", "dev", "--releases-per-month", value)
    assert exit_.value.code == 2
    said = capsys.readouterr().err
    assert f"argument --releases-per-month: '{value}' is not a whole number of releases, 0 or more" in said


def test_invalid_config_gives_the_same_error_as_pulumi_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broken stack file is rejected with the loader's keyed message, before anything runs."""
    stack_file = ROOT / "Pulumi.broken.yaml"
    stack_file.write_text(
        "config:\n  aws:region: us-east-1\n  fargate-bluegreen:deployment:\n    strategy: blue-green\n"
    )
    try:
        code, _, say = run_main("--stack", "broken", "--out", str(tmp_path))
    finally:
        stack_file.unlink()
    assert code == 2
    assert "deployment.strategy: got 'blue-green'; input should be 'canary', 'linear' or 'all-at-once'" in say
    assert "Traceback" not in say


def test_runs_as_a_module_from_the_repo_root(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "preview", "--stack", "prod", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Release timeline" in result.stdout
    assert (tmp_path / "preview-prod.md").is_file()


def test_region_option_previews_the_stack_in_the_seeds_region(tmp_path: Path) -> None:
    code, out, say = run_main("--stack", "prod", "--region", "ap-northeast-2", "--out", str(tmp_path))
    assert code == 0, say
    assert "prod in ap-northeast-2: estimated USD per month" in out
    assert "for stack prod in ap-northeast-2" in say and "not in preview/regions.py" not in say
    report = (tmp_path / "preview-prod-ap-northeast-2.md").read_text()
    assert "ap-northeast-2" in report and "us-east-1" not in report
    assert (tmp_path / "architecture-prod-ap-northeast-2.svg").is_file()


def test_a_region_the_preview_has_no_zones_for_says_what_it_assumed() -> None:
    code, out, say = run_main("--stack", "dev", "--region", "me-central-1", "--no-files")
    assert code == 0, say
    assert "zones of me-central-1 are not in preview/regions.py; assumed a, b, c" in say
    assert "10.0.0.0/20 in me-central-1a (public)" in out
    assert "python -m preview.prices refresh --region me-central-1" in out
