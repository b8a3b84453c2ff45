"""The Fargate CPU/memory table against the Amazon ECS developer guide ("Task CPU and memory")."""

from __future__ import annotations

import pytest

from specs.fargate import FARGATE_MEMORY_BY_CPU, describe_memory_choices, fargate_size_error

# Copied from the AWS documentation, memory in MiB.
AWS_DOC_TABLE = {
    256: [512, 1024, 2048],
    512: [1024, 2048, 3072, 4096],
    1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
    2048: list(range(4096, 16384 + 1, 1024)),
    4096: list(range(8192, 30720 + 1, 1024)),
    8192: list(range(16384, 61440 + 1, 4096)),
    16384: list(range(32768, 122880 + 1, 8192)),
}


def test_table_equals_the_aws_documentation():
    assert {cpu: list(sizes) for cpu, sizes in FARGATE_MEMORY_BY_CPU.items()} == AWS_DOC_TABLE


@pytest.mark.parametrize(
    ("cpu", "count", "smallest", "largest"),
    [
        (256, 3, 512, 2048),
        (512, 4, 1024, 4096),
        (1024, 7, 2048, 8192),
        (2048, 13, 4096, 16384),
        (4096, 23, 8192, 30720),
        (8192, 12, 16384, 61440),
        (16384, 12, 32768, 122880),
    ],
    ids=lambda v: str(v),
)
def test_each_cpu_has_the_documented_number_of_sizes(cpu, count, smallest, largest):
    sizes = FARGATE_MEMORY_BY_CPU[cpu]
    assert (len(sizes), sizes[0], sizes[-1]) == (count, smallest, largest)


@pytest.mark.parametrize(
    ("cpu", "memory"),
    [
        (256, 512),
        (256, 1024),
        (256, 2048),
        (512, 1024),
        (512, 4096),
        (1024, 2048),
        (1024, 8192),
        (2048, 4096),
        (2048, 16384),
        (4096, 8192),
        (4096, 30720),
        (8192, 16384),
        (8192, 20480),
        (8192, 61440),
        (16384, 32768),
        (16384, 40960),
        (16384, 122880),
    ],
    ids=lambda v: str(v),
)
def test_documented_sizes_are_accepted(cpu, memory):
    assert fargate_size_error(cpu, memory) is None


@pytest.mark.parametrize(
    ("cpu", "memory", "allowed"),
    [
        pytest.param(256, 256, "512, 1024, 2048", id="256-below-min"),
        pytest.param(256, 1536, "512, 1024, 2048", id="256-between-sizes"),
        pytest.param(256, 3072, "512, 1024, 2048", id="256-above-max"),
        pytest.param(512, 512, "1024, 2048, 3072, 4096", id="512-below-min"),
        pytest.param(512, 5120, "1024, 2048, 3072, 4096", id="512-one-step-above-max"),
        pytest.param(1024, 1024, "2048-8192 in steps of 1024", id="1024-one-step-below-min"),
        pytest.param(1024, 9216, "2048-8192 in steps of 1024", id="1024-one-step-above-max"),
        pytest.param(1024, 2560, "2048-8192 in steps of 1024", id="1024-half-step"),
        pytest.param(2048, 3072, "4096-16384 in steps of 1024", id="2048-one-step-below-min"),
        pytest.param(2048, 17408, "4096-16384 in steps of 1024", id="2048-one-step-above-max"),
        pytest.param(4096, 7168, "8192-30720 in steps of 1024", id="4096-one-step-below-min"),
        pytest.param(4096, 31744, "8192-30720 in steps of 1024", id="4096-one-step-above-max"),
        pytest.param(8192, 12288, "16384-61440 in steps of 4096", id="8192-one-step-below-min"),
        pytest.param(8192, 17408, "16384-61440 in steps of 4096", id="8192-1GiB-step-not-allowed"),
        pytest.param(8192, 65536, "16384-61440 in steps of 4096", id="8192-one-step-above-max"),
        pytest.param(16384, 24576, "32768-122880 in steps of 8192", id="16384-one-step-below-min"),
        pytest.param(16384, 36864, "32768-122880 in steps of 8192", id="16384-4GiB-step-not-allowed"),
        pytest.param(16384, 131072, "32768-122880 in steps of 8192", id="16384-one-step-above-max"),
    ],
)
def test_memory_outside_the_table_names_memory_and_the_allowed_sizes(cpu, memory, allowed):
    assert fargate_size_error(cpu, memory) == (
        "memory",
        f"{memory} MiB is not a Fargate memory size for cpu {cpu}; allowed: {allowed}",
    )


@pytest.mark.parametrize("cpu", [0, 128, 255, 257, 1000, 3072, 32768])
def test_unknown_cpu_names_cpu_and_every_allowed_cpu(cpu):
    assert fargate_size_error(cpu, 512) == (
        "cpu",
        f"{cpu} is not a Fargate CPU size; allowed: 256, 512, 1024, 2048, 4096, 8192, 16384",
    )


def test_unknown_cpu_is_reported_rather_than_the_memory():
    field, _ = fargate_size_error(300, 123)
    assert field == "cpu"


@pytest.mark.parametrize(
    ("cpu", "text"),
    [
        (256, "512, 1024, 2048"),
        (512, "1024, 2048, 3072, 4096"),
        (1024, "2048-8192 in steps of 1024"),
        (2048, "4096-16384 in steps of 1024"),
        (4096, "8192-30720 in steps of 1024"),
        (8192, "16384-61440 in steps of 4096"),
        (16384, "32768-122880 in steps of 8192"),
    ],
    ids=lambda v: str(v),
)
def test_memory_choices_are_listed_short_and_ranges_compactly(cpu, text):
    assert describe_memory_choices(cpu) == text
