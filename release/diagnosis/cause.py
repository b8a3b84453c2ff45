"""The first line of a diagnosis: the most likely cause in plain words and what to check next.

Pure rules over the gathered Facts, tried in order; the first that matches names the cause.
Tasks that never started come first (image pull, task initialization), then tasks a sidecar
stopped (it exited or was unhealthy while the app was not failing by itself), then tasks that ran
and died (out of memory, container health check, load balancer health check, a crash), then
targets still unhealthy, then alarms, then the hook's verdict, then what the service events say,
then a ready wait that ran out with no go-ahead; a deployment with nothing wrong in any of them
was stopped or ran out of time.
"""

from __future__ import annotations

from collections.abc import Callable

from release.diagnosis.sources import Facts, StoppedTask, TargetGroupHealth, crashed, failing_sidecars

Rule = Callable[[Facts], str | None]

FAST_SECONDS = 60.0
"""A crash within this long of starting is a crash at start."""


def _count(tasks: list[StoppedTask]) -> str:
    return "a green task" if len(tasks) == 1 else f"{len(tasks)} green tasks"


def _texts(task: StoppedTask) -> str:
    return " ".join([task.stopped_reason, *(c.reason for c in task.containers)])


def image_pull(facts: Facts) -> str | None:
    tasks = [t for t in facts.stopped_tasks if "CannotPullContainer" in _texts(t)]
    if not tasks:
        return None
    images = sorted({c.image for t in tasks for c in t.containers if c.image and "CannotPull" in c.reason})
    image = f" {images[0]}" if images else ""
    return (
        f"image pull failed: {_count(tasks)} could not pull the image{image}; check that the image and tag "
        "exist, that the task execution role may pull it (ecr:GetAuthorizationToken, ecr:BatchGetImage), "
        "and the route to ECR (NAT gateway or ECR/S3 VPC endpoints)"
    )


def initialization(facts: Facts) -> str | None:
    tasks = [t for t in facts.stopped_tasks if "ResourceInitializationError" in _texts(t)]
    if not tasks:
        return None
    return (
        f"green tasks could not be initialized (ResourceInitializationError, {_count(tasks)}): the execution "
        "role cannot read the task's secrets or create its log stream, or the subnets have no route to "
        "Secrets Manager / SSM / CloudWatch Logs / ECR; the stop reason below names which"
    )


def sidecar_failed(facts: Facts) -> str | None:
    tasks = [t for t in facts.stopped_tasks if failing_sidecars(t, facts.app_container)]
    if not tasks:
        return None
    sidecar = failing_sidecars(tasks[0], facts.app_container)[0]
    if sidecar.health == "UNHEALTHY":
        what = "failed its container health check"
    elif sidecar.exit_code == 137 and "OutOfMemory" in sidecar.reason:
        what = "ran out of memory (exit code 137)"
    else:
        what = f"exited with code {sidecar.exit_code}" + (f" ({sidecar.reason})" if sidecar.reason else "")
    logs = "; its last log lines are below" if facts.container_log and facts.container_log.lines else ""
    return (
        f"green's sidecar {sidecar.name} stopped {_count(tasks)}: it {what} while the app "
        f"({facts.app_container}) was not failing; check the sidecar's image, settings, size and, for "
        f"an essential one, whether it should be (container.sidecars){logs}"
    )


def out_of_memory(facts: Facts) -> str | None:
    tasks = [
        t
        for t in facts.stopped_tasks
        if "OutOfMemory" in _texts(t)
        or any(c.exit_code == 137 and "OutOfMemory" in c.reason for c in t.containers)
        or (
            any(c.exit_code == 137 for c in t.containers)
            and t.stop_code == "EssentialContainerExited"
            and "health check" not in t.stopped_reason.lower()
        )
    ]
    if not tasks:
        return None
    return (
        f"green runs out of memory: {_count(tasks)} killed (exit code 137, OutOfMemoryError); raise the "
        "task or container memory, or find what grows in the app; its last log lines are below"
    )


def container_health_check(facts: Facts) -> str | None:
    tasks = [
        t
        for t in facts.stopped_tasks
        if "container health check" in t.stopped_reason.lower()
        or any(c.health == "UNHEALTHY" for c in t.containers)
    ]
    if not tasks:
        return None
    return (
        f"green's container health check fails: {_count(tasks)} stopped as unhealthy; check the task "
        "definition's healthCheck command (is curl/wget in the image? the port and path?) and the "
        "startPeriod against how long the app takes to start; its last log lines are below"
    )


def _unhealthy(facts: Facts) -> list[tuple[TargetGroupHealth, str, str]]:
    return [
        (group, target.reason, target.description)
        for group in facts.target_groups
        for target in group.targets
        if target.state == "unhealthy"
    ]


def _elb_advice(reason: str, description: str, group: TargetGroupHealth | None) -> str:
    check = f" ({group.health_check})" if group is not None and group.health_check else ""
    if reason == "Target.ResponseCodeMismatch":
        return (
            f"the health check path answers another status code ({description or reason}){check}; "
            "fix the app's health endpoint or the target group's path and matcher"
        )
    if reason == "Target.Timeout":
        return (
            f"the health check times out{check}: the app does not answer in time on the container "
            "port, or the tasks' security group does not let the load balancer in"
        )
    if reason == "Target.FailedHealthChecks":
        return (
            f"the load balancer cannot connect to green's tasks{check}: the app is not listening on the "
            "container port (or only on 127.0.0.1), or a security group blocks the load balancer"
        )
    return f"{reason or 'unhealthy'}{': ' + description if description else ''}{check}"


def elb_health_check(facts: Facts) -> str | None:
    tasks = [t for t in facts.stopped_tasks if "elb health check" in t.stopped_reason.lower()]
    unhealthy = _unhealthy(facts)
    if not tasks and not unhealthy:
        return None
    if unhealthy:
        group, reason, description = unhealthy[0]
        advice = _elb_advice(reason, description, group)
    else:
        first = facts.target_groups[0] if facts.target_groups else None
        check = f" ({first.health_check})" if first is not None and first.health_check else ""
        advice = f"check the app answers the target group's health check{check} on the container port"
    who = f"{_count(tasks)} stopped for it" if tasks else f"{len(unhealthy)} unhealthy targets"
    return f"green fails the load balancer health check ({who}): {advice}"


def crash(facts: Facts) -> str | None:
    tasks = [t for t in facts.stopped_tasks if crashed(t)]
    if not tasks:
        return None
    task = tasks[0]
    codes = sorted({c.exit_code for t in tasks for c in t.containers if c.exit_code not in (None, 0)})
    code = f"code {codes[0]}" if len(codes) == 1 else f"codes {', '.join(str(c) for c in codes)}"
    ran = task.ran_seconds
    logs = "; its last log lines are below" if facts.container_log and facts.container_log.lines else ""
    if ran is not None and ran <= FAST_SECONDS:
        return f"green tasks exit with {code} within {ran:.0f} s: the app crashes at start{logs}"
    after = f" after {ran:.0f} s" if ran is not None else ""
    return f"green tasks exit with {code}{after}: the app crashed{logs}"


def never_started(facts: Facts) -> str | None:
    tasks = [t for t in facts.stopped_tasks if t.started_at is None and t.stopped_reason]
    if not tasks:
        return None
    return f"green tasks stopped before starting ({_count(tasks)}): {tasks[0].stopped_reason}"


def alarm(facts: Facts) -> str | None:
    firing = [a for a in facts.alarms if a.state == "ALARM"] or list(facts.alarms)
    if not firing:
        triggered = facts.subject.triggered_alarms
        if triggered:  # the engine says so, though the alarms could not be read
            return (
                f"alarm {triggered[0]} triggered the rollback: check the app's errors and latency "
                "under traffic"
            )
        return None
    first = firing[0]
    state = "is in ALARM" if first.state == "ALARM" else f"triggered the rollback (now {first.state})"
    reason = f" ({first.reason})" if first.reason else ""
    return (
        f"alarm {first.name} {state}{reason}: green's metrics crossed the threshold under traffic; "
        "check the app's errors and latency in its logs and the alarm's metric"
    )


def hook_failed(facts: Facts) -> str | None:
    failed = [h for h in facts.hooks if h.failed]
    if not failed:
        return None
    hook = failed[0]
    return (
        f"the lifecycle hook {hook.function} failed: {hook.verdict}; green is reachable but does not "
        "answer the smoke checks as expected; its last log lines are below"
    )


_PLACEMENT = ("unable to place a task", "was unable to place", "unable to consistently start tasks")


def service_event(facts: Facts) -> str | None:
    event = next(
        (e for e in reversed(facts.events) if any(p in e.message.lower() for p in _PLACEMENT)),
        None,
    )
    if event is None:
        return None
    return f"ECS could not start green's tasks: {event.message}"


def ready_wait_ran_out(facts: Facts) -> str | None:
    action = facts.subject.ready_wait_ran_out
    if not action:
        return None
    return (
        f"the ready wait ran out with no go-ahead, so the engine took its timeout action {action}: nothing "
        "was found wrong with green; release again and give the go-ahead (python -m release continue) "
        "within deployment.readyWaitMinutes, or raise it"
    )


def nothing_found(facts: Facts) -> str | None:
    status = facts.subject.status
    if status == "Stopped":
        return (
            "stopped on request (or by the engine) with nothing found wrong in green's tasks, targets, "
            "alarms or hook"
        )
    if status == "TimedOut":
        return (
            "timed out with nothing failing in green's tasks, targets, alarms or hook: the deployment may "
            "be waiting (a bake time, a PAUSE hook, a hook still IN_PROGRESS, or tasks still starting)"
        )
    return (
        "no cause found in green's tasks, target health, alarms or hook log"
        + ("" if not facts.notes else " (some sources could not be read, below)")
        + "; the engine's message above is all there is"
    )


RULES: tuple[Rule, ...] = (
    image_pull,
    initialization,
    sidecar_failed,
    out_of_memory,
    container_health_check,
    elb_health_check,
    crash,
    never_started,
    alarm,
    hook_failed,
    service_event,
    ready_wait_ran_out,
    nothing_found,
)


def first_line(facts: Facts) -> str:
    for rule in RULES:
        line = rule(facts)
        if line is not None:
            return line
    raise AssertionError("nothing_found always answers")  # pragma: no cover
