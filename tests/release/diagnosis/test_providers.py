"""The diagnosis in the `pulumi up` error of both release resources, and `read` (`pulumi refresh`)
seeing the revision that really serves after a rollback, under both engines."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from botocore.stub import Stubber

from release.codedeploy import provider as codedeploy_provider
from release.codedeploy.diagnose import with_diagnosis
from release.core.outcome import LifecycleEvent, Outcome
from release.ecs import provider as ecs_provider
from tests.fakes import FakeClock, Log, no_sleep, offline_client
from tests.release.ecs.support import (
    deployment,
    deployment_arn,
    expect_describe,
    expect_found,
    factory,
    revision_arn,
)
from tests.release.ecs.support import props as ecs_props
from tests.release.ecs.support import task_definition_arn as ecs_td

from .support import CLUSTER, GREEN_TG, HOOK, SERVICE, T0, container, task

NEW = deployment_arn("new")
BLUE_TG = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web-blue/1"
RULE = "arn:aws:elasticloadbalancing:us-east-1:1:listener-rule/app/x/1/2/3"


def stubbed(service: str) -> Stubber:
    stub = Stubber(offline_client(service))
    stub.activate()
    return stub


def expect_sources_of_a_crash(ecs: Stubber, elbv2: Stubber, logs: Stubber, task_definition: str) -> None:
    """The answers a diagnosis reads for green tasks that exit 1 two seconds after starting."""
    ecs.add_response(
        "describe_services",
        {
            "services": [
                {
                    "serviceName": SERVICE,
                    "taskDefinition": task_definition,
                    "events": [
                        {
                            "id": "1",
                            "createdAt": T0 + dt.timedelta(seconds=9),
                            "message": "(service web) has started 1 tasks: (task c1).",
                        }
                    ],
                }
            ],
            "failures": [],
        },
        {"cluster": CLUSTER, "services": [SERVICE]},
    )
    crashed = task(
        "c1",
        "Essential container in task exited",
        "EssentialContainerExited",
        [container(1)],
        ran=2,
        task_definition=task_definition,
    )
    ecs.add_response("list_tasks", {"taskArns": [crashed["taskArn"]]}, None)
    ecs.add_response("describe_tasks", {"tasks": [crashed], "failures": []}, None)
    ecs.add_response(
        "describe_task_definition",
        {
            "taskDefinition": {
                "taskDefinitionArn": task_definition,
                "containerDefinitions": [
                    {
                        "name": "web",
                        "logConfiguration": {
                            "logDriver": "awslogs",
                            "options": {"awslogs-group": "/ecs/web", "awslogs-stream-prefix": "ecs"},
                        },
                    }
                ],
            }
        },
        None,
    )
    logs.add_response(
        "get_log_events",
        {"events": [{"timestamp": 1, "message": "Error: listen EADDRINUSE :::8080"}]},
        {"logGroupName": "/ecs/web", "logStreamName": "ecs/web/c1", "startFromHead": False, "limit": 15},
    )
    elbv2.add_response(
        "describe_target_groups",
        {
            "TargetGroups": [
                {"TargetGroupArn": GREEN_TG, "TargetGroupName": "web-green", "HealthCheckPath": "/health"}
            ]
        },
        None,
    )
    elbv2.add_response(
        "describe_target_health", {"TargetHealthDescriptions": []}, {"TargetGroupArn": GREEN_TG}
    )


# --- ECS engine --------------------------------------------------------------------------------


def test_ecs_release_failure_message_carries_the_diagnosis() -> None:
    ecs, elbv2, logs = stubbed("ecs"), stubbed("elbv2"), stubbed("logs")
    expect_found(ecs, NEW, revision_arn(2), ecs_td(2))
    failed = deployment(
        NEW, "ROLLBACK_SUCCESSFUL", reason="Service deployment rolled back because of circuit breaker"
    )
    expect_describe(ecs, failed)
    # the diagnosis: the deployment again, green's revision (task definition, alternate target group)
    expect_describe(ecs, failed)
    ecs.add_response(
        "describe_service_revisions",
        {
            "serviceRevisions": [
                {
                    "serviceRevisionArn": revision_arn(2),
                    "taskDefinition": ecs_td(2),
                    "loadBalancers": [
                        {
                            "targetGroupArn": BLUE_TG,
                            "containerName": "web",
                            "containerPort": 8080,
                            "advancedConfiguration": {
                                "alternateTargetGroupArn": GREEN_TG,
                                "productionListenerRule": RULE,
                                "roleArn": "arn:aws:iam::1:role/ecs-lb",
                            },
                        }
                    ],
                }
            ],
            "failures": [],
        },
        {"serviceRevisionArns": [revision_arn(2)]},
    )
    expect_sources_of_a_crash(ecs, elbv2, logs, ecs_td(2))
    log = Log()

    with pytest.raises(RuntimeError) as raised:
        ecs_provider.create(
            ecs_props(2),
            factory(ecs=ecs.client, elbv2=elbv2.client, logs=logs.client),
            log,
            clock=FakeClock(),
            sleep=no_sleep,
        )

    message = str(raised.value)
    first, *rest = message.splitlines()
    assert first.startswith(
        f"release of {ecs_td(2)} to ECS service web (cluster web-cluster) failed: deployment {NEW} failed"
    )
    assert "pulumi up --refresh" in first
    assert (
        rest[0] == "diagnosis: green tasks exit with code 1 within 2 s: the app crashes at start; "
        "its last log lines are below"
    )
    assert "Error: listen EADDRINUSE :::8080" in message
    assert "target health of green's target group web-green" in message
    assert "new: failed; reading why from AWS" in log
    for stub in (ecs, elbv2, logs):
        stub.assert_no_pending_responses()


def test_ecs_read_records_the_revision_ecs_rolled_back_to() -> None:
    ecs = stubbed("ecs")
    ecs.add_response(
        "describe_services",
        {
            "services": [{"serviceName": SERVICE, "status": "ACTIVE", "taskDefinition": ecs_td(6)}],
            "failures": [],
        },
        {"cluster": "web-cluster", "services": ["web"]},
    )
    state = {**ecs_props(7), "service_deployment_arn": NEW, "live_task_definition_arn": ecs_td(7)}

    result = ecs_provider.read("web-cluster/web", state, factory(ecs=ecs.client))

    assert result.id == "web-cluster/web"
    assert result.outs == {**state, "live_task_definition_arn": ecs_td(6)}
    # the next `pulumi up` (same program, :7) sees the drift and follows a new deployment of :7
    assert ecs_provider.diff(result.outs, ecs_props(7)).changes is True
    assert ecs_provider.diff(state, ecs_props(7)).changes is False


# --- CodeDeploy engine -------------------------------------------------------------------------

CD_TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/web"


def test_codedeploy_outcome_gets_the_hook_diagnosis_from_the_deployment() -> None:
    """Green (task definition, hooks, target group, alarms) as CodeDeploy knows it; the failed
    lifecycle event picks its hook; the hook's log says why."""
    codedeploy, ecs, elbv2, logs, cloudwatch = (
        stubbed(s) for s in ("codedeploy", "ecs", "elbv2", "logs", "cloudwatch")
    )
    appspec = codedeploy_provider.appspec_for(
        {
            "task_definition_arn": f"{CD_TD}:7",
            "container_name": "web",
            "container_port": 8080,
            "platform_version": "LATEST",
            "hooks": {"AfterAllowTestTraffic": HOOK},
        }
    )
    codedeploy.add_response(
        "get_deployment",
        {
            "deploymentInfo": {
                "deploymentId": "d-ABCDEFGHI",
                "applicationName": "web",
                "deploymentGroupName": "web-dg",
                "status": "Failed",
                "startTime": T0,
                "revision": {"revisionType": "AppSpecContent", "appSpecContent": {"content": appspec}},
            }
        },
        {"deploymentId": "d-ABCDEFGHI"},
    )
    codedeploy.add_response("list_deployment_targets", {"targetIds": ["web-cluster:web"]}, None)
    codedeploy.add_response(
        "get_deployment_target",
        {
            "deploymentTarget": {
                "deploymentTargetType": "ECSTarget",
                "ecsTarget": {
                    "taskSetsInfo": [
                        {
                            "identifer": "ecs-svc/1",
                            "taskSetLabel": "Blue",
                            "targetGroup": {"name": "web-blue"},
                        },
                        {
                            "identifer": "ecs-svc/2",
                            "taskSetLabel": "Green",
                            "targetGroup": {"name": "web-green"},
                        },
                    ]
                },
            }
        },
        None,
    )
    codedeploy.add_response(
        "get_deployment_group",
        {
            "deploymentGroupInfo": {
                "alarmConfiguration": {"enabled": True, "alarms": [{"name": "web-5xx"}]},
                "ecsServices": [{"clusterName": CLUSTER, "serviceName": SERVICE}],
            }
        },
        None,
    )
    ecs.add_client_error("describe_services", "AccessDeniedException", "not authorized")
    ecs.add_response("list_tasks", {"taskArns": []}, None)
    elbv2.add_response("describe_target_groups", {"TargetGroups": []}, {"Names": ["web-green"]})
    cloudwatch.add_response(
        "describe_alarms",
        {"MetricAlarms": [{"AlarmName": "web-5xx", "StateValue": "OK"}]},
        {"AlarmNames": ["web-5xx"]},
    )
    logs.add_response(
        "describe_log_streams",
        {"logStreams": [{"logStreamName": "s"}]},
        {
            "logGroupName": "/aws/lambda/web-prod-smoke-test",
            "orderBy": "LastEventTime",
            "descending": True,
            "limit": 1,
        },
    )
    summary = (
        '{"level": "error", "message": "summary", "status": "Failed", "passed": 0, "failed": 1, '
        '"error": null}'
    )
    logs.add_response("get_log_events", {"events": [{"timestamp": 1, "message": summary}]}, None)
    clients = {"codedeploy": codedeploy, "ecs": ecs, "elbv2": elbv2, "logs": logs, "cloudwatch": cloudwatch}
    outcome = Outcome(
        "d-ABCDEFGHI",
        "Failed",
        "LIFECYCLE_EVENT_FAILED: hook failed",
        failed_event=LifecycleEvent("AfterAllowTestTraffic", "Failed", "smoke test failed"),
    )

    diagnosed = with_diagnosis(lambda service: clients[service].client, outcome)

    assert diagnosed.describe() == outcome.describe()
    report = diagnosed.report()
    assert report.splitlines()[0] == outcome.describe()
    assert report.splitlines()[1].startswith(
        "diagnosis: the lifecycle hook web-prod-smoke-test failed: Failed; 0 checks passed, 1 failed"
    )
    assert "could not read the ECS service events: AccessDeniedException: not authorized" in report
    for stub in clients.values():
        stub.assert_no_pending_responses()


def test_codedeploy_release_failure_raises_with_the_diagnosis(monkeypatch: pytest.MonkeyPatch) -> None:
    """The provider hands release() a diagnose function; ReleaseFailed's text, and so the `pulumi up`
    error, carries what it attached."""
    from release.codedeploy import run

    def fake_release(client: Any, request: Any, *, log: Any, diagnose: Any) -> Outcome:
        raise run.ReleaseFailed(Outcome("d-1", "Failed", diagnosis="diagnosis: image pull failed: ..."))

    monkeypatch.setattr(codedeploy_provider, "release", fake_release)
    from tests.release.codedeploy.support import Group, outputs, props

    group = Group("app", "dg")
    with pytest.raises(RuntimeError) as raised:
        codedeploy_provider.update(
            outputs(props(group, 2), "", f"{CD_TD}:2"), props(group, 3), lambda s, p: object(), Log()
        )
    assert str(raised.value).splitlines()[1] == "diagnosis: image pull failed: ..."


def test_codedeploy_read_records_the_primary_task_set_after_a_rollback() -> None:
    from tests.release.codedeploy.support import Group, outputs, props

    ecs = stubbed("ecs")
    ecs.add_response(
        "describe_services",
        {
            "services": [
                {
                    "serviceName": "svc",
                    "taskDefinition": f"{CD_TD}:1",
                    "taskSets": [
                        {"id": "ecs-svc/1", "status": "PRIMARY", "taskDefinition": f"{CD_TD}:6"},
                        {"id": "ecs-svc/2", "status": "ACTIVE", "taskDefinition": f"{CD_TD}:7"},
                    ],
                }
            ],
            "failures": [],
        },
        {"cluster": "cluster", "services": ["svc"]},
    )
    group = Group("app", "dg")
    state = outputs(props(group, 7), "d-7", f"{CD_TD}:7")
    state = {**state, "task_definition_arn": f"{CD_TD}:7"}

    result = codedeploy_provider.read("app/dg", state, lambda service, where: ecs.client)

    assert result.outs == {**state, "live_task_definition_arn": f"{CD_TD}:6"}
    news = {**props(group, 7), "task_definition_arn": f"{CD_TD}:7"}
    assert codedeploy_provider.diff(result.outs, news).changes is True
    assert codedeploy_provider.diff(state, news).changes is False
