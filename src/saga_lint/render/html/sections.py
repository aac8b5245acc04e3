"""The sections of the HTML report as plain data for the template: one saga (its verdict, step x
attribute matrix and picture), the findings, ownership, contracts, the changes since a base
revision and the verification results. Every piece of catalog text is cleaned (``safe.visible``)
and left to jinja's autoescape; nothing here is markup."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from saga_lint.render.html.owners import Owners, owner_ids
from saga_lint.render.html.picture import flow_picture
from saga_lint.render.safe import visible as clean
from saga_lint.results import BaseChanges, ReviewDocument, SagaReadiness, VerificationItem

if TYPE_CHECKING:
    from saga_lint.catalog.model import Resource
    from saga_lint.findings import Finding
    from saga_lint.results import Result
    from saga_lint.rules import Rule
    from saga_lint.saga.model import Saga, SagaStep

MAX_ROWS = 20_000  # rows rendered per table; beyond this a note says how many were left out
FULL_DOC_LIMIT = 1_000  # up to this many findings, each row carries the rule's full explanation

OWNED_TYPES = ("service", "event", "command", "query", "domain", "system", "flow")  # resources that should have an owner
_SLUG = re.compile(r"[^a-z0-9]+")

Row = dict[str, Any]


def slug(text: str) -> str:
    return _SLUG.sub("-", str(text).lower()).strip("-") or "x"


def value_text(value: object) -> str:
    """A value of the catalog as one line of text: lists and mappings joined, cut to 200 characters."""
    if type(value) is str:  # the most common: first
        return clean(value, 200)
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join([clean(v, 200) if type(v) is str else value_text(v) for v in value])
    if isinstance(value, dict):
        return ", ".join([f"{k}={value_text(v)}" for k, v in value.items()])
    return clean(value, 200)


def attributes() -> tuple[str, ...]:
    from saga_lint.saga import ATTRIBUTES

    return tuple(ATTRIBUTES)


# -- one saga ------------------------------------------------------------------------------------
def _matrix_row(st: SagaStep, health: str, attrs: Sequence[str], ready: SagaReadiness, locate: bool,
                files: dict[str, str]) -> Row:
    """One step's row; ``files``: the evidence files cleaned so far for this saga (file -> text)."""
    cells = []
    evidence = st.evidence
    for a in attrs:
        ev = evidence.get(a)
        if ev is None:
            cells.append({"mark": "✗", "level": "missing", "value": "", "note": "no evidence", "where": ""})
            continue
        note = ev.note
        if locate:
            where = clean(ev.where(), 300)
        else:
            file = ev.file or ""
            known = files.get(file)
            where = files[file] = clean(file, 300) if known is None else known
        cells.append({
            "mark": ev.mark,
            "level": ev.level,
            "value": value_text(ev.value),
            "note": clean(note, 300) if note != "" else "",
            "where": where,
        })
    return {
        "id": clean(st.id),
        "title": clean(st.title, 80),
        "type": clean(st.type or "?") + (" (inferred)" if st.type_inferred else ""),
        "command": clean(st.command_id or ""),
        "health": health,
        "cells": cells,
        "findings": ready.step_findings.get(st.id, 0),
    }


def saga_head(result: Result, saga: Saga, idx: int, ready: SagaReadiness) -> Row:
    """What the page shows of a saga without its matrix and picture: heading, verdict, counts (a
    folded saga of a large report shows only this; the script draws the rest from its JSON)."""
    flow = saga.flow
    return {
        "uid": f"saga-{idx}-{slug(flow.id or '')}",
        "id": clean(flow.id),
        "name": clean(flow.name, 120),
        "version": clean(flow.version or ""),
        "file": clean(flow.file),
        "summary": clean(flow.data.get("summary"), 500),
        "structured": saga.structured,
        "why": clean(saga.why, 200),
        "orchestrator": clean(saga.orchestrator_id or ""),
        "owners": owner_ids(result.graph, flow.key),
        "verdict": ready.verdict,
        "verdict_cls": ready.health,
        "errors": ready.errors,
        "warnings": ready.warnings,
        "infos": ready.infos,
        "levels": dict(ready.levels),
    }


def saga_section(result: Result, saga: Saga, idx: int, ready: SagaReadiness, locate: bool = True) -> Row:
    """One saga: its verdict (computed by ``saga_lint.readiness``), matrix and picture (``saga_head``
    and ``rows``, ``attrs``, ``picture``). Without ``locate`` a matrix cell names the evidence's
    file but not its line (finding the line composes the page's YAML again: most of the report's
    time on thousands of sagas)."""
    section = saga_head(result, saga, idx, ready)
    attrs = attributes()
    files: dict[str, str] = {}
    section["rows"] = [_matrix_row(st, health, attrs, ready, locate, files)
                       for st, health in zip(saga.steps, ready.steps, strict=True)]
    section["attrs"] = list(attrs)
    try:
        section["picture"] = flow_picture(result.graph, saga, ready.step_health, section["uid"])
    except Exception as exc:  # a picture must never sink the report
        section["picture"] = {"error": clean(f"{type(exc).__name__}: {exc}", 200)}
    return section


# -- findings ------------------------------------------------------------------------------------
def _finding_row(f: Finding, own: list[str], rule: Rule | None, full_doc: bool) -> Row:
    where = clean(f.file or "(catalog)")
    if f.file and isinstance(f.line, int) and f.line >= 1:
        where += f":{f.line}"
        if isinstance(f.column, int) and f.column >= 1:
            where += f":{f.column}"
    return {
        "severity": clean(f.severity),
        "rule": clean(f.rule),
        "rule_anchor": "rule-" + slug(f.rule),
        "where": where,
        "resource": clean(str(f.resource)) if f.resource else "",
        "step": clean(f.step or ""),
        "owners": own,
        "owner_key": "|".join(own) if own else "(unowned)",
        "message": clean(f.message, 2000),
        "summary": clean(rule.summary) if rule else "",
        "doc": (rule.doc if rule else "") if full_doc else "",
        "known": rule is not None,
    }


def findings_section(result: Result, owners: Owners, rules: Mapping[str, Rule], max_rows: int) -> Row:
    from saga_lint.findings import SEVERITY_RANK

    fs = sorted(result.findings, key=lambda f: (-SEVERITY_RANK.get(f.severity, 0), f.sort_key()))
    full_doc = len(fs) <= FULL_DOC_LIMIT
    rows = []
    owner_set: set[str] = set()
    rule_set: set[str] = set()
    for f in fs[:max_rows]:
        own = owners.of_finding(f)
        owner_set.update(own)
        rule_set.add(f.rule)
        rows.append(_finding_row(f, own, rules.get(f.rule), full_doc))
    if any(not row["owners"] for row in rows):
        owner_set.add("(unowned)")
    return {
        "rows": rows,
        "total": len(fs),
        "omitted": max(len(fs) - max_rows, 0),
        "rules": sorted(rule_set),
        "owners": sorted(owner_set),
    }


# -- ownership -----------------------------------------------------------------------------------
def _resource_row(r: Resource) -> Row:
    rtype, rid, version = r.key  # (``r.id`` and ``r.version`` read it too)
    return {"type": rtype, "id": clean(rid), "version": clean(version or ""), "file": clean(r.file)}


def _owned_row(r: Resource) -> Row:
    """A line of a team's list (``_resource_row`` without the file, which the list does not show)."""
    rtype, rid, version = r.key
    return {"type": rtype, "id": clean(rid), "version": clean(version or "")}


def _by_type_id_version(r: Resource) -> tuple[str, str, str]:
    rtype, rid, version = r.key
    return rtype, str(rid), str(version)


def _teams(result: Result, owners: Owners, max_rows: int) -> list[Row]:
    nodes = result.graph.nodes
    teams = []
    owner_res = result.catalog.of_type("team", "user")
    owner_res.sort(key=lambda r: (r.type != "team", str(r.id)))
    for t in owner_res:
        owned = []
        for v in dict.fromkeys(owners.owned.get(t.key, ())):
            res = nodes[v].get("resource")
            if res is not None:
                owned.append(res)
        owned.sort(key=_by_type_id_version)
        by_type = Counter(r.type for r in owned)
        teams.append({
            "id": clean(t.id),
            "type": t.type,
            "name": clean(t.name, 120),
            "file": clean(t.file),
            "count": len(owned),
            "by_type": ", ".join(f"{n} {k}" for k, n in sorted(by_type.items())),
            "owned": [_owned_row(r) for r in owned[:max_rows]],
            "omitted": max(len(owned) - max_rows, 0),
        })
    return teams


def _problem_steps(result: Result) -> list[Row]:
    """Saga steps with no owner, or more than one owner or receiver."""
    out: list[Row] = []
    for saga in result.sagas or []:
        for st in saga.steps:
            ev = st.evidence.get("owner")
            receivers = ", ".join(clean(r.id) for r in st.receivers)
            if ev is None or ev.level == "missing" or not st.owners:
                why = clean(ev.note if ev is not None and ev.note else "no owner found", 300)
                out.append({"saga": clean(saga.id), "step": clean(st.id), "problem": "missing", "why": why,
                            "receivers": receivers})
            elif len(st.owners) > 1 or len(st.receivers) > 1:
                out.append({"saga": clean(saga.id), "step": clean(st.id), "problem": "ambiguous",
                            "why": clean(f"owners: {', '.join(map(str, st.owners))}; receivers: "
                                         f"{', '.join(str(r.id) for r in st.receivers)}", 300),
                            "receivers": receivers})
    return out


def ownership_section(result: Result, owners: Owners, max_rows: int) -> Row:
    unowned: list[Row] = []
    n_unowned = 0
    owned_by = owners.owners
    for r in result.catalog.resources:
        if r.type in OWNED_TYPES and r.key[1] is not None and not owned_by.get(r.key):  # (``owners.of_resource``)
            n_unowned += 1
            if len(unowned) < max_rows:
                unowned.append(_resource_row(r))
    return {"teams": _teams(result, owners, max_rows), "problem_steps": _problem_steps(result), "unowned": unowned,
            "n_unowned": n_unowned, "unowned_omitted": max(n_unowned - len(unowned), 0)}


# -- contracts -----------------------------------------------------------------------------------
def contracts_section(result: Result, owners: Owners, max_rows: int) -> Row:
    from saga_lint.catalog.model import MESSAGE_TYPES

    msgs = [r for r in result.catalog.resources if r.type in MESSAGE_TYPES and r.key[1] is not None]
    msgs.sort(key=lambda r: (r.type != "command", *_by_type_id_version(r)))
    rows = []
    owned_by = owners.owners
    for m in msgs[:max_rows]:
        key = m.key
        schema = m.data.get("schemaPath")
        schema_txt = ""
        if isinstance(schema, str) and schema:
            schema_txt = clean(f"{m.folder}/{schema}" if m.folder else schema, 300)
        rows.append({
            "type": key[0],
            "id": clean(key[1]),
            "name": clean(m.name, 120),
            "version": clean(key[2] or ""),
            "producers": ", ".join(owners.actors(owners.senders, key)),
            "consumers": ", ".join(owners.actors(owners.receivers, key)),
            "schema": schema_txt,
            "owners": ", ".join(sorted(owned_by.get(key, ()))),  # (``owners.of_resource``: a message)
        })
    counts = Counter(r.type for r in msgs)
    return {"rows": rows, "total": len(msgs), "omitted": max(len(msgs) - max_rows, 0),
            "counts": {k: counts[k] for k in MESSAGE_TYPES}}


# -- changes since a base revision ---------------------------------------------------------------
def _change_rows(doc: ReviewDocument) -> list[Row]:
    out = []
    for ch in doc.get("changes") or []:
        if not isinstance(ch, dict):
            continue
        old, new = ch.get("old_version"), ch.get("new_version")
        ver = f"{old} → {new}" if old and new and old != new else (new or old or "")
        steps = []
        for key, word in (("steps_added", "added"), ("steps_removed", "removed"), ("steps_changed", "changed")):
            if ch.get(key):
                steps.append(f"{word}: {value_text(ch[key])}")
        out.append({"kind": clean(ch.get("kind")), "type": clean(ch.get("type")), "id": clean(ch.get("id")),
                    "version": clean(ver), "what": value_text(ch.get("what")), "steps": clean("; ".join(steps), 500),
                    "file": clean(ch.get("file") or "")})
    return out


def _review_finding_rows(doc: ReviewDocument) -> list[Row]:
    def where(f: Mapping[str, Any]) -> str:
        w = clean(f.get("file") or "(catalog)")
        if f.get("file") and isinstance(f.get("line"), int):
            w += f":{f['line']}"
        return w

    return [{"severity": clean(f.get("severity")), "rule": clean(f.get("rule")), "where": where(f),
             "message": clean(f.get("message"), 2000), "origin": clean(f.get("origin") or "")}
            for f in (doc.get("findings") or []) if isinstance(f, dict)]


def _compat_rows(doc: ReviewDocument) -> list[Row]:
    out = []
    for m in doc.get("compatibility") or []:
        if not isinstance(m, dict):
            continue
        breaking = [c for c in (m.get("changes") or []) if isinstance(c, dict) and c.get("breaking")]
        out.append({"id": clean(f"{m.get('type')} {m.get('id')}"),
                    "version": clean(f"{m.get('old_version')} → {m.get('new_version')}"),
                    "mode": clean(m.get("mode")), "compatible": bool(m.get("compatible")),
                    "compared": m.get("compared", True) is not False,
                    "breaking": [clean(value_text({k: v for k, v in c.items() if k != "breaking"}), 400) for c in breaking[:50]]})
    return out


def _checklist_rows(doc: ReviewDocument) -> list[Row]:
    out = []
    for cl in doc.get("checklists") or []:
        if not isinstance(cl, dict):
            continue
        items = [{"done": bool(i.get("done")), "label": clean(i.get("label"), 300), "note": clean(i.get("note"), 400)}
                 for i in (cl.get("items") or []) if isinstance(i, dict)]
        out.append({"flow": clean(cl.get("name") or cl.get("flow")), "file": clean(cl.get("file") or ""), "items": items})
    return out


def changes_section(changes: BaseChanges | None) -> Row | None:
    """What changed since the base revision: the review's document, computed by the caller."""
    if changes is None:
        return None
    out: Row = {"base": clean(changes.base), "note": clean(changes.note, 400), "data": None}
    doc = changes.review
    if doc is None:
        return out
    counts: Mapping[str, Any] = doc.get("counts") if isinstance(doc.get("counts"), dict) else {}
    base_info: Mapping[str, Any] = doc.get("base") if isinstance(doc.get("base"), dict) else {}
    preexisting = doc.get("preexisting_findings")
    out["data"] = {
        "verdict": clean(doc.get("verdict") or ""),
        "sha": clean((base_info.get("sha") or "")[:12]),
        "counts": {k: counts.get(k, 0) for k in ("error", "warning", "info")},
        "changes": _change_rows(doc)[:MAX_ROWS],
        "findings": _review_finding_rows(doc)[:MAX_ROWS],
        "compat": _compat_rows(doc)[:MAX_ROWS],
        "checklists": _checklist_rows(doc)[:MAX_ROWS],
        "preexisting": preexisting if isinstance(preexisting, int) else None,
    }
    return out


# -- verification --------------------------------------------------------------------------------
def verification_section(verification: Sequence[VerificationItem | object] | None) -> Row:
    """Results of ``saga-lint verify``: mappings (check, status, saga, step, detail, where)."""
    items = []
    for v in verification or []:
        if not isinstance(v, Mapping):
            v = getattr(v, "__dict__", {"check": v})
        items.append({
            "check": clean(v.get("check") or v.get("name") or "", 200),
            "status": clean(v.get("status") or "", 40),
            "saga": clean(v.get("saga") or "", 120),
            "step": clean(v.get("step") or "", 120),
            "detail": clean(v.get("detail") or v.get("message") or "", 1000),
            "where": clean(v.get("where") or v.get("file") or "", 300),
        })
    return {"available": verification is not None, "items": items}
