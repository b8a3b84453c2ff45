"""The CLI's error discipline, shared by every command: the one-line CliError an operator can
act on, the exit codes, and the mapping of an AWS ClientError to one line naming the resource it
is about. Kept apart so both engines and main() agree on them without importing each other."""

from __future__ import annotations

from collections.abc import Mapping

from botocore.exceptions import ClientError

EXIT_OK = 0
EXIT_DEPLOYMENT_FAILED = 1
EXIT_ERROR = 2


class CliError(Exception):
    """An error the operator can act on; the message is one line."""


def one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def client_error_line(error: ClientError, names: Mapping[str, str | None], deployment_id: str | None) -> str:
    """One line for an AWS error: the resource it is about where the error code says, else the
    operation and AWS's message. ``names`` are the resolved names (empty before they are)."""
    response = error.response or {}
    code = str((response.get("Error") or {}).get("Code") or "")
    message = str((response.get("Error") or {}).get("Message") or "")
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    region = names.get("region") or "?"
    application, group = names.get("application"), names.get("deployment_group")
    cluster, service = names.get("cluster"), names.get("service")
    known = {
        "ApplicationDoesNotExistException": f"CodeDeploy application {application} not found in {region}",
        "DeploymentGroupDoesNotExistException": (
            f"deployment group {group} does not exist in CodeDeploy application {application} ({region})"
        ),
        "DeploymentDoesNotExistException": f"deployment {deployment_id} does not exist in {region}",
        "InvalidDeploymentIdException": f"{deployment_id!r} is not a valid deployment id (d-XXXXXXXXX)",
        "DeploymentAlreadyCompletedException": f"deployment {deployment_id} has already ended",
        "ClusterNotFoundException": f"ECS cluster {cluster} not found in {region}",
        "ServiceNotFoundException": f"ECS service {service} not found in cluster {cluster} ({region})",
        "ServiceNotActiveException": f"ECS service {service} is not active",
        "ServiceDeploymentNotFoundException": (
            f"service deployment {deployment_id} does not exist in {region}"
        ),
        "RuleNotFound": f"the service's production listener rule does not exist in {region}",
        "ListenerNotFound": f"the deployment group's production listener does not exist in {region}",
        "TargetGroupNotFound": f"a target group of the production listener does not exist in {region}",
    }
    if code in known:
        return f"{known[code]} ({code})"
    operation = error.operation_name or "AWS call"
    if not message or message.lstrip().startswith("<"):
        return (
            f"{operation} failed: HTTP {status or code} from the endpoint (is the operation supported there?)"
        )
    return f"{operation} failed: {code}: {one_line(message)}"
