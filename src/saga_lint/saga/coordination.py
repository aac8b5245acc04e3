"""A saga's steps and how they are coordinated: orchestration, choreography or mixed.

Steps (``saga_steps``): every command step of the map (an orchestrated step: its participant is
the one service that receives the command), except an undo command drawn as a compensation
(``drawn_compensations``); every event step that starts a participant's local
transaction (a choreographed step: its participant is the consumer of the event, drawn right
after it, which receives the event and acts: publishes or sends a message drawn after it, or
writes a container; a consumer that sends the saga's commands is the orchestrator taking over,
not a step); and any step ``x-saga.steps`` names. An event drawn to several consumers that act is
a parallel fan-out: one step per consumer, named after the consumer's node. Labelled branches
drawn on one handler are alternatives (outcomes of the same step). The branches drawn after a step, and after its
handler node, belong to the step (``FlowMap.step_edges``), split into failure and success edges.

Style (``decide``): ``x-saga.coordination`` when declared; else orchestration when one service
sends every step command and no step starts on an event; choreography when steps start on
events and no service sends the commands, or when nobody sends the step commands and a
participant publishes an event the flow continues on; mixed when both.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING

from saga_lint.saga.infer import COMPENSATING_VERBS, command_verb
from saga_lint.saga.model import COORDINATIONS, Evidence, Level, Saga, SagaStep, YamlMap
from saga_lint.saga.values import pointer_id
from saga_lint.saga.xsaga import compensation_block, field_keys, step_keys, with_fields

if TYPE_CHECKING:
    from saga_lint.catalog.model import Resource
    from saga_lint.graph import CatalogGraph
    from saga_lint.saga.flowmap import FlowMap, Node


def _x_steps(saga: Saga) -> YamlMap:
    """``x-saga.steps`` by step id; a misspelt key's block under the step it means (``xsaga.step_keys``)."""
    block = saga.x.get("steps")
    if not isinstance(block, dict):
        return {}
    return {str(k): v for k, v in block.items()} | {sid: block[key] for sid, key in step_keys(saga).items()}


ResourceKey = tuple[str, "str | None", "str | None"]


def _keys(resources: list[Resource]) -> set[ResourceKey]:
    return {r.key for r in resources}


def event_consumers(graph: CatalogGraph, fmap: FlowMap, node: Node, commands: list[Resource]) -> list[tuple[Node, Resource]]:
    """(service node, service) of each participant whose local transaction this event node starts
    (see the module): one, or several for a parallel fan-out (one event, several consumers drawn).
    A consumer of any version of the event counts (one pinned to the latest while the map draws an
    older version consumes the same events). With no consumer drawn (a map of messages only, as
    EventCatalog's PaymentFlow), the one service that receives the event and sends a message drawn
    right after it (``implied_consumer``), with the event's own node standing for it."""
    if node.target is None:
        return []
    handlers = fmap.handler_nodes(node.id)
    if not handlers:
        implied = implied_consumer(graph, fmap, node, commands)
        return [(node, implied)] if implied is not None else []
    # asked from the message side (its in-edges): a hub service may send or receive thousands of messages
    receivers = _keys(graph.receivers_of_any(node.target))
    out = []
    for handler in handlers:
        svc = handler.target
        if svc is None or svc.key not in receivers or _coordinates(graph, svc, commands):
            continue
        if acts(graph, fmap, handler, svc):
            out.append((handler, svc))
    return out


def _coordinates(graph: CatalogGraph, svc: Resource, commands: list[Resource]) -> bool:
    """The service sends a command of the map: the orchestrator taking over (the saga's entry), not a step."""
    return any(svc.key in _keys(graph.senders_of_any(cmd)) for cmd in commands)


def implied_consumer(graph: CatalogGraph, fmap: FlowMap, node: Node, commands: list[Resource]) -> Resource | None:
    """For an event node drawn with no consumer after it, straight to the next messages: the one
    service (or agent) that receives the event (any version) and sends a message drawn right
    after it, or writes a container drawn after it: its local transaction is the step between
    the two, drawn without its service. None when there is none, or several (who acts is not
    told by the catalog)."""
    if node.target is None or fmap.handler_nodes(node.id):
        return None
    found = [svc for svc in graph.receivers_of_any(node.target)
             if svc.type in ("service", "agent") and not _coordinates(graph, svc, commands)
             and acts(graph, fmap, node, svc)]
    return found[0] if len(found) == 1 else None


def acts(graph: CatalogGraph, fmap: FlowMap, handler: Node, svc: Resource) -> bool:
    """The consumer sends a message drawn after it (or after the external system it calls, or the
    decisions it takes: ``FlowMap.step_edges``), or writes a container drawn after it."""
    for _, tid in fmap.step_edges(handler.id, handler):
        nxt = fmap.nodes.get(tid)
        if nxt is None or nxt.target is None:
            continue
        if nxt.kind == "message" and svc.key in _keys(graph.senders_of_any(nxt.target)):
            return True
        if nxt.kind == "container" and svc.key in graph.sources(nxt.target.key, "writes-to"):
            return True
    return False


def _new_step(node: Node, x_steps: YamlMap, at: Node | None = None, keys: dict[str, Hashable] | None = None) -> SagaStep:
    """A step for a message node; ``at`` (one consumer of a fan-out) names and places it; ``keys``:
    the misspelt ``x-saga.steps`` key of a step whose block is written under one."""
    where = at or node
    x_step = x_steps.get(where.id)
    return SagaStep(
        id=where.id,
        index=where.index,
        title=str(where.data.get("title") or where.id),
        command_id=pointer_id(node.data.get("message")) if "message" in node.data else None,
        x=with_fields(x_step) if isinstance(x_step, dict) else {},
        x_path=("x-saga", "steps", (keys or {}).get(where.id, where.id)) if where.id in x_steps else (),
        x_keys=field_keys(x_step) if isinstance(x_step, dict) else {},
    )


def drawn_compensations(saga: Saga, fmap: FlowMap) -> set[str]:
    """Command nodes that draw an undo, not a step (unless ``x-saga.steps`` names them): the command
    x-saga declares as a step's ``compensation.command``, wherever it is drawn; or a command whose
    verb undoes (release, void, cancel, refund, ...) drawn only on failure paths: every edge into it
    is a failure branch or comes from a Compensation node, a failure node or another such command."""
    x_steps = _x_steps(saga)
    declared = {pointer_id(compensation_block(with_fields(b)).get("command")) for b in x_steps.values() if isinstance(b, dict)}
    found: set[str] = set()
    undoing: list[str] = []  # commands whose verb undoes, in flow order: found once every edge into them is
    for node in fmap.ordered():
        if node.id in x_steps or fmap.message_type(node.id) != "command" or node.target is None:
            continue
        if node.message_id in declared:
            found.add(node.id)
        elif command_verb(node.target) in COMPENSATING_VERBS:
            undoing.append(node.id)
    # a chain of undo commands drawn in any order (step i's failure enters it at undo i-1, which draws
    # to undo i-2, ...): each is looked at again when one drawn into it is found, not per pass
    todo = list(reversed(undoing))
    waiting = set(undoing)
    while todo:
        nid = todo.pop()
        into = fmap.in_links(nid)
        if nid in waiting and into and all(
                fmap.is_failure_edge((link.label, link.target)) or fmap.is_failure_node(link.source) or link.source in found
                for link in into):
            waiting.discard(nid)
            found.add(nid)
            todo += [link.target for link in fmap.out_links(nid) if link.target in waiting]
    return found


def saga_steps(graph: CatalogGraph, saga: Saga, fmap: FlowMap) -> list[SagaStep]:
    """The saga's steps in flow order, each with its trigger, participant and branches."""
    x_steps, keys = _x_steps(saga), step_keys(saga)
    commands = [n.target for n in fmap.ordered() if fmap.message_type(n.id) == "command" and n.target is not None]
    steps: dict[str, SagaStep] = {}
    claimed: set[str] = set()  # consumer nodes that name an event's step: no step of their own
    for node in fmap.ordered():
        mtype = fmap.message_type(node.id)
        consumers = event_consumers(graph, fmap, node, commands) if mtype == "event" else []
        if len(consumers) > 1:  # a parallel fan-out: one step per consumer, named after its node
            for h, svc in consumers:
                claimed.add(h.id)
                steps[h.id] = _step(fmap, _new_step(node, x_steps, at=h, keys=keys), node, consumer=(h, svc), fanout=True)
            continue
        if node.id in claimed or node.id in saga.compensation_nodes \
                or (mtype != "command" and not consumers and node.id not in x_steps):
            continue
        # x-saga keys a choreographed step by its participant's node: that node names the event's step
        at = consumers[0][0] if consumers and consumers[0][0].id in x_steps else None
        if at is not None:
            claimed.add(at.id)
        step = _new_step(node, x_steps, at=at, keys=keys)
        if mtype == "command":
            step.command = node.target
            step.receivers = graph.handlers_of(node.target) if node.target is not None else []
            if not step.receivers:
                step.external = _external_handler(fmap, node)
        steps[step.id] = _step(fmap, step, node, consumers[0] if consumers else None)
    return sorted(steps.values(), key=lambda s: s.index)


def _external_handler(fmap: FlowMap, node: Node) -> str | None:
    """The name of the external system drawn right after a command node (its handler outside the
    catalog: a payment provider, a carrier's API), or None."""
    for handler in fmap.handler_nodes(node.id):
        if handler.kind == "externalSystem":
            ext = handler.data.get("externalSystem")
            name = ext.get("name") if isinstance(ext, dict) else None
            return str(name or handler.data.get("title") or handler.id)
    return None


def _step(fmap: FlowMap, step: SagaStep, node: Node, consumer: tuple[Node, Resource] | None, fanout: bool = False) -> SagaStep:
    """The step's trigger, participant (an event's consumer) and branches, split into failures and the rest."""
    step.trigger = step.command_id
    if consumer is not None:
        step.trigger_kind, step.handler, step.receivers = "event", consumer[1], [consumer[1]]
    for edge in fmap.step_edges(node.id, consumer[0] if fanout and consumer else None):
        (step.failure_edges if fmap.is_failure_edge(edge) else step.success_edges).append(edge)
    return step


def _continuation(graph: CatalogGraph, saga: Saga, fmap: FlowMap) -> str | None:
    """A participant publishes an event the flow continues on (words), or None."""
    participants = [(s.index, p) for s in saga.steps if (p := s.participant) is not None]
    for node in fmap.ordered():
        if fmap.message_type(node.id) != "event" or node.target is None or not node.edges:
            continue
        senders = _keys(graph.senders_of_any(node.target))
        p = next((p for i, p in participants if i < node.index and p.key in senders), None)
        if p is not None:
            return f"{p.id} publishes {node.target.id} and the flow continues on it ({node.edges[0][1]})"
    return None


def decide(graph: CatalogGraph, saga: Saga, fmap: FlowMap) -> None:
    """Set ``saga.coordination`` and its evidence (see the module)."""
    flow = saga.flow
    declared = saga.x.get("coordination")
    corr = saga.x.get("correlation")
    saga.correlation = str(corr) if isinstance(corr, (str, int)) and not isinstance(corr, bool) else None
    if isinstance(declared, str) and declared in COORDINATIONS:
        saga.coordination = declared
        saga.coordination_evidence = Evidence.at("structured", declared, flow, ("x-saga", "coordination"), "x-saga.coordination")
        return
    events = [s for s in saga.steps if s.trigger_kind == "event"]
    orch_ev = saga.orchestrator_evidence
    orchestrated = orch_ev is not None and orch_ev.level in ("structured", "contract") and any(s.orchestrated for s in saga.steps)
    on_events = "; ".join(f"{s.id}: {s.participant.id if s.participant else '?'} consumes {s.trigger}" for s in events)
    if events and orchestrated:
        style, note = "mixed", f"{saga.orchestrator_id} sends every step command, and steps start on events ({on_events})"
    elif events:
        style, note = "choreography", f"each step starts on an event a participant consumes ({on_events})"
    elif not orchestrated and (cont := _continuation(graph, saga, fmap)) is not None:
        style, note = "choreography", f"no service sends the step commands, and {cont}"
    else:
        style = "orchestration"
        note = orch_ev.note if orch_ev is not None and orch_ev.level != "missing" else "the default: steps are commands"
    saga.coordination = style
    if style == "orchestration" and orchestrated and orch_ev is not None:  # where the orchestrator was found
        saga.coordination_evidence = orch_ev.restated(style, note)
    else:
        level: Level = "missing" if style == "orchestration" else "contract"
        saga.coordination_evidence = Evidence.at(level, style, flow, ("steps",), note)
    if style == "choreography" and not saga.x.get("orchestrator"):
        saga.orchestrator, saga.orchestrator_id = None, None
