"""``change/orchestrator-untouched``: saga steps changed but none of the orchestrator's files.

``implementation_files`` (which changed files a saga's ``x-saga.implementation`` globs match) is
shared with the review's change-guidance checklist."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from saga_lint.rules import Context, Problem, rule

MAX_GLOBS = 100


def implementation_files(globs: list[Any], files: list[str]) -> list[str]:
    """The repository-relative ``files`` that a saga's implementation globs match (anchored at the
    repository top; blank or non-text entries skipped, at most ``MAX_GLOBS`` of them)."""
    from saga_lint.globs import GlobError, Globs

    patterns = [g for g in globs if isinstance(g, str) and g.strip()][:MAX_GLOBS]
    matchers = []
    for g in patterns:
        try:
            matchers.append(Globs([g], anchored=True))
        except GlobError:
            continue  # a hostile pattern matches nothing
    return [f for f in files if any(m.match(f) for m in matchers)]


@rule("change/orchestrator-untouched", "error")
def orchestrator_untouched(ctx: Context) -> Iterator[Problem]:
    """Saga steps changed but the orchestrator's implementation did not.

    What it checks: when steps of a saga flow are added, removed or changed, at least one file
    matching the flow's ``x-saga.implementation`` globs (paths relative to the repository root)
    changed between base and head (``git diff --name-only``, untracked files included when head is
    the working tree). A saga without ``x-saga.implementation`` is reported one level lower: the
    check cannot be made.
    Why: the flow page documents what the orchestrator does; a step added to the catalog but not to
    the code (or the other way round) means the documentation and the running saga disagree. In a
    choreography, which has no orchestrator, the globs name the participants' code.
    Example that fails: a step ``notify_customer`` added to ``checkout-saga`` while nothing under
    ``services/checkout-orchestrator/src/**`` changed.
    Fix: change the orchestrator in the same pull request, or correct the globs in
    ``x-saga.implementation``.
    """
    change = ctx.changes
    if change is None:
        return
    for saga in ctx.sagas:
        ch = change.diff.get("flow", saga.id)
        if ch is None or ch.head is not saga.flow or not (ch.steps_added or ch.steps_removed or ch.steps_changed):
            continue
        parts = [
            f"{label}: {', '.join(ids)}"
            for label, ids in (("added", ch.steps_added), ("removed", ch.steps_removed), ("changed", ch.steps_changed))
            if ids
        ]
        steps_txt = "; ".join(parts)
        # a choreography has no orchestrator: its implementation is its participants' code
        choreography = saga.coordination == "choreography"
        if not saga.implementation:
            whose = "the participants' code" if choreography else "the orchestrator"
            message = (f"steps of saga {saga.id} changed ({steps_txt}) and the flow declares no x-saga.implementation, "
                       f"so saga-lint cannot tell whether {whose} changed too")
            yield Problem(message, saga.flow, at=("x-saga",), demote=True)
        elif not implementation_files(saga.implementation, change.changed_files):
            orch = f" {saga.orchestrator_id}" if saga.orchestrator_id else ""
            whose = "the participants' code is" if choreography else f"the orchestrator{orch} is"
            message = (f"steps of saga {saga.id} changed ({steps_txt}) but {whose} untouched: "
                       f"no file matching {', '.join(saga.implementation)} changed")
            yield Problem(message, saga.flow, at=("x-saga", "implementation"))
