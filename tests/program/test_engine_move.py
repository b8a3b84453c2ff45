"""Moving a live stack between engines, as the program declares it: the ECS engine's service never
lets the provider replace it for the controller (EcsEngineMove switches it, in place, before the
provider's update), the rules start on whichever target group production forwards to, and a
stack moved from CodeDeploy with green live declares what a new ECS stack does but for that
target group. The way back to CodeDeploy asks for a replacement.

The move's AWS calls are tested against moto in tests/release/ecs/test_engine_move.py.
"""

from __future__ import annotations

from typing import Any

import pytest

import preview.engine
from tests.program.harness import ProgramRun, Recorded, run_stack

ECS = {"deployment": {"controller": "ecs"}}
LIVE = "pulumi-python:dynamic/ecs:LiveTargetGroups"
MOVE = "pulumi-python:dynamic/ecs:EngineMove"
RULE = "aws:lb/listenerRule:ListenerRule"
SERVICE = "aws:ecs/service:Service"
LIVE_INPUTS = {RULE: ("actions",), SERVICE: ("loadBalancers",), MOVE: ("live_arn", "idle_arn")}
"""The inputs that name the live (and so the idle) target group."""


@pytest.fixture(scope="module")
def fresh() -> ProgramRun:
    return run_stack("prod", ECS)


@pytest.fixture(scope="module")
def moved_green_live() -> ProgramRun:
    """The ECS stack as it is declared after a move from CodeDeploy with green live: the
    LiveTargetGroups resource read green from the production listener."""
    patch = pytest.MonkeyPatch()
    original = preview.engine.FakeAws.new_resource

    def green_live(self: preview.engine.FakeAws, args: Any) -> tuple[str, dict[str, Any]]:
        resource_id, outputs = original(self, args)
        if args.typ == LIVE:
            outputs["live_arn"], outputs["idle_arn"] = args.inputs["green_arn"], args.inputs["blue_arn"]
        return resource_id, outputs

    patch.setattr(preview.engine.FakeAws, "new_resource", green_live)
    try:
        return preview.engine.run_stack("prod", ECS)
    finally:
        patch.undo()


def _swapped(value: Any, a: str, b: str) -> Any:
    if value == a:
        return b
    if value == b:
        return a
    if isinstance(value, dict):
        return {k: _swapped(v, a, b) for k, v in value.items()}
    if isinstance(value, list):
        return [_swapped(v, a, b) for v in value]
    return value


def _plain(value: Any) -> Any:
    """Inputs as comparable data: an archive (the hook's code) by what it holds."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "assets"):
        return ("archive", sorted(value.assets))
    return value


def _options(r: Recorded) -> tuple[Any, ...]:
    return (r.type, r.parent, sorted(r.depends_on), r.ignore_changes, r.replace_on_changes, r.protect)


def test_a_moved_stack_declares_a_fresh_ecs_stack_but_for_the_live_target_group(
    fresh: ProgramRun, moved_green_live: ProgramRun
) -> None:
    blue = fresh.one("aws:lb/targetGroup:TargetGroup", "blue").outputs["arn"]
    green = fresh.one("aws:lb/targetGroup:TargetGroup", "green").outputs["arn"]
    before = {r.urn: r for r in fresh.resources}
    after = {r.urn: r for r in moved_green_live.resources}
    assert before.keys() == after.keys()
    differing = set()
    for urn, resource in after.items():
        assert _options(resource) == _options(before[urn]), urn
        now, then = _plain(resource.inputs), _plain(before[urn].inputs)
        if now != then:
            differing.add(resource.type)
            # The only difference: which of the two target groups is live.
            keys = LIVE_INPUTS.get(resource.type, ())
            assert now == {k: _swapped(v, blue, green) if k in keys else v for k, v in then.items()}, urn
    assert differing == {RULE, SERVICE, MOVE}
    (balancer,) = moved_green_live.one(SERVICE).inputs["loadBalancers"]
    assert balancer["targetGroupArn"] == green
    assert balancer["advancedConfiguration"]["alternateTargetGroupArn"] == blue
    for rule in moved_green_live.of_type(RULE):
        assert rule.inputs["actions"][0]["forward"]["targetGroups"] == [
            {"arn": green, "weight": 100},
            {"arn": blue, "weight": 0},
        ]


def test_the_service_waits_for_the_move_which_waits_for_rules_and_role(fresh: ProgramRun) -> None:
    service = fresh.one(SERVICE)
    move = fresh.one(MOVE)
    live = fresh.one(LIVE)
    assert "deploymentController" in service.ignore_changes
    assert move.urn in service.depends_on
    for rule in fresh.of_type(RULE):
        assert live.urn in rule.depends_on and rule.urn in move.depends_on
    attachment = fresh.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "ecs-infrastructure")
    assert attachment.urn in move.depends_on
    # Before the rules exist the listener still carries production: the live read comes first.
    prod_listener = fresh.one("aws:lb/listener:Listener", "-prod")
    assert live.inputs["production_listener_arn"] == prod_listener.outputs["arn"]
    assert move.inputs["listener_arns"] == [
        prod_listener.outputs["arn"],
        fresh.one("aws:lb/listener:Listener", "-test").outputs["arn"],
    ]
    # What the move waits for and switches: the service and CodeDeploy group the codedeploy
    # engine declares under the same names.
    for key in ("cluster", "service", "codedeploy_application", "codedeploy_group"):
        assert move.inputs[key] == "my-app-prod"
    assert move.inputs["deployment_configuration"]["strategy"] == "CANARY"
    assert move.inputs["deployment_configuration"]["deploymentCircuitBreaker"] == {
        "enable": True,
        "rollback": True,
    }


def test_the_codedeploy_service_is_replaced_when_it_moves_back() -> None:
    run = run_stack("dev")
    service = run.one(SERVICE)
    assert service.replace_on_changes == ["deploymentController"]
    assert "deploymentController" not in service.ignore_changes
    assert not [r for r in run.resources if r.type in (LIVE, MOVE)]
