"""``structure/*``: the catalog's files and identities."""

from __future__ import annotations

from collections.abc import Iterator

from saga_lint.rules import Context, Problem, rule


@rule("structure/duplicate-resource-ids", "error", official=True)
def duplicate_resource_ids(ctx: Context) -> Iterator[Problem]:
    """Two pages define the same resource (type, id and version).

    What it checks: no two resource pages share type, frontmatter ``id`` and ``version``
    (for teams and users: type and id).
    Why: EventCatalog keeps one of them at random; references resolve unpredictably.
    Example that fails: ``services/A/index.mdx`` and ``services/B/index.mdx`` both with
    ``id: orders-service`` and ``version: 1.0.0``.
    The page first in path order (``domains/...`` before ``services/...``) is taken as the
    original and the others are reported, wherever the walk found them first; the official linter
    reports the later of the two in the order its patterns and the file system list them, which
    is that order in the catalogs compared.
    Fix: give one of them another id, or bump its version and move it to ``versioned/<v>/``.
    """
    for (rtype, rid), by_version in ctx.catalog.index().items():
        for version, pages in by_version.items():
            if len(pages) < 2:
                continue
            first, *others = sorted(pages, key=lambda p: p.file)
            for dup in others:
                yield Problem(
                    f'{rtype} "{rid}"{" version " + version if version else ""} is also defined in {first.file}; '
                    f"ids must be unique per type and version. Rename one or give it another version.",
                    dup,
                    ("id",),
                )


@rule("structure/unrecognised-file", "warning", official=True, emitted_by_loader=True, official_since="1.1.17")
def unrecognised_file(ctx: Context) -> None:
    """A Markdown page inside a resource folder that no EventCatalog pattern matches.

    What it checks: every ``.md``/``.mdx`` file under a collection folder (``events/``,
    ``services/``, ..., ``teams/``, ``users/``) is a resource ``index``, a ``versioned/<v>/index``,
    a ``changelog``, a team or user file, or lives under a ``docs/`` folder; and pages under a
    folder named almost like a collection (``event/``, ``Services/``, ``comands/``: another case,
    or one or two letters off), which EventCatalog's case-sensitive patterns never read. A
    ``README.md`` (any case, ``.mdx`` too) is not reported: it is the repository's documentation
    of its folder (a catalog kept beside code, a bounded context's README), not a misplaced page.
    Why: EventCatalog ignores such files silently; what they document never appears.
    Example that fails: ``events/OrderCreated.mdx``.
    Fix: the message names the likely place: ``events/OrderCreated/index.mdx``,
    ``users/jane.mdx`` for ``users/jane/index.mdx``, ``events/<id>/index.mdx`` for
    ``events/index.mdx``, a version folder under ``versioned/``, a ``docs/`` folder for extra
    pages, the collection's own name for a near miss, ``events/OrderCreated/index.mdx`` for a
    message grouped in a sub-folder (``events/Orders/OrderCreated/index.mdx``).
    """


@rule("structure/v1-layout", "error")
def v1_layout(ctx: Context) -> Iterator[Problem]:
    """The catalog is in EventCatalog v1's layout, which EventCatalog 2 and later do not build.

    What it checks: whether pages are named by ``name`` alone (no ``id``), with users declared in
    ``eventcatalog.config.js`` (``module.exports = { users: [...] }``). Such a catalog is read with
    v1's meaning: each page's ``name`` is its id, the config's users are owners, a ``schema.*``
    file beside a message page is its schema, ``producers``/``consumers`` on events name services;
    every rule that applies to v1 runs. The layout is reported once, here, instead of a missing
    ``id`` (and a missing ``version`` on services and domains, and v1's own keys such as ``tags``)
    on every page.
    Why: EventCatalog 2 and later need an ``id`` on every page and a ``version`` on every
    versioned resource, and read users from ``users/*.mdx``; the build stops on the first v1 page.
    Example that fails:
        ---
        name: UserCreated
        version: 0.0.1
        producers: [User Service]
        ---
    Fix: add ``id:`` (the name, or a slug of it) to every page and ``version:`` to services and
    domains; move each user of the config file to ``users/<id>.mdx``; replace
    ``producers``/``consumers`` with ``sends``/``receives`` on the services; name the schema with
    ``schemaPath``. Or keep building with EventCatalog v1 and turn this rule off in the config. A
    catalog whose ``package.json`` declares ``@eventcatalog/core`` 1.x (or ``--eventcatalog-version 1``)
    still builds: the finding is one level lower (a warning).
    """
    from saga_lint.rules.schema import eventcatalog_of

    layout = ctx.catalog.v1
    if layout is None:
        return
    pages = layout.pages_without_id
    shown = ", ".join(pages[:3]) + (f" and {len(pages) - 3} more" if len(pages) > 3 else "")
    # at the config file, else the catalog itself: not at one of the pages, which a change adding
    # an earlier page would move (the review would show the finding as new and as resolved)
    file = layout.config_file or None
    ec = eventcatalog_of(ctx)
    still_v1 = ec.major < 2  # the catalog declares EventCatalog 1.x: it builds, the move is advice (one level lower)
    builds = f"it builds with {ec.label()}, but" if still_v1 else "but"
    yield Problem(
        f"this catalog is in EventCatalog v1's layout ({layout.evidence}); saga-lint reads it with v1's meaning "
        f"(name as id, the config's {len(layout.users)} users as owners), {builds} EventCatalog 2 and later do not build it: "
        f"{len(pages)} pages have no id ({shown}). Add id: to every page and version: to services and domains, "
        "and move the config's users to users/<id>.mdx.",
        file=file,
        line=1 if file else None,
        column=1 if file else None,
        demote=still_v1,
        identity="this catalog is in EventCatalog v1's layout",  # one more page without id is no new finding
    )
