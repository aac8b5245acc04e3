"""``--format github``: GitHub Actions workflow commands, one annotation per finding.

``::error file=PATH,line=N,col=N,title=RULE::MESSAGE`` (``warning`` and ``notice`` for the other
levels). Values are escaped as the runner expects, so that catalog text can neither end the command
early nor start a new one: in the message ``%`` ``\\r`` ``\\n`` become ``%25`` ``%0D`` ``%0A``; in
properties ``:`` and ``,`` also become ``%3A`` and ``%2C``. Paths are relative to the repository
root, where GitHub looks for them. A plain summary line comes last.
"""

from __future__ import annotations

import re

from saga_lint.render.sarif_format import clean, repo_path, repo_prefix

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}
# control characters other than tab and CR/LF (escaped below) are dropped: a log line must stay one line
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")


def escape_data(text) -> str:
    s = _CONTROL.sub("", clean(text))
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(result, **kw) -> str:
    prefix = kw.get("prefix")
    if prefix is None:
        prefix = repo_prefix(result.root)
    lines = []
    for f in result.findings:
        props = []
        if f.file:
            props.append(("file", repo_path(prefix, f.file)))
            if isinstance(f.line, int) and f.line >= 1:
                props.append(("line", str(f.line)))
                if isinstance(f.column, int) and f.column >= 1:
                    props.append(("col", str(f.column)))
        props.append(("title", f"saga-lint {f.rule}"))
        prop_text = ",".join(f"{k}={escape_property(v)}" for k, v in props)
        lines.append(f"::{COMMANDS.get(f.severity, 'warning')} {prop_text}::{escape_data(f.message)}")
    s = result.summary()
    total = s["errors"] + s["warnings"] + s["infos"]
    lines.append(f"saga-lint: {total} problem{'s' if total != 1 else ''} ({s['errors']} errors, {s['warnings']} warnings, {s['infos']} info)")
    return "\n".join(lines) + "\n"
