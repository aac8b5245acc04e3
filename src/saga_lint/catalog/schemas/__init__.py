"""The JSON schemas a catalog points at (``schemaPath``, ``schemas[]``, ``<SchemaViewer file>``), loaded safely.

Everything here treats the schema files as hostile:

- a path is only ever resolved with ``resolve_in_catalog``; a path that leaves the catalog (``..``,
  absolute, ``file://``, a symlink out) is never opened (``security/path-outside-catalog`` is
  reported by ``rules/refs.py``), and a missing one is ``refs/file-exists``;
- files are opened non-blocking and must be regular files (a FIFO never stalls the run) of at most
  ``fileio.MAX_FILE_BYTES``;
- JSON syntax errors carry their line and column; nesting deeper than ``MAX_JSON_DEPTH`` is a
  problem, never a ``RecursionError``;
- ``$ref`` is resolved inside the catalog only, nothing is ever fetched, and ``$ref`` loops are
  reported, as is a schema that does not satisfy its metaschema (``schema/invalid-json-schema``).

The modules, in the order a schema goes through them: ``load`` (which files a page names, and the
per-catalog store), ``read`` (one file into a document: ``SchemaFile``), ``analyse`` (the document
into problems: metaschema, then ``resolve`` for ``$ref``s and loops; ``plain`` answers fast for
plain schemas), ``model`` (the records) and ``positions`` (line and column in a JSON text).

API: ``load_message_schema(catalog, resource) -> LoadedSchema | None`` (the resource's primary
schema), ``load_schemas(catalog, resource)`` (all of them) and ``load_schema_file(files, folder,
path)``. A ``LoadedSchema`` has ``.file``, ``.document`` (None when unreadable), ``.problems`` and a
``.registry`` whose retrieval is the same catalog-only one, for validating instances safely.
"""

from saga_lint.catalog.schemas.load import load_message_schema, load_schema_file, load_schemas, schema_paths
from saga_lint.catalog.schemas.model import (
    MAX_JSON_DEPTH,
    RULE_INVALID,
    RULE_REMOTE,
    LoadedSchema,
    SchemaFile,
    SchemaProblem,
)

__all__ = [
    "MAX_JSON_DEPTH",
    "RULE_INVALID",
    "RULE_REMOTE",
    "LoadedSchema",
    "SchemaFile",
    "SchemaProblem",
    "load_message_schema",
    "load_schema_file",
    "load_schemas",
    "schema_paths",
]
