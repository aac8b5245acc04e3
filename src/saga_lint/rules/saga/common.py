"""What the saga rules share: placing a problem at a step or its evidence, and catalog look-ups.

Evidence levels decide severity: a missing attribute is reported at the rule's severity; an
attribute documented only in prose one level lower (``demote``: "documented, not checkable:
declare it in x-saga"). Every problem names the flow as its resource and, where there is one,
the step. ``flowmap`` hands a rule the saga's drawing (read once by the model); ``receivers`` and
``senders`` look a message up across all its versions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, cast

from saga_lint.catalog.model import MESSAGE_TYPES
from saga_lint.rules import Problem
from saga_lint.saga.flowmap import FlowMap

if TYPE_CHECKING:
    from saga_lint.catalog.model import Resource
    from saga_lint.graph import ResourceKey
    from saga_lint.rules import Context
    from saga_lint.saga.model import Evidence, KeyPath, Saga, SagaStep


def at(
    saga: Saga,
    step: SagaStep | None,
    message: str,
    path: KeyPath | None = None,
    demote: bool = False,
    evidence: Evidence | None = None,
) -> Problem:
    """A Problem about a step of a saga, placed at the evidence, the x-saga key, or the flow step."""
    flow = saga.flow
    step_id = step.id if step else None
    if evidence is not None and evidence.file and evidence.file != flow.file:
        return Problem(message, flow, step=step_id, file=evidence.file, line=evidence.line,
                       column=evidence.column, ref=flow.ref, demote=demote)
    if path is None:
        if evidence is not None and evidence.line:
            return Problem(message, flow, step=step_id, line=evidence.line, column=evidence.column, demote=demote)
        path = ("steps", step.index) if step else ("id",)
    return Problem(message, flow, path, step=step_id, demote=demote)


def at_evidence(saga: Saga, message: str, evidence: Evidence, demote: bool = False) -> Problem:
    """A Problem about the saga as a whole, placed where the evidence was found."""
    flow = saga.flow
    return Problem(message, flow, file=evidence.file, line=evidence.line, column=evidence.column, ref=flow.ref, demote=demote)


def lookup(ctx: Context, types: tuple[str, ...], rid: str | None) -> Resource | None:
    """The resource of one of ``types`` with this id (its latest version), or None. Answered once
    per run for each question (``ctx.memo``): the saga rules ask about the same messages again
    and again (66,000 times on 2,000 sagas)."""
    if not rid:
        return None
    answers: dict[tuple[tuple[str, ...], str], Resource | None] = ctx.memo.setdefault("saga-lookup", {})
    key = (types, rid)
    if key in answers:
        return answers[key]
    found = answers[key] = ctx.catalog.lookup(types, rid)[1]
    return found


def ids(resources: Iterable[Resource]) -> set[str]:
    """The ids of these resources."""
    return {rid for r in resources if (rid := r.id) is not None}


def sent_ids(ctx: Context, actor: Resource) -> set[str]:
    """The ids of the messages ``actor`` sends, worked out once per run for each actor (``ctx.memo``):
    the rules ask per step, and an orchestrator of k steps or a participant of k sagas sends O(k)
    messages, so asking the graph each time was quadratic."""
    return _relation_ids(ctx, "saga-sent-ids", actor, "sends")


def received_ids(ctx: Context, actor: Resource) -> set[str]:
    """The ids of the messages ``actor`` receives, once per run for each actor (as ``sent_ids``)."""
    return _relation_ids(ctx, "saga-received-ids", actor, "receives")


def _relation_ids(ctx: Context, memo: str, actor: Resource, kind: str) -> set[str]:
    """``ids(graph.sends(actor))`` (``kind`` ``sends``; ``receives`` likewise), read from the nodes'
    keys: a resource's node is its key ``(type, id, version)``, so its id is the key's second part."""
    answers: dict[object, set[str]] = ctx.memo.setdefault(memo, {})
    found = answers.get(actor.key)
    if found is None:
        graph = ctx.graph
        nodes = cast("list[ResourceKey]", graph.neighbours(actor.key, kind))
        found = answers[actor.key] = {node[1] for node in nodes if node[1] is not None and graph.resource(node) is not None}
    return found


def unreceived(step: SagaStep) -> bool:
    """The step's command is a contract but no service receives it, and the map draws no external
    system as its handler. ``saga/step-owner`` reports that
    once; the prose-only evidence of the step's owner, success, failure and compensation follows
    from it (no participant's contracts could back it), so it is not reported again (one finding
    per cause)."""
    return step.command is not None and not step.receivers and step.external is None


def prose(step: SagaStep, attr: str, hint: str) -> str:
    """The message for an attribute documented only in prose."""
    ev = step.evidence[attr]
    return f"step {step.id}: {attr} is documented only in prose ({ev.note}), not checkable: declare {hint} in x-saga"


def flowmap(ctx: Context, saga: Saga) -> FlowMap:
    """The saga's flow map: the one the model read (``Saga.flowmap``), else read now and kept on it."""
    if saga.flowmap is None:
        saga.flowmap = FlowMap(ctx.graph, saga.flow)
    return saga.flowmap


def message_versions(ctx: Context, message_id: str) -> list[Resource]:
    """Every version of the message with this id (events, commands and queries share one namespace)."""
    index = ctx.catalog.index()
    out: list[Resource] = []
    for t in MESSAGE_TYPES:
        for resources in index.get((t, message_id), {}).values():
            out += resources
    return out


def receivers(ctx: Context, message_id: str) -> list[Resource]:
    """Who ``receives`` any version of the message."""
    return _parties(ctx, message_id, ctx.graph.receivers_of)


def senders(ctx: Context, message_id: str) -> list[Resource]:
    """Who ``sends`` any version of the message."""
    return _parties(ctx, message_id, ctx.graph.senders_of)


def _parties(ctx: Context, message_id: str, of_version: Callable[[Resource], list[Resource]]) -> list[Resource]:
    """``of_version`` of every version of the message, each resource once, in the order found."""
    seen: dict[object, Resource] = {}
    for m in message_versions(ctx, message_id):
        for r in of_version(m):
            seen.setdefault(r.key, r)
    return list(seen.values())


def not_a_contract(ctx: Context, wanted: str, rid: str | None) -> str:
    """Why ``rid`` is not a contract of type ``wanted``: ``a command, not an event`` when it is a
    message of another type, else ``not an event contract in the catalog``."""
    article = "an" if wanted[0] in "aeiou" else "a"
    other = lookup(ctx, tuple(t for t in MESSAGE_TYPES if t != wanted), rid)
    return f"a {other.type}, not {article} {wanted}" if other else f"not {article} {wanted} contract in the catalog"


def pivot_place(saga: Saga, p: SagaStep) -> str:
    """Where an inferred pivot is, in words: the last step, or the last of its success path (a step
    reached only through a failure branch, drawn after it, runs on another path)."""
    return "the last step" if saga.steps and p is saga.steps[-1] else "the last step of its success path"
