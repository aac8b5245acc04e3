"""``saga/entry``: the message that starts the saga has a sender, and the participant it is routed to receives it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from saga_lint.catalog.model import MESSAGE_TYPES
from saga_lint.rules import Problem, rule
from saga_lint.rules.saga.common import flowmap, lookup, receivers, senders
from saga_lint.saga.values import pointer_id
from saga_lint.saga.xsaga import field_path, raw_steps

if TYPE_CHECKING:
    from saga_lint.catalog.model import Resource
    from saga_lint.rules import Context
    from saga_lint.saga.flowmap import FlowMap, Node
    from saga_lint.saga.model import KeyPath, Saga

STARTERS = ("actor", "externalSystem")


@rule("saga/entry", "error")
def entry(ctx: Context) -> Iterator[Problem]:
    """Nothing sends the message that starts the saga, or its first participant does not receive it.

    What it checks: the entry message (``x-saga``'s first step ``trigger``, else the first message
    step of the flow map) has a sender: a service, agent or domain ``sends`` it, or the map starts
    it from an ``actor`` or ``externalSystem`` node, or from a plain node where the map begins (a
    box titled "Customer places order": who starts it, drawn without ``actor``). Each service the
    map routes it to (the ``service`` node drawn right after it; else the first x-saga step's
    ``participant``) ``receives`` it. When the entry is an orchestrated step's command, its sender is
    ``saga/orchestrator``'s question, and a command nobody receives ``saga/step-owner``'s.
    Why: a saga that nobody can start, or whose first participant never subscribes to the message
    that starts it, does not run at all; the drawing claims a contract the catalog does not have.
    Example that fails: the map draws cart-checked-out -> checkout-orchestrator, but
    checkout-orchestrator has no ``receives`` of cart-checked-out.
    Fix: add the message to the sender's ``sends`` and to the participant's ``receives`` (or draw
    the actor that starts the saga).
    """
    for saga in ctx.sagas:
        fm = flowmap(ctx, saga)
        found = entry_message(saga, fm)
        if found is None:
            continue
        mid, node, path, participant = found
        if lookup(ctx, MESSAGE_TYPES, mid) is None:
            continue  # an unknown message is refs/*'s finding
        step = node.id if node else None
        # an orchestrated step command's sender is saga/orchestrator's question; a step command nobody
        # receives is saga/step-owner's: one finding per cause
        step_command = node is not None and saga.step(node.id) is not None and node.kind == "message"
        drawn_starter = node is not None and any(_starter(fm, n) for n in fm.before(node.id))
        orchestrated_command = step_command and saga.coordination == "orchestration"
        if not orchestrated_command and not senders(ctx, mid) and not drawn_starter:
            yield Problem(f"nothing sends {mid}, the message that starts the saga: no service or domain sends it and the "
                          "map starts it from no actor or external system. Add it to the sends of the service that "
                          "publishes it, or draw the actor that starts the saga.", saga.flow, path, step=step)
        if not (step_command and not receivers(ctx, mid)):
            yield from _routed(ctx, saga, fm, mid, node, participant)


def _starter(fm: FlowMap, node: Node) -> bool:
    """A node that starts the entry message: an ``actor`` or ``externalSystem`` node, or a plain
    node (no resource, no custom node) where the map begins, which names who starts it in its title
    (EventCatalog's PaymentFlow begins with "Customer places order", drawn so)."""
    return node.kind in STARTERS or (node.kind == "other" and not fm.in_links(node.id))


# the entry message id, its map node, where to report, the x-saga participant of the first step and its key path
Entry = tuple[str, "Node | None", "KeyPath", "tuple[str, KeyPath] | None"]


def entry_message(saga: Saga, fm: FlowMap) -> Entry | None:
    """The entry message: the first x-saga step's trigger, else the first message node of the map."""
    blocks = raw_steps(saga)
    ordered = sorted(blocks, key=lambda k: fm.nodes[k].index if k in fm.nodes else len(fm.nodes))
    first = blocks[ordered[0]] if ordered else {}
    pid = pointer_id(first.get("participant"))
    participant = (pid, field_path(saga, ordered[0], "participant")) if pid else None
    trigger = pointer_id(first.get("trigger"))
    if trigger:
        nodes = fm.message_nodes(trigger)
        path: KeyPath = nodes[0].path if nodes else field_path(saga, ordered[0], "trigger")
        return trigger, nodes[0] if nodes else None, path, participant
    node = _first_message(fm)
    if node is None or node.message_id is None:
        return None
    return node.message_id, node, node.path, participant


def _first_message(fm: FlowMap) -> Node | None:
    """The message node nearest the start of the drawing (breadth first from where it begins)."""
    seen: set[str] = set()
    level = [n.id for n in fm.starts()] or list(fm.nodes)[:1]
    while level:
        msgs = [fm.nodes[i] for i in level if i in fm.nodes and fm.nodes[i].kind == "message"]
        if msgs:
            return min(msgs, key=lambda n: n.index)
        seen.update(level)
        level = sorted({e.target for i in level for e in fm.out_links(i) if e.target not in seen})
    return None


def _routed(
    ctx: Context, saga: Saga, fm: FlowMap, mid: str, node: Node | None, participant: tuple[str, KeyPath] | None
) -> Iterator[Problem]:
    """Each service the map routes the entry message to (else the x-saga participant) receives it."""
    got = {r.id for r in receivers(ctx, mid)}
    step = node.id if node else None
    drawn = [(e, fm.nodes[e.target]) for e in fm.out_links(node.id) if e.target in fm.nodes] if node else []
    services = [(e, n) for e, n in drawn if n.kind in ("service", "agent") and n.target is not None]
    for edge, n in services:
        svc: Resource | None = n.target
        if svc is not None and svc.id not in got:
            yield Problem(f"the map routes {mid}, the message that starts the saga, to {svc.id}, which does not receive it. "
                          f"Add {mid} to {svc.id}'s receives.", saga.flow, edge.path, step=step)
    if not services and participant and participant[0] not in got:
        pid, ppath = participant
        yield Problem(f"the first step's participant {pid} does not receive {mid}, the message that starts the saga. "
                      f"Add {mid} to {pid}'s receives.", saga.flow, ppath, step=step)
