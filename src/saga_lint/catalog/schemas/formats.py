"""Which schema language a schema file of the catalog is written in, beyond JSON Schema: Avro
(``.avsc``, or a ``.json`` or ``.avro`` file holding an Avro record, enum or fixed: EventCatalog's
own examples name their Avro schemas ``schema.avro``) or Protobuf (``.proto``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from saga_lint.catalog.files import CatalogFiles

SUFFIXES = {".avsc": "avro", ".proto": "protobuf"}
AVRO_AS_JSON = (".json", ".avro")  # files that are Avro when their JSON is an Avro schema


def schema_format(rel: str) -> str | None:
    """``avro`` or ``protobuf`` for a schema file named by its suffix, else None."""
    low = rel.lower()
    return next((fmt for suffix, fmt in SUFFIXES.items() if low.endswith(suffix)), None)


def schema_file_format(files: CatalogFiles, rel: str) -> str | None:
    """``avro``, ``protobuf`` or None for the file at ``rel`` (resolved inside the catalog); a
    ``.json`` or ``.avro`` file is Avro when it holds an Avro record, enum or fixed as JSON (read
    through the catalog's schema store, which has read a ``.json`` one already when the page's
    JSON schemas were loaded; a binary Avro data file is no schema)."""
    fmt = schema_format(rel)
    if fmt is not None or not rel.lower().endswith(AVRO_AS_JSON):
        return fmt
    from saga_lint.catalog.schemas.avro import is_avro_document
    from saga_lint.catalog.schemas.read import read_schema_file

    f = read_schema_file(files, rel)
    return "avro" if f.parsed and is_avro_document(f.document) else None
