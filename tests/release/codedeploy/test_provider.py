"""provider: diff, create and update of the CodeDeployRelease resource, with client
factories handing out moto (server or in-process) or stubbed clients."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber
from moto import mock_aws

from release.codedeploy import provider
from release.codedeploy import run as release_run
from release.codedeploy.run import ReleaseRequest
from release.core.outcome import Outcome

from .support import (
    HOOKS,
    REGION,
    FakeClock,
    Group,
    Log,
    Scripted,
    answer_no_targets,
    backend,
    count_calls,
    create_application_and_group,
    event,
    expect_create,
    expect_no_active,
    expect_poll,
    offline_client,
    outputs,
    props,
    task_definition_arn,
)

DEPLOYMENT = "d-PROVIDER1"
GROUP = Group(application="app", name="dg", cluster="cluster", service="svc")


def factory(**clients: Any) -> Callable[[str, Any], Any]:
    """A ClientFactory handing out the given clients; it is called with the resource's props."""

    def make(service: str, where: Any) -> Any:
        assert (where["region"] if isinstance(where, dict) else where) == REGION
        if service not in clients:
            raise AssertionError(f"no {service} client expected")
        return clients[service]

    return make


def no_clients(service: str, where: Any) -> Any:
    raise AssertionError(f"no AWS call expected, got a {service} client request")


def register(ecs: Any, family: str) -> str:
    return ecs.register_task_definition(
        family=family, containerDefinitions=[{"name": "web", "image": "nginx", "memory": 128}]
    )["taskDefinition"]["taskDefinitionArn"]


def create_service(ecs: Any, group: Group, task_definition: str) -> None:
    ecs.create_cluster(clusterName=group.cluster)
    ecs.create_service(
        cluster=group.cluster,
        serviceName=group.service,
        taskDefinition=task_definition,
        desiredCount=1,
        deploymentController={"type": "CODE_DEPLOY"},
    )


# --- diff ---------------------------------------------------------------------------------


def test_diff_without_changes() -> None:
    news = props(GROUP)
    result = provider.diff(outputs(news, "d-old", task_definition_arn(2)), dict(news))
    assert result.changes is False
    assert result.replaces == []
    assert result.delete_before_replace is False


def test_diff_ignores_the_deployment_id() -> None:
    news = props(GROUP)
    assert provider.diff(outputs(news, "d-1", task_definition_arn(2)), news).changes is False


def test_diff_sees_a_live_revision_other_than_the_wanted_one() -> None:
    """After `pulumi refresh` read a rollback (live :1, wanted :2), the next `pulumi up` releases :2."""
    news = props(GROUP)
    assert provider.diff(outputs(news, "d-1", task_definition_arn(1)), news).changes is True


def test_diff_sees_a_new_task_definition() -> None:
    olds = outputs(props(GROUP, 2), "d-1", task_definition_arn(2))
    result = provider.diff(olds, props(GROUP, 3))
    assert result.changes is True
    assert result.replaces == []


def test_diff_sees_changed_hooks() -> None:
    olds = outputs(props(GROUP), "d-1", task_definition_arn(2))
    news = props(
        GROUP, hooks={**HOOKS, "BeforeAllowTraffic": "arn:aws:lambda:us-east-1:123456789012:function:x"}
    )
    assert provider.diff(olds, news).changes is True
    assert provider.diff(olds, props(GROUP, hooks={})).changes is True


def test_diff_sees_changed_settings() -> None:
    olds = outputs(props(GROUP), "d-1", task_definition_arn(2))
    assert provider.diff(olds, props(GROUP, poll_seconds=5)).changes is True


def test_diff_ignores_the_order_of_hook_keys() -> None:
    olds = outputs(props(GROUP), "d-1", task_definition_arn(2))
    news = props(GROUP, hooks=dict(reversed(list(HOOKS.items()))))
    assert news["hooks"] == olds["hooks"]
    assert provider.diff(olds, news).changes is False


# --- create -------------------------------------------------------------------------------


def test_create_deploys_nothing_when_the_service_runs_the_wanted_revision(
    make_client: Callable[[str], Any], group: Group
) -> None:
    codedeploy, ecs = make_client("codedeploy"), make_client("ecs")
    wanted = register(ecs, group.service)
    create_service(ecs, group, wanted)
    creates = count_calls(codedeploy, "CreateDeployment")
    log = Log()

    result = provider.create(
        props(group, task_definition_arn=wanted), factory(codedeploy=codedeploy, ecs=ecs), log
    )

    assert creates == []
    assert (
        codedeploy.list_deployments(applicationName=group.application, deploymentGroupName=group.name)[
            "deployments"
        ]
        == []
    )
    assert result.id == f"{group.application}/{group.name}"
    assert result.outs["deployment_id"] == ""
    assert result.outs["live_task_definition_arn"] == wanted
    assert {k: result.outs[k] for k in provider.INPUTS} == props(group, task_definition_arn=wanted)
    assert log == []


def test_create_deploys_nothing_when_the_service_is_not_there(
    make_client: Callable[[str], Any], group: Group
) -> None:
    # Pulumi creates the service first; a service ECS does not know has nothing to release to.
    ecs = make_client("ecs")
    ecs.create_cluster(clusterName=group.cluster)
    result = provider.create(props(group), factory(ecs=ecs), Log())
    assert result.outs["deployment_id"] == ""
    assert result.outs["live_task_definition_arn"] == task_definition_arn(2)


@pytest.fixture
def mocked_clients() -> Iterator[dict[str, Any]]:
    with mock_aws():
        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )
        config = Config(retries={"max_attempts": 1})
        codedeploy = session.client("codedeploy", config=config)
        answer_no_targets(codedeploy)
        yield {"codedeploy": codedeploy, "ecs": session.client("ecs", config=config)}


def test_create_releases_when_the_service_runs_another_revision(
    mocked_clients: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    codedeploy, ecs = mocked_clients["codedeploy"], mocked_clients["ecs"]
    group = create_application_and_group(codedeploy)
    running = register(ecs, group.service)
    wanted = register(ecs, group.service)
    create_service(ecs, group, running)
    clock = FakeClock()
    Scripted(clock, {}, new_script=["InProgress", "Succeeded"])
    monkeypatch.setattr(
        provider, "release", functools.partial(release_run.release, clock=clock, sleep=clock.sleep)
    )
    log = Log()

    result = provider.create(props(group, task_definition_arn=wanted), factory(**mocked_clients), log)

    (deployment_id,) = backend().deployments
    deployed = backend().deployments[deployment_id].revision["appSpecContent"]["content"]
    assert provider.appspec_for(props(group, task_definition_arn=wanted)) == deployed
    assert result.outs["deployment_id"] == deployment_id
    assert result.outs["live_task_definition_arn"] == wanted
    assert log[0] == f"service runs {running}; releasing {wanted}"
    assert log[-1] == f"{deployment_id}: {wanted} is live"


# --- update -------------------------------------------------------------------------------


def test_update_of_settings_only_deploys_nothing() -> None:
    olds = outputs(props(GROUP), "d-previous", task_definition_arn(2))
    news = props(GROUP, poll_seconds=5, timeout_minutes=60, stop_on_timeout=False)

    result = provider.update(olds, news, no_clients, Log())

    assert result.outs == outputs(news, "d-previous", task_definition_arn(2))


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    client = offline_client()
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_update_releases_a_new_task_definition(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    olds = outputs(props(GROUP, 2), "d-previous", task_definition_arn(2))
    news = props(GROUP, 3)
    expect_no_active(stubber, GROUP)
    expect_create(stubber, GROUP, DEPLOYMENT, provider.appspec_for(news))
    expect_poll(stubber, DEPLOYMENT, "Succeeded")
    log = Log()

    result = provider.update(olds, news, factory(codedeploy=client), log)

    assert result.outs == outputs(news, DEPLOYMENT, task_definition_arn(3))
    assert log[-1] == f"{DEPLOYMENT}: {task_definition_arn(3)} is live"


def test_update_releases_changed_hooks(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    olds = outputs(props(GROUP, 2), "d-previous", task_definition_arn(2))
    news = props(GROUP, 2, hooks={"AfterAllowTestTraffic": HOOKS["AfterAllowTestTraffic"]})
    expect_no_active(stubber, GROUP)
    expect_create(stubber, GROUP, DEPLOYMENT, provider.appspec_for(news))
    expect_poll(stubber, DEPLOYMENT, "Succeeded")

    result = provider.update(olds, news, factory(codedeploy=client), Log())

    assert result.outs["deployment_id"] == DEPLOYMENT


def test_update_releases_when_the_recorded_live_revision_is_another(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    olds = outputs(props(GROUP, 2), "d-previous", task_definition_arn(1))
    expect_no_active(stubber, GROUP)
    expect_create(stubber, GROUP, DEPLOYMENT)
    expect_poll(stubber, DEPLOYMENT, "Succeeded")

    result = provider.update(olds, props(GROUP, 2), factory(codedeploy=client), Log())

    assert result.outs["live_task_definition_arn"] == task_definition_arn(2)


def test_a_failed_release_fails_the_update_naming_revision_and_deployment(
    stubbed: tuple[Any, Stubber],
) -> None:
    client, stubber = stubbed
    olds = outputs(props(GROUP, 2), "d-previous", task_definition_arn(2))
    expect_no_active(stubber, GROUP)
    expect_create(stubber, GROUP, DEPLOYMENT)
    expect_poll(
        stubber,
        DEPLOYMENT,
        "Failed",
        error=("HOOK_EXECUTION_FAILURE", "hook failed"),
        events=[event("AfterAllowTestTraffic", "Failed", "smoke test returned 503")],
    )

    with pytest.raises(RuntimeError) as failure:
        provider.update(olds, props(GROUP, 3), factory(codedeploy=client), Log())

    message = str(failure.value)
    assert message.startswith(f"release of {task_definition_arn(3)} failed: ")
    assert DEPLOYMENT in message
    assert "AfterAllowTestTraffic failed: smoke test returned 503" in message
    assert "HOOK_EXECUTION_FAILURE: hook failed" in message
    assert failure.value.__cause__ is None


@pytest.mark.parametrize("stop_on_timeout", [True, False])
def test_a_timed_out_release_fails_the_update(stubbed: tuple[Any, Stubber], stop_on_timeout: bool) -> None:
    client, stubber = stubbed
    olds = outputs(props(GROUP, 2), "d-previous", task_definition_arn(2))
    expect_no_active(stubber, GROUP)
    expect_create(stubber, GROUP, DEPLOYMENT)
    expect_poll(stubber, DEPLOYMENT, "InProgress")  # a zero timeout: the first poll is at the deadline
    if stop_on_timeout:
        stubber.add_response("stop_deployment", {}, {"deploymentId": DEPLOYMENT, "autoRollbackEnabled": True})
    news = props(GROUP, 3, timeout_minutes=0, stop_on_timeout=stop_on_timeout)

    with pytest.raises(RuntimeError) as failure:
        provider.update(olds, news, factory(codedeploy=client), Log())

    assert task_definition_arn(3) in str(failure.value)
    assert DEPLOYMENT in str(failure.value)
    assert ("stopped it with rollback" in str(failure.value)) is stop_on_timeout


def test_the_release_request_carries_the_props(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[Any, ReleaseRequest]] = []
    client = object()

    def fake_release(
        client: Any, request: ReleaseRequest, *, log: Callable[[str], None], diagnose: Any
    ) -> Outcome:
        assert callable(diagnose)
        seen.append((client, request))
        return Outcome(DEPLOYMENT, "Succeeded")

    monkeypatch.setattr(provider, "release", fake_release)
    news = props(GROUP, 3, timeout_minutes=45, poll_seconds=10, stop_on_timeout=False)

    provider.update(
        outputs(props(GROUP, 2), "", task_definition_arn(2)), news, factory(codedeploy=client), Log()
    )

    ((used, request),) = seen
    assert used is client
    assert request == ReleaseRequest(
        application=GROUP.application,
        deployment_group=GROUP.name,
        appspec=provider.appspec_for(news),
        description="pulumi up: web:3",
        timeout_seconds=2700.0,
        poll_seconds=10.0,
        stop_on_timeout=False,
    )
