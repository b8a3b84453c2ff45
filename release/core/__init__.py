"""What both engines share, so that neither imports the other: the outcome of a deployment
(outcome.py), and the dynamic providers' AWS clients and log (provider.py, engine_log.py)."""
