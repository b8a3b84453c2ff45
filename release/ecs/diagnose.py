"""What a failed, stopped or timed-out ECS service deployment is about, for release/diagnosis.

Green, as ECS knows it: the deployment's target service revision (DescribeServiceDeployments),
whose task definition and load balancers DescribeServiceRevisions gives: green's tasks register
with the revision's *alternate* target group (``advancedConfiguration.alternateTargetGroupArn``;
ECS developer guide, "Application Load Balancer resources for blue/green deployments": "an
alternate target group for the green service revision"). Read from the revision, not the stack:
ECS swaps the service's primary and alternate groups after each deployment.
The deployment's alarms and triggered alarms, and its Lambda lifecycle hooks, come with it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from release.core.outcome import Outcome
from release.diagnosis import Diagnosis
from release.diagnosis import attach as diagnosis
from release.diagnosis.sources import Clients, Subject, error_text
from release.ecs.deployments import describe_deployment, snapshot_of


def _green_revision(ecs: Any, revision_arn: str) -> tuple[str, tuple[str, ...]]:
    """(task definition, alternate target groups) of the target service revision."""
    response = ecs.describe_service_revisions(serviceRevisionArns=[revision_arn])
    for revision in response.get("serviceRevisions", []):
        groups = tuple(
            str(arn)
            for balancer in revision.get("loadBalancers") or []
            if (arn := (balancer.get("advancedConfiguration") or {}).get("alternateTargetGroupArn"))
        )
        return str(revision.get("taskDefinition") or ""), groups
    return "", ()


def subject_of(clients: Clients, outcome: Outcome, *, cluster: str, service: str) -> Subject:
    """The diagnosis's subject for an ECS service deployment (``outcome.deployment_id``, its ARN)."""
    ecs = clients("ecs")
    arn = outcome.deployment_id
    notes: list[str] = []
    raw: dict[str, Any] = {}
    try:
        raw = describe_deployment(ecs, arn)[0]
    except Exception as error:
        notes.append(f"could not read service deployment {arn}: {error_text(error)}")
    snapshot = snapshot_of(raw) if raw else None
    task_definition = ""
    groups: tuple[str, ...] = ()
    if snapshot is not None and snapshot.target_revision:
        try:
            task_definition, groups = _green_revision(ecs, snapshot.target_revision)
        except Exception as error:
            notes.append(f"could not read green's service revision: {error_text(error)}")
    started = raw.get("startedAt") or raw.get("createdAt")
    hooks = tuple(h.target for h in snapshot.hooks if h.target) if snapshot else ()
    failed_hooks = (
        tuple(h.target for h in snapshot.hooks if h.target and h.status in ("FAILED", "TIMED_OUT"))
        if snapshot
        else ()
    )
    return Subject(
        deployment=arn,
        status=outcome.status,
        cluster=cluster,
        service=service,
        green_task_definition=task_definition,
        started_at=started if isinstance(started, dt.datetime) else None,
        green_target_groups=groups,
        alarm_names=snapshot.alarm_names if snapshot else (),
        triggered_alarms=snapshot.triggered_alarms if snapshot else (),
        hook_functions=failed_hooks or hooks,
        ready_wait_ran_out=next(
            (
                h.timeout_action or "ROLLBACK"
                for h in snapshot.hooks
                if h.is_pause and h.status == "TIMED_OUT"
            ),
            "",
        )
        if snapshot
        else "",
        notes=tuple(notes),
    )


def diagnosis_of(clients: Clients, outcome: Outcome, *, cluster: str, service: str) -> Diagnosis | None:
    """The diagnosis of a failed, stopped or timed-out outcome (None for a succeeded one)."""
    return diagnosis.diagnosis_of(clients, outcome, _subject_for(cluster, service))


def with_diagnosis(clients: Clients, outcome: Outcome, *, cluster: str, service: str) -> Outcome:
    """The outcome with its diagnosis attached (a succeeded one as it is). Never raises."""
    return diagnosis.with_diagnosis(clients, outcome, _subject_for(cluster, service))


def _subject_for(cluster: str, service: str) -> diagnosis.SubjectOf:
    def subject(clients: Clients, outcome: Outcome) -> Subject:
        return subject_of(clients, outcome, cluster=cluster, service=service)

    return subject
