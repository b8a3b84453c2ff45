"""Shared helpers: names and ARNs, a fake clock whose sleep advances virtual time, and builders
for the ECS service-deployment API answers queued on a botocore Stubber (moto 5 implements none
of ListServiceDeployments, DescribeServiceDeployments, DescribeServiceRevisions or
StopServiceDeployment; the Stubber checks every request and answer against botocore's model)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from botocore.stub import Stubber

from release.ecs import provider
from tests.fakes import FakeClock, Log, no_sleep  # noqa: F401 - shared doubles
from tests.fakes import offline_client as _offline_client

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
CLUSTER = "web-cluster"
SERVICE = "web"
T0 = dt.datetime(2025, 8, 1, 12, 0, tzinfo=dt.UTC)
POLL = 15.0


def task_definition_arn(revision: int, family: str = "web") -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:task-definition/{family}:{revision}"


def deployment_arn(suffix: str) -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:service-deployment/{CLUSTER}/{SERVICE}/{suffix}"


def revision_arn(number: int) -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:service-revision/{CLUSTER}/{SERVICE}/{number}"


SERVICE_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:service/{CLUSTER}/{SERVICE}"
CLUSTER_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:cluster/{CLUSTER}"


def offline_client(service: str = "ecs") -> Any:
    return _offline_client(service)


# --- ListServiceDeployments / DescribeServiceRevisions --------------------------------------


def brief(arn: str, revision: str, status: str = "IN_PROGRESS", created: dt.datetime = T0) -> dict[str, Any]:
    """One ``ServiceDeploymentBrief`` as ListServiceDeployments returns it."""
    return {
        "serviceDeploymentArn": arn,
        "serviceArn": SERVICE_ARN,
        "clusterArn": CLUSTER_ARN,
        "createdAt": created,
        "targetServiceRevisionArn": revision,
        "status": status,
    }


def expect_list(
    stubber: Stubber,
    briefs: Iterable[dict[str, Any]],
    *,
    created_after: dt.datetime | None = None,
    token_in: str | None = None,
    token_out: str | None = None,
    cluster: str = CLUSTER,
    service: str = SERVICE,
) -> None:
    params: dict[str, Any] = {"cluster": cluster, "service": service, "maxResults": 100}
    if created_after is not None:
        params["createdAt"] = {"after": created_after}
    if token_in is not None:
        params["nextToken"] = token_in
    response: dict[str, Any] = {"serviceDeployments": list(briefs)}
    if token_out is not None:
        response["nextToken"] = token_out
    stubber.add_response("list_service_deployments", response, params)


def expect_revisions(
    stubber: Stubber, requested: list[str], task_definitions: dict[str, str] | None = None
) -> None:
    """DescribeServiceRevisions of ``requested``; answers revisions in ``task_definitions``
    (revision ARN -> task definition), the others as failures."""
    known = task_definitions or {}
    stubber.add_response(
        "describe_service_revisions",
        {
            "serviceRevisions": [
                {
                    "serviceRevisionArn": arn,
                    "serviceArn": SERVICE_ARN,
                    "clusterArn": CLUSTER_ARN,
                    "taskDefinition": known[arn],
                    "launchType": "FARGATE",
                    "createdAt": T0,
                }
                for arn in requested
                if arn in known
            ],
            "failures": [{"arn": arn, "reason": "MISSING"} for arn in requested if arn not in known],
        },
        {"serviceRevisionArns": requested},
    )


def expect_found(
    stubber: Stubber,
    arn: str,
    revision: str,
    task_definition: str,
    *,
    created_after: dt.datetime | None = None,
) -> None:
    """ListServiceDeployments answering just ``arn`` and its revision running ``task_definition``."""
    expect_list(stubber, [brief(arn, revision)], created_after=created_after)
    expect_revisions(stubber, [revision], {revision: task_definition})


# --- DescribeServiceDeployments ---------------------------------------------------------------


def hook(
    hook_id: str,
    status: str,
    target: str | None = None,
    *,
    expires: dt.datetime | None = None,
    timeout_action: str = "ROLLBACK",
) -> dict[str, Any]:
    """One ``DeploymentLifecycleHookDetail``: a Lambda hook with ``target``, else a PAUSE hook."""
    data: dict[str, Any] = {"hookId": hook_id, "status": status, "timeoutAction": timeout_action}
    if expires is not None:
        data["expiresAt"] = expires
    if target is None:
        data["targetType"] = "PAUSE"
    else:
        data["targetType"] = "AWS_LAMBDA"
        data["targetArn"] = target
    return data


def deployment(
    arn: str,
    status: str,
    *,
    reason: str | None = None,
    stage: str | None = None,
    target: str = revision_arn(2),
    source: str | None = revision_arn(1),
    traffic: tuple[float, float] | None = None,
    test_traffic: tuple[float, float] | None = None,
    tasks: tuple[int, int] | None = None,
    rollback: dict[str, Any] | None = None,
    alarms: dict[str, Any] | None = None,
    breaker: dict[str, Any] | None = None,
    hooks: list[dict[str, Any]] | None = None,
    strategy: str = "BLUE_GREEN",
    created: dt.datetime = T0,
) -> dict[str, Any]:
    """One ``ServiceDeployment`` structure; ``traffic`` is (blue, green) production weight and
    ``tasks`` the new revision's (running, requested) task count."""
    target_revision: dict[str, Any] = {"arn": target}
    source_revision: dict[str, Any] = {"arn": source} if source else {}
    if tasks is not None:
        target_revision.update(
            {"runningTaskCount": tasks[0], "requestedTaskCount": tasks[1], "pendingTaskCount": 0}
        )
    if traffic is not None:
        source_revision["requestedProductionTrafficWeight"] = traffic[0]
        target_revision["requestedProductionTrafficWeight"] = traffic[1]
    if test_traffic is not None:
        source_revision["requestedTestTrafficWeight"] = test_traffic[0]
        target_revision["requestedTestTrafficWeight"] = test_traffic[1]
    data: dict[str, Any] = {
        "serviceDeploymentArn": arn,
        "serviceArn": SERVICE_ARN,
        "clusterArn": CLUSTER_ARN,
        "createdAt": created,
        "updatedAt": created,
        "status": status,
        "targetServiceRevision": target_revision,
        "sourceServiceRevisions": [source_revision] if source else [],
        "deploymentConfiguration": {"strategy": strategy, "bakeTimeInMinutes": 5},
    }
    optional = {
        "statusReason": reason,
        "lifecycleStage": stage,
        "rollback": rollback,
        "alarms": alarms,
        "deploymentCircuitBreaker": breaker,
        "lifecycleHookDetails": hooks,
    }
    data.update({key: value for key, value in optional.items() if value is not None})
    return data


def expect_describe(stubber: Stubber, data: dict[str, Any]) -> None:
    arn = data["serviceDeploymentArn"]
    stubber.add_response(
        "describe_service_deployments",
        {"serviceDeployments": [data], "failures": []},
        {"serviceDeploymentArns": [arn]},
    )


def expect_stop(stubber: Stubber, arn: str) -> None:
    stubber.add_response(
        "stop_service_deployment",
        {"serviceDeploymentArn": arn},
        {"serviceDeploymentArn": arn, "stopType": "ROLLBACK"},
    )


# --- provider props -------------------------------------------------------------------------


def props(revision: int = 2, **overrides: Any) -> dict[str, Any]:
    """Inputs of the ECS service deployment resource, every key in provider.INPUTS."""
    values: dict[str, Any] = {
        "region": REGION,
        "profile": None,
        "cluster": CLUSTER,
        "service": SERVICE,
        "task_definition_arn": task_definition_arn(revision),
        "timeout_minutes": 30,
        "poll_seconds": POLL,
        "stop_on_timeout": True,
        "wait_seconds_for_start": 120,
    }
    values.update(overrides)
    missing = set(provider.INPUTS) - set(values)
    assert not missing, f"props() does not know the inputs {sorted(missing)}"
    return {key: values[key] for key in provider.INPUTS}


def outputs(inputs: dict[str, Any], deployment: str, live: str) -> dict[str, Any]:
    """What the state holds after a release: the inputs plus the two outputs."""
    return {**inputs, "service_deployment_arn": deployment, "live_task_definition_arn": live}


def factory(**clients: Any) -> Callable[[str, dict[str, Any]], Any]:
    """A ClientFactory handing out the given clients; it is called with the resource's props."""

    def make(service: str, where: dict[str, Any]) -> Any:
        assert where["region"] == REGION
        if service not in clients:
            raise AssertionError(f"no {service} client expected")
        return clients[service]

    return make


def no_clients(service: str, where: dict[str, Any]) -> Any:
    raise AssertionError(f"no AWS call expected, got a {service} client request")
