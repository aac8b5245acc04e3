"""``--format github``: GitHub Actions workflow commands, one annotation per finding.

``::error file=PATH,line=N,col=N,title=RULE::MESSAGE`` (``warning`` and ``notice`` for the other
levels). Values are escaped as the runner expects, so that catalog text can neither end the command
early nor start a new one: in the message ``%`` ``\\r`` ``\\n`` become ``%25`` ``%0D`` ``%0A``; in
properties ``:`` and ``,`` also become ``%3A`` and ``%2C``. Paths are relative to the repository
root, where GitHub looks for them. A plain summary line comes last.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from saga_lint.render.repopath import repo_path
from saga_lint.render.safe import utf8_text, visible
from saga_lint.results import RepoFacts

if TYPE_CHECKING:
    from saga_lint.findings import Finding
    from saga_lint.results import Checked

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: object) -> str:
    """Invisible characters dropped (a log line must stay one line), CR/LF and ``%`` escaped."""
    s = visible(utf8_text(text))
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: object) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(f: Finding, prefix: str) -> str:
    props = []
    if f.file:
        props.append(("file", repo_path(prefix, f.file)))
        if isinstance(f.line, int) and f.line >= 1:
            props.append(("line", str(f.line)))
            if isinstance(f.column, int) and f.column >= 1:
                props.append(("col", str(f.column)))
    props.append(("title", f"saga-lint {f.rule}"))
    prop_text = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    return f"::{COMMANDS.get(f.severity, 'warning')} {prop_text}::{escape_data(f.message)}"


def render(result: Checked, repo: RepoFacts) -> str:
    lines = [_annotation(f, repo.prefix) for f in result.findings]
    s = result.summary()
    total = s["errors"] + s["warnings"] + s["infos"]
    lines.append(f"saga-lint: {total} problem{'s' if total != 1 else ''} "
                 f"({s['errors']} errors, {s['warnings']} warnings, {s['infos']} info)")
    return "\n".join(lines) + "\n"
