"""The Fargate CPU/memory table: which task sizes AWS accepts.

Source: Amazon ECS developer guide, "Task CPU and memory" (Fargate). Memory is in MiB.
"""

from __future__ import annotations

_GIB = 1024


def _steps(start: int, stop: int, step: int) -> tuple[int, ...]:
    return tuple(range(start, stop + 1, step))


FARGATE_MEMORY_BY_CPU: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: _steps(1 * _GIB, 4 * _GIB, _GIB),
    1024: _steps(2 * _GIB, 8 * _GIB, _GIB),
    2048: _steps(4 * _GIB, 16 * _GIB, _GIB),
    4096: _steps(8 * _GIB, 30 * _GIB, _GIB),
    8192: _steps(16 * _GIB, 60 * _GIB, 4 * _GIB),
    16384: _steps(32 * _GIB, 120 * _GIB, 8 * _GIB),
}


def describe_memory_choices(cpu: int) -> str:
    """Human-readable list of the memory sizes allowed for ``cpu``, compact for long ranges."""
    sizes = FARGATE_MEMORY_BY_CPU[cpu]
    if len(sizes) <= 4:
        return ", ".join(str(s) for s in sizes)
    step = sizes[1] - sizes[0]
    return f"{sizes[0]}-{sizes[-1]} in steps of {step}"


def fargate_size_error(cpu: int, memory: int) -> tuple[str, str] | None:
    """Return (field, reason) when (cpu, memory) is not a Fargate size, or None when it is one."""
    if cpu not in FARGATE_MEMORY_BY_CPU:
        allowed = ", ".join(str(c) for c in FARGATE_MEMORY_BY_CPU)
        return "cpu", f"{cpu} is not a Fargate CPU size; allowed: {allowed}"
    if memory not in FARGATE_MEMORY_BY_CPU[cpu]:
        return "memory", (
            f"{memory} MiB is not a Fargate memory size for cpu {cpu}; "
            f"allowed: {describe_memory_choices(cpu)}"
        )
    return None
