"""The tests run the program through the same mock engine as the offline preview."""

from preview.engine import (  # noqa: F401 - re-exported for the tests
    ACCOUNT,
    PROJECT,
    ROOT,
    FakeAws,
    ProgramRun,
    Recorded,
    project_file,
    run_stack,
    run_stack_expecting_error,
    stack_config,
    stack_file,
    stack_value,
)
