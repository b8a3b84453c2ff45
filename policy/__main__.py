"""The fargate-bluegreen policy pack: `pulumi preview --policy-pack policy` runs this file.

Only the pack is built here; the policies live in guardrails.py, which tests import. Building
PolicyPack starts the analyzer's gRPC server and blocks, so never import this module.
"""

from guardrails import PACK_ENFORCEMENT, PACK_NAME, build_policies
from pulumi_policy import PolicyPack

PolicyPack(
    name=PACK_NAME,
    enforcement_level=PACK_ENFORCEMENT,
    policies=build_policies(),
)
