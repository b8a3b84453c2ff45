"""The declared resources as a tree of components and children, with the settings that matter."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from preview.engine import ProgramRun, Recorded
from preview.plain import on_off, plain
from preview.release_params import ecs_routing
from specs import ecs_engine
from specs.codedeploy_engine import traffic_config_words
from specs.engine_move import IN_PLACE_WORDS


def _short_type(token: str) -> str:
    """``aws:lb/targetGroup:TargetGroup`` -> ``TargetGroup``."""
    return token.rsplit(":", 1)[-1]


def _listener(r: Recorded) -> str:
    action = (r.inputs.get("defaultActions") or [{}])[0]
    kind = action.get("type")
    if kind == "redirect":
        target = "redirect to HTTPS"
    elif kind == "fixed-response":
        status = (action.get("fixedResponse") or {}).get("statusCode")
        target = f"default: fixed {status} (traffic goes through its listener rule)"
    else:
        target = "forward to blue"
    owned = ""
    if "defaultActions" in r.ignore_changes:
        # Under the ECS engine the move from CodeDeploy sets it (components/engine_move.py).
        owned = (
            ", default action owned by CodeDeploy"
            if kind == "forward"
            else ", default action kept as created or set by the engine move"
        )
    return f"{r.inputs.get('protocol')} :{r.inputs.get('port')}, {target}{owned}"


def _target_group_label(arn: str) -> str:
    """``blue`` / ``green`` for the stack's target groups, else the group's name from its ARN."""
    name = (
        arn.split("targetgroup/", 1)[1].split("/", 1)[0] if "targetgroup/" in arn else arn.rsplit(":", 1)[-1]
    )
    color = name.rsplit("-", 1)[-1]
    return color if color in ("blue", "green") else name


def _conditions(conditions: list[dict[str, Any]]) -> str:
    parts = []
    for condition in conditions:
        for key, value in condition.items():
            values = (value or {}).get("values") if isinstance(value, dict) else None
            shown = ", ".join(str(v) for v in values) if values else plain(value)
            parts.append(f"{'path' if key == 'pathPattern' else key} {shown}")
    return " and ".join(parts) or "no condition"


def _listener_rule(r: Recorded) -> str:
    action = (r.inputs.get("actions") or [{}])[0]
    groups = (action.get("forward") or {}).get("targetGroups") or []
    if groups:
        target = "forward " + " / ".join(
            f"{_target_group_label(str(g['arn']))} {g['weight']}" for g in groups
        )
    elif action.get("targetGroupArn"):
        target = f"forward {_target_group_label(str(action['targetGroupArn']))}"
    else:
        target = str(action.get("type"))
    owned = ", weights owned by ECS" if "actions" in r.ignore_changes else ""
    return (
        f"priority {r.inputs.get('priority')}, {_conditions(r.inputs.get('conditions') or [])}, "
        f"{target}{owned}"
    )


def _target_group(r: Recorded) -> str:
    check = r.inputs.get("healthCheck") or {}
    return (
        f"{r.inputs.get('targetType')} targets on :{r.inputs.get('port')}, health {check.get('path')} "
        f"every {check.get('interval')} s (timeout {check.get('timeout')} s, healthy after 1 check when new, "
        f"{check.get('healthyThreshold')} when unhealthy; "
        f"unhealthy after {check.get('unhealthyThreshold')}), "
        f"draining {r.inputs.get('deregistrationDelay')} s"
    )


def _sidecar(container: dict[str, Any]) -> str:
    """``log-router (FireLens fluentbit, 32 CPU / 64 MiB, app waits START)``."""
    notes = []
    if container.get("firelensConfiguration"):
        notes.append(f"FireLens {container['firelensConfiguration'].get('type')}")
    notes.append(f"{container.get('cpu', 0)} CPU / {container.get('memoryReservation', 0)} MiB")
    if container.get("essential") is False:
        notes.append("not essential")
    ports = [str(p["containerPort"]) for p in container.get("portMappings") or []]
    if ports:
        notes.append(f":{', :'.join(ports)}")
    return f"{container['name']} ({', '.join(notes)})"


def _task_definition(r: Recorded) -> str:
    container, *sidecars = json.loads(r.inputs["containerDefinitions"])
    check = container.get("healthCheck")
    health = (
        f"health `{' '.join(check['command'][1:])}` every {check['interval']} s, "
        f"start period {check['startPeriod']} s"
        if check
        else "no container health check"
    )
    platform = (r.inputs.get("runtimePlatform") or {}).get("cpuArchitecture", "X86_64")
    return (
        f"{r.inputs.get('cpu')} CPU / {r.inputs.get('memory')} MiB {platform}, container {container['name']} "
        f":{container['portMappings'][0]['containerPort']}, {health}, "
        f"stop timeout {container.get('stopTimeout')} s"
        + (
            ", read-only root filesystem"
            + "".join(f", writable {m['containerPath']}" for m in container.get("mountPoints") or [])
            if container.get("readonlyRootFilesystem")
            else ", writable root filesystem"
        )
        + (
            f", logs via {container['logConfiguration']['logDriver']}"
            if (container.get("logConfiguration") or {}).get("logDriver") != "awslogs"
            else ""
        )
        + (
            "; sidecars: "
            + "; ".join(_sidecar(c) for c in sidecars)
            + "; app waits for "
            + (
                ", ".join(f"{d['containerName']} {d['condition']}" for d in container.get("dependsOn") or [])
                or "none"
            )
            if sidecars
            else ""
        )
        + (", old revisions kept" if r.inputs.get("skipDestroy") else "")
    )


def _bucket_policy(r: Recorded) -> str:
    statements = json.loads(r.inputs["policy"])["Statement"]
    parts = []
    for statement in statements:
        if statement["Effect"] == "Deny" and "aws:SecureTransport" in json.dumps(statement.get("Condition")):
            parts.append("denies plain HTTP")
        elif statement["Effect"] == "Allow":
            principal = next(iter(statement["Principal"].values()))
            parts.append(f"{statement['Action']} for {principal} on {statement['Resource']}")
    return "; ".join(parts)


def _web_acl(r: Recorded) -> str:
    rules = r.inputs.get("rules") or []
    counting = [
        rule["name"] for rule in rules if "count" in (rule.get("overrideAction") or rule.get("action") or {})
    ]
    mode = "count only (nothing blocked)" if counting and len(counting) == len(rules) else "blocking"
    rate = next(
        (
            rule["statement"]["rateBasedStatement"]
            for rule in rules
            if (rule.get("statement") or {}).get("rateBasedStatement")
        ),
        None,
    )
    limit = (
        f", rate limit {rate['limit']} per IP per {rate.get('evaluationWindowSec', 300)} s" if rate else ""
    )
    groups = [
        rule["name"] for rule in rules if (rule.get("statement") or {}).get("managedRuleGroupStatement")
    ]
    return f"{r.inputs.get('scope')}, {mode}: {', '.join(groups)}{limit}"


def _record(r: Recorded) -> str:
    aliases = r.inputs.get("aliases") or []
    if aliases:
        return f"{r.inputs.get('type')} {r.inputs.get('name')} alias to the ALB"
    return f"{r.inputs.get('type')} {r.inputs.get('name')} (certificate validation)"


def _service(r: Recorded) -> str:
    network = r.inputs.get("networkConfiguration") or {}
    public = "public IP" if network.get("assignPublicIp") else "no public IP"
    controller = (r.inputs.get("deploymentController") or {}).get("type")
    deploys = f"; {_ecs_deployment(r)}" if controller == "ECS" else ""
    if controller == "ECS" and "deploymentController" in r.ignore_changes:
        deploys += f"; a stack on CodeDeploy {IN_PLACE_WORDS} (EngineMove)"
    return (
        f"{r.inputs.get('desiredCount')} task(s) on {r.inputs.get('launchType')}, "
        f"{controller} controller, {public}, "
        f"grace {r.inputs.get('healthCheckGracePeriodSeconds')} s{deploys}; "
        f"ignores {', '.join(r.ignore_changes) or 'nothing'}"
    )


def _ecs_deployment(r: Recorded) -> str:
    """How an ECS-controlled service deploys: strategy, bake, alarms, circuit breaker, hooks."""
    config = r.inputs.get("deploymentConfiguration") or {}
    try:
        strategy = ecs_routing(r).config_name.removeprefix("ECS ")
    except ValueError:
        strategy = f"strategy {config.get('strategy') or 'ROLLING (default)'}"
    alarms = r.inputs.get("alarms") or {}
    names = alarms.get("alarmNames") or []
    if alarms.get("enable") and alarms.get("rollback"):
        watched = f"{len(names)} alarm(s) roll back"
    elif alarms.get("enable"):
        watched = f"{len(names)} alarm(s) watched, no rollback"
    else:
        watched = "no alarms"
    breaker = r.inputs.get("deploymentCircuitBreaker") or {}
    if breaker.get("enable"):
        circuit = "circuit breaker rolls back" if breaker.get("rollback") else "circuit breaker, no rollback"
    else:
        circuit = "no circuit breaker"
    stages = ecs_engine.lifecycle_hook_words(config.get("lifecycleHooks") or [])
    return (
        f"{strategy}, bake {config.get('bakeTimeInMinutes')} min, {watched}, {circuit}, "
        f"hooks {', '.join(stages) or 'none'}"
    )


def _deployment_group(r: Recorded) -> str:
    config = r.inputs.get("blueGreenDeploymentConfig") or {}
    wait = (config.get("terminateBlueInstancesOnDeploymentSuccess") or {}).get("terminationWaitTimeInMinutes")
    rollback = ", ".join((r.inputs.get("autoRollbackConfiguration") or {}).get("events", []))
    alarms = (r.inputs.get("alarmConfiguration") or {}).get("alarms") or []
    return (
        f"{r.inputs.get('deploymentConfigName')}, blue kept {wait} min, rollback on {rollback}, "
        f"{len(alarms)} alarm(s) wired"
    )


def _traffic_routing(config: dict[str, Any]) -> str:
    """``TimeBasedCanary: 10 % then 100 % after 5 min``, ``TimeBasedLinear: 10 % more every 1 min``
    (the CodeDeploy engine's words); any other routing as its settings."""
    words = traffic_config_words(config)
    if words is not None:
        return words
    kind = str(config.get("type"))
    others = {k: v for k, v in config.items() if k != "type"}
    return f"{kind}: {plain(others)}" if others else kind


def _alarm(r: Recorded) -> str:
    op = {"GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": ">="}.get(
        r.inputs.get("comparisonOperator", ""), "?"
    )
    return (
        f"{r.inputs.get('statistic')} {r.inputs.get('metricName')} {op} {r.inputs.get('threshold')} "
        f"for {r.inputs.get('evaluationPeriods')} x {r.inputs.get('period')} s"
    )


def _scaling_policy(config: dict[str, Any]) -> str:
    predefined = config.get("predefinedMetricSpecification")
    if predefined:
        return f"track {predefined['predefinedMetricType']} at {config['targetValue']:g}"
    returned = [m for m in config["customizedMetricSpecification"]["metrics"] if m.get("returnData")]
    label = returned[0].get("label") or returned[0].get("expression") if returned else "a custom metric"
    return f"track {label} at {config['targetValue']:g}"


def _release(r: Recorded) -> str:
    hooks = ", ".join(r.inputs.get("hooks") or {}) or "no hooks"
    return (
        f"deploys each new task definition through CodeDeploy ({hooks}), waits up to "
        f"{r.inputs.get('timeout_minutes'):g} min"
    )


def _service_release(r: Recorded) -> str:
    return (
        f"waits for each ECS service deployment of a new task definition, up to "
        f"{r.inputs.get('timeout_minutes'):g} min (ECS has {r.inputs.get('wait_seconds_for_start'):g} s "
        f"to start it; polls every {r.inputs.get('poll_seconds'):g} s"
        + (", stops it on timeout)" if r.inputs.get("stop_on_timeout") else ")")
    )


DESCRIBE: dict[str, Callable[[Recorded], str]] = {
    "aws:ecr/repository:Repository": lambda r: (
        f"tags {r.inputs.get('imageTagMutability')}, scan on push: "
        f"{on_off((r.inputs.get('imageScanningConfiguration') or {}).get('scanOnPush'))}"
        + (", protected" if r.protect else "")
    ),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": lambda r: "; ".join(
        rule["description"] for rule in json.loads(r.inputs["policy"])["rules"]
    ),
    "docker:index/image:Image": lambda r: (
        f"build {r.inputs['build']['context']} for {r.inputs['build'].get('platform')}, "
        f"push {r.inputs['imageName']}"
    ),
    "aws:ec2/vpc:Vpc": lambda r: f"{r.inputs.get('cidrBlock')}",
    "aws:ec2/subnet:Subnet": lambda r: (
        f"{r.inputs.get('cidrBlock')} in {r.inputs.get('availabilityZone')} "
        f"({(r.inputs.get('tags') or {}).get('tier')})"
    ),
    "aws:lb/loadBalancer:LoadBalancer": lambda r: (
        f"{'internal' if r.inputs.get('internal') else 'internet-facing'} ALB, idle timeout "
        f"{r.inputs.get('idleTimeout')} s"
        + (", deletion protection" if r.inputs.get("enableDeletionProtection") else "")
        + (
            ", access logs to s3://"
            + f"{r.inputs['accessLogs']['bucket']}/{r.inputs['accessLogs'].get('prefix', '')}"
            if (r.inputs.get("accessLogs") or {}).get("enabled")
            else ", no access logs"
        )
    ),
    "aws:acm/certificate:Certificate": lambda r: (
        f"{r.inputs.get('domainName')}, validated by {r.inputs.get('validationMethod')}"
    ),
    "aws:acm/certificateValidation:CertificateValidation": lambda r: (
        "waits until ACM has issued the certificate; the listeners serve it only then"
    ),
    "aws:route53/record:Record": _record,
    "aws:s3/bucket:Bucket": lambda r: f"{r.inputs.get('bucket')}",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": lambda r: (
        "all public access blocked"
        if all(
            r.inputs.get(k)
            for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
        )
        else "public access partly allowed"
    ),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": lambda r: (
        f"{r.inputs['rule']['objectOwnership']} (ACLs disabled)"
    ),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": lambda r: (
        f"{r.inputs['rules'][0]['applyServerSideEncryptionByDefault']['sseAlgorithm']} (SSE-S3)"
    ),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": lambda r: (
        f"objects expire after {r.inputs['rules'][0]['expiration']['days']} days"
    ),
    "aws:s3/bucketPolicy:BucketPolicy": _bucket_policy,
    "aws:wafv2/webAcl:WebAcl": _web_acl,
    "aws:wafv2/webAclAssociation:WebAclAssociation": lambda r: "protects the ALB",
    "aws:ec2/flowLog:FlowLog": lambda r: (
        f"{r.inputs.get('trafficType')} traffic of the VPC to CloudWatch Logs"
    ),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": lambda r: (
        f"{len(r.inputs.get('ingress') or [])} inbound / {len(r.inputs.get('egress') or [])} outbound rules"
    ),
    "aws:lb/targetGroup:TargetGroup": _target_group,
    "aws:lb/listener:Listener": _listener,
    "aws:lb/listenerRule:ListenerRule": _listener_rule,
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": lambda r: (
        f"in tcp :{r.inputs.get('fromPort')} from "
        f"{r.inputs.get('cidrIpv4') or r.inputs.get('cidrIpv6') or 'the ALB security group'}"
    ),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": lambda r: (
        f"out {r.inputs.get('ipProtocol')} "
        + (f":{r.inputs['fromPort']} " if r.inputs.get("fromPort") else "")
        + f"to {r.inputs.get('cidrIpv4') or 'the tasks security group'}"
    ),
    "aws:ecs/taskDefinition:TaskDefinition": _task_definition,
    "aws:ecs/cluster:Cluster": lambda r: (
        f"container insights {(r.inputs.get('settings') or [{}])[0].get('value')}"
    ),
    "aws:ecs/service:Service": _service,
    "aws:appautoscaling/target:Target": lambda r: (
        f"{r.inputs.get('minCapacity')}..{r.inputs.get('maxCapacity')} tasks"
    ),
    "aws:appautoscaling/policy:Policy": lambda r: _scaling_policy(
        r.inputs["targetTrackingScalingPolicyConfiguration"]
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _alarm,
    "aws:cloudwatch/logGroup:LogGroup": lambda r: (
        f"{r.inputs.get('name')}, {r.inputs.get('retentionInDays')} days"
    ),
    "aws:codedeploy/application:Application": lambda r: f"{r.inputs.get('computePlatform')} application",
    "aws:codedeploy/deploymentGroup:DeploymentGroup": _deployment_group,
    "aws:codedeploy/deploymentConfig:DeploymentConfig": lambda r: _traffic_routing(
        r.inputs["trafficRoutingConfig"]
    ),
    "aws:lambda/function:Function": lambda r: (
        f"{r.inputs.get('runtime')} {r.inputs.get('handler')}, "
        f"timeout {r.inputs.get('timeout'):g} s, in the VPC"
    ),
    "pulumi-python:dynamic/codedeploy:Release": _release,
    "pulumi-python:dynamic/ecs:ServiceRelease": _service_release,
    "pulumi-python:dynamic/ecs:LiveTargetGroups": lambda r: (
        "reads the target group production forwards to (blue on a new stack) before the rules exist; "
        "refuses while a release on CodeDeploy is in progress"
    ),
    "pulumi-python:dynamic/ecs:EngineMove": lambda r: (
        f"a service still on CodeDeploy {IN_PLACE_WORDS} (UpdateService) before the service update; "
        "else nothing"
    ),
}


def describe(resource: Recorded) -> str:
    """The settings of a resource worth seeing in a preview ('' when none)."""
    describer = DESCRIBE.get(resource.type)
    if describer is None:
        return ""
    try:
        return describer(resource)
    except (KeyError, IndexError, TypeError, ValueError):
        return ""


def _order(resource: Recorded) -> tuple[str, str]:
    """Registration order varies from run to run; type then name keeps reports diffable."""
    return resource.type, resource.name


def _children(run: ProgramRun) -> dict[str, list[Recorded]]:
    by_parent: dict[str, list[Recorded]] = {}
    for resource in sorted(run.resources, key=_order):
        by_parent.setdefault(resource.parent, []).append(resource)
    return by_parent


def tree_lines(run: ProgramRun) -> list[str]:
    """An indented tree: components, then their children, each with its settings."""
    by_parent = _children(run)
    lines: list[str] = []

    def walk(resource: Recorded, prefix: str, last: bool) -> None:
        branch = "└─ " if last else "├─ "
        detail = describe(resource)
        label = f"{_short_type(resource.type)} {resource.name}" + (f": {detail}" if detail else "")
        lines.append(f"{prefix}{branch}{label}")
        kids = by_parent.get(resource.urn, [])
        for index, kid in enumerate(kids):
            walk(kid, prefix + ("   " if last else "│  "), index == len(kids) - 1)

    urns = {r.urn for r in run.resources}
    roots = sorted(
        (r for r in run.resources if r.type != "pulumi:providers:aws" and r.parent not in urns),
        key=_order,
    )
    for index, root in enumerate(roots):
        walk(root, "", index == len(roots) - 1)
    return lines


def resource_counts(run: ProgramRun) -> dict[str, int]:
    """How many of each resource type (components and the provider left out)."""
    counts: dict[str, int] = {}
    for resource in run.resources:
        if resource.custom and not resource.type.startswith("pulumi:providers:"):
            counts[resource.type] = counts.get(resource.type, 0) + 1
    return dict(sorted(counts.items()))


def summary(run: ProgramRun) -> dict[str, Any]:
    """A few headline facts for the report's first table."""
    return {
        "resources": sum(resource_counts(run).values()),
        "components": sum(1 for r in run.resources if not r.custom),
    }
