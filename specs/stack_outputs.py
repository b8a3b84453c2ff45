"""The names of the stack's outputs: exported by ``__main__.py``, read by the operator CLI.

One spelling for both sides, so renaming an output cannot leave ``python -m release`` looking
for the old name (release/cli/names.py, release/cli/outputs.py). Standard library only.
"""

from __future__ import annotations

# Both engines.
DEPLOYMENT_CONTROLLER = "deploymentController"
"""The engine that releases the service: ``codedeploy`` or ``ecs`` (specs.release_model.ENGINES)."""
REGION = "region"
SERVICE_URL = "serviceUrl"
TEST_URL = "testUrl"
REPOSITORY_URL = "repositoryUrl"
IMAGE_REF = "imageRef"
CLUSTER_NAME = "clusterName"
SERVICE_NAME = "serviceName"
TASK_DEFINITION_ARN = "taskDefinitionArn"
TASK_DEFINITION_FAMILY = "taskDefinitionFamily"
LOG_GROUP_NAME = "logGroupName"
ALARM_TOPIC_ARN = "alarmTopicArn"
LIVE_TASK_DEFINITION_ARN = "liveTaskDefinitionArn"

# The CodeDeploy engine.
CODEDEPLOY_APPLICATION = "codedeployApplication"
CODEDEPLOY_DEPLOYMENT_GROUP = "codedeployDeploymentGroup"
DEPLOYMENT_CONFIG_NAME = "deploymentConfigName"
LAST_DEPLOYMENT_ID = "lastDeploymentId"
RELEASE_APPSPEC = "releaseAppSpec"
"""What the stack's AppSpec holds besides the task definition: ``containerName``,
``containerPort``, ``platformVersion`` and ``hooks`` (ECS hook name -> Lambda ARN); `rollback`
builds its AppSpec from it (specs.appspec.APPSPEC_SETTINGS)."""

# The ECS engine.
DEPLOYMENT_STRATEGY = "deploymentStrategy"
LAST_SERVICE_DEPLOYMENT_ARN = "lastServiceDeploymentArn"
