"""``schema/avro-parse`` and ``schema/protobuf-parse``: the Avro and Protobuf schema files themselves.

The files named by ``schemaPath``, ``schemas[].path``/``file`` and ``<SchemaViewer file>`` /
``<Schema file>`` that end in ``.avsc`` (or are ``.json`` or ``.avro`` files holding an Avro
record, enum or fixed as JSON, and not read as a JSON Schema, as one that names a JSON Schema ``$schema`` is: Avro, parsed
by ``fastavro``: ``catalog/schemas/avro.py``) or ``.proto`` (Protobuf, parsed
by ``proto-schema-parser``: ``catalog/schemas/proto.py``) are parsed, inside the catalog only.
Each problem is reported once, in the schema file, at the line of the fault, attributed to the
first resource that points at the file. The parsers are imported only when the catalog names such
a file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from saga_lint.rules import Context, Problem, rule

if TYPE_CHECKING:
    from saga_lint.catalog.model import Resource
    from saga_lint.catalog.schemas import SchemaProblem

_MEMO = "_avro_protobuf_problems"


def _problems(ctx: Context) -> list[tuple[Resource, tuple[Any, ...], SchemaProblem]]:
    found: list[tuple[Resource, tuple[Any, ...], SchemaProblem]] | None = ctx.memo.get(_MEMO)
    if found is not None:
        return found
    from saga_lint.catalog.pagefacts import foreign_schemas, pages_having

    found, done, seen = [], set(), set()
    catalog = ctx.catalog
    for res in pages_having(catalog, "foreign_schemas"):
        for named in foreign_schemas(catalog, res):
            if named.rel in done:
                continue
            done.add(named.rel)
            for p in _parse(ctx, named.rel, named.format):
                if p.key not in seen:
                    seen.add(p.key)
                    found.append((res, named.path, p))
    ctx.memo[_MEMO] = found
    return found


def _parse(ctx: Context, rel: str, fmt: str) -> list[SchemaProblem]:
    files = ctx.catalog.files
    if fmt == "avro":
        from saga_lint.catalog.schemas.avro import avro_index, load_avro

        index = ctx.memo.get("_avro_index")
        if index is None:
            index = ctx.memo["_avro_index"] = avro_index(files)
        return load_avro(files, rel, index).problems
    from saga_lint.catalog.schemas.proto import load_proto, problems_with_imports

    parsed = ctx.memo.setdefault("_proto_parsed", {})  # every .proto file parsed once per run
    return problems_with_imports(load_proto(files, rel, parsed), parsed)


def _yield(ctx: Context, rule_name: str) -> Iterator[Problem]:
    for res, path, p in _problems(ctx):
        if p.rule == rule_name:
            yield Problem(p.message, res, path, file=p.file, line=p.line or 1, column=p.column or 1)


@rule("schema/avro-parse", "error", page_facts=True)
def avro_parse(ctx: Context) -> Iterator[Problem]:
    """An Avro schema file (``.avsc``) the catalog points at does not parse as Avro.

    What it checks: every ``.avsc`` file (and ``.json`` or ``.avro`` file holding an Avro record,
    enum or fixed as JSON: EventCatalog's examples name theirs ``schema.avro``) named by
    ``schemaPath``, ``schemas[].path``/``file`` or ``<SchemaViewer file>`` is UTF-8 JSON of at
    most 5 MB that ``fastavro`` accepts as an Avro schema (the specification's types, names and
    namespaces, field defaults that match their type, enum symbols, fixed sizes). A named type the
    file uses but does not define is looked up among the ``.avsc`` (and ``.avro``) files of the
    catalog (as a Schema Registry reference would be) and parsed from there; nothing outside the
    catalog is ever read. The finding is in the schema file, at the line of the JSON error or of
    the name the parser's message quotes.
    Why: producers serialize and consumers deserialize with this schema; one that does not parse
    cannot be registered, and EventCatalog shows it as the message's contract all the same.
    Example that fails:
        {"type": "record", "name": "OrderCreated", "fields": [{"name": "id", "type": "strin"}]}
    Fix: correct the schema at the reported line: a known type (``string``), a default of the
    field's type, or add the ``.avsc`` file that defines the named type to the catalog.
    """
    return _yield(ctx, "schema/avro-parse")


@rule("schema/protobuf-parse", "error", page_facts=True)
def protobuf_parse(ctx: Context) -> Iterator[Problem]:
    """A Protobuf file (``.proto``) the catalog points at does not parse, or imports from outside the catalog.

    What it checks: every ``.proto`` file named by ``schemaPath``, ``schemas[].path``/``file`` or
    ``<SchemaViewer file>`` parses as proto2 or proto3 (``proto-schema-parser``, a pure-Python
    parser of the official grammar; the first syntax error is reported at its line and column),
    and passes the checks ``protoc`` makes that readers rely on: field numbers unique, within
    1..536,870,911, outside 19,000..19,999 and not reserved; no ``required`` in proto3; a proto3
    enum starts at 0; every field type is a scalar or a message or enum of the file or of a file
    it imports. Imports are files of the catalog (looked up beside the file, then in the folders
    above it); ``google/protobuf/*.proto`` are known. An import that leaves the catalog is reported
    and never opened; so is one that is not found, and an import loop. A file over 256 KB is
    reported and not parsed (the parser reads about 40 KB a second).
    Why: a ``.proto`` that does not compile generates no code: producers and consumers cannot
    build against the contract EventCatalog shows.
    Example that fails:
        message OrderCreated { string order_id = ; }
    Fix: correct the file at the reported line; copy imported files into the catalog.
    """
    return _yield(ctx, "schema/protobuf-parse")
