"""``parse/*``: problems found while reading files (emitted by the loader).

These rules have no check function: the loader reports them as it reads the catalog. They are
registered here so that they are documented and configurable like every other rule. The
``security/*`` rules have check functions of their own: ``security/path-outside-catalog`` in
``rules/refs.py`` (with the symlinks the loader reports under the same name) and
``security/remote-ref`` in ``rules/json_schemas.py``.
"""

from __future__ import annotations

from saga_lint.rules import Context, rule


@rule("parse/frontmatter", "error", emitted_by_loader=True)
def frontmatter(ctx: Context) -> None:
    """A page has no frontmatter, or its frontmatter is not closed or not a mapping.

    What it checks: a resource page starts with ``---``, YAML, and a closing ``---`` line, and the
    YAML is a mapping.
    Why: without frontmatter the resource has no id; EventCatalog skips or rejects the page.
    Source of truth: EventCatalog's build reads frontmatter as Astro does (blank lines before the
    opening ``---`` are allowed); a page without it has no id, which the build rejects.
    Example that fails:
        ---
        id: orders-service
        (no closing ---)
    Fix: close the frontmatter with a line containing only ``---``.
    """


@rule("parse/yaml", "error", emitted_by_loader=True)
def yaml_(ctx: Context) -> None:
    """The frontmatter is not valid YAML (or nests too deeply, or expands too far through aliases).

    What it checks: the YAML parses; tabs are not used for indentation; nesting stays under 100
    levels; alias expansion stays under 200,000 nodes (a "billion laughs" document is rejected).
    Why: a page that does not parse is invisible to EventCatalog and to every other rule.
    Source of truth: EventCatalog's build (Astro's frontmatter reader, js-yaml 4: YAML 1.2) fails
    on the same text; saga-lint reads YAML 1.2 too (``name: yes`` is a string).
    Example that fails:
        owners: [ordering-platform
    Fix: correct the YAML at the reported line and column.
    """


@rule("parse/duplicate-key", "error", emitted_by_loader=True)
def duplicate_key(ctx: Context) -> None:
    """The same key appears twice in one YAML mapping.

    What it checks: keys of every mapping are unique.
    Why: YAML parsers silently keep one of the two values, so half of what the author wrote is lost.
    Source of truth: EventCatalog's build (js-yaml) rejects a duplicated mapping key too.
    Example that fails:
        owners: [a]
        owners: [b]
    Fix: merge the two entries into one key.
    """


@rule("parse/encoding", "error", emitted_by_loader=True)
def encoding(ctx: Context) -> None:
    """A page is not UTF-8 text (invalid bytes, or a binary file named like a page).

    What it checks: every ``.md``/``.mdx`` page decodes as UTF-8 and contains no NUL bytes.
    Why: EventCatalog reads pages as UTF-8; a binary or mis-encoded page breaks the build.
    Source of truth: saga-lint's own check (the build reads pages as UTF-8).
    Example that fails: an ``index.mdx`` saved as Latin-1 with an ``é``.
    Fix: save the file as UTF-8.
    """


@rule("parse/too-large", "error", emitted_by_loader=True)
def too_large(ctx: Context) -> None:
    """A file is over the size cap (5 MB) and was not read.

    What it checks: the size of every page before it is read (an oversized schema file is
    ``schema/invalid-json-schema``).
    Why: a catalog page of many megabytes is a mistake or an attack; reading it would stall CI.
    Source of truth: saga-lint's own limit, more than the build checks.
    Example that fails: a 50 MB ``index.mdx``.
    Fix: move the large content out of the catalog, or split the page.
    """


@rule("parse/unreadable", "error", emitted_by_loader=True)
def unreadable(ctx: Context) -> None:
    """A file or folder cannot be read (permissions, I/O error).

    What it checks: every file and folder under the catalog can be opened.
    Why: an unreadable page is silently missing from the catalog.
    Source of truth: saga-lint's own check (the build cannot read the file either).
    Example that fails: ``chmod 000 services/Orders/index.mdx``.
    Fix: make the file readable.
    """


