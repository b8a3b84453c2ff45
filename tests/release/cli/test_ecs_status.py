"""`status` under the ecs engine: the current or last service deployment (moto has none of those
APIs: Stubber), the production listener rule's split and the service (moto_server)."""

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
    revision_arn,
    task_definition,
    weighted_forward,
)
from .support import CLUSTER, FAMILY, REGION, SERVICE, ClientFactory, run_cli

ECS_FLAGS = ["--engine", "ecs", "--region", REGION, "--cluster", CLUSTER, "--service", SERVICE]
LATER = T0 + dt.timedelta(minutes=10)
NEW = deployment_arn("new")


def _in_progress(stubber: Stubber) -> None:
    """Deploying revision 3 over 2, 10% of production traffic on green, paused at a hook."""
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


def _split(client: Callable[[str], Any], stack: EcsStack, blue: int, green: int) -> None:
    client("elbv2").modify_rule(
        RuleArn=stack.rule, Actions=[weighted_forward(stack.blue_arn, stack.green_arn, blue, green)]
    )


def test_status_of_the_in_progress_deployment_engine_from_the_outputs(
    ecs_stack: EcsStack,
    ecs_clients: ClientFactory,
    ecs_api: Stubber,
    client: Callable[[str], Any],
    tmp_path: Path,
) -> None:
    _split(client, ecs_stack, 90, 10)
    _in_progress(ecs_api)
    outputs = tmp_path / "outputs.json"
    outputs.write_text(ecs_stack.outputs_json())

    result = run_cli(["status", "--outputs-file", str(outputs)], ecs_clients)

    assert result.code == 0, result.err
    assert result.err == ""
    lines = result.out.splitlines()
    assert lines[:-1] == [
        f"service {SERVICE} in cluster {CLUSTER} ({REGION}): ECS deployment controller, strategy BLUE_GREEN",
        "current service deployment new: IN_PROGRESS (BLUE_GREEN)",
        f"  arn: {NEW}",
        "  lifecycle stage: PRODUCTION_TRAFFIC_SHIFT",
        "  created: 2025-08-01T12:10:00+00:00",
        "  started: 2025-08-01T12:10:00+00:00",
        f"  task definition: {FAMILY}:3 (from {FAMILY}:2)",
        "  new revision: 2/2 tasks running",
        "  lifecycle hooks:",
        "    my-app-dev-smoke SUCCEEDED",
        "    pause hold-1 AWAITING_ACTION; resume with `aws ecs continue-service-deployment "
        f"--service-deployment-arn {NEW} --hook-id hold-1 --action CONTINUE`",
        "  ready wait: waiting for the go-ahead, the wait from when green became ready (unknown), then "
        f"ROLLBACK; go ahead: python -m release continue {NEW}",
        "  (or roll back green: python -m release rollback)",
        "  alarms: MONITORING (my-app-dev-5xx)",
        "  circuit breaker: MONITORING (0 failed tasks of a threshold of 3)",
        "  requested production traffic: Blue 90% / Green 10% [#---------] green 10%",
        "  requested test traffic: Blue 0% / Green 100%",
        f"production traffic: {BLUE_TG} 90% / {GREEN_TG} 10%",
        f"ECS service {SERVICE} in cluster {CLUSTER}: 2 running, 2 desired, 0 pending",
        f"  live task definition: {FAMILY}:3 (revision 3)",
    ]
    assert lines[-1].startswith("  deployment ecs-svc/")
    assert lines[-1].endswith(f" PRIMARY: {FAMILY}:3, 2 running of 2, rollout COMPLETED")


def test_status_json_is_one_object_with_the_same_facts(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber, client: Callable[[str], Any]
) -> None:
    _split(client, ecs_stack, 90, 10)
    _in_progress(ecs_api)

    result = run_cli(["status", "--json", *ECS_FLAGS], ecs_clients)

    assert result.code == 0, result.err
    state = json.loads(result.out)
    assert (state["engine"], state["cluster"], state["service"]) == ("ecs", CLUSTER, SERVICE)
    assert state["deploymentActive"] is True
    current = state["deployment"]
    assert (current["arn"], current["id"], current["status"]) == (NEW, "new", "IN_PROGRESS")
    assert (current["lifecycleStage"], current["strategy"]) == ("PRODUCTION_TRAFFIC_SHIFT", "BLUE_GREEN")
    assert current["taskDefinition"] == task_definition(3)
    assert current["sourceTaskDefinitions"] == [task_definition(2)]
    assert current["targetRevision"] == revision_arn(3)
    assert current["targetTasks"] == {"running": 2, "pending": 0, "requested": 2}
    assert current["traffic"] == [{"label": "Blue", "percent": 90.0}, {"label": "Green", "percent": 10.0}]
    assert [(h["id"], h["type"], h["status"]) for h in current["hooks"]] == [
        ("smoke-1", "AWS_LAMBDA", "SUCCEEDED"),
        ("hold-1", "PAUSE", "AWAITING_ACTION"),
    ]
    assert current["hooks"][0]["target"] == SMOKE_LAMBDA
    assert current["rollback"] is None
    assert current["alarms"] == {"status": "MONITORING", "names": ["my-app-dev-5xx"], "triggered": []}
    assert current["circuitBreaker"] == {"status": "MONITORING", "failureCount": 0, "threshold": 3}
    assert state["productionTraffic"] == [
        {
            "listenerRuleArn": ecs_stack.rule,
            "targetGroups": [
                {"name": BLUE_TG, "arn": ecs_stack.blue_arn, "percent": 90.0},
                {"name": GREEN_TG, "arn": ecs_stack.green_arn, "percent": 10.0},
            ],
        }
    ]
    ecs = state["ecs"]
    assert (ecs["runningCount"], ecs["desiredCount"], ecs["deploymentController"]) == (2, 2, "ECS")
    assert (ecs["liveTaskDefinition"], ecs["liveRevision"]) == (ecs_stack.task_definitions[2], 3)
    assert [d["status"] for d in ecs["deployments"]] == ["PRIMARY"]


def test_status_shows_the_last_deployment_and_why_it_rolled_back(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber
) -> None:
    expect_list(ecs_api, [brief("old", 2, "SUCCESSFUL", T0), brief("bad", 3, "ROLLBACK_SUCCESSFUL", LATER)])
    expect_describe(
        ecs_api,
        deployment(
            "bad",
            "ROLLBACK_SUCCESSFUL",
            target=3,
            source=2,
            reason="alarm my-app-dev-5xx in ALARM",
            traffic=(100.0, 0.0),
            rollback={"reason": "CloudWatch alarm triggered", "serviceRevisionArn": revision_arn(2)},
            alarms={
                "status": "TRIGGERED",
                "alarmNames": ["my-app-dev-5xx"],
                "triggeredAlarmNames": ["my-app-dev-5xx"],
            },
            breaker={"status": "TRIGGERED", "failureCount": 3, "threshold": 3},
            hooks=[hook("smoke-1", "FAILED", SMOKE_LAMBDA)],
            created=LATER,
            finished=LATER + dt.timedelta(minutes=7),
        ),
    )
    expect_revisions(ecs_api, {3: task_definition(3), 2: task_definition(2)})

    result = run_cli(["status", *ECS_FLAGS], ecs_clients)

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    for line in (
        "last service deployment bad: ROLLBACK_SUCCESSFUL (BLUE_GREEN)",
        "  reason: alarm my-app-dev-5xx in ALARM",
        "  finished: 2025-08-01T12:17:00+00:00",
        "    my-app-dev-smoke FAILED",
        f"  rollback to {FAMILY}:2: CloudWatch alarm triggered",
        "  alarms: TRIGGERED, in ALARM: my-app-dev-5xx",
        "  circuit breaker: TRIGGERED (3 failed tasks of a threshold of 3)",
        "  requested production traffic: Blue 100% / Green 0% [----------] green 0%",
        f"production traffic: {BLUE_TG} 100% / {GREEN_TG} 0%",
    ):
        assert line in lines


def test_status_without_any_deployment_says_so_and_exits_2(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber
) -> None:
    expect_list(ecs_api, [])

    result = run_cli(["status", *ECS_FLAGS], ecs_clients)

    assert result.code == 2
    assert result.err_lines == [
        f"error: no service deployment found for ECS service {SERVICE} in cluster {CLUSTER}"
    ]
    assert "service deployment: none yet" in result.out
    assert f"production traffic: {BLUE_TG} 100% / {GREEN_TG} 0%" in result.out


def test_status_json_without_deployment_still_parses(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber
) -> None:
    expect_list(ecs_api, [])

    result = run_cli(["status", "--json", *ECS_FLAGS], ecs_clients)

    assert result.code == 2
    assert json.loads(result.out)["deployment"] is None
    assert len(result.err_lines) == 1


def test_status_falls_back_to_the_stacks_last_service_deployment(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber, tmp_path: Path
) -> None:
    expect_list(ecs_api, [])
    expect_describe(ecs_api, deployment("last", "SUCCESSFUL", target=3, source=2, traffic=(0.0, 100.0)))
    expect_revisions(ecs_api, {3: task_definition(3), 2: task_definition(2)})
    outputs = tmp_path / "outputs.json"
    outputs.write_text(ecs_stack.outputs_json())

    result = run_cli(["status", "--outputs-file", str(outputs)], ecs_clients)

    assert result.code == 0, result.err
    assert "last service deployment last: SUCCESSFUL (BLUE_GREEN)" in result.out.splitlines()
    assert "  requested production traffic: Blue 0% / Green 100% [##########] green 100%" in result.out


def test_status_unknown_service_is_one_line(ecs_stack: EcsStack, ecs_clients: ClientFactory) -> None:
    result = run_cli(["status", *ECS_FLAGS[:-1], "nope"], ecs_clients)

    assert result.code == 2
    assert result.err_lines == [f"error: ECS service nope not found in cluster {CLUSTER} ({REGION})"]


def test_status_unknown_cluster_is_one_line(ecs_stack: EcsStack, ecs_clients: ClientFactory) -> None:
    result = run_cli(["status", *ECS_FLAGS[:-3], "nope", "--service", SERVICE], ecs_clients)

    assert result.code == 2
    assert result.err_lines == [f"error: ECS cluster nope not found in {REGION} (ClusterNotFoundException)"]


def test_status_missing_service_name_is_one_line(ecs_clients: ClientFactory) -> None:
    result = run_cli(["status", "--engine", "ecs", "--region", REGION, "--cluster", CLUSTER], ecs_clients)

    assert result.code == 2
    assert result.err_lines == [
        "error: missing the ECS service: give --service or the stack output serviceName "
        "(--stack/--outputs-file)"
    ]


def test_status_missing_listener_rule_is_one_line(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber, client: Callable[[str], Any]
) -> None:
    client("elbv2").delete_rule(RuleArn=ecs_stack.rule)
    expect_list(ecs_api, [brief("old", 3, "SUCCESSFUL", T0)])
    expect_describe(ecs_api, deployment("old", "SUCCESSFUL", target=3, source=2))
    expect_revisions(ecs_api, {3: task_definition(3), 2: task_definition(2)})

    result = run_cli(["status", *ECS_FLAGS], ecs_clients)

    assert result.code == 2
    assert result.err_lines == [
        f"error: the service's production listener rule does not exist in {REGION} (RuleNotFound)"
    ]


def test_status_list_failure_is_one_line(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber
) -> None:
    ecs_api.add_client_error(
        "list_service_deployments",
        service_error_code="AccessDeniedException",
        service_message="User is not authorized to perform: ecs:ListServiceDeployments",
        http_status_code=400,
    )

    result = run_cli(["status", *ECS_FLAGS], ecs_clients)

    assert result.code == 2
    assert result.err_lines == [
        "error: ListServiceDeployments failed: AccessDeniedException: "
        "User is not authorized to perform: ecs:ListServiceDeployments"
    ]
