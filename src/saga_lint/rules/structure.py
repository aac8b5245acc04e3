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
    Fix: give one of them another id, or bump its version and move it to ``versioned/<v>/``.
    """
    for (rtype, rid), by_version in ctx.catalog.index().items():
        for version, pages in by_version.items():
            if len(pages) < 2:
                continue
            first = pages[0]
            for dup in pages[1:]:
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
    or one or two letters off), which EventCatalog's case-sensitive patterns never read.
    Why: EventCatalog ignores such files silently; what they document never appears.
    Example that fails: ``events/OrderCreated.mdx``.
    Fix: the message names the likely place: ``events/OrderCreated/index.mdx``,
    ``users/jane.mdx`` for ``users/jane/index.mdx``, ``events/<id>/index.mdx`` for
    ``events/index.mdx``, a version folder under ``versioned/``, a ``docs/`` folder for extra
    pages, the collection's own name for a near miss.
    """
