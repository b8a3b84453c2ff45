"""The ECS engine: ECS's own BLUE_GREEN / LINEAR / CANARY *service deployments*, which
`UpdateService` starts. Finding and reading them (deployments.py), following one to its
outcome (watch.py), and the work of the EcsServiceRelease dynamic resource (provider.py)."""
