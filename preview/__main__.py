"""`python -m preview`: what a stack deploys and how a release of it rolls out, offline.

Runs the real program (``__main__.py``, the same config validation) under Pulumi's mock
engine, then prints the resource tree, the release timeline and a monthly cost estimate,
and writes a Markdown report and an architecture diagram to ``--out`` (``build/``).
``--diff A B`` shows the settings that differ between two stacks.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from preview import fast_imports
from preview.engine import ROOT
from stack_config.errors import ConfigError


def available_stacks() -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in ROOT.glob("Pulumi.*.yaml"))


def _check_stack(stack: str) -> None:
    if stack not in available_stacks():
        raise ConfigError(
            stack,
            [f"stack {stack!r} has no Pulumi.{stack}.yaml; stacks here: {', '.join(available_stacks())}"],
        )


def _preview(
    stack: str,
    out_dir: Path | None,
    releases_per_month: int,
    out: TextIO,
    say: TextIO,
    region: str | None = None,
) -> None:
    from preview.diagram import architecture_svg
    from preview.engine import run_stack
    from preview.regions import zones_known
    from preview.report import Preview, markdown_report, text_report

    _check_stack(stack)
    where = f" in {region}" if region else ""
    print(
        f"preview: running __main__.py for stack {stack}{where} under the Pulumi mock engine (no AWS)",
        file=say,
    )
    run = run_stack(stack, {"aws:region": region} if region else None)
    previewed_region = str(run.exports.get("region", ""))
    if not zones_known(previewed_region):
        print(
            f"preview: zones of {previewed_region} are not in preview/regions.py; assumed a, b, c "
            "(a real `pulumi preview` asks AWS)",
            file=say,
        )
    print(
        f"preview: {len(run.resources)} resources declared; computing the release timeline and cost", file=say
    )
    result = Preview.of(run, releases_per_month=releases_per_month)
    print("\n".join(text_report(result)), file=out)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        name = f"{stack}-{region}" if region else stack
        report = out_dir / f"preview-{name}.md"
        diagram = out_dir / f"architecture-{name}.svg"
        diagram.write_text(architecture_svg(run))
        report.write_text(markdown_report(result, diagram_file=diagram.name))
        print(f"preview: wrote {_shown(report)} and {_shown(diagram)}", file=say)


def _diff(left: str, right: str, out: TextIO, say: TextIO) -> None:
    from preview.diff import diff_lines, settings_diff, stack_settings

    for stack in (left, right):
        _check_stack(stack)
    print(f"preview: validating the config of {left} and {right}", file=say)
    rows = settings_diff(stack_settings(left), stack_settings(right))
    print("\n".join(diff_lines(left, right, rows)), file=out)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None, *, out: TextIO = sys.stdout, say: TextIO = sys.stderr) -> int:
    parser = argparse.ArgumentParser(prog="python -m preview", description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default="dev", help="stack to preview (default: dev)")
    parser.add_argument(
        "--region",
        help="preview the stack in this region instead of its aws:region "
        "(as `pulumi config set aws:region` would)",
    )
    parser.add_argument(
        "--diff", nargs=2, metavar=("A", "B"), help="show the settings that differ between two stacks"
    )
    parser.add_argument("--out", default="build", help="where the report and diagram go (default: build)")
    parser.add_argument("--no-files", action="store_true", help="print only; write no report or diagram")
    parser.add_argument(
        "--releases-per-month", type=int, default=20, help="for the cost of doubled capacity during releases"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    fast_imports.install()
    try:
        if args.diff:
            _diff(args.diff[0], args.diff[1], out, say)
        else:
            out_dir = None if args.no_files else Path(args.out)
            _preview(args.stack, out_dir, args.releases_per_month, out, say, region=args.region)
    except ConfigError as error:
        print(f"preview: {error}", file=say)
        return 2
    print(f"preview: done in {time.perf_counter() - started:.1f} s", file=say)
    return 0


if __name__ == "__main__":
    sys.exit(main())
