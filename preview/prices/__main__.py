"""`python -m preview.prices refresh --region R`: write R's price table from AWS's Price List API.

Needs AWS credentials allowed ``pricing:GetProducts`` (any account; the API is free). The
table goes to ``preview/prices/R.json`` (``--out`` elsewhere); commit it with the date it
records. Nothing else in the preview reaches AWS.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TextIO

from preview.prices.refresh import (
    PRICING_ENDPOINT_REGION,
    PricingClient,
    check_region,
    fetch_table,
    write_table,
)

PRICES_DIR = Path(__file__).resolve().parent


def _client() -> PricingClient:
    import boto3

    client: PricingClient = boto3.client("pricing", region_name=PRICING_ENDPOINT_REGION)
    return client


def main(
    argv: Sequence[str] | None = None,
    *,
    client: PricingClient | None = None,
    today: date | None = None,
    out: TextIO = sys.stdout,
) -> int:
    parser = argparse.ArgumentParser(prog="python -m preview.prices", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    refresh = commands.add_parser("refresh", help="write a region's price table from the Price List API")
    refresh.add_argument("--region", required=True, help="AWS region code, e.g. ap-northeast-2")
    refresh.add_argument("--out", type=Path, default=PRICES_DIR, help="directory (default: preview/prices)")
    args = parser.parse_args(argv)
    try:
        region = check_region(args.region)
        table = fetch_table(client or _client(), region, today or date.today())
    except ValueError as error:
        print(f"preview.prices: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # botocore's NoCredentialsError, ClientError, EndpointConnectionError
        print(f"preview.prices: the Price List API call failed: {error}", file=sys.stderr)
        return 1
    path = write_table(table, args.out)
    print(f"wrote {path}: {len(table['prices'])} prices", file=out)
    for key, reason in table["missing"].items():
        print(f"  missing {key}: {reason}", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
