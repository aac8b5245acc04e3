"""``saga-lint explain FLOW``: the step-by-attribute matrix and the findings of one saga flow.

The deterministic answer to the review prompt "does every step have a clear owner, success
condition, failure condition, retry policy, compensation action and customer-visible status?".
No cell or value is left bare: where there is nothing, the text says "none" and why.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from saga_lint.render.cwdpath import cwd_path
from saga_lint.render.safe import terminal_safe
from saga_lint.saga.model import ATTRIBUTES
from saga_lint.words import cut, plural

if TYPE_CHECKING:
    from pathlib import Path

    from saga_lint.findings import Finding
    from saga_lint.saga.model import Evidence, RetryPolicy, Saga, SagaStep

FAILING = "!"
LEGEND = ("✓ structured (declared in x-saga, checked)   ≈ contract (inferred from the catalog's contracts, checked; "
          "declaring x-saga makes the intent explicit)   ~ prose (documented, not checkable)   ✗ missing   "
          f"{FAILING} declared or contract-backed, but a check of it fails (see Findings)")

# the rules whose error or warning on a step means that attribute's checks do not all hold
ATTRIBUTE_RULES: dict[str, tuple[str, ...]] = {
    "owner": ("saga/step-owner",),
    "success": ("saga/success-condition",),
    "failure": ("saga/failure-condition",),
    "retry": ("saga/retry-policy",),
    "compensation": ("saga/compensation", "saga/pivot"),
    "status": ("saga/customer-status",),
}
CELL_WIDTH = 40
QUOTE_CHARS = 100
_SAYS = re.compile(r'(?P<kind>[A-Z]\w*) node "(?P<sid>[^"]+)" says "(?P<text>[^"]*)"')


def _value(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, list):
        return ", ".join(str(x) for x in v if x is not None)
    if isinstance(v, dict):
        return ", ".join(f"{k}={x}" for k, x in v.items() if x is not None)
    return str(v)


def _node_quote(saga: Saga, match: re.Match[str]) -> str:
    """A node's words as ``Kind node "id" titled "T" says "summary…"``: the title apart from the
    summary, the summary cut at a word boundary (the model joins them and cuts mid-word)."""
    fmap = saga.flowmap
    node = fmap.nodes.get(match["sid"]) if fmap is not None else None
    custom = node.data.get("custom") if node is not None else None
    if not isinstance(custom, dict):
        return f'{match["kind"]} node "{match["sid"]}" says "{cut(match["text"], QUOTE_CHARS)}"'
    title = str(custom.get("title") or (node.data.get("title") if node is not None else "") or "").strip()
    summary = " ".join(str(custom.get("summary") or "").split())
    out = f'{match["kind"]} node "{match["sid"]}"' + (f' titled "{title}"' if title else "")
    return out + (f' says "{cut(summary, QUOTE_CHARS)}"' if summary else " has no summary")


def quoted(saga: Saga, text: str) -> str:
    """``text`` with every node quote of the model rewritten by :func:`_node_quote`."""
    return _SAYS.sub(lambda m: _node_quote(saga, m), text)


def _retry_text(policy: RetryPolicy | None) -> str:
    if policy is None:
        return "none: no retry policy read"
    from saga_lint.saga.model import format_duration

    attempts = "unbounded attempts" if policy.max_attempts is None else plural(policy.max_attempts, "attempt")
    timeout = "no timeout" if policy.timeout is None else f"{format_duration(policy.timeout)} each"
    worst = policy.worst_case()
    return f"{attempts}, {timeout}" + (f", worst {format_duration(worst)}" if worst is not None else "")


def _attribute_messages(step: SagaStep, attr: str) -> list[str]:
    """The messages an orchestrator finding on the step names when it is about ``attr``: the success
    reply for success, the failure events for failure (``saga/orchestrator``: "does not receive the
    reply X")."""
    if attr == "success":
        return [step.success] if step.success else []
    if attr == "failure":
        return [f.event for f in step.failures if f.event]
    return []


def failing_findings(saga: Saga, step: SagaStep, attr: str, findings: Sequence[Finding]) -> list[Finding]:
    """The errors and warnings of ``attr``'s rules on ``step`` (a saga-wide one counts when it names the
    step), and the orchestrator's findings on the step that name the attribute's replies."""
    rules = ATTRIBUTE_RULES.get(attr, ())
    named = re.compile(rf"(?<![\w-]){re.escape(step.id)}(?![\w-])")
    replies = [re.compile(rf"(?<![\w-]){re.escape(m)}(?![\w-])") for m in _attribute_messages(step, attr)]

    def about(f: Finding) -> bool:
        if f.rule in rules:
            return f.step == step.id or (f.step is None and named.search(f.message) is not None)
        return f.rule == "saga/orchestrator" and f.step == step.id and any(r.search(f.message) for r in replies)

    return [f for f in _flow_findings(saga, findings) if str(f.severity) in ("error", "warning") and about(f)]


def mark(saga: Saga, step: SagaStep, attr: str, ev: Evidence, findings: Sequence[Finding]) -> str:
    """The evidence level's mark; :data:`FAILING` for a declared or contract-backed attribute a check fails."""
    if ev.level in ("structured", "contract") and failing_findings(saga, step, attr, findings):
        return FAILING
    return ev.mark


def _cell(saga: Saga, step: SagaStep, attr: str, findings: Sequence[Finding]) -> str:
    ev = step.evidence.get(attr)
    if ev is None:
        return "✗ none: not evaluated"
    val = _retry_text(step.retry) if attr == "retry" and ev.level == "structured" else _value(ev.value)
    if not val:
        note = quoted(saga, ev.note) or "nothing found"
        val = f"none: {note}" if ev.level == "missing" else note
    return f"{mark(saga, step, attr, ev, findings)} {val}"


def matrix_rows(saga: Saga, findings: Sequence[Finding] = ()) -> list[list[str]]:
    rows = []
    for step in saga.steps:
        kind = step.type + (" (inferred)" if step.type_inferred else "") if step.type else "unknown"
        row = [step.id, kind, *(_cell(saga, step, attr, findings) for attr in ATTRIBUTES)]
        rows.append([terminal_safe(c) for c in row])
    return rows


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    widths = [min(w, CELL_WIDTH) for w in widths]

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(cut(c, w).ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip()

    return [fmt(header), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows]


def _outcome_line(saga: Saga, findings: Sequence[Finding]) -> str | None:
    outcome = saga.outcome_evidence
    if outcome is None:
        return None
    sign = outcome.mark
    if outcome.level in ("structured", "contract") and any(
            f.rule == "saga/outcome" and str(f.severity) in ("error", "warning") for f in _flow_findings(saga, findings)):
        sign = FAILING
    note = quoted(saga, outcome.note)
    value = _value(saga.outcome)
    if value:
        return f"Outcome: {sign} {value}" + (f" ({note})" if note else "")
    why = "not declared" if outcome.level != "missing" else "nothing names a durable outcome"
    return f"Outcome: {sign} none: {why}" + (f", {note}" if note else "")


def _at(root: Path | None, file: str | None, line: int | None = None) -> str:
    """``file:line`` as ``explain`` shows it: relative to the working directory when the catalog's
    ``root`` is known (``render.cwdpath``, as ``check``'s text), else to the catalog."""
    if not file:
        return ""
    shown = cwd_path(root, file) if root is not None else file
    return f"{shown}:{line}" if line else shown


def _heading(saga: Saga, findings: Sequence[Finding], older: str | None, root: Path | None = None) -> list[str]:
    flow = saga.flow
    orch = saga.orchestrator_evidence
    coord = saga.coordination_evidence
    same = orch is not None and coord is not None and orch.note == coord.note
    orch_note = f" ({orch.mark} {orch.note})" if orch and orch.note and not same else ""
    orch_text = (f"Orchestrator: {saga.orchestrator_id or '✗ none: unknown'}{orch_note}"
                 if saga.coordination != "choreography" else "Orchestrator: none (a choreography has none)")
    version = f"v{flow.version}" if flow.version else "(no version)"
    out = [terminal_safe(f"Saga {flow.id} ({flow.name}) {version}  —  {_at(root, flow.file)}")]
    if older:
        out.append(terminal_safe(f"An older version: the latest is v{older}; the rules review only the latest."))
    out += [
        terminal_safe(f"A saga because {saga.why}."),
        terminal_safe(f"Coordination: {saga.coordination}" + (f" ({coord.mark} {coord.note})" if coord and coord.note else "")
                      + f". {orch_text}"),
    ]
    if saga.correlation:
        out.append(terminal_safe(f"Correlation: {saga.correlation}"))
    if saga.copy_of:
        out.append(terminal_safe(f"Not reviewed again: its steps are reviewed in {saga.copy_of} "
                                 f"(saga-lint explain {saga.copy_of})."))
    line = _outcome_line(saga, findings)
    if line is not None:
        out.append(terminal_safe(line))
    return out


def _evidence(saga: Saga, root: Path | None = None) -> list[str]:
    out = ["Evidence:"]
    for step in saga.steps:
        if step.trigger_kind == "event":
            how = f"on event {step.trigger}" if step.trigger else "on an event the map does not name"
        else:
            how = step.command_id or "no command"
        if step.participant is not None:
            who = f", participant {step.participant.id}"
        else:
            who = f", participant the external system {step.external}" if step.external else ", participant none"
        out.append(terminal_safe(f"  {step.id} ({how}{who}):"))
        for attr in ATTRIBUTES:
            ev = step.evidence.get(attr)
            if ev is not None:
                where = f" at {_at(root, ev.file, ev.line)}" if ev.file else ""
                note = quoted(saga, ev.note) or ("none: nothing found" if ev.level == "missing" else "no note")
                out.append(terminal_safe(f"    {ev.mark} {attr:<12} {note}{where}"))
    return out


def _flow_findings(saga: Saga, findings: Sequence[Finding]) -> list[Finding]:
    flow = saga.flow
    return [f for f in findings if f.resource is not None and f.resource.type == "flow" and f.resource.id == flow.id
            and f.resource.version == flow.version]


def _none_why(saga: Saga, older: str | None) -> str:
    if older:
        return f"none: the rules review only the latest version (v{older})"
    if saga.copy_of:
        return f"none: its steps are reviewed in {saga.copy_of}"
    return "none: every saga check holds"


def _findings(saga: Saga, findings: Sequence[Finding], older: str | None, root: Path | None = None) -> list[str]:
    mine = _flow_findings(saga, findings)
    if not mine:
        return [f"Findings: {_none_why(saga, older)}"]
    counts = {s: sum(1 for f in mine if f.severity == s) for s in ("error", "warning", "info")}
    out = [f"Findings: {plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}, "
           f"{plural(counts['info'], 'info', 'info')}"]
    by_step: dict[str, list[Finding]] = {}
    for f in mine:
        by_step.setdefault(f.step or "(saga)", []).append(f)
    order = ["(saga)"] + [s.id for s in saga.steps]
    for key in order + [k for k in by_step if k not in order]:
        if key not in by_step:
            continue
        out.append(terminal_safe(f"  {key}:"))
        for f in by_step[key]:
            where = _at(root, f.file or saga.flow.file, f.line if f.file else None)
            out.append(terminal_safe(f"    {f.severity!s:<7} {where}  {quoted(saga, f.message)}  ({f.rule})"))
    return out


def render(saga: Saga, findings: Sequence[Finding], older: str | None = None, root: Path | None = None) -> str:
    """The text of ``explain``; ``older`` is the latest version when ``saga`` is an older one;
    ``root``, the catalog's folder as given on the command line: paths are shown from the working
    directory (without it, from the catalog)."""
    out = _heading(saga, findings, older, root)
    out.append("")
    out += _table(["step", "type", *ATTRIBUTES], matrix_rows(saga, findings))
    out += ["", LEGEND, ""]
    out += _evidence(saga, root)
    out.append("")
    out += _findings(saga, findings, older, root)
    return "\n".join(out) + "\n"


def _ev_json(ev: Evidence | None) -> dict[str, Any] | None:
    return None if ev is None else {
        "level": ev.level, "value": ev.value, "file": ev.file, "line": ev.line, "note": ev.note,
    }


def _attribute_json(saga: Saga, step: SagaStep, attr: str, findings: Sequence[Finding]) -> dict[str, Any] | None:
    ev = step.evidence.get(attr)
    doc = _ev_json(ev)
    if doc is not None and ev is not None:
        doc["mark"] = mark(saga, step, attr, ev, findings)
        doc["failing"] = sorted({f.rule for f in failing_findings(saga, step, attr, findings)})
    return doc


def to_json(saga: Saga, findings: Sequence[Finding]) -> dict[str, Any]:
    flow = saga.flow
    return {
        "flow": {"id": flow.id, "version": flow.version, "file": flow.file},
        "why": saga.why,
        "copy_of": saga.copy_of,
        "coordination": {"style": saga.coordination, "evidence": _ev_json(saga.coordination_evidence)},
        "correlation": saga.correlation,
        "orchestrator": saga.orchestrator_id,
        "outcome": _ev_json(saga.outcome_evidence),
        "steps": [
            {
                "id": s.id,
                "command": s.command_id,
                "trigger": {"kind": s.trigger_kind, "message": s.trigger},
                "participant": s.participant.id if s.participant is not None else None,
                "external": s.external,
                "type": s.type,
                "type_inferred": s.type_inferred,
                "attributes": {a: _attribute_json(saga, s, a, findings) for a in ATTRIBUTES},
            }
            for s in saga.steps
        ],
        "findings": [f.to_json() for f in _flow_findings(saga, findings)],
    }
