"""Who delivers an Application Load Balancer's access logs, and the bucket policy that lets it.

Source: AWS, Elastic Load Balancing User Guide for Application Load Balancers, "Enable access
logs for your Application Load Balancer", step 2 "Attach a policy to your S3 bucket"
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html),
and the China regions' copy of that page (docs.amazonaws.cn). Regions available before August
2022 grant ``s3:PutObject`` to the region's Elastic Load Balancing account
(``arn:<partition>:iam::<elb-account-id>:root``); regions launched since then, and any region
missing from :data:`ELB_ACCOUNT_BY_REGION`, grant it to the log delivery service principal
``logdelivery.elasticloadbalancing.amazonaws.com``. Either way the grant covers exactly
``<bucket-arn>/<prefix>/AWSLogs/<account-id>/*``: the key ELB writes under. The bucket
allows SSE-S3 only (the page: "The only server-side encryption option that's supported is
Amazon S3-managed keys (SSE-S3)").

Standard library only: the policy pack may import specs.
"""

from __future__ import annotations

import re
from typing import Any

# Region -> Elastic Load Balancing account id, for the regions available before August 2022
# (AWS's table, cited above). Cross-checked against AWS CDK's and Terraform's copies.
ELB_ACCOUNT_BY_REGION: dict[str, str] = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-southeast-3": "589379963580",
    "ap-south-1": "718504428378",
    "ap-northeast-3": "383597477331",
    "ap-northeast-2": "600734575887",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-northeast-1": "582318560864",
    "ca-central-1": "985666609251",
    "eu-central-1": "054676820928",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-south-1": "635631232127",
    "eu-west-3": "009996457667",
    "eu-north-1": "897822967062",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
    "us-gov-west-1": "048591011584",
    "us-gov-east-1": "190560391635",
    "cn-north-1": "638102146993",
    "cn-northwest-1": "037604701340",
}

LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"
"""The principal of regions launched in August 2022 or later."""

ACCESS_LOG_PREFIX = "alb"
"""Where under the bucket the ALB writes (``<prefix>/AWSLogs/<account>/...``); not ``AWSLogs``."""

_PREFIX = re.compile(r"^[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)*$")


def log_delivery_principal(region: str, partition: str) -> dict[str, str]:
    """The ``Principal`` that delivers ALB access logs in ``region``."""
    account = ELB_ACCOUNT_BY_REGION.get(region)
    if account is not None:
        return {"AWS": f"arn:{partition}:iam::{account}:root"}
    return {"Service": LOG_DELIVERY_SERVICE}


def access_log_object_arn(bucket_arn: str, prefix: str, account_id: str) -> str:
    """The objects ELB writes: ``<bucket-arn>/<prefix>/AWSLogs/<account-id>/*``."""
    if not _PREFIX.match(prefix) or "AWSLogs" in prefix:
        raise ValueError(f"access log prefix {prefix!r}: lowercase path segments, never 'AWSLogs'")
    return f"{bucket_arn}/{prefix}/AWSLogs/{account_id}/*"


def access_log_bucket_policy(
    *, bucket_arn: str, prefix: str, account_id: str, region: str, partition: str
) -> dict[str, Any]:
    """TLS only for everyone (S3.5); ELB's log delivery may put objects under its prefix, nothing else."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Sid": "ElbAccessLogDelivery",
                "Effect": "Allow",
                "Principal": log_delivery_principal(region, partition),
                "Action": "s3:PutObject",
                "Resource": access_log_object_arn(bucket_arn, prefix, account_id),
            },
        ],
    }


def access_log_bucket_name(prefix: str, account_id: str, region: str) -> str:
    """A globally unique, lowercase bucket name (3-63 characters) for one stack's ALB logs."""
    name = f"{prefix.lower()}-alb-logs-{account_id}-{region}"
    if len(name) > 63:
        raise ValueError(f"bucket name {name!r} is longer than S3's 63 characters")
    return name
