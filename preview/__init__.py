"""Offline preview: what a stack declares and how a release of it will roll out,
without AWS or the Pulumi CLI (``make preview``)."""
