"""Releasing a task definition revision through CodeDeploy and following it to the end.

boto3 only, no Pulumi: the dynamic resource in components/release.py and the operator CLI
(release/cli.py) both drive these functions.
"""
