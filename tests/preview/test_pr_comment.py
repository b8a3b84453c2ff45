"""`python -m preview.pr_comment` against a local stub of GitHub's REST API.

The stub (``http.server`` on 127.0.0.1) serves what the updater uses: the issue comments of a
pull request, paginated with a ``Link: <...>; rel="next"`` header, POST of a new comment and
PATCH of an existing one, and it refuses any other token than the one set.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from preview.pr_comment import (
    COMMENT_LIMIT,
    DEFAULT_AUTHOR,
    GitHub,
    comment_body,
    main,
    marker,
    next_page,
    upsert,
)

TOKEN = "ghs_stub-token"
REPO = "acme/fargate-bluegreen"
PR = 14


class StubGitHub(ThreadingHTTPServer):
    page_size = 2

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.comments: list[dict[str, Any]] = []
        self.calls: list[tuple[str, str]] = []
        self.next_id = 1000

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def add(self, body: str, login: str = DEFAULT_AUTHOR) -> dict[str, Any]:
        self.next_id += 1
        comment = {
            "id": self.next_id,
            "body": body,
            "user": {"login": login, "type": "Bot" if login.endswith("[bot]") else "User"},
            "html_url": f"https://github.com/{REPO}/pull/{PR}#issuecomment-{self.next_id}",
        }
        self.comments.append(comment)
        return comment


class Handler(BaseHTTPRequestHandler):
    server: StubGitHub

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self) -> bool:
        self.server.calls.append((self.command, self.path))
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._send(401, {"message": "Bad credentials"})
            return False
        return True

    def _body(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        return loaded

    def do_GET(self) -> None:
        if not self._authorized():
            return
        url = urlparse(self.path)
        if url.path != f"/repos/{REPO}/issues/{PR}/comments":
            return self._send(404, {"message": "Not Found"})
        page = int(parse_qs(url.query).get("page", ["1"])[0])
        size = self.server.page_size
        chunk = self.server.comments[(page - 1) * size : page * size]
        headers = {}
        if page * size < len(self.server.comments):
            headers["Link"] = (
                f'<{self.server.url}{url.path}?per_page=100&page={page + 1}>; rel="next", '
                f'<{self.server.url}{url.path}?per_page=100&page=99>; rel="last"'
            )
        self._send(200, chunk, headers)

    def do_POST(self) -> None:
        if not self._authorized():
            return
        if self.path != f"/repos/{REPO}/issues/{PR}/comments":
            return self._send(404, {"message": "Not Found"})
        self._send(201, self.server.add(self._body()["body"]))

    def do_PATCH(self) -> None:
        if not self._authorized():
            return
        prefix = f"/repos/{REPO}/issues/comments/"
        found = next(
            (c for c in self.server.comments if self.path == f"{prefix}{c['id']}"),
            None,
        )
        if found is None:
            return self._send(404, {"message": "Not Found"})
        found["body"] = self._body()["body"]
        self._send(200, found)


@pytest.fixture
def stub() -> Iterator[StubGitHub]:
    server = StubGitHub()
    # shutdown() waits out one poll interval: 0.5 s by default, on every test.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def github(stub: StubGitHub) -> GitHub:
    return GitHub(stub.url, TOKEN, REPO)


def test_first_push_creates_the_comment_and_later_pushes_edit_it(stub: StubGitHub) -> None:
    action, created = upsert(github(stub), PR, "dev", f"{marker('dev')}\nfirst")
    assert action == "created" and len(stub.comments) == 1
    action, updated = upsert(github(stub), PR, "dev", f"{marker('dev')}\nsecond")
    assert action == "updated" and updated["id"] == created["id"]
    assert len(stub.comments) == 1 and stub.comments[0]["body"].endswith("second")
    action, _ = upsert(github(stub), PR, "dev", f"{marker('dev')}\nsecond")
    assert action == "unchanged"
    assert [method for method, _ in stub.calls].count("PATCH") == 1


def test_the_marker_is_found_on_a_later_page_and_other_comments_are_left_alone(stub: StubGitHub) -> None:
    stub.add("LGTM", login="reviewer")
    stub.add(f"{marker('prod')}\nprod report")
    stub.add(f"quoting the bot: {marker('dev')}", login="reviewer")  # a person's comment, not the bot's
    stub.add("pulumi preview output", login="github-actions[bot]")
    dev = stub.add(f"{marker('dev')}\nold dev report")
    action, comment = upsert(github(stub), PR, "dev", f"{marker('dev')}\nnew dev report")
    assert action == "updated" and comment["id"] == dev["id"]
    assert [c["body"] for c in stub.comments] == [
        "LGTM",
        f"{marker('prod')}\nprod report",
        f"quoting the bot: {marker('dev')}",
        "pulumi preview output",
        f"{marker('dev')}\nnew dev report",
    ]
    pages = [path for method, path in stub.calls if method == "GET"]
    assert len(pages) == 3 and pages[-1].endswith("page=3")  # followed rel="next" to the end


def test_a_body_without_the_marker_gets_it(stub: StubGitHub) -> None:
    upsert(github(stub), PR, "prod", "report")
    assert stub.comments[0]["body"] == f"{marker('prod')}\nreport"


def test_main_reads_the_token_and_api_from_the_environment(
    stub: StubGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = tmp_path / "pr-comment-dev.md"
    body.write_text(comment_body("dev", "### change", "## full"))
    monkeypatch.setenv("GITHUB_API_URL", stub.url)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    args = ["--repo", REPO, "--pr", str(PR), "--stack", "dev", "--body-file", str(body)]
    say = io.StringIO()
    assert main(args, say=say) == 0
    assert "created the dev comment https://github.com/" in say.getvalue()
    assert main(args, say=say) == 0 and len(stub.comments) == 1

    monkeypatch.setenv("GITHUB_TOKEN", "wrong")
    say = io.StringIO()
    assert main(args, say=say) == 1
    assert "HTTP 401" in say.getvalue() and "Bad credentials" in say.getvalue()

    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.delenv("GH_TOKEN", raising=False)
    say = io.StringIO()
    assert main(args, say=say) == 2 and "set GITHUB_TOKEN" in say.getvalue()


def test_the_comment_puts_the_change_first_and_folds_the_full_report() -> None:
    body = comment_body(
        "prod", "### What this change does", "## Offline preview\n\n```mermaid\nflowchart LR\n```"
    )
    assert body.startswith(f"{marker('prod')}\n### What this change does\n")
    assert body.index("### What this change does") < body.index("<details>") < body.index("```mermaid")
    assert body.rstrip().endswith("</details>")


def test_a_full_report_too_long_for_github_is_left_out_not_cut() -> None:
    body = comment_body("prod", "### change", "x" * COMMENT_LIMIT)
    assert len(body) < COMMENT_LIMIT and "<details>" not in body
    assert "make preview STACK=prod" in body


def test_link_headers() -> None:
    assert next_page(
        '<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last"'
    ) == ("https://api.github.com/x?page=2")
    assert next_page('<https://api.github.com/x?page=1>; rel="prev"') is None
    assert next_page("") is None
