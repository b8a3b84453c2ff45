"""Dated price tables per region (``<region>.json``) and the command that writes them.

The tables are data, read by ``preview.prices.table`` for the estimate (``preview.estimate``);
``python -m preview.prices refresh --region R`` fetches one from AWS's Price List API (see
``preview.prices.refresh``). Importing this package imports nothing heavy: the preview names
the command without loading boto3.
"""

from __future__ import annotations


def refresh_command(region: str) -> str:
    """The exact command that writes ``preview/prices/<region>.json`` from AWS's Price List API."""
    return f"python -m preview.prices refresh --region {region}"


__all__ = ["refresh_command"]
