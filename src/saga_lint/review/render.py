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

import html
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
MAX_CHARS = 60_000  # under GitHub's 65,536 characters for a comment
SUMMARY_CHARS = 1_000_000  # under GitHub's 1 MiB for a job's step summary

_KIND_ICON = {"added": "➕ added", "removed": "➖ removed", "changed": "✏️ changed", "version-bump": "⬆️ new version",
              "renamed": "🔀 renamed"}
FOLD_ROWS = 10  # a section with more rows than this is folded (``<details>``)
_WHAT = {"frontmatter": "frontmatter", "body": "page text", "schema": "schema", "schema-added": "schema added",
         "specification": "specification"}
SPEC_NOT_COMPARED = ("not judged for compatibility: saga-lint compares JSON schemas only; review it by hand, "
                     "or with an OpenAPI/AsyncAPI diff tool such as oasdiff")


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


def _still_pointing(result: ReviewResult, new_id: str) -> list[str]:
    """The resources that still point at the old id of a resource renamed to ``new_id`` (from the
    findings that say so: ``change/removed-in-use``, ``refs/resource-exists`` and, for a reference
    with a version, ``refs/valid-version-range``)."""
    out: list[str] = []
    said = (f"which this change renamed to {new_id}: point it at {new_id}", f'This change renamed it to "{new_id}":')
    for f in result.findings:
        if f.rule in ("change/removed-in-use", "refs/resource-exists", "refs/valid-version-range") \
                and any(s in f.message for s in said) \
                and f.resource is not None:
            who = f"{f.resource.type} {f.resource.id}"
            if who not in out:
                out.append(who)
    return out


def _what(result: ReviewResult, ch: Any) -> str:
    bits = []
    if ch.kind == "version-bump":
        bits.append(f"version {md_escape(ch.old_version)} → {md_escape(ch.new_version)}")
    if ch.renamed_from is not None:
        users = _still_pointing(result, ch.id)
        bits.append(f"still pointing at {md_escape(ch.renamed_from)}: {md_escape(', '.join(users))}" if users
                    else f"nothing points at {md_escape(ch.renamed_from)} any more")
    bits += [_WHAT.get(w, md_escape(w)) for w in ch.what if w != "specification"]
    for label, ids in (("steps added", ch.steps_added), ("steps removed", ch.steps_removed), ("steps changed", ch.steps_changed)):
        if ids and ch.kind not in ("added", "removed"):
            bits.append(f"{label}: {md_escape(', '.join(ids))}")
    if ch.versions_added and ch.kind != "added":
        bits.append(f"versions added: {md_escape(', '.join(ch.versions_added))}")
    if ch.versions_removed and ch.kind != "removed":
        bits.append(f"versions removed: {md_escape(', '.join(ch.versions_removed))}")
    if ch.duplicates:
        bits.append(f"**duplicate** id and version in {md_escape(', '.join(ch.duplicates))} (not compared)")
    if ch.schemas_beside and any(w.startswith("schema") for w in ch.what):
        bits.append(f"schema beside the page, no schemaPath: {md_escape(', '.join(ch.schemas_beside))}")
    bits += [_spec_bit(ch, spec) for spec in ch.specs_changed]
    mc = next((m for m in result.compat if m.type == ch.type and m.id == ch.id), None)
    if mc is not None:
        if not mc.compared:
            bits.append(f"schema not compared ({md_escape(mc.why) if mc.why else 'not a readable JSON schema on both sides'})")
        elif mc.breaking:
            bits.append(f"**breaking** under {md_escape(mc.mode)}")
        else:
            bits.append(f"compatible under {md_escape(mc.mode)}")
    elif "schema" in ch.what and ch.kind in ("changed", "version-bump"):  # compat.message_compat left it out
        bits.append("only a file the page also shows changed, its primary schema is the same: not compared")
    return "; ".join(bits) or "—"


def _spec_bit(ch: Any, spec: str) -> str:
    """A changed specification: what it no longer offers and what it adds, then why it is not judged."""
    said = []
    for d in ch.specs_detail:
        if d["spec"] == spec:
            for label, items in (("**removed**", d["removed"]), ("added", d["added"])):
                if items:
                    shown = ", ".join(items[:5]) + (f" and {len(items) - 5} more" if len(items) > 5 else "")
                    said.append(f"{label}: {md_escape(shown)}")
    return f"{md_escape(spec)} changed ({'; '.join([*said, SPEC_NOT_COMPARED])})"


def _version(ch: Any) -> str:
    if ch.kind == "version-bump":
        return f"{md_escape(ch.old_version)} → {md_escape(ch.new_version)}"
    return md_escape(ch.new_version or ch.old_version or "")


def difference_text(c: Any) -> str:
    """A schema difference in words, its full field path kept (``lines[].sku: ...``) unless the
    words already are the whole path (a top-level field's own name)."""
    if not c.path:
        return str(c.detail)
    leaf = c.path.rsplit(".", 1)[-1]
    if (c.kind.startswith(("required-", "property-")) and leaf == c.path) or f'"{c.path}"' in str(c.detail):
        return str(c.detail)
    return f"{c.path}: {c.detail}"


class _Comment:
    """The comment's lines, written while a character budget lasts; what does not fit is counted
    in notes at the end (``tail``)."""

    def __init__(self, limit: int, rest_at: str = "") -> None:
        self.left = limit
        self.lines: list[str] = []
        self.tail: list[str] = []
        self.rest_at = rest_at or "run `saga-lint review --format json` for all of them"

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

    def table(self, title: str, head: list[str], rows: list[str], level: str = "###") -> int:
        """A titled table, folded in ``<details>`` (the count in its summary) when it has more than
        ``FOLD_ROWS`` rows; returns the rows shown."""
        if len(rows) > FOLD_ROWS:
            opening = ["", f"{level} {title}", "", f"<details><summary>{html.escape(title)}: show all {len(rows)}</summary>",
                       "", *head]
            added = self.add(opening)
            shown = self.add(rows) if added == len(opening) else 0
            if added >= 4:  # <details> was opened: closed whatever the budget left
                self.lines += ["", "</details>"]
                self.left -= len("</details>") + 2
            return shown
        self.add(["", f"{level} {title}", "", *head])
        return self.add(rows)


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


def _resource_rows(result: ReviewResult) -> list[str]:
    """One row per changed resource; a rename (a removal paired with an addition) is one row."""
    rows = []
    for ch in result.changes.resources:
        if ch.renamed_to is not None:
            continue  # shown on its new id's row
        kind = "renamed" if ch.renamed_from is not None else ch.kind
        name = md_escape(ch.id) if ch.renamed_from is None else f"{md_escape(ch.renamed_from)} → {md_escape(ch.id)}"
        rows.append(f"| {_KIND_ICON.get(kind, md_escape(kind))} | {md_escape(ch.type)} {name} | "
                    f"{_version(ch)} | {_what(result, ch)} |")
    return rows


def _changed_resources(out: _Comment, result: ReviewResult) -> None:
    rows = _resource_rows(result)
    if not rows:
        out.add(["", "### Changed resources (0)", ""])
        moved = (f" (the catalog folder was moved from {md_escape(result.moved_from.rstrip('/') or '.')}; "
                 "every page kept its place in it)") if result.moved_from is not None else ""
        out.add([f"No catalog resource changed{moved}."])
        return
    shown = out.table(f"Changed resources ({len(rows)})", ["| Change | Resource | Version | What changed |",
                                                           "| --- | --- | --- | --- |"], rows)
    if shown < len(rows):
        out.tail.append(f"… {len(rows) - shown} more changed resources are not shown; {out.rest_at}.")


def _compat_cell(m: Any) -> str:
    """The differences of one message: the compatible ones listed, the breaking ones counted
    (each is a ``change/breaking-schema`` finding below, so it is shown once)."""
    if not m.compared:
        return md_escape(m.why) if m.why else "a schema is not a readable JSON schema on one side"
    rest = [c for c in m.changes if c not in m.breaking]
    cells = [md_escape(difference_text(c)) for c in rest[:20]]
    if len(rest) > 20:
        cells.append(f"… {len(rest) - 20} more")
    if m.breaking:
        cells.insert(0, f"**{plural(len(m.breaking), 'breaking difference')}: see `change/breaking-schema` below**")
    return "<br>".join(cells)


def _compatibility(out: _Comment, result: ReviewResult) -> None:
    compared = [m for m in result.compat if m.changes or not m.compared]
    if not compared:
        return
    rows = []
    for m in compared:
        res = "not compared" if not m.compared else "❌ breaking" if m.breaking else "✅ compatible"
        rows.append(f"| {md_escape(m.type)} {md_escape(m.id)} | {md_escape(m.mode)} | {res} | {_compat_cell(m)} |")
    out.table(f"Schema compatibility ({len(rows)})", ["| Message | Mode | Result | Differences |",
                                                      "| --- | --- | --- | --- |"], rows)


def _finding_row(result: ReviewResult, f: Finding, link_base: str | None) -> str:
    msg = md_escape(f.message)
    if f.step and f"step {f.step}" not in f.message:
        msg += f" (step {md_escape(f.step)})"
    rules = " + ".join(rule_code(r) for r in [f.rule, *result.merged.get(f.fingerprint, [])])
    return f"| {_location(result, f, link_base)} | {rules} | {msg} |"


def _findings(out: _Comment, result: ReviewResult, link_base: str | None) -> None:
    findings = result.findings
    out.add(["", f"### Findings this change introduces ({len(findings)})"])
    if not findings:
        out.add(["", f"None. The head has {plural(result.head_findings, 'finding')}, all of them already present at the base."
                 if result.head_findings else "None."])
    shown_total = 0
    for sev, title, icon in SEVERITY_TITLES:
        items = [f for f in findings if f.severity == sev]
        if items:
            rows = list(dict.fromkeys(_finding_row(result, f, link_base) for f in items))  # no row twice
            shown_total += out.table(f"{icon} {title} ({len(rows)})", TABLE_HEAD, rows, level="####") + len(items) - len(rows)
    if shown_total < len(findings):
        out.tail.append(f"… {len(findings) - shown_total} more findings are not shown here (a pull-request comment holds "
                        f"at most 65,536 characters); {out.rest_at}.")
    preexisting = result.preexisting
    if preexisting > 0:
        out.add(["", f"{plural(preexisting, 'finding')} already present at the base {'is' if preexisting == 1 else 'are'} "
                 "not repeated here."])


def _resolved(out: _Comment, result: ReviewResult) -> None:
    """Base findings the change resolves (linked repository-relative: the head has no such line)."""
    if not result.resolved:
        return
    rows = list(dict.fromkeys(_finding_row(result, f, None) for f in result.resolved))
    shown = out.table(f"✅ Resolved by this change ({len(rows)})", TABLE_HEAD, rows)
    if shown < len(rows):
        out.tail.append(f"… {len(rows) - shown} more resolved findings are not shown; {out.rest_at}.")


def render_markdown(result: ReviewResult, max_chars: int = MAX_CHARS, link_base: str | None = None,
                    rest_at: str = "") -> str:
    """The PR comment, at most about ``max_chars`` characters; ``link_base``: where file links
    point (a URL ending in ``/``), None for repository-relative links; ``rest_at``: where a
    reader finds what the budget leaves out (default: the JSON output)."""
    head = f"`{result.head_sha[:12]}`" if result.head_sha else "the working tree"
    base = f"{md_escape(result.base_ref)} (`{result.base_sha[:12]}`)"
    intro = [MARKER, "## saga-lint review", "", _verdict(result), "",
             f"Compared {base} with {head}" + (f" ({md_escape(result.head_ref)})" if result.head_ref else "")
             + f"; catalog at {md_escape(_repo_path(result, None))}."]
    if result.notes:
        intro += ["", *(f"> ℹ️ {md_escape(note)}." for note in result.notes)]
    # the change guidance comes last but is kept first: it is what a reviewer acts on
    guidance = _guidance(result, max_chars // 3)
    out = _Comment(max_chars - 2000 - sum(len(line) + 1 for line in guidance), rest_at)  # room for the closing notes
    for line in intro:
        out.take(line)
    out.lines.extend(intro)
    _changed_resources(out, result)
    _compatibility(out, result)
    _findings(out, result, link_base)
    _resolved(out, result)
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
        "findings": [dict(f.to_json(), origin="change" if f.rule.startswith("change/") else "new",
                          also=list(result.merged.get(f.fingerprint, []))) for f in result.findings],
        "preexisting_findings": result.preexisting,
        "checklists": [cl.to_json() for cl in result.checklists],
        "changed_files": list(result.changed_files),
        "notes": list(result.notes),
        "moved_from": result.moved_from.rstrip("/") if result.moved_from is not None else None,
        "resolved_findings": [f.to_json() for f in result.resolved],
    }


def render_json(result: ReviewResult) -> str:
    return json.dumps(to_json(result), indent=2, ensure_ascii=False, default=str) + "\n"


def render(fmt: str, result: ReviewResult, link_base: str | None = None, rest_at: str = "") -> str:
    if fmt == "json":
        return render_json(result)
    return render_markdown(result, link_base=link_base, rest_at=rest_at)
