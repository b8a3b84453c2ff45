"""Read a stack's raw Pulumi config into validated ``StackSettings``, or fail with every problem.

The raw config is what the Pulumi engine hands the program: a flat map of
``namespace:key`` to a string (objects arrive JSON-encoded). Nothing here touches Pulumi
resources, so validation finishes before anything is declared.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from stack_config.errors import ConfigError, FieldError, SeveralFieldsError
from stack_config.model import ImageSettings, SidecarBuild, StackSettings

_PROGRAM_FIELDS = {"stack", "region", "aws_profile"}
# Namespaces of providers and of Pulumi itself: their keys (``aws:region``) are never ours.
PROVIDER_NAMESPACES = frozenset(
    {"aws", "docker", "pulumi", "pulumiservice", "command", "random", "tls"}
)  # filled by the program, not by project config keys
_INVALID = object()  # a value already reported as a problem; validation goes on without it


def config_keys() -> dict[str, str]:
    """Project config key (camelCase) -> StackSettings field name."""
    return {
        (info.alias or name): name
        for name, info in StackSettings.model_fields.items()
        if name not in _PROGRAM_FIELDS
    }


def _object_keys() -> set[str]:
    """Config keys whose values are objects (sections or maps) rather than scalars."""
    keys = set()
    for key, field in config_keys().items():
        annotation = StackSettings.model_fields[field].annotation
        if (isinstance(annotation, type) and issubclass(annotation, BaseModel)) or getattr(
            annotation, "__origin__", None
        ) is dict:
            keys.add(key)
    return keys


def _decode(key: str, value: Any, problems: list[str]) -> Any:
    """Objects arrive as JSON text from the engine; decode them, keep scalars as they are."""
    if key not in _object_keys() or not isinstance(value, str):
        return value
    try:
        decoded = json.loads(value)
    except json.JSONDecodeError:
        decoded = None
    if not isinstance(decoded, dict):
        problems.append(f"{key}: expected an object (a YAML mapping), got {value!r}")
        return _INVALID
    return decoded


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """The config keys allowed at ``loc`` (a pydantic error location of an unknown key)."""
    model: type[BaseModel] = StackSettings
    for part in loc[:-1]:
        field = next(
            (f for n, f in model.model_fields.items() if part in (n, f.alias)),
            None,
        )
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return [f.alias or n for n, f in model.model_fields.items() if n not in _PROGRAM_FIELDS]


def _path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc if part != "")


def describe_validation_error(error: ValidationError) -> list[str]:
    """One line per problem: the key, the bad value and what is allowed."""
    problems = []
    for item in error.errors():
        loc = tuple(item["loc"])
        cause = (item.get("ctx") or {}).get("error")
        if isinstance(cause, FieldError):
            problems.append(f"{_path((*loc, cause.field))}: {cause.message}")
        elif isinstance(cause, SeveralFieldsError):
            problems.extend(f"{_path((*loc, each.field))}: {each.message}" for each in cause.errors)
        elif item["type"] == "extra_forbidden":
            allowed = ", ".join(_allowed_keys(loc))
            problems.append(f"{_path(loc)}: unknown key (value {item['input']!r}); allowed keys: {allowed}")
        elif item["type"] == "missing":
            problems.append(f"{_path(loc)}: required but not set")
        elif item["type"] == "dict_type":  # pydantic says "a valid dictionary": name the YAML shape
            problems.append(f"{_path(loc)}: got {item['input']!r}; a mapping of keys to values is expected")
        else:
            message = item["msg"].removeprefix("Value error, ")
            if message.startswith("Input "):  # pydantic's own wording reads better in lower case
                message = "input " + message.removeprefix("Input ")
            problems.append(f"{_path(loc)}: got {item['input']!r}; {message}")
    return problems


def load_settings(
    raw_config: Mapping[str, Any], *, project: str, stack: str, project_dir: Path
) -> StackSettings:
    """Validate the stack's config and return typed settings, raising ConfigError on any problem."""
    problems: list[str] = []
    known = config_keys()
    values: dict[str, Any] = {"stack": stack}

    region = raw_config.get("aws:region")
    if not region:
        problems.append("aws:region: not set; run `pulumi config set aws:region <region>`, e.g. us-east-1")
    values["region"] = region or ""
    if raw_config.get("aws:profile"):
        values["aws_profile"] = raw_config["aws:profile"]

    problems.extend(_foreign_namespace_problems(raw_config, project, known))
    prefix = f"{project}:"
    for full_key, value in sorted(raw_config.items()):
        if not full_key.startswith(prefix):
            continue
        key = full_key[len(prefix) :]
        if key not in known:
            problems.append(f"{full_key}: unknown config key; allowed keys: {', '.join(sorted(known))}")
            continue
        decoded = _decode(key, value, problems)
        if decoded is not _INVALID:
            values[key] = decoded

    settings: StackSettings | None = None
    try:
        settings = StackSettings.model_validate(values)
    except ValidationError as error:
        problems.extend(describe_validation_error(error))
    problems.extend(_dockerfile_problems(values.get("image"), project_dir))
    problems.extend(_sidecar_dockerfile_problems(values.get("container"), project_dir))
    if problems or settings is None:
        raise ConfigError(stack, problems)
    return settings


def _foreign_namespace_problems(
    raw_config: Mapping[str, Any], project: str, known: Mapping[str, str]
) -> list[str]:
    """Keys of this program set under another namespace, e.g. after the project was renamed.

    Pulumi hands the program every key of the stack file whatever its namespace, and the
    program reads only ``<project>:<key>``: a stack file still written for the old name
    would otherwise lose all its settings without a word.
    """
    stray = sorted(
        full_key
        for full_key in raw_config
        if ":" in full_key
        and not full_key.startswith(f"{project}:")
        and full_key.split(":", 1)[1] in known
        and full_key.split(":", 1)[0] not in PROVIDER_NAMESPACES
    )
    if not stray:
        return []
    namespaces = sorted({key.split(":", 1)[0] for key in stray})
    return [
        f"{key}: set under namespace {key.split(':', 1)[0]!r}, but this project is named {project!r} "
        f"(Pulumi.yaml `name`), so the program would never read it; rename it to "
        f"{project}:{key.split(':', 1)[1]}"
        for key in stray
    ] + (
        [
            f"config namespace: the stack file writes keys under {', '.join(map(repr, namespaces))}; "
            f"replace that prefix with {project + ':'!r} in Pulumi.<stack>.yaml"
        ]
        if len(stray) > 1
        else []
    )


def _dockerfile_problems(image: Any, project_dir: Path) -> list[str]:
    """The image to build must exist (checked even when other settings are wrong)."""
    try:
        settings = ImageSettings.model_validate(image or {})
    except ValidationError:
        return []  # already reported with the rest of the image settings
    if settings.uri is not None:
        return []
    dockerfile = project_dir / settings.context / settings.dockerfile
    if dockerfile.is_file():
        return []
    return [
        f"image.context/image.dockerfile: {dockerfile} does not exist; point them at the "
        "app to build, or set image.uri to a prebuilt image"
    ]


def _sidecar_dockerfile_problems(container: Any, project_dir: Path) -> list[str]:
    """Each sidecar image to build must exist too."""
    sidecars = container.get("sidecars") if isinstance(container, dict) else None
    problems = []
    for index, sidecar in enumerate(sidecars if isinstance(sidecars, list) else []):
        try:
            build = (
                SidecarBuild.model_validate((sidecar or {}).get("build"))
                if isinstance(sidecar, dict)
                else None
            )
        except ValidationError:
            continue  # already reported with the rest of the sidecar's settings
        if build is None:
            continue
        dockerfile = project_dir / build.context / build.dockerfile
        if not dockerfile.is_file():
            problems.append(
                f"container.sidecars.{index}.build: {dockerfile} does not exist; point context/dockerfile "
                "at the sidecar to build, or set image to a prebuilt image pinned by digest"
            )
    return problems
