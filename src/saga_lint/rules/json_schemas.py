"""``schema/invalid-json-schema`` and ``security/remote-ref``: the JSON schema files themselves.

The files named by ``schemaPath``, ``schemas[].path``/``file`` and ``<SchemaViewer file>`` /
``<Schema file>`` are loaded by ``saga_lint.catalog.schemas`` (inside the catalog only, size and
depth capped, ``$ref`` resolved without any network or file access outside the catalog). Each
problem is reported once, in the schema file, at the line of the key at fault, attributed to the
first resource that points at the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from saga_lint.rules import Context, Problem, rule

if TYPE_CHECKING:
    from saga_lint.catalog.model import Resource
    from saga_lint.catalog.schemas import SchemaProblem

# the resource that points at the schema first, its key path, the problem
_Found = tuple["Resource", tuple[Any, ...], "SchemaProblem"]

_CACHE_KEY = "_json_schema_problems"


def _problems(ctx: Context) -> list[_Found]:
    cache: list[_Found] | None = ctx.memo.get(_CACHE_KEY)
    if cache is not None:
        return cache
    from saga_lint.catalog.pagefacts import pages_having, schema_problems

    cache = []
    seen: set[Any] = set()
    catalog = ctx.catalog
    for res in pages_having(catalog, "schema_problems"):
        for path, problems in schema_problems(catalog, res):
            for p in problems:
                if p.key in seen:
                    continue
                seen.add(p.key)
                cache.append((res, path, p))
    ctx.memo[_CACHE_KEY] = cache
    return cache


def _yield(ctx: Context, rule_name: str) -> Iterator[Problem]:
    for res, path, p in _problems(ctx):
        if p.rule == rule_name:
            yield Problem(p.message, res, path, file=p.file, line=p.line or 1, column=p.column or 1)


@rule("schema/invalid-json-schema", "error", page_facts=True)
def invalid_json_schema(ctx: Context) -> Iterable[Problem]:
    """A JSON schema file the catalog points at is invalid, has a ``$ref`` loop, or is too deep.

    Broken means: not JSON, not a valid JSON Schema, a ``$ref`` loop, a ``$ref`` to nothing, or
    too large or too deeply nested to check.

    What it checks: every ``.json`` (and JSON-Schema-looking ``.yaml``/``.yml``) file named by
    ``schemaPath``, ``schemas[].path``/``file`` or ``<SchemaViewer file>``, and every catalog file
    they ``$ref``: it parses (UTF-8, under 5 MB, nested at most 64 levels), satisfies its
    metaschema (``$schema``, draft 2020-12 when absent), every ``$ref`` resolves inside the
    catalog, and no ``$ref``/``allOf``/``anyOf``/``oneOf``/``not``/``if`` chain leads back to the
    schema it started from (a loop counts where validation can enter it: one inside a file that
    schemas ``$ref``, but in a part no named schema reaches, is not reported). Avro, OpenAPI and
    AsyncAPI files are not JSON Schemas and are skipped.
    The finding is in the schema file, at the line of the key at fault.
    Why: EventCatalog shows a broken schema as the message's contract; consumers generate code
    and validate payloads from it. A ``$ref`` loop makes every validator run forever.
    Source of truth: JSON Schema itself (the file's metaschema), not EventCatalog's build, which
    does not validate schema files: more than the build checks, about the schema files, never
    about a page's frontmatter.
    Example that fails:
        {"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}
    Fix: correct the JSON at the reported line; make recursive schemas recurse through
    ``properties`` or ``items``; split very large schemas into files joined with ``$ref``.
    """
    return _yield(ctx, "schema/invalid-json-schema")


@rule("security/remote-ref", "error", page_facts=True)
def remote_ref(ctx: Context) -> Iterable[Problem]:
    """A JSON schema ``$ref`` points at a URL or at a file outside the catalog; it was not followed.

    What it checks: every ``$ref`` in the catalog's JSON schemas (and the files they refer to)
    resolves to a file inside the catalog folder. ``http://``, ``https://``, ``file://`` and other
    URLs, relative references made absolute by an ``$id`` URL, and paths that climb out of the
    catalog (``..``, symlinks) are reported. An ``$id`` declared inside the same schema may be
    referred to by its URL: nothing needs fetching then.
    Why: saga-lint runs in CI on untrusted pull requests. Fetching a URL leaks that the build runs
    (and from where) and makes results depend on the network; reading a file outside the catalog
    could expose secrets on the CI machine. Nothing is ever fetched or read: the reference is only
    reported.
    Example that fails:
        {"properties": {"address": {"$ref": "https://schemas.example.com/address.json"}}}
    Fix: copy the referenced schema into the catalog and refer to it with a relative path, e.g.
    ``{"$ref": "../shared/address.json"}``.
    """
    return _yield(ctx, "security/remote-ref")
