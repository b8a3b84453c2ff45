"""Which resources the CLI acts on: names (region, CodeDeploy application and group, ECS
cluster and service, ...) from flags over the stack's outputs over the environment, the engine
those choose, and the region, cluster and service an ECS service deployment ARN names; also the
flags that give them. Kept apart so that the engines only ever ask for a name and get it or one
actionable error."""

from __future__ import annotations

import argparse
import os
import re
from dataclasses import dataclass, field
from typing import Any

from release.cli.errors import CliError
from release.cli.outputs import (
    OutputsError,
    deployment_engine,
    pulumi_stack_outputs,
    read_outputs_file,
)
from specs import stack_outputs
from specs.release_model import DEFAULT_ENGINE, ENGINES

ECS_DEPLOYMENT_ARN = re.compile(
    r"^arn:[\w-]+:ecs:(?P<region>[\w-]+):(?P<account>\d*):service-deployment/"
    r"(?P<cluster>[^/]+)/(?P<service>[^/]+)/(?P<id>[^/]+)$"
)
CODEDEPLOY_ID = re.compile(r"^d-[A-Z0-9]{9}$")


@dataclass(frozen=True)
class NameSpec:
    field: str
    flag: str
    output: str
    what: str


NAME_SPECS = (
    NameSpec("region", "--region", stack_outputs.REGION, "AWS region"),
    NameSpec("application", "--application", stack_outputs.CODEDEPLOY_APPLICATION, "CodeDeploy application"),
    NameSpec(
        "deployment_group",
        "--deployment-group",
        stack_outputs.CODEDEPLOY_DEPLOYMENT_GROUP,
        "CodeDeploy deployment group",
    ),
    NameSpec("cluster", "--cluster", stack_outputs.CLUSTER_NAME, "ECS cluster"),
    NameSpec("service", "--service", stack_outputs.SERVICE_NAME, "ECS service"),
    NameSpec("task_definition_arn", "", stack_outputs.TASK_DEFINITION_ARN, "task definition ARN"),
    NameSpec("task_definition_family", "", stack_outputs.TASK_DEFINITION_FAMILY, "task definition family"),
    NameSpec("deployment_strategy", "", stack_outputs.DEPLOYMENT_STRATEGY, "ECS deployment strategy"),
    NameSpec(
        "last_service_deployment",
        "",
        stack_outputs.LAST_SERVICE_DEPLOYMENT_ARN,
        "last ECS service deployment",
    ),
)
_SPECS = {spec.field: spec for spec in NAME_SPECS}


@dataclass
class Names:
    """What the commands act on; None where neither a flag nor an output gave it."""

    values: dict[str, str | None] = field(default_factory=dict)
    from_outputs: bool = False
    engine: str = DEFAULT_ENGINE
    engine_source: str = "default"
    """Where the engine came from: "--engine", the output's name, or "default"."""
    sources: dict[str, str] = field(default_factory=dict)
    """Name -> "flag", "outputs" or "environment", for the names that have a value."""
    outputs: dict[str, Any] = field(default_factory=dict)
    """The stack outputs as read (empty without --stack/--outputs-file)."""

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def require(self, name: str) -> str:
        value = self.values.get(name)
        if value:
            return value
        spec = _SPECS[name]
        sources = [spec.flag] if spec.flag else []
        if name == "region":
            sources.append("AWS_REGION")
        sources.append(f"the stack output {spec.output} (--stack/--outputs-file)")
        found = " (the stack outputs have none)" if self.from_outputs else ""
        raise CliError(f"missing the {spec.what}: give {' or '.join(sources)}{found}")

    def adopt_arn(self, arn: str) -> bool:
        """Region, cluster and service from a service deployment ARN where no flag or output gave
        them; a --region or region output that contradicts the ARN is an error. True when the
        region changed (clients made for the old one are stale)."""
        match = ECS_DEPLOYMENT_ARN.match(arn)
        if match is None:
            return False
        source = self.sources.get("region")
        region = self.get("region")
        if source in ("flag", "outputs") and region and region != match["region"]:
            where = "--region" if source == "flag" else "the stack output region"
            raise CliError(f"{arn} is in {match['region']}, not in {region} ({where})")
        changed = region != match["region"]
        if changed:
            self.values["region"] = match["region"]
            self.sources["region"] = "arn"
        for name in ("cluster", "service"):
            if not self.get(name):
                self.values[name] = match[name]
        return changed


def names_parser() -> argparse.ArgumentParser:
    """The flags every command takes: where names come from, the names themselves, the engine."""
    common = argparse.ArgumentParser(add_help=False)
    source = common.add_argument_group("names")
    source.add_argument("--stack", help="read names from `pulumi stack output --json --stack STACK`")
    source.add_argument(
        "--outputs-file", metavar="FILE", help="read names from saved `pulumi stack output --json`"
    )
    source.add_argument("--region", help=f"AWS region (output {stack_outputs.REGION}; else AWS_REGION)")
    source.add_argument(
        "--application", help=f"CodeDeploy application (output {stack_outputs.CODEDEPLOY_APPLICATION})"
    )
    source.add_argument(
        "--deployment-group",
        help=f"CodeDeploy deployment group (output {stack_outputs.CODEDEPLOY_DEPLOYMENT_GROUP})",
    )
    source.add_argument(
        "--cluster", help=f"ECS cluster (output {stack_outputs.CLUSTER_NAME}; else the deployment group's)"
    )
    source.add_argument(
        "--service", help=f"ECS service (output {stack_outputs.SERVICE_NAME}; else the deployment group's)"
    )
    source.add_argument(
        "--engine",
        choices=ENGINES,
        help=f"what deploys the service (output {stack_outputs.DEPLOYMENT_CONTROLLER}; else "
        f"{DEFAULT_ENGINE}): CodeDeploy blue/green, or ECS's own service deployments",
    )
    return common


def resolve_names(args: argparse.Namespace) -> Names:
    """Flags over stack outputs; the region falls back to AWS_REGION / AWS_DEFAULT_REGION."""
    outputs: dict[str, Any] = {}
    if args.stack and args.outputs_file:
        raise CliError("give either --stack or --outputs-file, not both")
    try:
        if args.stack:
            outputs = pulumi_stack_outputs(args.stack)
        elif args.outputs_file:
            outputs = read_outputs_file(args.outputs_file)
    except OutputsError as error:
        raise CliError(str(error)) from None
    values: dict[str, str | None] = {}
    sources: dict[str, str] = {}
    for spec in NAME_SPECS:
        flag_value = getattr(args, spec.field, None)
        output_value = outputs.get(spec.output)
        if flag_value:
            values[spec.field] = str(flag_value)
            sources[spec.field] = "flag"
        elif isinstance(output_value, str | int) and str(output_value):
            values[spec.field] = str(output_value)
            sources[spec.field] = "outputs"
        else:
            values[spec.field] = None
    if not values["region"]:
        values["region"] = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
        if values["region"]:
            sources["region"] = "environment"
    engine: str = DEFAULT_ENGINE
    engine_source = "default"
    if getattr(args, "engine", None):
        engine, engine_source = str(args.engine), "--engine"
    else:
        try:
            named = deployment_engine(outputs)
        except OutputsError as error:
            raise CliError(str(error)) from None
        if named is not None:
            engine, engine_source = named, f"the stack output {stack_outputs.DEPLOYMENT_CONTROLLER}"
    return Names(
        values=values,
        from_outputs=bool(args.stack or args.outputs_file),
        engine=engine,
        engine_source=engine_source,
        sources=sources,
        outputs=outputs,
    )
