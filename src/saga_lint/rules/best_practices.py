"""``best-practices/*``: what makes a catalog page useful (the official linter's names)."""

from __future__ import annotations

from collections.abc import Iterator

from saga_lint.catalog.model import MESSAGE_TYPES
from saga_lint.catalog.v1 import schema_beside
from saga_lint.rules import Context, Problem, rule


@rule("best-practices/summary-required", "error", official=True)
def summary_required(ctx: Context) -> Iterator[Problem]:
    """A resource has no ``summary``.

    What it checks: every versioned resource and every team has a non-empty ``summary``
    (users have no summary field and are exempt).
    Why: the summary is what lists, search and the visualiser show; without it a reader must open
    every page.
    Example that fails:
        id: orders-service
        name: Orders Service
        version: 1.0.0
    Fix: ``summary: Accepts orders and publishes their lifecycle events.``
    """
    for res in ctx.catalog.resources:
        if res.type == "user":
            continue
        s = res.data.get("summary")
        if s is None or (isinstance(s, str) and not s.strip()):
            yield Problem(
                f"{res.type} \"{res.label}\" has no summary; add a one-line summary of what it is for.",
                res,
                ("summary",) if "summary" in res.data else ("id",),
            )


@rule("best-practices/owner-required", "error", official=True)
def owner_required(ctx: Context) -> Iterator[Problem]:
    """A resource has no ``owners``.

    What it checks: every versioned resource (not teams or users) lists at least one owner.
    Why: an unowned service or contract has nobody to review its changes or answer incidents.
    Example that fails:
        id: orders-service      # no owners
    Fix: ``owners: [ordering-platform]``.
    """
    for res in ctx.catalog.resources:
        if res.type in ("team", "user"):
            continue
        owners = res.data.get("owners")
        if not owners:
            yield Problem(
                f"{res.type} \"{res.label}\" has no owners; add owners: [<team or user id>].",
                res,
                ("owners",) if "owners" in res.data else ("id",),
            )


@rule("best-practices/description-required", "warning", official=True)
def description_required(ctx: Context) -> Iterator[Problem]:
    """A resource page has no Markdown body.

    What it checks: the page has text after its frontmatter (teams and users included).
    Why: the body is the documentation; an empty page documents nothing beyond its frontmatter.
    Example that fails: a page that ends right after the closing ``---``.
    Fix: describe the resource below the frontmatter.
    """
    v1 = ctx.catalog.v1
    for res in ctx.catalog.resources:
        if not res.body.strip() and not (v1 is not None and v1.declared_in_config(res)):
            yield Problem(
                f"{res.type} \"{res.label}\" has an empty page body; describe it below the frontmatter.",
                res,
                line=res.body_line,
                column=1,
            )


@rule("best-practices/schema-required", "warning", official=True)
def schema_required(ctx: Context) -> Iterator[Problem]:
    """An event, command or query has no schema.

    What it checks: messages have ``schemaPath`` or ``schemas``.
    Why: without a schema the message's contract cannot be reviewed or checked for breaking changes.
    Example that fails:
        id: order-created       # no schemaPath
    When a schema file already sits beside the page (``schema.json``, ``*.avsc``, ``*.proto``, ...),
    the finding names it and asks only for the ``schemaPath``.
    Fix: add ``schema.json`` next to the page and ``schemaPath: schema.json``.
    """
    from saga_lint.changes.schemafiles import beside, schema_folders

    folders = None
    for res in ctx.catalog.resources:
        if res.type in MESSAGE_TYPES and not res.data.get("schemaPath") and not res.data.get("schemas"):
            if ctx.catalog.v1 is not None and schema_beside(ctx.catalog, res):
                continue  # v1 kept the schema beside the page, unnamed
            if folders is None:
                folders = schema_folders(ctx.catalog)
            there = beside(ctx.catalog, res, folders)
            message = (f'{res.type} "{res.label}" names no schema, but {there[0]} sits beside its page; '
                       f"add schemaPath: {there[0]}." if there
                       else f'{res.type} "{res.label}" has no schema; add a schema file and schemaPath: schema.json.')
            yield Problem(message, res, ("id",))
