"""Build the saga model of every saga flow from its ``x-saga`` block, the flow and the graph.

Which flows are sagas (../shared/design/saga-extension.md): a flow with an ``x-saga`` block; a
plain flow that models compensation the way EventCatalog's own example does (a ``custom`` step of
``type: Compensation``); or a flow listed under ``sagas:`` in the config. Only the latest version
of each flow is modelled.

Inference for plain flows: command steps are saga steps; the orchestrator is the service that
sends every step command; a step's owners are the owners of the one service that receives its
command; labelled edges to Compensation nodes are failure paths; ``receives[].triggers`` of the
participant, edge labels, and a docs page's "Saga steps" table and "Success condition" /
"Compensation" sections are prose evidence.
"""

from __future__ import annotations

import re

from saga_lint.catalog.model import MESSAGE_TYPES
from saga_lint.graph import next_steps
from saga_lint.saga.model import (
    Evidence,
    RetryPolicy,
    Saga,
    SagaStep,
    StepFailure,
    parse_duration,
)

FAILURE_WORDS = re.compile(
    r"unavailable|declin|fail|reject|error|insufficient|not enough|denied|cancel|timeout|timed out|out of stock|invalid|abort",
    re.I,
)
COMPENSATING_VERBS = ("release", "void", "cancel", "refund", "compensate", "undo", "revert", "rollback", "unreserve", "reverse")


def _custom_type(step: dict) -> str | None:
    c = step.get("custom")
    if isinstance(c, dict) and isinstance(c.get("type"), str):
        return c["type"].strip().lower()
    return None


def _pointer_id(value):
    if isinstance(value, dict):
        v = value.get("id")
        return str(v) if v is not None and not isinstance(v, (dict, list)) else None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def is_saga(flow, config) -> str | None:
    """Why the flow is a saga, or None."""
    if isinstance(flow.data.get("x-saga"), dict):
        return "it has an x-saga block"
    steps = flow.data.get("steps")
    if isinstance(steps, list) and any(isinstance(s, dict) and _custom_type(s) == "compensation" for s in steps):
        return "it has a custom step of type Compensation"
    if config is not None and flow.id in getattr(config, "sagas", ()):
        return "the configuration lists it under sagas"
    return None


def build_sagas(catalog, graph, config=None) -> list[Saga]:
    sagas = []
    for flow in catalog.resources:
        if flow.type != "flow" or flow.id is None or flow.versioned_folder is not None:
            continue
        why = is_saga(flow, config)
        if why:
            sagas.append(build_saga(catalog, graph, flow, why))
    return sagas


def _docs_about(catalog, flow) -> list:
    """Docs pages (and the flow page itself) that talk about this flow."""
    out = [flow]
    fid = flow.id
    for page in catalog.pages:
        if page.type != "doc" or fid not in page.body:
            continue
        body = page.body_doc
        if any(link.id == fid and (link.type in (None, "flow")) for link in body.links) or any(
            c.name == "Flow" and c.attrs.get("id") == fid for c in body.components
        ):
            out.append(page)
    return out


def _cell_ids(cell: str) -> list[str]:
    from saga_lint.catalog.body import WIKI_LINK

    ids = [m.group("id").strip() for m in WIKI_LINK.finditer(cell.replace("\\|", "|"))]
    if ids:
        return ids
    text = re.sub(r"[`*_]", "", cell).strip()
    return [text] if text else []


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", str(text).lower())


def _find_docs_table(docs):
    for page in docs:
        if "|" not in page.body:
            continue
        body = page.body_doc
        for table in body.tables:
            if table.section and table.section.strip().lower() in ("saga steps", "steps") and table.header:
                return page, table
    return None


def _column(table, *names):
    wanted = [_norm(n) for n in names]
    for i, h in enumerate(table.header):
        if _norm(h) in wanted:
            return i
    return None


def build_saga(catalog, graph, flow, why: str) -> Saga:
    x = flow.data.get("x-saga") if isinstance(flow.data.get("x-saga"), dict) else {}
    saga = Saga(flow=flow, structured=bool(x), why=why, x=x)
    by_id = {}
    for i, s in enumerate(flow.data.get("steps") if isinstance(flow.data.get("steps"), list) else []):
        if isinstance(s, dict) and s.get("id") is not None and not isinstance(s.get("id"), (dict, list)):
            by_id.setdefault(str(s["id"]), (i, s))
    saga.compensation_nodes = [sid for sid, (i, s) in by_id.items() if _custom_type(s) == "compensation"]
    saga.outcome_nodes = [sid for sid, (i, s) in by_id.items() if _custom_type(s) == "outcome"]
    x_steps = x.get("steps") if isinstance(x.get("steps"), dict) else {}
    x_steps = {str(k): v for k, v in x_steps.items()}

    # --- the steps: command steps, and any step x-saga describes --------------------------------
    for sid, (i, s) in sorted(by_id.items(), key=lambda kv: kv[1][0]):
        target = graph.step_target(flow, sid)
        cmd_id = _pointer_id(s.get("message")) if "message" in s else None
        is_command = target is not None and target.type == "command"
        if not is_command and sid not in x_steps:
            continue
        if target is not None and target.type in MESSAGE_TYPES and target.type != "command" and sid not in x_steps:
            continue
        step = SagaStep(
            id=sid,
            index=i,
            title=str(s.get("title") or sid),
            command_id=cmd_id,
            command=target if is_command else None,
        )
        step.x = x_steps.get(sid) if isinstance(x_steps.get(sid), dict) else {}
        step.x_path = ("x-saga", "steps", sid) if sid in x_steps else ()
        for tid, label in next_steps(s):
            entry = (label, tid)
            if tid in saga.compensation_nodes:
                step.failure_edges.append(entry)
            else:
                step.success_edges.append(entry)
        if step.command is not None:
            step.receivers = graph.receivers_of(step.command)
        saga.steps.append(step)

    docs = _docs_about(catalog, flow)
    saga.docs_pages = docs[1:]
    saga.docs_table = _find_docs_table(docs)
    _orchestrator(catalog, graph, saga, by_id)
    for step in saga.steps:
        _owner(catalog, graph, saga, step)
        _success_and_failure(catalog, graph, saga, step)
        _retry(saga, step)
        _compensation(catalog, graph, saga, step, by_id)
        _status(saga, step)
        _step_type(saga, step)
    _saga_level(catalog, saga, docs)
    return saga


def _loc(res, *path) -> tuple:
    line, col = res.loc(*path)
    return res.file, line, col


def _ev(level, value, res, path, note="") -> Evidence:
    file, line, col = _loc(res, *path)
    return Evidence(level, value, file, line, col, note)


def _step_path(step) -> tuple:
    return ("steps", step.index)


def _x_or_step_path(step, *sub) -> tuple:
    return (step.x_path + sub) if step.x_path else _step_path(step)


def _docs_cell(saga, step, *columns):
    """(page, line, cell text) of this step's row in the docs "Saga steps" table, column by name."""
    if not saga.docs_table:
        return None
    page, table = saga.docs_table
    col = _column(table, *columns)
    if col is None:
        return None
    row = _docs_row(table, step)
    if row is None:
        return None
    line, cells = row
    if col >= len(cells) or not cells[col].strip():
        return None
    return page, line, cells[col]


def _docs_evidence(saga, step, columns, value=None, note=None) -> Evidence | None:
    """Prose evidence from this step's cell of the docs "Saga steps" table (first matching column).
    ``value(text)`` gives the evidence value (default: the cell text); ``note`` replaces the default."""
    cell = _docs_cell(saga, step, *columns)
    if not cell:
        return None
    page, line, text = cell
    return Evidence("prose", value(text) if value else text, page.file, line, 1, note or f"docs table: {text[:80]}")


def _docs_row(table, step):
    contract_col = _column(table, "contract", "command", "message")
    step_col = _column(table, "step", "name")
    for line, cells in table.rows:
        if contract_col is not None and contract_col < len(cells) and step.command_id:
            if step.command_id in _cell_ids(cells[contract_col]):
                return line, cells
        if step_col is not None and step_col < len(cells):
            if _norm(cells[step_col]) in (_norm(step.title), _norm(step.id)):
                return line, cells
    return None


def _orchestrator(catalog, graph, saga, by_id):
    flow = saga.flow
    x = saga.x
    if x.get("orchestrator") is not None:
        oid = _pointer_id(x.get("orchestrator"))
        saga.orchestrator_id = oid
        status, res = catalog.lookup(("service", "agent"), oid) if oid else ("missing", None)
        saga.orchestrator = res
        saga.orchestrator_evidence = _ev("structured", oid, flow, ("x-saga", "orchestrator"), "x-saga.orchestrator")
        return
    commands = [s.command for s in saga.steps if s.command is not None]
    common = None
    for cmd in commands:
        senders = {r.key: r for r in graph.senders_of(cmd) if r.type in ("service", "agent")}
        common = senders if common is None else {k: v for k, v in common.items() if k in senders}
    if common and len(common) == 1:
        res = next(iter(common.values()))
        saga.orchestrator, saga.orchestrator_id = res, res.id
        saga.orchestrator_evidence = Evidence(
            "structured", res.id, res.file, res.loc("sends")[0], 1, f"{res.id} sends every step command"
        )
        return
    # a service step right before the first command step (EventCatalog's example draws it so)
    first = saga.steps[0].index if saga.steps else None
    if first is not None:
        for sid, (i, s) in by_id.items():
            if i < first and "service" in s and any(t == saga.steps[0].id for t, _ in next_steps(s)):
                target = graph.step_target(flow, sid)
                if target is not None:
                    saga.orchestrator, saga.orchestrator_id = target, target.id
                    saga.orchestrator_evidence = _ev(
                        "prose", target.id, flow, ("steps", i, "service"),
                        f'the flow draws service "{target.id}" before the first step, but it does not send every step command',
                    )
                    return
    saga.orchestrator_evidence = _ev("missing", None, flow, ("steps",), "no service sends every step command")


def _owner(catalog, graph, saga, step):
    flow = saga.flow
    if step.x.get("owner") is not None:
        owners = step.x["owner"] if isinstance(step.x["owner"], list) else [step.x["owner"]]
        step.owners = [str(_pointer_id(o)) for o in owners if _pointer_id(o)]
        step.evidence["owner"] = _ev("structured", step.owners, flow, step.x_path + ("owner",), "x-saga owner")
        return
    if len(step.receivers) == 1:
        svc = step.receivers[0]
        owners = [o.id for o in graph.owners_of(svc)]
        if not owners:
            owners = [str(_pointer_id(o)) for o in svc.data.get("owners") or [] if _pointer_id(o)] if isinstance(svc.data.get("owners"), list) else []
        if owners:
            step.owners = owners
            step.evidence["owner"] = Evidence(
                "structured", owners, svc.file, svc.loc("owners")[0], 1,
                f'owners of {svc.id}, the one service that receives {step.command_id}',
            )
            return
        step.evidence["owner"] = _ev("missing", None, svc, ("id",), f"{svc.id} receives {step.command_id} but has no owners")
        return
    if len(step.receivers) > 1:
        names = ", ".join(sorted(r.id for r in step.receivers))
        step.evidence["owner"] = _ev("missing", None, flow, _step_path(step), f"ambiguous: {names} all receive {step.command_id}")
        return
    ev = _docs_evidence(saga, step, ("owner", "owners", "team"), _cell_ids, "docs table Owner column")
    if ev:
        step.evidence["owner"] = ev
        return
    step.evidence["owner"] = _ev("missing", None, flow, _step_path(step), f"no service receives {step.command_id or 'the step'}")


def _participant_triggers(step):
    """[(event id, condition, service, key path)] from the participant's receives[].triggers."""
    out = []
    svc = step.participant
    if svc is None or not isinstance(svc.data.get("receives"), list):
        return out
    for i, item in enumerate(svc.data["receives"]):
        if isinstance(item, dict) and _pointer_id(item) == step.command_id and isinstance(item.get("triggers"), list):
            for j, trig in enumerate(item["triggers"]):
                tid = _pointer_id(trig)
                if tid:
                    cond = str(trig.get("condition") or "") if isinstance(trig, dict) else ""
                    out.append((tid, cond, svc, ("receives", i, "triggers", j)))
    return out


def _failure_like(step, trigger) -> bool:
    """A trigger reads as a failure reply when its id or condition says so, ignoring the words of
    the command itself (``order-cancelled`` is the success of ``cancel-order``)."""
    text = f"{trigger[0]} {trigger[1]}".lower()
    for word in re.split(r"[-_ ]+", (step.command_id or "").lower()):
        if len(word) > 2:
            text = re.sub(rf"\b{re.escape(word[:5])}\w*", " ", text)
    return bool(FAILURE_WORDS.search(text))


def _success_and_failure(catalog, graph, saga, step):
    flow = saga.flow
    x = step.x
    # success
    if x.get("success") is not None:
        step.success = _pointer_id(x["success"])
        step.evidence["success"] = _ev("structured", step.success, flow, step.x_path + ("success",), "x-saga success")
    else:
        triggers = _participant_triggers(step)
        ok = [t for t in triggers if not _failure_like(step, t)]
        labelled = [(label, tid) for label, tid in step.success_edges if label]
        if ok:
            tid, cond, svc, path = ok[0]
            step.success = tid
            line, col = svc.loc(*path)
            note = f"{svc.id} receives[].triggers {tid}" + (f" ({cond})" if cond else "")
            step.evidence["success"] = Evidence("prose", tid, svc.file, line, col, note)
        elif labelled:
            label, tid = labelled[0]
            step.evidence["success"] = _ev("prose", None, flow, _step_path(step), f'labelled edge "{label}" to {tid}')
        elif (ev := _docs_evidence(saga, step, ("success", "success condition"), lambda _text: None)):
            step.evidence["success"] = ev
        else:
            step.evidence["success"] = _ev("missing", None, flow, _step_path(step), "no success reply event")
    # failure
    failures = x.get("failures")
    if isinstance(failures, list) and failures:
        for i, f in enumerate(failures):
            if isinstance(f, dict):
                step.failures.append(
                    StepFailure(
                        event=_pointer_id(f.get("event")) if f.get("event") is not None else None,
                        error=str(f["error"]) if f.get("error") is not None else None,
                        status=str(f["status"]) if f.get("status") is not None else None,
                        path=step.x_path + ("failures", i),
                    )
                )
        step.evidence["failure"] = _ev(
            "structured", [f.label for f in step.failures], flow, step.x_path + ("failures",), "x-saga failures"
        )
        return
    triggers = [t for t in _participant_triggers(step) if _failure_like(step, t)]
    if step.failure_edges or triggers:
        notes = [f'labelled edge "{label or "(no label)"}" to {tid}' for label, tid in step.failure_edges]
        notes += [f"{t[2].id} receives[].triggers {t[0]}" for t in triggers]
        for t in triggers:
            step.failures.append(StepFailure(event=t[0]))
        if step.failure_edges:
            ev = _ev("prose", [f.label for f in step.failures] or [l for l, _ in step.failure_edges], flow, _step_path(step), "; ".join(notes))
        else:
            svc = triggers[0][2]
            line, col = svc.loc(*triggers[0][3])
            ev = Evidence("prose", [t[0] for t in triggers], svc.file, line, col, "; ".join(notes))
        step.evidence["failure"] = ev
        return
    ev = _docs_evidence(saga, step, ("failure", "failures", "failure condition"), lambda _text: None)
    if ev:
        step.evidence["failure"] = ev
        return
    step.evidence["failure"] = _ev("missing", None, flow, _step_path(step), "no failure path: nothing says what happens when this step fails")


def _retry(saga, step):
    flow = saga.flow
    if "retry" in step.x:
        step.retry = RetryPolicy.from_mapping(step.x.get("retry"))
        step.evidence["retry"] = _ev("structured", step.x.get("retry"), flow, step.x_path + ("retry",), "x-saga retry")
        return
    ev = _docs_evidence(saga, step, ("retry", "retries", "retry policy"))
    if ev:
        step.evidence["retry"] = ev
        return
    step.evidence["retry"] = _ev("missing", None, flow, _step_path(step), "no retry policy")


def _compensation(catalog, graph, saga, step, by_id):
    flow = saga.flow
    x = step.x
    if "compensation" in x:
        comp = x.get("compensation")
        if comp == "none" or comp is None:
            step.compensation = "none"
            step.compensation_note = str(x["compensationNote"]) if x.get("compensationNote") else None
        elif isinstance(comp, dict):
            step.compensation = _pointer_id(comp.get("command"))
            step.compensation_retry = RetryPolicy.from_mapping(comp.get("retry")) if "retry" in comp else None
        else:
            step.compensation = _pointer_id(comp)
        step.evidence["compensation"] = _ev(
            "structured", step.compensation, flow, step.x_path + ("compensation",), "x-saga compensation"
        )
        return
    if x.get("type") in ("pivot", "retriable"):
        # declared as a step with nothing to undo: the flow's generic Compensation node is not about it
        step.evidence["compensation"] = _ev("missing", None, flow, step.x_path + ("type",), f"a {x['type']} step declares no compensation")
        return
    # prose: the Compensation node that this step's failures (or a later step's) lead to
    texts = []
    for sid in saga.compensation_nodes:
        i, s = by_id[sid]
        c = s.get("custom") or {}
        props = c.get("properties") if isinstance(c.get("properties"), dict) else {}
        texts.append((sid, i, " ".join(str(v) for v in [c.get("title"), c.get("summary"), *props.values()] if v)))
    candidates = []
    if step.participant is not None:
        for cmd in graph.receives(step.participant):
            if cmd.type != "command" or cmd.id == step.command_id:
                continue
            verb = re.split(r"[-_ ]", cmd.id.lower())[0]
            if verb in COMPENSATING_VERBS:
                candidates.append(cmd)
    for sid, i, text in texts:
        for cmd in candidates:
            verb = re.split(r"[-_ ]", cmd.id.lower())[0]
            if re.search(rf"\b{re.escape(verb)}", text, re.I):
                step.compensation = cmd.id
                step.evidence["compensation"] = _ev(
                    "prose", cmd.id, flow, ("steps", i, "custom"),
                    f'Compensation node "{sid}" says "{text[:100]}"; {step.participant.id} receives {cmd.id}',
                )
                return
    later_failures = any(s.failure_edges for s in saga.steps if s.index > step.index)
    if texts and (later_failures or step.failure_edges):
        sid, i, text = texts[0]
        step.evidence["compensation"] = _ev(
            "prose", None, flow, ("steps", i, "custom"),
            f'Compensation node "{sid}" says "{text[:100]}", but no command contract matches it',
        )
        return
    docs_sec = None
    for page in [saga.flow] + saga.docs_pages:
        sec = page.body_doc.section("Compensation", "Compensations") if "ompensation" in page.body else None
        if sec is not None:
            docs_sec = (page, sec)
            break
    if docs_sec and later_failures:
        page, sec = docs_sec
        step.evidence["compensation"] = Evidence("prose", None, page.file, sec.line, 1, '"Compensation" section of the docs')
        return
    step.evidence["compensation"] = _ev("missing", None, flow, _step_path(step), "no compensation")


def _status(saga, step):
    flow = saga.flow
    if step.x.get("status") is not None:
        step.status = str(step.x["status"])
        step.evidence["status"] = _ev("structured", step.status, flow, step.x_path + ("status",), "x-saga status")
        return
    ev = _docs_evidence(saga, step, ("customer status", "status", "customer-visible status"))
    if ev:
        step.evidence["status"] = ev
        return
    step.evidence["status"] = _ev("missing", None, flow, _step_path(step), "no customer-visible status")


def _step_type(saga, step):
    t = step.x.get("type")
    if isinstance(t, str):
        step.type = t
        return
    # inference for plain flows: steps whose failures lead to compensation are compensatable;
    # the last step, with nothing after it that could fail, is taken as the pivot
    step.type_inferred = True
    if step is saga.steps[-1]:
        step.type = "pivot"
    else:
        step.type = "compensatable"


def _saga_level(catalog, saga, docs):
    flow, x = saga.flow, saga.x
    saga.deadline = parse_duration(x.get("deadline")) if x.get("deadline") is not None else None
    statuses = x.get("statuses")
    saga.statuses = {str(k): (v if isinstance(v, dict) else {}) for k, v in statuses.items()} if isinstance(statuses, dict) else {}
    for key, attr in (("onSuccess", "on_success"), ("onCompensationFailure", "on_compensation_failure")):
        v = x.get(key)
        if isinstance(v, dict) and v.get("status") is not None:
            setattr(saga, attr, str(v["status"]))
        elif isinstance(v, str):
            setattr(saga, attr, v)
    impl = x.get("implementation")
    saga.implementation = [str(p) for p in impl] if isinstance(impl, list) else ([str(impl)] if isinstance(impl, str) else [])
    outcome = x.get("outcome")
    if isinstance(outcome, dict):
        saga.outcome = {
            "container": _pointer_id(outcome.get("container")) if outcome.get("container") is not None else None,
            "event": _pointer_id(outcome.get("event")) if outcome.get("event") is not None else None,
        }
        saga.outcome_evidence = _ev("structured", saga.outcome, flow, ("x-saga", "outcome"), "x-saga outcome")
        return
    for page in docs:
        if "uccess" not in page.body:
            continue
        body = page.body_doc
        sec = body.section("Success condition", "Success", "Outcome")
        if sec is None:
            continue
        links = [l for l in body.links if sec.line <= l.line <= sec.end_line]
        found = {
            "container": next((l.id for l in links if l.type == "container"), None),
            "event": next((l.id for l in links if l.type == "event"), None),
        }
        saga.outcome = found
        saga.outcome_evidence = Evidence("prose", found, page.file, sec.line, 1, f'"{sec.title}" section of {page.file}')
        return
    if saga.outcome_nodes:
        sid = saga.outcome_nodes[0]
        idx = next(s_i for s_i, s in enumerate(flow.data["steps"]) if isinstance(s, dict) and str(s.get("id")) == sid)
        saga.outcome_evidence = _ev("prose", None, flow, ("steps", idx), f'Outcome node "{sid}"')
        return
    saga.outcome_evidence = _ev("missing", None, flow, ("id",), "no durable outcome")
