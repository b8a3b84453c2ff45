"""Releasing a task definition revision and following it to the end, under either engine.

boto3 only, no Pulumi program: the dynamic resources in components/release.py and the
operator CLI (`python -m release`) both drive these packages.

* ``release.core``: what both engines share (the outcome of a deployment, the provider's
  clients and log); neither engine imports the other.
* ``release.codedeploy``: CodeDeploy blue/green deployments.
* ``release.ecs``: ECS's own service deployments.
* ``release.cli``: the operator CLI (`python -m release`, the `bluegreen` command), its
  commands reaching either engine through one interface (release/cli/engine.py).
"""
