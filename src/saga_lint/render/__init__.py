"""Renderers: one module per output format; each turns a finished result into text.

``render(fmt, result, repo)`` picks the format's module (imported only when asked for) and hands
it the pipeline's ``Result`` (or the check cache's ``Restored``: both are ``results.Checked``)
and, for the formats whose paths are relative to the repository (:data:`REPO_FORMATS`), the
``RepoFacts`` the caller found with ``saga_lint.repo``. Nothing here
runs git, a review or a rule: the HTML report (``render.html``) and ``saga-lint explain``
(``render.explain_text``) are called directly with what they show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from saga_lint.render.safe import utf8_safe
from saga_lint.results import RepoFacts

if TYPE_CHECKING:
    from saga_lint.results import Checked

__all__ = ["FORMATS", "REPO_FORMATS", "render", "utf8_safe"]

FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit", "markdown", "concise")
REPO_FORMATS = frozenset({"sarif", "github", "gitlab", "junit", "markdown"})
"""Formats that show paths relative to the repository's top level (they need ``RepoFacts``)."""


def render(fmt: str, result: Checked, repo: RepoFacts | None = None, max_rows: int | None = None,
           color: bool = False) -> str:
    """``result`` in format ``fmt``, as valid UTF-8. ``repo``: where the catalog sits in its
    repository (default: at the top); ``max_rows``: the Markdown summary's row cap (default
    ``markdown_format.MAX_ROWS``); ``color``: severities in colour (text and concise only)."""
    repo = repo if repo is not None else RepoFacts()
    if fmt == "text":
        from saga_lint.render import text_format

        out = text_format.render(result, color)
    elif fmt == "concise":
        from saga_lint.render import concise_format

        out = concise_format.render(result, color)
    elif fmt == "json":
        from saga_lint.render import json_format

        out = json_format.render(result)
    elif fmt == "sarif":
        from saga_lint.render import sarif_format

        out = sarif_format.render(result, repo)
    elif fmt == "github":
        from saga_lint.render import github_format

        out = github_format.render(result, repo)
    elif fmt == "gitlab":
        from saga_lint.render import gitlab_format

        out = gitlab_format.render(result, repo)
    elif fmt == "junit":
        from saga_lint.render import junit_format

        out = junit_format.render(result, repo)
    elif fmt == "markdown":
        from saga_lint.render import markdown_format

        out = markdown_format.render(result, repo, markdown_format.MAX_ROWS if max_rows is None else max_rows)
    else:
        raise ValueError(f"unknown output format {fmt!r} (choose from {', '.join(FORMATS)})")
    return utf8_safe(out)
