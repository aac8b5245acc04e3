"""``saga/docs-drift``: a docs page's "Saga steps" table agrees with the flow."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from saga_lint.rules import Problem, rule
from saga_lint.rules.saga.common import flowmap, ids
from saga_lint.saga.docs import cell_ids, column, docs_row, sub_flow_rows

if TYPE_CHECKING:
    from saga_lint.catalog.body import Table
    from saga_lint.catalog.model import Resource
    from saga_lint.rules import Context
    from saga_lint.saga.model import Saga, SagaStep


@rule("saga/docs-drift", "warning")
def docs_drift(ctx: Context) -> Iterator[Problem]:
    """A docs page's "Saga steps" table disagrees with the flow.

    What it checks: the table under a "Saga steps" heading of a docs page about the flow (one
    that links ``[[flow|id]]`` or embeds ``<Flow id>``) lists exactly the saga's steps (a row may
    also name a sub-flow step of the flow, a ``flow:`` node, by its title or id or by the flow it
    embeds: that flow is reviewed on its own); its contract column names each step's command; its
    owner column names the step's owner team, its participant service, or the system that
    contains it.
    Why: reviewers read the docs page; when it drifts from the flow, the review approves a saga
    that is not the one that runs.
    Example that fails: the table lists "Reserve inventory | [[command|reserve-stock]]" while the
    flow's step sends reserve-inventory.
    Fix: update the table (or the flow) so they agree.
    """
    for saga in ctx.sagas:
        if not saga.docs_table:
            continue
        page, table = saga.docs_table
        contract_col = column(table, "contract", "command", "message")
        owner_col = column(table, "owner", "owners", "team")
        matched_lines = set()
        for step in saga.steps:
            row = docs_row(table, step)
            if row is None:
                yield _at_line(saga, page, table.line, f"step {step.id} ({step.command_id}) is missing from the "
                               '"Saga steps" table. Add a row for it.', step)
                continue
            line, cells = row
            matched_lines.add(line)
            if contract_col is not None and contract_col < len(cells) and step.command_id:
                named = cell_ids(cells[contract_col])
                if step.command_id not in named:
                    given = ", ".join(named) or "nothing"
                    yield _at_line(saga, page, line, f'the "Saga steps" table gives {given} as the contract of {step.id}; '
                                   f"the flow sends {step.command_id}.", step)
            if owner_col is not None and owner_col < len(cells) and cells[owner_col].strip():
                yield from _owner_cell(ctx, saga, page, line, cells[owner_col], step)
        sub_flows = [n for n in flowmap(ctx, saga).ordered() if n.kind == "flow"]
        yield from _extra_rows(saga, page, table, matched_lines | sub_flow_rows(table, sub_flows))


def _at_line(saga: Saga, page: Resource, line: int, message: str, step: SagaStep | None = None) -> Problem:
    """A problem of the flow, placed at a line of the docs page."""
    return Problem(message, saga.flow, step=step.id if step else None, file=page.file, line=line, column=1, ref=saga.flow.ref)


def _owner_cell(ctx: Context, saga: Saga, page: Resource, line: int, cell: str, step: SagaStep) -> Iterator[Problem]:
    """The owner column names the step's owner, its participant, or a system or domain that holds it."""
    named = cell_ids(cell)
    ok_names = set(step.owners)
    p = step.participant
    if p is not None:
        ok_names.update(ids([p]))
        ok_names.update(ids(container for container, kind in ctx.graph.referrers(p) if kind == "contains"))
        for folder in ctx.catalog.enclosing_folders(p):
            ok_names.update(ids(r for r in ctx.catalog.resources if r.folder == folder and r.type in ("system", "domain")))
    bad = [n for n in named if n not in ok_names]
    if bad and ok_names:
        yield _at_line(saga, page, line, f'the "Saga steps" table names {", ".join(bad)} as owner of {step.id}; the catalog says '
                       f"{', '.join(sorted(ok_names))}.", step)


def _extra_rows(saga: Saga, page: Resource, table: Table, matched_lines: set[int]) -> Iterator[Problem]:
    """Rows of the table that are no step of the saga (nor a sub-flow step of its flow)."""
    for line, cells in table.rows:
        if line not in matched_lines:
            yield _at_line(saga, page, line, f'the "Saga steps" table lists "{cells[0] if cells else "?"}", which is no step of '
                           "the saga. Remove the row or add the step to the flow.")
