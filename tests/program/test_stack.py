"""The whole stack: components, parenting, tags, exports."""

from __future__ import annotations

import json

import pytest

from tests.program.harness import ProgramRun, run_stack

COMPONENTS = {
    "bluegreen:network:Network",
    "bluegreen:ecr:Registry",
    "bluegreen:lb:BlueGreenLoadBalancer",
    "bluegreen:ecs:AppTaskDefinition",
    "bluegreen:ecs:FargateService",
    "bluegreen:cloudwatch:ReleaseAlarms",
    "bluegreen:codedeploy:BlueGreenDeployment",
}
OPTIONAL_COMPONENTS = {
    "bluegreen:lambda:SmokeTestHook",
    "bluegreen:edge:AccessLogBucket",
    "bluegreen:edge:WebFirewall",
    "bluegreen:edge:DomainCertificate",
}


def test_every_cloud_resource_belongs_to_a_component(each_stack: ProgramRun) -> None:
    components = {r.urn: r for r in each_stack.resources if not r.custom}
    assert COMPONENTS <= {c.type for c in components.values()} <= COMPONENTS | OPTIONAL_COMPONENTS
    for resource in each_stack.resources:
        if resource.custom and resource.type != "pulumi:providers:aws":
            assert resource.parent in components, f"{resource.urn} is not parented to a component"


def test_child_names_derive_from_the_component_name(each_stack: ProgramRun) -> None:
    prefix = f"my-app-{each_stack.stack}"
    for resource in each_stack.resources:
        if resource.type != "pulumi:providers:aws":
            assert resource.name.startswith(prefix), resource.urn


def test_provider_tags_everything_with_application_stack_and_owner(each_stack: ProgramRun) -> None:
    provider = each_stack.one("pulumi:providers:aws")
    # Provider inputs reach the engine JSON-encoded.
    tags = json.loads(provider.inputs["defaultTags"])["tags"]
    assert tags == {"application": "my-app", "stack": each_stack.stack, "managed-by": "pulumi"}
    assert provider.inputs["region"] == "us-east-1"


def test_extra_tags_from_config_join_the_defaults() -> None:
    run = run_stack("dev", {"tags": {"team": "payments", "cost-center": "42"}})
    tags = json.loads(run.one("pulumi:providers:aws").inputs["defaultTags"])["tags"]
    assert tags == {
        "application": "my-app",
        "stack": "dev",
        "managed-by": "pulumi",
        "team": "payments",
        "cost-center": "42",
    }


def test_every_resource_uses_the_tagging_provider(each_stack: ProgramRun) -> None:
    provider = each_stack.one("pulumi:providers:aws")
    for resource in each_stack.resources:
        if resource.custom and resource.type.startswith("aws:"):
            assert resource.provider.startswith(provider.urn), resource.urn


EXPORTS = [
    "serviceUrl",
    "testUrl",
    "repositoryUrl",
    "imageRef",
    "clusterName",
    "serviceName",
    "taskDefinitionArn",
    "codedeployApplication",
    "codedeployDeploymentGroup",
    "logGroupName",
]


@pytest.mark.parametrize("key", EXPORTS)
def test_stack_exports_what_operators_need(each_stack: ProgramRun, key: str) -> None:
    value = each_stack.exports.get(key)
    assert isinstance(value, str) and value, f"{key} is {value!r}"


def test_exports_point_at_the_declared_resources(prod: ProgramRun) -> None:
    assert prod.exports["clusterName"] == prod.one("aws:ecs/cluster:Cluster").outputs["name"]
    assert prod.exports["serviceName"] == prod.one("aws:ecs/service:Service").outputs["name"]
    assert prod.exports["repositoryUrl"] == prod.one("aws:ecr/repository:Repository").outputs["repositoryUrl"]
    assert prod.exports["codedeployDeploymentGroup"] == "my-app-prod"
    assert prod.exports["taskDefinitionArn"].endswith(":task-definition/my-app-prod-task:1")
