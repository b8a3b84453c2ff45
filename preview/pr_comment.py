"""One pull-request comment per stack, updated in place: `python -m preview.pr_comment`.

The workflow runs it after `make preview-diff` with the comment file the preview wrote
(``build/pr-comment-<stack>.md``). It lists the pull request's comments (every page, following
GitHub's ``Link: <...>; rel="next"`` header), finds the one that carries the hidden marker
``<!-- fargate-bluegreen preview: <stack> -->`` (written by ``--author``, the workflow's
``github-actions[bot]`` by default) and edits it; without one it posts a new comment. So every
push to the pull request updates one comment per stack instead of adding another.

Standard library only (``urllib``): the token comes from ``GITHUB_TOKEN`` (or ``GH_TOKEN``), the
API from ``GITHUB_API_URL`` (GitHub Enterprise and the tests' stub server set it).

    python -m preview.pr_comment --repo OWNER/REPO --pr 12 --stack dev --body-file build/pr-comment-dev.md
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

DEFAULT_API = "https://api.github.com"
DEFAULT_AUTHOR = "github-actions[bot]"
COMMENT_LIMIT = 65536
"""GitHub refuses a comment body longer than this many characters."""
TIMEOUT_SECONDS = 30


def marker(stack: str) -> str:
    return f"<!-- fargate-bluegreen preview: {stack} -->"


def comment_body(stack: str, change_markdown: str, full_report: str, *, limit: int = COMMENT_LIMIT) -> str:
    """The comment: the marker, the change report, then the full report folded below it."""
    head = f"{marker(stack)}\n{change_markdown.rstrip()}\n"
    folded = (
        f"\n<details><summary>Full offline preview of stack <code>{stack}</code></summary>\n\n"
        f"{full_report.rstrip()}\n\n</details>\n"
    )
    if len(head) + len(folded) <= limit:
        return head + folded
    return head + (
        f"\nThe full offline preview does not fit in a comment ({limit:,} characters at most): "
        f"run `make preview STACK={stack}` or see the workflow run.\n"
    )


class GitHubError(Exception):
    pass


class GitHub:
    """The few REST calls the updater makes, with a token, on one repository."""

    def __init__(self, api_url: str, token: str, repo: str) -> None:
        if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
            raise GitHubError(f"--repo must be OWNER/NAME, got {repo!r}")
        self.api_url = api_url.rstrip("/")
        self.token = token
        self.repo = repo

    def request(self, method: str, url: str, body: dict[str, Any] | None = None) -> tuple[Any, str]:
        """(decoded JSON, Link header) of one call; ``url`` is a path or a full URL."""
        full = url if url.startswith(("http://", "https://")) else f"{self.api_url}{url}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(full, data=data, method=method)
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        request.add_header("User-Agent", "fargate-bluegreen-preview")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                payload = response.read()
                link = response.headers.get("Link", "")
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")[:300]
            raise GitHubError(f"{method} {full}: HTTP {error.code} {detail}") from None
        except urllib.error.URLError as error:
            raise GitHubError(f"{method} {full}: {error.reason}") from None
        return (json.loads(payload) if payload else None), link

    def comments(self, pr: int) -> list[dict[str, Any]]:
        """Every comment on the pull request's conversation, all pages."""
        url: str | None = f"/repos/{self.repo}/issues/{pr}/comments?per_page=100"
        found: list[dict[str, Any]] = []
        while url:
            page, link = self.request("GET", url)
            found.extend(page or [])
            url = next_page(link)
        return found

    def create(self, pr: int, body: str) -> dict[str, Any]:
        created, _ = self.request("POST", f"/repos/{self.repo}/issues/{pr}/comments", {"body": body})
        return dict(created)

    def update(self, comment_id: int, body: str) -> dict[str, Any]:
        updated, _ = self.request("PATCH", f"/repos/{self.repo}/issues/comments/{comment_id}", {"body": body})
        return dict(updated)


def next_page(link: str) -> str | None:
    """The ``rel="next"`` URL of a Link header, if any."""
    for part in link.split(","):
        match = re.match(r'\s*<([^>]+)>\s*;\s*rel="next"', part)
        if match:
            return match.group(1)
    return None


def find_comment(comments: list[dict[str, Any]], stack: str, author: str) -> dict[str, Any] | None:
    """The first comment with the stack's marker (by ``author``, unless it is empty)."""
    tag = marker(stack)
    for comment in comments:
        login = (comment.get("user") or {}).get("login")
        if tag in (comment.get("body") or "") and (not author or login == author):
            return comment
    return None


def upsert(
    github: GitHub, pr: int, stack: str, body: str, author: str = DEFAULT_AUTHOR
) -> tuple[str, dict[str, Any]]:
    """Edit the stack's comment or post it; ("updated" | "created" | "unchanged", comment)."""
    if marker(stack) not in body:
        body = f"{marker(stack)}\n{body}"
    if len(body) > COMMENT_LIMIT:
        raise GitHubError(f"the comment has {len(body):,} characters; GitHub takes {COMMENT_LIMIT:,} at most")
    existing = find_comment(github.comments(pr), stack, author)
    if existing is None:
        return "created", github.create(pr, body)
    if existing.get("body") == body:
        return "unchanged", existing
    return "updated", github.update(int(existing["id"]), body)


def main(argv: Sequence[str] | None = None, *, say: TextIO = sys.stderr) -> int:
    parser = argparse.ArgumentParser(prog="python -m preview.pr_comment", description=__doc__.splitlines()[0])
    parser.add_argument("--repo", default=os.environ.get("GITHUB_REPOSITORY"), help="OWNER/NAME")
    parser.add_argument("--pr", type=int, required=True, help="pull request number")
    parser.add_argument("--stack", required=True, help="the stack the comment is about (its marker)")
    parser.add_argument("--body-file", type=Path, required=True, help="the comment's Markdown")
    parser.add_argument(
        "--author",
        default=DEFAULT_AUTHOR,
        help=f"only a comment by this login is edited (default {DEFAULT_AUTHOR}; '' for anyone's)",
    )
    args = parser.parse_args(argv)
    token = os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN")
    if not token:
        print("pr_comment: set GITHUB_TOKEN (or GH_TOKEN)", file=say)
        return 2
    if not args.repo:
        print("pr_comment: --repo OWNER/NAME (or GITHUB_REPOSITORY) is required", file=say)
        return 2
    try:
        body = args.body_file.read_text()
    except OSError as error:
        print(f"pr_comment: cannot read {args.body_file}: {error.strerror}", file=say)
        return 2
    try:
        github = GitHub(os.environ.get("GITHUB_API_URL") or DEFAULT_API, token, args.repo)
        action, comment = upsert(github, args.pr, args.stack, body, args.author)
    except GitHubError as error:
        print(f"pr_comment: {error}", file=say)
        return 1
    print(
        f"pr_comment: {action} the {args.stack} comment {comment.get('html_url') or comment.get('id')}",
        file=say,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
