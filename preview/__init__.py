"""Offline preview: what a stack declares and how a release of it will roll out,
without AWS or the Pulumi CLI (``make preview``)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
"""The checkout whose program the preview runs (``__main__.py`` and the stack files)."""
