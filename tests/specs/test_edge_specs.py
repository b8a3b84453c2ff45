"""Pure edge logic: ELB log delivery by region, DNS names and zones, WAF rules, flow log and VPC IAM."""

from __future__ import annotations

import pytest

from specs.domain import dns_name_problem, zone_contains, zone_problem
from specs.elb_log_delivery import (
    ELB_ACCOUNT_BY_REGION,
    LOG_DELIVERY_SERVICE,
    access_log_bucket_name,
    access_log_bucket_policy,
    access_log_object_arn,
    log_delivery_principal,
)
from specs.iam import flow_logs_role_policy, flow_logs_trust_policy, vpc_attachment_statements
from specs.waf import MANAGED_RULE_GROUPS, web_acl_rules

# --- ELB log delivery -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "account"),
    [
        # AWS's table ("Enable access logs for your Application Load Balancer"), spot checks.
        ("us-east-1", "127311923021"),
        ("us-west-2", "797873946194"),
        ("eu-west-1", "156460612806"),
        ("ap-northeast-2", "600734575887"),
        ("ap-northeast-1", "582318560864"),
        ("sa-east-1", "507241528517"),
    ],
)
def test_regions_before_august_2022_use_their_elb_account(region: str, account: str) -> None:
    assert ELB_ACCOUNT_BY_REGION[region] == account
    assert log_delivery_principal(region, "aws") == {"AWS": f"arn:aws:iam::{account}:root"}


def test_the_table_holds_twelve_digit_accounts_only_once_each() -> None:
    assert all(len(a) == 12 and a.isdigit() for a in ELB_ACCOUNT_BY_REGION.values())
    assert len(set(ELB_ACCOUNT_BY_REGION.values())) == len(ELB_ACCOUNT_BY_REGION)


@pytest.mark.parametrize(("region", "partition"), [("us-gov-west-1", "aws-us-gov"), ("cn-north-1", "aws-cn")])
def test_other_partitions_name_their_own_partition(region: str, partition: str) -> None:
    principal = log_delivery_principal(region, partition)
    assert principal["AWS"].startswith(f"arn:{partition}:iam::")


@pytest.mark.parametrize(
    "region", ["eu-central-2", "ap-southeast-4", "me-central-1", "il-central-1", "ca-west-1"]
)
def test_newer_regions_use_the_log_delivery_service_principal(region: str) -> None:
    assert region not in ELB_ACCOUNT_BY_REGION
    assert log_delivery_principal(region, "aws") == {"Service": LOG_DELIVERY_SERVICE}


def test_bucket_policy_is_tls_only_and_grants_exactly_the_log_prefix() -> None:
    bucket = "arn:aws:s3:::logs"
    policy = access_log_bucket_policy(
        bucket_arn=bucket, prefix="alb", account_id="111122223333", region="eu-central-2", partition="aws"
    )
    deny, allow = policy["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [bucket, f"{bucket}/*"]
    assert allow == {
        "Sid": "ElbAccessLogDelivery",
        "Effect": "Allow",
        "Principal": {"Service": LOG_DELIVERY_SERVICE},
        "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::logs/alb/AWSLogs/111122223333/*",
    }


@pytest.mark.parametrize("prefix", ["AWSLogs", "alb/AWSLogs", "/alb", "alb/", "ALB", ""])
def test_a_prefix_elb_would_not_take_is_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        access_log_object_arn("arn:aws:s3:::logs", prefix, "111122223333")


def test_bucket_names_are_lowercase_and_fit_s3() -> None:
    assert access_log_bucket_name("My-App-Prod", "123456789012", "ap-northeast-2") == (
        "my-app-prod-alb-logs-123456789012-ap-northeast-2"
    )
    with pytest.raises(ValueError, match="63"):
        access_log_bucket_name("x" * 30, "123456789012", "ap-southeast-5")


# --- DNS names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["app.example.com", "App.Example.COM.", "a-b.c.example.co.uk", "example.com"]
)
def test_dns_names_a_certificate_can_cover(name: str) -> None:
    assert dns_name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "empty"),
        ("localhost", "two labels"),
        ("app_1.example.com", "'app_1'"),
        ("-app.example.com", "'-app'"),
        ("*.example.com", "wildcard"),
        ("10.0.0.1", "IP address"),
        ("a" * 64 + ".com", "1-63"),
        (("a" * 60 + ".") * 5 + "com", "at most 253"),
    ],
)
def test_names_that_are_not_dns_names(name: str, fragment: str) -> None:
    problem = dns_name_problem(name)
    assert problem is not None and fragment in problem


@pytest.mark.parametrize(
    ("zone", "name", "inside"),
    [
        ("example.com", "app.example.com", True),
        ("example.com.", "example.com", True),
        ("Example.com", "a.b.example.com", True),
        ("example.com", "app.example.org", False),
        ("ample.com", "app.example.com", False),
        ("app.example.com", "example.com", False),
    ],
)
def test_a_zone_holds_its_name_and_the_names_below_it(zone: str, name: str, inside: bool) -> None:
    assert zone_contains(zone, name) is inside
    assert (zone_problem(zone, name) is None) is inside


# --- WAF ------------------------------------------------------------------------------------------


def test_block_mode_rules() -> None:
    rules = web_acl_rules(rate_limit=2000, mode="block")
    assert [r["name"] for r in rules] == [*MANAGED_RULE_GROUPS, "RateLimitPerIp"]
    assert [r["priority"] for r in rules] == [0, 1, 2, 3]
    assert all(r["override_action"] == {"none": {}} for r in rules[:3])
    assert rules[3]["action"] == {"block": {}}
    assert rules[3]["statement"]["rate_based_statement"] == {
        "limit": 2000,
        "aggregate_key_type": "IP",
        "evaluation_window_sec": 300,
    }
    assert all(r["visibility_config"]["metric_name"] == r["name"] for r in rules)


def test_count_mode_blocks_nothing() -> None:
    rules = web_acl_rules(rate_limit=10, mode="count")
    assert all(r.get("override_action", r.get("action")) == {"count": {}} for r in rules)


@pytest.mark.parametrize("limit", [9, 2_000_000_001])
def test_rate_limit_outside_wafs_range(limit: int) -> None:
    with pytest.raises(ValueError, match="10-2000000000"):
        web_acl_rules(rate_limit=limit, mode="block")


# --- IAM ------------------------------------------------------------------------------------------


def test_flow_logs_role_trusts_only_this_accounts_flow_logs() -> None:
    (statement,) = flow_logs_trust_policy(account_id="111122223333", partition="aws", region="eu-west-1")[
        "Statement"
    ]
    assert statement["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "111122223333"},
        "ArnLike": {"aws:SourceArn": "arn:aws:ec2:eu-west-1:111122223333:vpc-flow-log/*"},
    }


def test_flow_logs_role_writes_one_log_group() -> None:
    arn = "arn:aws:logs:eu-west-1:111122223333:log-group:/vpc/x/flow-logs"
    (statement,) = flow_logs_role_policy(arn)["Statement"]
    assert statement["Resource"] == [arn, f"{arn}:*"]
    assert "*" not in statement["Resource"]


def test_vpc_attachment_is_scoped_to_subnets_groups_and_the_account_and_region() -> None:
    statements = vpc_attachment_statements(
        partition="aws-cn",
        region="cn-north-1",
        account_id="111122223333",
        subnet_ids=["subnet-a", "subnet-b"],
        security_group_arns=["arn:aws-cn:ec2:cn-north-1:111122223333:security-group/sg-1"],
    )
    create, describe, manage = statements
    arn = "arn:aws-cn:ec2:cn-north-1:111122223333"
    assert create["Resource"] == [
        f"{arn}:network-interface/*",
        f"{arn}:subnet/subnet-a",
        f"{arn}:subnet/subnet-b",
        f"{arn}:security-group/sg-1",
    ]
    assert (describe["Action"], describe["Resource"]) == (
        ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
        "*",
    )
    # Lambda's guide: all resource IDs (not network-interface/*, no condition Lambda's check
    # at CreateFunction cannot evaluate), or the function may not attach.
    assert manage["Resource"] == f"{arn}:*/*"
    assert "Condition" not in manage
