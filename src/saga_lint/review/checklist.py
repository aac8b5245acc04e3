"""The change guidance of every saga flow a change touches: the checklist of the review comment.

Not a rule (it makes no finding): for each saga whose flow changed, or whose steps use a message
that changed, whether the flow, the orchestrator's implementation, the contracts, the failure and
compensation behaviour and the customer-facing statuses were dealt with. The judgement of a step
is the ``change/step-contracts`` rule's (``rules.change.steps.step_problems``), the orchestrator's
files are those ``change/orchestrator-untouched`` matches (``implementation_files``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from saga_lint.catalog.model import MESSAGE_TYPES
from saga_lint.changes.diff import same_as_json

if TYPE_CHECKING:
    from saga_lint.catalog.model import Resource
    from saga_lint.changes.diff import ChangeSet
    from saga_lint.results import Result
    from saga_lint.saga.model import Saga, SagaStep


@dataclass
class ChecklistItem:
    key: str
    label: str
    done: bool
    note: str

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "done": self.done, "note": self.note}


@dataclass
class Checklist:
    flow_id: str
    flow_name: str
    file: str | None
    steps_added: list[str]
    steps_removed: list[str]
    steps_changed: list[str]
    items: list[ChecklistItem]

    def to_json(self) -> dict[str, Any]:
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
_FLOW = "Flow definition and its x-saga block"
_ORCHESTRATOR = "Orchestrator implementation"
_PARTICIPANTS = "Participants' implementation"
_CONTRACTS = "Command and event contracts"
_UNTOUCHED = "not touched by this change"


def _xsaga(flow: Resource | None) -> dict[str, Any]:
    x = flow.data.get("x-saga") if flow is not None else None
    return x if isinstance(x, dict) else {}


def _xstep(flow: Resource | None, sid: str) -> dict[str, Any]:
    steps = _xsaga(flow).get("steps")
    v = steps.get(sid) if isinstance(steps, dict) else None
    return v if isinstance(v, dict) else {}


def _failure_statuses(xstep: dict[str, Any]) -> list[Any]:
    fl = xstep.get("failures")
    return [f.get("status") for f in fl if isinstance(f, dict)] if isinstance(fl, list) else []


def _saga_messages(saga: Saga) -> set[str]:
    ids: set[str] = set()
    for step in saga.steps:
        ids.update(x for x in (step.command_id, step.success, step.compensation) if x and x != "none")
        ids.update(f.event for f in step.failures if f.event)
    outcome_event = saga.outcome.get("event")
    if outcome_event:
        ids.add(outcome_event)
    return ids


@dataclass
class _Touched:
    """What the change did to one saga."""

    saga: Saga
    old_flow: Resource | None  # the flow at base
    added: list[str]
    removed: list[str]
    changed: list[str]
    messages: list[str]  # ids of the changed messages the saga's steps use
    flow_changed: bool

    @property
    def needy(self) -> list[SagaStep]:
        """The new and changed steps, which must declare everything."""
        steps = (self.saga.step(s) for s in self.added + self.changed)
        return [s for s in steps if s is not None]


def checklists(changeset: ChangeSet, head: Result, base: Result, changed_files: list[str]) -> list[Checklist]:
    """The change guidance (the checkout docs page's list) for every saga flow the change touched:
    the flow itself, or a contract its steps use."""
    out = []
    base_flows = {s.id: s.flow for s in base.sagas}
    changed_msgs = {c.id for c in changeset.resources if c.type in MESSAGE_TYPES}
    for saga in head.sagas:
        ch = changeset.get("flow", saga.id)
        touched_msgs = sorted(_saga_messages(saga) & changed_msgs)
        if ch is not None and ch.head is saga.flow:
            t = _Touched(saga, ch.base, list(ch.steps_added), list(ch.steps_removed), list(ch.steps_changed),
                         touched_msgs, True)
        elif touched_msgs:
            t = _Touched(saga, base_flows.get(saga.id), [], [], [], touched_msgs, False)
        else:
            continue
        items = [_flow_item(t), _orchestrator_item(saga, changed_files), _contracts_item(t), _failure_item(t), _status_item(t)]
        out.append(Checklist(saga.id, saga.flow.name, saga.flow.file, t.added, t.removed, t.changed, items))
    return out


def _flow_item(t: _Touched) -> ChecklistItem:
    if not t.flow_changed:
        return ChecklistItem("flow", _FLOW, False, _UNTOUCHED)
    what = ", ".join(x for x in (
        f"steps added: {', '.join(t.added)}" if t.added else "",
        f"steps removed: {', '.join(t.removed)}" if t.removed else "",
        f"steps changed: {', '.join(t.changed)}" if t.changed else "",
    ) if x) or "the flow page changed"
    return ChecklistItem("flow", _FLOW, True, what)


def _orchestrator_item(saga: Saga, changed_files: list[str]) -> ChecklistItem:
    from saga_lint.rules.change.orchestrator import implementation_files

    # a choreography has no orchestrator: its implementation paths name the participants' code
    label = _PARTICIPANTS if saga.coordination == "choreography" else _ORCHESTRATOR
    hits = implementation_files(saga.implementation, changed_files) if saga.implementation else []
    if hits:
        shown = ", ".join(hits[:5]) + (f" and {len(hits) - 5} more" if len(hits) > 5 else "")
        return ChecklistItem("orchestrator", label, True, f"changed: {shown}")
    if not saga.implementation:
        return ChecklistItem("orchestrator", label, False, "the flow declares no x-saga.implementation paths")
    return ChecklistItem("orchestrator", label, False, f"no file matching {', '.join(saga.implementation)} changed")


def _lacking(steps: list[SagaStep], missing: Any, prose: bool = False) -> list[str]:
    """The ids of the steps that miss something ``missing(name)`` selects (``prose``: that have it
    only in prose, as the findings call it: documented, not checkable)."""
    from saga_lint.rules.change.steps import step_problems

    return [s.id for s in steps if any(missing(m) for m in step_problems(s)[1 if prose else 0])]


def _contracts_item(t: _Touched) -> ChecklistItem:
    needy = t.needy
    lacking = _lacking(needy, lambda m: m.startswith(("command contract", "success")))
    if lacking:
        return ChecklistItem("contracts", _CONTRACTS, False, f"missing for step {', '.join(lacking)}")
    if t.messages or needy:
        note = f"changed: {', '.join(t.messages)}" if t.messages else "the new and changed steps name existing contracts"
        return ChecklistItem("contracts", _CONTRACTS, True, note)
    return ChecklistItem("contracts", _CONTRACTS, False, _UNTOUCHED)


def _failure_item(t: _Touched) -> ChecklistItem:
    wanted = ("failure path", "compensation")
    lacking = _lacking(t.needy, lambda m: m in wanted)
    prose = _lacking(t.needy, lambda m: m in wanted, prose=True)
    touched = any(
        not same_as_json({k: _xstep(t.old_flow, s.id).get(k) for k in _FAILURE_KEYS}, {k: s.x.get(k) for k in _FAILURE_KEYS})
        for s in t.saga.steps
    )
    return _item("failure", "Failure and compensation behaviour", lacking, touched, bool(t.needy), prose)


def _status_item(t: _Touched) -> ChecklistItem:
    lacking = _lacking(t.needy, lambda m: m == "customer-visible status")
    prose = _lacking(t.needy, lambda m: m == "customer-visible status", prose=True)
    old_x, new_x = _xsaga(t.old_flow), t.saga.x
    touched = not same_as_json({k: old_x.get(k) for k in _STATUS_KEYS}, {k: new_x.get(k) for k in _STATUS_KEYS}) or any(
        not same_as_json((_xstep(t.old_flow, s.id).get("status"), _failure_statuses(_xstep(t.old_flow, s.id))),
                  (s.x.get("status"), _failure_statuses(s.x)))
        for s in t.saga.steps
    )
    return _item("status", "Customer-facing status semantics", lacking, touched, bool(t.needy), prose)


def _item(key: str, label: str, lacking: list[str], touched: bool, needed: bool, prose: list[str] | None = None) -> ChecklistItem:
    if lacking:
        return ChecklistItem(key, label, False, f"missing for step {', '.join(lacking)}")
    if prose:  # as the findings say: documented, not checkable, so not ticked
        return ChecklistItem(key, label, False, f"only in prose for step {', '.join(prose)}: declare it in x-saga")
    if needed:
        return ChecklistItem(key, label, True, "declared for every new or changed step")
    if touched:
        return ChecklistItem(key, label, True, "changed in this change")
    return ChecklistItem(key, label, False, _UNTOUCHED)
