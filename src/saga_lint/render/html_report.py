"""``saga-lint report``: one self-contained HTML file for a release review.

Everything is inline (CSS, a small filter/pagination script, the SVG pictures drawn here), so the
file opens from a CI artifact or an e-mail with no network: the page loads nothing from anywhere.
The page is rendered by jinja2 with autoescape on, and every piece of catalog text reaches the
template as plain data (never as pre-built markup): names, summaries and messages show as text.

Sections: summary (counts by severity, rule family and owning team; a readiness verdict per saga),
one picture and step x attribute matrix per saga flow, findings (filterable), ownership, contracts,
changes since a base revision (when ``saga_lint.review`` is available), rule explanations, and a
``verification`` section that ``saga-lint verify`` results slot into (``render(verification=...)``).

Large catalogs: every table renders at most ``max_rows`` rows (the rest are counted, not shown);
the inline script pages long tables (``page`` rows at a time, "Show more"); without the script
every rendered row is visible.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

MAX_ROWS = 20_000  # rows rendered per table; beyond this a note says how many were left out
PAGE = 100  # rows shown at a time by the script
OPEN_SAGAS = 25  # saga pictures shown open; later ones are collapsed (<details>)
FULL_DOC_LIMIT = 1_000  # up to this many findings, each row carries the rule's full explanation

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SLUG = re.compile(r"[^a-z0-9]+")

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 196, 60, 40, 46, 16
HEAD_SCRIPT = 'document.documentElement.className = "js";'



def clean(value, limit: int | None = None) -> str:
    """Catalog text as one safe line of plain text (escaping is jinja's job)."""
    if value is None:
        return ""
    s = _CONTROL.sub("", str(value))
    if limit is not None and len(s) > limit:
        s = s[: limit - 1] + "…"
    return s


def slug(text: str) -> str:
    return _SLUG.sub("-", str(text).lower()).strip("-") or "x"


def _value_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(_value_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={_value_text(v)}" for k, v in value.items())
    return clean(value, 200)


# -- owners ------------------------------------------------------------------------------------
class _Owners:
    """Owner ids for resources and findings, and senders/receivers of messages: one pass over the graph."""

    def __init__(self, result):
        self.graph = result.graph
        self.step_owners: dict = {}
        for saga in result.sagas or []:
            for st in saga.steps:
                self.step_owners[(saga.flow.key, st.id)] = [clean(o) for o in st.owners]
        self.owners: dict = defaultdict(set)
        self.senders: dict = defaultdict(list)
        self.receivers: dict = defaultdict(list)
        try:
            for u, v, kind in self.graph.g.edges(data="kind"):
                if kind == "owns":
                    self.owners[v].add(clean(u[1]) if isinstance(u, tuple) and len(u) > 1 else clean(u))
                elif kind == "sends":
                    self.senders[v].append(u)
                elif kind == "receives":
                    self.receivers[v].append(u)
        except Exception:
            pass

    def of_resource(self, res) -> list[str]:
        if res is None:
            return []
        if res.type in ("team", "user"):
            return [clean(res.id)]
        return sorted(self.owners.get(res.key, ()))

    def actors(self, table: dict, res) -> list[str]:
        keys = list(dict.fromkeys(table.get(res.key, ())))
        return [clean(k[1]) if isinstance(k, tuple) and len(k) > 1 else clean(k) for k in keys]

    def of_finding(self, f) -> list[str]:
        if f.resource is None:
            return []
        key = (f.resource.type, f.resource.id, f.resource.version)
        if f.step and (key, f.step) in self.step_owners:
            owners = self.step_owners[(key, f.step)]
            if owners:
                return owners
        try:
            res = self.graph.resource(key)
        except Exception:
            res = None
        return self.of_resource(res)


# -- saga pictures -------------------------------------------------------------------------------
def _step_kind(step: dict) -> tuple[str, str]:
    for key in ("message", "service", "system", "systems", "flow", "agent", "container", "dataProduct", "entity", "channel", "actor", "externalSystem", "custom"):
        v = step.get(key)
        if v is None:
            continue
        if key == "custom":
            t = v.get("type") if isinstance(v, dict) else None
            return "custom", clean(t or "custom", 30)
        if isinstance(v, dict):
            name = v.get("id") or v.get("name") or ""
        else:
            name = v
        return key, clean(name, 30)
    return "step", ""


def _remove_back_edges(nodes: list, edges: list) -> set:
    """Indices of edges that close a cycle (found by a DFS in step order)."""
    out_by: dict = defaultdict(list)
    for i, (u, v, _label) in enumerate(edges):
        out_by[u].append((v, i))
    state: dict = {}
    back = set()
    for root in nodes:
        if root in state:
            continue
        stack = [(root, iter(out_by[root]))]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                continue
            v, i = nxt
            s = state.get(v)
            if s == 1:
                back.add(i)
            elif s is None:
                state[v] = 1
                stack.append((v, iter(out_by[v])))
    return back


def flow_picture(graph, saga, step_health: dict, uid: str) -> dict:
    """Layered layout of the flow's step graph: boxes and edge paths (numbers and plain text)."""
    import networkx as nx

    g = graph.g
    flow_key = saga.flow.key
    nodes = [n for n in graph.neighbours(flow_key, "step") if isinstance(n, tuple) and n and n[0] == "step"]
    nodes = list(dict.fromkeys(nodes))
    nodes.sort(key=lambda n: g.nodes[n].get("index", 0))
    node_set = set(nodes)
    edges = []
    for u in nodes:
        for _, v, data in g.out_edges(u, data=True):
            if data.get("kind") == "next-step" and v in node_set:
                edges.append((u, v, data.get("label")))
    back = _remove_back_edges(nodes, edges)
    dag = nx.DiGraph()
    dag.add_nodes_from(nodes)
    dag.add_edges_from((u, v) for i, (u, v, _) in enumerate(edges) if i not in back and u != v)
    layers = [list(layer) for layer in nx.topological_generations(dag)]
    pos_in_layer: dict = {}
    layer_of: dict = {}
    for li, layer in enumerate(layers):
        if li == 0:
            layer.sort(key=lambda n: g.nodes[n].get("index", 0))
        else:
            def bary(n):
                preds = [pos_in_layer[p] for p in dag.predecessors(n) if p in pos_in_layer]
                return (sum(preds) / len(preds) if preds else 0.0, g.nodes[n].get("index", 0))

            layer.sort(key=bary)
        for pi, n in enumerate(layer):
            pos_in_layer[n] = pi
            layer_of[n] = li
    # top to bottom: one row per layer, boxes centred on the widest layer
    max_cols = max((len(l) for l in layers), default=1)
    body_w = max_cols * (BOX_W + GAP_X) - GAP_X
    boxes = {}
    comp = set(saga.compensation_nodes)
    outcome = set(saga.outcome_nodes)
    pivots = {s.id for s in saga.steps if s.type == "pivot"}
    saga_steps = {s.id: s for s in saga.steps}
    box_list = []
    for n in nodes:
        sid = n[2]
        step = g.nodes[n].get("step") or {}
        li, pi = layer_of.get(n, 0), pos_in_layer.get(n, 0)
        n_in_layer = len(layers[li]) if layers else 1
        offset = (body_w - (n_in_layer * (BOX_W + GAP_X) - GAP_X)) / 2
        x = PAD + offset + pi * (BOX_W + GAP_X)
        y = PAD + 14 + li * (BOX_H + GAP_Y)
        kind, detail = _step_kind(step)
        title = clean(step.get("title") or sid)
        if sid in saga_steps:
            st = saga_steps[sid]
            health = step_health.get(sid, "ok")
            marks = "".join(st.evidence[a].mark for a in _attributes() if a in st.evidence)
            owner = ", ".join(clean(o) for o in st.owners) or "no owner"
            line3 = f"{marks} · {owner}"
            cls = f"step {health}"
        elif sid in comp:
            cls, line3 = "step comp", "compensation"
        elif sid in outcome:
            cls, line3 = "step outcome", "outcome"
        else:
            cls, line3 = "step neutral", ""
        is_pivot = sid in pivots
        if is_pivot:
            cls += " pivot"
        box = {
            "id": clean(sid),
            "x": round(x, 1),
            "y": round(y, 1),
            "w": BOX_W,
            "h": BOX_H,
            "cls": cls,
            "title": clean(title, 26),
            "full": f"{title} ({clean(sid)}) {kind} {detail}".strip(),
            "line2": clean(f"{kind} {detail}".strip(), 30),
            "line3": clean(line3, 30),
            "pivot": is_pivot,
        }
        boxes[n] = box
        box_list.append(box)
    failure_pairs = set()
    for st in saga.steps:
        for label, tid in st.failure_edges:
            failure_pairs.add((st.id, tid))
    right_of_layer = defaultdict(float)
    for n, b in boxes.items():
        li = layer_of.get(n, 0)
        right_of_layer[li] = max(right_of_layer[li], b["x"] + BOX_W)
    # lanes for long and backward edges: shorter spans nearer the boxes
    long_edges = [i for i, (u, v, _l) in enumerate(edges)
                  if i in back or layer_of.get(v, 0) != layer_of.get(u, 0) + 1]
    long_edges.sort(key=lambda i: (abs(layer_of.get(edges[i][1], 0) - layer_of.get(edges[i][0], 0)), i))
    lane_no = {i: k for k, i in enumerate(long_edges)}
    max_x = PAD + body_w
    edge_list = []
    for i, (u, v, label) in enumerate(edges):
        a, b = boxes[u], boxes[v]
        su, sv = u[2], v[2]
        if (su, sv) in failure_pairs or (su in saga_steps and sv in comp):
            kind = "failure"
        elif su in comp:
            kind = "compensation"
        else:
            kind = "forward"
        lu, lv = layer_of.get(u, 0), layer_of.get(v, 0)
        cls = kind
        if i not in back and lv == lu + 1:
            # adjacent layers: a curve from the bottom of one box to the top of the next
            x0, y0 = a["x"] + BOX_W / 2, a["y"] + BOX_H
            x3, y3 = b["x"] + BOX_W / 2, b["y"]
            dy = (y3 - y0) / 2
            d = f"M{x0:.1f},{y0:.1f} C{x0:.1f},{y0 + dy:.1f} {x3:.1f},{y3 - dy:.1f} {x3:.1f},{y3:.1f}"
            lx, ly, anchor = (x0 + x3) / 2 + 4, (y0 + y3) / 2 + 4, "start"
        else:
            # long or backward edges run in a lane right of every box they pass
            lo, hi = min(lu, lv), max(lu, lv)
            lane = max(right_of_layer[k] for k in range(lo, hi + 1)) + 16 + 12 * lane_no[i]
            y0 = a["y"] + BOX_H / 2 + 8
            y3 = b["y"] + BOX_H / 2 - 8
            x0 = a["x"] + BOX_W
            x3 = b["x"] + BOX_W
            r = 8 if y3 >= y0 else -8
            d = (f"M{x0:.1f},{y0:.1f} H{lane - 8:.1f} Q{lane:.1f},{y0:.1f} {lane:.1f},{y0 + r:.1f} "
                 f"V{y3 - r:.1f} Q{lane:.1f},{y3:.1f} {lane - 8:.1f},{y3:.1f} H{x3:.1f}")
            lx, ly, anchor = lane + 4, y0 + (16 if r > 0 else -8), "start"
            max_x = max(max_x, lane)
            if i in back or lv <= lu:
                cls += " back"
        edge_list.append({
            "d": d,
            "cls": cls,
            "kind": kind,
            "label": clean(label, 22) if label else "",
            "full": clean(label) if label else "",
            "lx": round(lx, 1),
            "ly": round(ly, 1),
            "anchor": anchor,
            "from": clean(su),
            "to": clean(sv),
        })
    width = max_x + 150
    height = PAD * 2 + 14 + max(len(layers), 1) * (BOX_H + GAP_Y) - GAP_Y
    return {
        "uid": uid,
        "width": round(width, 1),
        "height": round(height, 1),
        "boxes": box_list,
        "edges": edge_list,
    }


def _attributes():
    from saga_lint.saga import ATTRIBUTES

    return ATTRIBUTES


# -- sections ------------------------------------------------------------------------------------
def _saga_section(result, saga, idx: int, owners: _Owners) -> dict:
    flow = saga.flow
    flow_findings = [f for f in result.findings if f.resource is not None and f.resource.type == flow.type
                     and f.resource.id == flow.id and f.resource.version == flow.version]
    by_step: dict = defaultdict(list)
    for f in flow_findings:
        if f.step:
            by_step[f.step].append(f)
    health: dict = {}
    rows = []
    attrs = _attributes()
    levels = Counter()
    for st in saga.steps:
        worst = "ok"
        cells = []
        for a in attrs:
            ev = st.evidence.get(a)
            if ev is None:
                cells.append({"mark": "✗", "level": "missing", "value": "", "note": "no evidence", "where": ""})
                worst = "bad"
                levels["missing"] += 1
                continue
            levels[ev.level] += 1
            if ev.level == "missing":
                worst = "bad"
            elif ev.level == "prose" and worst == "ok":
                worst = "weak"
            cells.append({
                "mark": ev.mark,
                "level": ev.level,
                "value": _value_text(ev.value),
                "note": clean(ev.note, 300),
                "where": clean(ev.where(), 300),
            })
        sevs = {f.severity for f in by_step.get(st.id, [])}
        if "error" in sevs:
            worst = "bad"
        elif "warning" in sevs and worst == "ok":
            worst = "weak"
        health[st.id] = worst
        rows.append({
            "id": clean(st.id),
            "title": clean(st.title, 80),
            "type": clean(st.type or "?") + (" (inferred)" if st.type_inferred else ""),
            "command": clean(st.command_id or ""),
            "health": worst,
            "cells": cells,
            "findings": len(by_step.get(st.id, [])),
        })
    sev = Counter(f.severity for f in flow_findings)
    if sev["error"]:
        verdict, vcls = "Not ready", "bad"
    elif sev["warning"] or levels["missing"] or levels["prose"]:
        verdict, vcls = "Review", "weak"
    else:
        verdict, vcls = "Ready", "ok"
    uid = f"saga-{idx}-{slug(flow.id)}"
    try:
        picture = flow_picture(result.graph, saga, health, uid)
    except Exception as exc:  # a picture must never sink the report
        picture = {"error": clean(f"{type(exc).__name__}: {exc}", 200)}
    return {
        "uid": uid,
        "id": clean(flow.id),
        "name": clean(flow.name, 120),
        "version": clean(flow.version or ""),
        "file": clean(flow.file),
        "summary": clean(flow.data.get("summary"), 500),
        "structured": saga.structured,
        "why": clean(saga.why, 200),
        "orchestrator": clean(saga.orchestrator_id or ""),
        "owners": owners.of_resource(flow),
        "verdict": verdict,
        "verdict_cls": vcls,
        "errors": sev["error"],
        "warnings": sev["warning"],
        "infos": sev["info"],
        "levels": {k: levels[k] for k in ("structured", "prose", "missing")},
        "rows": rows,
        "attrs": list(attrs),
        "picture": picture,
    }


def _findings_section(result, owners: _Owners, rules: dict, max_rows: int) -> dict:
    from saga_lint.findings import SEVERITY_RANK

    fs = sorted(result.findings, key=lambda f: (-SEVERITY_RANK.get(f.severity, 0), f.sort_key()))
    full_doc = len(fs) <= FULL_DOC_LIMIT
    rows = []
    owner_set, rule_set = set(), set()
    for f in fs[:max_rows]:
        own = owners.of_finding(f)
        owner_set.update(own)
        rule_set.add(f.rule)
        r = rules.get(f.rule)
        where = clean(f.file or "(catalog)")
        if f.file and isinstance(f.line, int) and f.line >= 1:
            where += f":{f.line}"
            if isinstance(f.column, int) and f.column >= 1:
                where += f":{f.column}"
        rows.append({
            "severity": clean(f.severity),
            "rule": clean(f.rule),
            "rule_anchor": "rule-" + slug(f.rule),
            "where": where,
            "resource": clean(str(f.resource)) if f.resource else "",
            "step": clean(f.step or ""),
            "owners": own,
            "owner_key": "|".join(own) if own else "(unowned)",
            "message": clean(f.message, 2000),
            "summary": clean(r.summary) if r else "",
            "doc": (r.doc if r else "") if full_doc else "",
            "known": r is not None,
        })
    if any(not row["owners"] for row in rows):
        owner_set.add("(unowned)")
    return {
        "rows": rows,
        "total": len(fs),
        "omitted": max(len(fs) - max_rows, 0),
        "rules": sorted(rule_set),
        "owners": sorted(owner_set),
    }


def _ownership_section(result, owners: _Owners, max_rows: int) -> dict:
    g = result.graph.g
    teams = []
    owner_res = result.catalog.of_type("team", "user")
    owner_res.sort(key=lambda r: (r.type != "team", str(r.id)))
    for t in owner_res:
        owned = []
        if t.key in g:
            seen = set()
            for _, v, kind in g.out_edges(t.key, data="kind"):
                if kind != "owns" or v in seen:
                    continue
                seen.add(v)
                res = g.nodes[v].get("resource")
                if res is not None:
                    owned.append(res)
        owned.sort(key=lambda r: (r.type, str(r.id), str(r.version)))
        by_type = Counter(r.type for r in owned)
        teams.append({
            "id": clean(t.id),
            "type": t.type,
            "name": clean(t.name, 120),
            "file": clean(t.file),
            "count": len(owned),
            "by_type": ", ".join(f"{n} {k}" for k, n in sorted(by_type.items())),
            "owned": [{"type": r.type, "id": clean(r.id), "version": clean(r.version or ""), "file": clean(r.file)} for r in owned[:max_rows]],
            "omitted": max(len(owned) - max_rows, 0),
        })
    problem_steps = []
    for saga in result.sagas or []:
        for st in saga.steps:
            ev = st.evidence.get("owner")
            if ev is None or ev.level == "missing" or not st.owners:
                why = clean(ev.note if ev is not None and ev.note else "no owner found", 300)
                problem_steps.append({"saga": clean(saga.id), "step": clean(st.id), "problem": "missing", "why": why,
                                      "receivers": ", ".join(clean(r.id) for r in st.receivers)})
            elif len(st.owners) > 1 or len(st.receivers) > 1:
                problem_steps.append({"saga": clean(saga.id), "step": clean(st.id), "problem": "ambiguous",
                                      "why": clean(f"owners: {', '.join(map(str, st.owners))}; receivers: "
                                                   f"{', '.join(str(r.id) for r in st.receivers)}", 300),
                                      "receivers": ", ".join(clean(r.id) for r in st.receivers)})
    unowned = []
    n_unowned = 0
    for r in result.catalog.resources:
        if r.type in ("service", "event", "command", "query", "domain", "system", "flow") and r.id is not None:
            if not owners.of_resource(r):
                n_unowned += 1
                if len(unowned) < max_rows:
                    unowned.append({"type": r.type, "id": clean(r.id), "version": clean(r.version or ""), "file": clean(r.file)})
    return {"teams": teams, "problem_steps": problem_steps, "unowned": unowned, "n_unowned": n_unowned,
            "unowned_omitted": max(n_unowned - len(unowned), 0)}


def _contracts_section(result, owners: _Owners, max_rows: int) -> dict:
    from saga_lint.catalog.model import MESSAGE_TYPES

    msgs = [r for r in result.catalog.resources if r.type in MESSAGE_TYPES and r.id is not None]
    msgs.sort(key=lambda r: (r.type != "command", r.type, str(r.id), str(r.version)))
    rows = []
    for m in msgs[:max_rows]:
        prod = owners.actors(owners.senders, m)
        cons = owners.actors(owners.receivers, m)
        schema = m.data.get("schemaPath")
        schema_txt = ""
        if isinstance(schema, str) and schema:
            schema_txt = clean(f"{m.folder}/{schema}" if m.folder else schema, 300)
        rows.append({
            "type": m.type,
            "id": clean(m.id),
            "name": clean(m.name, 120),
            "version": clean(m.version or ""),
            "producers": ", ".join(prod),
            "consumers": ", ".join(cons),
            "schema": schema_txt,
            "owners": ", ".join(owners.of_resource(m)),
            "file": clean(m.file),
        })
    counts = Counter(r.type for r in msgs)
    return {"rows": rows, "total": len(msgs), "omitted": max(len(msgs) - max_rows, 0),
            "counts": {k: counts[k] for k in MESSAGE_TYPES}}


def _changes_section(result, base) -> dict | None:
    """What changed since ``base``: ``saga_lint.review`` (its JSON form), guarded."""
    if not base:
        return None
    out = {"base": clean(base), "note": "", "data": None}
    try:
        from saga_lint.review import run_review
        from saga_lint.review.render import to_json
    except Exception:
        out["note"] = "The change review (saga_lint.review) is not available in this build."
        return out
    try:
        data = to_json(run_review(result.root, base, config=result.config))
    except Exception as exc:  # not a git repository, unknown revision, ...: a note, never a crash
        out["note"] = clean(f"The change review could not run: {exc}", 400)
        return out
    if not isinstance(data, dict):
        out["note"] = "The change review returned nothing this report can show."
        return out

    def where(f):
        w = clean(f.get("file") or "(catalog)")
        if f.get("file") and isinstance(f.get("line"), int):
            w += f":{f['line']}"
        return w

    changes = []
    for ch in data.get("changes") or []:
        if not isinstance(ch, dict):
            continue
        old, new = ch.get("old_version"), ch.get("new_version")
        ver = f"{old} → {new}" if old and new and old != new else (new or old or "")
        steps = []
        for key, word in (("steps_added", "added"), ("steps_removed", "removed"), ("steps_changed", "changed")):
            if ch.get(key):
                steps.append(f"{word}: {_value_text(ch[key])}")
        changes.append({"kind": clean(ch.get("kind")), "type": clean(ch.get("type")), "id": clean(ch.get("id")),
                        "version": clean(ver), "what": _value_text(ch.get("what")), "steps": clean("; ".join(steps), 500),
                        "file": clean(ch.get("file") or "")})
    findings = [{"severity": clean(f.get("severity")), "rule": clean(f.get("rule")), "where": where(f),
                 "message": clean(f.get("message"), 2000), "origin": clean(f.get("origin") or "")}
                for f in (data.get("findings") or []) if isinstance(f, dict)]
    compat = []
    for m in data.get("compatibility") or []:
        if not isinstance(m, dict):
            continue
        breaking = [c for c in (m.get("changes") or []) if isinstance(c, dict) and c.get("breaking")]
        compat.append({"id": clean(f"{m.get('type')} {m.get('id')}"),
                       "version": clean(f"{m.get('old_version')} → {m.get('new_version')}"),
                       "mode": clean(m.get("mode")), "compatible": bool(m.get("compatible")),
                       "compared": m.get("compared", True) is not False,
                       "breaking": [clean(_value_text({k: v for k, v in c.items() if k != "breaking"}), 400) for c in breaking[:50]]})
    checklists = []
    for cl in data.get("checklists") or []:
        if not isinstance(cl, dict):
            continue
        items = [{"done": bool(i.get("done")), "label": clean(i.get("label"), 300), "note": clean(i.get("note"), 400)}
                 for i in (cl.get("items") or []) if isinstance(i, dict)]
        checklists.append({"flow": clean(cl.get("name") or cl.get("flow")), "file": clean(cl.get("file") or ""), "items": items})
    counts = data.get("counts") if isinstance(data.get("counts"), dict) else {}
    base_info = data.get("base") if isinstance(data.get("base"), dict) else {}
    out["data"] = {
        "verdict": clean(data.get("verdict") or ""),
        "sha": clean((base_info.get("sha") or "")[:12]),
        "counts": {k: counts.get(k, 0) for k in ("error", "warning", "info")},
        "changes": changes[:MAX_ROWS],
        "findings": findings[:MAX_ROWS],
        "compat": compat[:MAX_ROWS],
        "checklists": checklists[:MAX_ROWS],
        "preexisting": data.get("preexisting_findings") if isinstance(data.get("preexisting_findings"), int) else None,
    }
    return out


def _verification_section(verification) -> dict:
    """Results of ``saga-lint verify``: a list of mappings (check, status, detail, file, line)."""
    items = []
    for v in verification or []:
        if not isinstance(v, dict):
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


def build_context(result, base=None, verification=None, max_rows: int = MAX_ROWS, title: str | None = None) -> dict:
    from saga_lint import __version__
    from saga_lint.rules import all_rules

    rules = all_rules()
    owners = _Owners(result)
    sev = Counter(f.severity for f in result.findings)
    family = Counter(f.rule.split("/", 1)[0] for f in result.findings)
    by_owner: dict = defaultdict(Counter)
    for f in result.findings:
        for o in owners.of_finding(f) or ["(unowned)"]:
            by_owner[o][f.severity] += 1
    owner_rows = sorted(
        ({"owner": o, "error": c["error"], "warning": c["warning"], "info": c["info"], "total": sum(c.values())}
         for o, c in by_owner.items()),
        key=lambda r: (-r["error"], -r["total"], r["owner"]),
    )
    sagas = [_saga_section(result, s, i, owners) for i, s in enumerate(result.sagas or [])]
    findings = _findings_section(result, owners, rules, max_rows)
    used = sorted({f.rule for f in result.findings})
    rule_docs = [{"name": clean(n), "anchor": "rule-" + slug(n), "severity": rules[n].severity if n in rules else "",
                  "doc": rules[n].doc if n in rules else "(no documentation: unknown rule)"} for n in used]
    try:
        summary = result.summary()
        resources = {k: v for k, v in summary["resources"].items() if v}
        files = summary.get("files")
    except Exception:
        resources, files = {}, None
    root = Path(str(result.root))
    return {
        "title": clean(title or f"saga-lint report: {root.name or root}", 200),
        "version": __version__,
        "catalog": clean(root.name or str(root), 200),
        "files": files,
        "resources": resources,
        "severity": {"error": sev["error"], "warning": sev["warning"], "info": sev["info"]},
        "total": len(result.findings),
        "families": sorted(family.items(), key=lambda kv: (-kv[1], kv[0])),
        "owner_rows": owner_rows[:max_rows],
        "sagas": sagas,
        "findings": findings,
        "ownership": _ownership_section(result, owners, max_rows),
        "contracts": _contracts_section(result, owners, max_rows),
        "changes": _changes_section(result, base),
        "verification": _verification_section(verification),
        "rule_docs": rule_docs,
        "page": PAGE,
        "open_sagas": OPEN_SAGAS,
        "attrs": list(_attributes()),
    }


def _environment():
    import jinja2

    class _Env(jinja2.Environment):
        """``row.name`` on the plain dicts this module builds: the key first (fast), then jinja's way."""

        def getattr(self, obj, attribute):
            if type(obj) is dict and attribute in obj:
                return obj[attribute]
            return super().getattr(obj, attribute)

    env = _Env(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return env


def render(result, base=None, verification=None, max_rows: int = MAX_ROWS, title: str | None = None, **_kw) -> str:
    """The report as one HTML string.

    The cyclic garbage collector is paused while rendering: every escaped string is a GC-tracked
    ``Markup`` object, and with a large catalog in memory each collection walks the whole heap
    (on the 10,000-service benchmark this took rendering from about 1.5 s to 5 s).
    """
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _render(result, base, verification, max_rows, title)
    finally:
        if was_enabled:
            gc.enable()


def _render(result, base, verification, max_rows, title) -> str:
    import base64
    import hashlib

    from markupsafe import Markup

    ctx = build_context(result, base=base, verification=verification, max_rows=max_rows, title=title)
    here = Path(__file__).parent / "templates"
    script = (here / "report.js").read_text(encoding="utf-8")
    css = (here / "report.css").read_text(encoding="utf-8")

    def sha(text: str) -> str:
        return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")

    # our own static text, not catalog text: the only markup that is not escaped. The head script
    # only marks the page as scripted, so that long tables show their first page before they load.
    ctx.update(script=Markup(script), css=Markup(css), script_hash=sha(script),
               head_script=Markup(HEAD_SCRIPT), head_script_hash=sha(HEAD_SCRIPT))
    return _environment().get_template("report.html.j2").render(**ctx)
