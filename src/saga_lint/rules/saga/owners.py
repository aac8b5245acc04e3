"""``saga/step-owner``: every step has one owner, through one receiving service or ``x-saga``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from saga_lint.rules import Problem, rule
from saga_lint.rules.saga.common import at, flowmap, lookup, prose, receivers, unreceived
from saga_lint.rules.saga.entry import entry_message
from saga_lint.saga.coordination import acts
from saga_lint.saga.values import ids_of

if TYPE_CHECKING:
    from saga_lint.rules import Context
    from saga_lint.saga.flowmap import FlowMap
    from saga_lint.saga.model import Saga, SagaStep


@rule("saga/step-owner", "error")
def step_owner(ctx: Context) -> Iterator[Problem]:
    """A saga step has no clear owner.

    What it checks: each step has an owning team or user: ``x-saga.steps.<id>.owner``, else the
    owners of the one service that receives the step's command; the owner exists; exactly one
    service receives the command (a command has one handler); a service the map draws as the
    command's handler (right after the command) is that receiver; a service drawn consuming an
    event a drawn participant publishes, and acting on it (it sends a message or writes a container
    drawn after it), receives the event (else the step the map draws has no participant). A
    journey that repeats a saga (see ``saga/copy-drift``) is not reviewed again, but the commands it
    adds, which the saga does not draw, are checked for their one handler here.
    Why: a step nobody owns is a step nobody fixes at 3 a.m.; two handlers for one command
    means the saga's effect happens twice or on the wrong side.
    Example that fails: ``reserve-inventory`` received by both inventory-service and warehouse-service.
    Fix: keep one receiver, or set ``owner`` in x-saga and remove the extra ``receives``.
    """
    for saga in ctx.sagas:
        fmap = flowmap(ctx, saga)
        for step in saga.steps:
            yield from _receivers(saga, step, fmap)
            yield from _drawn_handler(saga, step, fmap)
            yield from _owner_evidence(saga, step)
            ev = step.evidence["owner"]
            if ev.level == "structured" and step.x.get("owner") is not None:
                for oid in step.owners:
                    if lookup(ctx, ("team", "user"), oid) is None:
                        yield at(saga, step, f'step {step.id}: owner "{oid}" is no team or user of the catalog. '
                                 f"Add teams/{oid}.mdx or correct the id.", path=step.x_at("owner"))
        yield from _drawn_consumers(ctx, saga, fmap)
        for copy in saga.copied_by:
            yield from _added_steps(ctx, saga, copy)


def _added_steps(ctx: Context, original: Saga, copy: Saga) -> Iterator[Problem]:
    """The handlers of the commands a copy of the saga adds (a journey's own command before the
    saga's steps): the copy is not reviewed again, but these steps are reviewed nowhere else."""
    theirs = {k for s in original.steps if (k := s.trigger or s.command_id)}
    fmap = flowmap(ctx, copy)
    for step in copy.steps:
        if step.command is not None and (step.trigger or step.command_id) not in theirs:
            yield from _receivers(copy, step, fmap, f" ({copy.id} repeats the saga {original.id} and adds this step.)")


def _receivers(saga: Saga, step: SagaStep, fmap: FlowMap, note: str = "") -> Iterator[Problem]:
    """A command has exactly one handler: the step's participant (when none receives it, the
    service the map draws as its handler is named with the entry to add)."""
    if len(step.receivers) > 1:
        names = ", ".join(sorted(ids_of(step.receivers)))
        yield at(saga, step, f"step {step.id}: {len(step.receivers)} services receive {step.command_id} ({names}); "
                 f"a command has exactly one handler. Remove the extra receives.{note}")
    elif unreceived(step):
        yield at(saga, step, f"step {step.id}: no service receives {step.command_id}, so the step has no participant "
                 "and no owner, and its success, failure and compensation have no participant's contracts to rest on. "
                 f"{_add_receives(step, fmap)}{note}")


def _add_receives(step: SagaStep, fmap: FlowMap) -> str:
    """How to give an unreceived command its handler: the service drawn right after it, if one is."""
    drawn = sorted({n.target.id for n in fmap.handler_nodes(step.id)
                    if n.kind in ("service", "agent") and n.target is not None and n.target.id is not None})
    if len(drawn) == 1:
        return f"The map draws {drawn[0]} as its handler: add {step.command_id} to {drawn[0]}'s receives."
    return "Add it to the participant's receives."


def _drawn_handler(saga: Saga, step: SagaStep, fmap: FlowMap) -> Iterator[Problem]:
    """A service drawn right after the step's command (its handler in the picture) receives it."""
    if step.command is None or step.trigger_kind == "event" or not step.receivers:
        return
    keys = {r.key for r in step.receivers}
    for node in fmap.handler_nodes(step.id):
        svc = node.target
        if node.kind in ("service", "agent") and svc is not None and svc.key not in keys:
            real = ", ".join(sorted(ids_of(step.receivers)))
            verb = "does" if len(step.receivers) == 1 else "do"
            yield Problem(f"step {step.id}: the map draws {svc.id} as the handler of {step.command_id}, but {svc.id} does "
                          f"not receive it ({real} {verb}). Draw the command to {real}, or correct the receives.",
                          saga.flow, node.path, step=step.id)


def _drawn_consumers(ctx: Context, saga: Saga, fmap: FlowMap) -> Iterator[Problem]:
    """A service drawn right after an event that a drawn participant publishes (not the entry
    message: ``saga/entry``'s), acting on it, receives the event. The orchestrator (a consumer that
    sends the step commands) is ``saga/orchestrator``'s."""
    # the services that send a step command (an orchestrator): asked once per saga, not per consumer drawn
    coordinators = {r.key for s in saga.steps if s.command is not None for r in ctx.graph.senders_of(s.command)}
    entry = entry_message(saga, fmap)
    entry_node = entry[1].id if entry is not None and entry[1] is not None else None
    for node in fmap.ordered():
        if node.id == entry_node or fmap.message_type(node.id) != "event" or node.message_id is None \
                or not any(b.kind in ("service", "agent") for b in fmap.before(node.id)):
            continue
        got = {r.id for r in receivers(ctx, node.message_id)}
        for link in fmap.out_links(node.id):
            consumer = fmap.nodes.get(link.target)
            svc = consumer.target if consumer is not None and consumer.kind in ("service", "agent") else None
            if consumer is None or svc is None or svc.id in got or not acts(ctx.graph, fmap, consumer, svc) \
                    or svc.key in coordinators:
                continue
            yield Problem(f"the map draws {svc.id} consuming {node.message_id} and acting on it, but {svc.id} does not "
                          f"receive {node.message_id}, so the step it draws has no participant and is not reviewed. Add "
                          f"{node.message_id} to {svc.id}'s receives.", saga.flow, link.path, step=node.id)


def _owner_evidence(saga: Saga, step: SagaStep) -> Iterator[Problem]:
    """An owner that is missing, or documented only in prose."""
    ev = step.evidence["owner"]
    if ev.level == "missing" and len(step.receivers) == 1:
        yield at(saga, step, f"step {step.id}: no owner ({ev.note}). Add owners to {step.receivers[0].id} "
                 "or set owner in x-saga.", evidence=ev)
    elif ev.level == "missing" and step.command is None and step.orchestrated:
        yield at(saga, step, f"step {step.id}: no owner: the step's command is not a contract in the catalog. "
                 "Add the command page, or set owner in x-saga.")
    elif ev.level == "prose" and not unreceived(step):
        yield at(saga, step, prose(step, "owner", "owner"), demote=True, evidence=ev)
