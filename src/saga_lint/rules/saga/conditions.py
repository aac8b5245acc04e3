"""``saga/success-condition`` and ``saga/failure-condition``: the replies that end a step.

Both ask the same of a reply event: it is an event contract, and the participant sends it. The
failure rule also follows the flow drawing: a failure path after a compensatable step must lead
to compensation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from saga_lint.rules import Problem, rule
from saga_lint.rules.saga.common import at, flowmap, lookup, not_a_contract, prose, sent_ids, unreceived
from saga_lint.saga.infer import FAILURE_WORDS
from saga_lint.saga.values import pointer_id

if TYPE_CHECKING:
    from saga_lint.rules import Context
    from saga_lint.saga.flowmap import FlowMap
    from saga_lint.saga.model import Evidence, KeyPath, Saga, SagaStep


def _check_reply(
    ctx: Context, saga: Saga, step: SagaStep, event_id: str, what: str, path: KeyPath | None, evidence: Evidence | None
) -> Iterator[Problem]:
    """The reply is an event contract, sent by the step's participant."""
    ev_res = lookup(ctx, ("event",), event_id)
    if ev_res is None:
        kind = not_a_contract(ctx, "event", event_id)
        yield at(saga, step, f'step {step.id}: {what} "{event_id}" is {kind}. Add events/{event_id}/index.mdx with its schema.',
                 path=path, evidence=evidence)
        return
    p = step.participant
    if p is not None and event_id not in sent_ids(ctx, p):
        yield at(saga, step, f'step {step.id}: {what} "{event_id}" is not sent by the participant {p.id}. '
                 f"Add it to {p.id}'s sends.", path=path, evidence=evidence)


@rule("saga/success-condition", "error")
def success_condition(ctx: Context) -> Iterator[Problem]:
    """A saga step has no success condition, or its success event is not a real contract.

    What it checks: ``success`` names the reply event that means the step succeeded; the event
    is an event contract in the catalog; the participant (the service receiving the command)
    sends it. (That the orchestrator receives it is ``saga/orchestrator``.)
    Why: without a success reply the orchestrator cannot know when to move on, and a reply that
    is not a contract can change shape under it.
    Example that fails:
        x-saga: {steps: {reserve_inventory: {success: inventory-reserved}}}   # nobody sends it
    Fix: add ``inventory-reserved`` to inventory-service's ``sends``.
    """
    for saga in ctx.sagas:
        for step in saga.steps:
            ev = step.evidence["success"]
            if ev.level == "missing":
                yield at(saga, step, f"step {step.id}: no success condition: name the reply event that means success "
                         "(x-saga success), sent by the participant.", evidence=ev)
                continue
            if ev.level == "prose" and not unreceived(step):
                hint = f"success: {step.success}" if step.success else "success: <reply event>"
                yield at(saga, step, prose(step, "success", hint), demote=True, evidence=ev)
            if step.success:
                path = step.x_at("success") if ev.level == "structured" else None
                yield from _check_reply(ctx, saga, step, step.success, "success event", path, None if path else ev)


@rule("saga/failure-condition", "error")
def failure_condition(ctx: Context) -> Iterator[Problem]:
    """A saga step has no failure condition, a failure that is not a contract, or a failure path
    that skips compensation.

    What it checks: ``failures`` lists business failures (reply events) and/or technical ones
    (``error: timeout|error``); each failure event is an event contract sent by the participant;
    in the flow drawing, an edge labelled as a failure ("Declined", "Out of stock", "Failed")
    from a step after a compensatable step leads to a Compensation node (or back to the step: a
    retry, whose bound ``saga/loop-bound`` checks); so does a failure branch of a sub-flow step
    (``flow:``) drawn after a compensatable step, placed at the edge. The steps named as left
    uncompensated are the compensatable ones the drawing leads from to the failing step, other
    than through their own failure branches (a step on another branch never ran).
    Why: a failure nobody declared is a failure nobody handles; a failure path that does not
    compensate leaves a reservation or a payment hold behind.
    Example that fails:
        - id: authorize_payment
          next_steps:
            - {id: create_order, label: Authorized}
            - {id: checkout_failed, label: Declined}     # an end, not the Compensation node
    Fix: route the failure to the Compensation node; declare the failures in x-saga.
    """
    for saga in ctx.sagas:
        fmap = flowmap(ctx, saga)
        before = _Completed(saga, fmap)
        for step in saga.steps:
            yield from _failure_evidence(saga, step, before)
            yield from _declared_failures(ctx, saga, step)
            yield from _uncompensated_paths(saga, step, fmap, before)
        yield from _uncompensated_sub_flows(saga, fmap, before)


class _Completed:
    """The compensatable steps completed when a node of the map runs, in flow order: those whose node
    reaches it along drawn edges other than their own failure branches (a step that failed has
    nothing to undo; a step on another branch never ran). When the drawing does not connect the
    steps (a step no other step leads to, after the first), the flow order: the steps before it."""

    def __init__(self, saga: Saga, fmap: FlowMap) -> None:
        self.saga, self.fmap = saga, fmap
        self.compensatable = [s for s in saga.steps if s.type == "compensatable"]
        self.drawn: bool | None = None  # whether the drawing connects the steps, found on the first question
        self._after_any: set[str] | None = None  # the nodes some compensatable step leads to (``after_one``)

    def _connected(self) -> bool:
        seen: set[str] = set()
        todo = [e.target for s in self.saga.steps for e in self.fmap.out_links(s.id)]
        while todo:
            nid = todo.pop()
            if nid not in seen:
                seen.add(nid)
                todo += [e.target for e in self.fmap.out_links(nid)]
        return all(s.id in seen for s in self.saga.steps[1:])

    def of(self, node_id: str, index: int) -> list[SagaStep]:
        """Asked only when a finding names them (a walk backwards from the node)."""
        if not self.compensatable:
            return []
        if self.drawn is None:
            self.drawn = self._connected()
        if not self.drawn:
            return [s for s in self.compensatable if s.index < index]
        into = self.fmap.reaching((node_id,))
        return [s for s in self.compensatable if s.id != node_id and any(t in into for _, t in s.success_edges)]


    def after_one(self, node_id: str, index: int) -> bool:
        """Whether a compensatable step ran before the node (``bool(of(...))`` in one walk for all
        nodes, forwards from the compensatable steps' own edges that draw no failure)."""
        if not self.compensatable:
            return False
        if self.drawn is None:
            self.drawn = self._connected()
        if not self.drawn:
            return any(s.index < index for s in self.compensatable)
        if self._after_any is None:
            seen: set[str] = set()
            todo = [t for s in self.compensatable for _, t in s.success_edges]
            while todo:
                nid = todo.pop()
                if nid not in seen:
                    seen.add(nid)
                    todo += [e.target for e in self.fmap.out_links(nid)]
            self._after_any = seen
        return node_id in self._after_any


def _failure_evidence(saga: Saga, step: SagaStep, before: _Completed) -> Iterator[Problem]:
    """A failure condition that is missing, or documented only in prose."""
    ev = step.evidence["failure"]
    if ev.level == "missing":
        after_compensatable = before.after_one(step.id, step.index)
        nxt = "what happens if it fails after the earlier steps succeeded" if after_compensatable else "what happens if it fails"
        fix = ("Declare failures in x-saga: the technical errors it is retried on ({error: timeout}), each with the status "
               "the customer sees when the retries run out (a retriable step has no business failure and nothing to "
               "compensate)." if step.type == "retriable" else
               "Declare failures in x-saga (business failure events and technical errors) and draw the failure path to "
               "compensation.")
        yield at(saga, step, f"step {step.id}: no failure condition: nothing says {nxt}. {fix}", evidence=ev)
    elif ev.level == "prose" and not unreceived(step):
        yield at(saga, step, prose(step, "failure", "failures: [{event: ...}, {error: timeout}]"), demote=True, evidence=ev)


def _declared_failures(ctx: Context, saga: Saga, step: SagaStep) -> Iterator[Problem]:
    """Each failure names an event or an error; a failure event is a reply the participant sends."""
    ev = step.evidence["failure"]
    for f in step.failures:
        if f.event is None and f.error is None and ev.level == "structured":
            yield at(saga, step, f"step {step.id}: a failure names neither an event nor an error (timeout|error).", path=f.path)
        if f.event and (ev.level == "structured" or lookup(ctx, ("event", "command", "query"), f.event) is not None):
            yield from _check_reply(ctx, saga, step, f.event, "failure event", f.path or None, None if f.path else ev)


def _uncompensated_paths(
    saga: Saga, step: SagaStep, fmap: FlowMap, before: _Completed
) -> Iterator[Problem]:
    """Failure branches (labelled as failures, or to a failure node) that never reach a Compensation
    node. A branch that comes back to the step (a retry: "Unavailable" -> Timer -> the step) ends
    nothing: its bound is ``saga/loop-bound``'s."""
    if not before.compensatable:
        return
    for label, target in [*step.success_edges, *step.failure_edges]:
        failed = (label and FAILURE_WORDS.search(label)) or (label, target) in step.failure_edges
        # a branch back to the step (it reaches the step, which reaches it): a retry, not an end
        if failed and target not in fmap.reaching(saga.compensation_nodes) and not fmap.reach_each_other(target, step.id):
            completed = before.of(step.id, step.index)
            if not completed:
                continue
            names = ", ".join(s.id for s in completed)
            shown = label or "(no label)"
            yield at(saga, step, f'step {step.id}: the failure path "{shown}" goes to {target} without compensation, '
                     f"leaving {names} uncompensated. Route it to the Compensation node.")


def _uncompensated_sub_flows(saga: Saga, fmap: FlowMap, before: _Completed) -> Iterator[Problem]:
    """A sub-flow step (``flow:``, no saga step of this flow) after a compensatable step: its failure
    branches reach a Compensation node (or come back to it), like a step's (``_Completed``)."""
    comp = fmap.reaching(saga.compensation_nodes)
    for node in fmap.ordered():
        if node.kind != "flow" or not before.compensatable:
            continue
        for link in fmap.out_links(node.id):
            failed = (link.label and FAILURE_WORDS.search(link.label)) or fmap.is_failure_node(link.target)
            if failed and link.target not in comp and link.target not in fmap.reaching((node.id,)):
                completed = before.of(node.id, node.index)
                if not completed:
                    continue
                shown = link.label or "(no label)"
                yield Problem(f"the sub-flow step {node.id} ({pointer_id(node.data.get('flow'))}): the failure path "
                              f'"{shown}" goes to {link.target} without compensation, leaving '
                              f"{', '.join(s.id for s in completed)} uncompensated. Route it to the Compensation node.",
                              saga.flow, link.path)
