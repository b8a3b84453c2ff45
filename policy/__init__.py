"""The fargate-bluegreen policy pack (``pulumi preview --policy-pack policy`` runs ``__main__.py``).

guardrails assembles the pack from values (reading props, unknowns and secrets),
resource_checks and stack_checks; see ``policy/__main__.py`` for how the pack imports them.
"""
