"""``saga/loop-bound``: a loop drawn in a saga's map (a retry, a re-check, a poll) has a bound.

A loop is a drawn edge back to a node the walk from the map's starts is still inside (a back
edge of a depth-first walk); its nodes are those both reachable from the re-entered node and able
to reach the edge's source. The loop is bounded when a step inside it declares a retry policy with
``maxAttempts`` in x-saga (structured), or when the drawing says so in words: a count on an edge
or a node ("up to 3 times", "max 5 attempts", "3x") or a timer, timeout or deadline node inside
the loop (prose).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from saga_lint.rules import Context, Problem, rule
from saga_lint.rules.saga.common import at, flowmap, receivers
from saga_lint.saga.flowmap import RETRY_TYPES

if TYPE_CHECKING:
    from saga_lint.saga.flowmap import FlowMap, Link
    from saga_lint.saga.model import Saga, SagaStep

# words that put a bound on a loop: a count of attempts, or a time limit
BOUND_WORDS = re.compile(
    r"\b(?:up to|at most|max(?:imum)?|no more than|until)\s+\d+|\b\d+\s*(?:x|times|attempts?|retries|tries)\b"
    r"|\b(?:deadline|time ?out|timed out|expire|grace period)",
    re.I,
)


def back_links(fmap: FlowMap) -> list[Link]:
    """The drawn edges that close a loop: from a node to one the depth-first walk (from the map's
    starts, then from any node not yet seen) is still inside (``backedges``)."""
    from saga_lint.backedges import back_edges

    roots = [n.id for n in fmap.starts()] + [n.id for n in fmap.ordered()]
    return back_edges(roots, lambda nid: ((link.target, link) for link in fmap.out_links(str(nid))
                                          if link.target in fmap.nodes))


# an edge label that says the message is sent again (a retry drawn as a delivery back to its handler)
AGAIN_WORDS = re.compile(r"\bretr(?:y|ies|ied)|\bagain\b|\bre-?(?:send|submit|process|check|queue|deliver)|\bpoll", re.I)


def delivery(ctx: Context, fmap: FlowMap, link: Link) -> bool:
    """The back edge delivers another message to a service drawn earlier, which receives it: a
    reply coming back to the coordinator drawn once ("Subscribe event": BookWorm's CreateOrder
    draws BasketDeletedFailedEvent back to FinanceService, which receives it and decides what
    comes next), or an undo command to the handler drawn for the first step ("Subscribe event &
    Rollback order"). No action is repeated: it is no loop to bound. A message the service is
    drawn receiving already (its own trigger again), or an edge that says it retries, is a loop."""
    src, dst = fmap.nodes.get(link.source), fmap.nodes.get(link.target)
    if src is None or dst is None or src.kind != "message" or src.target is None or dst.target is None \
            or dst.kind not in ("service", "agent") or (link.label and AGAIN_WORDS.search(link.label)):
        return False
    if dst.target.key not in {r.key for r in receivers(ctx, str(src.target.id))}:
        return False
    drawn_in = {fmap.nodes[e.source].message_id for e in fmap.in_links(dst.id) if e is not link and e.source in fmap.nodes}
    return src.message_id not in drawn_in


def loop_nodes(fmap: FlowMap, link: Link) -> frozenset[str]:
    """The nodes of the loop that ``link`` closes: reachable from its target, and reaching its source
    (their strongly connected set, found once for the whole drawing: a walk per loop was quadratic
    in a long flow with a retry at every step)."""
    return fmap.cycle_members(link.source, link.target)


class _Loops:
    """One saga's loops judged once per set of nodes: every back edge into one strongly connected
    set closes the same loop (a walk of the saga's steps per edge was quadratic in a long saga
    whose every step retries back to the first)."""

    def __init__(self, fmap: FlowMap, saga: Saga) -> None:
        self.fmap = fmap
        self.saga = saga
        self.order = {s.id: i for i, s in enumerate(saga.steps)}
        self.judged: dict[frozenset[str], tuple[list[SagaStep], str | None]] = {}

    def judge(self, nodes: frozenset[str]) -> tuple[list[SagaStep], str | None]:
        """The saga's steps inside the loop, in saga order, and what bounds it (``_bounded``)."""
        known = self.judged.get(nodes)
        if known is None:
            steps = [self.saga.steps[i] for i in sorted(self.order[n] for n in nodes if n in self.order)]
            known = self.judged[nodes] = (steps, _bounded(self.fmap, steps, nodes) if steps else None)
        return known


def _bounded(fmap: FlowMap, steps: list[SagaStep], nodes: frozenset[str]) -> str | None:
    """What bounds the loop of ``nodes`` (whose saga steps are ``steps``, in saga order), in words, or None."""
    for step in steps:
        if step.retry is not None and step.retry.max_attempts:
            return f"x-saga retry of {step.id} (maxAttempts {step.retry.max_attempts})"
    for nid in sorted(nodes):
        node = fmap.nodes[nid]
        if node.ctype is not None and any(t in node.ctype for t in RETRY_TYPES):
            return f'the {node.ctype} node "{nid}"'
        if BOUND_WORDS.search(node.text):
            return f'node "{nid}"'
        for e in fmap.out_links(nid):
            if e.target in nodes and e.label and BOUND_WORDS.search(e.label):
                return f'the edge "{e.label}"'
    return None


@rule("saga/loop-bound", "error")
def loop_bound(ctx: Context) -> Iterator[Problem]:
    """A loop in a saga's map (a retry, a re-check, a poll) with nothing that bounds it.

    What it checks: every loop the flow draws (an edge back to an earlier node) that contains a
    saga step. It is bounded by an x-saga ``retry`` with ``maxAttempts`` on a step inside it, or by
    the drawing: a count on an edge or node ("up to 3 times", "max 5 attempts"), a timer, timeout
    or deadline node in the loop. An edge that delivers another message to a service drawn earlier,
    which receives it (a reply back to the coordinator, an undo command to a first step's handler),
    repeats nothing and is no loop; one that says it retries, or brings the service's own trigger
    again, is. A loop bounded only in words is reported one level lower
    (documented, not checkable), so that the bound is declared in x-saga.
    Why: a loop without a bound retries forever: the saga never reaches its outcome, holds its
    reservations, and the customer's status never moves.
    Example that fails: ``authorize_payment`` -> "Try again" -> ``authorize_payment``, with no retry
    policy declared and no count drawn.
    Fix: declare ``retry: {maxAttempts, initialInterval, backoffCoefficient, maxInterval, timeout}``
    on the step in x-saga, and draw the exit taken when the attempts run out.
    """
    for saga in ctx.sagas:
        fmap = flowmap(ctx, saga)
        loops = _Loops(fmap, saga)
        for link in back_links(fmap):
            if delivery(ctx, fmap, link):
                continue
            steps, bound = loops.judge(loop_nodes(fmap, link))
            if not steps:
                continue
            label = f' "{link.label}"' if link.label else ""
            where = f"the map draws a loop{label} from {link.source} back to {link.target}"
            if bound is None:
                yield at(saga, steps[0], f"step {steps[0].id}: {where}, and nothing bounds it: it can retry forever. "
                         "Declare retry with maxAttempts for the step in x-saga and draw the exit when they run out.",
                         path=link.path)
            elif not bound.startswith("x-saga"):
                yield at(saga, steps[0], f"step {steps[0].id}: {where}, bounded only in words ({bound}), not checkable: "
                         "declare retry with maxAttempts for the step in x-saga.", path=link.path, demote=True)
