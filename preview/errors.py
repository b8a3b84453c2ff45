"""What stops the preview of a stack, said in one line: ``python -m preview`` prints it, exit 2.

Kept apart from the modules that raise it so that the command can catch it without importing
them (they load the mock engine).
"""

from __future__ import annotations


class PreviewError(Exception):
    """A stack whose declared resources the preview cannot read (e.g. no release timeline)."""

    def __init__(self, stack: str, message: str) -> None:
        super().__init__(f"stack {stack!r}: {message}")
        self.stack = stack
