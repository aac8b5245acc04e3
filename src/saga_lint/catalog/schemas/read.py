"""Reading one schema file of the catalog: capped and non-blocking (``fileio.read_capped``), UTF-8,
JSON or YAML, nested at most ``MAX_JSON_DEPTH`` levels. Every failure is a problem of the file,
never an exception. Each file is read once per catalog (``CatalogFiles.schemas.files``)."""

from __future__ import annotations

import json
import stat
from typing import TYPE_CHECKING, Any

from saga_lint.catalog.fileio import MAX_FILE_BYTES, read_capped
from saga_lint.catalog.schemas.model import MAX_JSON_DEPTH, SchemaFile, short
from saga_lint.catalog.schemas.positions import deep_position

if TYPE_CHECKING:
    from saga_lint.catalog.files import CatalogFiles


def read_schema_file(files: CatalogFiles, rel: str) -> SchemaFile:
    """The schema file at ``rel`` (catalog-relative, already resolved inside the catalog)."""
    store = files.schemas.files
    f = store.get(rel)
    if f is None:
        f = store[rel] = _read(files, rel)
    return f


def _read(files: CatalogFiles, rel: str) -> SchemaFile:
    f = SchemaFile(rel)
    try:
        raw, st = read_capped(files.abs_path(rel), MAX_FILE_BYTES)
    except OSError as exc:
        return f.add(f"cannot read the schema file: {exc.strerror or exc}")
    if raw is None and not stat.S_ISREG(st.st_mode):
        return f.add("the schema path is not a regular file (a device, FIFO or socket); it was not read")
    if raw is None:
        return f.add(
            f"schema file is {st.st_size} bytes, over the {MAX_FILE_BYTES}-byte cap; it was not read. "
            "Split it into files joined with $ref"
        )
    if len(raw) > MAX_FILE_BYTES:
        return f.add(f"schema file is over the {MAX_FILE_BYTES}-byte cap; it was not read")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return f.add(f"schema file is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8", line, col)
    f.text = text
    if rel.lower().endswith((".yaml", ".yml")):
        return _parse_yaml(f, text)
    return _parse_json(f, text)


def _parse_yaml(f: SchemaFile, text: str) -> SchemaFile:
    from saga_lint.catalog.yaml import locations as yamlloc

    if "\x00" in text:
        return f.add("schema file contains NUL bytes; it is not YAML")
    try:
        doc, locs = yamlloc.load(text)
    except yamlloc.YamlProblem as p:
        return f.add(f"schema file: {p.message}", p.line, p.column)
    except Exception as exc:  # never a crash on a schema file
        return f.add(f"schema file cannot be parsed: {type(exc).__name__}")
    f.yaml_locs = locs
    return _finish(f, doc)


def _parse_json(f: SchemaFile, text: str) -> SchemaFile:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return f.add(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno)
    except RecursionError:
        return _too_deep(f)
    except (ValueError, TypeError) as exc:  # e.g. an integer of more than 4300 digits
        return f.add(f"invalid JSON: {short(str(exc))}")
    # JSON nests one level per "{" or "[": a text with few of them cannot be too deep
    shallow = text.count("{") + text.count("[") <= MAX_JSON_DEPTH
    return _finish(f, doc, shallow)


def _finish(f: SchemaFile, doc: Any, shallow: bool = False) -> SchemaFile:
    if not shallow and _depth_exceeds(doc, MAX_JSON_DEPTH):
        return _too_deep(f)
    f.document = doc
    f.parsed = True
    return f


def _too_deep(f: SchemaFile) -> SchemaFile:
    line, col = (1, 1)
    if f.text is not None:
        line, col = f.line_col(deep_position(f.text, MAX_JSON_DEPTH))
    f.document = None
    f.parsed = False
    return f.add(
        f"schema nested more than {MAX_JSON_DEPTH} levels deep; it was not checked. Flatten it with $defs and $ref", line, col
    )


def _depth_exceeds(doc: object, limit: int) -> bool:
    stack = [(doc, 1)]
    while stack:
        node, d = stack.pop()
        children: Any
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if d > limit:
            return True
        for c in children:
            if isinstance(c, (dict, list)):
                stack.append((c, d + 1))
    return False


def looks_like_json_schema(rel: str, doc: object) -> bool:
    """Not every file a schemaPath names is a JSON Schema: Avro, OpenAPI, AsyncAPI are skipped."""
    if isinstance(doc, bool):
        return True
    if not isinstance(doc, dict):
        return rel.lower().endswith(".json")  # a JSON list or scalar named as a schema: invalid
    dialect = doc.get("$schema")
    if isinstance(dialect, str):
        return "json-schema" in dialect or not dialect.strip()
    if any(k in doc for k in ("openapi", "asyncapi", "swagger", "protocol")):
        return False
    if doc.get("type") in ("record", "enum", "fixed", "error") and ("fields" in doc or "symbols" in doc or "size" in doc):
        return False  # Avro
    if rel.lower().endswith((".yaml", ".yml")):
        # YAML may hold anything; judge it as a JSON Schema only when it reads like one
        return any(k in doc for k in ("properties", "$defs", "definitions", "$ref", "allOf", "anyOf", "oneOf", "items"))
    return True
