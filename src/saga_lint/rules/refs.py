"""``refs/*``: references between resources, and files the catalog points at."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from saga_lint.catalog.model import MESSAGE_TYPES
from saga_lint.rules import Context, Problem, rule
from saga_lint.suggest import did_you_mean
from saga_lint.words import with_article

if TYPE_CHECKING:
    from saga_lint.catalog.body import Component
    from saga_lint.catalog.model import Resource
    from saga_lint.catalog.refs import Reference
    from saga_lint.catalog.yaml.locations import KeyPath

# (status, resource, key path, body component or None, the path as written)
PathCheck = tuple[str, "Resource", "KeyPath", "Component | None", str]

_WORD = {"event": "event", "command": "command", "query": "query", "service": "service", "team": "team", "user": "user"}


def _kind_words(targets: tuple[str, ...]) -> str:
    if set(targets) == set(MESSAGE_TYPES):
        return "message (event, command or query)"
    if set(targets) == {"team", "user"}:
        return "team or user"
    if len(targets) > 4:
        return "resource"
    return " or ".join(targets)


def _ids_by_type(ctx: Context) -> dict[str, set[str]]:
    cache: dict[str, set[str]] | None = ctx.memo.get("_ids_by_type")
    if cache is None:
        cache = {}
        for r in ctx.catalog.resources:
            if r.id is not None:
                cache.setdefault(r.type, set()).add(r.id)
        ctx.memo["_ids_by_type"] = cache
    return cache


def _names_by_type(ctx: Context) -> dict[str, dict[str, str]]:
    """Per resource type, every name a resource is known by (its id, its ``name``, its folder's
    name) -> its id: a reference written with the name or the folder name still finds the id."""
    names: dict[str, dict[str, str]] | None = ctx.memo.get("_names_by_type")
    if names is None:
        names = {}
        for r in ctx.catalog.resources:
            if r.id is None:
                continue
            table = names.setdefault(r.type, {})
            table.setdefault(r.id, r.id)
            for alias in (r.data.get("name"), r.folder.rsplit("/", 1)[-1] if r.folder else None):
                if isinstance(alias, str) and alias:
                    table.setdefault(alias, r.id)
        ctx.memo["_names_by_type"] = names
    return names


def _did_you_mean(ctx: Context, targets: tuple[str, ...], rid: str, source: Resource) -> str:
    """`` Did you mean "x"?`` among the resources of the target types, never the page that makes
    the reference (a data product's output is not itself)."""
    known: dict[str, str] = {}
    by_type = _names_by_type(ctx)
    for t in targets:
        names = by_type.get(t, {})
        known.update(names if t != source.type else {a: i for a, i in names.items() if i != source.id})
    if not known or len(known) > 60000:
        return ""
    return did_you_mean(rid, known, cutoff=0.75, slips_only=True)


def _other_types(ctx: Context, targets: tuple[str, ...], rid: str) -> str:
    """' "x" is a container, not ...' when the id exists as a resource of another type."""
    others = sorted(t for t, ids in _ids_by_type(ctx).items() if t not in targets and rid in ids)
    if not others:
        return ""
    kinds = " and ".join(with_article(t) for t in others)
    return f' "{rid}" is {kinds} in this catalog, not {with_article(_kind_words(targets))}.'


def _unloaded_pages(ctx: Context) -> dict[tuple[str, str], str]:
    """(folded resource-folder name, the kind its collection holds) -> path of each index page
    EventCatalog does not load (``structure/unrecognised-file``, ``classify.unloaded_index``): a
    reference to it is missing because of where it is."""
    from saga_lint.catalog.classify import unloaded_index
    from saga_lint.suggest import fold

    pages: dict[tuple[str, str], str] | None = ctx.memo.get("_unloaded_pages")
    if pages is None:
        pages = {}
        for f in ctx.catalog.load_findings:
            found = unloaded_index(f.file or "") if f.rule == "structure/unrecognised-file" else None
            if found is not None:
                key = (fold(found[1]), found[0])
                if key not in pages or "/versioned/" in pages[key]:  # the latest version's page first
                    pages[key] = str(f.file)
        ctx.memo["_unloaded_pages"] = pages
    return pages


def _missing(ctx: Context, predicate: Callable[[Reference], bool]) -> Iterator[Problem]:
    from saga_lint.suggest import fold

    for x in ctx.graph.unresolved:
        ref = x.ref
        if x.status != "missing" or not predicate(ref):
            continue
        what = _kind_words(ref.targets)
        hint = _did_you_mean(ctx, ref.targets, ref.id, ref.source) or _other_types(ctx, ref.targets, ref.id)
        pages = {} if hint else _unloaded_pages(ctx)
        unloaded = next((p for t in ref.targets if (p := pages.get((fold(ref.id), t)))), None)
        advice = (f": its page {unloaded} is in a folder EventCatalog does not load (structure/unrecognised-file). "
                  "Move the page or correct the id." if unloaded else f".{hint} Add its page or correct the id.")
        yield Problem(f'{ref.field} refers to {what} "{ref.id}", which is not in the catalog{advice}', ref.source, ref.path)


def _is_owner_ref(ref: Reference) -> bool:
    return ref.relation == "owns" and ref.path[0] in ("owners", "decisionMakers")


def _is_channel(ref: Reference) -> bool:
    return bool(ref.targets == ("channel",))


def _is_container(ref: Reference) -> bool:
    return bool(ref.targets == ("container",))


@rule("refs/owner-exists", "error", official=True)
def owner_exists(ctx: Context) -> Iterable[Problem]:
    """An ``owners`` entry names no team or user of the catalog.

    What it checks: every id in ``owners`` (and ADR ``decisionMakers``) is a file in ``teams/`` or
    ``users/`` (by its frontmatter ``id``).
    Why: an owner that does not exist means nobody is accountable for the resource.
    Example that fails:
        owners: [ordering-platfrom]
    Fix: correct the id, or add ``teams/ordering-platform.mdx``.
    """
    return _missing(ctx, _is_owner_ref)


@rule("refs/resource-exists", "error", official=True)
def resource_exists(ctx: Context) -> Iterable[Problem]:
    """A reference names a resource that is not in the catalog.

    What it checks: ``sends``/``receives`` (and their ``triggers``), domain and system members
    (``services``, ``systems``, ``domains``, ``flows``, ``entities``, ...), flow steps (``message``,
    ``service``, ``agent``, ``system``, ``systems``, ``flow``, ``dataProduct``), ``producers`` and
    ``consumers`` written on a message, a container's ``services`` and
    ``servicesThatWriteToContainer``-style lists, entity ``properties[].references``, ADR links,
    team members, ``owned*`` lists (``ownedSystems`` too).
    Resources declared as ``dependencies`` in ``eventcatalog.config.js`` count as existing. When
    a page EventCatalog does not load (``structure/unrecognised-file``, e.g. an event grouped in
    ``events/Orders/OrderPlaced/``) sits in a folder named like the id, under a collection of a
    kind the reference points at, the message names it. A reference that names a version
    (``version: 1.0.0``, ``latest`` too) is reported under ``refs/valid-version-range`` instead,
    as the official linter names it, with the same message.
    Why: a dangling reference is a broken link in the catalog and a missing contract in the graph.
    Example that fails:
        sends:
          - id: order-craeted
    Fix: correct the id ("did you mean" is suggested) or add the resource's page.
    """
    return _missing(ctx, lambda r: _plain(r) and not r.version)


def _plain(ref: Reference) -> bool:
    """A reference that is not to an owner, a channel or a container (each has a rule of its own)."""
    return not (_is_owner_ref(ref) or _is_channel(ref) or _is_container(ref))


def _versioned(ref: Reference) -> bool:
    """A reference that names a version (``latest`` too): to a resource the catalog does not have,
    the official linter reports it as ``refs/valid-version-range``, not ``refs/resource-exists``
    (owners, channels and containers keep their own rules), and so does saga-lint."""
    return bool(ref.version) and _plain(ref)


@rule("refs/channel-exists", "error", official=True)
def channel_exists(ctx: Context) -> Iterator[Problem]:
    """A reference names a channel that is not in the catalog.

    What it checks: channels in ``sends[].to``, ``receives[].from``, message ``channels``, channel
    ``routes``/``channels``. Channel ids may contain placeholders such as ``orders.{env}.events``.
    A channel that exists without the version asked for is reported here too (not under
    ``refs/valid-version-range``), as the official linter does.
    Why: a message routed to a channel nobody documented cannot be found or governed.
    Example that fails:
        sends:
          - id: order-created
            to: [{id: orders.events}]
    Fix: add ``channels/<name>/index.mdx`` with that id, or correct the id.
    """
    yield from _missing(ctx, _is_channel)
    yield from _no_version(ctx, _is_channel)


@rule("refs/container-exists", "error", official=True)
def container_exists(ctx: Context) -> Iterator[Problem]:
    """A reference names a container (data store) that is not in the catalog.

    What it checks: ``writesTo``, ``readsFrom``, system ``containers`` and flow ``container`` steps.
    A container that exists without the version asked for is reported here too (not under
    ``refs/valid-version-range``), as the official linter does.
    Why: the data a service owns is part of its contract; a missing store hides it.
    Example that fails:
        writesTo: [{id: order-db}]
    Fix: add ``containers/<name>/index.mdx`` with that id, or correct the id.
    """
    yield from _missing(ctx, _is_container)
    yield from _no_version(ctx, _is_container)


@rule("refs/valid-version-range", "error", official=True)
def valid_version_range(ctx: Context) -> Iterator[Problem]:
    """A reference's version matches no version of the resource it names.

    What it checks: version references (exact, ``latest``, ``^1.0.0``, ``~1.2.0``, ``>=1.5``,
    ``1.0.0 - 2.0.0``, ``1.x``, number-like ``1``) against the versions the catalog has
    (the root page and every ``versioned/<v>/`` page); the newest match wins. Channels and
    containers are reported under ``refs/channel-exists`` and ``refs/container-exists``, as the
    official linter names them. A reference with a version to a resource the catalog does not
    have at all (no version of it) is reported here too, as the official linter does, with
    ``refs/resource-exists``'s message (the id is wrong, or the page is missing).
    Why: the reference resolves to nothing, so the relation silently disappears.
    Example that fails:
        sends:
          - id: order-created
            version: ^2.0.0        # the catalog has 1.0.0 and 0.3.0
    Fix: point at an existing version, or add the version.
    """
    yield from _missing(ctx, _versioned)
    yield from _no_version(ctx, lambda r: not (_is_channel(r) or _is_container(r)))


def _no_version(ctx: Context, predicate: Callable[[Reference], bool]) -> Iterator[Problem]:
    """The references of ``predicate`` to a resource the catalog has, but not in the version asked for."""
    for x in ctx.graph.unresolved:
        if x.status != "no-version" or not predicate(x.ref):
            continue
        ref = x.ref
        have: set[str] = set()
        for t in ref.targets:
            have.update(v for v in ctx.catalog.versions_of(t, ref.id) if v)
        listed = f"only {', '.join(sorted(have))}. Point at one of those versions" if have else "its page without a version"
        yield Problem(
            f'{ref.field} asks for {_kind_words(ref.targets)} "{ref.id}" version "{ref.version}", '
            f"but the catalog has {listed}.",
            ref.source,
            ref.path,
        )


def _path_checks(ctx: Context) -> list[PathCheck]:
    """``(status, resource, key path, component or None, path text)`` for every file path of the
    pages with a path that does not resolve (``catalog.pagefacts.path_checks``: computed by the
    loader's workers on large catalogs)."""
    cache: list[PathCheck] | None = ctx.memo.get("_path_checks")
    if cache is None:
        from saga_lint.catalog.pagefacts import pages_having, path_checks

        cache = []
        catalog = ctx.catalog
        for res in pages_having(catalog, "path_problems"):  # a page whose every path resolves has none
            for status, path, comp, text in path_checks(catalog, res):
                cache.append((status, res, path, comp, text))
        ctx.memo["_path_checks"] = cache
    return cache


@rule("refs/file-exists", "error", official=True, page_facts=True, official_since="1.1.17")
def file_exists(ctx: Context) -> Iterator[Problem]:
    """A file the catalog points at does not exist.

    What it checks: ``schemaPath``, ``schemas[].path``/``file``, ``schemas[].ref`` written as
    ``file://<path>``, ``specifications`` (OpenAPI, AsyncAPI, GraphQL), data-product
    ``contract.path`` and ``<SchemaViewer file>``/``<Schema file>`` in page bodies, each resolved
    against the resource's own folder (a ``versioned/<v>/`` folder has its own); and
    ``styles.icon`` paths that start with ``/``, which EventCatalog serves from the catalog's
    ``public/`` folder (``/icons/go.svg`` is ``public/icons/go.svg``). Icons are checked only
    when the catalog has a ``public/`` folder: without one, its static files live elsewhere (or
    were left out of the copy being linted) and every icon would be reported.
    Why: the page renders without its contract (or icon), and schema checks cannot run.
    Example that fails:
        schemaPath: schema.json     # no schema.json next to index.mdx
    Fix: add the file next to the page (icons under public/), or correct the path.
    """
    for status, res, path, comp, text in _path_checks(ctx):
        if status != "missing":
            continue
        if path == ("styles", "icon") and comp is None:
            from saga_lint.catalog.paths import icon_file

            yield Problem(
                f'styles.icon points at "{text}", which does not exist: EventCatalog serves it from '
                f"{icon_file(text)}. Add the icon there or correct the path.",
                res,
                path,
            )
            continue
        where = f"<{comp.name} file>" if comp else ".".join(str(p) for p in path)
        said = (f"{where} is empty. Name the file, or remove the key" if not text.strip() else
                f'{where} points at "{text}", which does not exist in {res.folder or "."}/. Add the file or correct the path')
        yield Problem(
            f"{said}.",
            res,
            path,
            line=comp.line if comp else None,
            column=comp.column if comp else None,
        )


@rule("security/path-outside-catalog", "error", page_facts=True)
def path_outside_catalog(ctx: Context) -> Iterator[Problem]:
    """A path in the catalog leads outside the catalog folder; it was not opened.

    What it checks: symbolic links in the catalog, and ``schemaPath``, ``schemas[].path``,
    ``schemas[].ref`` (``file://``), ``specifications``, ``styles.icon`` and
    ``<SchemaViewer file>``/``<Schema file>`` paths that are absolute, have a scheme, climb above
    the catalog root with ``..``, or resolve through a symlink to elsewhere.
    Why: saga-lint runs on untrusted pull requests; a catalog must not make it read files
    elsewhere on the CI machine (secrets, keys).
    Example that fails:
        schemaPath: ../../../../etc/passwd
    Fix: keep schema and specification files inside the catalog, next to the resource.
    """
    for status, res, path, comp, _text in _path_checks(ctx):
        if status != "outside":
            continue
        where = f"<{comp.name} file>" if comp else ".".join(str(p) for p in path)
        yield Problem(
            f"{where} points outside the catalog folder; it was not read. Keep the file inside the catalog.",
            res,
            path,
            line=comp.line if comp else None,
            column=comp.column if comp else None,
        )


@rule("refs/orphan-messages", "warning", official=True)
def orphan_messages(ctx: Context) -> Iterator[Problem]:
    """An event, command or query that nothing sends or receives.

    What it checks: no service, agent or domain lists the message (any version) in ``sends`` or
    ``receives``, and the message has no ``producers``/``consumers``.
    Why: an orphan message is either dead documentation or a relation nobody wrote down.
    Example that fails: ``events/OrderShipped/index.mdx`` with no service sending it.
    Fix: add it to the producing service's ``sends`` and the consumers' ``receives``, or remove it.
    """
    used: set[str] = set()
    for x in ctx.graph.resolved:
        if x.ref.relation in ("sends", "receives"):
            used.add(x.ref.id)
    for res in ctx.catalog.resources:
        if res.type not in MESSAGE_TYPES or res.id is None or res.id in used:
            continue
        if res.data.get("producers") or res.data.get("consumers"):
            continue
        yield Problem(
            f'{res.type} "{res.label}" is neither sent nor received by any service, agent or domain. '
            f"Add it to its producer's sends and its consumers' receives, or remove it.",
            res,
            ("id",),
        )
