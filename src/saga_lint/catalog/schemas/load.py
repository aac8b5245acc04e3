"""The JSON schemas a page names, loaded once per catalog.

``schema_paths(resource)`` lists the schema files a frontmatter names; ``load_schema_file(files,
folder, path)`` reads and analyses one of them (inside the catalog only), keeping the answer in
the catalog's ``SchemaStore`` (``CatalogFiles.schemas``), so that every rule, review and report
reuses it; ``load_schemas`` and ``load_message_schema`` answer for a resource of a ``Catalog``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import unquote

from saga_lint.catalog.paths import resolve_in_catalog
from saga_lint.catalog.schemas.model import SCHEMA_SUFFIXES, LoadedSchema, SchemaPath
from saga_lint.catalog.schemas.read import looks_like_json_schema, read_schema_file

if TYPE_CHECKING:
    from saga_lint.catalog.files import CatalogFiles
    from saga_lint.catalog.model import Catalog, Resource


def schema_paths(resource: Resource) -> Iterator[tuple[SchemaPath, str]]:
    """``(key path, path text)`` of every schema file a resource's frontmatter names."""
    data = resource.data
    sp = data.get("schemaPath")
    if isinstance(sp, str):
        yield ("schemaPath",), sp
    schemas = data.get("schemas")
    if not isinstance(schemas, list):
        return
    for i, s in enumerate(schemas):
        if not isinstance(s, dict):
            continue
        for k in ("path", "file"):
            if isinstance(s.get(k), str) and "://" not in s[k]:
                yield ("schemas", i, k), s[k]
        ref = s.get("ref")
        if isinstance(ref, str) and ref.startswith("file://"):
            # as EventCatalog core reads it: file://<path relative to the page>, or an
            # absolute file:///<path> (file://localhost/<path>), which leaves the catalog
            rest = ref[len("file://"):]
            if rest.startswith("localhost/"):
                rest = rest[len("localhost"):]
            if rest:
                yield ("schemas", i, "ref"), unquote(rest)


def load_schemas(catalog: Catalog, resource: Resource) -> list[LoadedSchema]:
    """Every JSON schema the resource points at that could be located inside the catalog."""
    out = []
    for path, text in schema_paths(resource):
        loaded = load_schema_file(catalog.files, resource.folder, text, path)
        if loaded is not None:
            out.append(loaded)
    return out


def ranked_schema_paths(resource: Resource) -> list[tuple[SchemaPath, str]]:
    """``schema_paths`` in the order the primary schema is chosen: ``schemaPath``, then the
    ``schemas[]`` entry marked ``default: true``, then the others as listed."""
    schemas = resource.data.get("schemas")

    def rank(item: tuple[SchemaPath, str]) -> int:
        path, _text = item
        if path[0] == "schemaPath":
            return 0
        index = path[1]
        entry = schemas[index] if isinstance(schemas, list) and isinstance(index, int) else {}
        return 1 if isinstance(entry, dict) and entry.get("default") is True else 2

    return sorted(schema_paths(resource), key=rank)


def load_message_schema(catalog: Catalog, resource: Resource) -> LoadedSchema | None:
    """The resource's primary schema: ``schemaPath``, else the ``schemas[]`` entry marked
    ``default: true``, else the first entry. None when there is none, it is not inside the
    catalog, it does not exist, or it is not a JSON schema (Avro, Protobuf, OpenAPI, ...)."""
    return primary_schema(catalog.files, resource)


def primary_schema(files: CatalogFiles, resource: Resource) -> LoadedSchema | None:
    """``load_message_schema`` for a catalog's files (as a loader worker holds them)."""
    for path, text in ranked_schema_paths(resource):
        loaded = load_schema_file(files, resource.folder, text, path)
        if loaded is not None:
            return loaded
    return None


def load_schema_file(files: CatalogFiles, folder: str, text: str, path: SchemaPath = ()) -> LoadedSchema | None:
    """Load, check and resolve one schema file named in the catalog (relative to ``folder``)."""
    status, rel = resolve_in_catalog(files, folder, text)
    if status != "ok" or rel is None:
        return None
    if not rel.lower().endswith(SCHEMA_SUFFIXES):
        return None
    analysed = files.schemas.analysed
    if rel in analysed:
        loaded = analysed[rel]
    else:
        from saga_lint.catalog.schemas.analyse import analyse

        f = read_schema_file(files, rel)
        # some other kind of file (Avro, OpenAPI, ...): not ours to judge
        loaded = analysed[rel] = None if f.parsed and not looks_like_json_schema(rel, f.document) else analyse(files, f)
    if loaded is None:
        return None
    if loaded.path != path:
        loaded = LoadedSchema(
            loaded.file, loaded.document, loaded.problems, path, loaded.uri, loaded.registry, loaded.registry_factory
        )
    return loaded
