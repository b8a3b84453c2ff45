"""IAM documents: the task execution role gets exactly what starting the task needs."""

from __future__ import annotations

import pytest

from specs.iam import (
    assume_role_policy,
    ecr_repository_arn_from_uri,
    execution_role_policy,
    partition_for_region,
    secret_resource_arn,
)

DIGEST = "sha256:" + "cd" * 32
REPO = "arn:aws:ecr:us-east-1:123456789012:repository/my-app"
LOG_GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/my-app-prod"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"
PARAMETER = "arn:aws:ssm:us-east-1:123456789012:parameter/my-app/api-key"

ECR_LOGIN = {"Sid": "EcrLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}
WRITE_LOGS = {
    "Sid": "WriteLogs",
    "Effect": "Allow",
    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
    "Resource": f"{LOG_GROUP}:*",
}


def statements(policy: dict) -> dict[str, dict]:
    return {s["Sid"]: s for s in policy["Statement"]}


def test_assume_role_policy_trusts_only_the_service():
    assert assume_role_policy("ecs-tasks.amazonaws.com") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def test_execution_policy_without_secrets():
    policy = execution_role_policy(repository_arns=[REPO], log_group_arn=LOG_GROUP, secret_arns=[])
    assert policy == {
        "Version": "2012-10-17",
        "Statement": [
            ECR_LOGIN,
            {
                "Sid": "PullImage",
                "Effect": "Allow",
                "Action": [
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                ],
                "Resource": [REPO],
            },
            WRITE_LOGS,
        ],
    }


def test_only_the_ecr_login_is_granted_on_every_resource():
    policy = execution_role_policy(
        repository_arns=[REPO], log_group_arn=LOG_GROUP, secret_arns=[SECRET, PARAMETER]
    )
    for statement in policy["Statement"]:
        resources = (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in actions)
        if statement["Sid"] != "EcrLogin":
            assert "*" not in resources


def test_pull_is_limited_to_the_given_repositories_deduplicated_and_sorted():
    other = "arn:aws:ecr:us-east-1:123456789012:repository/base"
    policy = execution_role_policy(
        repository_arns=[REPO, other, REPO], log_group_arn=LOG_GROUP, secret_arns=[]
    )
    assert statements(policy)["PullImage"]["Resource"] == [other, REPO]


def test_image_outside_ecr_gets_no_pull_statement():
    policy = execution_role_policy(repository_arns=[], log_group_arn=LOG_GROUP, secret_arns=[])
    assert policy["Statement"] == [ECR_LOGIN, WRITE_LOGS]


def test_logs_only_on_the_streams_of_the_log_group():
    policy = execution_role_policy(repository_arns=[REPO], log_group_arn=LOG_GROUP, secret_arns=[])
    assert statements(policy)["WriteLogs"]["Resource"] == LOG_GROUP + ":*"


def test_secrets_manager_secrets_are_read_by_their_arn_without_json_key_suffix():
    policy = execution_role_policy(
        repository_arns=[REPO],
        log_group_arn=LOG_GROUP,
        secret_arns=[f"{SECRET}:password::", f"{SECRET}:username::", SECRET],
    )
    assert statements(policy)["ReadSecrets"] == {
        "Sid": "ReadSecrets",
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": [SECRET],
    }
    assert "ReadParameters" not in statements(policy)


def test_ssm_parameters_are_read_with_get_parameters():
    policy = execution_role_policy(repository_arns=[REPO], log_group_arn=LOG_GROUP, secret_arns=[PARAMETER])
    assert statements(policy)["ReadParameters"] == {
        "Sid": "ReadParameters",
        "Effect": "Allow",
        "Action": "ssm:GetParameters",
        "Resource": [PARAMETER],
    }
    assert "ReadSecrets" not in statements(policy)


def test_mixed_secrets_are_split_by_service():
    other = "arn:aws:secretsmanager:us-east-1:123456789012:secret:api-XyZ123"
    policy = execution_role_policy(
        repository_arns=[REPO], log_group_arn=LOG_GROUP, secret_arns=[SECRET, PARAMETER, other]
    )
    assert [s["Sid"] for s in policy["Statement"]] == [
        "EcrLogin",
        "PullImage",
        "WriteLogs",
        "ReadSecrets",
        "ReadParameters",
    ]
    assert statements(policy)["ReadSecrets"]["Resource"] == [other, SECRET]
    assert statements(policy)["ReadParameters"]["Resource"] == [PARAMETER]


@pytest.mark.parametrize(
    ("value_from", "arn"),
    [
        pytest.param(SECRET, SECRET, id="secret-arn"),
        pytest.param(f"{SECRET}:password::", SECRET, id="json-key"),
        pytest.param(f"{SECRET}:password:AWSPREVIOUS:", SECRET, id="json-key-and-stage"),
        pytest.param(f"{SECRET}::AWSCURRENT:", SECRET, id="stage-only"),
        pytest.param(f"{SECRET}:password::0123-4567", SECRET, id="json-key-and-version-id"),
        pytest.param(PARAMETER, PARAMETER, id="ssm-parameter"),
        pytest.param(
            "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:db-AbCdEf:user::",
            "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:db-AbCdEf",
            id="china-json-key",
        ),
    ],
)
def test_secret_resource_arn(value_from, arn):
    assert secret_resource_arn(value_from) == arn


@pytest.mark.parametrize(
    ("uri", "arn"),
    [
        pytest.param(
            f"123456789012.dkr.ecr.us-east-1.amazonaws.com/my-app@{DIGEST}",
            "arn:aws:ecr:us-east-1:123456789012:repository/my-app",
            id="digest",
        ),
        pytest.param(
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api:v1.2",
            "arn:aws:ecr:eu-west-1:123456789012:repository/team/api",
            id="namespaced-with-tag",
        ),
        pytest.param(
            "210987654321.dkr.ecr.ap-southeast-2.amazonaws.com/app",
            "arn:aws:ecr:ap-southeast-2:210987654321:repository/app",
            id="no-tag",
        ),
        pytest.param(
            f"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app@{DIGEST}",
            "arn:aws-cn:ecr:cn-north-1:123456789012:repository/app",
            id="china",
        ),
        pytest.param(
            f"123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/app@{DIGEST}",
            "arn:aws-us-gov:ecr:us-gov-west-1:123456789012:repository/app",
            id="govcloud",
        ),
    ],
)
def test_ecr_uri_to_repository_arn(uri, arn):
    assert ecr_repository_arn_from_uri(uri) == arn


@pytest.mark.parametrize(
    "uri",
    [
        pytest.param(f"docker.io/library/nginx@{DIGEST}", id="docker-hub"),
        pytest.param(f"ghcr.io/org/app@{DIGEST}", id="ghcr"),
        pytest.param("public.ecr.aws/nginx/nginx:latest", id="ecr-public"),
        pytest.param(f"12345678901.dkr.ecr.us-east-1.amazonaws.com/app@{DIGEST}", id="11-digit-account"),
        pytest.param(f"localhost:5000/app@{DIGEST}", id="local-registry"),
    ],
)
def test_registry_outside_ecr_has_no_repository_arn(uri):
    assert ecr_repository_arn_from_uri(uri) is None


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-east-1", "aws"),
        ("eu-central-1", "aws"),
        ("cn-north-1", "aws-cn"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-gov-east-1", "aws-us-gov"),
    ],
    ids=lambda v: v,
)
def test_partition_for_region(region, partition):
    assert partition_for_region(region) == partition


def test_secret_arn_without_the_random_suffix_also_grants_the_suffixed_form():
    partial = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db"
    policy = execution_role_policy(repository_arns=[], log_group_arn="arn:log", secret_arns=[partial])
    statement = next(s for s in policy["Statement"] if s.get("Sid") == "ReadSecrets")
    assert statement["Resource"] == [partial, partial + "-??????"]
