"""Demo web service deployed by the ECS blue/green stacks.

Kept import-free so `python -m server.healthcheck` stays stdlib-only and fast.
"""
