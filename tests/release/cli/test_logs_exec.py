"""`logs` and `exec` against moto_server: the service's tasks labelled blue (PRIMARY task set) and
green (the ACTIVE replacement), their CloudWatch Logs streams `<prefix>/<container>/<task id>`,
--filter, --since, --follow (bounded by --timeout-minutes on a fake clock), and `exec` through a
fake `aws` on a PATH that holds (or lacks) the AWS CLI and the Session Manager plugin."""

from __future__ import annotations

import json
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from .support import CLUSTER, REGION, ClientFactory, FakeClock, Stack, create_service, names_flags, run_cli

SERVICE = "logged-svc"
FAMILY = "my-app-dev-logged"
LOG_GROUP = "/ecs/my-app-dev"


def _revision(ecs: Any, version: str) -> str:
    return str(
        ecs.register_task_definition(
            family=FAMILY,
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            containerDefinitions=[
                {
                    "name": "app",
                    "image": f"123456789012.dkr.ecr.{REGION}.amazonaws.com/my-app:{version}",
                    "essential": True,
                    "memory": 512,  # moto sums the containers' memory to run a task
                    "logConfiguration": {
                        "logDriver": "awslogs",
                        "options": {
                            "awslogs-group": LOG_GROUP,
                            "awslogs-region": REGION,
                            "awslogs-stream-prefix": "app",
                        },
                    },
                }
            ],
        )["taskDefinition"]["taskDefinitionArn"]
    )


class _Http:
    status_code = 200
    headers: dict[str, str] = {}  # noqa: RUF012
    content = b""
    text = ""


def _service_with_tasks(stack: Stack, client: Callable[[str], Any]) -> dict[str, dict[str, Any]]:
    """A CODE_DEPLOY service mid-deployment: blue (PRIMARY, revision 1) and green (ACTIVE,
    revision 2) task sets, and one task of each as ECS would describe it (moto cannot run a
    Fargate task: _factory answers ListTasks/DescribeTasks); color -> task."""
    ecs = client("ecs")
    blue_td, green_td = _revision(ecs, "v1"), _revision(ecs, "v2")
    create_service(ecs, stack.subnets, stack.security_group, stack.blue_arn, SERVICE, blue_td)
    network = {"awsvpcConfiguration": {"subnets": stack.subnets, "securityGroups": [stack.security_group]}}
    ecs.create_task_set(
        cluster=CLUSTER,
        service=SERVICE,
        taskDefinition=green_td,
        launchType="FARGATE",
        loadBalancers=[{"targetGroupArn": stack.green_arn, "containerName": "app", "containerPort": 8080}],
        networkConfiguration=network,
    )
    task_sets = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]["taskSets"]
    tasks: dict[str, dict[str, Any]] = {}
    for index, task_set in enumerate(task_sets):
        color = "blue" if task_set["status"] == "PRIMARY" else "green"
        task_id = f"{index + 1:032x}"
        tasks[color] = {
            "taskArn": f"arn:aws:ecs:{REGION}:123456789012:task/{CLUSTER}/{task_id}",
            "startedBy": task_set["id"],
            "taskDefinitionArn": task_set["taskDefinition"],
            "lastStatus": "RUNNING",
            "enableExecuteCommand": True,
        }
    return tasks


def _task_id(task: dict[str, Any]) -> str:
    return str(task["taskArn"]).rsplit("/", 1)[-1]


def _factory(
    clients: ClientFactory, endpoint: str, tasks: dict[str, dict[str, Any]], *, exec_on: bool = True
) -> ClientFactory:
    """moto for everything, but a fresh ECS client whose ListTasks/DescribeTasks answer ``tasks``
    and whose DescribeServices carries enableExecuteCommand (moto keeps neither)."""
    ecs = boto3.client(
        "ecs", region_name=REGION, endpoint_url=endpoint, aws_access_key_id="t", aws_secret_access_key="t"
    )

    def services(parsed: dict[str, Any], **_: Any) -> None:
        for service in parsed.get("services", []):
            service["enableExecuteCommand"] = exec_on

    ecs.meta.events.register("after-call.ecs.DescribeServices", services)
    ecs.meta.events.register(
        "before-call.ecs.ListTasks",
        lambda **_: (_Http(), {"taskArns": [task["taskArn"] for task in tasks.values()]}),
    )
    ecs.meta.events.register(
        "before-call.ecs.DescribeTasks", lambda **_: (_Http(), {"tasks": list(tasks.values())})
    )
    return lambda service, region: ecs if service == "ecs" else clients(service, region)


def _write_logs(
    client: Callable[[str], Any], tasks: dict[str, dict[str, Any]], lines: dict[str, list[str]]
) -> int:
    logs = client("logs")
    logs.create_log_group(logGroupName=LOG_GROUP)
    now_ms = int(time.time() * 1000)
    for color, task in tasks.items():
        stream = f"app/app/{_task_id(task)}"
        logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName=stream)
        events = [
            {"timestamp": now_ms - 60_000 + i, "message": m} for i, m in enumerate(lines.get(color, []))
        ]
        if events:
            logs.put_log_events(logGroupName=LOG_GROUP, logStreamName=stream, logEvents=events)
    return now_ms


def _flags() -> list[str]:
    return names_flags(service=SERVICE)


def test_logs_of_both_colors_labelled_by_task_and_revision(
    stack: Stack, clients: ClientFactory, client: Callable[[str], Any], endpoint: str
) -> None:
    ids = _service_with_tasks(stack, client)
    _write_logs(client, ids, {"blue": ["GET / 200"], "green": ["starting", "GET /health 200"]})

    result = run_cli(["logs", *_flags()], _factory(clients, endpoint, ids))

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"[blue {FAMILY}:1 {_task_id(ids['blue'])[:8]}] ") and lines[0].endswith(
        " GET / 200"
    )
    assert lines[1].startswith(f"[green {FAMILY}:2 {_task_id(ids['green'])[:8]}] ") and lines[1].endswith(
        " starting"
    )

    green = run_cli(["logs", "green", "--filter", "health", *_flags()], _factory(clients, endpoint, ids))
    assert green.code == 0, green.err
    assert [line.rsplit(" ", 2)[-2:] for line in green.out.splitlines()] == [["/health", "200"]]


def test_logs_since_leaves_older_events_out(
    stack: Stack, clients: ClientFactory, client: Callable[[str], Any], endpoint: str
) -> None:
    ids = _service_with_tasks(stack, client)
    _write_logs(client, ids, {"blue": ["a minute ago"]})

    result = run_cli(["logs", "blue", "--since", "30s", *_flags()], _factory(clients, endpoint, ids))

    assert (result.code, result.out) == (0, "")


def test_logs_follow_prints_new_events_once_until_the_bound(
    stack: Stack, clients: ClientFactory, client: Callable[[str], Any], endpoint: str
) -> None:
    ids = _service_with_tasks(stack, client)
    now_ms = _write_logs(client, ids, {"blue": ["first"]})
    clock = FakeClock()

    def more() -> None:
        if len(clock.sleeps) == 1:
            client("logs").put_log_events(
                logGroupName=LOG_GROUP,
                logStreamName=f"app/app/{_task_id(ids['green'])}",
                logEvents=[{"timestamp": now_ms, "message": "second"}],
            )

    clock.on_sleep = more
    result = run_cli(
        ["logs", "--follow", "--poll-seconds", "5", "--timeout-minutes", "0.25", *_flags()],
        _factory(clients, endpoint, ids),
        sleep=clock.sleep,
        clock=clock,
    )

    assert result.code == 0, result.err
    assert [line.rsplit(" ", 1)[-1] for line in result.out.splitlines()] == ["first", "second"]
    assert clock.sleeps == [5.0, 5.0, 5.0]


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (
            ["logs", "--since", "ten"],
            "argument --since: expected a duration like 30s, 10m, 2h or 1d, not 'ten'",
        ),
        (["logs", "purple"], "argument blue|green|both: expected blue, green or both, not 'purple'"),
    ],
)
def test_logs_bad_input_is_a_keyed_error(argv: list[str], error: str) -> None:
    result = run_cli([*argv, *_flags()])

    assert result.code == 2
    assert result.err_lines[-1].endswith(error)


def test_logs_without_green_tasks_is_one_line(
    stack: Stack, clients: ClientFactory, client: Callable[[str], Any], endpoint: str
) -> None:
    result = run_cli(["logs", "green", *names_flags()], _factory(clients, endpoint, {}))

    assert result.code == 2
    assert result.err_lines == [
        "error: no running green task in ECS service my-app-dev-svc (its task groups: blue my-app-dev-task:3)"
    ]


# ---------------------------------------------------------------------------------------- exec


def _tools(path: Path, *names: str) -> Path:
    """Fake executables in ``path`` that record their arguments in ``path/args.json``."""
    path.mkdir(exist_ok=True)
    for name in names:
        script = path / name
        script.write_text(
            f'#!/bin/sh\nprintf \'%s\\n\' "$@" > "{path}/{name}.args"\nexit 0\n',
            encoding="utf-8",
        )
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return path


def test_exec_opens_a_shell_in_a_green_task(
    stack: Stack,
    clients: ClientFactory,
    client: Callable[[str], Any],
    endpoint: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = _service_with_tasks(stack, client)
    bin_dir = _tools(tmp_path / "bin", "aws", "session-manager-plugin")
    monkeypatch.setenv("PATH", str(bin_dir))

    result = run_cli(["exec", "green", *_flags()], _factory(clients, endpoint, ids))

    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        f"/bin/sh in green {FAMILY}:2 {_task_id(ids['green'])[:8]} (container app); exit the shell to return"
    ]
    args = (bin_dir / "aws.args").read_text(encoding="utf-8").splitlines()
    assert args[:3] == ["ecs", "execute-command", "--region"]
    assert args[args.index("--task") + 1].endswith(_task_id(ids["green"]))
    assert args[args.index("--cluster") + 1] == CLUSTER
    assert args[-4:] == ["app", "--interactive", "--command", "/bin/sh"]


@pytest.mark.parametrize(
    ("tools", "error"),
    [
        ((), "error: the AWS CLI (aws) is not on PATH: ECS Exec runs through it; install it: "),
        (("aws",), "error: the Session Manager plugin (session-manager-plugin) is not on PATH: "),
    ],
)
def test_exec_without_the_tools_is_one_line(
    tools: tuple[str, ...], error: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(_tools(tmp_path / "bin", *tools)))

    result = run_cli(["exec", *_flags()])

    assert result.code == 2
    assert len(result.err_lines) == 1
    assert result.err.startswith(error)


def test_exec_when_the_service_has_it_off(
    stack: Stack,
    clients: ClientFactory,
    client: Callable[[str], Any],
    endpoint: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tasks = _service_with_tasks(stack, client)
    monkeypatch.setenv("PATH", str(_tools(tmp_path / "bin", "aws", "session-manager-plugin")))

    result = run_cli(["exec", *_flags()], _factory(clients, endpoint, tasks, exec_on=False))

    assert result.code == 2
    assert result.err_lines == [
        f"error: ECS Exec is off for ECS service {SERVICE}: set service.enableExecuteCommand: true in the "
        "stack and `pulumi up` (tasks started before that need replacing)"
    ]
    assert json.dumps(result.out) == '""'
