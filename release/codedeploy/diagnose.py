"""What a failed, stopped or timed-out CodeDeploy deployment is about, for release/diagnosis.

Green, as CodeDeploy knows it: the AppSpec's task definition and hooks (GetDeployment), the
target group of the task set labelled Green (GetDeploymentTarget's ``taskSetsInfo``; it outlives
the task set itself, which a rollback deletes), the deployment group's alarms and ECS service
(GetDeploymentGroup). Each read is isolated like the diagnosis's own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from release.core.outcome import Outcome
from release.diagnosis import Diagnosis
from release.diagnosis import attach as diagnosis
from release.diagnosis.sources import Clients, Subject, error_text
from specs.appspec import appspec_settings, task_definition_of


def subject_of(clients: Clients, outcome: Outcome, *, cluster: str = "", service: str = "") -> Subject:
    """The diagnosis's subject for a CodeDeploy deployment (``outcome.deployment_id``)."""
    codedeploy = clients("codedeploy")
    deployment_id = outcome.deployment_id
    notes: list[str] = []
    info: dict[str, Any] = {}
    try:
        info = codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    except Exception as error:
        notes.append(f"could not read deployment {deployment_id}: {error_text(error)}")
    appspec = ((info.get("revision") or {}).get("appSpecContent") or {}).get("content")
    settings = appspec_settings(appspec) if appspec else None
    hooks: dict[str, str] = dict(settings["hooks"]) if settings else {}
    started = info.get("startTime") or info.get("createTime")
    green_groups: list[str] = []
    try:
        targets = codedeploy.list_deployment_targets(deploymentId=deployment_id).get("targetIds", [])
        if targets:
            target = codedeploy.get_deployment_target(deploymentId=deployment_id, targetId=targets[0])
            ecs_target = (target.get("deploymentTarget") or {}).get("ecsTarget") or {}
            for task_set in ecs_target.get("taskSetsInfo") or []:
                name = (task_set.get("targetGroup") or {}).get("name")
                if task_set.get("taskSetLabel") == "Green" and name:
                    green_groups.append(str(name))
    except Exception as error:
        notes.append(f"could not read the deployment's target (green's target group): {error_text(error)}")
    alarms: list[str] = []
    application, group = info.get("applicationName"), info.get("deploymentGroupName")
    if application and group:
        try:
            group_info = codedeploy.get_deployment_group(
                applicationName=application, deploymentGroupName=group
            )["deploymentGroupInfo"]
            config = group_info.get("alarmConfiguration") or {}
            if config.get("enabled"):
                alarms = [str(a["name"]) for a in config.get("alarms") or [] if a.get("name")]
            services = group_info.get("ecsServices") or [{}]
            cluster = cluster or str(services[0].get("clusterName") or "")
            service = service or str(services[0].get("serviceName") or "")
        except Exception as error:
            notes.append(f"could not read deployment group {group}: {error_text(error)}")
    failed_event = outcome.failed_event or outcome.running_event
    if failed_event is not None and failed_event.name in hooks:
        functions = [hooks[failed_event.name]]
    else:
        functions = list(dict.fromkeys(hooks.values()))
    return Subject(
        deployment=deployment_id,
        status=outcome.status,
        cluster=cluster,
        service=service,
        green_task_definition=(task_definition_of(appspec) if appspec else None) or "",
        started_at=started if isinstance(started, dt.datetime) else None,
        green_target_groups=tuple(green_groups),
        alarm_names=tuple(alarms),
        hook_functions=tuple(functions),
        notes=tuple(notes),
    )


def diagnosis_of(
    clients: Clients, outcome: Outcome, *, cluster: str = "", service: str = ""
) -> Diagnosis | None:
    """The diagnosis of a failed, stopped or timed-out outcome (None for a succeeded one)."""
    return diagnosis.diagnosis_of(clients, outcome, _subject_for(cluster, service))


def with_diagnosis(clients: Clients, outcome: Outcome, *, cluster: str = "", service: str = "") -> Outcome:
    """The outcome with its diagnosis attached (a succeeded one as it is). Never raises."""
    return diagnosis.with_diagnosis(clients, outcome, _subject_for(cluster, service))


def _subject_for(cluster: str, service: str) -> diagnosis.SubjectOf:
    def subject(clients: Clients, outcome: Outcome) -> Subject:
        return subject_of(clients, outcome, cluster=cluster, service=service)

    return subject
