"""``flow/*``: the structure of flow steps, which the official linter does not check.

Semantics (../shared/design/eventcatalog-format.md section 8): the first step listed is the
start; a step with no ``next_step``/``next_steps`` is an end; cycles are legitimate (retries).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from saga_lint.backedges import closed_loops
from saga_lint.graph import next_steps
from saga_lint.rules import Context, Problem, rule
from saga_lint.suggest import nearest, phrased
from saga_lint.words import plural

if TYPE_CHECKING:
    from saga_lint.catalog.model import Resource

StepTable = dict[str, tuple[int, dict[str, Any]]]  # step id -> (index in steps, the step)

NODE_KEYS = ("message", "agent", "service", "system", "systems", "flow", "container", "dataProduct", "actor", "custom")


def _flows(ctx: Context) -> Iterator[Resource]:
    for res in ctx.catalog.resources:
        if res.type == "flow" and isinstance(res.data.get("steps"), list):
            yield res


def _steps_of(ctx: Context, flow: Resource) -> tuple[StepTable, dict[str, list[str]]]:
    """The flow's step table and adjacency (``_step_table``, ``_adjacency``), made once per run
    for the flow rules that read them (``ctx.memo``, by page); read, never changed."""
    made: dict[str, tuple[StepTable, dict[str, list[str]]]] = ctx.memo.setdefault("flow-steps", {})
    found = made.get(flow.file)
    if found is None:
        table = _step_table(flow)
        found = made[flow.file] = (table, _adjacency(flow, table))
    return found


def _step_table(flow: Resource) -> StepTable:
    """step id -> (index, step) of each step with an id; the first occurrence of an id wins."""
    out: StepTable = {}
    for i, step in enumerate(flow.data["steps"]):
        if isinstance(step, dict) and step.get("id") is not None and not isinstance(step.get("id"), (list, dict)):
            out.setdefault(str(step["id"]), (i, step))
    return out


@rule("flow/duplicate-step-id", "error")
def duplicate_step_id(ctx: Context) -> Iterator[Problem]:
    """Two steps of one flow have the same ``id``.

    What it checks: step ids are unique within a flow (``1`` and ``"1"`` are the same id).
    Why: ``next_step`` targets name steps by id; with two, the edge goes to one of them at random.
    Example that fails:
        steps:
          - {id: reserve, title: Reserve}
          - {id: reserve, title: Reserve again}
    Fix: give each step its own id.
    """
    for flow in _flows(ctx):
        seen: dict[str, int] = {}
        for i, step in enumerate(flow.data["steps"]):
            if not isinstance(step, dict) or step.get("id") is None or isinstance(step.get("id"), (list, dict)):
                continue
            sid = str(step["id"])
            if sid in seen:
                yield Problem(
                    f'step id "{sid}" is used again (first by steps[{seen[sid]}]); give this step its own id.',
                    flow,
                    ("steps", i, "id"),
                    step=sid,
                )
            else:
                seen[sid] = i


@rule("flow/unknown-step", "error")
def unknown_step(ctx: Context) -> Iterator[Problem]:
    """A ``next_step``/``next_steps`` target is not a step of the flow.

    What it checks: every target id names a step ``id`` of the same flow. The steps that only the
    misspelt edge leads to are not reported again as ``flow/unreachable-step``: this finding says
    how many of them are behind it. "Did you mean" names the step the edge leaves only when the
    target is all but its id (a typo is read as an edge of a step to itself only when it is one).
    Why: the edge leads nowhere; EventCatalog draws a flow that is missing a transition.
    Example that fails:
        - id: reserve
          next_step: {id: authorise_payment}   # the step is authorize_payment
    Fix: correct the target id.
    """
    for flow in _flows(ctx):
        table, _adj = _steps_of(ctx, flow)
        for i, step in enumerate(flow.data["steps"]):
            if not isinstance(step, dict):
                continue
            for key in ("next_step", "next_steps"):
                if key not in step:
                    continue
                items = step[key] if key == "next_steps" and isinstance(step[key], list) else [step[key]]
                for j, item in enumerate(items):
                    targets = next_steps({"next_step": item})
                    for tid, _label in targets:
                        if tid not in table:
                            path = ("steps", i, key) + ((j,) if key == "next_steps" else ())
                            meant = _meant(tid, table, str(step.get("id")))
                            hint = phrased(meant[0] if meant else None) + _behind(flow, table, meant)
                            yield Problem(
                                f'{key} of step "{step.get("id")}" goes to "{tid}", which is no step of this flow.{hint}',
                                flow,
                                path,
                                step=str(step.get("id")),
                            )


def _meant(tid: str, table: StepTable, sid: str) -> list[str]:
    """The step a target that is no step was probably meant to be: the nearest step, but the step
    the edge leaves only when the target is all but its id (a typo is read as an edge of a step to
    itself only when it is one: ``subscription_cancelled`` is not ``subscription_service``), else
    the nearest other step."""
    best = nearest(tid, list(table), cutoff=0.7, slips_only=True)
    if sid not in best or nearest(tid, [sid], cutoff=0.9):
        return best
    return nearest(tid, [s for s in table if s != sid], cutoff=0.7, slips_only=True)


def _behind(flow: Resource, table: StepTable, meant: list[str]) -> str:
    """`` N steps behind it cannot be reached until it is fixed.`` when the misspelt target (meant
    as ``meant``) is the only way to them (they are not reported one by one as unreachable)."""
    order = sorted(table.items(), key=lambda kv: kv[1][0])
    if not meant or not order:
        return ""
    reached = _reached([order[0][0]], _adjacency(flow, table))
    behind = [s for s in _reached([meant[0]], _adjacency(flow, table)) if s not in reached]
    if not behind:
        return ""
    return f" {plural(len(behind), 'step')} behind it ({', '.join(sorted(behind))}) cannot be reached until it is fixed."


def _adjacency(flow: Resource, table: StepTable, repaired: bool = False) -> dict[str, list[str]]:
    """Each step's next steps that exist; ``repaired``: an edge to an unknown step goes to the step
    its id was probably meant to be (the ``flow/unknown-step`` suggestion), when there is one."""
    adj = {}
    for sid, (_i, step) in table.items():
        targets = []
        for t, _ in next_steps(step):
            if t in table:
                targets.append(t)
            elif repaired:
                targets.extend(_meant(t, table, sid))
        adj[sid] = targets
    return adj


@rule("flow/unreachable-step", "error")
def unreachable_step(ctx: Context) -> Iterator[Problem]:
    """A step cannot be reached from the flow's start (its first step).

    What it checks: every step is reachable from the first step through ``next_step``/``next_steps``.
    Why: an unreachable step is either dead or a missing edge; either way the flow is not what it shows.
    Example that fails:
        steps:
          - {id: a, title: A, next_step: b}
          - {id: b, title: B}
          - {id: c, title: C}        # nothing leads to c
    Fix: add the missing edge to it, or remove the step.
    """
    for flow in _flows(ctx):
        table, adj = _steps_of(ctx, flow)
        if not table:
            continue
        order = sorted(table.items(), key=lambda kv: kv[1][0])
        start = order[0][0]
        seen = _reached([start], adj)
        # steps behind a misspelt edge are that edge's consequence: flow/unknown-step reports the
        # cause, once, instead of one unreachable step per step behind it
        repaired = _adjacency(flow, table, repaired=True) if len(seen) < len(table) else adj
        behind_typo = _reached([start], repaired) - seen if repaired != adj else set()
        for sid, (i, _step) in order:
            if sid not in seen and sid not in behind_typo:
                yield Problem(
                    f'step "{sid}" cannot be reached from the first step "{start}"; '
                    "add a next_step that leads to it or remove it.",
                    flow,
                    ("steps", i, "id"),
                    step=sid,
                )


@rule("flow/dead-end", "error")
def dead_end(ctx: Context) -> Iterator[Problem]:
    """A loop of steps with no exit: no end of the flow can be reached from it.

    What it checks: from every step, following ``next_step``/``next_steps``, some end (a step
    with no next step) is reachable. A step with no next step is an end, not a dead end; a loop
    is fine as long as it has an exit. An edge to a step the flow does not define counts as an
    exit: it is ``flow/unknown-step``'s finding, once, and not a dead end for every step in front
    of it (a loop whose intended exits were never written as steps).
    One finding per closed loop, at its first step, naming the steps that lead only into it:
    they are fixed by the loop's exit (a flow drawn with no end at all is one finding, not one
    per step).
    Why: a flow that can enter a loop with no exit never finishes: a retry without "max retries
    exceeded", a saga that never terminates.
    Example that fails:
        - {id: retry, title: Retry, next_step: pay}
        - {id: pay, title: Pay, next_step: retry}
    Fix: add the exit (e.g. a "Max retries exceeded" branch to an end step).
    """
    for flow in _flows(ctx):
        table, adj = _steps_of(ctx, flow)
        if not table:
            continue
        trapped = _trapped(table, adj)
        if not trapped:
            continue
        rev: dict[str, list[str]] = {s: [] for s in trapped}
        for sid in trapped:
            for t in adj[sid]:
                rev[t].append(sid)
        for loop in closed_loops(trapped, adj.__getitem__):
            in_front = sorted(_reached(loop, rev) - set(loop), key=lambda sid: table[sid][0])
            # a baseline entry survives a step added in front of the loop: the loop's steps are its
            # identity, not the steps in front or its index among the steps (a position only)
            yield Problem(_dead_end_message(loop, in_front), flow, at=("steps", table[loop[0]][0], "id"), step=loop[0],
                          identity=_dead_end_message(loop, []))


def _trapped(table: StepTable, adj: dict[str, list[str]]) -> list[str]:
    """The steps (in the flow's order) from which no end can be reached. Ends: steps with no
    outgoing edge at all, and steps with an edge to an unknown step (the missing target was meant
    as a way on, and is flow/unknown-step's one finding)."""
    ends = [s for s, (_i, step) in table.items() if not next_steps(step) or any(t not in table for t, _ in next_steps(step))]
    rev: dict[str, list[str]] = {s: [] for s in table}
    for s, ts in adj.items():
        for t in ts:
            rev[t].append(s)
    ok = _reached(ends, rev)
    return [sid for sid, _ in sorted(table.items(), key=lambda kv: kv[1][0]) if sid not in ok]


def _reached(starts: list[str], adj: dict[str, list[str]]) -> set[str]:
    """The steps reached from ``starts`` (included) along ``adj``."""
    seen = set(starts)
    queue = deque(starts)
    while queue:
        for t in adj[queue.popleft()]:
            if t not in seen:
                seen.add(t)
                queue.append(t)
    return seen


def _dead_end_message(loop: list[str], in_front: list[str]) -> str:
    """What ``flow/dead-end`` says of one closed loop and the steps that lead only into it."""
    if len(loop) == 1:
        what = f'step "{loop[0]}" loops back to itself with no exit: no end of the flow can be reached from it'
    else:
        what = f"steps {_quoted(loop)} loop with no exit: no end of the flow can be reached from them"
    if in_front:
        lead = "leads" if len(in_front) == 1 else "lead"
        what += f", nor from {plural(len(in_front), 'step')} that {lead} only into the loop ({_quoted(in_front)})"
    return what + "; add an exit from the loop to an end step."


def _quoted(ids: list[str], most: int = 5) -> str:
    """Step ids, quoted and joined, the first ``most`` of them and how many more."""
    shown = ", ".join(f'"{sid}"' for sid in ids[:most])
    return shown if len(ids) <= most else f"{shown} and {len(ids) - most} more"


@rule("flow/step-kind", "error")
def step_kind(ctx: Context) -> Iterator[Problem]:
    """A step sets more than one node kind, or both ``next_step`` and ``next_steps``.

    What it checks: at most one of ``message``, ``service``, ``agent``, ``system``, ``systems``,
    ``flow``, ``container``, ``dataProduct``, ``actor``, ``custom`` per step; never ``next_step`` together with ``next_steps``.
    (The official linter reports these EventCatalog refinements as ``schema/validation-error``.)
    Why: EventCatalog's build rejects such a step.
    Source of truth: the ``refine`` of the flow step in EventCatalog's content collections (the
    official linter's ``system``/``systems`` steps, which the build drops, count here too).
    Example that fails:
        - id: reserve
          title: Reserve
          message: {id: reserve-inventory}
          service: {id: inventory-service}
    Fix: split it into two steps joined by ``next_step``.
    """
    for flow in _flows(ctx):
        for i, step in enumerate(flow.data["steps"]):
            if not isinstance(step, dict):
                continue
            kinds = [k for k in NODE_KEYS if step.get(k) is not None]
            sid = str(step.get("id")) if step.get("id") is not None else None
            if len(kinds) > 1:
                yield Problem(
                    f"step sets {', '.join(kinds)}; a step is one kind of node. Split it into steps joined by next_step.",
                    flow,
                    ("steps", i, kinds[1]),
                    step=sid,
                )
            if "next_step" in step and "next_steps" in step:
                yield Problem(
                    "step has both next_step and next_steps; use next_steps alone for several targets.",
                    flow,
                    ("steps", i, "next_steps"),
                    step=sid,
                )
