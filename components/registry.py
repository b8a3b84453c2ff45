"""Registry: the ECR repository and the image the task runs.

Creates a private repository (scan on push, encryption, tag mutability from config), its
lifecycle policy, and, unless ``image.uri`` names a prebuilt image, builds ``image.context``
with pulumi-docker and pushes it tagged with ``image.version``. ``image_ref`` is always a
digest reference (``repo@sha256:...``), never a tag, so a task definition pins exactly
what was pushed. Sidecars with ``build`` are built the same way into the same repository,
tagged ``<sidecar>-<image.version>`` (``sidecar_image_refs``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_docker as docker

from specs.lifecycle_policy import lifecycle_policy_json
from stack_config.model import ImageSettings, RegistrySettings, SidecarBuild

DOCKER_PLATFORM = {"X86_64": "linux/amd64", "ARM64": "linux/arm64"}


@dataclass
class RegistryArgs:
    registry: RegistrySettings
    """Repository settings (tag mutability, lifecycle, encryption)."""
    image: ImageSettings
    """What to build, or the prebuilt image to use."""
    cpu_architecture: str
    """Task CPU architecture; the image is built for the matching platform."""
    protect: bool
    """Protect the repository and refuse to delete it while it holds images (prod)."""
    sidecar_builds: dict[str, SidecarBuild] = field(default_factory=dict)
    """Sidecar name -> the directory its image is built from."""


class Registry(pulumi.ComponentResource):
    repository_url: pulumi.Output[str]
    repository_arn: pulumi.Output[str]
    image_ref: pulumi.Output[str]

    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("bluegreen:ecr:Registry", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        encryption = (
            aws.ecr.RepositoryEncryptionConfigurationArgs(
                encryption_type="KMS", kms_key=args.registry.kms_key_arn
            )
            if args.registry.kms_key_arn
            else aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="AES256")
        )
        self.repository = aws.ecr.Repository(
            f"{name}-repo",
            image_tag_mutability=args.registry.tag_mutability,
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
            encryption_configurations=[encryption],
            # Outside prod a stack can be destroyed with its images; in prod the repository is
            # protected and deleting it while it holds images fails.
            force_delete=not args.protect,
            opts=child.merge(pulumi.ResourceOptions(protect=args.protect)),
        )
        aws.ecr.LifecyclePolicy(
            f"{name}-lifecycle",
            repository=self.repository.name,
            policy=lifecycle_policy_json(args.registry.untagged_expiry_days, args.registry.keep_last_images),
            opts=child,
        )

        if args.image.uri is not None:
            self.image_ref = pulumi.Output.from_input(args.image.uri)
        else:
            self.image_ref = self._build_and_push(
                f"{name}-image", args.image.context, args.image.dockerfile, args.image.version, args
            )
        self.sidecar_image_refs: dict[str, pulumi.Output[str]] = {
            sidecar: self._build_and_push(
                f"{name}-{sidecar}-image",
                build.context,
                build.dockerfile,
                f"{sidecar}-{args.image.version}",
                args,
            )
            for sidecar, build in args.sidecar_builds.items()
        }

        self.repository_url = self.repository.repository_url
        self.repository_arn = self.repository.arn
        self.register_outputs(
            {
                "repository_url": self.repository_url,
                "repository_arn": self.repository_arn,
                "image_ref": self.image_ref,
            }
        )

    def _build_and_push(
        self, resource_name: str, context: str, dockerfile: str, tag: str, args: RegistryArgs
    ) -> pulumi.Output[str]:
        """Build an image for the task's platform, push it, and return its digest reference."""
        token = aws.ecr.get_authorization_token_output(
            registry_id=self.repository.registry_id, opts=pulumi.InvokeOptions(parent=self)
        )
        # Paths stay relative to the project directory, so every machine declares the same
        # inputs and a preview on another checkout shows no spurious diff.
        image = docker.Image(
            resource_name,
            image_name=pulumi.Output.concat(self.repository.repository_url, ":", tag),
            build=docker.DockerBuildArgs(
                context=context,
                dockerfile=f"{context}/{dockerfile}",
                platform=DOCKER_PLATFORM[args.cpu_architecture],
            ),
            registry=docker.RegistryArgs(
                server=self.repository.repository_url,
                username=token.user_name,
                password=pulumi.Output.secret(token.password),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return image.repo_digest
