"""Container health check (`python -m server.healthcheck`): exit 0 iff GET /health is 200.

Stdlib-only and proxy-free (http.client ignores HTTP_PROXY), so the image needs no curl.
"""

from __future__ import annotations

import http.client
import os
import sys

from server.config import DEFAULT_PORT, ConfigError, env_int

TIMEOUT_SECONDS = 3.0


def main() -> int:
    try:
        port = env_int(os.environ, "PORT", DEFAULT_PORT, 1, 65535)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_SECONDS)
        try:
            conn.request("GET", "/health")
            status = conn.getresponse().status
        finally:
            conn.close()
    except (ConfigError, OSError, http.client.HTTPException) as exc:
        print(f"healthcheck: {exc}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"healthcheck: /health returned {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
