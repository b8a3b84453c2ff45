"""The edge and the security baseline under mocks: domain and certificate, access logs, WAF,
flow logs, the default security group, the read-only root filesystem, and their config errors."""

from __future__ import annotations

import json

import pytest

from preview.engine import fake_zone_id
from specs.elb_log_delivery import LOG_DELIVERY_SERVICE
from specs.iam import ECS_EXEC_ACTIONS
from stack_config.errors import ConfigError
from tests.program.harness import ACCOUNT, ProgramRun, Recorded, run_stack, run_stack_expecting_error

DOMAIN = {"name": "app.example.com", "zoneName": "example.com"}
ZONE_ID = "Z0123456789ABCDEFGHIJ"


@pytest.fixture(scope="module")
def prod_domain() -> ProgramRun:
    return run_stack("prod", {"domain": DOMAIN})


def _by_urn(run: ProgramRun, urn: str) -> Recorded:
    return run.by_urn(urn)


# --- domain ---------------------------------------------------------------------------------------


def test_certificate_is_validated_by_dns_in_the_named_zone(prod_domain: ProgramRun) -> None:
    certificate = prod_domain.one("aws:acm/certificate:Certificate")
    assert certificate.inputs["domainName"] == "app.example.com"
    assert certificate.inputs["validationMethod"] == "DNS"
    option = certificate.outputs["domainValidationOptions"][0]
    record = prod_domain.one("aws:route53/record:Record", "cert-validation")
    assert record.inputs["zoneId"] == fake_zone_id("example.com")
    assert (record.inputs["name"], record.inputs["type"], record.inputs["records"]) == (
        option["resourceRecordName"],
        option["resourceRecordType"],
        [option["resourceRecordValue"]],
    )
    validation = prod_domain.one("aws:acm/certificateValidation:CertificateValidation")
    assert validation.inputs["certificateArn"] == certificate.outputs["arn"]
    assert validation.inputs["validationRecordFqdns"] == [record.outputs["fqdn"]]
    assert record.urn in validation.depends_on
    assert "aws:route53/getZone:getZone" in prod_domain.calls


def test_https_listeners_serve_the_validated_certificate(prod_domain: ProgramRun) -> None:
    validation = prod_domain.one("aws:acm/certificateValidation:CertificateValidation")
    for suffix, port in (("-prod", 443), ("-test", 9000)):
        listener = prod_domain.one("aws:lb/listener:Listener", suffix)
        assert (listener.inputs["protocol"], listener.inputs["port"]) == ("HTTPS", port)
        assert listener.inputs["certificateArn"] == validation.outputs["certificateArn"]
        # The listener waits for the validation, not just the certificate request.
        assert validation.urn in listener.depends_on
    redirect = prod_domain.one("aws:lb/listener:Listener", "-redirect")
    assert redirect.inputs["port"] == 80
    assert redirect.inputs["defaultActions"][0]["redirect"]["protocol"] == "HTTPS"


def test_alias_points_the_name_at_the_alb_and_urls_name_the_domain(prod_domain: ProgramRun) -> None:
    alias = prod_domain.one("aws:route53/record:Record", "-alias")
    alb = prod_domain.one("aws:lb/loadBalancer:LoadBalancer")
    assert (alias.inputs["name"], alias.inputs["type"], alias.inputs["zoneId"]) == (
        "app.example.com",
        "A",
        fake_zone_id("example.com"),
    )
    assert alias.inputs["aliases"] == [
        {"name": alb.outputs["dnsName"], "zoneId": alb.outputs["zoneId"], "evaluateTargetHealth": True}
    ]
    assert prod_domain.exports["serviceUrl"] == "https://app.example.com"
    assert prod_domain.exports["testUrl"] == "https://app.example.com:9000"


def test_zone_by_id_is_looked_up_and_used_as_given() -> None:
    run = run_stack("dev", {"domain": {"name": "api.example.org", "zoneId": ZONE_ID}})
    records = run.of_type("aws:route53/record:Record")
    assert {r.inputs["zoneId"] for r in records} == {ZONE_ID} and len(records) == 2
    assert run.exports["serviceUrl"] == "https://api.example.org"


def test_without_a_domain_nothing_of_it_is_declared(dev: ProgramRun, prod: ProgramRun) -> None:
    for run in (dev, prod):
        assert run.of_type("aws:acm/certificate:Certificate") == []
        assert run.of_type("aws:route53/record:Record") == []
        assert "aws:route53/getZone:getZone" not in run.calls
    assert dev.exports["serviceUrl"].startswith("http://my-app-dev-alb-")


# --- access logs ----------------------------------------------------------------------------------


def test_access_log_bucket_is_private_encrypted_and_expires(prod: ProgramRun) -> None:
    bucket = prod.one("aws:s3/bucket:Bucket")
    assert bucket.inputs["bucket"] == f"my-app-prod-alb-logs-{ACCOUNT}-us-east-1"
    assert bucket.inputs["forceDestroy"] is False  # prod keeps its logs (deletionProtection)
    block = prod.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(
        block.inputs[k] is True
        for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    ownership = prod.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    encryption = prod.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    assert encryption.inputs["rules"] == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
    lifecycle = prod.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    assert lifecycle.inputs["rules"][0]["expiration"] == {"days": 365}
    assert lifecycle.inputs["rules"][0]["filter"] == {"prefix": "alb/"}
    for child in (block, ownership, encryption, lifecycle):
        assert child.inputs["bucket"] == bucket.id


@pytest.mark.parametrize(
    ("region", "principal"),
    [
        ("us-east-1", {"AWS": "arn:aws:iam::127311923021:root"}),
        ("ap-northeast-2", {"AWS": "arn:aws:iam::600734575887:root"}),
    ],
)
def test_bucket_policy_admits_exactly_the_regions_log_delivery(region: str, principal: dict) -> None:
    run = run_stack("prod", {"aws:region": region})
    bucket = run.one("aws:s3/bucket:Bucket")
    policy = json.loads(run.one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    arn = bucket.outputs["arn"]
    assert policy["Statement"] == [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn, f"{arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "ElbAccessLogDelivery",
            "Effect": "Allow",
            "Principal": principal,
            "Action": "s3:PutObject",
            "Resource": f"{arn}/alb/AWSLogs/{ACCOUNT}/*",
        },
    ]
    assert "aws:index/getCallerIdentity:getCallerIdentity" in run.calls
    assert LOG_DELIVERY_SERVICE not in json.dumps(policy)


def test_alb_writes_its_logs_there_only_after_the_bucket_policy(prod: ProgramRun) -> None:
    alb = prod.one("aws:lb/loadBalancer:LoadBalancer")
    bucket = prod.one("aws:s3/bucket:Bucket")
    assert alb.inputs["accessLogs"] == {"bucket": bucket.outputs["bucket"], "prefix": "alb", "enabled": True}
    policy = prod.one("aws:s3/bucketPolicy:BucketPolicy")
    encryption = prod.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    assert {policy.urn, encryption.urn} <= set(alb.depends_on)


def test_access_logs_off_declares_no_bucket() -> None:
    run = run_stack("dev", {"loadBalancer": {"accessLogs": {"enabled": False}}})
    assert run.of_type("aws:s3/bucket:Bucket") == []
    assert "accessLogs" not in run.one("aws:lb/loadBalancer:LoadBalancer").inputs


# --- WAF ------------------------------------------------------------------------------------------


def test_prod_web_acl_blocks_with_managed_rules_and_a_rate_limit(prod: ProgramRun) -> None:
    acl = prod.one("aws:wafv2/webAcl:WebAcl")
    assert acl.inputs["scope"] == "REGIONAL" and acl.inputs["defaultAction"] == {"allow": {}}
    rules = {rule["name"]: rule for rule in acl.inputs["rules"]}
    assert list(rules) == [
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "RateLimitPerIp",
    ]
    for name in list(rules)[:3]:
        assert rules[name]["overrideAction"] == {"none": {}}
        assert rules[name]["statement"]["managedRuleGroupStatement"] == {"name": name, "vendorName": "AWS"}
    assert rules["RateLimitPerIp"]["action"] == {"block": {}}
    assert rules["RateLimitPerIp"]["statement"]["rateBasedStatement"] == {
        "limit": 2000,
        "aggregateKeyType": "IP",
        "evaluationWindowSec": 300,
    }
    association = prod.one("aws:wafv2/webAclAssociation:WebAclAssociation")
    alb = prod.one("aws:lb/loadBalancer:LoadBalancer")
    assert (association.inputs["resourceArn"], association.inputs["webAclArn"]) == (
        alb.outputs["arn"],
        acl.outputs["arn"],
    )


def test_count_mode_only_counts() -> None:
    run = run_stack("dev", {"loadBalancer": {"waf": {"enabled": True, "mode": "count", "rateLimit": 100}}})
    rules = run.one("aws:wafv2/webAcl:WebAcl").inputs["rules"]
    assert [r.get("overrideAction") or r.get("action") for r in rules] == [{"count": {}}] * 4
    assert rules[-1]["statement"]["rateBasedStatement"]["limit"] == 100


def test_dev_has_no_web_acl(dev: ProgramRun) -> None:
    assert dev.of_type("aws:wafv2/webAcl:WebAcl") == []


# --- network baseline -------------------------------------------------------------------------------


def test_default_security_group_is_kept_without_rules(each_stack: ProgramRun) -> None:
    group = each_stack.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert group.inputs["vpcId"] == each_stack.one("aws:ec2/vpc:Vpc").id
    assert not group.inputs.get("ingress") and not group.inputs.get("egress")


def test_prod_flow_logs_go_to_a_log_group_with_retention(prod: ProgramRun) -> None:
    flow = prod.one("aws:ec2/flowLog:FlowLog")
    group = prod.one("aws:cloudwatch/logGroup:LogGroup", "flow-logs")
    role = prod.one("aws:iam/role:Role", "flow-logs-role")
    assert group.inputs["retentionInDays"] == 365
    assert (flow.inputs["vpcId"], flow.inputs["logDestination"], flow.inputs["iamRoleArn"]) == (
        prod.one("aws:ec2/vpc:Vpc").id,
        group.outputs["arn"],
        role.outputs["arn"],
    )
    assert (flow.inputs["trafficType"], flow.inputs["logDestinationType"]) == ("ALL", "cloud-watch-logs")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    policy = json.loads(prod.one("aws:iam/rolePolicy:RolePolicy", "flow-logs-role").inputs["policy"])
    (statement,) = policy["Statement"]
    assert statement["Resource"] == [group.outputs["arn"], f"{group.outputs['arn']}:*"]
    assert prod.one("aws:iam/rolePolicy:RolePolicy", "flow-logs-role").urn in flow.depends_on


def test_existing_vpc_gets_no_flow_logs_or_default_group() -> None:
    network = {
        "vpcId": "vpc-0abc",
        "publicSubnetIds": ["subnet-1", "subnet-2"],
        "privateSubnetIds": ["subnet-3", "subnet-4"],
    }
    run = run_stack("dev", {"network": network})
    assert run.of_type("aws:ec2/flowLog:FlowLog") == []
    assert run.of_type("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup") == []


# --- container ------------------------------------------------------------------------------------


def test_root_filesystem_is_read_only_with_a_scratch_tmp(each_stack: ProgramRun) -> None:
    task = each_stack.one("aws:ecs/taskDefinition:TaskDefinition")
    (container,) = json.loads(task.inputs["containerDefinitions"])
    assert container["readonlyRootFilesystem"] is True
    assert container["mountPoints"] == [
        {"sourceVolume": "scratch-tmp", "containerPath": "/tmp", "readOnly": False}
    ]
    assert task.inputs["volumes"] == [{"name": "scratch-tmp"}]


def test_no_role_grants_on_star_what_aws_lets_you_scope(prod: ProgramRun) -> None:
    """Only actions without resource types (SAR) may be granted on "*"."""
    unscopable = {
        "ecr:GetAuthorizationToken",
        "codedeploy:PutLifecycleEventHookExecutionStatus",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
        *ECS_EXEC_ACTIONS,
    }
    for policy in prod.of_type("aws:iam/rolePolicy:RolePolicy"):
        for statement in json.loads(policy.inputs["policy"])["Statement"]:
            resources = (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            if "*" in resources:
                actions = (
                    statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                )
                assert set(actions) <= unscopable, (policy.name, statement)


# --- config errors, before anything is created --------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "fragments"),
    [
        (
            {"domain": {"name": "app_example.com", "zoneName": "example.com"}},
            ["domain.name", "app_example.com"],
        ),
        ({"domain": {"name": "localhost", "zoneName": "example.com"}}, ["domain.name", "two labels"]),
        (
            {"domain": {"name": "app.example.com", "zoneName": "example.org"}},
            ["domain.zoneName", "does not contain"],
        ),
        ({"domain": {"name": "app.example.com"}}, ["domain.zoneId", "exactly one of zoneId and zoneName"]),
        ({"domain": {"zoneName": "example.com"}}, ["domain.zoneName", "name is not"]),
        (
            {"domain": {"name": "app.example.com", "zoneId": "zone-1"}},
            ["domain.zoneId", "'zone-1'", "hosted zone id"],
        ),
        (
            {
                "domain": DOMAIN,
                "loadBalancer": {"certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc"},
            },
            ["loadBalancer.certificateArn", "keep one"],
        ),
        (
            {"network": {"flowLogs": {"enabled": True, "retentionDays": 45}}},
            ["network.flowLogs.retentionDays", "45", "3653"],
        ),
        (
            {"loadBalancer": {"accessLogs": {"enabled": True, "expirationDays": 0}}},
            ["loadBalancer.accessLogs.expirationDays", "0"],
        ),
        (
            {"loadBalancer": {"waf": {"enabled": True, "rateLimit": 5}}},
            ["loadBalancer.waf.rateLimit", "5", "10"],
        ),
        (
            {"loadBalancer": {"waf": {"enabled": True, "mode": "monitor"}}},
            ["loadBalancer.waf.mode", "'block'", "'count'"],
        ),
        ({"container": {"scratchPaths": ["tmp"]}}, ["container.scratchPaths", "'tmp'"]),
        (
            {
                "network": {
                    "vpcId": "vpc-1",
                    "publicSubnetIds": ["subnet-1", "subnet-2"],
                    "privateSubnetIds": ["subnet-3", "subnet-4"],
                    "flowLogs": {"enabled": True},
                }
            },
            ["network.flowLogs.enabled", "existing VPC"],
        ),
    ],
)
def test_bad_edge_settings_fail_before_any_resource(overrides: dict, fragments: list[str]) -> None:
    error, registered = run_stack_expecting_error("prod", overrides)
    assert isinstance(error, ConfigError), error
    assert any(all(f in problem for f in fragments) for problem in error.problems), error.problems
    assert [r for r in registered if r.type.startswith("aws:") and r.custom] == []


def test_a_zone_id_whose_zone_does_not_hold_the_name_fails_after_the_lookup(monkeypatch) -> None:
    """By id, the zone's name comes from Route 53: checked right after the lookup, before any resource."""
    from preview import engine

    original = engine.FakeAws.__init__

    def with_zone(self, region, domain_name=None, zones=None):  # type: ignore[no-untyped-def]
        original(self, region, domain_name, {ZONE_ID: "other.net"})

    monkeypatch.setattr(engine.FakeAws, "__init__", with_zone)
    error, registered = run_stack_expecting_error(
        "prod", {"domain": {"name": "app.example.com", "zoneId": ZONE_ID}}
    )
    assert isinstance(error, ConfigError)
    assert error.problems == [
        f"domain.zoneId: '{ZONE_ID}' names the hosted zone 'other.net'; hosted zone 'other.net' does not "
        "contain 'app.example.com': the certificate's validation record and the alias record must be in the "
        "zone of the name or one of its parents"
    ]
    assert [r for r in registered if r.type.startswith("aws:") and r.custom] == []
