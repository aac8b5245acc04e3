"""``change/removed-in-use``: a message or flow step removed while something still uses it.

Three places can still use what a change removes: a reference of the head catalog (a service
that sends the message, a flow step that names it), a saga's ``x-saga`` block (a step's success,
failure or compensation event), and, for a removed flow step, the steps that still lead to it
or the ``x-saga.steps`` entry that still describes it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from saga_lint.catalog.model import MESSAGE_TYPES
from saga_lint.rules import Context, Problem, rule
from saga_lint.saga.values import pointer_id
from saga_lint.saga.xsaga import compensation_block, compensation_on

if TYPE_CHECKING:
    from saga_lint.changes.diff import ChangeSet
    from saga_lint.graph import CatalogGraph, Resolved
    from saga_lint.saga.model import Saga, SagaStep

# (type, id) of a removed message -> its removed versions (None: the message as a whole)
Removed = dict[tuple[str, str], "set[str] | None"]


def _removed_messages(diff: ChangeSet) -> Removed:
    removed: Removed = {}
    for ch in diff.resources:
        if ch.type not in MESSAGE_TYPES:
            continue
        if ch.kind == "removed":
            removed[(ch.type, ch.id)] = None
        elif ch.versions_removed:
            removed[(ch.type, ch.id)] = set(ch.versions_removed)
    return removed


def _renamed(diff: ChangeSet) -> dict[str, str]:
    """Old id -> new id of every message the change renamed (``diff._pair_renames``)."""
    return {ch.id: ch.renamed_to for ch in diff.resources if ch.type in MESSAGE_TYPES and ch.renamed_to}


def _gone(mid: str, renamed: dict[str, str]) -> str:
    """How the change took a message away: removed, or renamed (and where to point instead)."""
    new = renamed.get(mid)
    return f"which this change renamed to {new}: point it at {new}" if new else "which this change removes"


def _broken(graph: CatalogGraph) -> Iterator[Resolved]:
    return (r for r in graph.resolved if r.status not in ("ok", "external"))


def _references(base: CatalogGraph, head: CatalogGraph, removed: Removed, renamed: dict[str, str]) -> Iterator[Problem]:
    """Head references that a removal broke (those already broken at base are not the change's)."""
    broken_at_base = {
        (r.ref.source.type, r.ref.source.id, r.ref.source.version, r.ref.path) for r in _broken(base)
    }
    for r in _broken(head):
        src = r.ref.source
        hit = [k for k in removed if k[1] == r.ref.id and k[0] in r.ref.targets]
        if not hit or (src.type, src.id, src.version, r.ref.path) in broken_at_base:
            continue
        version = f"@{r.ref.version}" if r.ref.version and r.ref.version != "latest" else ""
        what = f"{hit[0][0]} {r.ref.id}{version}"
        message = f"{src.type} {src.id} still refers to {what} ({r.ref.relation}), {_gone(r.ref.id, renamed)}"
        yield Problem(message, src, at=r.ref.path, ref=src.ref if src.id is not None else None,
                      line=None if r.ref.path else 1, column=None if r.ref.path else 1)


def _step_uses(step: SagaStep) -> list[tuple[str, str | None, tuple[Any, ...]]]:
    """(role, message id, key path) of the messages a step's ``x-saga`` block names."""
    uses: list[tuple[str, str | None, tuple[Any, ...]]] = []
    if "success" in step.x:
        uses.append(("success", step.success, step.x_at("success")))
    uses += [("failure", fl.event, fl.path + ("event",)) for fl in step.failures if fl.event and fl.path]
    if step.compensation and step.compensation != "none" and "compensation" in step.x:
        uses.append(("compensation", step.compensation, step.x_at("compensation")))
    # the coordination fields: what starts the step, what makes it undo, what it publishes when it has undone
    if "trigger" in step.x:
        uses.append(("trigger", pointer_id(step.x.get("trigger")), step.x_at("trigger")))
    comp = compensation_block(step.x)
    if comp.get("event") is not None:
        uses.append(("compensation event", pointer_id(comp.get("event")), step.x_at("compensation", "event")))
    on = compensation_on(comp)
    if on:
        uses.append(("compensation trigger", on, step.x_at("compensation")))
    return uses


def _saga_uses(sagas: list[Saga], whole: set[str], renamed: dict[str, str]) -> Iterator[Problem]:
    """``x-saga`` blocks that still name a message removed as a whole."""
    for saga in sagas:
        for step in saga.steps:
            if not step.x_path:
                continue  # no x-saga block for the step: the flow's own references are checked above
            for role, mid, path in _step_uses(step):
                if mid in whole and path:
                    message = f"flow {saga.id}: step {step.id} still uses {mid} as its {role}, {_gone(mid, renamed)}"
                    yield Problem(message, saga.flow, at=path, step=step.id)


def _removed_steps(diff: ChangeSet) -> Iterator[Problem]:
    """Steps removed from a flow that its other steps still lead to, or its x-saga still describes."""
    from saga_lint.graph import next_steps

    for ch in diff.resources:
        flow = ch.head
        if ch.type != "flow" or not ch.steps_removed or flow is None:
            continue
        gone = set(ch.steps_removed)
        steps = flow.data.get("steps")
        for i, s in enumerate(steps if isinstance(steps, list) else []):
            if not isinstance(s, dict):
                continue
            for tid, _label in next_steps(s):
                if tid in gone:
                    message = f"flow {flow.id}: step {s.get('id')} still leads to step {tid}, which this change removes"
                    yield Problem(message, flow, at=("steps", i), step=str(s.get("id")))
        x = flow.data.get("x-saga")
        described = x.get("steps") if isinstance(x, dict) else None
        for sid in described if isinstance(described, dict) else {}:
            if str(sid) in gone:
                message = f"flow {flow.id}: x-saga.steps still describes step {sid}, which this change removes from the flow"
                yield Problem(message, flow, at=("x-saga", "steps", sid), step=str(sid))


@rule("change/removed-in-use", "error")
def removed_in_use(ctx: Context) -> Iterator[Problem]:
    """A message or flow step was removed while something still refers to it.

    What it checks: every message (or message version) that exists at base but not at head, and
    every flow step removed from a flow, against the head catalog: services that still send or
    receive the message, flows whose steps still name it, ``x-saga`` blocks that still use it, and
    steps whose ``next_step``/``next_steps`` still lead to a removed step.
    A message the change renamed (git pairs its page with the new one, or its schema is the same)
    is named with its new id: "renamed to B: point it at B".
    Why: removing a contract that is in use breaks its senders or receivers; removing a step that
    others lead to leaves the flow with a dangling edge.
    Example that fails: ``payment-declined`` is deleted while ``checkout-saga``'s ``x-saga`` still
    lists it as a failure of ``authorize_payment``.
    Fix: remove the references in the same change (or deprecate the message first with
    ``deprecated: true`` and remove it once nothing uses it); after a rename, point them at the
    new id.
    """
    change = ctx.changes
    if change is None:
        return
    removed = _removed_messages(change.diff)
    if removed:
        renamed = _renamed(change.diff)
        yield from _references(change.base.graph, ctx.graph, removed, renamed)
        whole = {rid for (_t, rid), versions in removed.items() if versions is None}
        yield from _saga_uses(ctx.sagas, whole, renamed)
    yield from _removed_steps(change.diff)
