"""A choreography's scenarios: which deliveries go wrong, and what the catalog declares for each path.

A choreographed step is a participant's local transaction, started by its trigger event; its
retry policy is the broker's redelivery policy for that trigger, its compensation runs when the
participant consumes ``compensation.on``. Base scenarios: every step succeeds; per step, each
declared business failure, K lost deliveries of its trigger (each redelivered), every delivery lost
(dead-lettered), the trigger delivered twice; on each failure path that undoes something, each
compensation's deliveries lost once or for good, and each undone step's trigger redelivered late,
after its compensation event (the reordered delivery). Variants of every base run: a consumer
crash before its commit and after it (before the relay and the ack) at each consume, every
delivery duplicated, and the status service receiving its events newest first.

The oracle (``expected``) follows the declarations: a failure event reaches the participants whose
``compensation.on`` names it, and each undo publishes its ``compensation.event`` (which may start
another participant's undo). A trigger dead-lettered after its redeliveries is turned into the
step's failure event by the participant's dead-letter handler (``dead_letter_event``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from saga_lint.orchestrator.scenarios import (
    Expected,
    Scenario,
    attempts_of,
    escalate,
    failed_at,
    forward_scenarios,
    settle_status,
    step_named,
)
from saga_lint.saga.values import pointer_id
from saga_lint.saga.xsaga import compensation_block

if TYPE_CHECKING:
    from saga_lint.saga.model import Saga, SagaStep

# the behaviours under which a step's trigger ends up consumed (once, the copies deduplicated)
CONSUMED = ("ok", "duplicate", "late-duplicate")


def by_orchestrator(saga: Saga, step: SagaStep) -> bool:
    """A mixed saga's orchestrated step: the orchestrator sends its command (after the event before
    it) and, after a failure, its compensation command."""
    return saga.coordination == "mixed" and step.orchestrated


def trigger_of(saga: Saga, step: SagaStep) -> str | None:
    """The event that starts the step (the command, for an orchestrated step of a mixed saga); the
    first step without one starts on the saga's own entry."""
    if by_orchestrator(saga, step):
        return step.trigger or step.command_id or step.id
    if step.trigger:
        return step.trigger
    return f"start:{saga.id}" if saga.steps and saga.steps[0] is step else None


def success_of(step: SagaStep) -> str:
    """The event the participant publishes when its local transaction succeeds."""
    return step.success or f"{step.id}.succeeded"


def undo_event(step: SagaStep) -> str:
    """The event the participant publishes once it has undone its work: ``compensation.event``,
    else a notice named after the step (only the status service listens to it)."""
    declared = compensation_block(step.x).get("event")
    named = pointer_id(declared) if declared is not None else None
    return named or f"{step.id}.compensated"


def outcome_step(saga: Saga) -> SagaStep | None:
    """The step whose success is the saga's outcome event (else the last step): its participant
    writes the outcome record with its success event."""
    event = (saga.outcome or {}).get("event")
    found = next((s for s in saga.steps if event and s.success == event), None)
    return found or (saga.steps[-1] if saga.steps else None)


def entry_event(saga: Saga) -> str | None:
    """What the saga starts with: the first step's trigger, or (a mixed saga that starts with an
    orchestrated step) the saga's own start, which the orchestrator consumes."""
    first = saga.steps[0]
    return f"start:{saga.id}" if by_orchestrator(saga, first) else trigger_of(saga, first)


def undoes(saga: Saga, step: SagaStep) -> bool:
    """A choreographed compensatable step that names the event it undoes on (``compensation.on``)."""
    return (not by_orchestrator(saga, step) and step.type == "compensatable" and step.compensation != "none"
            and bool(step.compensation_on))


def orchestrator_undoes(saga: Saga, step: SagaStep) -> bool:
    """A mixed saga's orchestrated compensatable step with a compensation command: the orchestrator
    sends it after any failure."""
    return by_orchestrator(saga, step) and step.type == "compensatable" and step.compensation not in (None, "none")


def dead_letter_event(saga: Saga, step: SagaStep) -> str | None:
    """What the dead-letter handler publishes when the step's trigger is dead-lettered: the step's
    business failure event that a compensation listens to, else its first one, else nothing."""
    events = [f.event for f in step.business_failures if f.event]
    listened = {s.compensation_on for s in saga.steps if undoes(saga, s)}
    return next((e for e in events if e in listened), events[0] if events else None)


def undone_on(saga: Saga, done: list[str], event: str | None, failing: set[str]) -> list[str]:
    """The steps among ``done`` that undo when ``event`` (a failure) is published: the orchestrator's
    (a mixed saga), then those whose ``compensation.on`` it is; each undo publishes its own event,
    which may start another (``failing`` never finish)."""
    events = [event] if event else []
    out: list[str] = []
    for sid in reversed(done):
        if orchestrator_undoes(saga, step_named(saga, sid)):
            out.append(sid)
            if sid not in failing:
                events.append(undo_event(step_named(saga, sid)))
    i = 0
    while i < len(events):
        for sid in done:
            step = step_named(saga, sid)
            if sid not in out and undoes(saga, step) and step.compensation_on == events[i]:
                out.append(sid)
                if sid not in failing:
                    events.append(undo_event(step))
        i += 1
    return out


def _forward_ok(step: SagaStep, behaviour: str) -> bool:
    if behaviour in CONSUMED:
        return True
    return behaviour.startswith("transient:") and int(behaviour.split(":")[1]) < attempts_of(step.retry)


def expected(saga: Saga, sc: Scenario) -> Expected:
    """What the catalog declares for the path this scenario takes."""
    completed: list[str] = []
    for step in saga.steps:
        b = sc.behaviour(step.id, "forward")
        if _forward_ok(step, b):
            completed.append(step.id)
            continue
        kind, event = ("business", b.split(":", 1)[1]) if b.startswith("business:") else ("technical", None)
        e = failed_at(saga, step, kind, event, completed)
        if escalate(saga, step, kind, e):  # past the pivot: the dead-letter handler escalates, nothing undoes
            return e
        failing = {s for s, cb in sc.compensation if cb == "fail"}
        published = event if kind == "business" else dead_letter_event(saga, step)
        e.compensation_fails = [s for s in undone_on(saga, e.to_compensate, published, failing) if s in failing]
        return settle_status(saga, step, kind, event, e)
    return Expected(True, completed=completed, status=saga.on_success, status_source="onSuccess")


def _undo_paths(saga: Saga, forward: list[Scenario]) -> list[tuple[Scenario, list[str]]]:
    """Single-fault failure paths and the steps each undoes."""
    out = []
    for sc in forward:
        if len(sc.forward) != 1 or not (sc.forward[0][1].startswith("business:") or sc.forward[0][1] == "exhaust"):
            continue
        exp = expected(saga, sc)
        failed = step_named(saga, sc.forward[0][0])
        behaviour = sc.forward[0][1]
        event = behaviour.split(":", 1)[1] if behaviour.startswith("business:") else dead_letter_event(saga, failed)
        undone = undone_on(saga, exp.to_compensate, event, set())
        if undone:
            out.append((sc, undone))
    return out


def base_scenarios(saga: Saga) -> list[Scenario]:
    """The forward faults, then per failure path that undoes something: each compensation lost
    once (when its policy redelivers) or for good, and each undone step's trigger redelivered late."""
    forward = forward_scenarios(saga, last="duplicate")
    out = list(forward)
    late_done: set[str] = set()
    order = {s.id: i for i, s in enumerate(saga.steps)}
    for sc, undone in _undo_paths(saga, forward):
        for sid in undone:
            if attempts_of(step_named(saga, sid).compensation_retry) > 1:
                out.append(Scenario(sc.forward, ((sid, "transient:1"),)))
            out.append(Scenario(sc.forward, ((sid, "fail"),)))
            if sid not in late_done:
                late_done.add(sid)
                both = sorted(((sid, "late-duplicate"), *sc.forward), key=lambda p: order[p[0]])
                out.append(Scenario(tuple(both)))
    return out


def with_variants(bases: list[Scenario], consumes: dict[Scenario, int]) -> list[Scenario]:
    """Each base run with a consumer crash before and after its commit at each of its consumes,
    with every delivery duplicated, and with the status service's events reordered."""
    out: list[Scenario] = []
    for b in bases:
        for i in range(1, consumes.get(b, 0) + 1):
            for point in ("before-commit", "after-commit"):
                out.append(Scenario(b.forward, b.compensation, i, False, point))
        out.append(Scenario(b.forward, b.compensation, None, True))
        out.append(Scenario(b.forward, b.compensation, None, False, None, True))
    return out
