"""`status` under the ecs engine: the service deployment (moto has none: Stubber), the production
listener rule's split and the service (moto_server)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botocore.stub import Stubber

from .ecs_support import (
    BLUE_TG,
    GREEN_TG,
    SMOKE_LAMBDA,
    T0,
    EcsStack,
    brief,
    deployment,
    deployment_arn,
    expect_describe,
    expect_list,
    expect_revisions,
    hook,
    task_definition,
    weighted_forward,
)
from .support import CLUSTER, FAMILY, REGION, SERVICE, ClientFactory, run_cli

ECS_FLAGS = ["--engine", "ecs", "--region", REGION, "--cluster", CLUSTER, "--service", SERVICE]
LATER = T0 + dt.timedelta(minutes=10)


def _in_progress(stubber: Stubber) -> None:
    expect_list(stubber, [brief("old", 2, "SUCCESSFUL", T0), brief("new", 3, "IN_PROGRESS", LATER)])
    expect_describe(
        stubber,
        deployment(
            "new",
            "IN_PROGRESS",
            target=3,
            source=2,
            stage="PRODUCTION_TRAFFIC_SHIFT",
            traffic=(90.0, 10.0),
            test_traffic=(0.0, 100.0),
            tasks=(2, 0, 2),
            hooks=[hook("smoke-1", "SUCCEEDED", SMOKE_LAMBDA), hook("hold-1", "AWAITING_ACTION")],
            alarms={"status": "MONITORING", "alarmNames": ["my-app-dev-5xx"], "triggeredAlarmNames": []},
            breaker={"status": "MONITORING", "failureCount": 0, "threshold": 3},
            created=LATER,
        ),
    )
    expect_revisions(stubber, {3: task_definition(3), 2: task_definition(2)})


def test_probe(ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber, client: Callable[[str], Any], tmp_path: Path) -> None:
    client("elbv2").modify_rule(RuleArn=ecs_stack.rule, Actions=[weighted_forward(ecs_stack.blue_arn, ecs_stack.green_arn, 90, 10)])
    _in_progress(ecs_api)
    outputs = tmp_path / "outputs.json"
    outputs.write_text(ecs_stack.outputs_json())
    result = run_cli(["status", "--outputs-file", str(outputs)], ecs_clients)
    print(result.out)
    print(result.err)
    _in_progress(ecs_api)
    result = run_cli(["status", "--json", *ECS_FLAGS], ecs_clients)
    print(result.out)
    print(result.err)
    assert 0
