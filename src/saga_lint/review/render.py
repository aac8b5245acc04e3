"""Review output: a pull-request comment (Markdown) or JSON.

Markdown starts with the marker ``<!-- saga-lint:review -->`` (a workflow finds its earlier
comment by it and updates it in place), then a verdict line, the changed resources, the schema
compatibility of changed messages, the findings the change introduces grouped by severity with
``file:line`` links, and the change-guidance checklist of every saga flow the change touched.
Every piece of catalog text goes through ``md_escape`` (HTML entities, Markdown punctuation
escaped, one line), so catalog content can neither inject markup or links nor break a table.
Links point at ``link_base`` when the caller found one (``saga_lint.repo.blob_link_base``: the
blob at the head commit on GitHub), else at the repository-relative path. The comment stays under
GitHub's 65,536 characters: rows beyond the budget are counted, not shown.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from saga_lint.render.markdown_format import SEVERITY_TITLES, TABLE_HEAD, md_escape, rule_code
from saga_lint.words import plural

if TYPE_CHECKING:
    from saga_lint.findings import Finding
    from saga_lint.results import ReviewDocument
    from saga_lint.review import ReviewResult

MARKER = "<!-- saga-lint:review -->"
MAX_CHARS = 60_000

_KIND_ICON = {"added": "➕ added", "removed": "➖ removed", "changed": "✏️ changed", "version-bump": "⬆️ new version"}


def _repo_path(result: ReviewResult, file: str | None) -> str:
    return f"{result.prefix}{file}" if file else (result.prefix.rstrip("/") or ".")


def _location(result: ReviewResult, f: Finding, base: str | None) -> str:
    if not f.file:
        return "(catalog)"
    path = _repo_path(result, f.file)
    text = path
    anchor = ""
    if isinstance(f.line, int) and f.line >= 1:
        text += f":{f.line}"
        anchor = f"#L{f.line}"
    try:
        url_path = quote(path.encode("utf-8", "surrogateescape"), safe="/-._~")
    except UnicodeEncodeError:
        url_path = quote(path.encode("utf-8", "replace"), safe="/-._~")
    url = (base or "") + url_path + anchor
    return f"[{md_escape(text)}]({url})"


def _verdict(result: ReviewResult) -> str:
    counts = result.counts()
    total = sum(counts.values())
    parts = [plural(counts[s], s) if s != "info" else f"{counts[s]} info" for s, _t, _i in SEVERITY_TITLES if counts[s]]
    said = ", ".join(parts)
    if result.failed:
        return f"❌ **This change introduces {said}** (fails at {md_escape(result.fail_on)} and above)."
    if total:
        return f"⚠️ **This change introduces {said}**, below the fail level ({md_escape(result.fail_on)})."
    return "✅ **This change introduces no new problems.**"


def _what(result: ReviewResult, ch: Any) -> str:
    bits = []
    if ch.kind == "version-bump":
        bits.append(f"version {md_escape(ch.old_version)} → {md_escape(ch.new_version)}")
    for w in ch.what:
        bits.append({"frontmatter": "frontmatter", "body": "page text", "schema": "schema"}.get(w, md_escape(w)))
    for label, ids in (("steps added", ch.steps_added), ("steps removed", ch.steps_removed), ("steps changed", ch.steps_changed)):
        if ids and ch.kind not in ("added", "removed"):
            bits.append(f"{label}: {md_escape(', '.join(ids))}")
    if ch.versions_added and ch.kind != "added":
        bits.append(f"versions added: {md_escape(', '.join(ch.versions_added))}")
    if ch.versions_removed and ch.kind != "removed":
        bits.append(f"versions removed: {md_escape(', '.join(ch.versions_removed))}")
    mc = next((m for m in result.compat if m.type == ch.type and m.id == ch.id), None)
    if mc is not None:
        if not mc.compared:
            bits.append("schema not compared (not a readable JSON schema on both sides)")
        elif mc.breaking:
            bits.append(f"**breaking** under {md_escape(mc.mode)}")
        else:
            bits.append(f"compatible under {md_escape(mc.mode)}")
    return "; ".join(bits) or "—"


def _version(ch: Any) -> str:
    if ch.kind == "version-bump":
        return f"{md_escape(ch.old_version)} → {md_escape(ch.new_version)}"
    return md_escape(ch.new_version or ch.old_version or "")


def _difference(c: Any) -> object:
    if c.path and not c.kind.startswith(("required-", "property-")):
        return f"{c.path}: {c.detail}"
    return c.detail


class _Comment:
    """The comment's lines, written while a character budget lasts; what does not fit is counted
    in notes at the end (``tail``)."""

    def __init__(self, limit: int) -> None:
        self.left = limit
        self.lines: list[str] = []
        self.tail: list[str] = []

    def take(self, line: str) -> bool:
        if len(line) + 1 > self.left:
            return False
        self.left -= len(line) + 1
        return True

    def add(self, lines: Iterable[str]) -> int:
        """Add lines while the budget lasts; returns how many were added."""
        n = 0
        for line in lines:
            if not self.take(line):
                break
            self.lines.append(line)
            n += 1
        return n


def _guidance(result: ReviewResult, budget: int) -> list[str]:
    """The change guidance of every saga flow the change touched, within ``budget`` characters."""
    guidance: list[str] = []
    room = _Comment(budget)
    for cl in result.checklists:
        lines = ["", f"### Change guidance: {md_escape(cl.flow_name)} ({md_escape(cl.flow_id)})", "",
                 "Adding or changing a saga step means updating, in the same change:", ""]
        lines += [f"- [{'x' if it.done else ' '}] **{md_escape(it.label)}**: {md_escape(it.note)}" for it in cl.items]
        if not all(room.take(line) for line in lines):
            shown = len([g for g in guidance if g.startswith("### ")])
            guidance.append(f"… change guidance for {len(result.checklists) - shown} more flows is not shown.")
            break
        guidance.extend(lines)
    return guidance


def _changed_resources(out: _Comment, result: ReviewResult) -> None:
    changes = result.changes.resources
    out.add(["", f"### Changed resources ({len(changes)})", ""])
    if not changes:
        out.add(["No catalog resource changed."])
        return
    out.add(["| Change | Resource | Version | What changed |", "| --- | --- | --- | --- |"])
    rows = [f"| {_KIND_ICON.get(ch.kind, md_escape(ch.kind))} | {md_escape(ch.type)} {md_escape(ch.id)} | "
            f"{_version(ch)} | {_what(result, ch)} |" for ch in changes]
    shown = out.add(rows)
    if shown < len(rows):
        out.tail.append(f"… {len(rows) - shown} more changed resources are not shown.")


def _compatibility(out: _Comment, result: ReviewResult) -> None:
    compared = [m for m in result.compat if m.changes or not m.compared]
    if not compared:
        return
    out.add(["", "### Schema compatibility", "", "| Message | Mode | Result | Differences |", "| --- | --- | --- | --- |"])
    for m in compared:
        if not m.compared:
            res, diffs = "not compared", "a schema is not a readable JSON schema on one side"
        else:
            res = "❌ breaking" if m.breaking else "✅ compatible"
            diffs = "<br>".join(
                ("**" if c in m.breaking else "") + md_escape(_difference(c)) + ("**" if c in m.breaking else "")
                for c in m.changes[:20]
            ) + (f"<br>… {len(m.changes) - 20} more" if len(m.changes) > 20 else "")
        out.add([f"| {md_escape(m.type)} {md_escape(m.id)} | {md_escape(m.mode)} | {res} | {diffs} |"])


def _findings(out: _Comment, result: ReviewResult, link_base: str | None) -> None:
    findings = result.findings
    out.add(["", f"### Findings this change introduces ({len(findings)})"])
    if not findings:
        out.add(["", f"None. The head has {plural(result.head_findings, 'finding')}, all of them already present at the base."
                 if result.head_findings else "None."])
    shown_total = 0
    for sev, title, icon in SEVERITY_TITLES:
        items = [f for f in findings if f.severity == sev]
        if not items:
            continue
        out.add(["", f"#### {icon} {title} ({len(items)})", "", *TABLE_HEAD])
        rows = []
        for f in items:
            msg = md_escape(f.message)
            if f.step and f"step {f.step}" not in f.message:
                msg += f" (step {md_escape(f.step)})"
            rows.append(f"| {_location(result, f, link_base)} | {rule_code(f.rule)} | {msg} |")
        shown_total += out.add(rows)
    if shown_total < len(findings):
        out.tail.append(f"… {len(findings) - shown_total} more findings are not shown; run `saga-lint review --format json` "
                        "for all of them.")
    preexisting = result.head_findings - len(result.new_findings)
    if preexisting > 0:
        out.add(["", f"{plural(preexisting, 'finding')} already present at the base {'is' if preexisting == 1 else 'are'} "
                 "not repeated here."])


def render_markdown(result: ReviewResult, max_chars: int = MAX_CHARS, link_base: str | None = None) -> str:
    """The PR comment, at most about ``max_chars`` characters; ``link_base``: where file links
    point (a URL ending in ``/``), None for repository-relative links."""
    head = f"`{result.head_sha[:12]}`" if result.head_sha else "the working tree"
    base = f"{md_escape(result.base_ref)} (`{result.base_sha[:12]}`)"
    intro = [MARKER, "## saga-lint review", "", _verdict(result), "",
             f"Compared {base} with {head}" + (f" ({md_escape(result.head_ref)})" if result.head_ref else "")
             + f"; catalog at {md_escape(_repo_path(result, None))}."]
    # the change guidance comes last but is kept first: it is what a reviewer acts on
    guidance = _guidance(result, max_chars // 3)
    out = _Comment(max_chars - 2000 - sum(len(line) + 1 for line in guidance))  # room for the closing notes
    for line in intro:
        out.take(line)
    out.lines.extend(intro)
    _changed_resources(out, result)
    _compatibility(out, result)
    _findings(out, result, link_base)
    return "\n".join(out.lines + guidance + out.tail) + "\n"


def to_json(result: ReviewResult) -> ReviewDocument:
    from saga_lint import __version__

    return {
        "version": 1,
        "tool": {"name": "saga-lint", "version": __version__},
        "base": {"ref": result.base_ref, "sha": result.base_sha},
        "head": {"ref": result.head_ref, "sha": result.head_sha, "working_tree": result.head_sha is None},
        "catalog": _repo_path(result, None),
        "verdict": "fail" if result.failed else "pass",
        "fail_on": result.fail_on,
        "counts": result.counts(),
        "changes": [ch.to_json() for ch in result.changes.resources],
        "compatibility": [m.to_json() for m in result.compat],
        "findings": [dict(f.to_json(), origin="change" if f.rule.startswith("change/") else "new") for f in result.findings],
        "preexisting_findings": max(result.head_findings - len(result.new_findings), 0),
        "checklists": [cl.to_json() for cl in result.checklists],
        "changed_files": list(result.changed_files),
    }


def render_json(result: ReviewResult) -> str:
    return json.dumps(to_json(result), indent=2, ensure_ascii=False, default=str) + "\n"


def render(fmt: str, result: ReviewResult, link_base: str | None = None) -> str:
    if fmt == "json":
        return render_json(result)
    return render_markdown(result, link_base=link_base)
