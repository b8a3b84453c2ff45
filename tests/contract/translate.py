"""Each declared AWS resource as the API request(s) the AWS provider sends to create it.

Pulumi's mocks accept any value; AWS does not. So every ``aws:`` custom resource the
program registers is turned into the boto3 calls (service, operation, parameters) that
pulumi-aws (the Terraform AWS provider underneath) makes on create, with the provider's
``default_tags`` merged into the resource's own tags and the provider's defaults where it
sends them. A resource type without a translator raises ``UntranslatedError``: a new type is
never silently skipped.

Requests carry the *mock* ids and ARNs of the resources they refer to; ``replay.py``
swaps them for the values moto returned before sending.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pulumi

from preview import ROOT
from preview.engine import Recorded

PROVIDER_TYPE = "pulumi:providers:aws"
# Declared by the program but not AWS API resources of their own: the image is built and
# pushed by pulumi-docker, the releases and the engine move are the program's dynamic providers
# (their AWS calls are tested against moto in tests/release).
NOT_AWS_RESOURCES = frozenset(
    {
        "docker:index/image:Image",
        "pulumi-python:dynamic/codedeploy:Release",
        "pulumi-python:dynamic/ecs:ServiceRelease",
        "pulumi-python:dynamic/ecs:LiveTargetGroups",
        "pulumi-python:dynamic/ecs:EngineMove",
    }
)


class UntranslatedError(Exception):
    """A declared resource type this module cannot turn into API requests yet."""


@dataclass
class ApiCall:
    """One request the provider sends for a resource."""

    service: str
    """botocore service name (``ec2``, ``elbv2``, ``application-autoscaling``...)."""
    operation: str
    """API operation name (``CreateSecurityGroup``)."""
    params: dict[str, Any]
    resource_type: str
    resource_name: str
    creates: bool = False
    """The call that creates the resource (its response carries the real id/ARN)."""


@dataclass
class Translation:
    """All calls for one resource, plus the tags it would carry on AWS."""

    resource: Recorded
    calls: list[ApiCall]
    tags: dict[str, str] | None = None
    """Default tags merged with the resource's tags; None for a type AWS cannot tag."""
    tag_field: str = ""
    """Where the tags go in the create call, for messages."""


@dataclass
class Context:
    region: str
    default_tags: dict[str, str] = field(default_factory=dict)


def default_tags(resources: list[Recorded]) -> dict[str, str]:
    """The aws provider's ``defaultTags.tags`` (the engine hands it over as a JSON string)."""
    providers = [r for r in resources if r.type == PROVIDER_TYPE]
    assert len(providers) == 1, f"expected one aws provider, found {[p.name for p in providers]}"
    raw = providers[0].inputs.get("defaultTags") or {}
    parsed = json.loads(raw) if isinstance(raw, str) else raw
    return dict(parsed.get("tags") or {})


def aws_resources(resources: list[Recorded]) -> list[Recorded]:
    """The custom resources that become AWS API calls, in registration (= dependency) order."""
    return [r for r in resources if r.custom and r.type != PROVIDER_TYPE and r.type not in NOT_AWS_RESOURCES]


def name_of(resource: Recorded) -> str:
    """The physical name: the declared one, else Pulumi's auto-name (logical name + 7 hex chars).

    The mock engine gives unnamed resources exactly that shape (``<name>-1a2b3c4``), and the
    program reads it (e.g. target group names in the deployment group), so it is used as is.
    """
    declared = resource.inputs.get("name")
    return str(declared if declared is not None else resource.outputs["name"])


def _merged_tags(resource: Recorded, ctx: Context) -> dict[str, str]:
    return {**ctx.default_tags, **(resource.inputs.get("tags") or {})}


def _kv(tags: dict[str, str], key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in tags.items()]


def _ec2_tag_spec(resource_type: str, tags: dict[str, str]) -> list[dict[str, Any]]:
    return [{"ResourceType": resource_type, "Tags": _kv(tags)}] if tags else []


def _drop_none(params: dict[str, Any]) -> dict[str, Any]:
    """Leave out what the provider leaves out (unset optional arguments)."""
    return {k: v for k, v in params.items() if v is not None and v != []}


Translator = Callable[[Recorded, Context], Translation]
TRANSLATORS: dict[str, Translator] = {}


def translator(type_: str) -> Callable[[Translator], Translator]:
    def register(function: Translator) -> Translator:
        TRANSLATORS[type_] = function
        return function

    return register


def translate(resource: Recorded, ctx: Context) -> Translation:
    try:
        function = TRANSLATORS[resource.type]
    except KeyError:
        raise UntranslatedError(
            f"{resource.type} ({resource.name}) has no translation to AWS API requests in "
            "tests/contract/translate.py; add one so its values are checked against AWS's rules"
        ) from None
    return function(resource, ctx)


def _through_dynamic(resource: Recorded, by_urn: dict[str, Recorded]) -> Recorded:
    """The resource with the dependencies of the dynamic resources it takes values from: a
    listener rule forwards to the target groups ``LiveTargetGroups`` read, whose real ids the
    replay finds among those target groups."""
    seen: list[str] = []
    pending = list(resource.depends_on)
    while pending:
        urn = pending.pop(0)
        if urn in seen:
            continue
        seen.append(urn)
        upstream = by_urn.get(urn)
        if upstream is not None and upstream.type in NOT_AWS_RESOURCES:
            pending += upstream.depends_on
    return resource if seen == list(resource.depends_on) else replace(resource, depends_on=seen)


def translate_all(resources: list[Recorded], region: str) -> list[Translation]:
    ctx = Context(region=region, default_tags=default_tags(resources))
    by_urn = {r.urn: r for r in resources}
    return [translate(_through_dynamic(r, by_urn), ctx) for r in aws_resources(resources)]


def _call(
    resource: Recorded, service: str, operation: str, params: dict[str, Any], creates: bool = False
) -> ApiCall:
    return ApiCall(service, operation, _drop_none(params), resource.type, resource.name, creates)


# --- EC2 -------------------------------------------------------------------------------------


def _ec2_create(
    resource: Recorded, ctx: Context, operation: str, tag_type: str, params: dict[str, Any]
) -> tuple[ApiCall, dict[str, str]]:
    tags = _merged_tags(resource, ctx)
    call = _call(
        resource, "ec2", operation, {**params, "TagSpecifications": _ec2_tag_spec(tag_type, tags)}, True
    )
    return call, tags


def _ec2(resource: Recorded, tags: dict[str, str], calls: list[ApiCall]) -> Translation:
    return Translation(resource, calls, tags, "TagSpecifications[0].Tags")


@translator("aws:ec2/vpc:Vpc")
def _vpc(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    create, tags = _ec2_create(r, ctx, "CreateVpc", "vpc", {"CidrBlock": i["cidrBlock"]})
    calls = [create]
    # The provider sets each DNS attribute with its own ModifyVpcAttribute call.
    for key, attribute in (
        ("enableDnsSupport", "EnableDnsSupport"),
        ("enableDnsHostnames", "EnableDnsHostnames"),
    ):
        if key in i:
            calls.append(_call(r, "ec2", "ModifyVpcAttribute", {"VpcId": r.id, attribute: {"Value": i[key]}}))
    return _ec2(r, tags, calls)


@translator("aws:ec2/internetGateway:InternetGateway")
def _igw(r: Recorded, ctx: Context) -> Translation:
    create, tags = _ec2_create(r, ctx, "CreateInternetGateway", "internet-gateway", {})
    attach = _call(
        r, "ec2", "AttachInternetGateway", {"InternetGatewayId": r.id, "VpcId": r.inputs.get("vpcId")}
    )
    return _ec2(r, tags, [create, attach] if r.inputs.get("vpcId") else [create])


@translator("aws:ec2/subnet:Subnet")
def _subnet(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    create, tags = _ec2_create(
        r,
        ctx,
        "CreateSubnet",
        "subnet",
        {"VpcId": i["vpcId"], "CidrBlock": i.get("cidrBlock"), "AvailabilityZone": i.get("availabilityZone")},
    )
    calls = [create]
    if i.get("mapPublicIpOnLaunch"):  # false is the default; the provider only sends true
        calls.append(
            _call(
                r, "ec2", "ModifySubnetAttribute", {"SubnetId": r.id, "MapPublicIpOnLaunch": {"Value": True}}
            )
        )
    return _ec2(r, tags, calls)


@translator("aws:ec2/routeTable:RouteTable")
def _route_table(r: Recorded, ctx: Context) -> Translation:
    create, tags = _ec2_create(r, ctx, "CreateRouteTable", "route-table", {"VpcId": r.inputs["vpcId"]})
    calls = [create]
    for route in r.inputs.get("routes") or []:
        calls.append(
            _call(
                r,
                "ec2",
                "CreateRoute",
                {
                    "RouteTableId": r.id,
                    "DestinationCidrBlock": route.get("cidrBlock"),
                    "DestinationIpv6CidrBlock": route.get("ipv6CidrBlock"),
                    "GatewayId": route.get("gatewayId"),
                    "NatGatewayId": route.get("natGatewayId"),
                },
            )
        )
    return _ec2(r, tags, calls)


@translator("aws:ec2/routeTableAssociation:RouteTableAssociation")
def _route_table_association(r: Recorded, ctx: Context) -> Translation:
    params = {"SubnetId": r.inputs.get("subnetId"), "RouteTableId": r.inputs["routeTableId"]}
    return Translation(r, [_call(r, "ec2", "AssociateRouteTable", params, True)])


@translator("aws:ec2/eip:Eip")
def _eip(r: Recorded, ctx: Context) -> Translation:
    create, tags = _ec2_create(r, ctx, "AllocateAddress", "elastic-ip", {"Domain": r.inputs.get("domain")})
    return _ec2(r, tags, [create])


@translator("aws:ec2/natGateway:NatGateway")
def _nat_gateway(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    create, tags = _ec2_create(
        r,
        ctx,
        "CreateNatGateway",
        "natgateway",
        {
            "AllocationId": i.get("allocationId"),
            "SubnetId": i["subnetId"],
            "ConnectivityType": i.get("connectivityType"),
        },
    )
    return _ec2(r, tags, [create])


def _ip_permission(rule: dict[str, Any], description: str | None) -> dict[str, Any]:
    """An ``IpPermissions`` entry from a rule's inputs (vpc rule resource or inline rule)."""
    protocol = str(rule.get("ipProtocol", rule.get("protocol")))
    permission: dict[str, Any] = {"IpProtocol": protocol}
    if protocol not in ("-1", "all"):
        permission["FromPort"] = rule.get("fromPort")
        permission["ToPort"] = rule.get("toPort")
    described = {"Description": description} if description is not None else {}
    cidrs_v4 = [rule["cidrIpv4"]] if rule.get("cidrIpv4") else list(rule.get("cidrBlocks") or [])
    cidrs_v6 = [rule["cidrIpv6"]] if rule.get("cidrIpv6") else list(rule.get("ipv6CidrBlocks") or [])
    groups = (
        [rule["referencedSecurityGroupId"]]
        if rule.get("referencedSecurityGroupId")
        else list(rule.get("securityGroups") or [])
    )
    prefix_lists = (
        [rule["prefixListId"]] if rule.get("prefixListId") else list(rule.get("prefixListIds") or [])
    )
    if cidrs_v4:
        permission["IpRanges"] = [{"CidrIp": c, **described} for c in cidrs_v4]
    if cidrs_v6:
        permission["Ipv6Ranges"] = [{"CidrIpv6": c, **described} for c in cidrs_v6]
    if groups:
        permission["UserIdGroupPairs"] = [{"GroupId": g, **described} for g in groups]
    if prefix_lists:
        permission["PrefixListIds"] = [{"PrefixListId": p, **described} for p in prefix_lists]
    return permission


@translator("aws:ec2/securityGroup:SecurityGroup")
def _security_group(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    create, tags = _ec2_create(
        r,
        ctx,
        "CreateSecurityGroup",
        "security-group",
        {
            "GroupName": name_of(r),
            # The provider's default when no description is given.
            "Description": i.get("description", "Managed by Pulumi"),
            "VpcId": i.get("vpcId"),
        },
    )
    # The provider removes the allow-all egress rule AWS adds to every new VPC group, so the
    # group allows only what the program declares.
    revoke = _call(
        r,
        "ec2",
        "RevokeSecurityGroupEgress",
        {
            "GroupId": r.id,
            "IpPermissions": [
                {"IpProtocol": "-1", "FromPort": 0, "ToPort": 0, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
            ],
        },
    )
    calls = [create, revoke]
    for key, operation in (
        ("ingress", "AuthorizeSecurityGroupIngress"),
        ("egress", "AuthorizeSecurityGroupEgress"),
    ):
        rules = i.get(key) or []
        if rules:
            permissions = [_ip_permission(rule, rule.get("description")) for rule in rules]
            calls.append(_call(r, "ec2", operation, {"GroupId": r.id, "IpPermissions": permissions}))
    return _ec2(r, tags, calls)


def _security_group_rule(r: Recorded, ctx: Context, operation: str) -> Translation:
    create, tags = _ec2_create(
        r,
        ctx,
        operation,
        "security-group-rule",
        {
            "GroupId": r.inputs["securityGroupId"],
            "IpPermissions": [_ip_permission(r.inputs, r.inputs.get("description"))],
        },
    )
    return _ec2(r, tags, [create])


@translator("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
def _ingress_rule(r: Recorded, ctx: Context) -> Translation:
    return _security_group_rule(r, ctx, "AuthorizeSecurityGroupIngress")


@translator("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
def _egress_rule(r: Recorded, ctx: Context) -> Translation:
    return _security_group_rule(r, ctx, "AuthorizeSecurityGroupEgress")


@translator("aws:ec2/vpcEndpoint:VpcEndpoint")
def _vpc_endpoint(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    interface = i.get("vpcEndpointType") == "Interface"
    create, tags = _ec2_create(
        r,
        ctx,
        "CreateVpcEndpoint",
        "vpc-endpoint",
        {
            "VpcId": i["vpcId"],
            "ServiceName": i["serviceName"],
            "VpcEndpointType": i.get("vpcEndpointType"),
            "PrivateDnsEnabled": i.get("privateDnsEnabled") if interface else None,
            "SubnetIds": i.get("subnetIds"),
            "SecurityGroupIds": i.get("securityGroupIds"),
            "RouteTableIds": i.get("routeTableIds"),
            "PolicyDocument": i.get("policy"),
        },
    )
    return _ec2(r, tags, [create])


# --- ECR, logs, IAM ---------------------------------------------------------------------------


@translator("aws:ecr/repository:Repository")
def _ecr_repository(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    tags = _merged_tags(r, ctx)
    encryption = (i.get("encryptionConfigurations") or [None])[0]
    params = {
        "repositoryName": name_of(r),
        "imageTagMutability": i.get("imageTagMutability"),
        "imageScanningConfiguration": i.get("imageScanningConfiguration"),
        "encryptionConfiguration": _drop_none(dict(encryption)) if encryption else None,
        "tags": _kv(tags),
    }
    return Translation(r, [_call(r, "ecr", "CreateRepository", params, True)], tags, "tags")


@translator("aws:ecr/lifecyclePolicy:LifecyclePolicy")
def _ecr_lifecycle(r: Recorded, ctx: Context) -> Translation:
    params = {"repositoryName": r.inputs["repository"], "lifecyclePolicyText": r.inputs["policy"]}
    return Translation(r, [_call(r, "ecr", "PutLifecyclePolicy", params, True)])


@translator("aws:cloudwatch/logGroup:LogGroup")
def _log_group(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    tags = _merged_tags(r, ctx)
    calls = [
        _call(
            r,
            "logs",
            "CreateLogGroup",
            {"logGroupName": name_of(r), "kmsKeyId": i.get("kmsKeyId"), "tags": tags or None},
            True,
        )
    ]
    if i.get("retentionInDays"):
        calls.append(
            _call(
                r,
                "logs",
                "PutRetentionPolicy",
                {"logGroupName": name_of(r), "retentionInDays": i["retentionInDays"]},
            )
        )
    return Translation(r, calls, tags, "tags")


@translator("aws:iam/role:Role")
def _iam_role(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    tags = _merged_tags(r, ctx)
    params = {
        "RoleName": name_of(r),
        "Path": i.get("path", "/"),
        "AssumeRolePolicyDocument": i["assumeRolePolicy"],
        "Description": i.get("description"),
        "MaxSessionDuration": i.get("maxSessionDuration", 3600),
        "PermissionsBoundary": i.get("permissionsBoundary"),
        "Tags": _kv(tags),
    }
    return Translation(r, [_call(r, "iam", "CreateRole", params, True)], tags, "Tags")


@translator("aws:iam/rolePolicy:RolePolicy")
def _iam_role_policy(r: Recorded, ctx: Context) -> Translation:
    params = {"RoleName": r.inputs["role"], "PolicyName": name_of(r), "PolicyDocument": r.inputs["policy"]}
    return Translation(r, [_call(r, "iam", "PutRolePolicy", params, True)])


@translator("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
def _iam_attachment(r: Recorded, ctx: Context) -> Translation:
    params = {"RoleName": r.inputs["role"], "PolicyArn": r.inputs["policyArn"]}
    return Translation(r, [_call(r, "iam", "AttachRolePolicy", params, True)])


# --- ECS and auto scaling ---------------------------------------------------------------------


def _ecs_tags(tags: dict[str, str]) -> list[dict[str, str]]:
    return _kv(tags, "key", "value")


@translator("aws:ecs/cluster:Cluster")
def _ecs_cluster(r: Recorded, ctx: Context) -> Translation:
    tags = _merged_tags(r, ctx)
    params = {"clusterName": name_of(r), "settings": r.inputs.get("settings"), "tags": _ecs_tags(tags)}
    return Translation(r, [_call(r, "ecs", "CreateCluster", params, True)], tags, "tags")


@translator("aws:ecs/taskDefinition:TaskDefinition")
def _ecs_task_definition(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    tags = _merged_tags(r, ctx)
    params = {
        "family": i["family"],
        "containerDefinitions": json.loads(i["containerDefinitions"]),
        "cpu": i.get("cpu"),
        "memory": i.get("memory"),
        "networkMode": i.get("networkMode"),
        "requiresCompatibilities": i.get("requiresCompatibilities"),
        "runtimePlatform": i.get("runtimePlatform"),
        "executionRoleArn": i.get("executionRoleArn"),
        "taskRoleArn": i.get("taskRoleArn"),
        # The scratch volumes every container's mountPoints name.
        "volumes": [{"name": v["name"]} for v in i.get("volumes") or []],
        "tags": _ecs_tags(tags),
    }
    return Translation(r, [_call(r, "ecs", "RegisterTaskDefinition", params, True)], tags, "tags")


def _minutes(value: Any) -> int | None:
    """The provider takes bake times as strings and sends integers."""
    return None if value is None else int(value)


def _lifecycle_hook(hook: dict[str, Any]) -> dict[str, Any]:
    """A Lambda or PAUSE hook; a PAUSE hook's timeout is text to the provider, an integer to ECS."""
    out = dict(hook)
    if isinstance(hook.get("timeoutConfiguration"), dict):
        timeout = dict(hook["timeoutConfiguration"])
        timeout["timeoutInMinutes"] = _minutes(timeout.get("timeoutInMinutes"))
        out["timeoutConfiguration"] = _drop_none(timeout)
    return _drop_none(out)


def _ecs_deployment_configuration(i: dict[str, Any]) -> dict[str, Any]:
    config = dict(i.get("deploymentConfiguration") or {})
    out: dict[str, Any] = {
        # The provider's defaults for deployment_maximum_percent / _minimum_healthy_percent.
        "maximumPercent": i.get("deploymentMaximumPercent", 200),
        "minimumHealthyPercent": i.get("deploymentMinimumHealthyPercent", 100),
        "strategy": config.get("strategy"),
        "bakeTimeInMinutes": _minutes(config.get("bakeTimeInMinutes")),
    }
    if config.get("canaryConfiguration"):
        canary = config["canaryConfiguration"]
        out["canaryConfiguration"] = _drop_none(
            {
                "canaryPercent": canary.get("canaryPercent"),
                "canaryBakeTimeInMinutes": _minutes(canary.get("canaryBakeTimeInMinutes")),
            }
        )
    if config.get("linearConfiguration"):
        linear = config["linearConfiguration"]
        out["linearConfiguration"] = _drop_none(
            {
                "stepPercent": linear.get("stepPercent"),
                "stepBakeTimeInMinutes": _minutes(linear.get("stepBakeTimeInMinutes")),
            }
        )
    if config.get("lifecycleHooks"):
        out["lifecycleHooks"] = [_lifecycle_hook(h) for h in config["lifecycleHooks"]]
    # Top-level arguments of the resource that the API nests in deploymentConfiguration.
    if i.get("deploymentCircuitBreaker"):
        out["deploymentCircuitBreaker"] = i["deploymentCircuitBreaker"]
    if i.get("alarms"):
        alarms = i["alarms"]
        out["alarms"] = {
            "alarmNames": alarms["alarmNames"],
            "enable": alarms["enable"],
            "rollback": alarms["rollback"],
        }
    return _drop_none(out)


@translator("aws:ecs/service:Service")
def _ecs_service(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    tags = _merged_tags(r, ctx)
    network = i.get("networkConfiguration")
    params = {
        "serviceName": name_of(r),
        "cluster": i.get("cluster"),
        "taskDefinition": i.get("taskDefinition"),
        "desiredCount": i.get("desiredCount"),
        "launchType": i.get("launchType"),
        "platformVersion": i.get("platformVersion"),
        "loadBalancers": [_drop_none(dict(lb)) for lb in i.get("loadBalancers") or []],
        "networkConfiguration": (
            {
                "awsvpcConfiguration": {
                    "subnets": network["subnets"],
                    "securityGroups": network.get("securityGroups"),
                    "assignPublicIp": "ENABLED" if network.get("assignPublicIp") else "DISABLED",
                }
            }
            if network
            else None
        ),
        "healthCheckGracePeriodSeconds": i.get("healthCheckGracePeriodSeconds"),
        "propagateTags": i.get("propagateTags"),
        "enableECSManagedTags": i.get("enableEcsManagedTags"),
        "enableExecuteCommand": i.get("enableExecuteCommand"),
        "deploymentController": i.get("deploymentController"),
        "deploymentConfiguration": _ecs_deployment_configuration(i),
        "schedulingStrategy": i.get("schedulingStrategy", "REPLICA"),
        "tags": _ecs_tags(tags),
    }
    return Translation(r, [_call(r, "ecs", "CreateService", params, True)], tags, "tags")


@translator("aws:appautoscaling/target:Target")
def _scalable_target(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    tags = _merged_tags(r, ctx)
    params = {
        "ServiceNamespace": i["serviceNamespace"],
        "ResourceId": i["resourceId"],
        "ScalableDimension": i["scalableDimension"],
        "MinCapacity": i.get("minCapacity"),
        "MaxCapacity": i.get("maxCapacity"),
        "RoleARN": i.get("roleArn"),
        "Tags": tags or None,
    }
    return Translation(
        r, [_call(r, "application-autoscaling", "RegisterScalableTarget", params, True)], tags, "Tags"
    )


def _capitalised(value: Any) -> Any:
    """camelCase keys to the PascalCase Application Auto Scaling uses."""
    if isinstance(value, dict):
        return {k[0].upper() + k[1:]: _capitalised(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_capitalised(v) for v in value]
    return value


@translator("aws:appautoscaling/policy:Policy")
def _scaling_policy(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    tracking = i.get("targetTrackingScalingPolicyConfiguration")
    params = {
        "PolicyName": name_of(r),
        "ServiceNamespace": i["serviceNamespace"],
        "ResourceId": i["resourceId"],
        "ScalableDimension": i["scalableDimension"],
        "PolicyType": i.get("policyType"),
        "TargetTrackingScalingPolicyConfiguration": _capitalised(tracking) if tracking else None,
        "StepScalingPolicyConfiguration": _capitalised(i.get("stepScalingPolicyConfiguration")),
    }
    return Translation(r, [_call(r, "application-autoscaling", "PutScalingPolicy", params, True)])


# --- Elastic Load Balancing -------------------------------------------------------------------


@translator("aws:lb/loadBalancer:LoadBalancer")
def _load_balancer(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    tags = _merged_tags(r, ctx)
    create = _call(
        r,
        "elbv2",
        "CreateLoadBalancer",
        {
            "Name": name_of(r),
            "Type": i.get("loadBalancerType", "application"),
            "Scheme": "internal" if i.get("internal") else "internet-facing",
            "Subnets": i.get("subnets"),
            "SecurityGroups": i.get("securityGroups"),
            "IpAddressType": i.get("ipAddressType"),
            "Tags": _kv(tags),
        },
        True,
    )
    attributes = {
        "idle_timeout.timeout_seconds": i.get("idleTimeout"),
        "routing.http.drop_invalid_header_fields.enabled": i.get("dropInvalidHeaderFields"),
        "deletion_protection.enabled": i.get("enableDeletionProtection"),
    }
    modify = _call(
        r,
        "elbv2",
        "ModifyLoadBalancerAttributes",
        {"LoadBalancerArn": r.outputs["arn"], "Attributes": _attributes(attributes)},
    )
    return Translation(r, [create, modify], tags, "Tags")


def _attributes(values: dict[str, Any]) -> list[dict[str, str]]:
    """ELBv2 attributes are all strings: booleans lowercase."""
    return [
        {"Key": k, "Value": str(v).lower() if isinstance(v, bool) else str(v)}
        for k, v in values.items()
        if v is not None
    ]


@translator("aws:lb/targetGroup:TargetGroup")
def _target_group(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    tags = _merged_tags(r, ctx)
    check = i.get("healthCheck") or {}
    create = _call(
        r,
        "elbv2",
        "CreateTargetGroup",
        {
            "Name": name_of(r),
            "Port": i.get("port"),
            "Protocol": i.get("protocol"),
            "ProtocolVersion": i.get(
                "protocolVersion", "HTTP1" if i.get("protocol") in ("HTTP", "HTTPS") else None
            ),
            "VpcId": i.get("vpcId"),
            "TargetType": i.get("targetType"),
            "HealthCheckEnabled": check.get("enabled"),
            "HealthCheckPath": check.get("path"),
            "HealthCheckProtocol": check.get("protocol"),
            "HealthCheckPort": check.get("port"),
            "HealthCheckIntervalSeconds": check.get("interval"),
            "HealthCheckTimeoutSeconds": check.get("timeout"),
            "HealthyThresholdCount": check.get("healthyThreshold"),
            "UnhealthyThresholdCount": check.get("unhealthyThreshold"),
            "Matcher": {"HttpCode": check["matcher"]} if check.get("matcher") else None,
            "Tags": _kv(tags),
        },
        True,
    )
    calls = [create]
    attributes = _attributes({"deregistration_delay.timeout_seconds": i.get("deregistrationDelay")})
    if attributes:
        calls.append(
            _call(
                r,
                "elbv2",
                "ModifyTargetGroupAttributes",
                {"TargetGroupArn": r.outputs["arn"], "Attributes": attributes},
            )
        )
    return Translation(r, calls, tags, "Tags")


def _action(action: dict[str, Any], order: int) -> dict[str, Any]:
    """A listener or rule action in ELBv2's shape (the provider numbers them in order)."""
    out: dict[str, Any] = {"Type": action["type"], "Order": order}
    if action.get("targetGroupArn"):
        out["TargetGroupArn"] = action["targetGroupArn"]
    if action.get("forward"):
        forward = action["forward"]
        out["ForwardConfig"] = _drop_none(
            {
                "TargetGroups": [
                    _drop_none({"TargetGroupArn": g["arn"], "Weight": g.get("weight")})
                    for g in forward.get("targetGroups") or []
                ],
                "TargetGroupStickinessConfig": (
                    _drop_none(
                        {
                            "Enabled": forward["stickiness"].get("enabled"),
                            "DurationSeconds": forward["stickiness"].get("duration"),
                        }
                    )
                    if forward.get("stickiness")
                    else None
                ),
            }
        )
    if action.get("fixedResponse"):
        fixed = action["fixedResponse"]
        out["FixedResponseConfig"] = _drop_none(
            {
                "ContentType": fixed.get("contentType"),
                "StatusCode": fixed.get("statusCode"),
                "MessageBody": fixed.get("messageBody"),
            }
        )
    if action.get("redirect"):
        redirect = action["redirect"]
        # The provider's defaults keep host, path and query of the original request.
        out["RedirectConfig"] = _drop_none(
            {
                "Protocol": redirect.get("protocol", "#{protocol}"),
                "Port": redirect.get("port", "#{port}"),
                "Host": redirect.get("host", "#{host}"),
                "Path": redirect.get("path", "/#{path}"),
                "Query": redirect.get("query", "#{query}"),
                "StatusCode": redirect.get("statusCode"),
            }
        )
    return out


@translator("aws:lb/listener:Listener")
def _listener(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    tags = _merged_tags(r, ctx)
    params = {
        "LoadBalancerArn": i["loadBalancerArn"],
        "Port": i.get("port"),
        "Protocol": i.get("protocol"),
        "SslPolicy": i.get("sslPolicy"),
        "Certificates": [{"CertificateArn": i["certificateArn"]}] if i.get("certificateArn") else None,
        "AlpnPolicy": [i["alpnPolicy"]] if i.get("alpnPolicy") else None,
        "DefaultActions": [_action(a, n + 1) for n, a in enumerate(i.get("defaultActions") or [])],
        "Tags": _kv(tags),
    }
    return Translation(r, [_call(r, "elbv2", "CreateListener", params, True)], tags, "Tags")


_CONDITION_FIELDS = {
    "pathPattern": ("path-pattern", "PathPatternConfig"),
    "hostHeader": ("host-header", "HostHeaderConfig"),
    "httpRequestMethod": ("http-request-method", "HttpRequestMethodConfig"),
    "sourceIp": ("source-ip", "SourceIpConfig"),
}


@translator("aws:lb/listenerRule:ListenerRule")
def _listener_rule(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    tags = _merged_tags(r, ctx)
    conditions = []
    for condition in i.get("conditions") or []:
        for key, value in condition.items():
            if key not in _CONDITION_FIELDS:
                raise UntranslatedError(f"{r.type} ({r.name}): condition {key!r} has no translation")
            field_name, config = _CONDITION_FIELDS[key]
            conditions.append({"Field": field_name, config: {"Values": value["values"]}})
    params = {
        "ListenerArn": i["listenerArn"],
        "Priority": i.get("priority"),
        "Conditions": conditions,
        "Actions": [_action(a, n + 1) for n, a in enumerate(i.get("actions") or [])],
        "Tags": _kv(tags),
    }
    return Translation(r, [_call(r, "elbv2", "CreateRule", params, True)], tags, "Tags")


# --- CloudWatch, SNS --------------------------------------------------------------------------


@translator("aws:cloudwatch/metricAlarm:MetricAlarm")
def _metric_alarm(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    tags = _merged_tags(r, ctx)
    params = {
        "AlarmName": name_of(r),
        "AlarmDescription": i.get("alarmDescription"),
        "ActionsEnabled": i.get("actionsEnabled", True),
        "AlarmActions": i.get("alarmActions"),
        "OKActions": i.get("okActions"),
        "InsufficientDataActions": i.get("insufficientDataActions"),
        "MetricName": i.get("metricName"),
        "Namespace": i.get("namespace"),
        "Statistic": i.get("statistic"),
        "ExtendedStatistic": i.get("extendedStatistic"),
        "Dimensions": [{"Name": k, "Value": v} for k, v in (i.get("dimensions") or {}).items()],
        "Period": i.get("period"),
        "Unit": i.get("unit"),
        "EvaluationPeriods": i.get("evaluationPeriods"),
        "DatapointsToAlarm": i.get("datapointsToAlarm"),
        "Threshold": i.get("threshold"),
        "ComparisonOperator": i.get("comparisonOperator"),
        "TreatMissingData": i.get("treatMissingData"),
        "Tags": _kv(tags),
    }
    return Translation(r, [_call(r, "cloudwatch", "PutMetricAlarm", params, True)], tags, "Tags")


@translator("aws:sns/topic:Topic")
def _sns_topic(r: Recorded, ctx: Context) -> Translation:
    tags = _merged_tags(r, ctx)
    attributes = {"KmsMasterKeyId": r.inputs.get("kmsMasterKeyId")}
    params = {"Name": name_of(r), "Attributes": _drop_none(attributes) or None, "Tags": _kv(tags)}
    return Translation(r, [_call(r, "sns", "CreateTopic", params, True)], tags, "Tags")


@translator("aws:sns/topicSubscription:TopicSubscription")
def _sns_subscription(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    params = {
        "TopicArn": i["topic"],
        "Protocol": i["protocol"],
        "Endpoint": i.get("endpoint"),
        "ReturnSubscriptionArn": True,
    }
    return Translation(r, [_call(r, "sns", "Subscribe", params, True)])


# --- CodeDeploy ---------------------------------------------------------------------------------


@translator("aws:codedeploy/application:Application")
def _codedeploy_application(r: Recorded, ctx: Context) -> Translation:
    tags = _merged_tags(r, ctx)
    params = {
        "applicationName": name_of(r),
        "computePlatform": r.inputs.get("computePlatform"),
        "tags": _kv(tags),
    }
    return Translation(r, [_call(r, "codedeploy", "CreateApplication", params, True)], tags, "tags")


@translator("aws:codedeploy/deploymentConfig:DeploymentConfig")
def _codedeploy_config(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    routing = i.get("trafficRoutingConfig") or {}
    canary = routing.get("timeBasedCanary")
    linear = routing.get("timeBasedLinear")
    params = {
        "deploymentConfigName": i["deploymentConfigName"],
        "computePlatform": i.get("computePlatform"),
        "trafficRoutingConfig": _drop_none(
            {
                "type": routing.get("type"),
                "timeBasedCanary": (
                    {"canaryPercentage": canary["percentage"], "canaryInterval": canary["interval"]}
                    if canary
                    else None
                ),
                "timeBasedLinear": (
                    {"linearPercentage": linear["percentage"], "linearInterval": linear["interval"]}
                    if linear
                    else None
                ),
            }
        )
        if routing
        else None,
    }
    return Translation(r, [_call(r, "codedeploy", "CreateDeploymentConfig", params, True)])


@translator("aws:codedeploy/deploymentGroup:DeploymentGroup")
def _codedeploy_group(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    tags = _merged_tags(r, ctx)
    blue_green = i.get("blueGreenDeploymentConfig")
    pair = ((i.get("loadBalancerInfo") or {}).get("targetGroupPairInfo")) or None
    alarms = i.get("alarmConfiguration")
    params = {
        "applicationName": i["appName"],
        "deploymentGroupName": i["deploymentGroupName"],
        "serviceRoleArn": i["serviceRoleArn"],
        "deploymentConfigName": i.get("deploymentConfigName"),
        "deploymentStyle": i.get("deploymentStyle"),
        "blueGreenDeploymentConfiguration": (
            _drop_none(
                {
                    "terminateBlueInstancesOnDeploymentSuccess": blue_green.get(
                        "terminateBlueInstancesOnDeploymentSuccess"
                    ),
                    "deploymentReadyOption": blue_green.get("deploymentReadyOption"),
                    "greenFleetProvisioningOption": blue_green.get("greenFleetProvisioningOption"),
                }
            )
            if blue_green
            else None
        ),
        "ecsServices": [i["ecsService"]] if i.get("ecsService") else None,
        "loadBalancerInfo": (
            {
                "targetGroupPairInfoList": [
                    _drop_none(
                        {
                            "targetGroups": pair.get("targetGroups"),
                            "prodTrafficRoute": pair.get("prodTrafficRoute"),
                            "testTrafficRoute": pair.get("testTrafficRoute"),
                        }
                    )
                ]
            }
            if pair
            else None
        ),
        "autoRollbackConfiguration": i.get("autoRollbackConfiguration"),
        "alarmConfiguration": (
            {
                "enabled": alarms.get("enabled", False),
                "ignorePollAlarmFailure": alarms.get("ignorePollAlarmFailure", False),
                "alarms": [{"name": a} for a in alarms.get("alarms") or []],
            }
            if alarms
            else None
        ),
        "tags": _kv(tags),
    }
    return Translation(r, [_call(r, "codedeploy", "CreateDeploymentGroup", params, True)], tags, "tags")


# --- Lambda -------------------------------------------------------------------------------------


def zip_archive(code: Any) -> bytes:
    """The deployment package the provider uploads for a ``pulumi.AssetArchive`` of files."""
    assert isinstance(code, pulumi.AssetArchive), f"unexpected Lambda code {code!r}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, asset in sorted(code.assets.items()):
            assert isinstance(asset, pulumi.FileAsset), f"unexpected asset {asset!r}"
            path = Path(asset.path)
            archive.writestr(name, (path if path.is_absolute() else ROOT / path).read_bytes())
    return buffer.getvalue()


@translator("aws:lambda/function:Function")
def _lambda_function(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    tags = _merged_tags(r, ctx)
    vpc = i.get("vpcConfig")
    environment = i.get("environment")
    params = {
        "FunctionName": name_of(r),
        "Role": i["role"],
        "Runtime": i.get("runtime"),
        "Handler": i.get("handler"),
        "Code": {"ZipFile": zip_archive(i["code"])},
        "Timeout": i.get("timeout"),
        "MemorySize": i.get("memorySize"),
        "PackageType": i.get("packageType", "Zip"),
        "Publish": bool(i.get("publish", False)),
        "Architectures": i.get("architectures"),
        "Environment": {"Variables": environment.get("variables") or {}} if environment else None,
        "VpcConfig": {"SubnetIds": vpc.get("subnetIds"), "SecurityGroupIds": vpc.get("securityGroupIds")}
        if vpc
        else None,
        "Tags": tags or None,
    }
    return Translation(r, [_call(r, "lambda", "CreateFunction", params, True)], tags, "Tags")


# --- the edge: certificate, DNS, access log bucket, WAF --------------------------------------------


@translator("aws:acm/certificate:Certificate")
def _acm_certificate(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    tags = _merged_tags(r, ctx)
    params = {
        "DomainName": i["domainName"],
        "ValidationMethod": i.get("validationMethod"),
        "SubjectAlternativeNames": i.get("subjectAlternativeNames"),
        "KeyAlgorithm": i.get("keyAlgorithm"),
        "Tags": _kv(tags),
    }
    return Translation(r, [_call(r, "acm", "RequestCertificate", params, True)], tags, "Tags")


@translator("aws:acm/certificateValidation:CertificateValidation")
def _acm_validation(r: Recorded, ctx: Context) -> Translation:
    # The provider only waits (DescribeCertificate) until ACM reports the certificate ISSUED;
    # the validation records are separate aws:route53/record:Record resources.
    params = {"CertificateArn": r.inputs["certificateArn"]}
    return Translation(r, [_call(r, "acm", "DescribeCertificate", params, True)])


@translator("aws:route53/record:Record")
def _route53_record(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    alias = (i.get("aliases") or [None])[0]
    record_set: dict[str, Any] = {
        "Name": i["name"],
        "Type": i["type"],
        "TTL": i.get("ttl"),
        "ResourceRecords": [{"Value": value} for value in i.get("records") or []] or None,
        "AliasTarget": (
            {
                "HostedZoneId": alias["zoneId"],
                "DNSName": alias["name"],
                "EvaluateTargetHealth": bool(alias.get("evaluateTargetHealth", False)),
            }
            if alias
            else None
        ),
    }
    params = {
        "HostedZoneId": i["zoneId"],
        "ChangeBatch": {
            "Changes": [
                {
                    # allow_overwrite makes the provider UPSERT; otherwise it CREATEs (and fails
                    # on an existing record).
                    "Action": "UPSERT" if i.get("allowOverwrite") else "CREATE",
                    "ResourceRecordSet": _drop_none(record_set),
                }
            ]
        },
    }
    return Translation(r, [_call(r, "route53", "ChangeResourceRecordSets", params, True)])


@translator("aws:s3/bucket:Bucket")
def _s3_bucket(r: Recorded, ctx: Context) -> Translation:
    tags = _merged_tags(r, ctx)
    bucket = r.inputs.get("bucket") or r.outputs["bucket"]
    params = {
        "Bucket": bucket,
        # us-east-1 is the one region that takes no LocationConstraint.
        "CreateBucketConfiguration": (
            None if ctx.region == "us-east-1" else {"LocationConstraint": ctx.region}
        ),
    }
    calls = [_call(r, "s3", "CreateBucket", params, True)]
    if tags:
        calls.append(_call(r, "s3", "PutBucketTagging", {"Bucket": bucket, "Tagging": {"TagSet": _kv(tags)}}))
    return Translation(r, calls, tags, "Tagging.TagSet")


@translator("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
def _s3_public_access_block(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    config = {
        "BlockPublicAcls": bool(i.get("blockPublicAcls", False)),
        "IgnorePublicAcls": bool(i.get("ignorePublicAcls", False)),
        "BlockPublicPolicy": bool(i.get("blockPublicPolicy", False)),
        "RestrictPublicBuckets": bool(i.get("restrictPublicBuckets", False)),
    }
    params = {"Bucket": i["bucket"], "PublicAccessBlockConfiguration": config}
    return Translation(r, [_call(r, "s3", "PutPublicAccessBlock", params, True)])


@translator("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
def _s3_ownership(r: Recorded, ctx: Context) -> Translation:
    rule = r.inputs["rule"]
    params = {
        "Bucket": r.inputs["bucket"],
        "OwnershipControls": {"Rules": [{"ObjectOwnership": rule["objectOwnership"]}]},
    }
    return Translation(r, [_call(r, "s3", "PutBucketOwnershipControls", params, True)])


@translator("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
def _s3_encryption(r: Recorded, ctx: Context) -> Translation:
    rules = []
    for rule in r.inputs.get("rules") or []:
        default = rule.get("applyServerSideEncryptionByDefault") or {}
        rules.append(
            _drop_none(
                {
                    "ApplyServerSideEncryptionByDefault": _drop_none(
                        {
                            "SSEAlgorithm": default.get("sseAlgorithm"),
                            "KMSMasterKeyID": default.get("kmsMasterKeyId"),
                        }
                    ),
                    "BucketKeyEnabled": rule.get("bucketKeyEnabled"),
                }
            )
        )
    params = {"Bucket": r.inputs["bucket"], "ServerSideEncryptionConfiguration": {"Rules": rules}}
    return Translation(r, [_call(r, "s3", "PutBucketEncryption", params, True)])


@translator("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
def _s3_lifecycle(r: Recorded, ctx: Context) -> Translation:
    rules = []
    for rule in r.inputs.get("rules") or []:
        expiration = rule.get("expiration") or {}
        abort = rule.get("abortIncompleteMultipartUpload") or {}
        rules.append(
            _drop_none(
                {
                    "ID": rule.get("id"),
                    "Status": rule["status"],
                    "Filter": {"Prefix": (rule.get("filter") or {}).get("prefix", "")},
                    "Expiration": {"Days": expiration["days"]} if expiration.get("days") else None,
                    "AbortIncompleteMultipartUpload": (
                        {"DaysAfterInitiation": abort["daysAfterInitiation"]} if abort else None
                    ),
                }
            )
        )
    params = {"Bucket": r.inputs["bucket"], "LifecycleConfiguration": {"Rules": rules}}
    return Translation(r, [_call(r, "s3", "PutBucketLifecycleConfiguration", params, True)])


@translator("aws:s3/bucketPolicy:BucketPolicy")
def _s3_policy(r: Recorded, ctx: Context) -> Translation:
    params = {"Bucket": r.inputs["bucket"], "Policy": r.inputs["policy"]}
    return Translation(r, [_call(r, "s3", "PutBucketPolicy", params, True)])


# WAFv2 members whose API name is not the input name with its first letter capitalised.
_WAF_NAMES = {"cloudwatchMetricsEnabled": "CloudWatchMetricsEnabled"}


def _waf_shape(value: Any) -> Any:
    """The provider's camelCase WAF blocks in the API's PascalCase (``{}`` stays ``{}``)."""
    if isinstance(value, dict):
        return {
            _WAF_NAMES.get(k, k[0].upper() + k[1:]): _waf_shape(v) for k, v in value.items() if v is not None
        }
    if isinstance(value, list):
        return [_waf_shape(v) for v in value]
    return value


@translator("aws:wafv2/webAcl:WebAcl")
def _waf_web_acl(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    tags = _merged_tags(r, ctx)
    params = {
        "Name": name_of(r),
        "Scope": i["scope"],
        "DefaultAction": _waf_shape(i["defaultAction"]),
        "Description": i.get("description"),
        "Rules": _waf_shape(i.get("rules") or []),
        "VisibilityConfig": _waf_shape(i["visibilityConfig"]),
        "Tags": _kv(tags),
    }
    return Translation(r, [_call(r, "wafv2", "CreateWebACL", params, True)], tags, "Tags")


@translator("aws:wafv2/webAclAssociation:WebAclAssociation")
def _waf_association(r: Recorded, ctx: Context) -> Translation:
    params = {"WebACLArn": r.inputs["webAclArn"], "ResourceArn": r.inputs["resourceArn"]}
    return Translation(r, [_call(r, "wafv2", "AssociateWebACL", params, True)])


# --- network baseline -------------------------------------------------------------------------------


@translator("aws:ec2/flowLog:FlowLog")
def _flow_log(r: Recorded, ctx: Context) -> Translation:
    i = r.inputs
    create, tags = _ec2_create(
        r,
        ctx,
        "CreateFlowLogs",
        "vpc-flow-log",
        {
            "ResourceIds": [i["vpcId"]],
            "ResourceType": "VPC",
            "TrafficType": i.get("trafficType"),
            "LogDestinationType": i.get("logDestinationType"),
            "LogDestination": i.get("logDestination"),
            "DeliverLogsPermissionArn": i.get("iamRoleArn"),
            "MaxAggregationInterval": i.get("maxAggregationInterval"),
        },
    )
    return _ec2(r, tags, [create])


@translator("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
def _default_security_group(r: Recorded, ctx: Context) -> Translation:
    """The provider adopts the VPC's default group, then revokes AWS's two default rules (the
    group's members to each other in, everything out) since the resource declares none."""
    find = _call(
        r,
        "ec2",
        "DescribeSecurityGroups",
        {
            "Filters": [
                {"Name": "vpc-id", "Values": [r.inputs["vpcId"]]},
                {"Name": "group-name", "Values": ["default"]},
            ]
        },
        True,
    )
    calls = [find]
    if not r.inputs.get("ingress"):
        calls.append(
            _call(
                r,
                "ec2",
                "RevokeSecurityGroupIngress",
                {
                    "GroupId": r.id,
                    "IpPermissions": [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": r.id}]}],
                },
            )
        )
    if not r.inputs.get("egress"):
        calls.append(
            _call(
                r,
                "ec2",
                "RevokeSecurityGroupEgress",
                {
                    "GroupId": r.id,
                    "IpPermissions": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
                },
            )
        )
    tags = _merged_tags(r, ctx)
    if tags:
        calls.append(_call(r, "ec2", "CreateTags", {"Resources": [r.id], "Tags": _kv(tags)}))
    return Translation(r, calls, tags, "Tags")
