"""The ``change/*`` checks: what a change does to contracts and sagas (documented in
``saga_lint.rules.change``), and the change-guidance checklist of every changed saga flow."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from saga_lint.catalog.model import MESSAGE_TYPES
from saga_lint.findings import Finding

_DEMOTED = {"error": "warning", "warning": "info", "info": "info", "off": "off"}


def _finding(config, rule: str, message: str, res=None, path: tuple = (), step=None, fld=None,
             demote: bool = False, file=None, line=None, column=None) -> Finding | None:
    """A change finding with the configured severity (None when the rule is off, suppressed in the
    resource's ``x-saga-lint`` block or the file is ignored)."""
    from saga_lint.rules import _suppressed, all_rules

    rules = all_rules()
    default = rules[rule].severity if rule in rules else "error"
    if res is not None:
        file = file or res.file
        if line is None:
            line, column = res.loc(*path) if path else (1, 1)
    sev = config.severity_for(rule, file, default) if config is not None else default
    if sev == "off":
        return None
    if demote:
        sev = _DEMOTED[sev]
    if res is not None and _suppressed(res, rule):
        return None
    if config is not None and config.is_ignored(file):
        return None
    ref = res.ref if res is not None and res.id is not None else None
    return Finding(rule, sev, message, file, line, column, ref, step, fld)


# -- schemas ----------------------------------------------------------------------------------


@dataclass
class MessageCompat:
    type: str
    id: str
    old_version: str | None
    new_version: str | None
    mode: str
    mode_source: str
    changes: list = field(default_factory=list)  # [SchemaChange]
    breaking: list = field(default_factory=list)  # [SchemaChange], subset of changes
    compared: bool = True  # False: a schema on one side is not a readable JSON schema

    def to_json(self) -> dict:
        return {
            "type": self.type,
            "id": self.id,
            "old_version": self.old_version,
            "new_version": self.new_version,
            "mode": self.mode,
            "mode_source": self.mode_source,
            "compared": self.compared,
            "compatible": not self.breaking,
            "changes": [dict(c.to_json(), breaking=c in self.breaking) for c in self.changes],
        }


def _major(version: str | None):
    if version is None:
        return None
    m = re.match(r"^\s*v?(\d+)", str(version))
    return int(m.group(1)) if m else str(version)


def _schema_path(res) -> tuple:
    if "schemaPath" in res.data:
        return ("schemaPath",)
    if "schemas" in res.data:
        return ("schemas",)
    return ("id",)


def _who(message_type: str, c) -> str:
    """Who a breaking difference breaks, in words."""
    if message_type == "event":
        if c.kind == "required-removed":
            return "consumers that read it"
        if c.old_rejected and c.new_rejected:
            return "consumers on either schema version"
        return "consumers validating stored or in-flight events" if c.old_rejected else "consumers still on the old schema"
    if c.old_rejected and c.new_rejected:
        return "senders and handlers on either schema version"
    return "senders: what they send today is rejected" if c.old_rejected else "handlers still on the old schema"


def schema_checks(changeset, base, head, config) -> tuple[list, list]:
    """(findings, [MessageCompat]) for every message whose schema changed."""
    from saga_lint.review.compat import message_schema_changes, mode_for

    findings, report = [], []
    for ch in changeset.resources:
        if ch.type not in MESSAGE_TYPES or ch.kind not in ("changed", "version-bump") or not ch.schema_changed:
            continue
        mode, source = mode_for(ch.id, ch.head, ch.base, config)
        changes = message_schema_changes(base.catalog, ch.base, head.catalog, ch.head)
        mc = MessageCompat(ch.type, ch.id, ch.old_version, ch.new_version, mode, source)
        if changes is None:
            mc.compared = False
        else:
            mc.changes = changes
            mc.breaking = [c for c in changes if c.breaking(ch.type, mode)]
        report.append(mc)
        res = ch.head
        for c in mc.breaking:
            subject = f"{ch.type} {ch.id}"
            if c.path and not c.kind.startswith(("required-", "property-")):
                subject += f", field {c.path}"
            msg = (f"{subject}: {c.detail}; breaks {_who(ch.type, c)} "
                   f"(mode {mode}{'' if source == 'default' else ', ' + source if source.startswith('default') else ', from ' + source})")
            f = _finding(config, "change/breaking-schema", msg, res, _schema_path(res), fld=c.path or None)
            if f:
                findings.append(f)
        # version: any contract change keeps the version, or a breaking one keeps the major
        contract_changed = (not mc.compared) or any(True for _ in mc.changes)
        if ch.old_version == ch.new_version and contract_changed:
            if mc.breaking:
                nxt = _major(ch.new_version)
                target = f"a new major version ({nxt + 1}.0.0)" if isinstance(nxt, int) else "a new major version"
                advice = f"the change is breaking, so publish it as {target}"
            else:
                advice = "bump the version"
            msg = (f"{ch.type} {ch.id}: its schema changed but the version stays {ch.new_version}; {advice} "
                   f"and keep {ch.new_version} under versioned/{ch.new_version}/")
            f = _finding(config, "change/version-bump", msg, res, ("version",))
            if f:
                findings.append(f)
        elif mc.breaking and _major(ch.old_version) == _major(ch.new_version):
            msg = (f"{ch.type} {ch.id}: a breaking schema change goes from {ch.old_version} to {ch.new_version}, "
                   "the same major version; publish it as a new major version")
            f = _finding(config, "change/version-bump", msg, res, ("version",))
            if f:
                findings.append(f)
    return findings, report


# -- removed in use ---------------------------------------------------------------------------


def removed_in_use(changeset, base, head, config) -> list:
    findings = []
    removed_ids: dict = {}  # (type, id) -> set of removed versions (None: the whole message)
    for ch in changeset.resources:
        if ch.type not in MESSAGE_TYPES:
            continue
        if ch.kind == "removed":
            removed_ids[(ch.type, ch.id)] = None
        elif ch.versions_removed:
            removed_ids[(ch.type, ch.id)] = set(ch.versions_removed)
    if removed_ids:
        broken_at_base = {
            (r.ref.source.type, r.ref.source.id, r.ref.source.version, r.ref.path)
            for r in getattr(base.graph, "resolved", [])
            if r.status not in ("ok", "external")
        }
        for r in getattr(head.graph, "resolved", []):
            if r.status in ("ok", "external"):
                continue
            src = r.ref.source
            hit = [k for k in removed_ids if k[1] == r.ref.id and k[0] in r.ref.targets]
            if not hit or (src.type, src.id, src.version, r.ref.path) in broken_at_base:
                continue
            rtype = hit[0][0]
            what = f"{rtype} {r.ref.id}" + (f"@{r.ref.version}" if r.ref.version and r.ref.version != "latest" else "")
            msg = f"{src.type} {src.id} still refers to {what} ({r.ref.relation}), which this change removes"
            f = _finding(config, "change/removed-in-use", msg, src, r.ref.path)
            if f:
                findings.append(f)
        whole = {rid for (t, rid), vs in removed_ids.items() if vs is None}
        for saga in head.sagas:
            for step in saga.steps:
                if not step.x_path:
                    continue  # no x-saga block for the step: the flow's own references are checked above
                uses = []
                if "success" in step.x:
                    uses.append(("success", step.success, step.x_path + ("success",)))
                uses += [("failure", fl.event, fl.path + ("event",)) for fl in step.failures if fl.event and fl.path]
                if step.compensation and step.compensation != "none" and "compensation" in step.x:
                    uses.append(("compensation", step.compensation, step.x_path + ("compensation",)))
                for role, mid, path in uses:
                    if mid in whole and path:
                        msg = (f"flow {saga.id}: step {step.id} still uses {mid} as its {role}, "
                               "which this change removes")
                        f = _finding(config, "change/removed-in-use", msg, saga.flow, path, step=step.id)
                        if f:
                            findings.append(f)
    # removed steps that the flow still leads to or describes
    from saga_lint.graph import next_steps

    for ch in changeset.resources:
        if ch.type != "flow" or not ch.steps_removed or ch.head is None:
            continue
        flow = ch.head
        gone = set(ch.steps_removed)
        steps = flow.data.get("steps") if isinstance(flow.data.get("steps"), list) else []
        for i, s in enumerate(steps):
            if not isinstance(s, dict):
                continue
            for tid, _label in next_steps(s):
                if tid in gone:
                    msg = f"flow {flow.id}: step {s.get('id')} still leads to step {tid}, which this change removes"
                    f = _finding(config, "change/removed-in-use", msg, flow, ("steps", i), step=str(s.get("id")))
                    if f:
                        findings.append(f)
        x = flow.data.get("x-saga")
        xs = x.get("steps") if isinstance(x, dict) and isinstance(x.get("steps"), dict) else {}
        for sid in xs:
            if str(sid) in gone:
                msg = f"flow {flow.id}: x-saga.steps still describes step {sid}, which this change removes from the flow"
                f = _finding(config, "change/removed-in-use", msg, flow, ("x-saga", "steps", sid), step=str(sid))
                if f:
                    findings.append(f)
    return findings


# -- sagas: step contracts, orchestrator, checklist ---------------------------------------------

ATTRS = (("failure", "failure path"), ("compensation", "compensation"), ("status", "customer-visible status"))


def _touched_steps(ch) -> list:
    return list(ch.steps_added) + list(ch.steps_changed)


def step_problems(step) -> tuple[list, list]:
    """(missing, prose-only) attribute names of one saga step, contracts first."""
    missing, prose = [], []
    if step.command is None:
        missing.append(f"command contract{' ' + step.command_id if step.command_id else ''} (not in the catalog)")
    ev = step.evidence.get("success")
    if ev is not None and ev.level == "missing":
        missing.append("success reply event")
    elif ev is not None and ev.level == "prose":
        prose.append("success reply event")
    for attr, label in ATTRS:
        ev = step.evidence.get(attr)
        if ev is None:
            continue
        if ev.level == "missing":
            missing.append(label)
        elif ev.level == "prose":
            prose.append(label)
    return missing, prose


def _and(items: list) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def step_contracts(changeset, head, config) -> list:
    findings = []
    for saga in head.sagas:
        ch = changeset.get("flow", saga.id)
        if ch is None or ch.head is not saga.flow:
            continue
        for sid in _touched_steps(ch):
            step = saga.step(sid)
            if step is None:
                continue
            verb = "added to" if sid in ch.steps_added else "changed in"
            missing, prose = step_problems(step)
            path = ("steps", step.index)
            if missing:
                msg = f"step {sid} was {verb} saga {saga.id} without its {_and(missing)}"
                f = _finding(config, "change/step-contracts", msg, saga.flow, path, step=sid)
                if f:
                    findings.append(f)
            if prose:
                msg = (f"step {sid} was {verb} saga {saga.id} with its {_and(prose)} documented only in prose; "
                       "declare them in x-saga")
                f = _finding(config, "change/step-contracts", msg, saga.flow, path, step=sid, demote=True)
                if f:
                    findings.append(f)
    return findings


def _glob_segments(pattern: str) -> list:
    p = pattern.strip().replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    segs = []
    for seg in p.strip("/").split("/"):
        if seg in ("", "."):
            continue
        if seg == "**" and segs and segs[-1] == "**":
            continue  # a/**/**/b is a/**/b
        segs.append(seg)
    return segs


def glob_match(pattern: str, path: str) -> bool:
    """A repository glob against a repository-relative path: ``**`` any number of folders,
    ``*``/``?``/``[...]`` within one path segment (``fnmatch``, which does not backtrack
    catastrophically), and a pattern that names a folder matches everything inside it. Matched
    segment by segment with memoisation, so hostile patterns stay linear in pattern x path."""
    import fnmatch

    pat = _glob_segments(pattern)
    parts = [x for x in path.split("/") if x]
    if not pat or len(pat) > 64:
        return False
    memo: dict = {}

    def m(i: int, j: int) -> bool:
        key = (i, j)
        if key in memo:
            return memo[key]
        if i == len(pat):
            ok = True  # the pattern named a folder (or the file itself): anything below it matches
        elif pat[i] == "**":
            ok = m(i + 1, j) or (j < len(parts) and m(i, j + 1))
        else:
            ok = j < len(parts) and fnmatch.fnmatchcase(parts[j], pat[i]) and m(i + 1, j + 1)
        memo[key] = ok
        return ok

    return m(0, 0)


def matching_files(globs: list, files: list) -> list:
    pats = [g for g in globs if isinstance(g, str) and g.strip()][:100]
    return [f for f in files if any(glob_match(g, f) for g in pats)]


def orchestrator_untouched(changeset, head, changed_files: list, config) -> list:
    findings = []
    for saga in head.sagas:
        ch = changeset.get("flow", saga.id)
        if ch is None or ch.head is not saga.flow:
            continue
        if not (ch.steps_added or ch.steps_removed or ch.steps_changed):
            continue
        parts = []
        for label, ids in (("added", ch.steps_added), ("removed", ch.steps_removed), ("changed", ch.steps_changed)):
            if ids:
                parts.append(f"{label}: {', '.join(ids)}")
        steps_txt = "; ".join(parts)
        if not saga.implementation:
            msg = (f"steps of saga {saga.id} changed ({steps_txt}) and the flow declares no x-saga.implementation, "
                   "so saga-lint cannot tell whether the orchestrator changed too")
            f = _finding(config, "change/orchestrator-untouched", msg, saga.flow, ("x-saga",), demote=True)
        elif matching_files(saga.implementation, changed_files):
            continue
        else:
            orch = f" {saga.orchestrator_id}" if saga.orchestrator_id else ""
            msg = (f"steps of saga {saga.id} changed ({steps_txt}) but the orchestrator{orch} is untouched: "
                   f"no file matching {', '.join(saga.implementation)} changed")
            f = _finding(config, "change/orchestrator-untouched", msg, saga.flow, ("x-saga", "implementation"))
        if f:
            findings.append(f)
    return findings


@dataclass
class ChecklistItem:
    key: str
    label: str
    done: bool
    note: str

    def to_json(self) -> dict:
        return {"key": self.key, "label": self.label, "done": self.done, "note": self.note}


@dataclass
class Checklist:
    flow_id: str
    flow_name: str
    file: str | None
    steps_added: list
    steps_removed: list
    steps_changed: list
    items: list

    def to_json(self) -> dict:
        return {
            "flow": self.flow_id,
            "name": self.flow_name,
            "file": self.file,
            "steps_added": list(self.steps_added),
            "steps_removed": list(self.steps_removed),
            "steps_changed": list(self.steps_changed),
            "items": [i.to_json() for i in self.items],
        }


_FAILURE_KEYS = ("failures", "compensation", "compensationNote", "retry", "type")
_STATUS_KEYS = ("statuses", "onSuccess", "onCompensationFailure")


def _xsaga(flow) -> dict:
    x = flow.data.get("x-saga") if flow is not None else None
    return x if isinstance(x, dict) else {}


def _xstep(flow, sid) -> dict:
    steps = _xsaga(flow).get("steps")
    v = steps.get(sid) if isinstance(steps, dict) else None
    return v if isinstance(v, dict) else {}


def _failure_statuses(xstep: dict) -> list:
    fl = xstep.get("failures")
    return [f.get("status") for f in fl if isinstance(f, dict)] if isinstance(fl, list) else []


def _saga_messages(saga) -> set:
    ids = set()
    for step in saga.steps:
        ids.update(x for x in (step.command_id, step.success, step.compensation) if x and x != "none")
        ids.update(f.event for f in step.failures if f.event)
    if saga.outcome.get("event"):
        ids.add(saga.outcome["event"])
    return ids


def checklists(changeset, head, base, changed_files: list) -> list:
    """The change guidance (the checkout docs page's list) for every saga flow the change touched:
    the flow itself, or a contract its steps use."""
    from saga_lint.review.diff import _same

    out = []
    base_flows = {s.id: s.flow for s in base.sagas}
    changed_msgs = {c.id for c in changeset.resources if c.type in MESSAGE_TYPES}
    for saga in head.sagas:
        ch = changeset.get("flow", saga.id)
        flow_changed = ch is not None and ch.head is saga.flow
        touched_msgs = sorted(_saga_messages(saga) & changed_msgs)
        if not flow_changed and not touched_msgs:
            continue
        old_flow = ch.base if flow_changed else base_flows.get(saga.id)
        added = list(ch.steps_added) if flow_changed else []
        removed = list(ch.steps_removed) if flow_changed else []
        changed = list(ch.steps_changed) if flow_changed else []
        needy = [saga.step(s) for s in added + changed if saga.step(s) is not None]
        items = []
        # 1. the flow definition
        if flow_changed:
            what = ", ".join(x for x in (
                f"steps added: {', '.join(added)}" if added else "",
                f"steps removed: {', '.join(removed)}" if removed else "",
                f"steps changed: {', '.join(changed)}" if changed else "",
            ) if x) or "the flow page changed"
            items.append(ChecklistItem("flow", "Flow definition and its x-saga block", True, what))
        else:
            items.append(ChecklistItem("flow", "Flow definition and its x-saga block", False, "not touched by this change"))
        # 2. the orchestrator
        hits = matching_files(saga.implementation, changed_files) if saga.implementation else []
        if hits:
            shown = ", ".join(hits[:5]) + (f" and {len(hits) - 5} more" if len(hits) > 5 else "")
            items.append(ChecklistItem("orchestrator", "Orchestrator implementation", True, f"changed: {shown}"))
        elif not saga.implementation:
            items.append(ChecklistItem("orchestrator", "Orchestrator implementation", False,
                                       "the flow declares no x-saga.implementation paths"))
        else:
            items.append(ChecklistItem("orchestrator", "Orchestrator implementation", False,
                                       f"no file matching {', '.join(saga.implementation)} changed"))
        # 3. contracts
        lacking = [s.id for s in needy if any(m.startswith(("command contract", "success")) for m in step_problems(s)[0])]
        if lacking:
            items.append(ChecklistItem("contracts", "Command and event contracts", False,
                                       f"missing for step {', '.join(lacking)}"))
        elif touched_msgs or needy:
            note = f"changed: {', '.join(touched_msgs)}" if touched_msgs else "the new and changed steps name existing contracts"
            items.append(ChecklistItem("contracts", "Command and event contracts", True, note))
        else:
            items.append(ChecklistItem("contracts", "Command and event contracts", False, "not touched by this change"))
        # 4. failure and compensation
        lacking = [s.id for s in needy if any(m in ("failure path", "compensation") for m in step_problems(s)[0])]
        touched = any(
            not _same({k: _xstep(old_flow, s.id).get(k) for k in _FAILURE_KEYS}, {k: s.x.get(k) for k in _FAILURE_KEYS})
            for s in saga.steps
        )
        items.append(_item("failure", "Failure and compensation behaviour", lacking, touched, bool(needy)))
        # 5. customer-facing status
        lacking = [s.id for s in needy if "customer-visible status" in step_problems(s)[0]]
        old_x, new_x = _xsaga(old_flow), saga.x
        touched = not _same({k: old_x.get(k) for k in _STATUS_KEYS}, {k: new_x.get(k) for k in _STATUS_KEYS}) or any(
            not _same((_xstep(old_flow, s.id).get("status"), _failure_statuses(_xstep(old_flow, s.id))),
                      (s.x.get("status"), _failure_statuses(s.x)))
            for s in saga.steps
        )
        items.append(_item("status", "Customer-facing status semantics", lacking, touched, bool(needy)))
        out.append(Checklist(saga.id, saga.flow.name, saga.flow.file, added, removed, changed, items))
    return out


def _item(key, label, lacking, touched, needed) -> ChecklistItem:
    if lacking:
        return ChecklistItem(key, label, False, f"missing for step {', '.join(lacking)}")
    if needed:
        return ChecklistItem(key, label, True, "declared for every new or changed step")
    if touched:
        return ChecklistItem(key, label, True, "changed in this change")
    return ChecklistItem(key, label, False, "not touched by this change")


# -- the configuration ------------------------------------------------------------------------------

_RANK = {"off": 0, "info": 1, "warning": 2, "error": 3}


def config_relaxed(base_config, head_config, root) -> list:
    """``change/config-relaxed``: what the head's configuration relaxes against the base's; its
    severity comes from the base's configuration (see the rule's documentation)."""
    from saga_lint.rules import all_rules

    rules = all_rules()
    lowered = []
    for name, r in sorted(rules.items()):
        before = base_config.severity_for(name, None, r.severity)
        after = head_config.severity_for(name, None, r.severity)
        if _RANK.get(after, 0) < _RANK.get(before, 0):
            lowered.append(f"{name} {before} -> {after}")
    parts = []
    if lowered:
        shown = ", ".join(lowered[:8]) + (f" and {len(lowered) - 8} more" if len(lowered) > 8 else "")
        parts.append(f"rules lowered: {shown}")
    new_ignores = [g for g in head_config.ignore if g not in base_config.ignore]
    if new_ignores:
        parts.append("new ignore globs: " + ", ".join(new_ignores[:8]))
    base_overrides = [(tuple(g), tuple(sorted(t.items()))) for g, t in base_config.overrides]
    for globs, table in head_config.overrides:
        if (tuple(globs), tuple(sorted(table.items()))) in base_overrides:
            continue
        lower = [
            f"{name} -> {level}"
            for name, level in sorted(table.items())
            if name in rules
            and _RANK.get(level, 0) < _RANK.get(base_config.severity_for(name, None, rules[name].severity), 0)
        ]
        if lower:
            parts.append(f"override for {', '.join(globs[:4])}: " + ", ".join(lower[:8]))
    if _RANK.get(head_config.fail_on, 3) > _RANK.get(base_config.fail_on, 3):
        parts.append(f"fail-on {base_config.fail_on} -> {head_config.fail_on}")
    if not parts:
        return []
    file, line = _config_location(head_config, root, lowered, new_ignores)
    message = (
        "the change relaxes saga-lint's configuration: " + "; ".join(parts)
        + ". Fix the catalog instead, or say in the pull request why the checks should be relaxed"
    )
    # the base decides: a change cannot switch this rule off for itself
    f = _finding(base_config, "change/config-relaxed", message, file=file, line=line, column=1)
    return [f] if f is not None else []


def _config_location(config, root, lowered: list, new_ignores: list) -> tuple:
    """The head's configuration file (relative to the catalog root when inside it) and the line of
    the first relaxed rule or glob named in it (else line 1)."""
    import os

    source = config.source or "saga-lint.yaml"
    path = source.split(" [", 1)[0]  # "pyproject.toml [tool.saga-lint]"
    try:
        rel = os.path.relpath(path, root)
        if not rel.startswith(".."):
            path = rel
    except ValueError:  # pragma: no cover - another drive
        pass
    needles = [entry.split(" ", 1)[0] for entry in lowered] + new_ignores
    try:
        with open(source.split(" [", 1)[0], encoding="utf-8", errors="replace") as fh:
            for number, text in enumerate(fh, 1):
                if any(n and n in text for n in needles):
                    return path.replace(os.sep, "/"), number
    except OSError:
        pass
    return path.replace(os.sep, "/"), 1
