"""The ECR lifecycle policy: expire untagged images, keep the last N images.

ECR evaluates rules by ascending ``rulePriority`` and requires that a rule with
``tagStatus: any`` has the highest priority number (it is evaluated last); a policy that
puts it earlier is rejected ("ECR Lifecycle policy rules" in the ECR user guide).
"""

from __future__ import annotations

import json
from typing import Any


def lifecycle_rules(untagged_expiry_days: int, keep_last_images: int) -> list[dict[str, Any]]:
    """The rules in evaluation order, priorities assigned so the ``any`` rule is last."""
    rules: list[dict[str, Any]] = [
        {
            "description": f"Expire untagged images older than {untagged_expiry_days} "
            f"day{'' if untagged_expiry_days == 1 else 's'}",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": untagged_expiry_days,
            },
            "action": {"type": "expire"},
        },
        {
            "description": f"Keep only the last {keep_last_images} images",
            "selection": {
                "tagStatus": "any",
                "countType": "imageCountMoreThan",
                "countNumber": keep_last_images,
            },
            "action": {"type": "expire"},
        },
    ]
    # Stable sort: every `any` rule moves behind the others, then priorities are numbered.
    ordered = sorted(rules, key=lambda r: r["selection"]["tagStatus"] == "any")
    return [{"rulePriority": i, **rule} for i, rule in enumerate(ordered, start=1)]


def lifecycle_policy_json(untagged_expiry_days: int, keep_last_images: int) -> str:
    """The policy document ECR expects, as JSON text."""
    return json.dumps({"rules": lifecycle_rules(untagged_expiry_days, keep_last_images)})
