"""``change/step-contracts``: a saga step added or changed without its contracts, failure path,
compensation or customer-visible status. ``step_problems`` is the judgement, shared with the
review's change-guidance checklist."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from saga_lint.rules import Context, Problem, rule

if TYPE_CHECKING:
    from saga_lint.saga.model import SagaStep

ATTRS = (("failure", "failure path"), ("compensation", "compensation"), ("status", "customer-visible status"))


def step_problems(step: SagaStep) -> tuple[list[str], list[str]]:
    """(missing, prose-only) attribute names of one saga step, contracts first."""
    missing: list[str] = []
    prose: list[str] = []
    if step.command is None:
        missing.append(f"command contract{' ' + step.command_id if step.command_id else ''} (not in the catalog)")
    for attr, label in (("success", "success reply event"), *ATTRS):
        ev = step.evidence.get(attr)
        if ev is None:
            continue
        if ev.level == "missing":
            missing.append(label)
        elif ev.level == "prose":
            prose.append(label)
    return missing, prose


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


@rule("change/step-contracts", "error")
def step_contracts(ctx: Context) -> Iterator[Problem]:
    """A saga step was added or changed without its contracts, failure/compensation or status.

    What it checks: every step added to (or changed in) a saga flow at head has a command contract
    in the catalog and a success reply event, a failure path and a compensation (or ``compensation:
    none`` with a note), and a customer-visible status, as the saga model reads them (x-saga or
    prose). Missing attributes are reported at the rule's severity; attributes found only in prose
    one level lower.
    Why: the change guidance of a saga: a new step is only safe when it says how it fails, what is
    undone and what the customer sees meanwhile; a review is the moment to ask.
    Example that fails: a step ``notify_customer`` added to ``checkout-saga`` with a command but no
    ``compensation`` and no ``status`` in ``x-saga.steps``.
    Fix: declare the step's ``success``, ``failures``, ``compensation`` and ``status`` in
    ``x-saga.steps.<step id>``, and add its command and reply events to the catalog.
    """
    if ctx.changes is None:
        return
    for saga in ctx.sagas:
        ch = ctx.changes.diff.get("flow", saga.id)
        if ch is None or ch.head is not saga.flow:
            continue
        for sid in [*ch.steps_added, *ch.steps_changed]:
            step = saga.step(sid)
            if step is None:
                continue
            verb = "added to" if sid in ch.steps_added else "changed in"
            missing, prose = step_problems(step)
            at = ("steps", step.index)
            if missing:
                yield Problem(f"step {sid} was {verb} saga {saga.id} without its {_and(missing)}", saga.flow, at=at, step=sid)
            if prose:
                message = (f"step {sid} was {verb} saga {saga.id} with its {_and(prose)} documented only in prose; "
                           "declare them in x-saga")
                yield Problem(message, saga.flow, at=at, step=sid, demote=True)
