"""``saga/pivot``: exactly one point of no return, compensatable steps before it, retriable after."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from saga_lint.rules import Problem, rule
from saga_lint.rules.saga.common import pivot_place

if TYPE_CHECKING:
    from saga_lint.rules import Context
    from saga_lint.saga.model import Saga, SagaStep


@rule("saga/pivot", "error")
def pivot(ctx: Context) -> Iterator[Problem]:
    """The saga has no single pivot, or steps on the wrong side of it.

    What it checks: exactly one step is ``type: pivot``; no compensatable step comes after it;
    no step after it has business failures (after the pivot the saga can only go forward, so
    those steps must be retriable until they succeed). A plain flow with no declared types has the
    last step of its success path taken as the pivot (one per end when the success path branches;
    a step reached only through a failure branch is a failure handler, retriable; a step on another
    branch is not "after" the pivot): said once, here, or by ``saga/compensation`` when that step has
    no compensation either (its finding asks for ``type: pivot`` with ``compensation: none``). A
    saga with no step at all (an x-saga block, Compensation node or config entry on a map with no
    command and no event drawn to a service that receives it and acts on it) is said here too:
    nothing of it would be reviewed; when messages the map draws are not in the catalog (a page in
    a folder EventCatalog does not load), the finding names them, the likely cause.
    Why: the pivot is the point of no return (Garcia-Molina and Salem; Richardson's
    compensatable / pivot / retriable steps). A compensatable step after it, or a step that can
    fail for business reasons, can leave the saga half done with nothing left to undo it.
    Example that fails:
        create_order: {type: pivot}
        send_confirmation: {type: compensatable}    # after the pivot
    Fix: move the step before the pivot, or make it retriable with no business failures.
    """
    for saga in ctx.sagas:
        flow = saga.flow
        if not saga.steps:
            yield Problem(f"the saga has no step to review: {_why_no_step(saga)}, so it has no "
                          "pivot and none of its steps' owners, conditions, retries, compensations or statuses are "
                          "checked. Draw each participant as a service step after the message it handles (and add the "
                          "message to its receives), or declare the steps in x-saga.steps.", flow, ("steps",))
            continue
        if all(s.type_inferred for s in saga.steps):
            for p in saga.pivots:
                if p.evidence["compensation"].level == "missing":
                    continue  # saga/compensation says it: taken as the pivot, declare type: pivot (one finding per cause)
                yield Problem(f"no pivot declared; {p.id} ({pivot_place(saga, p)}) is taken as the pivot. Declare each step's "
                              "type (compensatable, pivot, retriable) in x-saga.", flow, ("steps", p.index), step=p.id,
                              demote=True)
            continue
        pivots = saga.pivots
        if len(pivots) != 1:
            names = ", ".join(p.id for p in pivots) or "none"
            yield Problem(f"the saga must have exactly one pivot step; it has {len(pivots)} ({names}). "
                          "Mark the point of no return as type: pivot and the others compensatable or retriable.",
                          flow, ("x-saga", "steps"), step=pivots[1].id if len(pivots) > 1 else None)
        if pivots:
            yield from _after_pivot(saga, pivots[0])


def _why_no_step(saga: Saga) -> str:
    """Why no step was found: nothing drawn is one, or the messages drawn are not in the catalog
    (``refs/resource-exists`` says where each is: a page in a folder EventCatalog does not load)."""
    fmap = saga.flowmap
    missing = sorted({str(n.message_id) for n in (fmap.ordered() if fmap is not None else [])
                      if n.kind == "message" and n.target is None and n.message_id})
    if not missing:
        return ("no command is drawn, and no event is drawn to a service that receives it and acts on it (sends a "
                "message or writes a container drawn after it)")
    listed = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
    return (f"messages it draws are not in the catalog ({listed}: see refs/resource-exists or, for a pointer with a "
            "version, refs/valid-version-range), and no other command is drawn, nor an event to a service that "
            "receives it and acts on it")


def _after_pivot(saga: Saga, p: SagaStep) -> Iterator[Problem]:
    """Steps after the pivot are neither compensatable nor able to fail for business reasons."""
    reached = saga.flowmap.reachable(p.id) if saga.flowmap is not None else None
    for step in saga.steps:
        if not saga.runs_after(step, p, reached):
            continue
        if step.type == "compensatable":
            yield Problem(f"step {step.id} is compensatable but comes after the pivot {p.id}; after the pivot the saga "
                          "only moves forward. Move it before the pivot or make it retriable.", saga.flow,
                          step.x_at("type") if step.x_path else ("steps", step.index), step=step.id)
        if step.business_failures:
            names = ", ".join(f.label for f in step.business_failures)
            yield Problem(f"step {step.id} comes after the pivot {p.id} but can fail for business reasons ({names}); it must be "
                          "retriable until it succeeds. Remove the business failures or move the step before the pivot.",
                          saga.flow, step.x_at("failures") if step.x_path else ("steps", step.index), step=step.id)
