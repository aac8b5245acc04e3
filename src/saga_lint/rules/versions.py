"""``versions/*``: references to deprecated resources, and which page of a resource is its latest."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from saga_lint.catalog.versions import coerce
from saga_lint.rules import Context, Problem, rule
from saga_lint.words import cut

if TYPE_CHECKING:
    from saga_lint.catalog.model import Resource


@rule("versions/no-deprecated-references", "warning", official=True)
def no_deprecated_references(ctx: Context) -> Iterator[Problem]:
    """A reference points at a resource marked ``deprecated``.

    What it checks: every resolved reference (sends, receives, steps, members, ...) whose target
    version has ``deprecated: true`` or a ``deprecated`` object.
    Why: new dependencies on deprecated contracts make them impossible to retire.
    Example that fails:
        sends:
          - id: order-created
            version: 0.3.0    # that version is deprecated
    Fix: move to the replacement version, or remove the reference.
    The deprecation's ``message`` is quoted on one line, cut at 120 characters (it is Markdown
    for the catalog's notice, often several lines).
    """
    for x in ctx.graph.resolved:
        t = x.target
        if t is None or not t.is_deprecated or x.ref.source is t:
            continue
        if x.ref.source.is_deprecated:
            continue
        dep = t.data.get("deprecated")
        text = " ".join(dep["message"].split()) if isinstance(dep, dict) and isinstance(dep.get("message"), str) else ""
        note = f" ({cut(text.rstrip('.'), 120)})" if text else ""
        yield Problem(
            f'{x.ref.field} refers to {t.type} "{t.id}" {t.version or ""}, which is deprecated{note}. Move to its replacement.',
            x.ref.source,
            x.ref.path,
        )


@rule("versions/current-is-latest", "warning")
def current_is_latest(ctx: Context) -> Iterator[Problem]:
    """An older version's page (``versioned/<v>/``) has a newer version than the resource's current page.

    What it checks: for every resource with a page in its own folder (the current version) and
    pages under ``versioned/<v>/`` (older versions), that no ``versioned/`` page's ``version`` is
    higher than the current page's. Versions are compared as EventCatalog sorts them (major, minor
    and patch, ``1`` or ``v1`` read as ``1.0.0``; pre-releases of one release tie, so no claim is
    made between them); a resource with a version that is not one is skipped, as EventCatalog then
    sorts by text.
    Why: EventCatalog takes the highest version as the latest, wherever its page lives. The copy
    under ``versioned/`` is then shown as the current version, references without a version (or
    with ``latest``) resolve to it, and the page the team edits is listed as an old one. It
    happens when a page is copied to ``versioned/`` and the version is bumped on the copy instead
    of on the current page.
    Example that fails: ``events/OrderPlaced/index.mdx`` has ``version: 1.0.0`` and
    ``events/OrderPlaced/versioned/2.0.0/index.mdx`` has ``version: 2.0.0``.
    Fix: give the current page the newest version (and the copy the older one it documents), or,
    if the copy is the newest, make it the page in the resource's own folder.
    """
    for (rtype, rid), by_version in ctx.catalog.index().items():
        if len(by_version) < 2:
            continue
        pages = [p for same in by_version.values() for p in same]
        current = [p for p in pages if p.versioned_folder is None]
        older = [p for p in pages if p.versioned_folder is not None]
        if not current or not older:
            continue
        parsed = _semver_of(pages)
        if parsed is None:
            continue  # EventCatalog sorts by text then; no claim about which is latest
        top = max(current, key=lambda p: parsed[p.file])
        for page in older:
            if parsed[page.file] > parsed[top.file]:
                yield Problem(
                    f'{rtype} "{rid}" version {page.version} in this older version\'s folder is newer than the '
                    f"current page {top.file} (version {top.version}); EventCatalog shows the highest version as "
                    f"the latest, so this copy is listed as the current {rtype} and references without a version "
                    "resolve to it. Give the current page the newest version, or correct this copy's version.",
                    page,
                    ("version",),
                )


def _semver_of(pages: list[Resource]) -> dict[str, tuple[int, int, int]] | None:
    """Each page's version as EventCatalog compares it, by file: major, minor and patch (node
    semver's ``coerce`` drops a pre-release, so ``2.0.0-beta.10`` and ``2.0.0-beta.2`` tie);
    None when one is not a version."""
    out: dict[str, tuple[int, int, int]] = {}
    for p in pages:
        v = coerce(p.version) if p.version is not None else None
        if v is None:
            return None
        out[p.file] = (v.major, v.minor, v.patch)
    return out
