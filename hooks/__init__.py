"""Lambda functions the Pulumi program deploys alongside the service (CodeDeploy / ECS lifecycle hooks)."""
