"""``schema/*``: the frontmatter against EventCatalog's schema (the official linter's names)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from saga_lint.catalog import ecloads
from saga_lint.catalog.fmschema import read_by_4_only
from saga_lint.catalog.pagefacts import frontmatter_issues, pages_having
from saga_lint.catalog.refs import format_path
from saga_lint.ecversion import EcVersion, applies, detect
from saga_lint.rules import Context, Problem, rule

if TYPE_CHECKING:
    from saga_lint.catalog.fmschema import Issue
    from saga_lint.catalog.model import Resource

_CACHE_KEY = "_schema_issues"
# issue kinds each rule reports; "unknown-dropped" (a key the declared version ignores) is
# schema/unknown-field one level down (a warning by default): the build does not fail on it
_DEMOTED = {"unknown-dropped"}


def _issues(ctx: Context, *kinds: str) -> Iterator[Problem]:
    ec = eventcatalog_of(ctx)
    cache: list[tuple[Resource, Issue]] | None = ctx.memo.get(_CACHE_KEY)
    if cache is None:
        cache = []
        v1 = ctx.catalog.v1  # a v1 catalog's missing ids are one finding: structure/v1-layout
        for res in pages_having(ctx.catalog, "frontmatter_issues"):  # docs pages and changelogs too
            issues = frontmatter_issues(ctx.catalog, res)
            folded = folded_by_undeclared(ec, issues)  # schema/undeclared-version says them once
            for issue in issues:
                if applies(issue.versions, ec) and (v1 is None or not v1.folds(res, issue)) and issue not in folded:
                    cache.append((res, issue))
        ctx.memo[_CACHE_KEY] = cache
    for res, issue in cache:
        if issue.kind in kinds:
            message = issue.message
            if issue.kind in ("type", "invalid", "email") and issue.path and not message.startswith(("version ",)):
                message = f"{format_path(issue.path)} {message}"
            if issue.versions and issue.kind != "unknown-dropped":  # holds for this version, not for every one
                message = f"{message} (EventCatalog {ec.version}; {_other(issue, res)})"
            if issue.kind == "unknown-dropped" and ec.major < 3:  # a 2.x catalog, read with 3.x's schemas
                message = message.replace("EventCatalog 3.x ignores it", f"EventCatalog {ec.version} ignores it", 1)
            yield Problem(message, res, issue.path, demote=issue.kind in _DEMOTED)


def _other(issue: Issue, res: Resource) -> str:
    """What the other EventCatalog line makes of a finding that holds for one line only."""
    line = "4" if issue.versions == "3" else "3"
    if not ecloads.loads(line, ecloads.kind_of(res.type, res.file), res.file):
        return f"{line}.x does not load the page"
    if issue.kind == "unknown-nested":
        return "4.x reads it" if issue.versions == "3" else "3.x drops it"
    return "4.x accepts it" if issue.versions == "3" else "3.x accepts it"


def folded_by_undeclared(ec: EcVersion, issues: Iterable[Issue]) -> list[Issue]:
    """The issues of a page that ``schema/undeclared-version`` reports once for the catalog: keys
    3.x drops and 4.x reads, when no version is declared (3.48.4 assumed). A declared 3.x keeps
    them as findings of the page: the choice was made, and each key is lost by that build."""
    if not ec.assumed or ec.line != "3":
        return []
    return [i for i in read_by_4_only(issues) if i.kind in ("unknown-dropped", "unknown-nested")]


def eventcatalog_of(ctx: Context) -> EcVersion:
    """The EventCatalog version the catalog is checked against (``ecversion.detect``)."""
    if ctx.eventcatalog is not None:
        return ctx.eventcatalog
    found: EcVersion | None = ctx.memo.get("_eventcatalog")
    if found is None:
        found = ctx.memo["_eventcatalog"] = detect(ctx.catalog.root)
    return found


@rule("schema/required-fields", "error", official=True, page_facts=True)
def required_fields(ctx: Context) -> Iterable[Problem]:
    """A required frontmatter key is missing.

    What it checks: what EventCatalog's content collections require (``content.config.ts`` of
    the catalog's EventCatalog version): ``id``, ``name`` and ``version`` on every versioned
    resource, ``steps`` on flows (``id``/``title`` on each step), ``container_type`` on
    containers, ``status`` and ``date`` on ADRs, ``id`` and ``name`` on teams and users,
    ``title`` and ``summary`` on custom docs pages, and the required keys of nested objects:
    ``collection`` on an owner written as an object, ``content``/``backgroundColor``/``textColor``
    on badges, ``id`` on pointers, ``name``/``type`` on entity properties, ``path``/``name`` on
    data-product contracts.
    Why: EventCatalog refuses to build a page without them, and references need the id.
    Source of truth: EventCatalog's build, i.e. the content collections of ``@eventcatalog/core``
    (``eventcatalog/src/content.config.ts``: 3.48.4 as released, 4.x from the repository) for the
    catalog's EventCatalog version; tests/test_build_oracle.py checks it against the real build.
    Example that fails:
        ---
        name: Orders Service
        version: 1.0.0
        ---
    Fix: add the missing key, e.g. ``id: orders-service``.
    """
    return _issues(ctx, "required")


@rule("schema/valid-type", "error", official=True, page_facts=True)
def valid_type(ctx: Context) -> Iterable[Problem]:
    """A frontmatter value has the wrong type (string, number, array, object, boolean).

    What it checks: every known key against the type EventCatalog's content collections expect:
    ``version`` written as a bare number, pointers written as plain strings (``sends``,
    ``receives``, a domain's ``services``/``domains``, flow step ``message``...: the build wants
    ``{id, version?}``, and ``version`` a string), ``null`` for an optional key (``summary:`` with
    nothing after it), a changelog's ``createdAt`` that is not a YAML date, a container's
    ``services`` or a team's ``members`` as ``{id}`` objects (the build wants ids or
    ``{id, collection}``). YAML is read as the build reads it (YAML 1.2: ``name: yes`` is a string).
    Why: EventCatalog's build fails on type errors; ``version: 1`` is a number, not a string.
    Source of truth: EventCatalog's build, i.e. the content collections of ``@eventcatalog/core``
    (``eventcatalog/src/content.config.ts``: 3.48.4 as released, 4.x from the repository) for the
    catalog's EventCatalog version; tests/test_build_oracle.py checks it against the real build.
    Example that fails:
        owners: ordering-platform      # must be a list
        version: 1                     # must be a string
    Fix: ``owners: [ordering-platform]``, ``version: "1"``.
    """
    return _issues(ctx, "type")


@rule("schema/valid-semver", "warning", official=True, page_facts=True)
def valid_semver(ctx: Context) -> Iterable[Problem]:
    """A resource's ``version`` is not a version.

    What it checks: ``version`` is what the official linter accepts: semver ``major.minor.patch``
    (``1.0.0``, ``2.1.0-beta.1``), ``latest``, or the range forms it lets through (``1.x``,
    ``^1.0.0``, ``~1.0.0``). A number-like version (``1``, ``v1``, ``1.2``) is reported too, with
    the semver EventCatalog reads it as (it coerces them when it resolves a reference).
    Why: references resolve versions with semver ranges; ``1.0.0.0`` or ``one`` never match, and a
    number-like version matches only through EventCatalog's coercion, which other tools lack.
    More than the build checks: EventCatalog builds a page with any string version, so this is a
    warning by default (the official linter's default is error).
    Source of truth: the official linter (``@eventcatalog/linter``); more than the build checks.
    Example that fails:
        version: 1.0.0.0
    Fix: ``version: 1.0.0``.
    """
    return _issues(ctx, "semver")


@rule("schema/valid-email", "warning", official=True, page_facts=True)
def valid_email(ctx: Context) -> Iterable[Problem]:
    """A team's or user's ``email`` is not an e-mail address.

    What it checks: ``email`` on teams and users looks like ``name@host.tld``.
    Why: the address is shown as a contact link; a typo leaves the owner unreachable.
    More than the build checks: EventCatalog builds a page with any string here, so this is a
    warning by default (the official linter's default is error).
    Source of truth: the official linter (``@eventcatalog/linter``); more than the build checks.
    Example that fails:
        email: ordering-platform-at-acme
    Fix: ``email: ordering-platform@acme.test``.
    """
    return _issues(ctx, "email")


@rule("schema/validation-error", "error", official=True, page_facts=True)
def validation_error(ctx: Context) -> Iterable[Problem]:
    """A frontmatter value is not one of the allowed values (enums, URLs, shapes).

    What it checks: enumerations such as ``container_type``, ``access_mode``, ADR ``status`` and
    ``appliesTo[].type`` (``system`` only from EventCatalog 4 on), step ``type``, channel
    ``deliveryGuarantee``, HTTP methods, an owner object's ``collection``; URLs (attachments,
    external systems, custom step links); ADR dates that are not dates. A finding that holds for
    the catalog's EventCatalog version only says which version. (Flow step refinements, which
    the official linter also reports under this name, are ``flow/step-kind`` here.)
    Why: EventCatalog's build rejects values outside the enumeration.
    Source of truth: EventCatalog's build, i.e. the content collections of ``@eventcatalog/core``
    (``eventcatalog/src/content.config.ts``: 3.48.4 as released, 4.x from the repository) for the
    catalog's EventCatalog version; tests/test_build_oracle.py checks it against the real build.
    Example that fails:
        container_type: postgres
    Fix: ``container_type: database`` and ``technology: postgres@16``.
    """
    return _issues(ctx, "invalid")


@rule("schema/unknown-field", "error", official=True, page_facts=True, official_since="1.1.17")
def unknown_field(ctx: Context) -> Iterable[Problem]:
    """A top-level frontmatter key that EventCatalog does not know and that does not start with ``x-``.

    What it checks: every top-level key of every versioned resource, with a "did you mean"
    suggestion. An error from EventCatalog 4 on, which rejects the page; a warning on 3.x, whose
    build drops the key silently (the finding says so, and names 4.x's keys that 3.x ignores,
    e.g. a domain's ``systems``). On teams, users, changelogs and ubiquitous-language pages,
    whose collections drop unknown keys in every version, always a warning. With no version
    declared, the keys 4.x reads are one ``schema/undeclared-version`` finding for the catalog
    instead of a warning on each page; with 3.x declared, each stays a warning on its page. A
    2.x catalog is read with 3.x's schemas, and the warning names its own version.
    Why: EventCatalog 4 fails the build with ``Unknown property "foo". Custom properties must
    start with "x-"``; a typo such as ``owner`` silently loses the ownership.
    Source of truth: EventCatalog 4's content collections (``withExtensionProperties``: an error);
    3.x's collections drop unknown keys (a warning).
    Example that fails:
        owner: [ordering-platform]
    Fix: ``owners: [ordering-platform]``, or ``x-owner`` for a custom property.
    """
    return _issues(ctx, "unknown", "unknown-dropped")


@rule("schema/unknown-nested-field", "warning", official=True, page_facts=True, official_since="1.1.17")
def unknown_nested_field(ctx: Context) -> Iterable[Problem]:
    """An unknown key inside a known object (a step, a pointer, a badge, ...).

    What it checks: keys of nested objects with a fixed shape; ``x-`` keys are allowed.
    With no version declared, the nested keys 4.x reads (``receives[].triggers``, an entity's
    nested ``properties``) are one ``schema/undeclared-version`` finding for the catalog instead.
    Why: a misspelt nested key (``next_stpe``, ``verison``) is silently ignored by EventCatalog
    (its build drops it: a warning, never an error by default).
    Source of truth: the nested objects of EventCatalog's content collections; the build drops
    unknown nested keys, so this is never a build error.
    Example that fails:
        sends:
          - id: order-created
            verison: 1.0.0
    Fix: ``version: 1.0.0``.
    """
    return _issues(ctx, "unknown-nested")
