"""A finding's place relative to the repository's top level, as the CI formats show it (SARIF,
GitHub annotations, JUnit, the Markdown summary): the catalog's prefix in its repository
(``RepoFacts.prefix``) joined to the finding's catalog-relative file."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from saga_lint.render.safe import utf8_text

if TYPE_CHECKING:
    from saga_lint.findings import Finding


def repo_path(prefix: str, file: str | None, raw: bool = False) -> str:
    """A finding's file joined to the catalog's prefix, POSIX, without ``./``; ``raw`` keeps
    undecodable bytes of a file name (as surrogate escapes) for a URI of the bytes on disk."""
    f = (str(file or ".") if raw else utf8_text(file or ".")).replace("\\", "/")
    joined = PurePosixPath(prefix, f) if prefix else PurePosixPath(f)
    s = str(joined)
    return "." if s in ("", ".") else s


def location(f: Finding, prefix: str) -> str:
    """``path:line:col`` of a finding relative to the repository (``(catalog)`` for none; a
    finding without a file has no line either)."""
    if not f.file:
        return "(catalog)"
    where = repo_path(prefix, f.file)
    if isinstance(f.line, int) and f.line >= 1:
        where += f":{f.line}"
        if isinstance(f.column, int) and f.column >= 1:
            where += f":{f.column}"
    return where
