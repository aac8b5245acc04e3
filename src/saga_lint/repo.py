"""Git facts the output formats need, found before rendering: where the catalog sits in its
repository, and where a file of a given commit can be linked to on GitHub.

Renderers run no git command and read no environment; the commands call these and hand the
answers over (``saga_lint.results.RepoFacts``, the ``link_base`` of the review's Markdown).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

from saga_lint.results import RepoFacts

_SERVER = re.compile(r"^https://[A-Za-z0-9.-]+(?::\d+)?$")
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")


def _git_toplevel(folder: Path) -> Path | None:
    try:
        proc = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--show-toplevel"],
            capture_output=True, text=True, timeout=15,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        proc = None
    if proc is not None and proc.returncode == 0 and proc.stdout.strip():
        return Path(proc.stdout.strip())
    # git missing or refusing (e.g. "dubious ownership"): look for .git ourselves
    for parent in (folder, *folder.parents):
        if (parent / ".git").exists():
            return parent
    return None


def repo_prefix(root: str | os.PathLike[str]) -> str:
    """The catalog folder's POSIX path relative to its git repository's top level ('' if the
    catalog is the repository root or is in no repository)."""
    try:
        folder = Path(root).resolve()
    except (OSError, RuntimeError):
        return ""
    top = _git_toplevel(folder)
    if top is None:
        return ""
    try:
        rel = folder.relative_to(top.resolve())
    except (ValueError, OSError, RuntimeError):
        return ""
    return "" if str(rel) in ("", ".") else rel.as_posix()


def repo_facts(root: str | os.PathLike[str]) -> RepoFacts:
    """What the repository-relative formats (SARIF, GitHub, JUnit, Markdown) need to know."""
    return RepoFacts(prefix=repo_prefix(root))


def blob_link_base(sha: str | None, env: Mapping[str, str] | None = None) -> str | None:
    """``https://<server>/<owner>/<repo>/blob/<sha>/`` when ``GITHUB_SERVER_URL`` and
    ``GITHUB_REPOSITORY`` are set (as in GitHub Actions) and well formed, else None (links stay
    repository-relative). Checked strictly: the values end up in links of a PR comment."""
    env = os.environ if env is None else env
    server = env.get("GITHUB_SERVER_URL", "").rstrip("/")
    repo = env.get("GITHUB_REPOSITORY", "")
    sha = sha or ""
    if _SERVER.match(server) and _REPO.match(repo) and _SHA.match(sha):
        return f"{server}/{repo}/blob/{sha}/"
    return None
