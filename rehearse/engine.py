"""The release, driven step by step from the preview's timeline, with real processes and traffic.

The steps come from ``settings.timeline`` (``preview.timeline.build_timeline``, the release
model the preview and the config validation share), read event by event; this module does
not know the step rules, only what each kind of event asks the engine to do:

- green launching: start green's tasks; each joins its target group when it runs;
- green running: wait until its tasks run, but no earlier than the timeline's modelled image
  pull and start (a local process has no image to pull: that time is held as modelled);
- green healthy: wait until the target group's checks pass (observed), at the latest the
  timeline's worst case for that event, else the release fails;
- a hook: run the bundled smoke test's real handler against the test listener, its verdict
  through the CodeDeploy stand-in or as ECS's ``hookStatus``; a failed hook rolls back. The
  event lasts at least the timeline's modelled time (a Lambda's invocation, cold start and route
  to the test listener, which a local run cannot see): a stand-in, like the image pull;
- the test listener: point it at green;
- the ready wait, each traffic shift, the termination wait (bake), the deregistration delay:
  set what the event says (green's share of production) and hold it for the modelled time
  until the next event, compressed;
- SIGTERM: stop blue's tasks, SIGKILL after the stop timeout; blue gone.

All the while, at every (compressed) alarm period, the stack's rollback alarms are evaluated
on what the load balancer saw (``rehearse.metrics`` and ``rehearse.cloudwatch``); an alarm in
ALARM before blue starts going rolls back as the engine would: production back to blue, the
test listener back to blue, green drained and stopped.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from preview.timeline import TimelineEvent
from rehearse import cloudwatch, metrics
from rehearse.compression import Compression
from rehearse.haproxy import Haproxy, HealthCheck, Plan, RuntimeApi
from rehearse.load import LoadGenerator
from rehearse.ports import ensure_free, free_ports
from rehearse.records import (
    AlarmTransition,
    Colour,
    HealthSample,
    HookVerdict,
    Outcome,
    PhaseMark,
    RunResult,
)
from rehearse.runtime import DockerApps, DockerRuntime
from rehearse.scenarios import AppRunner, Fault, Scenario, needs_inner_port, process_app, task_processes
from rehearse.settings import HookSettings, RehearsalSettings
from rehearse.standin import CodeDeployStandIn
from rehearse.tasks import Task, stop_tasks, wait_until

START_ALLOWANCE_SECONDS = 8.0
"""Real seconds a Python app may take to start on a busy machine, on top of the modelled times."""
HOOK_ALLOWANCE_SECONDS = 8.0
"""Real seconds a hook process may take on top of its compressed timeout (interpreter, boto3)."""
SAMPLE_SECONDS = 0.05
"""How often the driver reads HAProxy's health (HealthSample)."""
ALARM_GRACE_SECONDS = 0.1
"""How long after a period ends its datapoint is computed (the requests of its last moment)."""
ECS_ARN = "arn:aws:ecs:us-east-1:123456789012"
"""The made-up account and region of the ARNs in the ECS hook events (the handler only needs them set)."""
TAIL_SECONDS = 0.5
"""Load kept on after blue is gone: requests that show the release is over."""


class RehearsalInputError(ValueError):
    """Bad input found while starting (a port in use, blue that cannot start): exit 2."""


class RollbackError(Exception):
    """An alarm or a hook stopped the release."""


@dataclass(frozen=True)
class Sources:
    """The app blue and green run: the image's build context checked out for each colour."""

    blue_dir: Path
    green_dir: Path
    blue_ref: str
    green_ref: str


@dataclass(frozen=True)
class Options:
    scenario: Scenario
    compression: float
    rate: float = 50.0
    fault: Fault = field(default_factory=Fault)
    production_port: int | None = None
    test_port: int | None = None
    after_rollback_seconds: float | None = None
    """Load kept on after a rollback (default: two of the shortest compressed alarm periods)."""
    docker: DockerRuntime | None = None
    """Run each task's app as a container of its colour's image (``--runtime docker``), else a process."""


# What a timeline event asks for, told apart by its label (preview/timeline.py writes them).
KINDS: tuple[tuple[str, str], ...] = (
    ("start", r"^deployment starts"),
    ("launch", r"launching"),
    ("running", r"^green tasks running"),
    ("healthy", r"^green healthy"),
    ("test-traffic", r"test listener.* points at green"),
    ("hook", r"^\S+ hook \S+ runs"),
    ("ready-wait", r"^ready wait"),
    ("shift", r"% of production on green"),
    ("bake", r"blue kept"),
    ("drain", r"drain \("),
    ("sigterm", r"SIGTERM"),
    ("done", r"^blue gone"),
)
HOLDING = frozenset({"ready-wait", "shift", "bake", "drain"})
"""Kinds whose modelled duration (until the next event) the engine holds, compressed."""


def event_kinds(label: str) -> tuple[str, ...]:
    """What a timeline event asks the engine to do; ValueError for a label this module does not know."""
    kinds = tuple(kind for kind, pattern in KINDS if re.search(pattern, label))
    if not kinds:
        raise ValueError(f"timeline event {label!r} is not one the rehearsal knows how to run")
    return kinds


def hook_event(label: str) -> str:
    """``AfterAllowTestTraffic`` of ``AfterAllowTestTraffic hook my-fn runs (...)``."""
    return label.split(" ", 1)[0]


@dataclass
class _State:
    green_percent: float = 0.0
    rollback_possible: bool = False
    green_healthy_once: bool = False
    alarm_states: dict[str, str] = field(default_factory=dict)
    next_boundary: dict[str, float] = field(default_factory=dict)
    registered_at: dict[str, float] = field(default_factory=dict)
    ever_up: set[str] = field(default_factory=set)


class Rehearsal:
    """One rehearsal: ``run()`` returns what happened and always leaves nothing running."""

    def __init__(self, settings: RehearsalSettings, sources: Sources, options: Options) -> None:
        self.settings = settings
        self.sources = sources
        self.options = options
        self.clock = Compression(options.compression)
        self.epoch = time.monotonic()
        self.state = _State()
        self.phases: list[PhaseMark] = []
        self.health: list[HealthSample] = []
        self.hooks: list[HookVerdict] = []
        self.alarms: list[AlarmTransition] = []
        self.blue: list[Task] = []
        self.green: list[Task] = []
        self.haproxy: Haproxy | None = None
        self.api: RuntimeApi | None = None
        self.load: LoadGenerator | None = None
        self.standin: CodeDeployStandIn | None = None
        self.hook_process: subprocess.Popen[bytes] | None = None
        self.workdir = Path(tempfile.mkdtemp(prefix="rehearsal-"))
        self.last_sample = -1.0
        self.rollback_at: float | None = None
        self.blue_sigterm_at: float | None = None
        self.blue_gone_at: float | None = None
        self.blue_killed = False
        self.deployment_started_at = 0.0
        self.load_started_at = 0.0
        self.inner_ports: list[int] = []
        self.launched: tuple[float, TimelineEvent] = (0.0, TimelineEvent(0, 0, "", 0))

    # -- the clock and the marks ------------------------------------------------------------

    def now(self) -> float:
        return time.monotonic() - self.epoch

    def mark(self, label: str) -> None:
        self.phases.append(PhaseMark(self.now(), label, self.state.green_percent))

    def compressed(self, stack_seconds: float) -> float:
        return self.clock.to_rehearsal(stack_seconds)

    # -- set-up -------------------------------------------------------------------------------

    def _plan(self) -> Plan:
        settings = self.settings
        count = settings.desired_count
        inner = count if needs_inner_port(self.options.scenario) else 0
        taken: set[int] = set()
        production = self.options.production_port
        test = self.options.test_port
        try:
            if production is not None:
                taken.add(ensure_free(production, "--port"))
            if test is not None:
                taken.add(ensure_free(test, "--test-port"))
        except ValueError as error:
            raise RehearsalInputError(str(error)) from None
        picked = free_ports(2 + 2 * count + inner, taken)
        production = production if production is not None else picked.pop()
        test = test if test is not None else picked.pop()
        self.inner_ports = [picked.pop() for _ in range(inner)]
        check = settings.health_check
        return Plan(
            production_port=production,
            test_port=test,
            blue_ports=tuple(picked.pop() for _ in range(count)),
            green_ports=tuple(picked.pop() for _ in range(count)),
            health_check=HealthCheck(
                path=check.path,
                interval_ms=self.clock.milliseconds(check.interval_seconds),
                timeout_ms=self.clock.milliseconds(check.timeout_seconds),
                healthy_threshold=check.healthy_threshold,
                unhealthy_threshold=check.unhealthy_threshold,
                matcher=check.matcher,
            ),
            workdir=self.workdir / "haproxy",
        )

    def _app_runner(self) -> AppRunner:
        docker = self.options.docker
        if docker is None:
            return process_app
        return DockerApps(docker, self.settings.container, self.compressed)

    def _tasks(self, colour: Colour, plan: Plan) -> list[Task]:
        container = self.settings.container
        app_dir = self.sources.blue_dir if colour == "blue" else self.sources.green_dir
        run_app = self._app_runner()
        tasks = []
        for index, port in enumerate(plan.ports(colour)):
            inner = self.inner_ports[index] if colour == "green" and self.inner_ports else port
            processes = task_processes(
                self.options.scenario,
                colour,
                app_dir,
                container.command,
                container.environment,
                port,
                inner,
                self.settings.health_check.path,
                self.options.fault,
                run_app,
                index,
            )
            tasks.append(Task(colour, index, port, processes, self.workdir / "logs"))
        return tasks

    def _register_when_running(self, tasks: Sequence[Task]) -> bool:
        """Each task joins its target group once it listens (ECS registers a running task)."""
        assert self.api is not None
        for task in tasks:
            if task.name not in self.state.registered_at and task.listening():
                self.api.register(task.colour, task.index)
                self.state.registered_at[task.name] = self.now()
        return all(task.name in self.state.registered_at for task in tasks)

    def _start_blue(self, plan: Plan) -> None:
        self.blue = self._tasks("blue", plan)
        for task in self.blue:
            task.start()
        check = self.settings.health_check
        modelled = self.compressed(check.interval_seconds * (check.healthy_threshold + 1))
        deadline = START_ALLOWANCE_SECONDS + modelled
        started = wait_until(
            lambda: (
                any(task.exited() is not None for task in self.blue)
                or (
                    self._register_when_running(self.blue)
                    and self._sample(force=True)["blue"][0] == len(self.blue)
                    and all(task.container_healthy() for task in self.blue)
                )
            ),
            deadline,
        )
        started = started and all(task.exited() is None for task in self.blue)
        if not started:
            exited = next((task for task in self.blue if task.exited() is not None), None)
            why = exited.last_log_line() if exited else self.blue[0].last_log_line()
            what = "exited" if exited else f"not healthy on {check.path} within {deadline:.0f} s"
            if exited is None and not all(task.container_healthy() for task in self.blue):
                what = f"its container health check did not pass within {deadline:.0f} s"
            raise RehearsalInputError(
                f"blue ({self.sources.blue_ref}) cannot start: {what}; its last output: {why}"
            )

    # -- health and alarms --------------------------------------------------------------------

    def _sample(self, force: bool = False) -> dict[Colour, tuple[int, int]]:
        """Healthy and unhealthy targets per colour; a HealthSample every SAMPLE_SECONDS."""
        assert self.api is not None
        now = self.now()
        counts: dict[Colour, tuple[int, int]] = {"blue": (0, 0), "green": (0, 0)}
        if not force and now - self.last_sample < SAMPLE_SECONDS:
            return counts
        check = self.settings.health_check
        initial = self.compressed(check.interval_seconds * (check.unhealthy_threshold + 1))
        for name, stat in self.api.servers().items():
            if not stat.in_service or stat.draining:
                continue
            colour: Colour = "blue" if stat.backend == "blue" else "green"
            healthy, unhealthy = counts[colour]
            is_initial = (
                name not in self.state.ever_up and now - self.state.registered_at.get(name, now) < initial
            )
            if is_initial and stat.coming_up:  # ALB: a new target is healthy after one passing check
                self.api.mark_healthy(stat.backend, name)
            if stat.healthy or (is_initial and stat.coming_up):
                self.state.ever_up.add(name)
                counts[colour] = (healthy + 1, unhealthy)
            elif not is_initial:
                counts[colour] = (healthy, unhealthy + 1)  # past ALB's "initial" state: unhealthy
        self.last_sample = now
        for colour, (healthy, unhealthy) in counts.items():
            self.health.append(HealthSample(now, colour, healthy, unhealthy))
        return counts

    def _evaluate_alarms(self) -> None:
        load = self.load
        if load is None:
            return
        now = self.now()
        records = None
        for alarm in self.settings.alarms:
            period = self.compressed(alarm.period_seconds)
            boundary = self.state.next_boundary.setdefault(alarm.name, self.load_started_at + period)
            if now < boundary + ALARM_GRACE_SECONDS:
                continue
            ended = boundary
            while ended + period + ALARM_GRACE_SECONDS <= now:
                ended += period
            self.state.next_boundary[alarm.name] = ended + period
            if records is None:
                records = load.records
            points = metrics.datapoints(alarm, records, self.health, self.load_started_at, ended, period)
            state = cloudwatch.evaluate(alarm, points)
            if self.state.alarm_states.get(alarm.name) != state:
                self.state.alarm_states[alarm.name] = state
                self.alarms.append(AlarmTransition(ended, alarm.name, state))
            if state == "ALARM" and self.state.rollback_possible:
                raise RollbackError(f"alarm {alarm.name} in ALARM")

    def wait(self, seconds: float, until: Callable[[], bool] | None = None) -> bool:
        """Hold for ``seconds`` (or until ``until()``), sampling health and evaluating alarms.

        Returns whether ``until`` came true; raises RollbackError when an alarm rolls back.
        """
        deadline = time.monotonic() + seconds
        while True:
            self._sample()
            self._evaluate_alarms()
            if until is not None and until():
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return until is None
            time.sleep(min(0.01, left))

    # -- hooks --------------------------------------------------------------------------------

    def _hook_env(self, hook: HookSettings) -> dict[str, str]:
        assert self.haproxy is not None and self.standin is not None
        env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "PYTHON"))}
        env.update(hook.environment)
        env["TEST_URL"] = f"http://127.0.0.1:{self.haproxy.plan.test_port}"
        retry = float(hook.environment.get("RETRY_DELAY_SECONDS") or 5)
        env["RETRY_DELAY_SECONDS"] = f"{self.compressed(retry):.3f}"
        env.update(
            {
                "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
                "AWS_ENDPOINT_URL_CODEDEPLOY": self.standin.url,
                "AWS_ACCESS_KEY_ID": "rehearsal",
                "AWS_SECRET_ACCESS_KEY": "rehearsal",
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_EC2_METADATA_DISABLED": "true",
                "NO_PROXY": "127.0.0.1",
            }
        )
        return env

    def _invoke(self, hook: HookSettings, event: dict[str, Any]) -> dict[str, Any] | None:
        """One invocation of the real handler in a fresh process; None when it ran out of time."""
        timeout = self.compressed(hook.timeout_seconds) + HOOK_ALLOWANCE_SECONDS
        self.hook_process = subprocess.Popen(
            [sys.executable, "-m", "rehearse.hookrun", str(hook.timeout_seconds)],
            env=self._hook_env(hook),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        process = self.hook_process
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps(event).encode())
        process.stdin.close()
        try:
            self.wait(timeout, until=lambda: process.poll() is not None)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            self.hook_process = None
        output = process.stdout.read().decode(errors="replace").splitlines()
        process.stdout.close()
        for line in reversed(output):
            try:
                answer = json.loads(line)
            except ValueError:
                continue
            if isinstance(answer, dict) and "result" in answer:
                result = answer["result"]
                return result if isinstance(result, dict) else {"value": result}
        return None

    def _run_hook(self, hook: HookSettings) -> None:
        started = self.now()
        if self.settings.engine == "ecs":
            status, detail = self._ecs_hook(hook)
            ok = status == "SUCCEEDED"
        else:
            status, detail = self._codedeploy_hook(hook)
            ok = status == "Succeeded"
        self.hooks.append(HookVerdict(started, hook.event, status, self.now() - started, detail))
        if not ok:
            raise RollbackError(f"hook {hook.event} {status}: {detail}")

    def _codedeploy_hook(self, hook: HookSettings) -> tuple[str, str]:
        assert self.standin is not None
        execution = f"rehearsal-{hook.event}-{len(self.hooks) + 1}"
        event = {"DeploymentId": "d-REHEARSAL", "LifecycleEventHookExecutionId": execution}
        result = self._invoke(hook, event)
        status = self.standin.status_of(execution) or "none"
        detail = _detail(result) if result is not None else "no answer within the hook's timeout"
        return status, detail

    def _ecs_hook(self, hook: HookSettings) -> tuple[str, str]:
        details: dict[str, Any] = {}
        invocation = 0
        while True:
            invocation += 1
            event = {
                "executionId": f"rehearsal-{hook.event}-{invocation}",
                "lifecycleStage": hook.event,
                "resourceArn": f"{ECS_ARN}:service-deployment/rehearsal/{self.settings.stack}/1",
                "executionDetails": {
                    "serviceArn": f"{ECS_ARN}:service/rehearsal/{self.settings.stack}",
                    "targetServiceRevisionArn": f"{ECS_ARN}:service-revision/{self.settings.stack}/1",
                },
                "hookDetails": details,
            }
            result = self._invoke(hook, event)
            if result is None:
                return "FAILED", "no answer within the hook's timeout"
            status = str(result.get("hookStatus", "FAILED"))
            if status != "IN_PROGRESS":
                return status, _detail(result)
            details = result.get("hookDetails") or {}
            self.wait(self.compressed(float(result.get("callBackDelay") or 0)))

    # -- the release --------------------------------------------------------------------------

    def _launch_green(self, event: TimelineEvent) -> None:
        assert self.haproxy is not None
        self.launched = (self.now(), event)
        self.green = self._tasks("green", self.haproxy.plan)
        for task in self.green:
            task.start()

    def _green_deadline(self, event: TimelineEvent) -> float:
        """Real seconds from the deployment's start by which green must have reached ``event``."""
        return self.compressed(event.latest_seconds) + START_ALLOWANCE_SECONDS

    def _wait_green(self, event: TimelineEvent, healthy: bool) -> None:
        """Until green's tasks run (no earlier than the modelled image pull) or pass their checks."""
        left = self.deployment_started_at + self._green_deadline(event) - self.now()
        launched_at, launch = self.launched
        # A local process skips the image pull the timeline models: its time is held as modelled.
        pulled_at = launched_at + self.compressed(max(0, event.at_seconds - launch.at_seconds))

        def reached() -> bool:
            if not healthy and self.now() < pulled_at:
                return False
            registered = self._register_when_running(self.green)
            if not healthy:
                return registered
            return (
                registered
                and self._sample(force=True)["green"][0] == len(self.green)
                and all(task.container_healthy() for task in self.green)  # ECS: the task is HEALTHY
            )

        if not self.wait(max(0.0, left), until=reached):
            why = "never ran" if not healthy else "never passed the target group's health check"
            failing = [task for task in self.green if not task.container_healthy()]
            if healthy and failing:
                why = (
                    f"never passed its container health check (last probe: {failing[0].last_probe or 'none'})"
                )
            exited = next((task for task in self.green if task.exited() is not None), None)
            output = f" (its process exited: {exited.last_log_line()})" if exited else ""
            raise GreenNeverHealthyError(
                f"green {why} within {self._green_deadline(event):.1f} s of the deployment's start "
                f"(the timeline's worst case, compressed, and {START_ALLOWANCE_SECONDS:g} s to start "
                f"a process){output}"
            )
        if healthy:
            self.state.green_healthy_once = True

    def _step(self, index: int, events: Sequence[TimelineEvent]) -> None:
        event = events[index]
        kinds = event_kinds(event.label)
        assert self.api is not None
        if "start" in kinds:
            self.deployment_started_at = self.now()
            self.state.rollback_possible = True
        if "launch" in kinds:
            self._launch_green(event)
        if "running" in kinds:
            self._wait_green(event, healthy=False)
        if "healthy" in kinds:
            self._wait_green(event, healthy=True)
        if "test-traffic" in kinds:
            self.api.point_test_listener("green")
        if "shift" in kinds:
            self.state.green_percent = float(event.green_percent)
            self.api.set_green_share(self.state.green_percent)
        if "drain" in kinds:
            self.state.rollback_possible = False  # blue is going: no instant rollback any more
            for task in self.blue:
                self.api.drain("blue", task.index)
        self.mark(event.label)
        if "hook" in kinds:
            started = time.monotonic()
            for hook in self.settings.hooks:
                if hook.event == hook_event(event.label):
                    self._run_hook(hook)
            if index + 1 < len(events):  # the Lambda's invocation, cold start and network, as modelled
                modelled = self.compressed(events[index + 1].at_seconds - event.at_seconds)
                self.wait(max(0.0, started + modelled - time.monotonic()))
        if "sigterm" in kinds:
            self.blue_sigterm_at = self.now()
            results = stop_tasks(
                self.blue, self._lets_finish("blue", self.settings.container.stop_timeout_seconds)
            )
            self.blue_killed = any(result.killed for result in results)
            for task in self.blue:
                self.api.deregister("blue", task.index)
        if "done" in kinds:
            self.blue_gone_at = self.phases[-1].at
        if HOLDING.intersection(kinds) and index + 1 < len(events):
            hold = self.compressed(events[index + 1].at_seconds - event.at_seconds)
            if "drain" in kinds:
                hold = max(hold, self._lets_finish("blue", self.settings.deregistration_delay_seconds))
            self.wait(hold)

    def _roll_back(self, reason: str) -> None:
        """Production and test traffic back to blue; green drained, then stopped."""
        assert self.api is not None
        self.state.rollback_possible = False
        self.state.green_percent = 0.0
        self.api.set_green_share(0)
        self.api.point_test_listener("blue")
        self.rollback_at = self.now()  # every request sent from now on goes to blue
        self.mark(f"rollback: {reason}; production and test traffic back to blue")
        self._stop_green()

    def _lets_finish(self, colour: Colour, stack_seconds: float) -> float:
        """A wait meant to let requests finish (deregistration delay, stop timeout), compressed,
        but never below the slowest request ``colour`` answered so far (at most the configured
        time): latencies are not compressed, so the compressed wait alone would cut requests that
        the real one lets finish."""
        slowest = max(
            (r.latency_seconds for r in (self.load.records if self.load else ()) if r.colour == colour),
            default=0.0,
        )
        return max(self.compressed(stack_seconds), min(float(stack_seconds), slowest * 1.2 + 0.05))

    def _stop_green(self) -> None:
        assert self.api is not None
        registered = [task for task in self.green if task.name in self.state.registered_at]
        for task in registered:
            self.api.drain("green", task.index)
        if registered:
            self._quiet_wait(self._lets_finish("green", self.settings.deregistration_delay_seconds))
        stop_tasks(self.green, self._lets_finish("green", self.settings.container.stop_timeout_seconds))
        for task in registered:
            self.api.deregister("green", task.index)
        self.mark("green stopped")

    def _quiet_wait(self, seconds: float) -> None:
        """Hold, sampling health and recording alarm states, never rolling back again."""
        with contextlib.suppress(RollbackError):
            self.wait(seconds)

    def _release(self) -> tuple[Outcome, str]:
        events = self.settings.timeline.events
        try:
            for index in range(len(events)):
                self._step(index, events)
        except GreenNeverHealthyError as stop:
            self.mark(f"deployment failed: {stop}")
            self._roll_back_or_stop(str(stop))
            return "failed", str(stop)
        except RollbackError as rollback:
            reason = str(rollback)
            if not self.state.green_healthy_once:
                self.mark(f"deployment failed: {reason}")
                self._roll_back_or_stop(reason)
                return "failed", f"{reason} before green was healthy"
            self._roll_back(reason)
            return "rolled_back", reason
        return "released", "blue gone, production on green"

    def _roll_back_or_stop(self, reason: str) -> None:
        assert self.api is not None
        if self.state.green_percent > 0:
            self._roll_back(reason)
        else:
            self.rollback_at = self.now()
            self.api.point_test_listener("blue")
            self._stop_green()

    def run(self) -> RunResult:
        """Set up, release, tear down; RehearsalInputError when it cannot start."""
        settings = self.settings
        try:
            plan = self._plan()
            self.haproxy = Haproxy(plan)
            self.api = self.haproxy.start()
            self.standin = CodeDeployStandIn().start()
            self._start_blue(plan)
            periods = [self.compressed(alarm.period_seconds) for alarm in settings.alarms] or [1.0]
            span = self.compressed(settings.timeline.worst_case_seconds) + 4 * max(periods)
            self.load = LoadGenerator(
                plan.production_port, self.epoch, self.options.rate, max_seconds=span + 120
            )
            self.load_started_at = self.now()
            self.load.start()
            self.mark("load starts")
            self.wait(min(max(0.3, min(periods)), 5.0))  # a baseline before the deployment
            outcome, reason = self._release()
            after = self.options.after_rollback_seconds
            tail = (
                TAIL_SECONDS if outcome == "released" else (after if after is not None else 2 * min(periods))
            )
            self._quiet_wait(tail)
            self.load.stop()
            self.mark("load stops")
            return RunResult(
                stack=settings.stack,
                engine=settings.engine,
                strategy=settings.strategy,
                scenario=self.options.scenario.name,
                compression=self.clock.factor,
                rate=self.options.rate,
                outcome=outcome,
                expected_outcome=self.options.scenario.expected,
                reason=reason,
                deployment_started_at=self.deployment_started_at,
                requests=tuple(self.load.records),
                health=tuple(self.health),
                phases=tuple(self.phases),
                hooks=tuple(self.hooks),
                alarms=tuple(self.alarms),
                rollback_at=self.rollback_at,
                blue_sigterm_at=self.blue_sigterm_at,
                blue_gone_at=self.blue_gone_at,
                blue_killed=self.blue_killed,
                blue_ref=self.sources.blue_ref,
                green_ref=self.sources.green_ref,
                ended_at=self.now(),
                runtime="process" if self.options.docker is None else "docker",
            )
        finally:
            self.close()

    def close(self) -> None:
        """Stop everything this rehearsal started, whatever state it is in."""
        if self.load is not None:
            self.load.stop()
        if self.hook_process is not None and self.hook_process.poll() is None:
            self.hook_process.kill()
            self.hook_process.wait()
        for task in [*self.blue, *self.green]:
            task.kill()
        if self.haproxy is not None:
            self.haproxy.stop()
        if self.standin is not None:
            self.standin.stop()
            self.standin = None
        if self.options.docker is not None:
            self.options.docker.cleanup()


class GreenNeverHealthyError(Exception):
    """Green did not run or pass its health checks by the timeline's worst case."""


def _detail(result: dict[str, Any]) -> str:
    """One line from the handler's answer: checks passed and failed, and its error if any."""
    passed, failed = result.get("passed"), result.get("failed")
    error = result.get("error")
    text = f"{passed} check(s) passed, {failed} failed"
    return f"{text}: {error}" if error else text
