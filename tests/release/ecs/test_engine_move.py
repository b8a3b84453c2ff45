"""The move of a live CodeDeploy stack to the ECS engine, end to end against moto's ECS, ELBv2 and
CodeDeploy (in process): the two dynamic resources' work (release/ecs/engine_move.py) in the order
`pulumi up` runs it, with the listener rules created in between as the provider would.

Once with blue live (no release since the stack was created) and once with green live (after a
CodeDeploy release): the service is never deleted, after every AWS call of the move production
forwards to a target group with healthy targets, and the service ends on the ECS controller
with the live target group primary. A deployment in progress is a one-line refusal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import moto
import pytest
from botocore.stub import Stubber

from components.service import ignored_after_create
from release.ecs import engine_move, provider
from specs.engine_move import NO_ROUTE_ACTION, EngineMoveRefusedError, forward_pairs
from tests.fakes import FakeClock, Log, offline_client

REGION = "us-east-1"
NAME = "my-app-dev"
CONTAINER = "app"
PORT = 8000
ROLE = "arn:aws:iam::123456789012:role/my-app-dev-ecs-infrastructure"
CONFIG = {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": "5"}


@dataclass
class Stack:
    """A CodeDeploy stack as the program leaves it, in moto."""

    clients: dict[str, Any]
    blue: str
    green: str
    production_listener: str
    test_listener: str
    service_arn: str
    checker: Any
    """An ELBv2 client of the test's own: the move's clients are watched, this one is not."""

    def client(self, service: str, _props: dict[str, Any] | None = None) -> Any:
        return self.clients[service]


def _forward(live: str, idle: str) -> list[dict[str, Any]]:
    return [
        {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [
                    {"TargetGroupArn": live, "Weight": 100},
                    {"TargetGroupArn": idle, "Weight": 0},
                ]
            },
        }
    ]


def _build(live_colour: str) -> Stack:
    clients = {name: boto3.client(name, region_name=REGION) for name in ("ec2", "elbv2", "ecs", "codedeploy")}
    ec2, elbv2, ecs = clients["ec2"], clients["elbv2"], clients["ecs"]
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{zone}")[
            "Subnet"
        ]["SubnetId"]
        for i, zone in ((1, "a"), (2, "b"))
    ]
    security_group = ec2.create_security_group(GroupName=f"{NAME}-tasks", Description="tasks", VpcId=vpc)[
        "GroupId"
    ]
    alb = elbv2.create_load_balancer(Name=NAME, Subnets=subnets, Type="application")["LoadBalancers"][0]
    groups = {
        colour: elbv2.create_target_group(
            Name=f"{NAME}-{colour}", Protocol="HTTP", Port=PORT, VpcId=vpc, TargetType="ip"
        )["TargetGroups"][0]["TargetGroupArn"]
        for colour in ("blue", "green")
    }
    blue, green = groups["blue"], groups["green"]
    # As the program creates them: both listeners on blue, the first task in blue.
    listeners = [
        elbv2.create_listener(
            LoadBalancerArn=alb["LoadBalancerArn"],
            Protocol="HTTP",
            Port=port,
            DefaultActions=_forward(blue, green),
        )["Listeners"][0]["ListenerArn"]
        for port in (80, 9000)
    ]
    elbv2.register_targets(TargetGroupArn=blue, Targets=[{"Id": "10.0.1.10", "Port": PORT}])
    if live_colour == "green":
        # What a CodeDeploy release leaves: green's tasks serve, both listeners forward to
        # green, blue's tasks are gone after the termination wait.
        elbv2.register_targets(TargetGroupArn=green, Targets=[{"Id": "10.0.2.20", "Port": PORT}])
        for listener in listeners:
            elbv2.modify_listener(ListenerArn=listener, DefaultActions=_forward(green, blue))
        elbv2.deregister_targets(TargetGroupArn=blue, Targets=[{"Id": "10.0.1.10", "Port": PORT}])
    ecs.create_cluster(clusterName=NAME)
    task = ecs.register_task_definition(
        family=f"{NAME}-task",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[
            {"name": CONTAINER, "image": "nginx", "portMappings": [{"containerPort": PORT}]}
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    service = ecs.create_service(
        cluster=NAME,
        serviceName=NAME,
        taskDefinition=task,
        desiredCount=1,
        launchType="FARGATE",
        deploymentController={"type": "CODE_DEPLOY"},
        loadBalancers=[{"targetGroupArn": groups["blue"], "containerName": CONTAINER, "containerPort": PORT}],
        networkConfiguration={
            "awsvpcConfiguration": {"subnets": subnets, "securityGroups": [security_group]}
        },
    )["service"]["serviceArn"]
    clients["codedeploy"].create_application(applicationName=NAME, computePlatform="ECS")
    clients["codedeploy"].create_deployment_group(
        applicationName=NAME,
        deploymentGroupName=NAME,
        serviceRoleArn="arn:aws:iam::123456789012:role/codedeploy",
        deploymentStyle={"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        ecsServices=[{"serviceName": NAME, "clusterName": NAME}],
    )
    checker = boto3.client("elbv2", region_name=REGION)
    return Stack(clients, groups["blue"], groups["green"], listeners[0], listeners[1], service, checker)


def _target(stack: Stack) -> dict[str, Any]:
    return {
        "region": REGION,
        "profile": None,
        "cluster": NAME,
        "service": NAME,
        "codedeploy_application": NAME,
        "codedeploy_group": NAME,
        "production_listener_arn": stack.production_listener,
        "blue_arn": stack.blue,
        "green_arn": stack.green,
    }


def _production_serves(stack: Stack) -> str:
    """The target group production sends traffic to, checked to have a healthy target."""
    elbv2 = stack.checker
    rules = sorted(
        elbv2.describe_rules(ListenerArn=stack.production_listener)["Rules"], key=lambda r: r["IsDefault"]
    )
    for rule in rules:
        weighted = [arn for arn, weight in forward_pairs(rule["Actions"][0]) if weight > 0]
        if weighted:
            (serving,) = weighted
            health = elbv2.describe_target_health(TargetGroupArn=serving)["TargetHealthDescriptions"]
            assert any(t["TargetHealth"]["State"] == "healthy" for t in health), serving
            return serving
    raise AssertionError(f"production forwards nowhere: {rules}")


@pytest.fixture(params=["blue", "green"])
def moved(request: pytest.FixtureRequest) -> Iterator[tuple[Stack, str, list[str], Log]]:
    """The move run against a stack with ``request.param`` live; yields the stack, the live target
    group, every operation the move sent, and its log."""
    with moto.mock_aws():
        stack = _build(request.param)
        live_before = _production_serves(stack)
        sent: list[str] = []

        def after_every_call(model: Any, **_: Any) -> None:
            sent.append(model.name)
            assert _production_serves(stack) == live_before, f"after {model.name}"

        for name in ("elbv2", "ecs", "codedeploy"):
            stack.clients[name].meta.events.register(f"after-call.{name}", after_every_call)
        log = Log()
        # 1. LiveTargetGroups, before the rules exist.
        read = engine_move.create({**_target(stack), "kind": "live-target-groups"}, stack.client, log).outs
        assert read["live_arn"] == live_before
        # 2. The provider creates the rules from it (priority 1, every path, live 100 / idle 0).
        rules = [
            stack.clients["elbv2"].create_rule(
                ListenerArn=listener,
                Priority=1,
                Conditions=[{"Field": "path-pattern", "Values": ["/*"]}],
                Actions=_forward(read["live_arn"], read["idle_arn"]),
            )["Rules"][0]["RuleArn"]
            for listener in (stack.production_listener, stack.test_listener)
        ]
        # 3. EcsEngineMove, before the provider updates the service.
        outs = engine_move.create(
            {
                **_target(stack),
                "kind": "engine-move",
                "live_arn": read["live_arn"],
                "idle_arn": read["idle_arn"],
                "listener_arns": [stack.production_listener, stack.test_listener],
                "production_rule_arn": rules[0],
                "test_rule_arn": rules[1],
                "role_arn": ROLE,
                "container_name": CONTAINER,
                "container_port": PORT,
                "deployment_configuration": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5},
            },
            stack.client,
            log,
            sleep=lambda _s: None,
        ).outs
        assert outs["moved_from"] == "CODE_DEPLOY"
        yield stack, live_before, sent, log


def test_the_service_is_moved_not_deleted(moved: tuple[Stack, str, list[str], Log]) -> None:
    stack, _live, sent, _log = moved
    assert "DeleteService" not in sent and "CreateService" not in sent
    (service,) = stack.clients["ecs"].describe_services(cluster=NAME, services=[NAME])["services"]
    assert service["serviceArn"] == stack.service_arn and service["status"] == "ACTIVE"
    assert service["deploymentController"] == {"type": "ECS"}


def test_the_live_target_group_becomes_primary_and_the_other_alternate(
    moved: tuple[Stack, str, list[str], Log],
) -> None:
    stack, live, _sent, _log = moved
    (service,) = stack.clients["ecs"].describe_services(cluster=NAME, services=[NAME])["services"]
    (balancer,) = service["loadBalancers"]
    assert balancer["targetGroupArn"] == live
    advanced = balancer["advancedConfiguration"]
    assert advanced["alternateTargetGroupArn"] == ({stack.blue, stack.green} - {live}).pop()
    assert advanced["roleArn"] == ROLE
    assert service["deploymentConfiguration"]["strategy"] == "BLUE_GREEN"


def test_production_keeps_its_targets_and_the_default_action_is_a_fresh_stacks(
    moved: tuple[Stack, str, list[str], Log],
) -> None:
    stack, live, sent, _log = moved
    assert _production_serves(stack) == live
    assert sent.count("ModifyListener") == 2 and sent.index("UpdateService") < sent.index("ModifyListener")
    for listener in (stack.production_listener, stack.test_listener):
        (default,) = [
            r for r in stack.clients["elbv2"].describe_rules(ListenerArn=listener)["Rules"] if r["IsDefault"]
        ]
        assert default["Actions"][0]["Type"] == NO_ROUTE_ACTION["Type"]
        assert default["Actions"][0]["FixedResponseConfig"]["StatusCode"] == "404"


def test_a_second_run_finds_nothing_to_move(moved: tuple[Stack, str, list[str], Log]) -> None:
    stack, _live, sent, _log = moved
    before = len(sent)
    again = engine_move.create(
        {**_target(stack), "kind": "engine-move"}, stack.client, Log(), sleep=lambda _s: None
    ).outs
    assert again["moved_from"] == ""
    assert "UpdateService" not in sent[before:]


def test_a_codedeploy_deployment_in_progress_is_refused_before_anything_changes() -> None:
    with moto.mock_aws():
        stack = _build("green")
        deployment = stack.clients["codedeploy"].create_deployment(
            applicationName=NAME,
            deploymentGroupName=NAME,
            revision={"revisionType": "AppSpecContent", "appSpecContent": {"content": "{}"}},
        )["deploymentId"]
        with pytest.raises(EngineMoveRefusedError) as refused:
            engine_move.create({**_target(stack), "kind": "live-target-groups"}, stack.client, Log())
        message = str(refused.value)
        assert "\n" not in message
        assert f"CodeDeploy deployment {deployment} is in progress" in message
        assert "wait for it to end or stop it" in message and "then run `pulumi up` again" in message
        rules = stack.clients["elbv2"].describe_rules(ListenerArn=stack.production_listener)["Rules"]
        assert [r["IsDefault"] for r in rules] == [True]


def test_a_split_listener_is_refused() -> None:
    with moto.mock_aws():
        stack = _build("blue")
        stack.clients["elbv2"].modify_listener(
            ListenerArn=stack.production_listener,
            DefaultActions=[
                {
                    "Type": "forward",
                    "ForwardConfig": {
                        "TargetGroups": [
                            {"TargetGroupArn": stack.blue, "Weight": 90},
                            {"TargetGroupArn": stack.green, "Weight": 10},
                        ]
                    },
                }
            ],
        )
        with pytest.raises(
            EngineMoveRefusedError, match=r"splits traffic \(my-app-dev-blue 90, my-app-dev-green 10\)"
        ):
            engine_move.create({**_target(stack), "kind": "live-target-groups"}, stack.client, Log())


def test_a_new_stack_starts_on_blue_and_moves_nothing() -> None:
    with moto.mock_aws():
        stack = _build("blue")
        stack.clients["ecs"].delete_service(cluster=NAME, service=NAME, force=True)
        for listener in (stack.production_listener, stack.test_listener):
            stack.clients["elbv2"].modify_listener(ListenerArn=listener, DefaultActions=[NO_ROUTE_ACTION])
        read = engine_move.create({**_target(stack), "kind": "live-target-groups"}, stack.client, Log()).outs
        assert (read["live_arn"], read["idle_arn"]) == (stack.blue, stack.green)
        outs = engine_move.create({**_target(stack), "kind": "engine-move"}, stack.client, Log()).outs
        assert outs["moved_from"] == ""


def test_the_diff_is_empty_once_done_and_a_new_service_is_a_new_resource() -> None:
    done = {"cluster": NAME, "service": NAME, "region": REGION, "live_arn": "x", "moved_from": "CODE_DEPLOY"}
    assert engine_move.diff(done, {**done, "live_arn": None, "moved_from": None}).changes is False
    other = engine_move.diff(done, {**done, "service": "other"})
    assert other.changes is True and other.replaces == ["service"]


def test_a_move_whose_wait_ran_out_is_finished_by_the_next_run() -> None:
    """The switch went through but the update failed waiting: the next `pulumi up` finds the
    service on ECS, moves nothing again and gives the listeners a new ECS stack's default."""
    with moto.mock_aws():
        stack = _build("green")
        for listener in (stack.production_listener, stack.test_listener):
            stack.clients["elbv2"].create_rule(
                ListenerArn=listener,
                Priority=1,
                Conditions=[{"Field": "path-pattern", "Values": ["/*"]}],
                Actions=_forward(stack.green, stack.blue),
            )
        stack.clients["ecs"].update_service(cluster=NAME, service=NAME, deploymentController={"type": "ECS"})
        outs = engine_move.create(
            {
                **_target(stack),
                "kind": "engine-move",
                "listener_arns": [stack.production_listener, stack.test_listener],
            },
            stack.client,
            Log(),
        ).outs
        assert outs["moved_from"] == ""
        assert _production_serves(stack) == stack.green
        for listener in (stack.production_listener, stack.test_listener):
            rules = stack.clients["elbv2"].describe_rules(ListenerArn=listener)["Rules"]
            (default,) = [r for r in rules if r["IsDefault"]]
            assert default["Actions"][0]["Type"] == "fixed-response"


def test_pulumis_provider_shim_reaches_this_module_with_its_own_clients() -> None:
    """What `pulumi up` runs: the dynamic provider (components/release.py's shim, as the two
    resources declare it) imports this module and makes boto3 clients for the region."""
    from components.engine_move import OPS_MODULE
    from components.release import ReleaseProvider, _project_root

    with moto.mock_aws():
        stack = _build("green")
        shim = ReleaseProvider(_project_root(), OPS_MODULE)
        read = shim.create({**_target(stack), "kind": "live-target-groups"})
        assert (read.outs["live_arn"], read.outs["idle_arn"]) == (stack.green, stack.blue)
        assert shim.diff("id", read.outs, {**read.outs, "live_arn": None}).changes is False


def test_the_switch_is_refused_when_production_no_longer_forwards_where_the_rules_were_made() -> None:
    with moto.mock_aws():
        stack = _build("blue")
        for listener in (stack.production_listener, stack.test_listener):
            stack.clients["elbv2"].create_rule(
                ListenerArn=listener,
                Priority=1,
                Conditions=[{"Field": "path-pattern", "Values": ["/*"]}],
                Actions=_forward(stack.blue, stack.green),
            )
        props = {**_target(stack), "kind": "engine-move", "live_arn": stack.green, "idle_arn": stack.blue}
        with pytest.raises(EngineMoveRefusedError) as refused:
            engine_move.create(props, stack.client, Log())
        assert str(refused.value) == (
            "cannot move ECS service my-app-dev to the ECS engine: production forwards to my-app-dev-blue, "
            "not to my-app-dev-green as when its listener rules were created; point both rules at "
            "my-app-dev-green again, then run `pulumi up` again"
        )
        (service,) = stack.clients["ecs"].describe_services(cluster=NAME, services=[NAME])["services"]
        assert service["deploymentController"] == {"type": "CODE_DEPLOY"}


# --------------------------------------------------------------------------- the first release after


class _MovedServiceClient:
    """The moved service's ECS client as the ECS release resource sees it: moto for the service,
    a botocore Stubber (AWS's response shapes) for the service-deployment calls moto lacks."""

    STUBBED = frozenset(
        {"list_service_deployments", "describe_service_revisions", "describe_service_deployments"}
    )

    def __init__(self, moto_ecs: Any, stubbed: Any) -> None:
        self.moto_ecs, self.stubbed = moto_ecs, stubbed

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stubbed if name in self.STUBBED else self.moto_ecs, name)


STARTED = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def _revision(arn: str, service: dict[str, Any]) -> dict[str, Any]:
    """The ``ServiceRevision`` ECS makes of the service as it is: its task definition and load
    balancers (primary and alternate target group, rules, role)."""
    return {
        "serviceRevisionArn": arn,
        "serviceArn": service["serviceArn"],
        "clusterArn": service["clusterArn"],
        "taskDefinition": service["taskDefinition"],
        "launchType": "FARGATE",
        "loadBalancers": service["loadBalancers"],
        "createdAt": STARTED,
    }


def _release_props(task_definition: str) -> dict[str, Any]:

    values = {
        "region": REGION,
        "profile": None,
        "cluster": NAME,
        "service": NAME,
        "task_definition_arn": task_definition,
        "timeout_minutes": 30,
        "poll_seconds": 15,
        "stop_on_timeout": True,
        "wait_seconds_for_start": 120,
    }
    return {key: values[key] for key in provider.INPUTS}


@pytest.mark.parametrize("outcome", ["SUCCESSFUL", "ROLLBACK_SUCCESSFUL"])
def test_the_first_release_after_the_move_deploys_to_the_idle_target_group(
    moved: tuple[Stack, str, list[str], Log], outcome: str
) -> None:
    """`pulumi up` after the move: the ECS release resource is created for the live revision
    (ECS lists no service deployment of it: nothing to wait for), then the provider's
    UpdateService of a new task definition (load balancers left to ECS, as ignore_changes
    says) starts a service deployment that the release follows to its end. Green's tasks go to
    the target group that was idle before the move, production stays on the live one until
    ECS shifts it; a rolled-back release fails the update with green's target group diagnosed."""

    stack, live, _sent, log = moved
    idle = ({stack.blue, stack.green} - {live}).pop()
    moto_ecs = stack.clients["ecs"]
    (before,) = moto_ecs.describe_services(cluster=NAME, services=[NAME])["services"]
    stubbed = offline_client("ecs")
    ecs = _MovedServiceClient(moto_ecs, stubbed)

    def clients(name: str, _props: dict[str, Any]) -> Any:
        return ecs if name == "ecs" else stack.clients[name]

    prefix = before["serviceArn"].replace(":service/", ":service-revision/")

    with Stubber(stubbed) as stubber:
        # 1. The move's `pulumi up` creates the release resource for the revision that serves.
        stubber.add_response(
            "list_service_deployments",
            {"serviceDeployments": []},
            {"cluster": NAME, "service": NAME, "maxResults": 100},
        )
        created = provider.create(_release_props(before["taskDefinition"]), clients, log).outs
        assert created["service_deployment_arn"] == ""
        assert created["live_task_definition_arn"] == before["taskDefinition"]

        # 2. The next `pulumi up`: a new task definition, the service updated as the provider does.
        new = moto_ecs.register_task_definition(
            family=f"{NAME}-task",
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            containerDefinitions=[
                {"name": CONTAINER, "image": "nginx:2", "portMappings": [{"containerPort": PORT}]}
            ],
        )["taskDefinition"]["taskDefinitionArn"]
        assert "load_balancers" in ignored_after_create("ecs", auto_scaling=False)
        moto_ecs.update_service(cluster=NAME, service=NAME, taskDefinition=new)
        (service,) = moto_ecs.describe_services(cluster=NAME, services=[NAME])["services"]
        (balancer,) = service["loadBalancers"]
        assert service["deploymentController"] == {"type": "ECS"}
        assert balancer["targetGroupArn"] == live
        assert balancer["advancedConfiguration"]["alternateTargetGroupArn"] == idle

        deployment = service["serviceArn"].replace(":service/", ":service-deployment/") + "/first-after-move"
        source, target = f"{prefix}/1", f"{prefix}/2"
        stubber.add_response(
            "list_service_deployments",
            {
                "serviceDeployments": [
                    {
                        "serviceDeploymentArn": deployment,
                        "serviceArn": service["serviceArn"],
                        "clusterArn": service["clusterArn"],
                        "createdAt": STARTED,
                        "targetServiceRevisionArn": target,
                        "status": "IN_PROGRESS",
                    }
                ]
            },
            {"cluster": NAME, "service": NAME, "maxResults": 100},
        )
        stubber.add_response(
            "describe_service_revisions",
            {"serviceRevisions": [_revision(target, service)], "failures": []},
            {"serviceRevisionArns": [target]},
        )
        ended: dict[str, Any] = {
            "serviceDeploymentArn": deployment,
            "serviceArn": service["serviceArn"],
            "clusterArn": service["clusterArn"],
            "createdAt": STARTED,
            "status": outcome,
            "targetServiceRevision": {"arn": target, "requestedProductionTrafficWeight": 100.0},
            "sourceServiceRevisions": [{"arn": source, "requestedProductionTrafficWeight": 0.0}],
            "deploymentConfiguration": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5},
        }
        if outcome != "SUCCESSFUL":
            ended["statusReason"] = (
                "Service deployment rolled back because the circuit breaker threshold was exceeded."
            )
            ended["rollback"] = {"reason": "circuit breaker", "serviceRevisionArn": source}
        stubber.add_response(
            "describe_service_deployments",
            {"serviceDeployments": [ended], "failures": []},
            {"serviceDeploymentArns": [deployment]},
        )
        news = _release_props(new)
        clock = FakeClock()
        if outcome == "SUCCESSFUL":
            outs = provider.update(created, news, clients, log, clock=clock, sleep=clock.sleep).outs
            assert outs["service_deployment_arn"] == deployment
            assert outs["live_task_definition_arn"] == new
            assert f"{new} is live" in log.text()
        else:
            # The diagnosis reads green's revision: the target group it names is the idle one.
            stubber.add_response(
                "describe_service_deployments",
                {"serviceDeployments": [ended], "failures": []},
                {"serviceDeploymentArns": [deployment]},
            )
            stubber.add_response(
                "describe_service_revisions",
                {"serviceRevisions": [_revision(target, service)], "failures": []},
                {"serviceRevisionArns": [target]},
            )
            with pytest.raises(RuntimeError, match=f"release of {new} to ECS service {NAME}") as failed:
                provider.update(created, news, clients, log, clock=clock, sleep=clock.sleep)
            idle_name, live_name = idle.split("/")[-2], live.split("/")[-2]
            assert f"target health of green's target group {idle_name}," in str(failed.value)
            assert f"green's target group {live_name}," not in str(failed.value)
        stubber.assert_no_pending_responses()
