"""One reader of declared resources, for the policy pack and the offline preview.

Both read the same resources and ask the same questions of them: the resources of a type, a
nested property with a default, a number, the alarms a deployment watches and their rollback
windows. They get the resources in different shapes: the pack as ``pulumi_policy``'s
``PolicyResource`` (``resource_type``, ``props``, values possibly unknown or secret), the
preview as ``preview.engine.Recorded`` (``type``, ``inputs``, plain values). A :class:`Reader`
is told how to take a resource's type and properties apart, and, for the pack, how its runtime
marks an unknown value or wraps a secret; the pack keeps that knowledge in ``policy/values.py``.

The policy pack imports this module from its own environment (policy/venv), so it must import
nothing outside the standard library (tests/specs/test_release_model.py checks that).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from specs.release_model import AlarmWindow, N

# --------------------------------------------------------------------------- type tokens

ECR_REPOSITORY = "aws:ecr/repository:Repository"
ECR_LIFECYCLE_POLICY = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
ECS_SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
DEPLOYMENT_GROUP = "aws:codedeploy/deploymentGroup:DeploymentGroup"
DEPLOYMENT_CONFIG = "aws:codedeploy/deploymentConfig:DeploymentConfig"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
LAMBDA_FUNCTION = "aws:lambda/function:Function"
WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
RELEASE = "pulumi-python:dynamic/codedeploy:Release"
"""The release resource under the CodeDeploy engine (components/release.py)."""
ECS_RELEASE = "pulumi-python:dynamic/ecs:ServiceRelease"
"""The release resource under the ECS engine."""

# --------------------------------------------------------------------------- values


class _Unknown:
    """A value that is not known yet (a preview of a resource that does not exist)."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN: Any = _Unknown()
"""What :meth:`Reader.get` returns for a value it cannot know."""
_MISSING = object()


def _never(value: Any) -> bool:
    del value
    return False


def _same(value: Any) -> Any:
    return value


def _is_sequence(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def number(value: Any) -> float | None:
    """A real number, or None for unknown, absent or non-numeric values (booleans and text included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def number_or_text(value: Any) -> float | None:
    """A number, or the provider's numeric text ("5"); None if unknown, absent or not a finite number."""
    if isinstance(value, str):
        try:
            parsed = float(value)
        except ValueError:
            return None
        return parsed if math.isfinite(parsed) else None
    return number(value)


def required_number(value: Any, what: str) -> float:
    """A number given as a number or as text; ValueError naming ``what`` when it is missing or not one."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{what} is missing or not a number (got {value!r})")
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{what} is not a number (got {value!r})") from None


def required_whole_number(value: Any, what: str) -> int:
    """A whole number (``30`` or ``30.0``, also as text); ValueError naming ``what`` otherwise."""
    number = required_number(value, what)
    if not math.isfinite(number) or number != int(number):
        raise ValueError(f"{what} is not a whole number (got {value!r})")
    return int(number)


def parse_json(value: Any) -> Any:
    """A JSON document that may come as text (the provider's input type) or already parsed."""
    if isinstance(value, str):
        return json.loads(value)
    return value


# --------------------------------------------------------------------------- the reader

R = TypeVar("R")


@dataclass(frozen=True)
class Reader(Generic[R]):
    """Reads declared resources of one shape ``R`` and the property values they hold."""

    type_of: Callable[[R], str]
    """A resource's Pulumi type token."""
    props_of: Callable[[R], Any]
    """A resource's properties (camelCase, as the engine passes them)."""
    is_unknown: Callable[[Any], bool] = _never
    """Whether a value is the runtime's stand-in for one not known yet (besides :data:`UNKNOWN`)."""
    reveal: Callable[[Any], Any] = _same
    """The value inside a wrapper the runtime puts around some values (a secret's value)."""
    unknown_errors: tuple[type[Exception], ...] = ()
    """What reading into a value raises when the part read is not known yet."""

    # ----------------------------------------------------------------------- values

    def unknown(self, value: Any) -> bool:
        return value is UNKNOWN or self.is_unknown(value)

    def get(self, values: Any, *path: str | int, default: Any = None) -> Any:
        """``values[path[0]][path[1]]...``; ``default`` when absent or None, :data:`UNKNOWN` when unknown."""
        current = values
        try:
            for key in path:
                current = self.reveal(current)
                if self.unknown(current):
                    return UNKNOWN
                if isinstance(key, int):
                    if not _is_sequence(current) or not -len(current) <= key < len(current):
                        return default
                    current = current[key]
                else:
                    if not isinstance(current, Mapping):
                        return default
                    current = current.get(key, _MISSING)
                    if current is _MISSING:
                        return default
        except self.unknown_errors:
            return UNKNOWN
        current = self.reveal(current)
        if self.unknown(current):
            return UNKNOWN
        return default if current is None else current

    def items(self, value: Any) -> list[Any]:
        """The elements of a list-like value ([] when absent, [UNKNOWN] when unknown)."""
        if self.unknown(value):
            return [UNKNOWN]
        if not _is_sequence(value):
            return []
        out = []
        for index in range(len(value)):
            try:
                out.append(value[index])
            except self.unknown_errors:
                out.append(UNKNOWN)
        return out

    # ----------------------------------------------------------------------- resources

    def of_type(self, resources: Iterable[R], resource_type: str) -> list[R]:
        return [r for r in resources if self.type_of(r) == resource_type]

    def prop(self, resource: R, *path: str | int, default: Any = None) -> Any:
        """A property of ``resource`` by its path, as :meth:`get` reads it."""
        return self.get(self.props_of(resource), *path, default=default)

    def alarms_by_name(self, resources: Iterable[R]) -> dict[str, R]:
        """The stack's metric alarms by their ``name`` (those whose name is known)."""
        alarms: dict[str, R] = {}
        for alarm in self.of_type(resources, METRIC_ALARM):
            alarm_name = self.prop(alarm, "name")
            if isinstance(alarm_name, str):
                alarms[alarm_name] = alarm
        return alarms

    def alarm_windows(
        self,
        alarms_by_name: Mapping[str, R],
        names: Any,
        read: Callable[[R, str], N | None],
        not_declared: Callable[[Any], object] = _never,
    ) -> list[AlarmWindow[N]]:
        """The rollback windows of the alarms ``names`` lists, in its order.

        ``read(alarm, "period")`` and ``read(alarm, "evaluationPeriods")`` give an alarm's
        numbers; an alarm with either None is left out (unknown here). A name no declared alarm
        has is passed to ``not_declared`` (which may raise) and left out.
        """
        windows = []
        for alarm_name in self.items(names):
            alarm = alarms_by_name.get(alarm_name) if isinstance(alarm_name, str) else None
            if alarm is None:
                not_declared(alarm_name)
                continue
            period = read(alarm, "period")
            evaluations = read(alarm, "evaluationPeriods")
            if period is not None and evaluations is not None:
                windows.append(AlarmWindow(alarm_name, period, evaluations))
        return windows
