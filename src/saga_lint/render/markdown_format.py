"""``--format markdown``: a summary for a pull request or ``$GITHUB_STEP_SUMMARY``.

A count table by severity, then the findings grouped by severity, one table row per finding
(``file:line:col``, rule, message). Every piece of catalog text (paths, ids, messages) goes through
:func:`md_escape`: HTML-significant characters become entities and Markdown punctuation is
backslash-escaped, so a name such as ``<script>``, ``[x](javascript:...)`` or ``a|b`` shows as
text and can neither inject markup or links nor break the table. The review's PR comment
(``review.render``) builds on the same helpers.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from saga_lint.render.repopath import location
from saga_lint.render.safe import one_line
from saga_lint.results import RepoFacts
from saga_lint.words import plural

if TYPE_CHECKING:
    from saga_lint.findings import Finding
    from saga_lint.results import Checked

MARKER = "<!-- saga-lint:check -->"
MAX_ROWS = 1000  # GitHub caps a step summary at 1 MiB

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
# ASCII punctuation with a meaning somewhere in CommonMark/GFM (incl. autolinks, tables, math)
_MD_PUNCT = set("\\`*_{}[]()#+-.!|~:@$=^")
_SAFE_RULE = re.compile(r"^[a-z0-9][a-z0-9/_.-]*$")

SEVERITY_TITLES = (("error", "Errors", "🔴"), ("warning", "Warnings", "🟠"), ("info", "Info", "🔵"))
"""(severity, section title, icon), most severe first."""

TABLE_HEAD = ["| Location | Rule | Message |", "| --- | --- | --- |"]


def md_escape(text: object) -> str:
    """Catalog text as inert Markdown inline text, one line, safe inside a table cell."""
    out = []
    for ch in one_line(text):
        if ch in _ENTITIES:
            out.append(_ENTITIES[ch])
        elif ch in _MD_PUNCT:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def rule_code(name: str) -> str:
    """A rule name as inline code when it is a plain rule name, else escaped text."""
    return f"`{name}`" if _SAFE_RULE.match(name or "") else md_escape(name)


def _where(f: Finding, prefix: str) -> str:
    return md_escape(location(f, prefix)) if f.file else "(catalog)"


def _header(result: Checked) -> list[str]:
    s = result.summary()
    counts = {"error": s["errors"], "warning": s["warnings"], "info": s["infos"]}
    total = sum(counts.values())
    n_res = sum(s["resources"].values())
    out = [MARKER, "## saga-lint", ""]
    if total == 0:
        out.append(f"✅ No problems in {plural(n_res, 'resource')} ({plural(s['files'], 'file')} checked).")
    else:
        icon = "❌" if counts["error"] else "⚠️"
        out.append(
            f"{icon} **{plural(total, 'problem')}** in {plural(n_res, 'resource')} "
            f"({plural(s['files'], 'file')} checked)."
        )
    out += ["", "| Severity | Count |", "| --- | ---: |"]
    for sev, title, icon in SEVERITY_TITLES:
        out.append(f"| {icon} {title} | {counts[sev]} |")
    return out


def render(result: Checked, repo: RepoFacts, max_rows: int | None = MAX_ROWS) -> str:
    """The summary; at most ``max_rows`` finding rows (None: all of them)."""
    out = _header(result)
    shown = 0

    def rows(items: list[Finding], with_step: bool) -> None:
        nonlocal shown
        for f in items:
            if max_rows is not None and shown >= max_rows:
                break
            msg = md_escape(f.message)
            if with_step and f.step:
                msg += f" (step {md_escape(f.step)})"
            out.append(f"| {_where(f, repo.prefix)} | {rule_code(f.rule)} | {msg} |")
            shown += 1

    for sev, title, icon in SEVERITY_TITLES:
        items = [f for f in result.findings if f.severity == sev]
        if items:
            out += ["", f"### {icon} {title} ({len(items)})", "", *TABLE_HEAD]
            rows(items, with_step=True)
    known = {sev for sev, _t, _i in SEVERITY_TITLES}
    others = [f for f in result.findings if f.severity not in known]
    if others and (max_rows is None or shown < max_rows):
        out += ["", f"### Other ({len(others)})", "", *TABLE_HEAD]
        rows(others, with_step=False)
    if shown < len(result.findings):
        out += ["", f"… and {len(result.findings) - shown} more; see the SARIF or JSON output for all of them."]
    return "\n".join(out) + "\n"
