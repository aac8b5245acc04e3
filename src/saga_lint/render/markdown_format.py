"""``--format markdown``: a summary for a pull request or ``$GITHUB_STEP_SUMMARY``.

A count table by severity, then the findings grouped by severity, one table row per finding
(``file:line:col``, rule, message). Every piece of catalog text (paths, ids, messages) goes through
:func:`md_escape`: HTML-significant characters become entities and Markdown punctuation is
backslash-escaped, so a name such as ``<script>``, ``[x](javascript:...)`` or ``a|b`` shows as
text and can neither inject markup or links nor break the table.
"""

from __future__ import annotations

import re

from saga_lint.render.sarif_format import clean, repo_path, repo_prefix

MARKER = "<!-- saga-lint:check -->"
MAX_ROWS = 1000  # GitHub caps a step summary at 1 MiB

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
# ASCII punctuation with a meaning somewhere in CommonMark/GFM (incl. autolinks, tables, math)
_MD_PUNCT = set("\\`*_{}[]()#+-.!|~:@$=^")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SAFE_RULE = re.compile(r"^[a-z0-9][a-z0-9/_.-]*$")

_TITLES = (("error", "Errors", "🔴"), ("warning", "Warnings", "🟠"), ("info", "Info", "🔵"))


def md_escape(text) -> str:
    """Catalog text as inert Markdown inline text, one line, safe inside a table cell."""
    s = _CONTROL.sub("", clean(text))
    s = re.sub(r"[\r\n\t]+", " ", s)
    out = []
    for ch in s:
        if ch in _ENTITIES:
            out.append(_ENTITIES[ch])
        elif ch in _MD_PUNCT:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def _rule(name: str) -> str:
    return f"`{name}`" if _SAFE_RULE.match(name or "") else md_escape(name)


def _location(f, prefix: str) -> str:
    if not f.file:
        return "(catalog)"
    where = repo_path(prefix, f.file)
    if isinstance(f.line, int) and f.line >= 1:
        where += f":{f.line}"
        if isinstance(f.column, int) and f.column >= 1:
            where += f":{f.column}"
    return md_escape(where)


def render(result, **kw) -> str:
    prefix = kw.get("prefix")
    if prefix is None:
        prefix = repo_prefix(result.root)
    max_rows = kw.get("max_rows", MAX_ROWS)
    s = result.summary()
    counts = {"error": s["errors"], "warning": s["warnings"], "info": s["infos"]}
    total = sum(counts.values())
    n_res = sum(s["resources"].values())

    out = [MARKER, "## saga-lint", ""]
    if total == 0:
        out.append(f"✅ No problems in {n_res} resources ({s['files']} files checked).")
    else:
        verdict = "❌" if counts["error"] else "⚠️"
        out.append(
            f"{verdict} **{total} problem{'s' if total != 1 else ''}** in {n_res} resources "
            f"({s['files']} files checked)."
        )
    out += ["", "| Severity | Count |", "| --- | ---: |"]
    for sev, title, icon in _TITLES:
        out.append(f"| {icon} {title} | {counts[sev]} |")

    shown = 0
    for sev, title, icon in _TITLES:
        items = [f for f in result.findings if f.severity == sev]
        if not items:
            continue
        out += ["", f"### {icon} {title} ({len(items)})", "", "| Location | Rule | Message |", "| --- | --- | --- |"]
        for f in items:
            if max_rows is not None and shown >= max_rows:
                break
            msg = md_escape(f.message)
            if f.step:
                msg += f" (step {md_escape(f.step)})"
            out.append(f"| {_location(f, prefix)} | {_rule(f.rule)} | {msg} |")
            shown += 1
    others = [f for f in result.findings if f.severity not in counts]
    if others and (max_rows is None or shown < max_rows):
        out += ["", f"### Other ({len(others)})", "", "| Location | Rule | Message |", "| --- | --- | --- |"]
        for f in others:
            if max_rows is not None and shown >= max_rows:
                break
            out.append(f"| {_location(f, prefix)} | {_rule(f.rule)} | {md_escape(f.message)} |")
            shown += 1
    if shown < len(result.findings):
        out += ["", f"… and {len(result.findings) - shown} more; see the SARIF or JSON output for all of them."]
    return "\n".join(out) + "\n"
