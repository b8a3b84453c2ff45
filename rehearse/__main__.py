"""``python -m rehearse``: see rehearse/cli.py."""

import sys

from rehearse.cli import main

sys.exit(main())
