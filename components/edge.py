"""The edge in front of the ALB: a DNS name with its certificate, access logs, and a web ACL.

- ``DomainCertificate``: an ACM certificate for ``domain.name``, its DNS validation record in
  the hosted zone, and the validation that waits until ACM has issued it. Listeners take the
  validated ARN, so they are created only once the certificate can be served.
- ``AccessLogBucket``: the S3 bucket the ALB writes its access logs to (FSBP ELB.5): SSE-S3
  (the only encryption ALB log delivery supports), public access blocked, ACLs disabled, a
  lifecycle expiry, and a policy that denies plain HTTP and lets exactly the region's ELB log
  delivery principal put objects under the ALB's prefix (specs/elb_log_delivery.py).
- ``WebFirewall``: a REGIONAL WAF web ACL (AWS managed rule groups and a per-IP rate rule,
  specs/waf.py) associated with the ALB.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from specs.elb_log_delivery import ACCESS_LOG_PREFIX, access_log_bucket_name, access_log_bucket_policy
from specs.waf import web_acl_rules, web_acl_visibility
from stack_config.model import AccessLogSettings, WafSettings


@dataclass
class DomainCertificateArgs:
    domain_name: str
    zone_id: str
    """The Route 53 hosted zone that holds the name (looked up or given before anything is created)."""


class DomainCertificate(pulumi.ComponentResource):
    certificate_arn: pulumi.Output[str]
    """The certificate's ARN once ACM has validated it (from the validation resource)."""

    def __init__(self, name: str, args: DomainCertificateArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("bluegreen:edge:DomainCertificate", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.certificate = aws.acm.Certificate(
            f"{name}-cert",
            domain_name=args.domain_name,
            validation_method="DNS",
            opts=child,
        )
        # One name, so one validation option: a static resource, not one per option in an apply.
        option = self.certificate.domain_validation_options[0]
        self.validation_record = aws.route53.Record(
            f"{name}-cert-validation",
            zone_id=args.zone_id,
            name=option.resource_record_name,
            type=option.resource_record_type,
            records=[option.resource_record_value],
            ttl=60,
            # A certificate for the same name (another stack, a re-created one) has the same record.
            allow_overwrite=True,
            opts=child,
        )
        self.validation = aws.acm.CertificateValidation(
            f"{name}-cert-validated",
            certificate_arn=self.certificate.arn,
            validation_record_fqdns=[self.validation_record.fqdn],
            opts=child,
        )
        self.certificate_arn = self.validation.certificate_arn
        self.register_outputs({"certificate_arn": self.certificate_arn})


@dataclass
class AccessLogBucketArgs:
    access_logs: AccessLogSettings
    name_prefix: str
    account_id: str
    region: str
    partition: str
    force_destroy: bool
    """Empty the bucket on destroy (dev); prod keeps its logs unless emptied by hand."""


class AccessLogBucket(pulumi.ComponentResource):
    bucket_name: pulumi.Output[str]
    prefix: str
    ready: list[pulumi.Resource]
    """What must exist before the ALB may write: ELB checks it can deliver when logs are enabled."""

    def __init__(self, name: str, args: AccessLogBucketArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("bluegreen:edge:AccessLogBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.prefix = ACCESS_LOG_PREFIX
        self.bucket = aws.s3.Bucket(
            f"{name}-alb-logs",
            bucket=access_log_bucket_name(args.name_prefix, args.account_id, args.region),
            force_destroy=args.force_destroy,
            opts=child,
        )
        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-alb-logs",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        ownership = aws.s3.BucketOwnershipControls(
            f"{name}-alb-logs",
            bucket=self.bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},  # ACLs disabled
            opts=child,
        )
        encryption = aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-alb-logs",
            bucket=self.bucket.id,
            # ALB log delivery supports SSE-S3 only; a KMS key here silently stops delivery.
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
            opts=child,
        )
        lifecycle = aws.s3.BucketLifecycleConfiguration(
            f"{name}-alb-logs",
            bucket=self.bucket.id,
            rules=[
                {
                    "id": "expire-access-logs",
                    "status": "Enabled",
                    "filter": {"prefix": f"{self.prefix}/"},
                    "expiration": {"days": args.access_logs.expiration_days},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 1},
                }
            ],
            opts=child,
        )
        self.policy = aws.s3.BucketPolicy(
            f"{name}-alb-logs",
            bucket=self.bucket.id,
            policy=self.bucket.arn.apply(
                lambda arn: json.dumps(
                    access_log_bucket_policy(
                        bucket_arn=arn,
                        prefix=self.prefix,
                        account_id=args.account_id,
                        region=args.region,
                        partition=args.partition,
                    )
                )
            ),
            # S3 rejects a policy while Block Public Access settings are being changed.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access, ownership]),
        )
        self.ready = [self.policy, encryption, lifecycle]
        self.bucket_name = self.bucket.bucket
        self.register_outputs({"bucket_name": self.bucket_name})


@dataclass
class WebFirewallArgs:
    waf: WafSettings
    name_prefix: str
    load_balancer_arn: pulumi.Input[str]


class WebFirewall(pulumi.ComponentResource):
    web_acl_arn: pulumi.Output[str]

    def __init__(self, name: str, args: WebFirewallArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("bluegreen:edge:WebFirewall", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        acl_name = f"{args.name_prefix}-web"
        # specs/waf.py builds the rules as plain data (snake_case, as the provider takes them).
        rules: list[Any] = web_acl_rules(rate_limit=args.waf.rate_limit, mode=args.waf.mode)
        visibility: Any = web_acl_visibility(acl_name)
        self.web_acl = aws.wafv2.WebAcl(
            f"{name}-web",
            name=acl_name,
            scope="REGIONAL",
            # EntityDescription allows letters, digits, spaces and +=:#@/-,. only (no parentheses).
            description=(
                f"{args.name_prefix} ALB: AWS managed rules and a per-IP rate limit, mode {args.waf.mode}"
            ),
            default_action=aws.wafv2.WebAclDefaultActionArgs(allow=aws.wafv2.WebAclDefaultActionAllowArgs()),
            rules=rules,
            visibility_config=visibility,
            opts=child,
        )
        self.association = aws.wafv2.WebAclAssociation(
            f"{name}-web",
            resource_arn=args.load_balancer_arn,
            web_acl_arn=self.web_acl.arn,
            opts=child,
        )
        self.web_acl_arn = self.web_acl.arn
        self.register_outputs({"web_acl_arn": self.web_acl_arn})
