"""A local stand-in for CodeDeploy's ``PutLifecycleEventHookExecutionStatus``.

The hook's handler reports its verdict with boto3's CodeDeploy client; pointed here with
``AWS_ENDPOINT_URL_CODEDEPLOY``, the client sends the same JSON 1.1 request it sends to AWS and
this server records the status per lifecycle event hook execution. Any other operation is
refused as AWS refuses an unknown one. 127.0.0.1 only.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LOOPBACK = "127.0.0.1"
TARGET = "CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus"
STATUSES = ("Pending", "InProgress", "Succeeded", "Failed", "Skipped", "Unknown")


class CodeDeployStandIn:
    """Records ``{lifecycleEventHookExecutionId: status}`` as hooks report them."""

    def __init__(self) -> None:
        self.statuses: dict[str, str] = {}
        self.calls: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = self.headers.get("X-Amz-Target", "")
                status, answer = standin.answer(target, body)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, name="codedeploy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.server.server_address[1]}"

    def answer(self, target: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """The HTTP status and JSON body AWS would answer (for the operation this stand-in knows)."""
        if target != TARGET:
            return 400, {"__type": "UnknownOperationException", "message": f"not in the stand-in: {target}"}
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            return 400, {"__type": "SerializationException", "message": "body is not JSON"}
        execution = request.get("lifecycleEventHookExecutionId")
        status = request.get("status")
        if not isinstance(execution, str) or not execution or status not in STATUSES:
            return 400, {
                "__type": "InvalidLifecycleEventHookExecutionIdException"
                if not execution
                else "InvalidLifecycleEventHookExecutionStatusException",
                "message": f"lifecycleEventHookExecutionId {execution!r}, status {status!r}",
            }
        with self._lock:
            self.calls.append(request)
            self.statuses[execution] = status
        return 200, {"lifecycleEventHookExecutionId": execution}

    def status_of(self, execution: str) -> str | None:
        with self._lock:
            return self.statuses.get(execution)

    def start(self) -> CodeDeployStandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
