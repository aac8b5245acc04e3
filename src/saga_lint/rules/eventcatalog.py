"""The catalog against its EventCatalog version as a whole, one finding per cause: EventCatalog 4
features in a catalog that declares no version (``schema/undeclared-version``, which folds the
per-page warnings they would give), and pages the version does not load (``structure/not-loaded``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from saga_lint.catalog import ecloads
from saga_lint.catalog.fileio import MAX_FILE_BYTES, read_capped
from saga_lint.catalog.pagefacts import frontmatter_issues, not_loaded_by, pages_having
from saga_lint.catalog.refs import format_path
from saga_lint.rules import Context, Problem, rule
from saga_lint.rules.schema import eventcatalog_of
from saga_lint.words import cut, plural

if TYPE_CHECKING:
    from saga_lint.catalog.fmschema import Issue
    from saga_lint.catalog.model import Resource
    from saga_lint.ecversion import EcVersion

SHOWN = 3  # pages named in a message; the rest are counted
_CONFIGS = ("eventcatalog.config.js", "eventcatalog.config.cjs", "eventcatalog.config.mjs", "eventcatalog.config.ts")
_PLURALS = {"query": "queries", "entity": "entities", "ubiquitous-language": "ubiquitous-language pages",
            "custom-doc": "docs pages", "resource-doc": "resource docs pages", "changelog": "changelogs", "page": "pages"}


def _pages(files: list[str]) -> str:
    """``3 pages: a, b, c`` or ``5 pages: a, b, c and 2 more``."""
    more = len(files) - SHOWN
    return f"{plural(len(files), 'page')}: {', '.join(files[:SHOWN])}" + (f" and {more} more" if more > 0 else "")


def _kinds(kind: str) -> str:
    return _PLURALS.get(kind, kind + "s")


def _judged(ctx: Context, *facts: str) -> Iterator[tuple[Resource, str]]:
    """Every page with a collection kind whose page facts have any of ``facts``
    (``pagefacts.pages_having``), with that kind (the config's v1 users are no page)."""
    v1 = ctx.catalog.v1
    for res in pages_having(ctx.catalog, *facts):
        if v1 is not None and v1.declared_in_config(res):
            continue
        yield res, ecloads.kind_of(res.type, res.file)


_UNLOADED, _DROPPED = "pages 3.x does not load", "keys 3.x drops"
_REJECTED = "values the 3.x build rejects (errors on their pages)"


def _feature(res: Resource, issue: Issue) -> tuple[str, str]:
    """What a 4.x-only issue uses, and how 3.x takes it: ``(keys 3.x drops, domain "systems")``,
    ``(values the 3.x build rejects, adr "appliesTo[].type: system")``."""
    where = format_path(p if not isinstance(p, int) else 0 for p in issue.path).replace("[0]", "[]")
    if issue.kind in ("unknown-dropped", "unknown-nested"):
        return _DROPPED, f'{res.type} "{where}"'
    value = _value_at(res.data, issue.path)
    shown = f": {cut(str(value), 40)}" if isinstance(value, (str, int, float)) else ""
    return _REJECTED, f'{res.type} "{where}{shown}"'


def _value_at(data: object, path: tuple[object, ...]) -> object:
    """The frontmatter value at ``path`` (None where there is none)."""
    for p in path:
        if isinstance(data, dict):
            data = data.get(p)
        elif isinstance(data, list) and isinstance(p, int) and 0 <= p < len(data):
            data = data[p]
        else:
            return None
    return data


def _features(ctx: Context) -> dict[str, dict[str, list[str]]]:
    """The 4.x features the catalog uses, by how 3.x takes them, each with the pages using it."""
    from saga_lint.catalog.fmschema import read_by_4_only

    found: dict[str, dict[str, set[str]]] = {_UNLOADED: {}, _DROPPED: {}, _REJECTED: {}}
    for res, kind in _judged(ctx, "not_loaded_by", "frontmatter_issues"):
        unloaded = not_loaded_by(ctx.catalog, res)
        if "3" in unloaded and "4" not in unloaded:
            k = _kinds(kind)
            at = ecloads.shape(res.file)
            label = f"{k} at {at}" if ecloads.has_collection("3", kind) else f"{k}: 3.x has no {k} collection"
            found[_UNLOADED].setdefault(label, set()).add(res.file)
        # the keys are schema/unknown-*'s folded issues (folded_by_undeclared), the values errors too
        for issue in read_by_4_only(frontmatter_issues(ctx.catalog, res)):
            effect, label = _feature(res, issue)
            found[effect].setdefault(label, set()).add(res.file)
    return {effect: {label: sorted(files) for label, files in labels.items()} for effect, labels in found.items() if labels}


def _declaration_place(ctx: Context) -> tuple[str | None, int | None]:
    """Where a version would be declared: package.json (at its ``dependencies``), else the
    EventCatalog config file, else the catalog itself (no file)."""
    root = ctx.catalog.root
    if (root / "package.json").is_file():
        try:
            data, _ = read_capped(str(root / "package.json"), MAX_FILE_BYTES)
        except OSError:
            data = None
        lines = (data or b"").decode("utf-8", "replace").split("\n")
        at = next((n for n, text in enumerate(lines, 1) if '"dependencies"' in text or '"devDependencies"' in text), 1)
        return "package.json", at
    for name in _CONFIGS:
        if (root / name).is_file():
            return name, 1
    return None, None


@rule("schema/undeclared-version", "warning", page_facts=True)
def undeclared_version(ctx: Context) -> Iterator[Problem]:
    """The catalog uses EventCatalog 4 features and declares no EventCatalog version.

    What it checks: with no version declared (no ``@eventcatalog/core`` in ``package.json``, no
    ``--eventcatalog-version``, no ``eventcatalog-version`` in the config), saga-lint checks
    against the latest release, 3.48.4. When the catalog uses what only 4.x reads (a domain's
    ``systems``, a container's ``purpose``, ``receives[].triggers``, nested entity
    ``properties``, system pages, services under a system, ``appliesTo[].type: system``), this
    rule says so once, at ``package.json`` (or the EventCatalog config file, or the catalog), listing
    each feature with its first pages and a count. The per-page ``schema/unknown-field`` and
    ``schema/unknown-nested-field`` warnings for those keys are folded into it, and so are the
    4.x-only folders ``structure/not-loaded`` would report; values the 3.x build rejects stay
    errors on their pages (the build does fail on them). With 3.x declared, nothing is folded:
    each key and folder is reported where it is, since that build loses each of them.
    Why: the catalog was written for EventCatalog 4; built with 3.x it loses those keys and
    pages silently, or fails. Declaring the version makes the build and saga-lint agree.
    Source of truth: the content collections of ``@eventcatalog/core`` 3.48.4 and 4.x
    (docs/eventcatalog-versions.md); the 3.x side is checked against the real build by
    tests/test_build_oracle.py.
    Example that fails: a catalog without ``package.json`` whose domain page has
        systems:
          - id: order-management-system
    Fix: declare ``"@eventcatalog/core": "^4.0.0"`` in ``package.json`` (or run with
    ``--eventcatalog-version 4``); to stay on 3.x, declare 3.x and remove what it does not read.
    """
    ec = eventcatalog_of(ctx)
    if not ec.assumed or ec.line != "3" or ctx.catalog.v1 is not None:
        return
    features = _features(ctx)
    if not features:
        return
    listed = " ".join(
        f"{effect.capitalize()}: " + "; ".join(f"{label} ({_pages(files)})" for label, files in labels.items()) + "."
        for effect, labels in features.items()
    )
    count = sum(len(labels) for labels in features.values())
    file, line = _declaration_place(ctx)
    yield Problem(
        f"no EventCatalog version is declared, so the catalog is checked against {ec.label()}, but it uses "
        f"{plural(count, 'EventCatalog 4 feature')}. {listed} Declare \"@eventcatalog/core\": \"^4.0.0\" in "
        "package.json (or run with --eventcatalog-version 4), or the 3.x build leaves them out; to build with 3.x, declare 3.x.",
        file=file,
        line=line,
        column=1 if line else None,
        identity="no EventCatalog version declared; 4.x features: "
        + "; ".join(sorted(label for labels in features.values() for label in labels)),
    )


@rule("structure/not-loaded", "warning", page_facts=True)
def not_loaded(ctx: Context) -> Iterator[Problem]:
    """Pages the catalog's EventCatalog version does not load, one finding per place.

    What it checks: every page saga-lint reads against the glob patterns of its collection in
    the catalog's EventCatalog version: services only under ``services/*/``,
    ``domains/*/services/*/`` and ``domains/*/subdomains/*/services/*/`` (4.x also under
    ``systems/*/services/*/`` and ``domains/*/systems/*/services/*/``), domains only at
    ``domains/*/`` and ``domains/*/subdomains/*/``, no systems at all in 3.x, resource docs only
    under a collection folder at the catalog's root or under ``domains/``, teams and users only as
    ``teams/*.mdx`` and ``users/*.mdx``. Pages in one place are one finding (at the first page),
    naming the place, the pages (the first few and a count) and where the version loads them
    from. With no version declared, what 4.x loads is ``schema/undeclared-version``'s.
    saga-lint still reads those pages (references to them resolve), but judges their frontmatter
    only for the versions that load them.
    Why: EventCatalog's build drops such pages silently: what they document never appears, and
    pointers to them lead nowhere.
    Source of truth: the content collections' glob patterns of ``@eventcatalog/core``
    (``eventcatalog/src/content.config.ts``: 3.48.4 as released, 4.x from the repository);
    tests/test_build_oracle.py compares with the pages in the 3.48.4 build's data store.
    Example that fails: with ``@eventcatalog/core`` 3.48.4 declared,
    ``domains/Ordering/systems/oms/services/OrderService/index.mdx``.
    Fix: move the pages where the version loads them (the message says where), or declare the
    EventCatalog version that loads them.
    """
    ec = eventcatalog_of(ctx)
    if ec.major < 3 or ctx.catalog.v1 is not None:
        return
    other = "4" if ec.line == "3" else "3"
    groups: dict[tuple[str, str], list[Resource]] = {}
    for res, kind in _judged(ctx, "not_loaded_by"):
        unloaded = not_loaded_by(ctx.catalog, res)  # ecloads.loads, asked by the loader's workers
        if ec.line not in unloaded:
            continue
        later = other not in unloaded
        if later and ec.assumed and other == "4":
            continue  # schema/undeclared-version lists it
        place = ecloads.shape(res.file) if ecloads.has_collection(ec.line, kind) else ""
        groups.setdefault((kind, place), []).append(res)
    for (kind, place), pages in groups.items():
        pages.sort(key=lambda res: res.file)
        yield _not_loaded(ec, kind, place, pages, ecloads.loads(other, kind, pages[0].file))


def _not_loaded(ec: EcVersion, kind: str, place: str, pages: list[Resource], other_loads: bool) -> Problem:
    files = [p.file for p in pages]
    if place:
        loaded = ecloads.where(ec.line, kind)
        what = f"{ec.label()} does not load {_kinds(kind)} at {place}: {_pages(files)}. It loads them from {loaded}"
    else:
        what = f"{ec.label()} has no {_kinds(kind)} collection, so it does not load the {_kinds(kind)} ({_pages(files)})"
    if other_loads:
        advice = f"EventCatalog {'4' if ec.line == '3' else '3'}.x loads them: declare that version, or move them"
    else:
        advice = "No EventCatalog version loads them there: move them"
    return Problem(f"{what}; the build leaves them out silently. {advice}.", pages[0], line=1, column=1,
                   identity=f"{ec.line}.x does not load {kind} at {place or '(no collection)'}")
