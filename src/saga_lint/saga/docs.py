"""Docs pages about a flow, read as prose evidence of its saga.

A docs page is about a flow when it links ``[[flow|id]]`` or embeds ``<Flow id>``. From it (and
from the flow page itself) the saga model reads the "Saga steps" table (one row per step, with
columns such as Owner, Success, Retry, Customer status) and the "Success condition" and
"Compensation" sections. The ``saga/docs-drift`` rule compares the table with the flow; a row
may name a sub-flow step (``sub_flow_rows``), which is no saga step but is a step of the flow.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from saga_lint.saga.model import Evidence, Saga, SagaStep
from saga_lint.saga.values import pointer_id
from saga_lint.words import cut

if TYPE_CHECKING:
    from saga_lint.catalog.body import Table, WikiLink
    from saga_lint.catalog.model import Catalog, Resource
    from saga_lint.saga.flowmap import Node

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_EMPHASIS = re.compile(r"[`*_]")


def docs_about(catalog: Catalog, flow: Resource) -> list[Resource]:
    """Docs pages (and the flow page itself, first) that talk about this flow."""
    out = [flow]
    fid = flow.id
    if fid is None:
        return out
    for page in catalog.pages:
        if page.type != "doc" or fid not in page.body:
            continue
        body = page.body_doc
        if any(link.id == fid and (link.type in (None, "flow")) for link in body.links) or any(
            c.name == "Flow" and c.attrs.get("id") == fid for c in body.components
        ):
            out.append(page)
    return out


def cell_ids(cell: str) -> list[str]:
    """The resource ids a table cell names: its ``[[type|id]]`` links, else its plain text."""
    from saga_lint.catalog.body import WIKI_LINK

    ids = [m.group("id").strip() for m in WIKI_LINK.finditer(cell.replace("\\|", "|"))]
    if ids:
        return ids
    text = _EMPHASIS.sub("", cell).strip()
    return [text] if text else []


def _norm(text: str) -> str:
    return _NOT_ALNUM.sub("", str(text).lower())


def find_docs_table(docs: Sequence[Resource]) -> tuple[Resource, Table] | None:
    """The first table under a "Saga steps" (or "Steps") heading of these pages."""
    for page in docs:
        if "|" not in page.body:
            continue
        body = page.body_doc
        for table in body.tables:
            if table.section and table.section.strip().lower() in ("saga steps", "steps") and table.header:
                return page, table
    return None


def column(table: Table, *names: str) -> int | None:
    """The index of the first header cell that reads as one of ``names`` (case and punctuation aside)."""
    wanted = [_norm(n) for n in names]
    for i, h in enumerate(table.header):
        if _norm(h) in wanted:
            return i
    return None


def docs_row(table: Table, step: SagaStep) -> tuple[int, list[str]] | None:
    """(line, cells) of the step's row: the row naming its command, or its title or id; else (a step
    started by an event, whose node is the event's) the first row naming its trigger event in a
    Trigger column."""
    contract_col = column(table, "contract", "command", "message")
    trigger_col = column(table, "trigger", "trigger event") if step.trigger_kind == "event" else None
    step_col = column(table, "step", "name")
    by_trigger = None
    for line, cells in table.rows:
        if (contract_col is not None and contract_col < len(cells) and step.command_id
                and step.command_id in cell_ids(cells[contract_col])):
            return line, cells
        if step_col is not None and step_col < len(cells) and _norm(cells[step_col]) in (_norm(step.title), _norm(step.id)):
            return line, cells
        if by_trigger is None and trigger_col is not None and trigger_col < len(cells) and step.trigger \
                and step.trigger in cell_ids(cells[trigger_col]):
            by_trigger = line, cells
    return by_trigger


def sub_flow_rows(table: Table, nodes: Sequence[Node]) -> set[int]:
    """Lines of the rows that name a sub-flow step (a ``flow:`` node of the map): by the node's title
    or id in the Step column, or the flow it embeds in a Contract, Command, Message or Flow column."""
    step_col = column(table, "step", "name")
    flow_col = column(table, "contract", "command", "message", "flow")
    titles = {_norm(str(t)) for n in nodes for t in (n.data.get("title") or n.id, n.id)}
    embedded = {fid for n in nodes if (fid := pointer_id(n.data.get("flow")))}
    out = set()
    for line, cells in table.rows:
        if (step_col is not None and step_col < len(cells) and _norm(cells[step_col]) in titles) \
                or (flow_col is not None and flow_col < len(cells) and embedded & set(cell_ids(cells[flow_col]))):
            out.add(line)
    return out


def _docs_cell(saga: Saga, step: SagaStep, columns: Sequence[str]) -> tuple[Resource, int, str] | None:
    """(page, line, cell text) of this step's row in the docs "Saga steps" table, column by name."""
    if not saga.docs_table:
        return None
    page, table = saga.docs_table
    col = column(table, *columns)
    if col is None:
        return None
    row = docs_row(table, step)
    if row is None:
        return None
    line, cells = row
    if col >= len(cells) or not cells[col].strip():
        return None
    return page, line, cells[col]


def docs_evidence(
    saga: Saga,
    step: SagaStep,
    columns: Sequence[str],
    value: Callable[[str], object] | None = None,
    note: str | None = None,
) -> Evidence | None:
    """Prose evidence from this step's cell of the docs "Saga steps" table (first matching column).
    ``value(text)`` gives the evidence value (default: the cell text); ``note`` replaces the default."""
    cell = _docs_cell(saga, step, columns)
    if not cell:
        return None
    page, line, text = cell
    return Evidence("prose", value(text) if value else text, page.file, line, 1, note or f"docs table: {cut(text, 80)}")


def compensation_section(saga: Saga) -> Evidence | None:
    """Prose evidence from the first "Compensation" section of the flow page or a docs page about it."""
    for page in [saga.flow, *saga.docs_pages]:
        sec = page.body_doc.section("Compensation", "Compensations") if "ompensation" in page.body else None
        if sec is not None:
            return Evidence("prose", None, page.file, sec.line, 1, '"Compensation" section of the docs')
    return None


def outcome_section(docs: Sequence[Resource]) -> tuple[dict[str, str | None], Evidence] | None:
    """The outcome ({container, event}) linked from the first "Success condition" section, and its evidence."""
    for page in docs:
        if "uccess" not in page.body:
            continue
        body = page.body_doc
        sec = body.section("Success condition", "Success", "Outcome")
        if sec is None:
            continue
        links = [link for link in body.links if sec.line <= link.line <= sec.end_line]
        found = {"container": next((link.id for link in links if link.type == "container"), None), "event": _outcome_event(links)}
        return found, Evidence("prose", found, page.file, sec.line, 1, f'"{sec.title}" section of {page.file}')
    return None


def _outcome_event(links: list[WikiLink]) -> str | None:
    """The outcome event a "Success condition" section links: the first one after its container
    (written and published together), else the last one; the events it names before the container
    are usually earlier steps' replies ("succeeds only when inventory is reserved ([[event|...]])")."""
    at = next((i for i, link in enumerate(links) if link.type == "container"), len(links))
    events = [link.id for link in links[at:] if link.type == "event"] or [link.id for link in links if link.type == "event"][-1:]
    return events[0] if events else None
