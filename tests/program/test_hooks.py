"""The smoke-test hook Lambda: code, configuration, least privilege and network path."""

from __future__ import annotations

import json

import pytest

from stack_config.errors import ConfigError
from tests.program.harness import ACCOUNT, ProgramRun, run_stack, run_stack_expecting_error

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789012"


def test_function_runs_the_bundled_handler(prod: ProgramRun) -> None:
    function = prod.one("aws:lambda/function:Function").inputs
    assert (function["runtime"], function["handler"]) == ("python3.12", "handler.handler")
    assets = function["code"].assets
    assert "handler.py" in assets
    assert all(name.endswith(".py") for name in assets), "only source files: no __pycache__ in the code hash"
    assert all(asset.path.startswith("hooks/smoke_test/") for asset in assets.values()), "paths stay relative"


def test_function_tests_green_through_the_test_listener(prod: ProgramRun) -> None:
    env = prod.one("aws:lambda/function:Function").inputs["environment"]["variables"]
    assert env["TEST_URL"] == prod.exports["testUrl"]
    assert json.loads(env["CHECKS"]) == [
        {"path": "/health", "expectStatus": 200},
        {"path": "/version", "expectStatus": 200},
    ]
    assert (env["ATTEMPTS"], env["REQUEST_TIMEOUT_SECONDS"], env["VERIFY_TLS"]) == ("3", "5", "true")


def test_function_timeout_covers_every_attempt(prod: ProgramRun) -> None:
    # 2 checks x 3 attempts x (5 s request + 5 s pause) + 30 s of margin
    assert prod.one("aws:lambda/function:Function").inputs["timeout"] == 90


def test_function_runs_in_the_private_subnets(prod: ProgramRun) -> None:
    vpc = prod.one("aws:lambda/function:Function").inputs["vpcConfig"]
    private = {s.id for s in prod.of_type("aws:ec2/subnet:Subnet") if "private" in s.name}
    assert set(vpc["subnetIds"]) == private
    assert vpc["securityGroupIds"] == [prod.one("aws:ec2/securityGroup:SecurityGroup", "-hook").id]


def test_test_listener_admits_the_nat_gateways(prod: ProgramRun) -> None:
    alb = prod.one("aws:ec2/securityGroup:SecurityGroup", "-alb")
    rules = [
        r.inputs
        for r in prod.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if "from-nat" in r.name
    ]
    assert len(rules) == 2  # one per NAT gateway in prod
    for rule in rules:
        assert rule["securityGroupId"] == alb.id
        assert (rule["fromPort"], rule["toPort"]) == (9000, 9000)
        assert rule["cidrIpv4"].endswith("/32")


def test_hook_role_may_report_hook_status_and_write_its_logs(prod: ProgramRun) -> None:
    policy = json.loads(prod.one("aws:iam/rolePolicy:RolePolicy", "-prod-hook").inputs["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    # The Service Authorization Reference lists no resource type for this action: a
    # statement on the deployment group's ARN would never match and the hook never report.
    assert by_sid["ReportHookStatus"] == {
        "Sid": "ReportHookStatus",
        "Effect": "Allow",
        "Action": "codedeploy:PutLifecycleEventHookExecutionStatus",
        "Resource": "*",
    }
    logs = prod.one("aws:cloudwatch/logGroup:LogGroup", "hook-logs")
    assert logs.inputs["name"] == "/aws/lambda/my-app-prod-smoke-test"
    assert by_sid["WriteLogs"]["Resource"] == f"{logs.outputs['arn']}:*"
    assert set(by_sid) == {
        "ReportHookStatus",
        "WriteLogs",
        "CreateInterfacesInTheHookSubnets",
        "DescribeInterfaces",
        "ManageInterfacesInThisAccountAndRegion",
    }


def test_hook_role_network_interface_rights_are_scoped_to_its_subnets_and_region(prod: ProgramRun) -> None:
    """Only DescribeNetworkInterfaces and DescribeSubnets (no resource types in the SAR) are on "*"."""
    policy = json.loads(prod.one("aws:iam/rolePolicy:RolePolicy", "-prod-hook").inputs["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    arn = f"arn:aws:ec2:us-east-1:{ACCOUNT}"
    subnets = sorted(s.id for s in prod.of_type("aws:ec2/subnet:Subnet") if "private" in s.name)
    group = prod.one("aws:ec2/securityGroup:SecurityGroup", "-hook")
    create = by_sid["CreateInterfacesInTheHookSubnets"]
    assert create["Action"] == "ec2:CreateNetworkInterface"
    assert sorted(create["Resource"]) == sorted(
        [
            f"{arn}:network-interface/*",
            *(f"{arn}:subnet/{subnet}" for subnet in subnets),
            group.outputs["arn"],
        ]
    )
    manage = by_sid["ManageInterfacesInThisAccountAndRegion"]
    assert manage["Resource"] == f"{arn}:*/*" and "Condition" not in manage
    on_everything = [s for s in policy["Statement"] if s["Resource"] == "*"]
    assert {s["Sid"] for s in on_everything} == {"ReportHookStatus", "DescribeInterfaces"}
    describe = by_sid["DescribeInterfaces"]
    # AWSLambdaVPCAccessExecutionRole v3 (2024) lists DescribeSubnets beside the interface actions.
    assert describe["Action"] == ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]


def test_with_a_domain_the_hook_verifies_tls_against_the_name() -> None:
    run = run_stack("prod", {"domain": {"name": "app.example.com", "zoneName": "example.com"}})
    env = run.one("aws:lambda/function:Function").inputs["environment"]["variables"]
    assert env["TEST_URL"] == "https://app.example.com:9000"
    assert env["VERIFY_TLS"] == "true"


def test_codedeploy_may_invoke_the_hook(prod: ProgramRun) -> None:
    function = prod.one("aws:lambda/function:Function")
    permission = prod.one("aws:iam/rolePolicy:RolePolicy", "invoke-hook")
    assert permission.inputs["role"] == prod.one("aws:iam/role:Role", "codedeploy").outputs["name"]
    statement = json.loads(permission.inputs["policy"])["Statement"]
    assert statement == [
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": function.outputs["arn"]}
    ]


def test_no_hook_resources_without_lifecycle_events(dev: ProgramRun) -> None:
    assert dev.of_type("aws:lambda/function:Function") == []
    assert dev.of_type("bluegreen:lambda:SmokeTestHook") == []


def test_https_test_listener_skips_certificate_name_checks() -> None:
    run = run_stack("prod", {"loadBalancer": {"certificateArn": CERT, "testListenerPort": 8443}})
    env = run.one("aws:lambda/function:Function").inputs["environment"]["variables"]
    assert env["VERIFY_TLS"] == "false"
    assert env["TEST_URL"].startswith("https://") and env["TEST_URL"].endswith(":8443")


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"hooks": {"lifecycleEvents": ["AfterTraffic"]}}, "hooks.lifecycleEvents"),
        (
            {
                "hooks": {"lifecycleEvents": ["AfterAllowTestTraffic"]},
                "network": {"natGateways": 0, "vpcEndpoints": True},
            },
            "hooks.lifecycleEvents",
        ),
        (
            {
                "hooks": {"lifecycleEvents": ["AfterAllowTestTraffic"]},
                "network": {"vpcId": "vpc-1", "publicSubnetIds": ["a", "b"], "privateSubnetIds": ["c", "d"]},
            },
            "loadBalancer.testTrafficCidrs",
        ),
        ({"hooks": {"lifecycleEvents": ["AfterAllowTestTraffic"], "checks": []}}, "hooks.checks"),
    ],
    ids=["unknown-hook", "no-nat", "existing-vpc-without-cidrs", "no-checks"],
)
def test_hook_configuration_errors(overrides: dict, key: str) -> None:
    error, registered = run_stack_expecting_error("dev", overrides)
    assert isinstance(error, ConfigError) and key in str(error), str(error)
    assert registered == []


def test_function_waits_for_its_role_policy(prod: ProgramRun) -> None:
    # A function in a VPC fails to create while its role may not yet manage network
    # interfaces; the role's ARN alone orders it after the role, not after the RolePolicy.
    function = prod.one("aws:lambda/function:Function")
    role_policy = prod.one("aws:iam/rolePolicy:RolePolicy", "-prod-hook")
    log_group = prod.one("aws:cloudwatch/logGroup:LogGroup", "hook-logs")
    assert {role_policy.urn, log_group.urn} <= set(function.depends_on)
