"""The ready wait under the ecs engine (deployment.readyWaitMinutes: a PAUSE lifecycle hook at
POST_TEST_TRAFFIC_SHIFT) through the CLI: `continue` (ContinueServiceDeployment CONTINUE),
`rollback` while it holds (ContinueServiceDeployment ROLLBACK), `status` and `watch` with the time
left, and a wait that runs out into a rollback. moto implements none of the service-deployment
calls: a botocore Stubber answers them, checked against ECS's model; the service is moto's."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from .ecs_support import (
    T0,
    EcsStack,
    brief,
    deployment,
    deployment_arn,
    expect_describe,
    expect_list,
    expect_revisions,
    hook,
    offline_ecs,
    task_definition,
)
from .support import CLUSTER, FAMILY, REGION, SERVICE, ClientFactory, FakeClock, run_cli

ECS_FLAGS = ["--engine", "ecs", "--region", REGION, "--cluster", CLUSTER, "--service", SERVICE]
NEW = deployment_arn("new")
PAUSE_ID = "ecs-pause-e7tK9G_WRJqNF"
EXPIRES = T0 + dt.timedelta(minutes=30)
NOW = T0 + dt.timedelta(minutes=17, seconds=30)


def _paused(status: str = "AWAITING_ACTION", deployment_status: str = "IN_PROGRESS", **kwargs: Any) -> dict:
    """Deploying revision 3 over 2, green on all test traffic, held by the ready wait."""
    return deployment(
        "new",
        deployment_status,
        target=3,
        source=2,
        stage=kwargs.pop("stage", "POST_TEST_TRAFFIC_SHIFT"),
        traffic=kwargs.pop("traffic", (100.0, 0.0)),
        test_traffic=(0.0, 100.0),
        hooks=[hook(PAUSE_ID, status, expires=EXPIRES, timeout_action="ROLLBACK")],
        **kwargs,
    )


def expect_continue(stubber: Stubber, action: str) -> None:
    stubber.add_response(
        "continue_service_deployment",
        {"serviceDeploymentArn": NEW},
        {"serviceDeploymentArn": NEW, "hookId": PAUSE_ID, "action": action},
    )


@pytest.fixture
def ecs_only() -> Iterator[Stubber]:
    """A Stubber for commands given the deployment's ARN, which need nothing but its calls."""
    with Stubber(offline_ecs()) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def _only(stubber: Stubber) -> ClientFactory:
    def make(service: str, region: str) -> Any:
        assert service == "ecs", f"no {service} client expected"
        return stubber.client

    return make


# --- continue ---------------------------------------------------------------------------------


def test_continue_gives_the_go_ahead_with_continue_service_deployment(ecs_only: Stubber) -> None:
    expect_describe(ecs_only, _paused())
    expect_continue(ecs_only, "CONTINUE")

    result = run_cli(["continue", NEW, "--engine", "ecs", "--region", REGION], _only(ecs_only))

    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        f"service deployment {NEW}: go-ahead given (PAUSE hook {PAUSE_ID} continued), production traffic "
        f"shifts to green now (follow it: python -m release watch {NEW})"
    ]


def test_continue_defaults_to_the_deployment_in_progress(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber
) -> None:
    expect_list(ecs_api, [brief("old", 2, "SUCCESSFUL", T0), brief("new", 3, "IN_PROGRESS", T0)])
    expect_describe(ecs_api, _paused())
    expect_continue(ecs_api, "CONTINUE")

    result = run_cli(["continue", *ECS_FLAGS], ecs_clients)

    assert result.code == 0, result.err
    assert f"PAUSE hook {PAUSE_ID} continued" in result.out


@pytest.mark.parametrize(
    ("state", "why"),
    [
        (
            _paused("SUCCEEDED", stage="PRODUCTION_TRAFFIC_SHIFT"),
            "IN_PROGRESS in stage PRODUCTION_TRAFFIC_SHIFT",
        ),
        (
            _paused("TIMED_OUT", "ROLLBACK_SUCCESSFUL", stage="CLEAN_UP"),
            "ROLLBACK_SUCCESSFUL in stage CLEAN_UP",
        ),
    ],
    ids=["already-continued", "ran-out"],
)
def test_continue_refuses_a_deployment_not_held_at_its_ready_wait(
    ecs_only: Stubber, state: dict[str, Any], why: str
) -> None:
    expect_describe(ecs_only, state)

    result = run_cli(["continue", NEW, "--engine", "ecs", "--region", REGION], _only(ecs_only))

    assert result.code == 2
    assert result.err_lines == [
        f"error: service deployment {NEW} is {why}, not paused at a ready wait (no PAUSE lifecycle hook "
        "is AWAITING_ACTION): only a deployment held by deployment.readyWaitMinutes can be continued"
    ]


# --- rollback during the ready wait -------------------------------------------------------------


def _held(stubber: Stubber) -> None:
    """What `rollback` reads first: the service's deployments, the one running, its revisions."""
    expect_list(stubber, [brief("old", 2, "SUCCESSFUL", T0), brief("new", 3, "IN_PROGRESS", T0)])
    expect_describe(stubber, _paused())
    expect_revisions(stubber, {3: task_definition(3), 2: task_definition(2)})


def test_rollback_during_the_ready_wait_ends_it_with_rollback_and_follows_it(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber
) -> None:
    _held(ecs_api)
    expect_continue(ecs_api, "ROLLBACK")
    expect_describe(ecs_api, _paused("SUCCEEDED", "ROLLBACK_IN_PROGRESS"))
    rolled_back = _paused(
        "SUCCEEDED",
        "ROLLBACK_SUCCESSFUL",
        stage="CLEAN_UP",
        rollback={"reason": "ROLLBACK requested", "serviceRevisionArn": deployment_arn("r2")},
    )
    expect_describe(ecs_api, rolled_back)
    expect_describe(ecs_api, rolled_back)  # the end, read once more to tell a rollback's success
    clock = FakeClock()

    result = run_cli(
        ["rollback", "--poll-seconds", "3", *ECS_FLAGS], ecs_clients, sleep=clock.sleep, clock=clock
    )

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == (
        f"service deployment {NEW} was held at its ready wait: rolled back (PAUSE hook {PAUSE_ID}, "
        f"ContinueServiceDeployment ROLLBACK); {FAMILY}:2 keeps production"
    )
    assert lines[-1] == f"service deployment {NEW}: rolled back (ROLLBACK_SUCCESSFUL)"
    # No UpdateService: green went with the deployment, blue was never left.
    live = ecs_clients("ecs", REGION).describe_services(cluster=CLUSTER, services=[SERVICE])
    assert live["services"][0]["taskDefinition"] == ecs_stack.task_definitions[-1]


def test_rollback_during_the_ready_wait_without_waiting(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber
) -> None:
    _held(ecs_api)
    expect_continue(ecs_api, "ROLLBACK")

    result = run_cli(["rollback", "--no-wait", *ECS_FLAGS], ecs_clients)

    assert result.code == 0, result.err
    assert result.out.splitlines()[-1] == NEW


def test_a_rollback_of_the_ready_wait_that_fails_is_reported(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber
) -> None:
    _held(ecs_api)
    expect_continue(ecs_api, "ROLLBACK")
    failed = _paused("SUCCEEDED", "ROLLBACK_FAILED", stage="CLEAN_UP", reason="could not roll back")
    expect_describe(ecs_api, failed)
    expect_describe(ecs_api, failed)
    clock = FakeClock()

    result = run_cli(["rollback", *ECS_FLAGS], ecs_clients, sleep=clock.sleep, clock=clock)

    assert result.code == 1
    assert "the rollback failed" in result.err


# --- status and watch: the pause and its time left ---------------------------------------------


def test_status_shows_the_ready_wait_and_its_time_left(
    ecs_stack: EcsStack, ecs_clients: ClientFactory, ecs_api: Stubber
) -> None:
    for _ in range(2):
        expect_list(ecs_api, [brief("old", 2, "SUCCESSFUL", T0), brief("new", 3, "IN_PROGRESS", T0)])
        expect_describe(ecs_api, _paused())
        expect_revisions(ecs_api, {3: task_definition(3), 2: task_definition(2)})

    text = run_cli(["status", *ECS_FLAGS], ecs_clients, now=lambda: NOW)
    as_json = run_cli(["status", "--json", *ECS_FLAGS], ecs_clients, now=lambda: NOW)

    assert text.code == 0, text.err
    assert (
        "  ready wait: 12m 30s left of the wait (until 2025-08-01T12:30:00+00:00), then ROLLBACK; go ahead: "
        f"python -m release continue {NEW}"
    ) in text.out.splitlines()
    wait = json.loads(as_json.out)["deployment"]["readyWait"]
    assert wait == {
        "hookId": PAUSE_ID,
        "waitMinutes": None,  # moto's service declares no lifecycle hooks
        "actionOnTimeout": "ROLLBACK",
        "greenReadyAt": None,
        "endsAt": "2025-08-01T12:30:00+00:00",
        "secondsLeft": 750,
        "statusMessages": [],
    }


def test_watch_shows_the_pause_then_fails_when_it_runs_out_into_a_rollback(ecs_only: Stubber) -> None:
    expect_describe(ecs_only, _paused())  # `watch` checks the ARN first
    expect_describe(ecs_only, _paused())
    expect_describe(ecs_only, _paused())
    expect_describe(
        ecs_only,
        _paused(
            "TIMED_OUT",
            "ROLLBACK_SUCCESSFUL",
            stage="CLEAN_UP",
            rollback={"reason": "lifecycle hook timed out", "serviceRevisionArn": deployment_arn("r2")},
        ),
    )
    clock = FakeClock()

    result = run_cli(
        ["watch", NEW, "--engine", "ecs", "--region", REGION, "--poll-seconds", "5"],
        _only(ecs_only),
        sleep=clock.sleep,
        clock=clock,
        now=lambda: NOW,
    )

    assert result.code == 1
    paused = [line for line in result.out.splitlines() if "ready wait" in line]
    assert paused == [
        f"new: ready wait: paused at POST_TEST_TRAFFIC_SHIFT (PAUSE hook {PAUSE_ID}), green has the test "
        "traffic; 12m 30s left (until 2025-08-01T12:30:00+00:00), then ROLLBACK; go ahead: "
        f"python -m release continue {NEW} (or roll back: python -m release rollback)"
    ]
    assert (
        f"the ready wait ran out (PAUSE hook {PAUSE_ID} TIMED_OUT): nobody gave the go-ahead "
        "(python -m release continue) in time, so ECS took its timeout action ROLLBACK"
    ) in result.err


def test_watch_follows_a_continued_ready_wait_to_success(ecs_only: Stubber) -> None:
    expect_describe(ecs_only, _paused())
    expect_describe(ecs_only, _paused())
    expect_describe(ecs_only, _paused("SUCCEEDED", stage="PRODUCTION_TRAFFIC_SHIFT", traffic=(0.0, 100.0)))
    expect_describe(ecs_only, _paused("SUCCEEDED", "SUCCESSFUL", stage="CLEAN_UP", traffic=(0.0, 100.0)))
    clock = FakeClock()

    result = run_cli(
        ["watch", NEW, "--engine", "ecs", "--region", REGION, "--poll-seconds", "5"],
        _only(ecs_only),
        sleep=clock.sleep,
        clock=clock,
        now=lambda: NOW,
    )

    assert result.code == 0, result.err
    assert f"new: lifecycle hook pause {PAUSE_ID} SUCCEEDED" in result.out.splitlines()


def test_the_time_left_comes_from_the_hooks_expiry_and_the_declared_wait() -> None:
    from release.cli.ecs_engine import ready_wait, ready_wait_minutes
    from release.ecs.deployments import snapshot_of

    service = {
        "deploymentConfiguration": {
            "lifecycleHooks": [
                {"targetType": "AWS_LAMBDA", "hookTargetArn": "arn:fn", "lifecycleStages": ["PRE_SCALE_UP"]},
                {
                    "targetType": "PAUSE",
                    "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
                    "timeoutConfiguration": {"timeoutInMinutes": 30, "action": "ROLLBACK"},
                },
            ]
        }
    }
    assert ready_wait_minutes(service) == 30
    assert ready_wait_minutes({"deploymentConfiguration": {}}) is None
    wait = ready_wait(snapshot_of(_paused()), 30, NOW)
    assert wait is not None
    assert (wait["greenReadyAt"], wait["endsAt"], wait["secondsLeft"]) == (
        "2025-08-01T12:00:00+00:00",
        "2025-08-01T12:30:00+00:00",
        750,
    )
    assert ready_wait(snapshot_of(_paused()), 30, EXPIRES + dt.timedelta(minutes=1))["secondsLeft"] == 0  # type: ignore[index]
    assert ready_wait(snapshot_of(_paused("SUCCEEDED")), 30, NOW) is None
