"""Check a request against AWS's rules: botocore's service model plus what the model only says in text.

botocore's own ``ParamValidator`` checks types, required members and minimums only (AWS may
raise a maximum without a client release, so botocore leaves maximums, enums and patterns
to the service). The service still enforces them, so ``check_call`` walks the input shape
itself: unknown members, required members, types, min/max lengths and ranges, enums and
patterns. ``TEXT_RULES`` adds the constraints the model states only in its documentation
(each rule quotes it), and ``TAG_RULES`` the tagging limits every taggable resource shares.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import botocore.session
import regex
from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape
from botocore.validate import ParamValidator

from tests.contract.translate import ApiCall, Translation


@dataclass(frozen=True)
class Violation:
    """One value AWS would reject, said so a reader can find and fix it."""

    resource: str
    """``<type> (<name>)``."""
    call: str
    """``<service>:<Operation>``."""
    path: str
    value: Any
    rule: str

    def __str__(self) -> str:
        shown = repr(self.value)
        if len(shown) > 120:
            shown = shown[:117] + "..."
        return f"{self.resource}: {self.call} {self.path} = {shown}: {self.rule}"


@functools.cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@functools.cache
def operation_model(service: str, operation: str) -> OperationModel:
    return _session().get_service_model(service).operation_model(operation)


# Java regex notations in AWS patterns that Python's `regex` reads differently.
JAVA_REWRITES = (
    # A UTF-16 surrogate pair range means every supplementary code point.
    (r"\uD800\uDC00-\uDBFF\uDFFF", r"\U00010000-\U0010FFFF"),
)


@functools.cache
def _pattern(pattern: str) -> Any:
    """AWS patterns are Java regexes matched against the whole value; the `regex` module
    understands their \\p{...} classes (\\p{L}, \\p{Print}) that `re` does not."""
    for java, python in JAVA_REWRITES:
        pattern = pattern.replace(java, python)
    return regex.compile(pattern)


# --- constraints the model states only in prose ------------------------------------------------

EC2_DESCRIPTION_CHARS = r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*"
# UserIdGroupPair's documentation leaves "&" out of the list.
EC2_GROUP_PAIR_DESCRIPTION_CHARS = r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=;{}!$*]*"
ELB_NAME = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
ECS_NAME = r"[a-zA-Z0-9_-]{1,255}"


@dataclass(frozen=True)
class TextRule:
    """A documented constraint botocore's model carries only as text."""

    check: Callable[[Any], bool]
    doc: str
    """The documentation's own words (service model / API reference)."""


def _matches(pattern: str, max_length: int | None = None) -> Callable[[Any], bool]:
    compiled = regex.compile(pattern)

    def check(value: Any) -> bool:
        text = str(value)
        return compiled.fullmatch(text) is not None and (max_length is None or len(text) <= max_length)

    return check


def _multiple_of_tenth(low: float, high: float) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        return low <= float(value) <= high and abs(round(float(value) * 10) - float(value) * 10) < 1e-9

    return check


def _int_range(low: int, high: int) -> Callable[[Any], bool]:
    return lambda value: low <= int(value) <= high


def _lambda_environment_size(value: Any) -> bool:
    variables = (value or {}).get("Variables") or {}
    return len(json.dumps(variables, separators=(",", ":")).encode()) <= 4096


def _lambda_function_name(value: Any) -> bool:
    text = str(value)
    return text.startswith("arn:") or ":" in text or len(text) <= 64


_EC2_RULE_DOC = (
    "Constraints: Up to 255 characters in length. Allowed characters are a-z, A-Z, 0-9, spaces, "
    "and ._-:/()#,@[]+=&;{}!$*"
)
_ELB_NAME_DOC = (
    "can have a maximum of 32 characters, must contain only alphanumeric characters or hyphens, "
    "and must not begin or end with a hyphen"
)

# (service, structure shape, member) -> rules. The structure is the shape that holds the member.
TEXT_RULES: dict[tuple[str, str, str], list[TextRule]] = {
    ("ec2", "CreateSecurityGroupRequest", "Description"): [
        TextRule(
            _matches(EC2_DESCRIPTION_CHARS, 255),
            "Constraints: Up to 255 characters in length. Valid characters: a-z, A-Z, 0-9, spaces, "
            "and ._-:/()#,@[]+=&;{}!$*",
        )
    ],
    ("ec2", "CreateSecurityGroupRequest", "GroupName"): [
        TextRule(
            _matches(EC2_DESCRIPTION_CHARS, 255),
            "Constraints: Up to 255 characters in length. Valid characters: a-z, A-Z, 0-9, spaces, "
            "and ._-:/()#,@[]+=&;{}!$*",
        ),
        TextRule(lambda v: not str(v).lower().startswith("sg-"), "Can't start with sg-."),
    ],
    ("ec2", "IpRange", "Description"): [TextRule(_matches(EC2_DESCRIPTION_CHARS, 255), _EC2_RULE_DOC)],
    ("ec2", "Ipv6Range", "Description"): [TextRule(_matches(EC2_DESCRIPTION_CHARS, 255), _EC2_RULE_DOC)],
    ("ec2", "PrefixListId", "Description"): [TextRule(_matches(EC2_DESCRIPTION_CHARS, 255), _EC2_RULE_DOC)],
    ("ec2", "UserIdGroupPair", "Description"): [
        TextRule(
            _matches(EC2_GROUP_PAIR_DESCRIPTION_CHARS, 255),
            "Constraints: Up to 255 characters in length. Allowed characters are a-z, A-Z, 0-9, spaces, "
            "and ._-:/()#,@[]+=;{}!$*",
        )
    ],
    ("elbv2", "CreateTargetGroupInput", "Name"): [TextRule(_matches(ELB_NAME, 32), _ELB_NAME_DOC)],
    ("elbv2", "CreateLoadBalancerInput", "Name"): [
        TextRule(_matches(ELB_NAME, 32), _ELB_NAME_DOC),
        TextRule(lambda v: not str(v).startswith("internal-"), 'must not begin with "internal-"'),
    ],
    ("lambda", "CreateFunctionRequest", "FunctionName"): [
        TextRule(
            _lambda_function_name,
            "The length constraint applies only to the full ARN. If you specify only the function name, "
            "it is limited to 64 characters in length.",
        )
    ],
    ("lambda", "CreateFunctionRequest", "Environment"): [
        TextRule(
            _lambda_environment_size,
            "Lambda quotas: Function environment variables: 4 KB, for all environment variables "
            "associated with the function, in aggregate",
        )
    ],
    ("ecs", "CreateServiceRequest", "serviceName"): [
        TextRule(
            _matches(ECS_NAME),
            "Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed.",
        )
    ],
    ("ecs", "CreateClusterRequest", "clusterName"): [
        TextRule(
            _matches(ECS_NAME),
            "Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed.",
        )
    ],
    ("ecs", "RegisterTaskDefinitionRequest", "family"): [
        TextRule(
            _matches(ECS_NAME),
            "Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed.",
        )
    ],
    ("ecs", "CanaryConfiguration", "canaryPercent"): [
        TextRule(_multiple_of_tenth(0.1, 100.0), "Valid values are multiples of 0.1 from 0.1 to 100.0.")
    ],
    ("ecs", "CanaryConfiguration", "canaryBakeTimeInMinutes"): [
        TextRule(_int_range(0, 1440), "Valid values are 0 to 1440 minutes (24 hours).")
    ],
    ("ecs", "LinearConfiguration", "stepPercent"): [
        TextRule(_multiple_of_tenth(3.0, 100.0), "Valid values are multiples of 0.1 from 3.0 to 100.0.")
    ],
    ("ecs", "LinearConfiguration", "stepBakeTimeInMinutes"): [
        TextRule(_int_range(0, 1440), "Valid values are 0 to 1440 minutes (24 hours).")
    ],
    ("sns", "CreateTopicInput", "Name"): [
        TextRule(
            _matches(r"[A-Za-z0-9_-]{1,256}"),
            "Topic names must be made up of only uppercase and lowercase ASCII letters, numbers, "
            "underscores, and hyphens, and must be between 1 and 256 characters long.",
        )
    ],
    ("codedeploy", "AlarmConfiguration", "alarms"): [
        TextRule(lambda v: len(v) <= 10, "A maximum of 10 alarms can be added.")
    ],
    ("codedeploy", "BlueInstanceTerminationOption", "terminationWaitTimeInMinutes"): [
        TextRule(_int_range(0, 2880), "The maximum setting is 2880 minutes (2 days).")
    ],
    ("iam", "PutRolePolicyRequest", "PolicyDocument"): [
        TextRule(
            lambda v: len(regex.sub(r"\s", "", str(v))) <= 10240,
            "IAM quotas: Role policy size cannot exceed 10,240 characters (white space not counted)",
        )
    ],
}

# Tags, for every taggable resource after the provider's default_tags are merged in.
# (AWS General Reference, "Tagging AWS resources"; EC2's Tag shape says 127 for keys.)
TAG_LIMITS_DOC = (
    "Maximum number of tags per resource - 50; Maximum key length - 128 Unicode characters in UTF-8; "
    "Maximum value length - 256 Unicode characters in UTF-8; do not use aws: as a prefix for keys"
)
MAX_TAGS = 50
MAX_KEY = {"ec2": 127}
DEFAULT_MAX_KEY = 128
MAX_VALUE = 256


def check_tags(translation: Translation) -> list[Violation]:
    tags = translation.tags
    if not tags:
        return []
    create = next(c for c in translation.calls if c.creates)
    resource = f"{create.resource_type} ({create.resource_name})"
    call = f"{create.service}:{create.operation}"
    path = translation.tag_field
    found: list[Violation] = []
    if len(tags) > MAX_TAGS:
        found.append(
            Violation(resource, call, path, f"{len(tags)} tags", f"at most {MAX_TAGS} tags: {TAG_LIMITS_DOC}")
        )
    max_key = MAX_KEY.get(create.service, DEFAULT_MAX_KEY)
    for key, value in tags.items():
        if not 1 <= len(key) <= max_key:
            found.append(
                Violation(
                    resource,
                    call,
                    f"{path}[{key!r}]",
                    key,
                    f"tag key 1-{max_key} characters: {TAG_LIMITS_DOC}",
                )
            )
        if key.lower().startswith("aws:"):
            found.append(
                Violation(
                    resource,
                    call,
                    f"{path}[{key!r}]",
                    key,
                    f"tag key must not start with aws:: {TAG_LIMITS_DOC}",
                )
            )
        if len(str(value)) > MAX_VALUE:
            found.append(
                Violation(
                    resource,
                    call,
                    f"{path}[{key!r}].Value",
                    value,
                    f"tag value at most {MAX_VALUE} characters: {TAG_LIMITS_DOC}",
                )
            )
    return found


# --- IAM actions and resource types (Service Authorization Reference) --------------------------

# Actions whose "Resource types" column is empty: AWS only matches them against "*", so a
# statement that names an ARN for them is accepted and then never grants anything.
ACTIONS_WITHOUT_RESOURCE_TYPES: dict[str, str] = {
    "ecr:GetAuthorizationToken": "Actions defined by Amazon ECR: GetAuthorizationToken",
    "codedeploy:PutLifecycleEventHookExecutionStatus": (
        "Actions defined by AWS CodeDeploy: PutLifecycleEventHookExecutionStatus"
    ),
    "ec2:DescribeNetworkInterfaces": "Actions defined by Amazon EC2: DescribeNetworkInterfaces",
    "ec2:DescribeSubnets": "Actions defined by Amazon EC2: DescribeSubnets",
    **{
        f"xray:{action}": f"Actions defined by AWS X-Ray: {action}"
        for action in (
            "PutTraceSegments",
            "PutTelemetryRecords",
            "GetSamplingRules",
            "GetSamplingTargets",
            "GetSamplingStatisticSummaries",
        )
    },
    **{
        f"ssmmessages:{action}": (
            f"Actions defined by Amazon Session Manager Message Gateway Service: {action}"
        )
        for action in ("CreateControlChannel", "CreateDataChannel", "OpenControlChannel", "OpenDataChannel")
    },
}
# Actions that take the resource type named here (so an ARN, or "*", is fine).
ACTIONS_WITH_RESOURCE_TYPES: dict[str, str] = {
    "ecr:BatchCheckLayerAvailability": "repository",
    "ecr:BatchGetImage": "repository",
    "ecr:GetDownloadUrlForLayer": "repository",
    "logs:CreateLogStream": "log-group",
    "logs:PutLogEvents": "log-stream",
    "secretsmanager:GetSecretValue": "Secret",
    "ssm:GetParameters": "parameter",
    "lambda:InvokeFunction": "function",
    "ec2:CreateNetworkInterface": "network-interface, subnet, security-group",
    "ec2:DeleteNetworkInterface": "network-interface",
    "ec2:AssignPrivateIpAddresses": "network-interface",
    "ec2:UnassignPrivateIpAddresses": "network-interface",
    "logs:DescribeLogStreams": "log-group",
}
SAR = "Service Authorization Reference"


def check_policy_actions(call: ApiCall) -> list[Violation]:
    """Statements that allow an action on a resource type AWS does not have for it."""
    if call.operation != "PutRolePolicy":
        return []
    resource = f"{call.resource_type} ({call.resource_name})"
    where = f"{call.service}:{call.operation}"
    try:
        document = json.loads(call.params.get("PolicyDocument", ""))
    except ValueError:
        return []  # not JSON: IAM's own grammar check (moto) reports it
    statements = document.get("Statement") or []
    found: list[Violation] = []
    for index, statement in enumerate(statements if isinstance(statements, list) else [statements]):
        actions = statement.get("Action") or []
        resources = statement.get("Resource") or []
        actions = actions if isinstance(actions, list) else [actions]
        resources = resources if isinstance(resources, list) else [resources]
        path = f"PolicyDocument.Statement[{index}]"
        for action in actions:
            if action in ACTIONS_WITHOUT_RESOURCE_TYPES:
                if "*" not in resources:
                    found.append(
                        Violation(
                            resource,
                            where,
                            f"{path}.Resource",
                            resources,
                            f"{action} has no resource types ({SAR}, "
                            f"{ACTIONS_WITHOUT_RESOURCE_TYPES[action]}): only "
                            '"Resource": "*" matches it, so this statement never allows it',
                        )
                    )
            elif action not in ACTIONS_WITH_RESOURCE_TYPES:
                found.append(
                    Violation(
                        resource,
                        where,
                        f"{path}.Action",
                        action,
                        f"not yet classified: add it to ACTIONS_WITH(OUT)_RESOURCE_TYPES in "
                        f"tests/contract/model_rules.py from the {SAR}",
                    )
                )
    return found


# --- the model walk -------------------------------------------------------------------------------


class _Walk:
    def __init__(self, call: ApiCall) -> None:
        self.service = call.service
        self.resource = f"{call.resource_type} ({call.resource_name})"
        self.call = f"{call.service}:{call.operation}"
        self.found: list[Violation] = []

    def fail(self, path: str, value: Any, rule: str) -> None:
        self.found.append(Violation(self.resource, self.call, path, value, rule))

    def walk(self, value: Any, shape: Shape, path: str) -> None:
        kind = shape.type_name
        if isinstance(shape, StructureShape):
            self._structure(value, shape, path)
        elif isinstance(shape, ListShape):
            if not isinstance(value, list):
                self.fail(path, value, f"must be a list ({shape.name})")
                return
            self._bounds(len(value), shape, path, value, "items")
            for index, item in enumerate(value):
                self.walk(item, shape.member, f"{path}[{index}]")
        elif isinstance(shape, MapShape):
            if not isinstance(value, dict):
                self.fail(path, value, f"must be a map ({shape.name})")
                return
            self._bounds(len(value), shape, path, value, "entries")
            for key, item in value.items():
                self.walk(key, shape.key, f"{path}.<key {key!r}>")
                self.walk(item, shape.value, f"{path}[{key!r}]")
        elif kind == "string":
            self._string(value, shape, path)
        elif kind in ("integer", "long"):
            if isinstance(value, bool) or not isinstance(value, int):
                self.fail(path, value, f"must be an integer ({shape.name})")
                return
            self._bounds(value, shape, path, value, "value")
        elif kind in ("double", "float"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.fail(path, value, f"must be a number ({shape.name})")
                return
            self._bounds(value, shape, path, value, "value")
        elif kind == "boolean":
            if not isinstance(value, bool):
                self.fail(path, value, f"must be a boolean ({shape.name})")
        elif kind == "blob":
            if not isinstance(value, (bytes, bytearray, str)):
                self.fail(path, value, f"must be bytes ({shape.name})")
                return
            self._bounds(len(value), shape, path, f"<{len(value)} bytes>", "bytes")

    def _structure(self, value: Any, shape: StructureShape, path: str) -> None:
        if not isinstance(value, dict):
            self.fail(path, value, f"must be a structure ({shape.name})")
            return
        for required in shape.required_members:
            if required not in value:
                self.fail(
                    f"{path}.{required}" if path else required,
                    None,
                    f"required member of {shape.name} is missing",
                )
        for key, item in value.items():
            member_path = f"{path}.{key}" if path else key
            if key not in shape.members:
                self.fail(
                    member_path,
                    item,
                    f"{key!r} is not a member of {shape.name} (model: {sorted(shape.members)})",
                )
                continue
            member = shape.members[key]
            self.walk(item, member, member_path)
            for rule in TEXT_RULES.get((self.service, shape.name, key), []):
                try:
                    ok = rule.check(item)
                except (TypeError, ValueError):
                    ok = False
                if not ok:
                    self.fail(member_path, item, f"AWS documents: {rule.doc!r}")

    def _string(self, value: Any, shape: Shape, path: str) -> None:
        if not isinstance(value, str):
            self.fail(path, value, f"must be a string ({shape.name})")
            return
        self._bounds(len(value), shape, path, value, "characters")
        enum = shape.enum
        if enum and value not in enum:
            self.fail(path, value, f"must be one of {shape.name}'s values {list(enum)}")
        pattern = shape.metadata.get("pattern")
        if pattern and _pattern(pattern).fullmatch(value) is None:
            self.fail(path, value, f"must match {shape.name}'s pattern {pattern!r}")

    def _bounds(self, measured: float, shape: Shape, path: str, value: Any, unit: str) -> None:
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and measured < low:
            self.fail(path, value, f"{shape.name}: at least {low} {unit} (got {measured})")
        if high is not None and measured > high:
            self.fail(path, value, f"{shape.name}: at most {high} {unit} (got {measured})")


def check_call(call: ApiCall) -> list[Violation]:
    """Every rule of the model and TEXT_RULES that ``call`` breaks; botocore's own validator too."""
    model = operation_model(call.service, call.operation)
    walk = _Walk(call)
    walk.walk(call.params, model.input_shape, "")
    report = ParamValidator().validate(call.params, model.input_shape)
    if report.has_errors():
        # botocore's own findings, kept as a cross-check on the walk above.
        for line in report.generate_report().splitlines()[1:]:
            walk.fail("(botocore)", None, f"botocore ParamValidator: {line.strip()}")
    return walk.found + check_policy_actions(call)


def check_translation(translation: Translation) -> list[Violation]:
    found: list[Violation] = []
    for call in translation.calls:
        found += check_call(call)
    return found + check_tags(translation)
