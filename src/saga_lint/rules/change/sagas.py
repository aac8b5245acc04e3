"""``change/saga-dropped``: a flow reviewed as a saga at the base is no saga at head."""

from __future__ import annotations

from collections.abc import Iterator

from saga_lint.rules import Context, Problem, rule


@rule("change/saga-dropped", "warning")
def saga_dropped(ctx: Context) -> Iterator[Problem]:
    """A flow the base reviewed as a saga is not reviewed as one at head.

    What it checks: every flow that was a saga at the base revision because of what its map and
    the catalog's contracts show (it spans participants of different owners and draws a failure,
    with a step that is a local transaction) and that is still in the catalog at head, but no
    saga there: a change elsewhere (a participant that stopped receiving the command it is drawn
    handling, an owner changed) made saga-lint stop seeing it as one. The finding, at the flow,
    says why it was a saga and why it is not any more. A flow that declares ``x-saga``, draws a
    Compensation node or is listed under ``sagas:`` stays a saga whatever else changes, and one the
    change removed is ``change/removed-in-use``'s.
    Why: the saga's findings at the base then show as resolved although nothing about the saga
    was fixed: its steps are simply not checked any more, and a real gap slips through review.
    Example that fails: the order service drops ``place-order`` from its ``receives``; the
    checkout flow, which draws it handling ``place-order``, has no step left to coordinate.
    Fix: declare the saga (an ``x-saga`` block, or the flow under ``sagas:`` in saga-lint.yaml) to
    keep it reviewed, or undo the change that dropped it.
    """
    if ctx.changes is None:
        return
    from saga_lint.saga.build import saga_reason

    head_sagas = {s.flow.id for s in ctx.sagas}
    for base_saga in ctx.changes.base.sagas:
        flow = base_saga.flow
        if not base_saga.reviewed or not base_saga.why.startswith("it spans") or flow.id is None or flow.id in head_sagas:
            continue  # declared (x-saga, a Compensation node, the config): no change elsewhere drops it
        head_flow = ctx.catalog.lookup(("flow",), flow.id)[1]  # its latest version
        if head_flow is None:
            continue  # removed: change/removed-in-use says what still uses it
        why, why_not = saga_reason(head_flow, None, None, ctx.graph)
        if why is not None:
            continue  # still a saga (one that repeats another's steps is reviewed there)
        yield Problem(f"flow {flow.id} was reviewed as a saga at the base ({base_saga.why}) and is not at head: "
                      f"{why_not.split(' Declare an x-saga', 1)[0] or 'its map no longer shows one'}. Its saga findings "
                      "are not checked any more; declare an x-saga block (or list the flow under sagas: in saga-lint.yaml) "
                      "to keep it reviewed.", head_flow, ("id",))
