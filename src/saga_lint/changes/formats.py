"""Which comparison a message's schema change gets, by the format of its primary schema file.

``compat.message_schema_changes`` asks here first: a message whose primary schema (``schemaPath``,
else the ``schemas[]`` entry marked ``default: true``, else the first) is Avro (``.avsc``, or a
``.json`` file holding an Avro record, enum or fixed) is compared by ``changes/avro.py``; one that is
Protobuf (``.proto``) by ``changes/protobuf.py``. Anything else is left to the JSON Schema
comparison (``None`` here). A schema that changed format (JSON Schema to Avro, say) is one breaking
difference; a side that does not parse leaves the message "not compared" (``schema/avro-parse`` and
``schema/protobuf-parse`` report why).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Literal

from saga_lint.changes.compat import SchemaChange

if TYPE_CHECKING:
    from saga_lint.catalog.model import Catalog, Resource

# a side that does not parse: the message is listed as not compared
NOT_COMPARED: Literal["not-compared"] = "not-compared"


def primary_schema(catalog: Catalog, res: Resource) -> tuple[str, str] | None:
    """``(catalog-relative file, format)`` of the resource's primary schema; format is ``avro``,
    ``protobuf`` or ``other``; None when it names none inside the catalog."""
    from saga_lint.catalog.paths import resolve_in_catalog
    from saga_lint.catalog.schemas.load import ranked_schema_paths

    for _path, text in ranked_schema_paths(res):
        status, rel = resolve_in_catalog(catalog.files, res.folder, text)
        if status == "ok" and rel is not None:
            return rel, _format(catalog, rel)
    return None


def format_of(catalog: Catalog, res: Resource) -> str:
    """The format of the resource's primary schema, for the review's table: ``json-schema``,
    ``avro``, ``protobuf``, ``other`` (another kind of file) or ``none``."""
    found = primary_schema(catalog, res)
    if found is None:
        return "none"
    if found[1] != "other":
        return found[1]
    return "json-schema" if found[0].lower().endswith((".json", ".yaml", ".yml")) else "other"


def _format(catalog: Catalog, rel: str) -> str:
    from saga_lint.catalog.schemas.avro import is_avro_document

    low = rel.lower()
    if low.endswith(".avsc"):
        return "avro"
    if low.endswith(".proto"):
        return "protobuf"
    if low.endswith((".json", ".avro")):  # Avro when its JSON is an Avro schema (EventCatalog's schema.avro)
        from saga_lint.catalog.fileio import MAX_FILE_BYTES, read_capped

        try:
            raw, _st = read_capped(catalog.files.abs_path(rel), MAX_FILE_BYTES)
            if raw is not None and is_avro_document(json.loads(raw.decode("utf-8-sig"))):
                return "avro"
        except (OSError, ValueError, RecursionError):
            pass
    return "other"


def _shown(found: tuple[str, str]) -> str:
    """A primary schema's format in words: a JSON or YAML file that is neither Avro nor Protobuf is JSON Schema."""
    rel, fmt = found
    return "JSON Schema" if fmt == "other" and rel.lower().endswith((".json", ".yaml", ".yml")) else \
        {"avro": "Avro", "protobuf": "Protobuf"}.get(fmt, fmt)


def format_changes(
    base_catalog: Catalog, base_res: Resource, head_catalog: Catalog, head_res: Resource
) -> list[SchemaChange] | Literal["not-compared"] | None:
    """The differences of an Avro or Protobuf message schema (``NOT_COMPARED`` when a side does
    not parse); None when neither side is Avro or Protobuf."""
    old, new = primary_schema(base_catalog, base_res), primary_schema(head_catalog, head_res)
    formats = {f for f in (old and old[1], new and new[1]) if f}
    if old is None or new is None or not formats & {"avro", "protobuf"}:
        return None
    if old[1] != new[1]:
        return [SchemaChange("format-changed", "", f"the schema changed format, from {_shown(old)} to {_shown(new)}", True, True,
                             readers="every reader and writer on the old format",
                             fix="publish the new format as a new major version (or a new message)",
                             file=new[0], line=1)]
    if new[1] == "avro":
        from saga_lint.catalog.schemas.avro import load_avro
        from saga_lint.changes.avro import compare_avro

        a_old, a_new = load_avro(base_catalog.files, old[0]), load_avro(head_catalog.files, new[0])
        if a_old.schema is None or a_new.schema is None:
            return NOT_COMPARED
        return compare_avro(a_old, a_new)
    from saga_lint.catalog.schemas.proto import load_proto
    from saga_lint.changes.protobuf import compare_protobuf

    p_old, p_new = load_proto(base_catalog.files, old[0]), load_proto(head_catalog.files, new[0])
    if not p_old.parsed or not p_new.parsed:
        return NOT_COMPARED
    return compare_protobuf(p_old, p_new)
