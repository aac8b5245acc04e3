"""``saga/copy-drift``: a flow that repeats a saga's steps (a customer journey drawn around it)
instead of embedding it with a ``flow:`` step, and tells a different story than the saga.

The model marks such a flow ``copy_of`` the saga and reviews the saga once (``saga.copies``);
this rule compares the two drawings step by step, on the step messages they share.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from saga_lint.rules import Context, Problem, rule
from saga_lint.rules.saga.common import flowmap
from saga_lint.words import cut

if TYPE_CHECKING:
    from saga_lint.saga.model import Saga, SagaStep


def _key(step: SagaStep) -> str | None:
    return step.trigger or step.command_id


def _labels(step: SagaStep) -> str:
    return ", ".join(f'"{cut(label, 40)}"' if label else f"to {target}" for label, target in step.failure_edges)


def _order(original: Saga, copy: Saga) -> list[str]:
    """The shared step messages in another order."""
    mine = {k for s in copy.steps if (k := _key(s))}
    theirs = [k for s in original.steps if (k := _key(s)) in mine]
    shared = set(theirs)
    ours = [k for s in copy.steps if (k := _key(s)) in shared]
    if ours == theirs:
        return []
    return [f"runs the steps in another order ({' → '.join(ours)}; {original.id}: {' → '.join(theirs)})"]


def _step_differences(original: Saga, copy: Saga) -> Iterator[str]:
    """Per shared step: a failure branch one draws and the other does not, another success reply,
    another compensation command."""
    mine = {k: s for s in copy.steps if (k := _key(s))}
    for theirs in original.steps:
        key = _key(theirs)
        ours = mine.get(key) if key else None
        if ours is None:
            continue
        if theirs.failure_edges and not ours.failure_edges:
            yield f"draws no failure branch after {key} ({original.id} draws {_labels(theirs)})"
        elif ours.failure_edges and not theirs.failure_edges:
            yield f"draws a failure branch after {key} ({_labels(ours)}) that {original.id} does not draw"
        if theirs.success and ours.success and theirs.success != ours.success:
            yield f"takes {ours.success} as the success of {key} ({original.id}: {theirs.success})"
        if theirs.compensation and ours.compensation and theirs.compensation != ours.compensation:
            yield f"compensates {key} with {ours.compensation} ({original.id}: {theirs.compensation})"


def _failure_outcomes(ctx: Context, original: Saga, copy: Saga) -> list[str]:
    """Messages the copy's failure paths reach that the saga's drawing never shows."""
    shared = {k for s in original.steps if (k := _key(s))}
    copy_map, saga_map = flowmap(ctx, copy), flowmap(ctx, original)
    drawn = {m for n in saga_map.nodes.values() if (m := n.message_id)}
    reached: list[str] = []
    for step in copy.steps:
        if _key(step) not in shared:
            continue
        for _label, target in step.failure_edges:
            for nid in sorted(copy_map.reachable(target)):
                node = copy_map.nodes.get(nid)
                mid = node.message_id if node is not None else None
                if mid and mid not in drawn and mid not in reached:
                    reached.append(mid)
    if not reached:
        return []
    return [f"ends a failure in {', '.join(reached)}, which {original.id} never draws"]


@rule("saga/copy-drift", "warning")
def copy_drift(ctx: Context) -> Iterator[Problem]:
    """A flow repeats a saga's steps instead of embedding the saga, and differs from it.

    What it checks: a flow whose steps include every step message of a saga (a customer journey
    drawn around it; ``explain`` says "it repeats the steps of the saga ...") is reviewed as that
    saga, not twice. Where the two drawings disagree on the steps they share, the copy tells
    another story than the saga that is reviewed: the steps in another order, a failure branch one
    draws and the other does not, another success reply or compensation command, or a failure path
    that ends in a message the saga never draws (e.g. the copy cancels an order the saga never
    created). One finding per copy, listing every difference.
    Why: readers of the journey see a saga that is not the one that runs, and a change to the saga
    leaves the copy behind.
    Example that fails: the journey draws ``reserve-inventory -> authorize-payment`` with no
    "Out of stock" branch, while the saga draws one to its Compensation node.
    Fix: replace the copied steps with one step that embeds the saga (``flow: {id: <saga>}``), or
    make the copy agree with the saga.
    """
    for original in ctx.sagas:
        for copy in original.copied_by:
            diffs = _order(original, copy) + list(_step_differences(original, copy)) + _failure_outcomes(ctx, original, copy)
            if diffs:
                yield Problem(
                    f"{copy.id} repeats the steps of the saga {original.id} instead of embedding it, and differs from it: "
                    f"it {'; it '.join(diffs)}. Embed the saga with a step flow: {{id: {original.id}}}, or make the copy agree.",
                    copy.flow,
                    ("steps",),
                )
