"""Every scenario against both stacks and both engines, measured: the figures of docs/rehearsal.md.

    venv/bin/python bench/rehearsal_matrix.py [--jobs 2] [--only good] [--out build/rehearsal-matrix]

Runs ``python -m rehearse --json`` for each combination (at most ``--jobs`` at once: each is a
HAProxy, the app's processes and a load generator on loopback), keeps every report in ``--out``
and prints one Markdown row per run. Prod's linear release (ten 5-minute steps) runs at
compression 24 instead of the default 12, so it lasts about three minutes instead of six.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NO_HOOKS = 'hooks={"lifecycleEvents": []}'


def combinations() -> list[tuple[str, list[str]]]:
    """(name, extra arguments) for every run of the matrix."""
    runs: list[tuple[str, list[str]]] = []
    for engine in ("codedeploy", "ecs"):
        runs.append((f"dev {engine} good", ["--stack", "dev", "--engine", engine, "--scenario", "good"]))
        for strategy in ("canary", "linear", "all-at-once"):
            extra = ["--compression", "24"] if strategy == "linear" else []
            args = [
                "--stack",
                "prod",
                "--engine",
                engine,
                "--strategy",
                strategy,
                "--scenario",
                "good",
                *extra,
            ]
            runs.append((f"prod {engine} {strategy} good", args))
    for scenario in ("errors", "crash", "unhealthy", "slow", "no-drain"):
        for engine in ("codedeploy", "ecs"):
            runs.append(
                (f"dev {engine} {scenario}", ["--stack", "dev", "--engine", engine, "--scenario", scenario])
            )
            args = ["--stack", "prod", "--engine", engine, "--scenario", scenario]
            runs.append((f"prod {engine} canary {scenario}", args))
            if scenario in ("errors", "slow"):  # the alarm's path: without the smoke test in front
                runs.append((f"prod {engine} canary {scenario}, no hook", [*args, "--config", NO_HOOKS]))
    return runs


def run(name: str, args: list[str], out: Path) -> dict[str, Any]:
    folder = out / name.replace(" ", "-").replace(",", "")
    command = [sys.executable, "-m", "rehearse", "--json", "--out", str(folder), *args]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    report: dict[str, Any] = json.loads(done.stdout) if done.stdout.strip() else {}
    report["name"] = name
    report["exit"] = done.returncode
    report["stderr"] = done.stderr.strip()
    (out / f"{folder.name}.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def row(report: dict[str, Any]) -> str:
    if not report.get("outcome"):
        return f"| {report['name']} | error: {report['stderr']} | | | | | |"
    bound = report.get("errors_bound") or {}
    failed = f"{report['failed_requests']}" + (f" (bound {bound.get('bound')})" if bound else "")
    teardown = report.get("teardown_failed_requests")
    clocks = report.get("clocks") or {}
    return (
        f"| {report['name']} | {report['outcome']} | {report['verdict']} (exit {report['exit']}) | "
        f"{report['requests']} | {failed} | {report['failed_after_rollback']} | "
        f"{report.get('green_production_requests')} | {'–' if teardown is None else teardown} | "
        f"{clocks.get('rehearsal_seconds', 0):.0f} | {report.get('reason', '')} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", help="only runs whose name matches this regular expression")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "rehearsal-matrix")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    chosen = [(name, extra) for name, extra in combinations() if not args.only or re.search(args.only, name)]
    print("| run | outcome | verdict | requests | failed | after rollback | on green | teardown | s | why |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    with ThreadPoolExecutor(args.jobs) as pool:
        for report in pool.map(lambda item: run(item[0], item[1], args.out), chosen):
            print(row(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
