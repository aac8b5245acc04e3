"""``saga/customer-status``: what the customer sees is declared, known, worded, and ends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from saga_lint.rules import Problem, rule
from saga_lint.rules.saga.common import at, prose
from saga_lint.suggest import did_you_mean

if TYPE_CHECKING:
    from saga_lint.rules import Context
    from saga_lint.saga.model import KeyPath, Saga, SagaStep

# one use of a status name: (the step, or None for the saga), the name, where, must it be terminal
Use = tuple["SagaStep | None", str, "KeyPath", bool]


@rule("saga/customer-status", "error")
def customer_status(ctx: Context) -> Iterator[Problem]:
    """What the customer sees is undeclared, unknown, or never final.

    What it checks: every step and every failure (business or technical) has a ``status``; each
    status used is declared in ``statuses`` with a ``text``; ``onSuccess``, each failure status and
    ``onCompensationFailure`` are terminal statuses; every non-terminal status has a ``timeout``;
    every declared status is set somewhere (else a warning: the customer never sees it).
    A saga that declares no status at all gets one finding that names its steps, not one per step.
    Why: the customer-visible status is the saga's promise to a person. A status that is never
    final leaves "We're confirming your order" on screen forever; a silent compensation failure
    leaves money held with no word.
    Example that fails:
        statuses: {PROCESSING: {text: "Confirming", terminal: false}}   # no timeout
    Fix: ``PROCESSING: {text: "We're confirming your order", terminal: false, timeout: 30s}``.
    """
    for saga in ctx.sagas:
        used: list[Use] = []
        if _nothing_declared(saga):
            yield _saga_wide_gap(saga)
            continue
        unnamed: list[SagaStep] = []
        yield from _step_statuses(saga, used, None if saga.structured else unnamed)
        if not saga.structured:
            yield _saga_wide_gap(saga, unnamed)
            continue
        yield from _saga_statuses(saga, used)
        wrong_uses = list(_uses(saga, used))
        yield from wrong_uses
        yield from _vocabulary(saga)
        if not wrong_uses:  # a misspelt or wrong use leaves its status unused: that finding is the cause
            yield from _unused(saga, used)


def _nothing_declared(saga: Saga) -> bool:
    """No status anywhere: no step has one (not even in prose), and x-saga declares none."""
    if any(s.evidence["status"].level != "missing" for s in saga.steps):
        return False
    return not (saga.statuses or saga.on_success or saga.on_compensation_failure or
                any(f.status for s in saga.steps for f in s.failures))


def _saga_wide_gap(saga: Saga, steps: list[SagaStep] | None = None) -> Problem:
    """One finding for a saga that says nothing of what the customer sees, naming the steps without a status."""
    steps = [s for s in saga.steps if s.evidence["status"].level == "missing"] if steps is None else steps
    run = "its step runs" if len(steps) == 1 else "its steps run"
    names = f"; no status while {run} ({', '.join(s.id for s in steps)})" if steps else ""
    return Problem(f"no customer-visible status is declared for success or for a compensation that never succeeds{names}. "
                   "Declare statuses, onSuccess, onCompensationFailure and each step's status in x-saga.", saga.flow,
                   ("x-saga",) if saga.structured else ("id",))


def _step_statuses(saga: Saga, used: list[Use], unnamed: list[SagaStep] | None) -> Iterator[Problem]:
    """Each step's status and (in x-saga) each failure's; the names used are added to ``used``.
    With ``unnamed`` (a saga with no x-saga), steps with no status are collected there for the
    saga-wide finding instead of one finding each."""
    for step in saga.steps:
        ev = step.evidence["status"]
        if ev.level == "missing" and unnamed is not None:
            unnamed.append(step)
        elif ev.level == "missing":
            yield at(saga, step, f"step {step.id}: no customer-visible status while it runs. Declare status in x-saga "
                     "(a name from statuses).", evidence=ev)
        elif ev.level == "prose":
            yield at(saga, step, prose(step, "status", "status"), demote=True, evidence=ev)
        elif step.status:
            used.append((step, step.status, step.x_at("status"), False))
        if saga.structured:
            for f in step.failures:
                if not f.status:
                    yield at(saga, step, f"step {step.id}: failure {f.label} has no status: say what the customer sees "
                             "when it happens.", path=f.path or None)
                else:
                    used.append((step, f.status, (*f.path, "status"), True))


def _saga_statuses(saga: Saga, used: list[Use]) -> Iterator[Problem]:
    """``onSuccess`` and ``onCompensationFailure`` are declared; the names used are added to ``used``."""
    for key, value in (("onSuccess", saga.on_success), ("onCompensationFailure", saga.on_compensation_failure)):
        if not value:
            when = "when the saga succeeds" if key == "onSuccess" else "when a compensation never succeeds"
            yield Problem(f"x-saga.{key} is missing: declare the terminal status the customer sees {when}.", saga.flow,
                          ("x-saga",))
        else:
            used.append((None, value, ("x-saga", key, "status"), True))


def _uses(saga: Saga, used: list[Use]) -> Iterator[Problem]:
    """Every status used is declared; those that end a path are terminal."""
    for step, name, path, must_be_terminal in used:
        step_id = step.id if step else None
        st = saga.statuses.get(name)
        if st is None:
            known = ", ".join(saga.statuses) or "none"
            yield Problem(f'status "{name}" is not declared in x-saga.statuses (declared: {known}).'
                          + did_you_mean(name, [str(k) for k in saga.statuses]), saga.flow, path, step=step_id)
            continue
        if must_be_terminal and not st.get("terminal"):
            yield Problem(f'status "{name}" ends a path of the saga but is not terminal; the customer would wait forever. '
                          "Use a terminal status.", saga.flow, path, step=step_id)


def _vocabulary(saga: Saga) -> Iterator[Problem]:
    """Every declared status has text; every non-terminal one has a timeout."""
    for name, st in saga.statuses.items():
        text = st.get("text")
        if not isinstance(text, str) or not text.strip():
            yield Problem(f'status "{name}" has no text: write what the customer reads.', saga.flow, ("x-saga", "statuses", name))
        if not st.get("terminal") and st.get("timeout") is None:
            yield Problem(f'non-terminal status "{name}" has no timeout: say how long the customer may see it.',
                          saga.flow, ("x-saga", "statuses", name))


def _unused(saga: Saga, used: list[Use]) -> Iterator[Problem]:
    """A declared status that nothing sets (no step, failure, onSuccess or onCompensationFailure):
    a warning, one level below the rule (the vocabulary is not wrong, the customer never sees it).
    Not while onSuccess or onCompensationFailure is missing: that finding is the cause."""
    if not (saga.on_success and saga.on_compensation_failure):
        return
    names = {name for _, name, _, _ in used} | {str(s.evidence["status"].value) for s in saga.steps}  # prose too
    steps = saga.x.get("steps")
    for block in steps.values() if isinstance(steps, dict) else ():  # a block under a misspelt step key too
        failures = block.get("failures") if isinstance(block, dict) else None
        names |= {str(b.get("status")) for b in [block, *(failures if isinstance(failures, list) else [])]
                  if isinstance(b, dict)}
    for name in saga.statuses:
        if name not in names:
            yield Problem(f'status "{name}" is declared in x-saga.statuses, but no step, failure, onSuccess or '
                          "onCompensationFailure sets it, so the customer never sees it. Set it where it applies, or "
                          "remove it.", saga.flow, ("x-saga", "statuses", name), demote=True)
