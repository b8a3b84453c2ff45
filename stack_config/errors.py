"""Errors that name the config key, the bad value and what is allowed."""

from __future__ import annotations


class FieldError(ValueError):
    """Raised by a model validator about one field of its section (``field`` is its config key)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class SeveralFieldsError(ValueError):
    """Several problems of one section at once (e.g. one per bad tag), each a FieldError."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


class ConfigError(Exception):
    """Every problem found in a stack's configuration, one line each."""

    def __init__(self, stack: str, problems: list[str]) -> None:
        self.stack = stack
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid configuration for stack {stack!r}:\n{lines}")
