"""Send the translated requests to moto, in dependency order, with real ids wired in.

Registration order under the mock engine is a dependency order (a resource registers only
once the outputs it takes are resolved), so the calls are replayed in that order. Each
request still carries the mock engine's ids and ARNs (``my-app-dev-vpc-id``); before it is
checked and sent they are replaced by what moto returned for the resources they refer to.
The lookup is per resource, among its own dependencies (``depends_on`` holds every resource
whose outputs flowed into its inputs), because the mock ids are not unique: a subnet, a route
table and their association can all be ``my-app-dev-private-1-id``; then the request field
(``SubnetId`` or ``RouteTableId``) decides.

Every request, sent or not, is checked against the model (``model_rules.check_call``) after
substitution, so ids and ARNs are real ones. moto then applies its own checks (IAM policy
grammar, ELBv2 listener and rule rules, ECS services and target groups, the alarm's SNS
actions...). ``MOTO_SKIPS`` lists the calls moto cannot take, each with why.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import boto3
import regex
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError
from moto import mock_aws
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import AWSManagedPolicy, iam_backends

from preview.engine import ACCOUNT, Recorded
from tests.contract.model_rules import Violation, check_call, check_tags
from tests.contract.translate import ApiCall, Translation

# Calls moto (5.x) does not implement. They are still checked against the model; what
# depends on them gets the values the request itself names.
MOTO_SKIPS: dict[tuple[str, str], str] = {
    # moto's CodeDeploy backend has no deployment configs (CreateDeploymentConfig raises
    # NotImplementedError); CreateDeploymentGroup accepts any config name.
    ("codedeploy", "CreateDeploymentConfig"): "not implemented by moto",
}

# Which resource type a request field refers to, to pick between dependencies that share a
# mock id (the mock engine gives every resource ``<logical name>-id``).
FIELD_TYPES: dict[str, tuple[str, ...]] = {
    "VpcId": ("aws:ec2/vpc:Vpc",),
    "SubnetId": ("aws:ec2/subnet:Subnet",),
    "SubnetIds": ("aws:ec2/subnet:Subnet",),
    "Subnets": ("aws:ec2/subnet:Subnet",),
    "subnets": ("aws:ec2/subnet:Subnet",),
    "RouteTableId": ("aws:ec2/routeTable:RouteTable",),
    "RouteTableIds": ("aws:ec2/routeTable:RouteTable",),
    "GatewayId": ("aws:ec2/internetGateway:InternetGateway",),
    "InternetGatewayId": ("aws:ec2/internetGateway:InternetGateway",),
    "NatGatewayId": ("aws:ec2/natGateway:NatGateway",),
    "AllocationId": ("aws:ec2/eip:Eip",),
    "GroupId": ("aws:ec2/securityGroup:SecurityGroup",),
    "SecurityGroupIds": ("aws:ec2/securityGroup:SecurityGroup",),
    "SecurityGroups": ("aws:ec2/securityGroup:SecurityGroup",),
    "securityGroups": ("aws:ec2/securityGroup:SecurityGroup",),
    # The hook's role, security group and role policy share a logical name (so a mock id).
    "RoleName": ("aws:iam/role:Role",),
    "ResourceIds": ("aws:ec2/vpc:Vpc",),
}

OUTPUT_KEYS = ("arn", "arnSuffix", "dnsName", "repositoryUrl", "publicIp", "name")


@dataclass
class Outcome:
    """What AWS's rules and moto said about one program run's requests."""

    violations: list[Violation] = field(default_factory=list)
    moto_errors: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    sent: list[ApiCall] = field(default_factory=list)
    replaced: dict[str, str] = field(default_factory=dict)
    """Every mock value (id, ARN, DNS name...) that was swapped for moto's, and its real value."""

    def problems(self) -> list[str]:
        return [str(v) for v in self.violations] + self.moto_errors


class Clients:
    """boto3 clients for one region, against in-process moto, never retrying.

    Kept for the session (``clients_for``): a client is only a stub that moto's hook answers
    while a ``mock_aws`` context is active, and creating one costs tens of milliseconds.
    """

    def __init__(self, region: str) -> None:
        self.region = region
        self._clients: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = _boto3_session().client(
                service,
                region_name=self.region,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                config=Config(retries={"max_attempts": 1}),
            )
        return self._clients[service]


@functools.cache
def _boto3_session() -> boto3.session.Session:
    """One session for every client: a new one would load the service models again."""
    return boto3.session.Session()


@functools.cache
def clients_for(region: str) -> Clients:
    return Clients(region)


Prepare = Callable[[Clients], dict[str, str]]
"""Creates what a variant expects to exist already (a VPC, a certificate) and returns
config value -> moto value."""


def _real_outputs(call: ApiCall, response: dict[str, Any], region: str) -> dict[str, Any]:
    """The created resource's id and outputs, as the provider would record them."""
    op, p = call.operation, call.params
    if op == "CreateVpc":
        return {"id": response["Vpc"]["VpcId"]}
    if op == "CreateInternetGateway":
        return {"id": response["InternetGateway"]["InternetGatewayId"]}
    if op == "CreateSubnet":
        return {"id": response["Subnet"]["SubnetId"]}
    if op == "CreateRouteTable":
        return {"id": response["RouteTable"]["RouteTableId"]}
    if op == "AssociateRouteTable":
        return {"id": response["AssociationId"]}
    if op == "AllocateAddress":
        return {"id": response["AllocationId"], "publicIp": response["PublicIp"]}
    if op == "CreateNatGateway":
        return {"id": response["NatGateway"]["NatGatewayId"]}
    if op == "CreateSecurityGroup":
        group = response["GroupId"]
        return {"id": group, "arn": f"arn:aws:ec2:{region}:{ACCOUNT}:security-group/{group}"}
    if op in ("AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress"):
        rules = response.get("SecurityGroupRules") or [{}]
        return {"id": rules[0].get("SecurityGroupRuleId", "")}
    if op == "CreateVpcEndpoint":
        return {"id": response["VpcEndpoint"]["VpcEndpointId"]}
    if op == "CreateRepository":
        repo = response["repository"]
        return {
            "id": repo["repositoryName"],
            "arn": repo["repositoryArn"],
            "repositoryUrl": repo["repositoryUri"],
        }
    if op == "CreateLogGroup":
        name = p["logGroupName"]
        return {"id": name, "arn": f"arn:aws:logs:{region}:{ACCOUNT}:log-group:{name}"}
    if op == "CreateRole":
        role = response["Role"]
        return {"id": role["RoleName"], "arn": role["Arn"]}
    if op == "PutRolePolicy":
        return {"id": f"{p['RoleName']}:{p['PolicyName']}"}
    if op == "CreateCluster":
        arn = response["cluster"]["clusterArn"]
        return {"id": arn, "arn": arn}
    if op == "RegisterTaskDefinition":
        task = response["taskDefinition"]
        return {"id": task["family"], "arn": task["taskDefinitionArn"]}
    if op == "CreateService":
        arn = response["service"]["serviceArn"]
        return {"id": arn, "arn": arn}
    if op == "RegisterScalableTarget":
        return {"id": p["ResourceId"], "arn": response.get("ScalableTargetARN", "")}
    if op == "PutScalingPolicy":
        return {"id": p["PolicyName"], "arn": response["PolicyARN"]}
    if op == "CreateLoadBalancer":
        balancer = response["LoadBalancers"][0]
        arn = balancer["LoadBalancerArn"]
        return {
            "id": arn,
            "arn": arn,
            "arnSuffix": arn.split(":loadbalancer/", 1)[1],
            "dnsName": balancer["DNSName"],
            "zoneId": balancer["CanonicalHostedZoneId"],
        }
    if op == "CreateTargetGroup":
        arn = response["TargetGroups"][0]["TargetGroupArn"]
        return {"id": arn, "arn": arn, "arnSuffix": arn.rsplit(":", 1)[1]}
    if op == "CreateListener":
        arn = response["Listeners"][0]["ListenerArn"]
        return {"id": arn, "arn": arn}
    if op == "CreateRule":
        arn = response["Rules"][0]["RuleArn"]
        return {"id": arn, "arn": arn}
    if op == "PutMetricAlarm":
        name = p["AlarmName"]
        return {"id": name, "arn": f"arn:aws:cloudwatch:{region}:{ACCOUNT}:alarm:{name}"}
    if op == "CreateTopic":
        return {"id": response["TopicArn"], "arn": response["TopicArn"]}
    if op == "Subscribe":
        return {"id": response["SubscriptionArn"], "arn": response["SubscriptionArn"]}
    if op == "CreateApplication":
        return {"id": response["applicationId"]}
    if op == "CreateDeploymentGroup":
        group = f"{p['applicationName']}/{p['deploymentGroupName']}"
        arn = f"arn:aws:codedeploy:{region}:{ACCOUNT}:deploymentgroup:{group}"
        return {"id": response["deploymentGroupId"], "arn": arn}
    if op == "CreateFunction":
        return {"id": response["FunctionName"], "arn": response["FunctionArn"]}
    if op == "PutLifecyclePolicy":
        return {"id": p["repositoryName"]}
    if op == "AttachRolePolicy":
        return {"id": f"{p['RoleName']}/{p['PolicyArn']}"}
    if op == "RequestCertificate":
        arn = response["CertificateArn"]
        return {"id": arn, "arn": arn}
    if op == "DescribeCertificate":
        arn = response["Certificate"]["CertificateArn"]
        # The provider's id is the time ACM issued it; moto leaves a DNS-validated one pending.
        issued = response["Certificate"].get("IssuedAt")
        return {"id": str(issued or f"{arn}#validated"), "certificateArn": arn}
    if op == "ChangeResourceRecordSets":
        change = p["ChangeBatch"]["Changes"][0]["ResourceRecordSet"]
        return {"id": f"{p['HostedZoneId']}_{change['Name']}_{change['Type']}"}
    if op == "CreateBucket":
        return {"id": p["Bucket"], "arn": f"arn:aws:s3:::{p['Bucket']}"}
    if op in (
        "PutPublicAccessBlock",
        "PutBucketOwnershipControls",
        "PutBucketEncryption",
        "PutBucketLifecycleConfiguration",
        "PutBucketPolicy",
    ):
        return {"id": p["Bucket"]}
    if op == "CreateWebACL":
        summary = response["Summary"]
        return {"id": summary["Id"], "arn": summary["ARN"]}
    if op == "AssociateWebACL":
        return {"id": f"{p['WebACLArn']},{p['ResourceArn']}"}
    if op == "CreateFlowLogs":
        assert not response.get("Unsuccessful"), response["Unsuccessful"]
        return {"id": response["FlowLogIds"][0]}
    if op == "DescribeSecurityGroups":
        return {"id": response["SecurityGroups"][0]["GroupId"]}
    raise AssertionError(
        f"{call.resource_type}: no rule for reading what {op} created; add one to _real_outputs"
    )


def _mock_to_real(resource: Recorded, real: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in real.items():
        mock = resource.id if key == "id" else resource.outputs.get(key)
        if isinstance(mock, str) and isinstance(value, str) and mock and mock != value:
            found[mock] = value
    return found


class _Substitution:
    """Replace a resource's mock references with real values, among its own dependencies."""

    def __init__(self, candidates: list[tuple[str, dict[str, str]]], global_map: dict[str, str]) -> None:
        self.candidates = candidates  # (resource type, mock -> real), self first
        self.global_map = global_map
        unambiguous: dict[str, str] = {}
        counts: dict[str, int] = {}
        for _, mapping in candidates:
            for mock, real in mapping.items():
                counts[mock] = counts.get(mock, 0) + (0 if unambiguous.get(mock) == real else 1)
                unambiguous[mock] = real
        self.inline = {m: r for m, r in unambiguous.items() if counts[m] == 1} | global_map
        ordered = sorted(self.inline, key=len, reverse=True)
        self.pattern = (
            regex.compile(r"(?<![\w-])(?:" + "|".join(regex.escape(m) for m in ordered) + r")(?![\w-])")
            if ordered
            else None
        )

    def exact(self, value: str, field_name: str) -> str | None:
        if value in self.global_map:
            return self.global_map[value]
        matches = [(type_, mapping[value]) for type_, mapping in self.candidates if value in mapping]
        if not matches:
            return None
        if len({real for _, real in matches}) > 1:
            wanted = FIELD_TYPES.get(field_name, ())
            matches = [m for m in matches if m[0] in wanted]
            assert len({real for _, real in matches}) == 1, f"{field_name}={value!r} is ambiguous: {matches}"
        return matches[0][1]

    def apply(self, value: Any, field_name: str = "") -> Any:
        if isinstance(value, dict):
            return {k: self.apply(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.apply(v, field_name) for v in value]
        if isinstance(value, str):
            found = self.exact(value, field_name)
            if found is not None:
                return found
            if self.pattern is not None:  # ARNs inside policy documents, resource ids, labels
                return self.pattern.sub(lambda m: self.inline[m.group(0)], value)
        return value


@functools.cache
def _aws_managed_policies() -> dict[str, Any]:
    """moto's copy of AWS's managed policies, parsed once (moto would parse it per backend)."""
    parsed: dict[str, Any] = json.loads(aws_managed_policies_data)
    return parsed


def _install_aws_managed_policies(arns: set[str]) -> None:
    """Make the AWS managed policies the program attaches exist in moto, if AWS has them.

    moto loads all of AWS's managed policies only with MOTO_IAM_LOAD_MANAGED_POLICIES, at
    about 0.6 s per IAM backend; adding just the named ones keeps the check (attaching a
    policy AWS does not have fails with NoSuchEntity) at a fraction of the cost.
    """
    known = _aws_managed_policies()
    for arn in arns:
        found = regex.fullmatch(r"arn:(aws[\w-]*):iam::aws:policy(/.*/|/)([^/]+)", arn)
        if found is None or found.group(3) not in known:
            continue
        partition, path, name = found.groups()
        data = known[name]
        if data.get("Path", "/") != path:
            continue
        backend = iam_backends[ACCOUNT][partition]
        policy = AWSManagedPolicy.from_data(name, ACCOUNT, partition, data)
        backend.managed_policies[policy.arn] = policy


def _add_aws_default_group_rule(clients: Clients, vpc_id: str) -> None:
    """AWS gives a new VPC's default security group an inbound rule from the group itself (and
    all outbound); moto (5.x) creates the group with the outbound rule only. Adding the inbound
    one makes moto's VPC look like AWS's, so revoking it (aws:ec2/defaultSecurityGroup) is
    checked rather than refused."""
    ec2 = clients("ec2")
    groups = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    for group in groups:
        if not group.get("IpPermissions"):
            ec2.authorize_security_group_ingress(
                GroupId=group["GroupId"],
                IpPermissions=[{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": group["GroupId"]}]}],
            )


def replay(translations: list[Translation], region: str, prepare: Prepare | None = None) -> Outcome:
    """Check and send every request in order against a fresh moto; collect what fails."""
    outcome = Outcome()
    with mock_aws():  # without moto's default AMIs (tests/conftest.py)
        _install_aws_managed_policies(
            {
                c.params["PolicyArn"]
                for t in translations
                for c in t.calls
                if c.operation == "AttachRolePolicy"
            }
        )
        clients = clients_for(region)
        global_map = prepare(clients) if prepare else {}
        real_by_urn: dict[str, dict[str, str]] = {}
        type_by_urn = {t.resource.urn: t.resource.type for t in translations}
        for translation in translations:
            resource = translation.resource
            for call in translation.calls:
                urns = [resource.urn, *resource.depends_on]
                candidates = [(type_by_urn.get(u, ""), real_by_urn[u]) for u in urns if u in real_by_urn]
                substitution = _Substitution(candidates, global_map)
                sent = replace(call, params=substitution.apply(call.params))
                outcome.violations += check_call(sent)
                outcome.sent.append(sent)
                where = f"{resource.type} ({resource.name}): {call.service}:{call.operation}"
                key = (call.service, call.operation)
                if key in MOTO_SKIPS:
                    outcome.skipped.append(f"{where}: {MOTO_SKIPS[key]}")
                    continue
                try:
                    response = getattr(clients(call.service), xform_name(call.operation))(**sent.params)
                except ClientError as error:
                    info = error.response.get("Error", {})
                    outcome.moto_errors.append(
                        f"{where}: AWS (moto) refused: {info.get('Code')}: {info.get('Message')}"
                    )
                    continue
                except ParamValidationError as error:
                    outcome.moto_errors.append(f"{where}: botocore refused to send: {error}")
                    continue
                if call.operation == "CreateVpc":
                    _add_aws_default_group_rule(clients, response["Vpc"]["VpcId"])
                if call.creates:
                    real = _real_outputs(sent, response, region)
                    real_by_urn[resource.urn] = _mock_to_real(resource, real)
                    outcome.replaced.update(real_by_urn[resource.urn])
            outcome.violations += check_tags(translation)
    return outcome
