"""Tags per AWS's rules, rejected as keyed config errors before anything is declared."""

from __future__ import annotations

import pytest

from tests.stack_config.support import load, problems


def test_ordinary_tags_pass() -> None:
    tags = {"team": "payments", "cost-center": "CC 1234", "owner@example.com": "a/b:c=d+e_f.g"}
    assert load({"tags": tags}).tags == tags


def test_unicode_letters_and_an_empty_value_pass() -> None:
    assert load({"tags": {"팀": "결제", "note": ""}}).tags == {"팀": "결제", "note": ""}


@pytest.mark.parametrize("key", ["aws:team", "AWS:team", "Aws:cost"])
def test_reserved_aws_prefix_is_rejected_in_any_case(key: str) -> None:
    assert problems({"tags": {key: "x"}}) == [
        f"tags.{key}: key {key!r} starts with 'aws:', which AWS reserves for its own tags"
    ]


def test_key_longer_than_128_characters_is_rejected() -> None:
    key = "k" * 129
    assert problems({"tags": {key: "x"}}) == [f"tags.{key}: key {key!r} has 129 characters; AWS allows 1-128"]


def test_value_longer_than_256_characters_is_rejected() -> None:
    (line,) = problems({"tags": {"note": "v" * 257}})
    assert line.startswith("tags.note: value 'vvvv") and line.endswith(
        "has 257 characters; AWS allows at most 256"
    )
    assert load({"tags": {"note": "v" * 256}}).tags["note"] == "v" * 256


def test_empty_key_is_rejected() -> None:
    assert problems({"tags": {"": "x"}}) == ["tags: key '' has 0 characters; AWS allows 1-128"]


@pytest.mark.parametrize("bad", ["it's", "a,b", "semi;colon", "line\nbreak", 'quote"'])
def test_characters_outside_awss_tag_set_are_rejected(bad: str) -> None:
    lines = problems({"tags": {"team": bad}})
    assert lines == [
        f"tags.team: value {bad!r} has a character AWS rejects; "
        "allowed: letters, digits, spaces and _ . : / = + - @"
    ]


def test_more_tags_than_aws_allows_counting_the_programs_own() -> None:
    # application, stack, managed-by on every resource, Name and tier on subnets: 5 of 50.
    assert load({"tags": {f"t{i}": "x" for i in range(45)}}).tags
    (line,) = problems({"tags": {f"t{i}": "x" for i in range(46)}})
    assert line == (
        "tags: 46 tags plus the program's own (application, stack, managed-by, Name, tier) make 51 on some "
        "resources; AWS allows 50 per resource, so at most 45 here"
    )


def test_overriding_a_program_tag_does_not_count_twice() -> None:
    tags = {f"t{i}": "x" for i in range(44)} | {"stack": "blue-prod"}
    assert load({"tags": tags}).tags["stack"] == "blue-prod"


def test_every_bad_tag_is_reported_with_the_rest_of_the_config() -> None:
    lines = problems({"tags": {"aws:x": "1", "ok": "v" * 300}, "task": {"cpu": 300}})
    assert [line.split(": ")[0] for line in lines] == ["task.cpu", "tags.aws:x", "tags.ok"]
