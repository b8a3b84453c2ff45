"""`python -m release <command> [options]`: the operator CLI (release/cli.py)."""

import sys

from release.cli import main

sys.exit(main(sys.argv[1:]))
