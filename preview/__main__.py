"""`python -m preview`: what a stack deploys and how a release of it rolls out, offline.

Runs the real program (``__main__.py``, the same config validation) under Pulumi's mock
engine, then prints the resource tree, the release timeline and a monthly cost estimate,
and writes a Markdown report and an architecture diagram to ``--out`` (``build/``).
``--diff A B`` shows the settings that differ between two stacks. ``--base REF`` reports what
the working tree changes against a commit, per stack (``preview.change``), and writes each
stack's pull-request comment. ``--json`` prints one stack's preview as JSON (what ``--base``
reads from the base commit's own preview).
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from preview import ROOT, fast_imports
from preview.errors import PreviewError
from stack_config.errors import ConfigError

if TYPE_CHECKING:
    from preview.report import Preview


def available_stacks() -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in ROOT.glob("Pulumi.*.yaml"))


def _check_stack(stack: str) -> None:
    if stack not in available_stacks():
        raise ConfigError(
            stack,
            [f"stack {stack!r} has no Pulumi.{stack}.yaml; stacks here: {', '.join(available_stacks())}"],
        )


def _run(stack: str, releases_per_month: int, say: TextIO, region: str | None = None) -> Preview:
    """The stack's program run and everything the views show of it, computed once."""
    from preview.engine import run_stack
    from preview.regions import zones_known
    from preview.report import Preview

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
    return Preview.of(run, releases_per_month=releases_per_month)


def _write_report(result: Preview, out_dir: Path, name: str) -> tuple[Path, Path, str]:
    """The Markdown report (with the Mermaid diagram) and the SVG next to it.

    Returns both paths and the report as a pull-request comment holds it: the same, without
    the pointer to an SVG file a reader of the comment cannot see.
    """
    from preview.diagram import architecture_mermaid, architecture_svg
    from preview.report import markdown_report

    out_dir.mkdir(parents=True, exist_ok=True)
    report = out_dir / f"preview-{name}.md"
    diagram = out_dir / f"architecture-{name}.svg"
    mermaid = architecture_mermaid(result.run, result.params)
    diagram.write_text(architecture_svg(result.run, result.params))
    report.write_text(markdown_report(result, diagram_file=diagram.name, mermaid=mermaid))
    return report, diagram, markdown_report(result, mermaid=mermaid)


def _preview(
    stack: str,
    out_dir: Path | None,
    releases_per_month: int,
    out: TextIO,
    say: TextIO,
    region: str | None = None,
) -> None:
    from preview.report import text_report

    result = _run(stack, releases_per_month, say, region)
    print("\n".join(text_report(result)), file=out)
    if out_dir is not None:
        report, diagram, _ = _write_report(result, out_dir, f"{stack}-{region}" if region else stack)
        print(f"preview: wrote {_shown(report)} and {_shown(diagram)}", file=say)


def _snapshot(stack: str, result: Preview) -> dict[str, Any]:
    from preview.diff import flat_settings, stack_settings
    from preview.snapshot import snapshot

    # Through JSON, so it compares like the base's, which arrives as JSON.
    loaded: dict[str, Any] = json.loads(json.dumps(snapshot(result, flat_settings(stack_settings(stack)))))
    return loaded


def _json(stack: str, releases_per_month: int, out: TextIO, say: TextIO, region: str | None) -> None:
    result = _run(stack, releases_per_month, say, region)
    print(json.dumps(_snapshot(stack, result), indent=1), file=out)


def _ref_label(ref: str) -> str:
    return ref[:12] if re.fullmatch(r"[0-9a-f]{40}", ref) else ref


def _change(
    base: str,
    stacks: list[str],
    out_dir: Path | None,
    releases_per_month: int,
    out: TextIO,
    say: TextIO,
    region: str | None = None,
) -> None:
    from preview.base_ref import base_snapshots

    for stack in stacks:
        _check_stack(stack)
    label = _ref_label(base)
    # The base first, before anything imports the mock engine: a base that is not a commit, or
    # has no JSON preview, is refused in a tenth of a second.
    bases = base_snapshots(base, stacks, region=region, releases_per_month=releases_per_month, say=say)
    from preview.change import compare, markdown, text_lines
    from preview.pr_comment import comment_body

    for index, stack in enumerate(stacks):
        result = _run(stack, releases_per_month, say, region)
        change = compare(bases[stack], _snapshot(stack, result), label)
        if index:
            print(file=out)
        print("\n".join(text_lines(change)), file=out)
        if out_dir is None:
            continue
        name = f"{stack}-{region}" if region else stack
        _, _, full = _write_report(result, out_dir, name)
        change_file = out_dir / f"change-{name}.md"
        comment_file = out_dir / f"pr-comment-{name}.md"
        change_md = markdown(change)
        change_file.write_text(change_md)
        comment_file.write_text(comment_body(name, change_md, full))
        print(f"preview: wrote {_shown(change_file)} and {_shown(comment_file)}", file=say)


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


def _releases_per_month(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of releases, 0 or more")
    return value


def main(argv: Sequence[str] | None = None, *, out: TextIO = sys.stdout, say: TextIO = sys.stderr) -> int:
    parser = argparse.ArgumentParser(prog="python -m preview", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--stack",
        action="append",
        help="stack to preview (default: dev); repeat it to preview several",
    )
    parser.add_argument(
        "--region",
        help="preview the stack in this region instead of its aws:region "
        "(as `pulumi config set aws:region` would)",
    )
    parser.add_argument(
        "--diff", nargs=2, metavar=("A", "B"), help="show the settings that differ between two stacks"
    )
    parser.add_argument(
        "--base",
        metavar="REF",
        help="report what the working tree changes against this git ref (e.g. origin/main), per stack",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the stack's preview as JSON (for --base); writes no files"
    )
    parser.add_argument("--out", default="build", help="where the report and diagram go (default: build)")
    parser.add_argument("--no-files", action="store_true", help="print only; write no report or diagram")
    parser.add_argument(
        "--releases-per-month",
        type=_releases_per_month,
        default=20,
        help="for the cost of doubled capacity during releases (a whole number, 0 or more)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    # A short process that makes many small objects: run the cycle collector less often than
    # Python's default (every 700 allocations), about a tenth of the preview's time.
    gc.set_threshold(50_000, 20, 100)
    stacks: list[str] = list(dict.fromkeys(args.stack or ["dev"]))
    out_dir = None if args.no_files else Path(args.out)
    handled: tuple[type[Exception], ...] = (ConfigError, PreviewError)
    if args.base:  # only a change report needs git and the base's snapshot (kept off the fast path)
        from preview.base_ref import BaseRefError

        handled = (*handled, BaseRefError)
    try:
        if args.diff:
            _diff(args.diff[0], args.diff[1], out, say)
        elif args.json:
            if len(stacks) != 1:
                parser.error("--json previews one stack")
            _json(stacks[0], args.releases_per_month, out, say, args.region)
        elif args.base:
            _change(args.base, stacks, out_dir, args.releases_per_month, out, say, region=args.region)
        else:
            for stack in stacks:
                _preview(stack, out_dir, args.releases_per_month, out, say, region=args.region)
    except handled as error:
        print(f"preview: {error}", file=say)
        return 2
    print(f"preview: done in {time.perf_counter() - started:.1f} s", file=say)
    return 0


if __name__ == "__main__":
    # Before anything imports pulumi: its lazy loading is for the preview's own process only.
    fast_imports.install()
    sys.exit(main())
