"""Why a release failed, stopped or timed out, read from AWS at that moment and reduced to what
matters, for either engine: the ECS service's events since the deployment started, green's
stopped tasks (stop reason, stop code, each container's exit code and reason, the crashed
container's last log lines), the green target group's target health, the alarms in ALARM and
the lifecycle hook's verdict with its last log lines; first, one line naming the likely cause.

* sources.py: what a diagnosis is about (Subject, which each engine builds from what it knows of
  green) and the reading of each source into plain dataclasses (Facts). Every read is isolated:
  an error becomes a "could not read X: reason" note and never hides the other sources.
* cause.py: pure rules from the facts to the first line.
* render.py: the text under the failure message (the `pulumi up` error, `watch`, `status`).

Engines import this package; it imports neither engine nor the CLI (tests/release/test_layering.py).
"""

from release.diagnosis.render import Diagnosis, diagnose

__all__ = ["Diagnosis", "diagnose"]
