"""`python -m release <command> [options]`: the operator CLI (release/cli/)."""

import sys

from release.cli.main import main

sys.exit(main(sys.argv[1:]))
