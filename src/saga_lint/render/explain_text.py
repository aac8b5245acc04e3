"""``saga-lint explain FLOW``: the step-by-attribute matrix and the findings of one saga flow.

The deterministic answer to the review prompt "does every step have a clear owner, success
condition, failure condition, retry policy, compensation action and customer-visible status?".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from saga_lint.render.safe import terminal_safe
from saga_lint.saga.model import ATTRIBUTES

if TYPE_CHECKING:
    from saga_lint.findings import Finding
    from saga_lint.saga.model import Evidence, RetryPolicy, Saga

LEGEND = ("✓ structured (declared in x-saga, checked)   ≈ contract (inferred from the catalog's contracts, checked; "
          "declaring x-saga makes the intent explicit)   ~ prose (documented, not checkable)   ✗ missing")


def _value(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, list):
        return ", ".join(str(x) for x in v)
    if isinstance(v, dict):
        return ", ".join(f"{k}={x}" for k, x in v.items() if x is not None)
    return str(v)


def _retry_text(policy: RetryPolicy | None) -> str:
    if policy is None:
        return "?"
    from saga_lint.saga.model import format_duration

    return f"{policy.max_attempts}x{format_duration(policy.timeout)}, worst {format_duration(policy.worst_case())}"


def matrix_rows(saga: Saga) -> list[list[str]]:
    rows = []
    for step in saga.steps:
        row = [step.id, step.type + (" (inferred)" if step.type_inferred else "") if step.type else "?"]
        for attr in ATTRIBUTES:
            ev = step.evidence.get(attr)
            if ev is None:
                row.append("?")
                continue
            val = _retry_text(step.retry) if attr == "retry" and ev.level == "structured" else _value(ev.value)
            row.append(f"{ev.mark} {val}".strip())
        rows.append([terminal_safe(c) for c in row])
    return rows


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    widths = [min(w, 40) for w in widths]

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join((c if len(c) <= w else c[: w - 1] + "…").ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip()

    return [fmt(header), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows]


def _heading(saga: Saga) -> list[str]:
    flow = saga.flow
    orch = saga.orchestrator_evidence
    coord = saga.coordination_evidence
    same = orch is not None and coord is not None and orch.note == coord.note
    orch_note = f" ({orch.mark} {orch.note})" if orch and not same else ""
    orch_text = (f"Orchestrator: {saga.orchestrator_id or '✗ unknown'}{orch_note}"
                 if saga.coordination != "choreography" else "Orchestrator: none (a choreography has none)")
    out = [
        terminal_safe(f"Saga {flow.id} ({flow.name}) v{flow.version}  —  {flow.file}"),
        terminal_safe(f"A saga because {saga.why}."),
        terminal_safe(f"Coordination: {saga.coordination}" + (f" ({coord.mark} {coord.note})" if coord else "")
                      + f". {orch_text}"),
    ]
    if saga.correlation:
        out.append(terminal_safe(f"Correlation: {saga.correlation}"))
    if saga.copy_of:
        out.append(terminal_safe(f"Not reviewed again: its steps are reviewed in {saga.copy_of} "
                                 f"(saga-lint explain {saga.copy_of})."))
    outcome = saga.outcome_evidence
    if outcome is not None:
        out.append(terminal_safe(f"Outcome: {outcome.mark} {_value(saga.outcome) or '-'} ({outcome.note})"))
    return out


def _evidence(saga: Saga) -> list[str]:
    out = ["Evidence:"]
    for step in saga.steps:
        how = f"on event {step.trigger}" if step.trigger_kind == "event" else (step.command_id or "no command")
        who = f", participant {step.participant.id}" if step.participant is not None else ""
        out.append(terminal_safe(f"  {step.id} ({how}{who}):"))
        for attr in ATTRIBUTES:
            ev = step.evidence.get(attr)
            if ev is not None:
                where = f" at {ev.where()}" if ev.where() else ""
                out.append(terminal_safe(f"    {ev.mark} {attr:<12} {ev.note}{where}"))
    return out


def _findings(saga: Saga, findings: Sequence[Finding]) -> list[str]:
    flow = saga.flow
    mine = [f for f in findings if f.resource is not None and f.resource.type == "flow" and f.resource.id == flow.id
            and f.resource.version == flow.version]
    counts = {s: sum(1 for f in mine if f.severity == s) for s in ("error", "warning", "info")}
    out = [f"Findings: {counts['error']} errors, {counts['warning']} warnings, {counts['info']} info"]
    by_step: dict[str, list[Finding]] = {}
    for f in mine:
        by_step.setdefault(f.step or "(saga)", []).append(f)
    order = ["(saga)"] + [s.id for s in saga.steps]
    for key in order + [k for k in by_step if k not in order]:
        if key not in by_step:
            continue
        out.append(terminal_safe(f"  {key}:"))
        for f in by_step[key]:
            out.append(terminal_safe(f"    {f.severity!s:<7} {f.file}:{f.line}  {f.message}  ({f.rule})"))
    return out


def render(saga: Saga, findings: Sequence[Finding]) -> str:
    out = _heading(saga)
    out.append("")
    out += _table(["step", "type", *ATTRIBUTES], matrix_rows(saga))
    out += ["", LEGEND, ""]
    out += _evidence(saga)
    out.append("")
    out += _findings(saga, findings)
    return "\n".join(out) + "\n"


def to_json(saga: Saga, findings: Sequence[Finding]) -> dict[str, Any]:
    def ev_json(ev: Evidence | None) -> dict[str, Any] | None:
        return None if ev is None else {
            "level": ev.level, "value": ev.value, "file": ev.file, "line": ev.line, "note": ev.note,
        }

    flow = saga.flow
    return {
        "flow": {"id": flow.id, "version": flow.version, "file": flow.file},
        "why": saga.why,
        "copy_of": saga.copy_of,
        "coordination": {"style": saga.coordination, "evidence": ev_json(saga.coordination_evidence)},
        "correlation": saga.correlation,
        "orchestrator": saga.orchestrator_id,
        "outcome": ev_json(saga.outcome_evidence),
        "steps": [
            {
                "id": s.id,
                "command": s.command_id,
                "trigger": {"kind": s.trigger_kind, "message": s.trigger},
                "participant": s.participant.id if s.participant is not None else None,
                "type": s.type,
                "type_inferred": s.type_inferred,
                "attributes": {a: ev_json(s.evidence.get(a)) for a in ATTRIBUTES},
            }
            for s in saga.steps
        ],
        "findings": [f.to_json() for f in findings if f.resource is not None and f.resource.type == "flow"
                     and f.resource.id == flow.id and f.resource.version == flow.version],
    }
