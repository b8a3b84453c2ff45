"""``python -m rehearse`` / ``bluegreen rehearse`` / ``make rehearse``: one release, rehearsed.

Exit codes: 0 the release ended as the scenario should (``good`` released without a failed
request, ``errors`` rolled back by its alarm with none failing after ...: the report's checks),
1 it did not, 2 bad input (unknown stack, scenario or ref, a port in use,
an app that cannot start, HAProxy missing, with --runtime docker no Docker daemon or an image
that does not build), one line on stderr. Nothing it started is left
running, whatever the exit.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO

from rehearse.containers import RUNTIMES
from rehearse.records import Colour
from rehearse.scenarios import DEFAULT_SLOW_SECONDS, SCENARIOS, Fault, scenario

if TYPE_CHECKING:  # the settings' module runs the program: imported when a rehearsal runs
    from rehearse.settings import RehearsalSettings

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_ERROR = 2
OUT_DIR = Path("build") / "rehearsal"


def build_parser(prog: str = "python -m rehearse") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Rehearse a release on this machine: blue and green as real processes (or containers) of "
        "the app behind HAProxy on loopback, steady load, the stack's hooks, alarms and rollback, "
        "time-compressed.",
        epilog="exit codes: 0 the release ended as the scenario should, 1 it did not, 2 bad input",
    )
    parser.add_argument("--stack", default="dev", help="the stack whose settings to rehearse (default dev)")
    parser.add_argument(
        "--scenario", default="good", help=f"what green does: {', '.join(SCENARIOS)} (default good)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    parser.add_argument(
        "--compression",
        type=float,
        help="divide every configured duration by this (default: the shortest alarm period lasts 5 s)",
    )
    parser.add_argument("--rate", type=float, default=50.0, help="requests per second (default 50)")
    parser.add_argument("--blue-ref", default="HEAD", help="the git ref blue runs (default HEAD)")
    parser.add_argument(
        "--green-ref", default="worktree", help="the git ref green runs, or worktree (default)"
    )
    parser.add_argument(
        "--runtime",
        choices=RUNTIMES,
        default="process",
        help="process: the app's code as processes (default); docker: containers of the image built from the "
        "stack's Dockerfile, with the task definition's settings (needs a Docker daemon)",
    )
    parser.add_argument("--engine", choices=("codedeploy", "ecs"), help="rehearse under this engine instead")
    parser.add_argument("--strategy", choices=("canary", "linear", "all-at-once"), help="and this strategy")
    parser.add_argument(
        "--error-share", type=float, default=1.0, help="errors: share of requests answered 500"
    )
    parser.add_argument(
        "--slow-seconds", type=float, help="slow: added latency (default 1.5 x the alarm's threshold)"
    )
    parser.add_argument("--port", type=int, help="the production listener's port (default: a free one)")
    parser.add_argument("--test-port", type=int, help="the test listener's port (default: a free one)")
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="KEY=JSON",
        help="a config override, a whole key as `pulumi config set` replaces it "
        "(e.g. hooks='{\"lifecycleEvents\": []}')",
    )
    parser.add_argument("--out", type=Path, default=OUT_DIR, help=f"where the reports go (default {OUT_DIR})")
    return parser


def _slow_seconds(settings: RehearsalSettings, given: float | None) -> float:
    if given is not None:
        if not 0 < given <= 60:
            raise ValueError(f"--slow-seconds {given:g} is outside 0-60")
        return given
    thresholds = [alarm.threshold for alarm in settings.alarms if alarm.metric_name == "TargetResponseTime"]
    return 1.5 * min(thresholds) if thresholds else DEFAULT_SLOW_SECONDS


def config_overrides(pairs: list[str]) -> dict[str, Any]:
    """``KEY=JSON`` pairs as config overrides; a value that is not JSON is taken as a string."""
    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(
                f"--config {pair!r} is not KEY=VALUE; e.g. --config 'hooks={{\"lifecycleEvents\": []}}'"
            )
        try:
            overrides[key.strip()] = json.loads(raw)
        except ValueError:
            overrides[key.strip()] = raw
    return overrides


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(
    argv: list[str] | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    prog: str = "python -m rehearse",
) -> int:
    parser = build_parser(prog)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else EXIT_ERROR
    previous = signal.signal(signal.SIGTERM, _interrupt)
    scratch = Path(tempfile.mkdtemp(prefix="rehearsal-refs-"))
    try:
        return _run(args, scratch, out)
    except KeyboardInterrupt:
        print("interrupted: every process of the rehearsal stopped", file=err, flush=True)
        return 130
    except _InputError as error:
        print(f"error: {error}", file=err, flush=True)
        return EXIT_ERROR
    finally:
        signal.signal(signal.SIGTERM, previous)
        shutil.rmtree(scratch, ignore_errors=True)


class _InputError(Exception):
    """Bad input, one line."""


def _run(args: argparse.Namespace, scratch: Path, out: TextIO) -> int:
    from rehearse.compression import check_factor, default_compression
    from rehearse.containers import DockerError, check_daemon, docker_binary
    from rehearse.haproxy import HaproxyError, haproxy_binary
    from rehearse.sources import RefError, checkout

    try:
        chosen = scenario(args.scenario)
        haproxy_binary()
        if args.runtime == "docker":
            check_daemon(docker_binary())  # before the program runs: a missing daemon fails fast
        if args.compression is not None:
            check_factor(args.compression)
        if not 0 <= args.error_share <= 1:
            raise ValueError(f"--error-share {args.error_share:g} is outside 0-1")
        if not 0 < args.rate <= 1000:
            raise ValueError(f"--rate {args.rate:g} is outside 0-1000 requests/s")
        settings = _settings(args)
        blue = checkout(args.blue_ref, "--blue-ref", settings.container.workdir, scratch / "blue")
        green = checkout(args.green_ref, "--green-ref", settings.container.workdir, scratch / "green")
        fault = Fault(error_share=args.error_share, slow_seconds=_slow_seconds(settings, args.slow_seconds))
        docker = None
        if args.runtime == "docker":
            from rehearse.runtime import docker_runtime

            contexts: dict[Colour, Path] = {"blue": blue.directory, "green": green.directory}
            docker = docker_runtime(contexts, settings.container.dockerfile)
    except (ValueError, RefError, HaproxyError, DockerError) as error:
        raise _InputError(str(error)) from None
    from rehearse.engine import Options, Rehearsal, RehearsalInputError, Sources

    options = Options(
        scenario=chosen,
        compression=args.compression if args.compression is not None else default_compression(settings),
        rate=args.rate,
        fault=fault,
        production_port=args.port,
        test_port=args.test_port,
        docker=docker,
    )
    sources = Sources(blue.directory, green.directory, blue.label, green.label)
    try:
        result = Rehearsal(settings, sources, options).run()
    except (RehearsalInputError, HaproxyError) as error:
        raise _InputError(str(error)) from None
    from rehearse import chart, report

    document = report.build_json(settings, result)
    markdown = report.markdown(settings, result)
    svg = chart.svg(settings, result)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"{result.stack}-{result.scenario}"
    stem.with_suffix(".json").write_text(json.dumps(document, indent=2) + "\n")
    stem.with_suffix(".md").write_text(markdown)
    stem.with_suffix(".svg").write_text(svg)
    if args.json:
        print(json.dumps(document), file=out)
    else:
        print(markdown, file=out)
        print(f"reports: {stem}.md, {stem}.json, {stem}.svg", file=out)
    return EXIT_OK if document.get("verdict") == "pass" else EXIT_UNEXPECTED


def _settings(args: argparse.Namespace) -> RehearsalSettings:
    """The stack's settings; a config error of the stack becomes one line."""
    from rehearse.settings import load_settings
    from stack_config.errors import ConfigError

    try:
        return load_settings(
            args.stack, engine=args.engine, strategy=args.strategy, overrides=config_overrides(args.config)
        )
    except ConfigError as error:
        problems = getattr(error, "problems", None) or [str(error)]
        raise ValueError(f"stack {args.stack}: {'; '.join(str(p) for p in problems)}") from None
