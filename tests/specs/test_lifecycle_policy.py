"""The ECR lifecycle policy: shape ECR accepts, `any` rule evaluated last."""

from __future__ import annotations

import json

import pytest

from specs.lifecycle_policy import lifecycle_policy_json, lifecycle_rules


def test_rules_for_the_defaults():
    assert lifecycle_rules(7, 10) == [
        {
            "rulePriority": 1,
            "description": "Expire untagged images older than 7 days",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 7,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 2,
            "description": "Keep only the last 10 images",
            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 10},
            "action": {"type": "expire"},
        },
    ]


@pytest.mark.parametrize(("days", "keep"), [(1, 5), (7, 20), (3650, 10000)], ids=["dev", "prod", "limits"])
def test_counts_come_from_the_arguments(days, keep):
    by_status = {r["selection"]["tagStatus"]: r for r in lifecycle_rules(days, keep)}
    assert by_status["untagged"]["selection"]["countNumber"] == days
    assert by_status["any"]["selection"]["countNumber"] == keep
    assert str(days) in by_status["untagged"]["description"]
    assert str(keep) in by_status["any"]["description"]


@pytest.mark.parametrize(("days", "keep"), [(1, 5), (7, 10), (30, 1)])
def test_any_rule_has_the_highest_priority(days, keep):
    rules = lifecycle_rules(days, keep)
    highest = max(rules, key=lambda r: r["rulePriority"])
    assert highest["selection"]["tagStatus"] == "any"
    assert [r["selection"]["tagStatus"] for r in rules if r["selection"]["tagStatus"] == "any"] == ["any"]


def test_priorities_are_consecutive_from_one():
    assert [r["rulePriority"] for r in lifecycle_rules(7, 10)] == [1, 2]


def test_json_is_the_policy_document_ecr_expects():
    document = json.loads(lifecycle_policy_json(14, 25))
    assert document == {"rules": lifecycle_rules(14, 25)}
    for rule in document["rules"]:
        assert set(rule) == {"rulePriority", "description", "selection", "action"}
        assert isinstance(rule["rulePriority"], int)
        assert rule["action"] == {"type": "expire"}
        selection = rule["selection"]
        assert selection["tagStatus"] in {"tagged", "untagged", "any"}
        # ECR: countUnit is required with sinceImagePushed and forbidden with imageCountMoreThan.
        if selection["countType"] == "sinceImagePushed":
            assert selection["countUnit"] == "days"
        else:
            assert selection["countType"] == "imageCountMoreThan"
            assert "countUnit" not in selection
        assert isinstance(selection["countNumber"], int)
        assert selection["countNumber"] >= 1


def test_description_reads_well_for_a_single_day():
    assert lifecycle_rules(1, 5)[0]["description"] == "Expire untagged images older than 1 day"
