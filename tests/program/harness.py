"""The tests run the program through the same mock engine as the offline preview; ``run_stack``
here is the session's cached one (tests/run_cache.py), ``preview.engine.run_stack`` a fresh run."""

from preview.engine import (  # noqa: F401 - re-exported for the tests
    ACCOUNT,
    PROJECT,
    ROOT,
    FakeAws,
    ProgramRun,
    Recorded,
    project_file,
    run_stack_expecting_error,
    stack_config,
    stack_file,
    stack_value,
)
from tests.run_cache import run_stack  # noqa: F401 - re-exported for the tests
