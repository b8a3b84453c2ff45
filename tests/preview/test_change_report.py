"""`python -m preview --base REF`: the change report, on pairs of commits in a temporary repository.

Each test clones a repository made once from the current tree (the program, its config and
the preview, not the tests), commits a change, and runs that clone's own preview against
``HEAD~1``: the base previews itself from a git worktree in a subprocess, the head in process,
exactly as `make preview-diff` and CI do.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from preview import ROOT
from preview.change import compare, markdown, text_lines
from preview.pr_comment import marker
from tests.preview.git_support import git

LEFT_OUT = ("tests/", "bench/", "docs/")
"""Not needed to preview a stack."""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository whose one commit is the current tree (committed or not)."""
    repo = tmp_path_factory.mktemp("template") / "repo"
    listed = git(ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z").split("\0")
    for name in listed:
        source = ROOT / name
        if not name or name.startswith(LEFT_OUT) or not source.is_file():
            continue
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    git(repo, "init", "--quiet")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", "base")
    return repo


@pytest.fixture(scope="module")
def base_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache of base previews for the module's clones, whose HEAD~1 is the same commit.

    Whichever test runs first previews the template commit's stacks from a worktree (the
    path every `make preview-diff` takes the first time); later ones reuse them, as a second
    `make preview-diff` against the same base does. tests/preview/test_base_cache.py tests
    the cache itself."""
    return tmp_path_factory.mktemp("preview-base")


@pytest.fixture
def repo(template: Path, tmp_path: Path, base_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PREVIEW_BASE_CACHE", str(base_cache))
    clone = tmp_path / "repo"
    git(tmp_path, "clone", "--quiet", "--shared", str(template), str(clone))  # objects not copied
    return clone


def change(repo: Path, path: str, old: str, new: str, *, message: str = "change") -> None:
    file = repo / path
    text = file.read_text()
    assert old in text, f"{old!r} not in {path}"
    file.write_text(text.replace(old, new, 1))
    git(repo, "commit", "--quiet", "--all", "--message", message)


def preview(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-m", "preview", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_a_strategy_change_and_a_stack_it_does_not_touch(repo: Path) -> None:
    change(
        repo,
        "Pulumi.dev.yaml",
        "    strategy: all-at-once\n",
        "    strategy: canary\n    percentage: 10\n    intervalMinutes: 5\n",
    )
    done = preview(repo, "--base", "HEAD~1", "--stack", "dev", "--stack", "prod")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("stack dev: 1 to update in place; monthly cost unchanged")
    assert "deployment.strategy: all-at-once → canary" in out
    assert (
        "deploymentConfigName: CodeDeployDefault.ECSAllAtOnce → CodeDeployDefault.ECSCanary10Percent5Minutes"
        in out
    )
    assert "100 % of production on green: 0:35 (latest 1:50) → 5:35 (latest 6:50)" in out
    assert "blue gone, release complete: 3:50 (latest 5:30) → 8:50 (latest 10:30)" in out
    assert "replace" not in out
    # The untouched stack is one line.
    prod = out.split("\n\n")[-1].strip()
    assert prod == "stack prod: no change against HEAD~1 (same resources, settings, cost and release)"
    # One comment per stack: marker, the change report, then the full report folded below.
    comment = (repo / "build" / "pr-comment-dev.md").read_text()
    assert comment.startswith(marker("dev") + "\n### What this change does to stack `dev`")
    assert comment.index("#### Release") < comment.index("<details><summary>Full offline preview")
    assert "| `deployment.strategy` | all-at-once | canary |" in comment
    assert "```mermaid" in comment and "canary 10 %, 100 % after 5 min" in comment
    assert ".svg` (next to this report)" not in comment  # no file a reviewer cannot see
    untouched = (repo / "build" / "pr-comment-prod.md").read_text()
    assert "Nothing: same resources, settings, cost and release as `HEAD~1`." in untouched


def test_a_task_size_change_is_a_new_revision_and_costs_more(repo: Path) -> None:
    change(repo, "Pulumi.prod.yaml", "    cpu: 512\n    memory: 1024\n", "    cpu: 1024\n    memory: 2048\n")
    done = preview(repo, "--base", "HEAD~1", "--stack", "prod", "--no-files")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert re.match(r"stack prod: 1 new revision\(s\); monthly cost will increase by \$[\d.]+ \(\$", out), out
    assert (
        "~ new revision    TaskDefinition my-app-prod-task\n"
        "        cpu: 512 → 1024\n        memory: 1024 → 2048" in out
    )
    assert "task.cpu: 512 → 1024" in out and "task.memory: 1024 → 2048" in out
    assert re.search(
        r"Fargate vCPU \(X86_64, 2 tasks x 0.5 vCPU\) → Fargate vCPU \(X86_64, 2 tasks x 1 vCPU\)", out
    )
    assert "`pulumi up` releases it blue/green" in out
    assert "replace" not in out


def test_a_move_to_the_ecs_engine_keeps_the_service(repo: Path) -> None:
    change(
        repo,
        "Pulumi.prod.yaml",
        "  fargate-bluegreen:deployment:\n",
        "  fargate-bluegreen:deployment:\n    controller: ecs\n",
    )
    done = preview(repo, "--base", "HEAD~1", "--stack", "prod")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert (
        "~ update in place Service my-app-prod-service\n"
        "        moves to the ECS engine in place (UpdateService: the service and its tasks stay)" in out
    )
    assert "replace" not in out
    assert "- remove          DeploymentGroup my-app-prod-group" in out
    assert "+ add             ListenerRule my-app-prod-prod-rule" in out
    assert "+ add             LiveTargetGroups my-app-prod-live" in out
    assert "+ add             EngineMove my-app-prod-engine-move" in out
    assert "engine: codedeploy → ecs" in out
    report = (repo / "build" / "change-prod.md").read_text()
    assert "[!WARNING]" not in report
    assert (
        "> [!NOTE]\n> Service `my-app-prod-service` moves to the ECS engine in place: no replacement, "
        "no downtime." in report
    )
    assert (
        "| ~ update in place | Service `my-app-prod-service` | "
        "moves to the ECS engine in place (UpdateService: the service and its tasks stay)" in report
    )


def test_a_move_back_to_codedeploy_replaces_the_service_and_says_why(repo: Path) -> None:
    change(
        repo,
        "Pulumi.prod.yaml",
        "  fargate-bluegreen:deployment:\n",
        "  fargate-bluegreen:deployment:\n    controller: ecs\n",
    )
    git(repo, "revert", "--no-edit", "HEAD")
    done = preview(repo, "--base", "HEAD~1", "--stack", "prod", "--no-files")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert (
        "± replace         Service my-app-prod-service\n"
        "        deploymentController.type: ECS → CODE_DEPLOY forces replacement\n"
        "        AWS documents no in-place move from the ECS engine back to CodeDeploy" in out
    )
    assert "- remove          EngineMove my-app-prod-engine-move" in out


def test_a_rename_replaces_every_resource_it_renames(repo: Path) -> None:
    with (repo / "Pulumi.dev.yaml").open("a") as stack_file:
        stack_file.write("  fargate-bluegreen:appName: shop\n")
    git(repo, "commit", "--quiet", "--all", "--message", "rename")
    done = preview(repo, "--base", "HEAD~1", "--stack", "dev", "--no-files")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "± replace         Service shop-dev-service" in out
    assert "renamed my-app-dev-service → shop-dev-service: a new logical name is a new resource" in out
    assert "name: my-app-dev → shop-dev forces replacement" in out
    assert "appName: my-app → shop" in out
    assert "+ add" not in out and "- remove" not in out  # every one paired with its old self


def test_a_base_without_the_json_preview_is_named(repo: Path) -> None:
    git(repo, "rm", "--quiet", "preview/snapshot.py")
    git(repo, "commit", "--quiet", "--message", "older preview")
    git(repo, "revert", "--no-edit", "HEAD")
    done = preview(repo, "--base", "HEAD~1", "--stack", "dev")
    assert done.returncode == 2 and done.stdout == ""
    assert re.search(r"base HEAD~1 \([0-9a-f]{12}\) has no JSON preview", done.stderr), done.stderr
    assert "Traceback" not in done.stderr
    assert git(repo, "worktree", "list").count("\n") == 1  # the temporary worktree is gone


def test_an_unknown_base_is_one_clear_line(repo: Path) -> None:
    done = preview(repo, "--base", "no-such-branch", "--stack", "dev")
    assert done.returncode == 2
    assert "base 'no-such-branch' is not a commit" in done.stderr and "Traceback" not in done.stderr


def test_a_bad_base_is_refused_before_the_mock_engine_is_loaded(repo: Path) -> None:
    """Resolving the base comes first: neither Pulumi nor the mock engine is imported for it."""
    check = (
        "import sys; from preview.__main__ import main; "
        "code = main(['--base', 'no-such-branch', '--stack', 'dev']); "
        "print(code, [m for m in ('pulumi', 'pulumi_aws', 'preview.engine') if m in sys.modules])"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-c", check], cwd=repo, capture_output=True, text=True, env=env, check=False
    )
    assert done.stdout.strip() == "2 []", done.stderr


# --------------------------------------------------------------------------------- in process


def _snapshot(stack: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    import json

    from preview.diff import flat_settings, stack_settings
    from preview.report import Preview
    from preview.snapshot import snapshot
    from tests.run_cache import run_stack

    result = Preview.of(run_stack(stack, overrides))
    loaded: dict[str, Any] = json.loads(json.dumps(snapshot(result, flat_settings(stack_settings(stack)))))
    return loaded


def test_the_same_snapshot_is_no_change() -> None:
    prod = _snapshot("prod")
    result = compare(prod, prod, "main")
    assert result.unchanged
    assert text_lines(result) == [
        "stack prod: no change against main (same resources, settings, cost and release)"
    ]
    assert "Nothing" in markdown(result)


def test_a_forcing_input_replaces_and_another_updates_in_place() -> None:
    base = _snapshot("dev")
    head = _snapshot(
        "dev",
        {
            "healthCheck": {
                "path": "/ready",
                "intervalSeconds": 10,
                "timeoutSeconds": 5,
                "healthyThreshold": 2,
                "unhealthyThreshold": 2,
            }
        },
    )
    result = compare(base, head, "main")
    groups = [r for r in result.resources if r.short_type == "TargetGroup"]
    assert {r.kind for r in groups} == {"update"}
    assert "healthCheck.path: /health → /ready" in groups[0].details
    # The same group on another port is a new target group.
    for resource in head["resources"]:
        if resource["type"] == "aws:lb/targetGroup:TargetGroup":
            resource["inputs"]["port"] = 8081
    replaced = [r for r in compare(base, head, "main").resources if r.kind == "replace"]
    assert {r.short_type for r in replaced} == {"TargetGroup"}
    assert replaced[0].details[0] == "port: 8080 → 8081 forces replacement"


def test_a_new_stack_is_all_additions() -> None:
    result = compare(None, _snapshot("dev"), "main")
    assert result.new_stack and not result.unchanged
    assert {r.kind for r in result.resources} == {"add"}
    assert "new in this change" in text_lines(result)[0]


# ------------------------------------------------- a NAT gateway removed under a CodeDeploy service

OLD_DEV_NETWORK = {
    "availabilityZones": 2,
    "taskSubnets": "private",
    "natGateways": 1,
    "flowLogs": {"enabled": False},
}


def test_removing_the_nat_gateway_under_a_codedeploy_service_warns_with_the_steps() -> None:
    """dev's old network to its new one under CodeDeploy: the service keeps its private subnets
    (ignoreChanges) while the NAT gateway goes; the report says so, in the terminal and in Markdown."""
    base, head = _snapshot("dev", {"network": OLD_DEV_NETWORK}), _snapshot("dev")
    (service,) = [r for r in head["resources"] if r["type"] == "aws:ecs/service:Service"]
    assert "networkConfiguration" in service["ignoreChanges"]
    result = compare(base, head, "main")
    (hazard,) = result.hazards
    assert hazard.startswith("ECS service my-app-dev-service keeps its tasks where they run"), hazard
    assert "networkConfiguration.assignPublicIp: off → on" in hazard
    assert "removes NAT gateway(s) my-app-dev-nat-1" in hazard
    assert f"`pulumi up --replace '{service['urn']}'`" in hazard
    assert "keep the old network (network.taskSubnets: private, natGateways: 1)" in hazard
    assert text_lines(result)[1] == f"  WARNING: {hazard}"
    assert f"> [!WARNING]\n> {hazard}." in markdown(result)


def test_no_warning_when_the_nat_gateway_stays_or_the_engine_follows_the_network() -> None:
    base = _snapshot("dev", {"network": OLD_DEV_NETWORK})
    # The NAT gateway stays: the service's tasks keep their route.
    kept = _snapshot("dev", {"network": {**OLD_DEV_NETWORK, "natGateways": 2}})
    assert compare(base, kept, "main").hazards == ()
    # Under the ECS engine the provider updates the service's network: the next deployment moves the tasks.
    ecs_base = _snapshot("dev", {"network": OLD_DEV_NETWORK, "deployment": {"controller": "ecs"}})
    ecs_head = _snapshot("dev", {"deployment": {"controller": "ecs"}})
    assert compare(ecs_base, ecs_head, "main").hazards == ()
    # A NAT gateway removed while the service's network stays as it is.
    both = {
        "availabilityZones": 2,
        "taskSubnets": "private",
        "vpcEndpoints": True,
        "flowLogs": {"enabled": False},
    }
    assert compare(base, _snapshot("dev", {"network": {**both, "natGateways": 0}}), "main").hazards == ()
