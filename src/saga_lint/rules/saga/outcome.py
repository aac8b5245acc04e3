"""``saga/outcome``: the durable outcome is declared and produced by the pivot's participant."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from saga_lint.rules import Problem, rule
from saga_lint.rules.saga.common import at_evidence, ids, lookup, sent_ids

if TYPE_CHECKING:
    from saga_lint.catalog.model import Resource
    from saga_lint.rules import Context
    from saga_lint.saga.model import Evidence, Saga


@rule("saga/outcome", "error")
def outcome(ctx: Context) -> Iterator[Problem]:
    """The saga's durable outcome is undeclared, or not produced by the pivot's participant.

    What it checks: ``x-saga.outcome`` names the container where success is recorded and the
    event published with it (transactional outbox); the event is sent by the pivot's
    participant and the container is written by it.
    Why: "the saga succeeded" must be a fact in a database and an event others can rely on,
    written together; otherwise an order can exist that nobody hears of, or the reverse.
    Example that fails:
        outcome: {container: order-database, event: order-created}   # order-service does not write order-database
    Fix: add ``writesTo: [{id: order-database}]`` and ``sends: [{id: order-created}]`` to the pivot's service.
    """
    for saga in ctx.sagas:
        ev = saga.outcome_evidence
        if ev is None:
            continue
        if ev.level == "missing":
            yield Problem("no durable outcome: declare x-saga.outcome {container, event}: where success is recorded and the "
                          "event published with it.", saga.flow, ("id",))
            continue
        if ev.level == "prose":
            yield at_evidence(saga, f"the durable outcome is documented only in prose ({ev.note}), not checkable: declare "
                              "x-saga.outcome {container, event}.", ev, demote=True)
        pivots = saga.pivots or saga.steps[-1:]
        participant = pivots[0].participant if pivots else None
        yield from _event(ctx, saga, ev, participant)
        yield from _container(ctx, saga, ev, participant)


def _place(saga: Saga, ev: Evidence, message: str) -> Problem:
    """At ``x-saga.outcome`` when declared there, else where the prose evidence was found."""
    if ev.level == "structured":
        return Problem(message, saga.flow, ("x-saga", "outcome"))
    return at_evidence(saga, message, ev)


def _event(ctx: Context, saga: Saga, ev: Evidence, participant: Resource | None) -> Iterator[Problem]:
    """The outcome event is an event contract the pivot's participant sends."""
    event_id = saga.outcome.get("event")
    if event_id:
        e = lookup(ctx, ("event",), event_id)
        if e is None:
            yield _place(saga, ev, f'outcome event "{event_id}" is not an event contract in the catalog.')
        elif participant is not None and e.id not in sent_ids(ctx, participant):
            yield _place(saga, ev, f'outcome event "{event_id}" is not sent by {participant.id}, the pivot\'s participant. '
                         f"Add it to {participant.id}'s sends.")
    elif ev.level == "structured":
        yield _place(saga, ev, "x-saga.outcome has no event: name the event published with the outcome (outbox).")


def _container(ctx: Context, saga: Saga, ev: Evidence, participant: Resource | None) -> Iterator[Problem]:
    """The outcome container is a container the pivot's participant writes to."""
    container_id = saga.outcome.get("container")
    if container_id:
        c = lookup(ctx, ("container",), container_id)
        if c is None:
            yield _place(saga, ev, f'outcome container "{container_id}" is not a container in the catalog.')
        elif participant is not None and c.id not in ids(ctx.graph.writes_to(participant)):
            yield _place(saga, ev, f'outcome container "{container_id}" is not written by {participant.id}, the pivot\'s '
                         f"participant. Add it to {participant.id}'s writesTo.")
    elif ev.level == "structured":
        yield _place(saga, ev, "x-saga.outcome has no container: name where the outcome is recorded.")
