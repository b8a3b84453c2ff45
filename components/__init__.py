"""Pulumi ComponentResources, one per module: registry, network, load balancer pair,
task definition, cluster and service, alarms and the CodeDeploy group."""
