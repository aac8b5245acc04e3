"""``saga/compensation``: every compensatable step has an undo that is a real, sendable contract."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from saga_lint.rules import Problem, rule
from saga_lint.rules.saga.common import (
    at,
    ids,
    lookup,
    not_a_contract,
    pivot_place,
    received_ids,
    sent_ids,
    unreceived,
)
from saga_lint.saga.values import pointer_id
from saga_lint.saga.xsaga import compensation_block, compensation_on, on_key

if TYPE_CHECKING:
    from saga_lint.catalog.model import Resource
    from saga_lint.rules import Context
    from saga_lint.saga.model import Evidence, KeyPath, Saga, SagaStep


@rule("saga/compensation", "error")
def compensation(ctx: Context) -> Iterator[Problem]:
    """A compensatable step cannot be undone, or its undo is not a real, sendable contract.

    What it checks: every compensatable step (every step before the pivot) has a compensation:
    a command contract in the catalog, sent by the orchestrator, received by the participant,
    with its own retry policy; ``compensation: none`` only with a ``compensationNote`` and only
    on a pivot or retriable step. The last step of a plain flow's success path, taken as the
    pivot, is not asked for an undo command because a Compensation node is drawn after it (the
    node undoes the steps before it); ``saga/pivot`` asks for the pivot to be declared.
    Why: when a later step fails, the orchestrator undoes the completed steps in reverse order.
    An undo that is not a contract, or that nobody sends, leaves a reservation or a payment hold
    behind; an undo without retries gives up on the first timeout.
    In a choreography the undo may instead be ``compensation.event``, the event the participant
    publishes when it has undone its work: an event contract in the catalog that the participant
    ``sends``, with its own retry policy. A choreographed step's undo command is its participant's
    local action, started by the event ``compensation.on`` names (``saga/compensation-consumers``
    checks that the participant receives it), so nobody need send the command; without
    ``compensation.on`` and without a sender, the finding asks for that event.
    ``compensation.on`` must not be an event of the success path (a step's success or trigger):
    the participant would undo its work on every run that succeeds.
    Example that fails:
        compensation: {command: release-inventory}     # no retry; the orchestrator does not send it
    Fix: add ``release-inventory`` to the orchestrator's ``sends`` and give it ``retry``.
    """
    for saga in ctx.sagas:
        for step in saga.steps:
            ev = step.evidence["compensation"]
            if ev.level == "missing":
                yield from _missing(saga, step, ev)
                continue
            if ev.level == "prose":
                if step.compensation is None:
                    if not unreceived(step) and not (step.type == "pivot" and step.type_inferred):
                        yield _prose_only(saga, step, ev, _unreceived_undo(ctx, saga, step))
                    continue
                if not unreceived(step):
                    yield at(saga, step, f"step {step.id}: the compensation {step.compensation} is read from prose "
                             f"({ev.note}): its contract is checked, but nothing declares that it is the undo, nor its own "
                             "retry policy (a compensation must eventually succeed). Declare compensation: "
                             f"{{command: {step.compensation}, retry: ...}} in x-saga.", demote=True, evidence=ev)
            path = step.x_at("compensation") if ev.level == "structured" else None
            if step.compensation == "none":
                yield from _none(saga, step, path, None if path else ev)
            elif step.compensation is not None:
                yield from _command(ctx, saga, step, path, None if path else ev)
            elif path is not None:
                yield from _undo_event(ctx, saga, step, path)
            if path is not None and step.compensation_on:
                yield from _on_success_path(saga, step)


def _missing(saga: Saga, step: SagaStep, ev: Evidence) -> Iterator[Problem]:
    """No compensation: an error on a compensatable step; on a pivot or retriable one, say so."""
    if step.type == "compensatable":
        yield at(saga, step, f"step {step.id}: compensatable step without compensation: when a later step fails, "
                 f"nothing undoes {step.command_id}. Declare compensation: {{command: <undo command>, retry: ...}}.", evidence=ev)
    elif step.type in ("pivot", "retriable") and not step.type_inferred:
        yield at(saga, step, f"step {step.id}: a {step.type} step has nothing to undo, but x-saga does not say so. "
                 "Declare compensation: none with a compensationNote.", demote=True, path=step.x_path or None)
    elif step.type == "pivot" and step.type_inferred:
        yield at(saga, step, f"step {step.id}: taken as the pivot ({pivot_place(saga, step)}), so it has nothing to undo, "
                 "but the catalog does not say so. Declare type: pivot and compensation: none with a compensationNote in x-saga.",
                 demote=True, evidence=ev)


def _prose_only(saga: Saga, step: SagaStep, ev: Evidence, undo: str | None) -> Problem:
    """A compensation described in prose that names no command contract; ``undo``: the one
    command the orchestrator sends for nothing else, which the participant does not receive (the
    contract is there, its ``receives`` entry is what is missing)."""
    p = step.participant
    who = f"received by {p.id}" if p else "received by the participant"
    if undo is not None and p is not None:
        fix = (f"{saga.orchestrator_id} sends the command {undo}, which no step uses, but {p.id} does not receive it: if "
               f"it is the undo, add it to {p.id}'s receives and declare compensation: {{command: {undo}, retry: ...}} in "
               "x-saga.")
    elif not step.orchestrated or saga.coordination == "choreography":
        fix = (f"Declare in x-saga the event {p.id if p else 'the participant'} undoes its work on (compensation.on) and the "
               "undo command or the event it publishes.")
    else:
        fix = f"Add the undo command's page, {who} and sent by {saga.orchestrator_id or 'the orchestrator'}."
    said = ev.note.removesuffix(", but no command contract matches it")  # said once, below
    return at(saga, step, f"step {step.id}: the compensation is only described in prose ({said}): no command contract "
              "undoes the step. " + fix, evidence=ev)


def _unreceived_undo(ctx: Context, saga: Saga, step: SagaStep) -> str | None:
    """The one command the orchestrator sends that is no step's command and no step's compensation
    and that the step's participant does not receive, if there is exactly one (else None: a
    guess among several is no advice)."""
    orchestrator, p = saga.orchestrator, step.participant
    if orchestrator is None or p is None or not step.orchestrated or saga.coordination == "choreography":
        return None
    used = {s.command_id for s in saga.steps} | {s.compensation for s in saga.steps}
    received = received_ids(ctx, p)
    spare = [mid for mid in sorted(sent_ids(ctx, orchestrator) - received)
             if mid not in used and (cmd := lookup(ctx, ("command",), mid)) is not None and cmd.type == "command"]
    return spare[0] if len(spare) == 1 else None


def _none(saga: Saga, step: SagaStep, path: KeyPath | None, ev: Evidence | None) -> Iterator[Problem]:
    """``compensation: none``: only with a note, and not on a step declared compensatable."""
    if not step.compensation_note:
        yield at(saga, step, f"step {step.id}: compensation: none needs a compensationNote saying why nothing has to be undone.",
                 path=path, evidence=ev)
    if not step.type_inferred and step.type == "compensatable":
        yield at(saga, step, f"step {step.id}: compensation: none on a compensatable step; declare the undo command, "
                 "or make the step the pivot or retriable.", path=path, evidence=ev)


def _command(ctx: Context, saga: Saga, step: SagaStep, path: KeyPath | None, ev: Evidence | None) -> Iterator[Problem]:
    """The undo command is a command contract, sent by the orchestrator, received by the participant, retried."""
    comp = step.compensation
    cmd = lookup(ctx, ("command",), comp)
    if cmd is None:
        kind = not_a_contract(ctx, "command", comp)
        yield at(saga, step, f'step {step.id}: compensation "{comp}" is {kind}. Add commands/{comp}/index.mdx with its schema.',
                 path=path, evidence=ev)
        return
    yield from _senders(ctx, saga, step, cmd, path, ev)
    p = step.participant
    if p is not None and cmd.id not in received_ids(ctx, p):
        yield at(saga, step, f'step {step.id}: compensation "{comp}" is not received by the participant {p.id}. '
                 f"Add it to {p.id}'s receives.", path=path, evidence=ev)
    if step.evidence["compensation"].level == "structured" and step.compensation_retry is None:
        yield at(saga, step, f'step {step.id}: compensation "{comp}" has no retry policy; a compensation must eventually '
                 "succeed. Add compensation.retry.", path=path, evidence=ev)


def _senders(
    ctx: Context, saga: Saga, step: SagaStep, cmd: Resource, path: KeyPath | None, ev: Evidence | None
) -> Iterator[Problem]:
    """The orchestrator sends the undo command (or, without an orchestrator, somebody does)."""
    comp = step.compensation
    orch = saga.orchestrator
    if orch is not None and step.orchestrated and cmd.id not in sent_ids(ctx, orch):
        senders = ctx.graph.senders_of(cmd)
        nobody = " Nobody sends it." if not senders else f" It is sent by {', '.join(sorted(ids(senders)))}."
        yield at(saga, step, f'step {step.id}: compensation "{comp}" is not sent by the orchestrator {orch.id}.{nobody} '
                 f"Add it to {orch.id}'s sends.", path=path, evidence=ev)
    elif step.orchestrated and orch is None and not ctx.graph.senders_of(cmd):
        yield at(saga, step, f'step {step.id}: compensation "{comp}" is sent by nobody. Add it to the orchestrator\'s sends.',
                 path=path, evidence=ev)
    elif not step.orchestrated and not compensation_on(compensation_block(step.x)) and not ctx.graph.senders_of(cmd):
        # a choreographed step's undo is its participant's local action, started by the event
        # ``compensation.on`` names (``saga/compensation-consumers`` checks that it is received)
        who = step.participant.id if step.participant is not None else "the participant"
        yield at(saga, step, f'step {step.id}: compensation "{comp}" is sent by nobody, and x-saga does not say which event '
                 f"starts it. Declare compensation.on, the failure event that makes {who} undo (a choreography has no "
                 f"orchestrator), or add {cmd.id} to the sends of the service that asks for the undo.", path=path, evidence=ev)


def _undo_event(ctx: Context, saga: Saga, step: SagaStep, path: KeyPath) -> Iterator[Problem]:
    """``compensation.event`` (a choreography's undo): an event contract the participant sends, retried."""
    name = pointer_id(compensation_block(step.x).get("event"))
    if not name:
        return
    event = lookup(ctx, ("event",), name)
    if event is None:
        other = lookup(ctx, ("command", "query"), name)
        kind = f"a {other.type}, not an event" if other else "not an event contract in the catalog"
        yield at(saga, step, f'step {step.id}: compensation event "{name}" is {kind}. Add events/{name}/index.mdx with its '
                 "schema.", path=path)
        return
    p = step.participant
    if p is not None and event.id not in sent_ids(ctx, p):
        yield at(saga, step, f'step {step.id}: compensation event "{name}" is not sent by the participant {p.id}, which '
                 f"undoes the step. Add it to {p.id}'s sends.", path=path)
    if step.compensation_retry is None:
        yield at(saga, step, f'step {step.id}: compensation event "{name}" has no retry policy; a compensation must '
                 "eventually succeed. Add compensation.retry.", path=path)


def _on_success_path(saga: Saga, step: SagaStep) -> Iterator[Problem]:
    """``compensation.on`` is no event of the success path: not a step's success, nor its trigger."""
    on = step.compensation_on
    hit = next(((s, "success") for s in saga.steps if s.success == on), None) \
        or next(((s, "trigger") for s in saga.steps if s.trigger == on and s.trigger_kind == "event"), None)
    if hit is None:
        return
    other, what = hit
    failures = [f.event for s in saga.steps if s.index > step.index for f in s.business_failures if f.event]
    instead = f" ({', '.join(dict.fromkeys(failures))})" if failures else ""
    who = step.participant.id if step.participant is not None else "the participant"
    yield at(saga, step, f"step {step.id}: compensation.on is {on}, the {what} event of {other.id}: {who} would undo its "
             f"work on every run that succeeds. Undo on a later step's failure event{instead}.",
             path=step.x_at("compensation", on_key(compensation_block(step.x))))
