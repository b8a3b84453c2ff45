"""IAM policy documents with the least privilege each role needs."""

from __future__ import annotations

import re
from typing import Any

_HAS_SUFFIX = re.compile(r"-[A-Za-z0-9]{6}$")
_ECR_URI = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/(?P<name>[^@:]+)"
)


def assume_role_policy(service: str) -> dict[str, Any]:
    """Trust policy that lets one AWS service principal assume the role."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    }


def aws_managed_policy_arn(partition: str, name: str) -> str:
    """An AWS managed policy's ARN in the stack's partition (not always ``arn:aws:``)."""
    return f"arn:{partition}:iam::aws:policy/{name}"


def partition_for_region(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def ecr_repository_arn_from_uri(uri: str) -> str | None:
    """The ECR repository ARN an image URI lives in, or None for a registry outside ECR."""
    match = _ECR_URI.match(uri)
    if not match:
        return None
    partition = partition_for_region(match["region"])
    return f"arn:{partition}:ecr:{match['region']}:{match['account']}:repository/{match['name']}"


def secret_resource_arn(value_from: str) -> str:
    """The ARN to grant for a ``valueFrom``: Secrets Manager references may end in
    ``:json-key:version-stage:version-id``, which is not part of the secret's ARN."""
    parts = value_from.split(":")
    if parts[2] == "secretsmanager" and len(parts) > 7:
        return ":".join(parts[:7])
    return value_from


ECS_EXEC_ACTIONS = (
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
)


def ecs_exec_policy() -> dict[str, Any]:
    """The task role's rights for ECS Exec: the SSM agent's control and data channels. These
    actions have no resource types (Service Authorization Reference, Amazon Session Manager
    Message Gateway Service), so they can only be granted on "*"."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "EcsExecChannels", "Effect": "Allow", "Action": list(ECS_EXEC_ACTIONS), "Resource": "*"}
        ],
    }


def execution_role_policy(
    *, repository_arns: list[str], log_group_arn: str, secret_arns: list[str]
) -> dict[str, Any]:
    """What ECS needs to start the task: pull this image, write this log group, read these secrets."""
    statements: list[dict[str, Any]] = [
        # GetAuthorizationToken has no resource-level permissions; it must be granted on "*".
        {"Sid": "EcrLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {
            "Sid": "WriteLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group_arn}:*",
        },
    ]
    if repository_arns:
        statements.insert(
            1,
            {
                "Sid": "PullImage",
                "Effect": "Allow",
                "Action": [
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                ],
                "Resource": sorted(set(repository_arns)),
            },
        )
    resources = sorted({secret_resource_arn(arn) for arn in secret_arns})
    secrets_manager = [arn for arn in resources if arn.split(":")[2] == "secretsmanager"]
    parameters = [arn for arn in resources if arn.split(":")[2] == "ssm"]
    # A Secrets Manager ARN may be given without AWS's random 6-character suffix; grant the
    # suffixed form too so the policy matches the secret's real ARN either way.
    secrets_manager = sorted(
        {*secrets_manager, *(f"{arn}-??????" for arn in secrets_manager if not _HAS_SUFFIX.search(arn))}
    )
    if secrets_manager:
        statements.append(
            {
                "Sid": "ReadSecrets",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": secrets_manager,
            }
        )
    if parameters:
        statements.append(
            {
                "Sid": "ReadParameters",
                "Effect": "Allow",
                "Action": "ssm:GetParameters",
                "Resource": parameters,
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def flow_logs_trust_policy(*, account_id: str, partition: str, region: str) -> dict[str, Any]:
    """VPC Flow Logs may assume the role, only for flow logs of this account and region.

    The confused-deputy conditions are the ones AWS recommends ("IAM role for publishing flow
    logs to CloudWatch Logs", Amazon VPC User Guide).
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": f"arn:{partition}:ec2:{region}:{account_id}:vpc-flow-log/*"},
                },
            }
        ],
    }


def flow_logs_role_policy(log_group_arn: str) -> dict[str, Any]:
    """Write flow log records into one existing log group, nothing else.

    AWS's example grants five logs actions on ``*``; the log group exists before the flow log
    (the program creates it with its retention), so CreateLogGroup and DescribeLogGroups are
    not needed, and the three left take the log group as their resource (as AWS CDK's FlowLog
    grants them).
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteFlowLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                "Resource": [log_group_arn, f"{log_group_arn}:*"],
            }
        ],
    }


def vpc_attachment_statements(
    *,
    partition: str,
    region: str,
    account_id: str,
    subnet_ids: list[str],
    security_group_arns: list[str],
) -> list[dict[str, Any]]:
    """What Lambda needs, through the function's role, to attach the function to its subnets.

    ``CreateNetworkInterface`` names the subnet, security-group and network-interface resource
    types (Service Authorization Reference, Amazon EC2), so it gets the function's own subnets
    and security groups and new interfaces in this account and region.
    ``DescribeNetworkInterfaces`` and ``DescribeSubnets`` have no resource type: only ``*``
    matches them. Lambda's guide and AWS's managed ``AWSLambdaVPCAccessExecutionRole`` (v3,
    January 2024) list ``DescribeSubnets`` beside the interface actions: Lambda reads the
    function's subnets through the role when it sets up the VPC connection.
    ``DeleteNetworkInterface``, ``AssignPrivateIpAddresses`` and ``UnassignPrivateIpAddresses``
    get every EC2 resource of this account and region (``...:*/*``), as Lambda's guide asks
    ("Either specify a unique resource ID, or include all resource IDs, for example
    arn:aws:ec2:us-west-2:123456789012:*/*"). Lambda checks the role when the function is
    created; a role scoped to ``network-interface/*`` was reported to fail that check
    (hashicorp/terraform-provider-aws#20698), and a condition on the interface's VPC
    (``ec2:Vpc``) cannot hold in a check that names no interface.
    """
    arn = f"arn:{partition}:ec2:{region}:{account_id}"
    return [
        {
            "Sid": "CreateInterfacesInTheHookSubnets",
            "Effect": "Allow",
            "Action": "ec2:CreateNetworkInterface",
            "Resource": [
                f"{arn}:network-interface/*",
                *(f"{arn}:subnet/{subnet}" for subnet in subnet_ids),
                *security_group_arns,
            ],
        },
        {
            # No resource-level permissions: AWS matches this action only against "*".
            "Sid": "DescribeInterfaces",
            "Effect": "Allow",
            "Action": ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
            "Resource": "*",
        },
        {
            "Sid": "ManageInterfacesInThisAccountAndRegion",
            "Effect": "Allow",
            "Action": [
                "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
            ],
            "Resource": f"{arn}:*/*",
        },
    ]
