"""release.codedeploy: deployments, run.release and the live task definition against a moto
server, over real HTTP.

moto keeps every deployment "Created" forever, so whatever waits here is given a zero
timeout and a clock that never needs to sleep.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from release.codedeploy.deployments import (
    active_deployments,
    appspec_of,
    live_task_definition,
    start_deployment,
)
from release.codedeploy.run import ReleaseFailed, ReleaseRequest, release
from specs.appspec import ECS_HOOKS

from .support import (
    HOOKS,
    FakeClock,
    Group,
    Log,
    appspec_for,
    count_calls,
    create_blue_green_group,
    no_sleep,
    task_definition_arn,
)


def deployment_ids(client: Any, group: Group) -> list[str]:
    return client.list_deployments(applicationName=group.application, deploymentGroupName=group.name)[
        "deployments"
    ]


def request(group: Group, appspec: str, **overrides: Any) -> ReleaseRequest:
    values: dict[str, Any] = {
        "application": group.application,
        "deployment_group": group.name,
        "appspec": appspec,
        "description": "pulumi up: web:2",
        "timeout_seconds": 0,
        "poll_seconds": 15,
    }
    values.update(overrides)
    return ReleaseRequest(**values)


def test_group_fixture_is_an_ecs_blue_green_group(codedeploy: Any, group: Group) -> None:
    info = codedeploy.get_deployment_group(applicationName=group.application, deploymentGroupName=group.name)[
        "deploymentGroupInfo"
    ]
    assert info["computePlatform"] == "ECS"
    assert info["deploymentStyle"] == {
        "deploymentType": "BLUE_GREEN",
        "deploymentOption": "WITH_TRAFFIC_CONTROL",
    }
    assert info["ecsServices"] == [{"clusterName": group.cluster, "serviceName": group.service}]
    pair = info["loadBalancerInfo"]["targetGroupPairInfoList"][0]
    assert pair["prodTrafficRoute"]["listenerArns"] and pair["testTrafficRoute"]["listenerArns"]
    assert info["autoRollbackConfiguration"]["enabled"] is True


def test_start_deployment_sends_the_appspec_as_appspec_content(codedeploy: Any, group: Group) -> None:
    appspec = appspec_for(2)
    deployment_id = start_deployment(codedeploy, group.application, group.name, appspec, "pulumi up: web:2")

    info = codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    assert info["applicationName"] == group.application
    assert info["deploymentGroupName"] == group.name
    assert info["status"] == "Created"
    assert info["description"] == "pulumi up: web:2"
    revision = info["revision"]
    assert revision["revisionType"] == "AppSpecContent"
    assert revision["appSpecContent"]["content"] == appspec
    assert revision["appSpecContent"]["sha256"] == hashlib.sha256(appspec.encode()).hexdigest()

    document = json.loads(revision["appSpecContent"]["content"])
    assert len(document["Resources"]) == 1
    target = document["Resources"][0]["TargetService"]
    assert target["Type"] == "AWS::ECS::Service"
    properties = target["Properties"]
    assert properties["TaskDefinition"] == task_definition_arn(2)
    assert properties["LoadBalancerInfo"] == {"ContainerName": "web", "ContainerPort": 8080}
    assert properties["PlatformVersion"] == "LATEST"
    hooks = document["Hooks"]
    assert all(len(hook) == 1 for hook in hooks)
    names = [next(iter(hook)) for hook in hooks]
    assert names == [name for name in ECS_HOOKS if name in HOOKS]
    assert names == ["BeforeInstall", "AfterAllowTestTraffic", "AfterAllowTraffic"]
    assert {name: hook[name] for hook, name in zip(hooks, names, strict=True)} == HOOKS


def test_start_deployment_cuts_the_description_to_the_api_limit(codedeploy: Any, group: Group) -> None:
    deployment_id = start_deployment(codedeploy, group.application, group.name, appspec_for(2), "x" * 250)
    assert codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]["description"] == "x" * 100


def test_active_deployments_lists_the_groups_running_deployments_only(codedeploy: Any, group: Group) -> None:
    create_blue_green_group(codedeploy, group.application, f"{group.name}-other", group.cluster, "other")
    start_deployment(codedeploy, group.application, f"{group.name}-other", appspec_for(7), "other group")
    first = start_deployment(codedeploy, group.application, group.name, appspec_for(2), "first")
    second = start_deployment(codedeploy, group.application, group.name, appspec_for(3), "second")

    active = active_deployments(codedeploy, group.application, group.name)

    assert [d["deploymentId"] for d in active] == [first, second]
    assert {d["status"] for d in active} == {"Created"}
    assert {d["deploymentGroupName"] for d in active} == {group.name}
    assert appspec_of(active[0]) == appspec_for(2)
    assert appspec_of(active[1]) == appspec_for(3)


def test_active_deployments_of_a_quiet_group_is_empty(codedeploy: Any, group: Group) -> None:
    assert active_deployments(codedeploy, group.application, group.name) == []


def test_appspec_of_is_none_for_other_revision_types() -> None:
    s3 = {"revision": {"revisionType": "S3", "s3Location": {"bucket": "b", "key": "k"}}}
    assert appspec_of(s3) is None
    assert appspec_of({}) is None
    assert appspec_of({"revision": None}) is None


def test_release_follows_a_running_deployment_of_the_same_revision(codedeploy: Any, group: Group) -> None:
    running = start_deployment(codedeploy, group.application, group.name, appspec_for(2), "interrupted up")
    stops = count_calls(codedeploy, "StopDeployment")
    log = Log()

    with pytest.raises(ReleaseFailed) as failure:
        release(codedeploy, request(group, appspec_for(2)), log=log, clock=FakeClock(), sleep=no_sleep)

    # It followed the running one (which never ends in moto) instead of creating another.
    assert deployment_ids(codedeploy, group) == [running]
    assert failure.value.outcome.deployment_id == running
    assert failure.value.outcome.status == "TimedOut"
    assert running in str(failure.value)
    assert f"deployment {running} of this revision is already in progress; following it" in log
    assert f"{running}: status Created" in log
    assert not any(line.startswith("started deployment") for line in log)
    # The followed deployment is this release's, so its timeout stops it like any other
    # (moto does not implement StopDeployment; the attempt and its failure are reported).
    assert [call["deploymentId"] for call in stops] == [running]
    assert "stopping it failed" in str(failure.value)


def test_release_waits_for_a_running_deployment_of_another_revision(codedeploy: Any, group: Group) -> None:
    running = start_deployment(codedeploy, group.application, group.name, appspec_for(1), "other revision")
    log = Log()

    with pytest.raises(ReleaseFailed) as failure:
        release(codedeploy, request(group, appspec_for(2)), log=log, clock=FakeClock(), sleep=no_sleep)

    message = str(failure.value)
    assert running in message
    assert "no second deployment was started" in message
    assert f"aws deploy stop-deployment --deployment-id {running}" in message
    assert failure.value.outcome.deployment_id == running
    assert failure.value.outcome.status == "TimedOut"
    assert deployment_ids(codedeploy, group) == [running]
    assert any("of another revision is in progress" in line and running in line for line in log)


def test_release_does_not_follow_a_running_deployment_with_other_hooks(codedeploy: Any, group: Group) -> None:
    old_hooks = {"BeforeInstall": HOOKS["BeforeInstall"]}
    running = start_deployment(
        codedeploy, group.application, group.name, appspec_for(2, old_hooks), "old hooks"
    )

    with pytest.raises(ReleaseFailed) as failure:
        release(codedeploy, request(group, appspec_for(2)), log=Log(), clock=FakeClock(), sleep=no_sleep)

    assert "no second deployment was started" in str(failure.value)
    assert deployment_ids(codedeploy, group) == [running]


def test_release_reports_when_stopping_a_timed_out_deployment_fails(codedeploy: Any, group: Group) -> None:
    # moto has no StopDeployment: the server answers 500, which is what a failed stop looks like.
    with pytest.raises(ReleaseFailed) as failure:
        release(codedeploy, request(group, appspec_for(2)), log=Log(), clock=FakeClock(), sleep=no_sleep)

    (created,) = deployment_ids(codedeploy, group)
    assert failure.value.outcome.deployment_id == created
    assert failure.value.outcome.status == "TimedOut"
    message = str(failure.value)
    assert created in message
    assert "still Created after 0 s" in message
    assert "stopping it failed" in message
    assert "StopDeployment" in message


def register(ecs: Any, family: str) -> str:
    return ecs.register_task_definition(
        family=family, containerDefinitions=[{"name": "web", "image": "nginx", "memory": 128}]
    )["taskDefinition"]["taskDefinitionArn"]


def test_live_task_definition_reads_the_service_then_its_primary_task_set(ecs: Any, group: Group) -> None:
    ecs.create_cluster(clusterName=group.cluster)
    first = register(ecs, group.service)
    second = register(ecs, group.service)
    ecs.create_service(
        cluster=group.cluster,
        serviceName=group.service,
        taskDefinition=first,
        desiredCount=1,
        deploymentController={"type": "CODE_DEPLOY"},
    )
    assert live_task_definition(ecs, group.cluster, group.service) == first

    task_set = ecs.create_task_set(cluster=group.cluster, service=group.service, taskDefinition=second)[
        "taskSet"
    ]
    ecs.update_service_primary_task_set(
        cluster=group.cluster, service=group.service, primaryTaskSet=task_set["taskSetArn"]
    )
    assert live_task_definition(ecs, group.cluster, group.service) == second


def test_live_task_definition_of_a_missing_service_is_none(ecs: Any, group: Group) -> None:
    ecs.create_cluster(clusterName=group.cluster)
    assert live_task_definition(ecs, group.cluster, "no-such-service") is None
