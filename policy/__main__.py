"""The fargate-bluegreen policy pack: `pulumi preview --policy-pack policy` runs this file.

Only the pack is built here; the policies live in guardrails.py, which tests import. Building
PolicyPack starts the analyzer's gRPC server and blocks, so never import this module.

guardrails imports the shared release model (specs/release_model.py, standard library only)
from the repository, so the repo root (this directory's parent) goes on sys.path first: the
pack runs from its own directory in its own environment (policy/venv).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from guardrails import PACK_ENFORCEMENT, PACK_NAME, build_policies
from pulumi_policy import PolicyPack

PolicyPack(
    name=PACK_NAME,
    enforcement_level=PACK_ENFORCEMENT,
    policies=build_policies(),
)
