"""A saga's steps and how they are coordinated: orchestration, choreography or mixed.

Steps (``saga_steps``): every command step of the map (an orchestrated step: its participant is
the one service that receives the command); every event step that starts a participant's local
transaction (a choreographed step: its participant is the consumer of the event, drawn right
after it, which receives the event and acts: publishes or sends a message drawn after it, or
writes a container; a consumer that sends the saga's commands is the orchestrator taking over,
not a step); and any step ``x-saga.steps`` names. The branches drawn after a step, and after its
handler node, belong to the step (``FlowMap.step_edges``), split into failure and success edges.

Style (``decide``): ``x-saga.coordination`` when declared; else orchestration when one service
sends every step command and no step starts on an event; choreography when steps start on
events and no service sends the commands, or when nobody sends the step commands and a
participant publishes an event the flow continues on; mixed when both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from saga_lint.saga.model import COORDINATIONS, Evidence, Level, Saga, SagaStep, YamlMap
from saga_lint.saga.values import pointer_id

if TYPE_CHECKING:
    from saga_lint.catalog.model import Resource
    from saga_lint.graph import CatalogGraph
    from saga_lint.saga.flowmap import FlowMap, Node


def _x_steps(saga: Saga) -> YamlMap:
    block = saga.x.get("steps")
    return {str(k): v for k, v in block.items()} if isinstance(block, dict) else {}


ResourceKey = tuple[str, "str | None", "str | None"]


def _keys(resources: list[Resource]) -> set[ResourceKey]:
    return {r.key for r in resources}


def event_consumer(graph: CatalogGraph, fmap: FlowMap, node: Node, commands: list[Resource]) -> Resource | None:
    """The participant whose local transaction this event node starts, or None (see the module)."""
    if node.target is None:
        return None
    handler = fmap.handler_node(node.id)
    svc = handler.target if handler is not None else None
    # asked from the message side (its in-edges): a hub service may send or receive thousands of messages
    if handler is None or svc is None or svc.key not in _keys(graph.receivers_of(node.target)):
        return None
    if any(svc.key in _keys(graph.senders_of(cmd)) for cmd in commands):
        return None  # the orchestrator taking over: the saga's entry, not a step
    for _, tid in handler.edges:
        nxt = fmap.nodes.get(tid)
        if nxt is None or nxt.target is None:
            continue
        if nxt.kind == "message" and svc.key in _keys(graph.senders_of(nxt.target)):
            return svc
        if nxt.kind == "container" and svc.key in graph.sources(nxt.target.key, "writes-to"):
            return svc
    return None


def _new_step(saga: Saga, node: Node, x_steps: YamlMap) -> SagaStep:
    x_step = x_steps.get(node.id)
    return SagaStep(
        id=node.id,
        index=node.index,
        title=str(node.data.get("title") or node.id),
        command_id=pointer_id(node.data.get("message")) if "message" in node.data else None,
        x=x_step if isinstance(x_step, dict) else {},
        x_path=("x-saga", "steps", node.id) if node.id in x_steps else (),
    )


def saga_steps(graph: CatalogGraph, saga: Saga, fmap: FlowMap) -> list[SagaStep]:
    """The saga's steps in flow order, each with its trigger, participant and branches."""
    x_steps = _x_steps(saga)
    commands = [n.target for n in fmap.ordered() if fmap.message_type(n.id) == "command" and n.target is not None]
    steps = []
    for node in fmap.ordered():
        mtype = fmap.message_type(node.id)
        consumer = event_consumer(graph, fmap, node, commands) if mtype == "event" else None
        if mtype != "command" and consumer is None and node.id not in x_steps:
            continue
        step = _new_step(saga, node, x_steps)
        step.trigger = step.command_id
        if mtype == "command":
            step.command = node.target
            step.receivers = graph.receivers_of(node.target) if node.target is not None else []
        elif consumer is not None:
            step.trigger_kind, step.handler, step.receivers = "event", consumer, [consumer]
        for edge in fmap.step_edges(node.id):
            (step.failure_edges if fmap.is_failure_edge(edge) else step.success_edges).append(edge)
        steps.append(step)
    return steps


def _continuation(graph: CatalogGraph, saga: Saga, fmap: FlowMap) -> str | None:
    """A participant publishes an event the flow continues on (words), or None."""
    participants = [(s.index, p) for s in saga.steps if (p := s.participant) is not None]
    for node in fmap.ordered():
        if fmap.message_type(node.id) != "event" or node.target is None or not node.edges:
            continue
        senders = _keys(graph.senders_of(node.target))
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
        saga.coordination_evidence = Evidence(orch_ev.level, style, orch_ev.file, orch_ev.line, orch_ev.column, note)
    else:
        level: Level = "missing" if style == "orchestration" else "contract"
        saga.coordination_evidence = Evidence.at(level, style, flow, ("steps",), note)
    if style == "choreography" and not saga.x.get("orchestrator"):
        saga.orchestrator, saga.orchestrator_id = None, None
