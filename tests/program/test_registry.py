"""Registry: ECR repository, lifecycle policy, image built and pushed, referenced by digest."""

from __future__ import annotations

import json

from tests.program.harness import ProgramRun, run_stack

DIGEST = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shared/app@sha256:" + "ab" * 32


def test_repository_scans_on_push_and_is_encrypted(each_stack: ProgramRun) -> None:
    repo = each_stack.one("aws:ecr/repository:Repository")
    assert repo.inputs["imageScanningConfiguration"] == {"scanOnPush": True}, repo.urn
    assert repo.inputs["encryptionConfigurations"] == [{"encryptionType": "AES256"}], repo.urn


def test_prod_repository_is_protected_and_immutable(prod: ProgramRun) -> None:
    repo = prod.one("aws:ecr/repository:Repository")
    assert repo.protect is True, repo.urn
    assert repo.inputs["forceDelete"] is False, repo.urn
    assert repo.inputs["imageTagMutability"] == "IMMUTABLE", repo.urn


def test_dev_repository_can_be_destroyed_with_its_images(dev: ProgramRun) -> None:
    repo = dev.one("aws:ecr/repository:Repository")
    assert repo.protect is False, repo.urn
    assert repo.inputs["forceDelete"] is True, repo.urn
    assert repo.inputs["imageTagMutability"] == "MUTABLE", repo.urn


def test_kms_key_switches_encryption() -> None:
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    run = run_stack("dev", {"registry": {"kmsKeyArn": key}})
    repo = run.one("aws:ecr/repository:Repository")
    assert repo.inputs["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": key}]


def test_lifecycle_policy_from_config_with_any_rule_last(prod: ProgramRun) -> None:
    policy = json.loads(prod.one("aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs["policy"])
    rules = sorted(policy["rules"], key=lambda r: r["rulePriority"])
    assert [r["selection"]["tagStatus"] for r in rules] == ["untagged", "any"]
    assert rules[0]["selection"]["countNumber"] == 7  # prod: untaggedExpiryDays
    assert rules[1]["selection"]["countNumber"] == 20  # prod: keepLastImages


def test_image_built_for_the_task_platform_and_pushed_with_ecr_credentials(dev: ProgramRun) -> None:
    image = dev.one("docker:index/image:Image")
    repo = dev.one("aws:ecr/repository:Repository")
    assert image.inputs["build"]["context"] == "app"
    assert image.inputs["build"]["dockerfile"] == "app/Dockerfile"
    assert image.inputs["build"]["platform"] == "linux/amd64"
    assert image.inputs["imageName"] == f"{repo.outputs['repositoryUrl']}:v1.0.0"
    assert image.inputs["registry"]["server"] == repo.outputs["repositoryUrl"]
    assert image.inputs["registry"]["username"] == "AWS"
    assert "registry" in image.secret_inputs, "the ECR password must stay a secret in the state"
    assert "aws:ecr/getAuthorizationToken:getAuthorizationToken" in dev.calls


def test_arm64_tasks_get_an_arm64_image() -> None:
    run = run_stack("dev", {"task": {"cpu": 256, "memory": 512, "cpuArchitecture": "ARM64"}})
    assert run.one("docker:index/image:Image").inputs["build"]["platform"] == "linux/arm64"
    task = run.one("aws:ecs/taskDefinition:TaskDefinition")
    assert task.inputs["runtimePlatform"]["cpuArchitecture"] == "ARM64"


def test_task_definition_references_the_pushed_image_by_digest(each_stack: ProgramRun) -> None:
    image = each_stack.one("docker:index/image:Image")
    task = each_stack.one("aws:ecs/taskDefinition:TaskDefinition")
    container = json.loads(task.inputs["containerDefinitions"])[0]
    assert container["image"] == image.outputs["repoDigest"]
    assert "@sha256:" in container["image"] and not container["image"].endswith(":v1.0.0")
    assert each_stack.exports["imageRef"] == image.outputs["repoDigest"]


def test_prebuilt_image_uri_builds_nothing() -> None:
    run = run_stack(
        "dev",
        {
            "image": {"uri": DIGEST, "version": "v2.0.0"},
            "container": {"healthCheck": {"command": ["CMD-SHELL", "wget -qO- localhost:8080/health"]}},
        },
    )
    assert run.of_type("docker:index/image:Image") == []
    assert "aws:ecr/getAuthorizationToken:getAuthorizationToken" not in run.calls
    container = json.loads(run.one("aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"])[0]
    assert container["image"] == DIGEST
    policy = json.loads(run.one("aws:iam/rolePolicy:RolePolicy", "execution").inputs["policy"])
    pull = next(s for s in policy["Statement"] if s["Sid"] == "PullImage")
    assert "arn:aws:ecr:us-east-1:123456789012:repository/shared/app" in pull["Resource"]
