"""``saga/map-agreement``: the x-saga block and the flow map tell the same story, both ways."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from saga_lint.rules import Problem, rule
from saga_lint.rules.saga.common import flowmap
from saga_lint.saga.infer import own_words, reads_as_failure
from saga_lint.saga.values import pointer_id
from saga_lint.saga.xsaga import compensation_block, compensation_on, field_path, raw_steps, step_keys

if TYPE_CHECKING:
    from saga_lint.rules import Context
    from saga_lint.saga.flowmap import FlowMap, Link, Node
    from saga_lint.saga.model import KeyPath, Saga, YamlMap

STEP_KINDS = ("message", "service", "agent", "externalSystem", "container", "flow")


@rule("saga/map-agreement", "error")
def map_agreement(ctx: Context) -> Iterator[Problem]:
    """The x-saga block and the flow map disagree about the steps, their failures or their compensation.

    What it checks: for a flow with ``x-saga.steps``, a step that declares ``failures`` (other than
    a retriable step's technical ones: it is retried until it succeeds, nothing to draw) has a
    failure branch in the map (an edge to an Exception, failure or Compensation node, a
    failure-labelled edge, or the failure event drawn after it, on the step or on the participant
    drawn right after it); a failure branch or failure event drawn after a step is declared in
    its ``failures``; a step's ``trigger`` is the message the map draws (at the step's message
    node, or right before its participant node); every command step of
    the map (and, in a choreography, every participant that consumes a drawn event) has an
    ``x-saga.steps`` entry; every declared compensation is reached by the map (a Compensation node
    after the step, or the undo command or its ``on`` event drawn). Each finding is placed at the
    line that disagrees: the x-saga key, or the map's step or edge. (An x-saga key that is no
    step of the flow is ``saga/schema``'s finding; a drawn step nothing leads to,
    ``flow/unreachable-step``'s; an x-saga key on a node that is no step, such as an Outcome
    node, is reported here; a step with no ``failures`` key whose failure branch only prose
    documents, such as a labelled edge, is ``saga/failure-condition``'s.)
    Why: reviewers read the picture, tools read x-saga. When they disagree one of them is wrong,
    and the failure path that was drawn but not declared is never checked.
    Example that fails:
        x-saga: {steps: {capture_payment: {failures: [{event: card-declined}]}}}
        # while the map draws only capture_payment -> done
    Fix: draw the failure branch (or declare the failure), so that both say the same.
    """
    for saga in ctx.sagas:
        blocks = raw_steps(saga)
        if not blocks:
            continue
        fm = flowmap(ctx, saga)
        for key, block in blocks.items():
            node = fm.nodes.get(key)
            if node is None:
                continue  # saga/schema: no step of the flow
            yield from _trigger(saga, fm, key, node, block)
            yield from _failures(saga, fm, key, node, block)
            yield from _compensation_reached(saga, fm, key, node, block)
        yield from _undeclared_steps(saga, fm, blocks)


def _trigger(saga: Saga, fm: FlowMap, key: str, node: Node, block: YamlMap) -> Iterator[Problem]:
    """The step names a drawn node of a step kind, and its ``trigger`` is the message the map draws:
    the step's own message node, or a message drawn right before its participant node."""
    path: KeyPath = ("x-saga", "steps", key)
    if node.kind not in STEP_KINDS:
        yield Problem(f'x-saga.steps.{key} describes the {node.ctype or node.kind} node "{key}" of the map, which is no '
                      "step: key x-saga steps by the step's message or participant node.", saga.flow, path, step=key)
    trigger = pointer_id(block.get("trigger"))
    if not trigger:
        return
    drawn = fm.message_nodes(trigger)
    before = [b.message_id for b in fm.before(node.id) if b.message_id] if node.kind in ("service", "agent") else []
    if node.message_id and node.message_id != trigger:
        yield Problem(f"step {key}: x-saga says it starts on {trigger}, but the map draws {node.message_id} there.",
                      saga.flow, field_path(saga, key, "trigger"), step=key)
    elif before and trigger not in before:
        yield Problem(f"step {key}: x-saga says it starts on {trigger}, but the map draws {', '.join(before)} before its "
                      f"participant node {key}.", saga.flow, field_path(saga, key, "trigger"), step=key)
    elif not drawn:
        yield Problem(f"step {key}: its trigger {trigger} is not drawn in the map. Draw the message step that starts it.",
                      saga.flow, field_path(saga, key, "trigger"), step=key)


def _failures(saga: Saga, fm: FlowMap, key: str, node: Node, block: YamlMap) -> Iterator[Problem]:
    """Declared failures have a drawn branch; drawn failure branches and failure events are declared."""
    declared = block.get("failures")
    declared_list = declared if isinstance(declared, list) else []
    events = {e for f in declared_list if isinstance(f, dict) and (e := pointer_id(f.get("event")))}
    words = own_words(node.message_id or key)
    out = fm.branches(node.id)
    branches = [e for e in out if _failure_edge(fm, e, words)]
    drawn_events = [n for e in out if (n := fm.nodes.get(e.target)) is not None and n.message_id
                    and n.target is not None and n.target.type == "event" and reads_as_failure(n.message_id, words)]
    retried_only = block.get("type") == "retriable" and not events  # technical failures of a retriable step are retries
    if declared_list and not branches and not retried_only and not any(n.message_id in events for n in drawn_events):
        names = ", ".join(_label(f) for f in declared_list)
        yield Problem(f"step {key}: x-saga declares the failures {names}, but the map draws no failure branch after it. "
                      "Draw the failure path (an edge to the Exception or Compensation node).",
                      saga.flow, field_path(saga, key, "failures"), step=key)
    for n in drawn_events if declared_list else []:  # with nothing declared, the branch below says it once
        if n.message_id not in events:
            yield Problem(f"step {key}: the map draws the failure event {n.message_id} after it, but x-saga does not "
                          f"declare it. Add {{event: {n.message_id}}} to x-saga.steps.{key}.failures.", saga.flow, n.path,
                          step=key)
    if not declared_list and (branches or drawn_events) and not _failure_condition_says_it(saga, key, block):
        edge = branches[0] if branches else fm.in_links(drawn_events[0].id)[0]
        label = f' "{edge.label}"' if edge.label else ""
        yield Problem(f"step {key}: the map draws a failure branch{label} to {edge.target}, but x-saga declares no "
                      f"failures for it. Declare them in x-saga.steps.{key}.failures.", saga.flow, edge.path, step=key)


def _failure_condition_says_it(saga: Saga, key: str, block: YamlMap) -> bool:
    """A step without a ``failures`` key whose failure only prose or nothing documents: that is
    ``saga/failure-condition``'s finding (one cause, one finding; ``saga-lint fix`` leaves the key
    open when it cannot name the failure event). ``failures: []`` written out still disagrees here."""
    step = saga.step(key)
    return "failures" not in block and step is not None and step.evidence["failure"].level in ("prose", "missing")


def _compensation_reached(saga: Saga, fm: FlowMap, key: str, node: Node, block: YamlMap) -> Iterator[Problem]:
    """A declared compensation is reached by the map: a Compensation node after the step, or its
    command or ``on`` event drawn."""
    comp = compensation_block(block)
    command = pointer_id(comp.get("command")) if comp else pointer_id(block.get("compensation"))
    if not command or command == "none":
        return
    on = compensation_on(comp)
    if node.id in fm.reaching(saga.compensation_nodes):
        return
    if fm.message_nodes(command) or (on and fm.message_nodes(on)):
        return
    yield Problem(f"step {key}: x-saga declares the compensation {command}, but the map never reaches it: no "
                  "Compensation node after the step, and neither the undo command nor the event that starts it is drawn.",
                  saga.flow, field_path(saga, key, "compensation"), step=key)


def _undeclared_steps(saga: Saga, fm: FlowMap, blocks: dict[str, YamlMap]) -> Iterator[Problem]:
    """Command steps of the map (and, in a choreography, participants consuming a drawn event) with no x-saga entry."""
    triggers = {t for b in blocks.values() if (t := pointer_id(b.get("trigger")))}
    participants = {p for b in blocks.values() if (p := pointer_id(b.get("participant")))}
    undo = {c for b in blocks.values() if (c := pointer_id(compensation_block(b).get("command") or b.get("compensation")))}
    choreography = saga.coordination != "orchestration"
    described = set(blocks) | set(step_keys(saga))  # a misspelt key describes its step: saga/schema's did-you-mean
    for node in fm.nodes.values():
        if node.id in described:
            continue
        if node.kind == "message" and node.target is not None and node.target.type == "command":
            if node.message_id in triggers or node.message_id in undo:
                continue
            what = f"the command step {node.message_id}"
        elif choreography and node.kind in ("service", "agent") and _consumes_drawn_event(fm, node):
            if node.service_id in participants or any(b.id in described for b in fm.before(node.id)):
                continue
            what = f"the participant {node.service_id}, which consumes a drawn event,"
        else:
            continue
        yield Problem(f"the map draws {what} at {node.id}, but x-saga.steps has no entry for it. Describe it in x-saga "
                      "(or remove it from the map).", saga.flow, node.path, step=node.id)


def _consumes_drawn_event(fm: FlowMap, node: Node) -> bool:
    return any(b.target is not None and b.target.type == "event" for b in fm.before(node.id))


def _failure_edge(fm: FlowMap, edge: Link, words: list[str]) -> bool:
    target = fm.nodes.get(edge.target)
    return (target is not None and target.failure_typed) or bool(edge.label and reads_as_failure(edge.label, words))


def _label(failure: object) -> str:
    if isinstance(failure, dict):
        return str(pointer_id(failure.get("event")) or failure.get("error") or "?")
    return str(failure)
