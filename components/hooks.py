"""SmokeTestHook: the Lambda the deployment engine runs at the stack's lifecycle hooks.

Creates the function from ``hooks/smoke_test`` (Python, in the private subnets, so its
requests leave through the stack's NAT gateways), a log group with retention, a role that
may only report hook status for this deployment group, write its logs and attach to the
VPC, a security group, test-listener ingress from the NAT gateways' public IPs, and an
explicit permission for the CodeDeploy service role to invoke it (so the hook works
whatever the managed policy allows; its ``Limited`` variant only covers functions named
``CodeDeployHook_*``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from hooks.smoke_test.config import DEFAULTS as SMOKE_TEST_DEFAULTS
from specs.iam import assume_role_policy, vpc_attachment_statements
from stack_config.model import HookSettings

HOOK_SOURCE = "hooks/smoke_test"  # relative to the project, so every checkout hashes the same code
# The function's own defaults (hooks/smoke_test/config.py), set explicitly so the preview reads them.
RETRY_DELAY_SECONDS = int(SMOKE_TEST_DEFAULTS["RETRY_DELAY_SECONDS"])
MAX_IN_PROGRESS = int(SMOKE_TEST_DEFAULTS["MAX_IN_PROGRESS"])
CALLBACK_DELAY_SECONDS = int(SMOKE_TEST_DEFAULTS["CALLBACK_DELAY_SECONDS"])


@dataclass
class SmokeTestHookArgs:
    hooks: HookSettings
    name_prefix: str
    project_dir: Path
    test_url: pulumi.Input[str]
    verify_tls: bool
    """False for an HTTPS test listener reached by the ALB's host name (the certificate names the
    service); True when ``test_url`` names the domain the certificate is for."""
    vpc_id: pulumi.Input[str]
    private_subnet_ids: pulumi.Input[list[str]]
    nat_public_ips: pulumi.Output[list[str]]
    nat_gateway_count: int
    alb_security_group_id: pulumi.Input[str]
    test_listener_port: int
    log_retention_days: int
    partition: str
    region: str
    account_id: str
    """Where the function's network interfaces live: the ARNs its role is scoped to."""
    codedeploy_role_name: pulumi.Input[str] | None = None
    """CodeDeploy engine: the role that invokes the hook, which then reports to CodeDeploy.
    None under the ECS engine, where the function returns its verdict and ECS's
    infrastructure role invokes it."""


def function_timeout_seconds(hooks: HookSettings) -> int:
    """Long enough for every attempt of every check, within Lambda's 900 s."""
    per_check = hooks.attempts * (hooks.request_timeout_seconds + RETRY_DELAY_SECONDS)
    return min(900, 30 + per_check * len(hooks.checks))


def _code(project_dir: Path) -> pulumi.AssetArchive:
    """The handler's .py files only, by name: no __pycache__ to change the code hash."""
    source = project_dir / HOOK_SOURCE
    return pulumi.AssetArchive(
        {path.name: pulumi.FileAsset(f"{HOOK_SOURCE}/{path.name}") for path in sorted(source.glob("*.py"))}
    )


class SmokeTestHook(pulumi.ComponentResource):
    function_arn: pulumi.Output[str]
    hook_arns: pulumi.Output[dict[str, str]]
    """ECS hook name -> function ARN, for the AppSpec."""

    def __init__(self, name: str, args: SmokeTestHookArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("bluegreen:lambda:SmokeTestHook", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        function_name = f"{args.name_prefix}-smoke-test"

        log_group = aws.cloudwatch.LogGroup(
            f"{name}-hook-logs",
            name=f"/aws/lambda/{function_name}",
            retention_in_days=args.log_retention_days,
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-hook",
            assume_role_policy=json.dumps(assume_role_policy("lambda.amazonaws.com")),
            description="Smoke-test hook: write logs, attach to the VPC (and report to CodeDeploy)",
            opts=child,
        )
        security_group = aws.ec2.SecurityGroup(
            f"{name}-hook",
            vpc_id=args.vpc_id,
            description="Smoke-test hook: outbound only",
            opts=child,
        )
        role_policy = aws.iam.RolePolicy(
            f"{name}-hook",
            role=role.id,
            policy=pulumi.Output.all(
                logs=log_group.arn,
                subnets=args.private_subnet_ids,
                group=security_group.arn,
            ).apply(
                lambda v: json.dumps(
                    _hook_policy(
                        v["logs"],
                        reports_to_codedeploy=args.codedeploy_role_name is not None,
                        attachment=vpc_attachment_statements(
                            partition=args.partition,
                            region=args.region,
                            account_id=args.account_id,
                            subnet_ids=list(v["subnets"]),
                            security_group_arns=[v["group"]],
                        ),
                    )
                )
            ),
            opts=child,
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-hook-egress",
            security_group_id=security_group.id,
            ip_protocol="-1",
            cidr_ipv4="0.0.0.0/0",
            description="the test listener (through NAT) and, under CodeDeploy, its API",
            opts=child,
        )
        for index in range(args.nat_gateway_count):
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-test-from-nat-{index + 1}",
                security_group_id=args.alb_security_group_id,
                ip_protocol="tcp",
                from_port=args.test_listener_port,
                to_port=args.test_listener_port,
                cidr_ipv4=args.nat_public_ips.apply(_host_cidr_at(index)),
                description="smoke-test hook through NAT",
                opts=child,
            )

        checks = [{"path": c.path, "expectStatus": c.expect_status} for c in args.hooks.checks]
        self.function = aws.lambda_.Function(
            f"{name}-smoke-test",
            name=function_name,
            role=role.arn,
            runtime="python3.12",
            handler="handler.handler",
            code=_code(args.project_dir),
            timeout=function_timeout_seconds(args.hooks),
            memory_size=128,
            environment={
                "variables": {
                    "TEST_URL": args.test_url,
                    "CHECKS": json.dumps(checks),
                    "ATTEMPTS": str(args.hooks.attempts),
                    "REQUEST_TIMEOUT_SECONDS": str(args.hooks.request_timeout_seconds),
                    "RETRY_DELAY_SECONDS": str(RETRY_DELAY_SECONDS),
                    "VERIFY_TLS": "true" if args.verify_tls else "false",
                    # ECS engine: answer IN_PROGRESS while green cannot be reached yet, at most
                    # this often, this far apart (the preview's worst case reads these).
                    "MAX_IN_PROGRESS": str(MAX_IN_PROGRESS),
                    "CALLBACK_DELAY_SECONDS": str(CALLBACK_DELAY_SECONDS),
                }
            },
            vpc_config={"subnet_ids": args.private_subnet_ids, "security_group_ids": [security_group.id]},
            # The log group exists first, so Lambda never creates one without retention; the
            # role's policy too: a function in a VPC is created only once its role may manage
            # network interfaces (CreateFunction fails otherwise), and the role's ARN alone
            # does not order the function after a separate RolePolicy.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_group, role_policy]),
        )
        self.invoke_permission: aws.iam.RolePolicy | None = None
        if args.codedeploy_role_name is None:
            self._finish(args)
            return
        self.invoke_permission = aws.iam.RolePolicy(
            f"{name}-invoke-hook",
            role=args.codedeploy_role_name,
            policy=self.function.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": arn}
                        ],
                    }
                )
            ),
            opts=child,
        )

        self._finish(args)

    def _finish(self, args: SmokeTestHookArgs) -> None:
        self.function_arn = self.function.arn
        self.hook_arns = self.function.arn.apply(
            lambda arn: {event: arn for event in args.hooks.lifecycle_events}
        )
        self.register_outputs({"function_arn": self.function_arn, "hook_arns": self.hook_arns})


def _host_cidr_at(index: int) -> Callable[[list[str]], str]:
    """The /32 CIDR of the ``index``-th address in a list of IPs (one per NAT gateway)."""

    def host_cidr(ips: list[str]) -> str:
        return f"{ips[index]}/32"

    return host_cidr


def _hook_policy(
    log_group_arn: str, *, reports_to_codedeploy: bool, attachment: list[dict[str, Any]]
) -> dict[str, Any]:
    """Logs, VPC attachment (``specs.iam.vpc_attachment_statements``) and, under CodeDeploy, the
    right to report the hook's verdict.

    The Service Authorization Reference lists no resource type for
    ``codedeploy:PutLifecycleEventHookExecutionStatus``: a statement naming the deployment
    group never matches, the report is denied and every release waits out the hook's hour.
    It is granted on ``*``; the call only accepts a hook execution id CodeDeploy handed this
    function.
    """
    report = (
        [
            {
                "Sid": "ReportHookStatus",
                "Effect": "Allow",
                "Action": "codedeploy:PutLifecycleEventHookExecutionStatus",
                "Resource": "*",
            }
        ]
        if reports_to_codedeploy
        else []
    )
    return {
        "Version": "2012-10-17",
        "Statement": [
            *report,
            {
                "Sid": "WriteLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{log_group_arn}:*",
            },
            # Lambda creates and removes the function's network interfaces in the VPC.
            *attachment,
        ],
    }
