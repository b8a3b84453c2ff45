"""A release rehearsed on this machine with real traffic.

Blue and green run as real processes of the app behind a real HAProxy on loopback, a load
generator sends steady traffic through the production listener, and the release steps, the
smoke-test hook, the alarms and the rollback follow the stack's own settings. `python -m
rehearse --stack dev --scenario good` runs one; the report says what users would have seen.
"""
