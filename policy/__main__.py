"""The fargate-bluegreen policy pack: `pulumi preview --policy-pack policy` runs this file.

Only the pack is built here; the policies live in the package `policy` (guardrails.py assembles
them), which tests import. Building PolicyPack starts the analyzer's gRPC server and blocks, so
never import this module.

The pack runs from its own directory in its own environment (policy/venv). Its modules import
each other as the package `policy`, as the tests do, and import the shared release model and
resource reader (specs/, standard library only) from the repository: so the repo root (this
directory's parent) goes on sys.path first.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import PolicyPack

from policy.guardrails import PACK_ENFORCEMENT, PACK_NAME, build_policies

PolicyPack(
    name=PACK_NAME,
    enforcement_level=PACK_ENFORCEMENT,
    policies=build_policies(),
)
