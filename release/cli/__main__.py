"""`python -m release.cli <command> [options]`, the same as `python -m release`."""

import sys

from release.cli.main import main

sys.exit(main(sys.argv[1:]))
