"""Every rule of the settings models, seen as a user sees it: one line of a ConfigError."""

from __future__ import annotations

import pytest

from stack_config.errors import ConfigError
from stack_config.model import DeploymentSettings, LoadBalancerSettings

from .support import DIGEST, ECR_IMAGE, load, problems

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-0123456789ab"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"
PARAMETER = "arn:aws:ssm:us-east-1:123456789012:parameter/my-app/api-key"
PREBUILT = {"image": {"uri": ECR_IMAGE}, "container": {"healthCheck": {"command": []}}}


def only_problem(sections: dict, **kwargs) -> str:
    lines = problems(sections, **kwargs)
    assert len(lines) == 1, lines
    return lines[0]


def case(sections, path, value, allowed, case_id):
    return pytest.param(sections, path, value, allowed, id=case_id)


REJECTED = [
    # deployment
    case(
        {"deployment": {"strategy": "blue-green"}},
        "deployment.strategy",
        "'blue-green'",
        "'canary', 'linear' or 'all-at-once'",
        "strategy-unknown",
    ),
    case(
        {"deployment": {"strategy": "Canary"}},
        "deployment.strategy",
        "'Canary'",
        "'canary', 'linear' or 'all-at-once'",
        "strategy-case",
    ),
    case(
        {"deployment": {"percentage": 0}},
        "deployment.percentage",
        "got 0",
        "greater than or equal to 1",
        "percentage-0",
    ),
    case(
        {"deployment": {"percentage": 100}},
        "deployment.percentage",
        "got 100",
        "less than or equal to 99",
        "percentage-100",
    ),
    case(
        {"deployment": {"intervalMinutes": 0}},
        "deployment.intervalMinutes",
        "got 0",
        "greater than or equal to 1",
        "interval-0",
    ),
    case(
        {"deployment": {"terminationWaitMinutes": 2881}},
        "deployment.terminationWaitMinutes",
        "got 2881",
        "less than or equal to 2880",
        "termination-wait-2881",
    ),
    case(
        {"deployment": {"readyWaitMinutes": 2881}},
        "deployment.readyWaitMinutes",
        "2881",
        "exceeds CodeDeploy's ready wait limit of 2880 minutes (controller ecs pauses up to 20160)",
        "ready-wait-2881",
    ),
    case(
        {"deployment": {"readyWaitMinutes": -1}},
        "deployment.readyWaitMinutes",
        "got -1",
        "greater than or equal to 0",
        "ready-wait-negative",
    ),
    case(
        {"deployment": {"readyWaitMinutes": 10, "readyWaitTimeoutAction": "continue"}},
        "deployment.readyWaitTimeoutAction",
        "'continue'",
        "is for controller ecs: CodeDeploy's ready wait stops the deployment when it runs out",
        "ready-wait-continue-under-codedeploy",
    ),
    case(
        {"deployment": {"readyWaitTimeoutAction": "stop"}},
        "deployment.readyWaitTimeoutAction",
        "'stop'",
        "'rollback' or 'continue'",
        "ready-wait-action-unknown",
    ),
    case(
        {"deployment": {"strategy": "all-at-once", "percentage": 50}},
        "deployment.percentage",
        "50",
        "not used by strategy 'all-at-once'",
        "all-at-once-with-percentage",
    ),
    case(
        {"deployment": {"strategy": "all-at-once", "intervalMinutes": 3}},
        "deployment.intervalMinutes",
        "3",
        "remove it or choose canary or linear",
        "all-at-once-with-interval",
    ),
    # task
    case(
        {"task": {"cpu": 300, "memory": 512}},
        "task.cpu",
        "300",
        "allowed: 256, 512, 1024, 2048, 4096, 8192, 16384",
        "cpu-not-fargate",
    ),
    case(
        {"task": {"cpu": 1024, "memory": 1024}},
        "task.memory",
        "1024 MiB",
        "allowed: 2048-8192 in steps of 1024",
        "memory-below-range",
    ),
    case(
        {"task": {"cpu": 256, "memory": 4096}},
        "task.memory",
        "4096 MiB",
        "allowed: 512, 1024, 2048",
        "memory-above-256-range",
    ),
    case(
        {"task": {"cpu": 8192, "memory": 17408}},
        "task.memory",
        "17408 MiB",
        "16384-61440 in steps of 4096",
        "memory-off-step",
    ),
    case(
        {"task": {"stopTimeoutSeconds": 121}},
        "task.stopTimeoutSeconds",
        "got 121",
        "less than or equal to 120",
        "stop-timeout-121",
    ),
    case(
        {"task": {"cpuArchitecture": "arm64"}},
        "task.cpuArchitecture",
        "'arm64'",
        "'X86_64' or 'ARM64'",
        "architecture-case",
    ),
    # target group health check
    case(
        {"healthCheck": {"intervalSeconds": 4, "timeoutSeconds": 2}},
        "healthCheck.intervalSeconds",
        "got 4",
        "greater than or equal to 5",
        "tg-interval-4",
    ),
    case(
        {"healthCheck": {"intervalSeconds": 301}},
        "healthCheck.intervalSeconds",
        "got 301",
        "less than or equal to 300",
        "tg-interval-301",
    ),
    case(
        {"healthCheck": {"timeoutSeconds": 1}},
        "healthCheck.timeoutSeconds",
        "got 1",
        "greater than or equal to 2",
        "tg-timeout-1",
    ),
    case(
        {"healthCheck": {"intervalSeconds": 300, "timeoutSeconds": 121}},
        "healthCheck.timeoutSeconds",
        "got 121",
        "less than or equal to 120",
        "tg-timeout-121",
    ),
    case(
        {"healthCheck": {"healthyThreshold": 1}},
        "healthCheck.healthyThreshold",
        "got 1",
        "greater than or equal to 2",
        "healthy-threshold-1",
    ),
    case(
        {"healthCheck": {"healthyThreshold": 11}},
        "healthCheck.healthyThreshold",
        "got 11",
        "less than or equal to 10",
        "healthy-threshold-11",
    ),
    case(
        {"healthCheck": {"unhealthyThreshold": 1}},
        "healthCheck.unhealthyThreshold",
        "got 1",
        "greater than or equal to 2",
        "unhealthy-threshold-1",
    ),
    case(
        {"healthCheck": {"unhealthyThreshold": 11}},
        "healthCheck.unhealthyThreshold",
        "got 11",
        "less than or equal to 10",
        "unhealthy-threshold-11",
    ),
    case(
        {"healthCheck": {"intervalSeconds": 10, "timeoutSeconds": 10}},
        "healthCheck.timeoutSeconds",
        "10",
        "less than intervalSeconds (10)",
        "tg-timeout-equals-interval",
    ),
    case(
        {"healthCheck": {"intervalSeconds": 5, "timeoutSeconds": 6}},
        "healthCheck.timeoutSeconds",
        "6",
        "less than intervalSeconds (5)",
        "tg-timeout-above-interval",
    ),
    case({"healthCheck": {"path": "health"}}, "healthCheck.path", "'health'", "pattern", "tg-path-no-slash"),
    case(
        {"healthCheck": {"successCodes": "2xx"}},
        "healthCheck.successCodes",
        "'2xx'",
        "200, 200-299 or 200,204",
        "success-codes",
    ),
    # container health check
    case(
        {"container": {"healthCheck": {"intervalSeconds": 4}}},
        "container.healthCheck.intervalSeconds",
        "got 4",
        "greater than or equal to 5",
        "container-interval-4",
    ),
    case(
        {"container": {"healthCheck": {"intervalSeconds": 301}}},
        "container.healthCheck.intervalSeconds",
        "got 301",
        "less than or equal to 300",
        "container-interval-301",
    ),
    case(
        {"container": {"healthCheck": {"timeoutSeconds": 1}}},
        "container.healthCheck.timeoutSeconds",
        "got 1",
        "greater than or equal to 2",
        "container-timeout-1",
    ),
    case(
        {"container": {"healthCheck": {"timeoutSeconds": 61}}},
        "container.healthCheck.timeoutSeconds",
        "got 61",
        "less than or equal to 60",
        "container-timeout-61",
    ),
    case(
        {"container": {"healthCheck": {"retries": 0}}},
        "container.healthCheck.retries",
        "got 0",
        "greater than or equal to 1",
        "container-retries-0",
    ),
    case(
        {"container": {"healthCheck": {"retries": 11}}},
        "container.healthCheck.retries",
        "got 11",
        "less than or equal to 10",
        "container-retries-11",
    ),
    case(
        {"container": {"healthCheck": {"startPeriodSeconds": -1}}},
        "container.healthCheck.startPeriodSeconds",
        "got -1",
        "greater than or equal to 0",
        "container-start-period-negative",
    ),
    case(
        {"container": {"healthCheck": {"startPeriodSeconds": 301}}},
        "container.healthCheck.startPeriodSeconds",
        "got 301",
        "less than or equal to 300",
        "container-start-period-301",
    ),
    case(
        {"container": {"healthCheck": {"command": ["python", "-m", "server.healthcheck"]}}},
        "container.healthCheck.command",
        "['python', '-m', 'server.healthcheck']",
        'must start with "CMD" or "CMD-SHELL", or be [] to disable the check',
        "container-command-form",
    ),
    # ports
    case({"container": {"port": 0}}, "container.port", "got 0", "greater than or equal to 1", "port-0"),
    case(
        {"container": {"port": 65536}},
        "container.port",
        "got 65536",
        "less than or equal to 65535",
        "port-65536",
    ),
    case(
        {"loadBalancer": {"testListenerPort": 80}},
        "loadBalancer.testListenerPort",
        "80",
        "choose another port than 80",
        "test-port-80-http",
    ),
    case(
        {"loadBalancer": {"testListenerPort": 80, "certificateArn": CERT}},
        "loadBalancer.testListenerPort",
        "80",
        "choose another port than 80, 443",
        "test-port-80-https",
    ),
    case(
        {"loadBalancer": {"testListenerPort": 443, "certificateArn": CERT}},
        "loadBalancer.testListenerPort",
        "443",
        "choose another port than 80, 443",
        "test-port-443-https",
    ),
    case(
        {"loadBalancer": {"testListenerPort": 0}},
        "loadBalancer.testListenerPort",
        "got 0",
        "greater than or equal to 1",
        "test-port-0",
    ),
    case(
        {"loadBalancer": {"testListenerPort": 65536}},
        "loadBalancer.testListenerPort",
        "got 65536",
        "less than or equal to 65535",
        "test-port-65536",
    ),
    # load balancer
    case(
        {"loadBalancer": {"certificateArn": "arn:aws:iam::123456789012:server-certificate/x"}},
        "loadBalancer.certificateArn",
        "server-certificate",
        "must be an ACM certificate ARN",
        "cert-not-acm",
    ),
    case(
        {"loadBalancer": {"allowedCidrs": ["10.0.0.1/8"]}},
        "loadBalancer.allowedCidrs",
        "'10.0.0.1/8'",
        "is not a CIDR block",
        "allowed-cidr-host-bits",
    ),
    case(
        {"loadBalancer": {"testTrafficCidrs": ["office"]}},
        "loadBalancer.testTrafficCidrs",
        "'office'",
        "is not a CIDR block",
        "test-cidr-not-cidr",
    ),
    # image
    case(
        {"image": {"uri": "nginx:1.27"}, "container": {"healthCheck": {"command": []}}},
        "image.uri",
        "'nginx:1.27'",
        "must pin a digest",
        "uri-tag-only",
    ),
    case(
        {
            "image": {"uri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:abc"},
            "container": {"healthCheck": {"command": []}},
        },
        "image.uri",
        "sha256:abc'",
        "must pin a digest",
        "uri-short-digest",
    ),
    case(
        {"image": {"uri": ECR_IMAGE}},
        "container.healthCheck.command",
        "not set",
        "set a command that works in that image, or [] to rely on the target group health check",
        "uri-without-health-command",
    ),
    case(
        {"image": {"version": "-rc1"}}, "image.version", "'-rc1'", "must be a Docker tag", "version-not-a-tag"
    ),
    case({"image": {"version": "v" * 129}}, "image.version", "'vvv", "at most 128 characters", "version-129"),
    # environment and secrets
    case(
        {"container": {"environment": {"1BAD": "x"}}},
        "container.environment",
        "'1BAD'",
        "is not a valid environment variable name",
        "env-name-invalid",
    ),
    case(
        {"container": {"secrets": {"DB": "my-db-password"}}},
        "container.secrets",
        "'my-db-password'",
        "is not a Secrets Manager or SSM parameter ARN",
        "secret-plain-value",
    ),
    case(
        {"container": {"secrets": {"DB": "arn:aws:s3:::bucket/key"}}},
        "container.secrets",
        "'arn:aws:s3:::bucket/key'",
        "is not a Secrets Manager or SSM parameter ARN",
        "secret-s3-arn",
    ),
    case(
        {"container": {"secrets": {"DB": "arn:aws:secretsmanager:us-east-1:12345:secret:db"}}},
        "container.secrets",
        "12345:secret:db'",
        "is not a Secrets Manager or SSM parameter ARN",
        "secret-short-account",
    ),
    case(
        {"container": {"environment": {"DB": "local"}, "secrets": {"DB": SECRET}}},
        "container.secrets",
        "DB",
        "set both in environment and in secrets; keep one",
        "env-and-secret",
    ),
    case(
        {"container": {"logRetentionDays": 2}},
        "container.logRetentionDays",
        "got 2",
        "1, 3, 5, 7",
        "log-retention-2",
    ),
    case({"container": {"name": "-app"}}, "container.name", "'-app'", "pattern", "container-name"),
    # network
    case(
        {"network": {"vpcId": "vpc-1", "publicSubnetIds": ["subnet-a"], "privateSubnetIds": ["p1", "p2"]}},
        "network.publicSubnetIds",
        "['subnet-a']",
        "at least two subnets in different zones",
        "vpc-one-public-subnet",
    ),
    case(
        {"network": {"vpcId": "vpc-1", "publicSubnetIds": ["a", "b"]}},
        "network.privateSubnetIds",
        "[]",
        "at least two subnets in different zones",
        "vpc-no-private-subnets",
    ),
    case(
        {"network": {"publicSubnetIds": ["a", "b"], "privateSubnetIds": ["c", "d"]}},
        "network.vpcId",
        "is missing",
        "subnets need their vpcId",
        "subnets-without-vpc",
    ),
    case(
        {"network": {"availabilityZones": 2, "natGateways": 3}},
        "network.natGateways",
        "3",
        "exceeds availabilityZones (2); at most one per zone",
        "nat-above-zones",
    ),
    case(
        {"network": {"natGateways": 0}},
        "network.natGateways",
        "0 with vpcEndpoints false",
        "set natGateways >= 1 or vpcEndpoints: true",
        "no-egress",
    ),
    case(
        {"network": {"cidrBlock": "10.0.0.1/16"}},
        "network.cidrBlock",
        "'10.0.0.1/16'",
        "is not a CIDR block",
        "cidr-host-bits",
    ),
    case(
        {"network": {"cidrBlock": "ten-dot"}},
        "network.cidrBlock",
        "'ten-dot'",
        "is not a CIDR block",
        "cidr-garbage",
    ),
    case(
        {"network": {"cidrBlock": "10.0.0.0/15"}},
        "network.cidrBlock",
        "'10.0.0.0/15'",
        "from /16 to /23",
        "cidr-too-big",
    ),
    case(
        {"network": {"cidrBlock": "10.0.0.0/24"}},
        "network.cidrBlock",
        "'10.0.0.0/24'",
        "an ALB subnet needs at least a /27",
        "cidr-too-small",
    ),
    case(
        {"network": {"cidrBlock": "fd00::/56"}},
        "network.cidrBlock",
        "'fd00::/56'",
        "must be an IPv4 block",
        "cidr-ipv6",
    ),
    case(
        {"network": {"availabilityZones": 1}},
        "network.availabilityZones",
        "got 1",
        "greater than or equal to 2",
        "one-zone",
    ),
    # service and auto scaling
    case(
        {"service": {"autoScaling": {"minCapacity": 3, "maxCapacity": 2}}},
        "service.autoScaling.maxCapacity",
        "2",
        "below minCapacity (3)",
        "max-below-min",
    ),
    case(
        {
            "service": {
                "desiredCount": 1,
                "autoScaling": {"enabled": True, "minCapacity": 2, "maxCapacity": 6},
            }
        },
        "service.desiredCount",
        "1",
        "within autoScaling minCapacity..maxCapacity (2..6)",
        "desired-below-min",
    ),
    case(
        {
            "service": {
                "desiredCount": 7,
                "autoScaling": {"enabled": True, "minCapacity": 2, "maxCapacity": 6},
            }
        },
        "service.desiredCount",
        "7",
        "within autoScaling minCapacity..maxCapacity (2..6)",
        "desired-above-max",
    ),
    case(
        {"service": {"autoScaling": {"cpuTargetPercent": 95}}},
        "service.autoScaling.cpuTargetPercent",
        "got 95",
        "less than or equal to 90",
        "cpu-target-95",
    ),
    # registry and alarms
    case(
        {"registry": {"tagMutability": "mutable"}},
        "registry.tagMutability",
        "'mutable'",
        "'MUTABLE' or 'IMMUTABLE'",
        "mutability-case",
    ),
    case(
        {"registry": {"keepLastImages": 0}},
        "registry.keepLastImages",
        "got 0",
        "greater than or equal to 1",
        "keep-0-images",
    ),
    case(
        {"registry": {"kmsKeyArn": "alias/mine"}},
        "registry.kmsKeyArn",
        "'alias/mine'",
        "must be a KMS key or alias ARN",
        "kms-not-arn",
    ),
    case(
        {"alarms": {"emails": ["oncall"]}},
        "alarms.emails",
        "'oncall'",
        "is not an email address",
        "email-invalid",
    ),
    case(
        {"alarms": {"emails": ["a@example.com", "a@example.com"]}},
        "alarms.emails",
        "a@example.com",
        "lists an address twice",
        "email-twice",
    ),
    case(
        {"alarms": {"periodSeconds": 45}}, "alarms.periodSeconds", "got 45", "10, 30, 60", "alarm-period-45"
    ),
    # stack-wide
    case({"appName": "My_App"}, "appName", "'My_App'", "pattern", "app-name-chars"),
]


@pytest.mark.parametrize(("sections", "path", "value", "allowed"), REJECTED)
def test_bad_setting_is_one_line_naming_key_value_and_what_is_allowed(sections, path, value, allowed):
    line = only_problem(sections)
    assert line.startswith(f"{path}: "), line
    assert value in line, line
    assert allowed in line, line


@pytest.mark.parametrize("name", ["PORT", "APP_VERSION", "IMAGE_REF", "SHUTDOWN_TIMEOUT_SECONDS"])
@pytest.mark.parametrize("where", ["environment", "secrets"])
def test_reserved_environment_names_are_rejected(where, name):
    value = "x" if where == "environment" else SECRET
    line = only_problem({"container": {where: {name: value}}})
    assert line.startswith(f"container.{where}: ")
    assert f"{name!r} is set by the program itself" in line
    assert "reserved: PORT, APP_VERSION, IMAGE_REF, SHUTDOWN_TIMEOUT_SECONDS" in line


UNKNOWN_FIELDS = [
    pytest.param({"deployment": {"stratgy": "linear"}}, "deployment.stratgy", "strategy", id="deployment"),
    pytest.param({"image": {"tag": "v2"}}, "image.tag", "version", id="image"),
    pytest.param(
        {"registry": {"keepLastImage": 3}}, "registry.keepLastImage", "keepLastImages", id="registry"
    ),
    pytest.param({"container": {"prot": 80}}, "container.prot", "port", id="container"),
    pytest.param(
        {"container": {"healthCheck": {"intervalSecond": 10}}},
        "container.healthCheck.intervalSecond",
        "intervalSeconds",
        id="container.healthCheck",
    ),
    pytest.param({"task": {"memoryMiB": 1024}}, "task.memoryMiB", "memory", id="task"),
    pytest.param({"healthCheck": {"pathh": "/"}}, "healthCheck.pathh", "path", id="healthCheck"),
    pytest.param(
        {"loadBalancer": {"certificateARN": "x"}},
        "loadBalancer.certificateARN",
        "certificateArn",
        id="loadBalancer",
    ),
    pytest.param({"network": {"vpcID": "vpc-1"}}, "network.vpcID", "vpcId", id="network"),
    pytest.param(
        {"service": {"desiredCapacity": 2}}, "service.desiredCapacity", "desiredCount", id="service"
    ),
    pytest.param(
        {"service": {"autoScaling": {"enabld": True}}},
        "service.autoScaling.enabld",
        "enabled",
        id="service.autoScaling",
    ),
    pytest.param({"alarms": {"email": ["a@example.com"]}}, "alarms.email", "emails", id="alarms"),
]


@pytest.mark.parametrize(("sections", "path", "correct"), UNKNOWN_FIELDS)
def test_unknown_field_in_an_object_is_rejected_with_the_allowed_keys(sections, path, correct):
    line = only_problem(sections)
    assert line.startswith(f"{path}: unknown key (value "), line
    allowed = line.split("allowed keys: ", 1)[1].split(", ")
    assert correct in allowed
    assert path.rsplit(".", 1)[1] not in allowed


def test_unknown_field_lists_exactly_the_section_keys():
    assert only_problem({"deployment": {"stratgy": "linear"}}) == (
        "deployment.stratgy: unknown key (value 'linear'); allowed keys: controller, strategy, percentage, "
        "intervalMinutes, terminationWaitMinutes, readyWaitMinutes, readyWaitTimeoutAction"
    )


def test_typo_does_not_fall_back_to_the_default():
    """`stratgy: linear` must not silently deploy with the default canary."""
    with pytest.raises(ConfigError, match="stratgy"):
        load({"deployment": {"stratgy": "linear"}})


ACCEPTED = [
    pytest.param(
        {"deployment": {"percentage": 1}}, lambda s: s.deployment.percentage == 1, id="percentage-1"
    ),
    pytest.param(
        {"deployment": {"percentage": 99}}, lambda s: s.deployment.percentage == 99, id="percentage-99"
    ),
    pytest.param(
        {"deployment": {"intervalMinutes": 1}}, lambda s: s.deployment.interval_minutes == 1, id="interval-1"
    ),
    pytest.param(
        {"deployment": {"terminationWaitMinutes": 2880}, "release": {"timeoutMinutes": 3000}},
        lambda s: s.deployment.termination_wait_minutes == 2880,
        id="termination-wait-2880",
    ),
    pytest.param(
        # blue kept no time at all: only without alarms that roll back after the shift
        {"deployment": {"terminationWaitMinutes": 0}, "alarms": {"rollbackOnAlarm": False}},
        lambda s: s.deployment.termination_wait_minutes == 0,
        id="termination-wait-0",
    ),
    pytest.param(
        {"deployment": {"strategy": "all-at-once"}},
        lambda s: s.deployment.plan.predefined_name == "CodeDeployDefault.ECSAllAtOnce",
        id="all-at-once-alone",
    ),
    pytest.param(
        {"task": {"cpu": 16384, "memory": 122880}}, lambda s: s.task.memory == 122880, id="largest-task"
    ),
    pytest.param(
        {"task": {"stopTimeoutSeconds": 120}},
        lambda s: s.task.stop_timeout_seconds == 120,
        id="stop-timeout-120",
    ),
    pytest.param(
        {"healthCheck": {"intervalSeconds": 5, "timeoutSeconds": 4}},
        lambda s: (s.health_check.interval_seconds, s.health_check.timeout_seconds) == (5, 4),
        id="tg-interval-5-timeout-4",
    ),
    pytest.param(
        {"healthCheck": {"intervalSeconds": 300, "timeoutSeconds": 120}},
        lambda s: s.health_check.timeout_seconds == 120,
        id="tg-interval-300-timeout-120",
    ),
    pytest.param(
        {"healthCheck": {"intervalSeconds": 5, "timeoutSeconds": 2}},
        lambda s: s.health_check.timeout_seconds == 2,
        id="tg-timeout-2",
    ),
    pytest.param(
        {"healthCheck": {"healthyThreshold": 10, "unhealthyThreshold": 2}},
        lambda s: s.health_check.healthy_threshold == 10,
        id="thresholds-limits",
    ),
    pytest.param(
        {
            "container": {
                "healthCheck": {
                    "intervalSeconds": 5,
                    "timeoutSeconds": 60,
                    "retries": 10,
                    "startPeriodSeconds": 300,
                }
            }
        },
        lambda s: s.container.health_check.timeout_seconds == 60,
        id="container-check-limits",
    ),
    pytest.param({"container": {"port": 1}}, lambda s: s.container.port == 1, id="port-1"),
    pytest.param({"container": {"port": 65535}}, lambda s: s.container.port == 65535, id="port-65535"),
    pytest.param(
        {"loadBalancer": {"testListenerPort": 443}},
        lambda s: s.load_balancer.production_port == 80,
        id="test-port-443-http",
    ),
    pytest.param(
        {"loadBalancer": {"testListenerPort": 8443, "certificateArn": CERT}},
        lambda s: s.load_balancer.production_port == 443,
        id="test-port-8443-https",
    ),
    pytest.param(PREBUILT, lambda s: s.image.uri == ECR_IMAGE, id="uri-with-empty-command"),
    pytest.param(
        {
            "image": {"uri": f"localhost:5000/team/app:v1@{DIGEST}"},
            "container": {"healthCheck": {"command": ["CMD", "true"]}},
        },
        lambda s: s.container.health_check.command == ["CMD", "true"],
        id="uri-tag-and-digest",
    ),
    pytest.param(
        {"container": {"secrets": {"DB": SECRET, "KEY": PARAMETER}}},
        lambda s: s.container.secrets == {"DB": SECRET, "KEY": PARAMETER},
        id="secrets-arns",
    ),
    pytest.param(
        {
            "container": {
                "secrets": {
                    "DB": "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:db-AbCdEf:password::"
                }
            }
        },
        lambda s: "DB" in s.container.secrets,
        id="secret-china-json-key",
    ),
    pytest.param(
        {"network": {"vpcId": "vpc-1", "publicSubnetIds": ["a", "b"], "privateSubnetIds": ["c", "d"]}},
        lambda s: s.network.vpc_id == "vpc-1",
        id="existing-vpc",
    ),
    pytest.param(
        {"network": {"availabilityZones": 3, "natGateways": 3}},
        lambda s: s.network.nat_gateways == 3,
        id="nat-per-zone",
    ),
    pytest.param(
        {"network": {"natGateways": 0, "vpcEndpoints": True}},
        lambda s: s.network.nat_gateways == 0,
        id="endpoints-instead-of-nat",
    ),
    pytest.param(
        {"network": {"cidrBlock": "10.20.30.0/23"}},
        lambda s: s.network.cidr_block == "10.20.30.0/23",
        id="cidr-23",
    ),
    pytest.param(
        {"service": {"autoScaling": {"minCapacity": 3, "maxCapacity": 3}}},
        lambda s: s.service.auto_scaling.max_capacity == 3,
        id="max-equals-min",
    ),
    pytest.param(
        {
            "service": {
                "desiredCount": 2,
                "autoScaling": {"enabled": True, "minCapacity": 2, "maxCapacity": 6},
            }
        },
        lambda s: s.service.desired_count == 2,
        id="desired-equals-min",
    ),
    pytest.param(
        {
            "service": {
                "desiredCount": 6,
                "autoScaling": {"enabled": True, "minCapacity": 2, "maxCapacity": 6},
            }
        },
        lambda s: s.service.desired_count == 6,
        id="desired-equals-max",
    ),
    pytest.param(
        {
            "service": {
                "desiredCount": 9,
                "autoScaling": {"enabled": False, "minCapacity": 2, "maxCapacity": 6},
            }
        },
        lambda s: s.service.desired_count == 9,
        id="desired-outside-range-scaling-off",
    ),
]


@pytest.mark.parametrize(("sections", "check"), ACCEPTED)
def test_boundary_values_are_accepted_and_kept(sections, check):
    assert check(load(sections))


@pytest.mark.parametrize(
    ("app_name", "stack"),
    [("my-app", "production1"), ("abcdefghijklmnop", "x"), ("ab", "dev-eu-west-123")],
    ids=["my-app-production1", "16-plus-1", "short-app-long-stack"],
)
def test_name_prefix_of_18_characters_fits(app_name, stack):
    settings = load({"appName": app_name}, stack=stack)
    assert len(settings.prefix) == 18
    assert settings.prefix == f"{app_name}-{stack}"


def test_name_prefix_of_19_characters_is_rejected_with_its_length():
    assert only_problem({"appName": "my-app"}, stack="production12") == (
        "appName: 'my-app' with stack 'production12' makes the name prefix 'my-app-production12' "
        "(19 characters); at most 18 fit AWS's 32-character target group names"
    )


def test_stack_name_that_cannot_name_aws_resources_is_rejected():
    lines = problems(stack="dev_1")
    assert any("dev_1" in line for line in lines)


def test_success_codes_outside_the_alb_range_are_rejected():
    line = only_problem({"healthCheck": {"successCodes": "500"}})
    assert line.startswith("healthCheck.successCodes: ")


def test_default_deployment_is_the_predefined_canary():
    plan = DeploymentSettings().plan
    assert plan.predefined_name == "CodeDeployDefault.ECSCanary10Percent5Minutes"


def test_linear_settings_map_to_the_predefined_linear_config():
    plan = DeploymentSettings(strategy="linear", percentage=10, interval_minutes=3).plan
    assert plan.predefined_name == "CodeDeployDefault.ECSLinear10PercentEvery3Minutes"


@pytest.mark.parametrize(
    ("certificate", "https", "port"), [(None, False, 80), (CERT, True, 443)], ids=["http", "https"]
)
def test_certificate_switches_production_to_https_443(certificate, https, port):
    settings = LoadBalancerSettings(certificate_arn=certificate)
    assert (settings.https, settings.production_port) == (https, port)


def test_prefix_joins_app_name_and_stack():
    assert load({"appName": "shop"}, stack="prod").prefix == "shop-prod"
