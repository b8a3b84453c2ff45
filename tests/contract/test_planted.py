"""The checker catches what AWS rejects: one bad value planted in a real declared resource.

Each test takes a resource the program really declares, changes one input the way a
careless edit would, and asserts the checker names the resource, the request field, the
value and AWS's rule. The unchanged resource passes the same check, so it is the planted
value that is caught. The last tests plant values only moto's own checks reject.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest

from preview.engine import Recorded
from tests.contract.model_rules import Violation, check_translation
from tests.contract.replay import replay
from tests.contract.translate import Context, Translation, default_tags, translate
from tests.contract.variants import BY_ID, program_run, translations

SG_EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
FUNCTION = "aws:lambda/function:Function"
SERVICE = "aws:ecs/service:Service"
SUBNET = "aws:ec2/subnet:Subnet"
RULE = "aws:lb/listenerRule:ListenerRule"
LISTENER = "aws:lb/listener:Listener"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"


def _declared(variant_id: str, type_: str, suffix: str) -> Recorded:
    return program_run(variant_id).one(type_, suffix)


def _plant(
    variant_id: str,
    type_: str,
    suffix: str,
    change: Callable[[dict[str, Any]], None],
    also_depends_on: tuple[Recorded, ...] = (),
) -> Translation:
    """The resource's translation with ``change`` applied to its inputs. A planted reference to
    another resource adds that resource to depends_on, as the Pulumi SDK would."""
    run = program_run(variant_id)
    original = _declared(variant_id, type_, suffix)
    inputs = copy.deepcopy(original.inputs)
    change(inputs)
    # As translated: with the dependencies of the dynamic resources it takes values from.
    known = _original(variant_id, type_, suffix).resource.depends_on
    depends_on = [*known, *(r.urn for r in also_depends_on)]
    planted = dataclasses.replace(original, inputs=inputs, depends_on=depends_on)
    return translate(planted, Context(BY_ID[variant_id].region, default_tags(run.resources)))


def _original(variant_id: str, type_: str, suffix: str) -> Translation:
    resource = _declared(variant_id, type_, suffix)
    return next(t for t in translations(variant_id) if t.resource.urn == resource.urn)


def _at(violations: list[Violation], path: str) -> list[Violation]:
    return [v for v in violations if v.path == path]


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(inputs: dict[str, Any]) -> None:
        target = inputs
        *parents, last = key.split(".")
        for parent in parents:
            target = target[parent]
        target[last] = value

    return change


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    def change(inputs: dict[str, Any]) -> None:
        target = inputs
        *parents, last = key.split(".")
        for parent in parents:
            target = target[parent]
        target.pop(last)

    return change


GROUP_ARN = "arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:my-app-prod/my-app-prod"


def _report_status_on_the_group(inputs: dict[str, Any]) -> None:
    """The hook policy as it was before the fix: the report scoped to the deployment group."""
    document = json.loads(inputs["policy"])
    assert document["Statement"][0]["Sid"] == "ReportHookStatus"
    document["Statement"][0]["Resource"] = GROUP_ARN
    inputs["policy"] = json.dumps(document)


def _add_tags(tags: dict[str, str]) -> Callable[[dict[str, Any]], None]:
    return lambda inputs: inputs.__setitem__("tags", {**(inputs.get("tags") or {}), **tags})


LONG_ROLE = "r" * 65
LONG_FUNCTION = "my-app-dev-smoke-test-" + "x" * 43
LONG_GROUP = "my-app-production-blue-target-grp"
MANY_TAGS = {f"tag-{n:02}": "x" for n in range(46)}  # + Name, tier and 3 default tags: 51

# (case id, variant, type, name suffix, change, request field, rule text, bad value)
CASES: list[tuple[str, str, str, str, Callable[[dict[str, Any]], None], str, str, Any]] = [
    (
        "apostrophe-in-sg-rule-description",
        "dev",
        SG_EGRESS,
        "tasks-egress",
        _set("description", "image pulls and the app's own calls"),
        "IpPermissions[0].IpRanges[0].Description",
        "Allowed characters are a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*",
        "image pulls and the app's own calls",
    ),
    (
        "enum-outside-the-model",
        "prod",
        ALARM,
        "cpu-high",
        _set("comparisonOperator", "GreaterThan"),
        "ComparisonOperator",
        "must be one of ComparisonOperator's values",
        "GreaterThan",
    ),
    (
        "target-group-name-over-32",
        "prod",
        TARGET_GROUP,
        "blue",
        _set("name", LONG_GROUP),
        "Name",
        "can have a maximum of 32 characters",
        LONG_GROUP,
    ),
    (
        "role-name-over-64",
        "dev",
        ROLE,
        "execution",
        _set("name", LONG_ROLE),
        "RoleName",
        "at most 64 characters",
        LONG_ROLE,
    ),
    (
        "function-name-over-64",
        "prod",
        FUNCTION,
        "smoke-test",
        _set("name", LONG_FUNCTION),
        "FunctionName",
        "it is limited to 64 characters in length",
        LONG_FUNCTION,
    ),
    (
        "health-check-interval-over-300",
        "dev",
        TARGET_GROUP,
        "green",
        _set("healthCheck.interval", 301),
        "HealthCheckIntervalSeconds",
        "at most 300 value",
        301,
    ),
    (
        "ecs-canary-percent-below-0.1",
        "dev-ecs-canary",
        SERVICE,
        "service",
        _set("deploymentConfiguration.canaryConfiguration.canaryPercent", 0.05),
        "deploymentConfiguration.canaryConfiguration.canaryPercent",
        "Valid values are multiples of 0.1 from 0.1 to 100.0.",
        0.05,
    ),
    (
        "missing-required-member",
        "dev-ecs-canary",
        SERVICE,
        "service",
        _drop("deploymentCircuitBreaker.rollback"),
        "deploymentConfiguration.deploymentCircuitBreaker.rollback",
        "required member of DeploymentCircuitBreaker is missing",
        None,
    ),
    (
        "action-without-resource-types-scoped-to-an-arn",
        "prod",
        ROLE_POLICY,
        "prod-hook",
        _report_status_on_the_group,
        "PolicyDocument.Statement[0].Resource",
        "codedeploy:PutLifecycleEventHookExecutionStatus has no resource types",
        [GROUP_ARN],
    ),
    (
        "aws-prefixed-tag-key",
        "dev",
        ROLE,
        "-task",
        _add_tags({"aws:owner": "payments"}),
        "Tags['aws:owner']",
        "tag key must not start with aws:",
        "aws:owner",
    ),
    (
        "tag-value-of-257",
        "prod",
        SERVICE,
        "service",
        _add_tags({"note": "v" * 257}),
        "tags['note'].Value",
        "tag value at most 256 characters",
        "v" * 257,
    ),
    (
        "more-than-50-tags",
        "dev",
        SUBNET,
        "private-1",
        _add_tags(MANY_TAGS),
        "TagSpecifications[0].Tags",
        "at most 50 tags",
        "51 tags",
    ),
]


@pytest.mark.parametrize(
    ("variant_id", "type_", "suffix", "change", "path", "rule", "value"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_planted_value_is_reported_with_resource_field_and_rule(
    variant_id: str,
    type_: str,
    suffix: str,
    change: Callable[[dict[str, Any]], None],
    path: str,
    rule: str,
    value: Any,
) -> None:
    assert _at(check_translation(_original(variant_id, type_, suffix)), path) == [], "the real value passes"
    reported = _at(check_translation(_plant(variant_id, type_, suffix, change)), path)
    assert reported, f"nothing reported at {path}"
    violation = reported[0]
    resource = _declared(variant_id, type_, suffix)
    assert violation.resource == f"{type_} ({resource.name})"
    assert violation.value == value
    assert rule in violation.rule, violation.rule
    message = str(violation)
    assert resource.name in message and path in message and rule in message


def _replayed_with(variant_id: str, planted: Translation) -> list[str]:
    """moto's verdicts when the variant is replayed with one resource planted."""
    swapped = [planted if t.resource.urn == planted.resource.urn else t for t in translations(variant_id)]
    variant = BY_ID[variant_id]
    return replay(swapped, variant.region, variant.prepare).moto_errors


def _malformed_policy(inputs: dict[str, Any]) -> None:
    document = json.loads(inputs["policy"])
    document["Statement"][0]["Effect"] = "Allowed"
    inputs["policy"] = json.dumps(document)


def test_moto_rejects_a_malformed_iam_policy() -> None:
    planted = _plant("dev", ROLE_POLICY, "execution", _malformed_policy)
    errors = _replayed_with("dev", planted)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{ROLE_POLICY} (my-app-dev-execution): iam:PutRolePolicy")
    assert "MalformedPolicyDocument" in errors[0]


def test_moto_rejects_two_rules_of_one_priority_on_a_listener() -> None:
    production_listener = _declared("dev-ecs-canary", LISTENER, "-prod")
    planted = _plant(
        "dev-ecs-canary",
        RULE,
        "test-rule",
        _set("listenerArn", production_listener.outputs["arn"]),
        also_depends_on=(production_listener,),
    )
    errors = _replayed_with("dev-ecs-canary", planted)
    # Whichever of the two rules is created second gets the error.
    assert len(errors) == 1 and errors[0].startswith(f"{RULE} (my-app-dev-"), errors
    assert "elbv2:CreateRule: AWS (moto) refused: PriorityInUse" in errors[0]


def test_moto_rejects_an_aws_managed_policy_that_does_not_exist() -> None:
    missing = "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancer"
    planted = _plant("dev-ecs-canary", ATTACHMENT, "ecs-infrastructure", _set("policyArn", missing))
    errors = _replayed_with("dev-ecs-canary", planted)
    assert errors and errors[0].startswith(
        f"{ATTACHMENT} (my-app-dev-ecs-infrastructure): iam:AttachRolePolicy"
    )
    assert missing in errors[0]
