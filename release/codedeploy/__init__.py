"""The CodeDeploy engine: blue/green deployments of one deployment group, started from an
AppSpec and followed to their outcome. Listing and starting deployments (deployments.py),
following one (watch.py), starting or joining a release (run.py), and the work of the
CodeDeployRelease dynamic resource (provider.py)."""
