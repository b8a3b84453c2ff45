"""Pure functions that compute the documents and settings AWS expects.

Nothing here imports Pulumi, so every rule is tested with plain pytest.
"""
