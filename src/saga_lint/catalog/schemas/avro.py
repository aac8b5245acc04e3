"""Avro schemas (``.avsc``) of the catalog, parsed by ``fastavro`` with their named types.

``fastavro.parse_schema`` checks a schema against the Avro specification (types, names,
namespaces, field defaults against their type, enum symbols, fixed sizes) and expands namespaces
into full names. A schema may use a named type (record, enum, fixed) that another ``.avsc`` file of
the catalog defines, as Schema Registry's schema references do: such a name is looked up among the
named types defined by every ``.avsc`` file of the catalog (``avro_index``), and that file is parsed
first. Nothing outside the catalog is ever read, and nothing is fetched.

Every failure is a problem of the file (``schema/avro-parse``) at the line of the JSON syntax
error, or of the name the parser's message quotes.

API: ``load_avro(files, rel, index) -> AvroSchema``; ``avro_index(files)`` once per catalog;
``is_avro_document(doc)`` tells an Avro schema in a ``.json`` file from a JSON Schema.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from saga_lint.catalog.fileio import MAX_FILE_BYTES, read_capped
from saga_lint.catalog.schemas.model import SchemaProblem, short

if TYPE_CHECKING:
    from saga_lint.catalog.files import CatalogFiles

RULE_AVRO = "schema/avro-parse"
MAX_REF_FILES = 64  # files one schema may pull in through named-type references
NAMED = ("record", "error", "enum", "fixed")
PRIMITIVES = ("null", "boolean", "int", "long", "float", "double", "bytes", "string")

AvroIndex = dict[str, str]  # full name of a named type -> catalog-relative .avsc file defining it


@dataclass
class AvroSchema:
    """One Avro schema file: the parsed schema (fastavro's form: full names, references by name)
    and every named type it can reach (its own and those of the files it refers to)."""

    file: str
    text: str | None = None
    schema: Any = None  # None when it did not parse
    named: dict[str, Any] = field(default_factory=dict)  # full name -> parsed named type
    problems: list[SchemaProblem] = field(default_factory=list)

    def add(self, message: str, line: int = 1, column: int = 1) -> None:
        self.problems.append(SchemaProblem(RULE_AVRO, message, self.file, line, column))

    def line_of_quoted(self, name: str) -> int:
        """The line where ``"name"`` (or its last dotted part) first appears as a JSON string."""
        text = self.text or ""
        for n in (name, name.rsplit(".", 1)[-1]):
            pos = text.find(f'"{n}"')
            if pos >= 0:
                return text.count("\n", 0, pos) + 1
        return 1

    def line_of(self, *names: str) -> int:
        """The line of ``"name": "<names[0]>"``, then of each next name after it (best effort: a
        field is found after its record's name); 1 when not found."""
        text = self.text or ""
        pos, line = 0, 1
        for n in names:
            m = re.compile(r'"name"\s*:\s*"' + re.escape(n.rsplit(".", 1)[-1]) + '"').search(text, pos)
            if m is None:
                return line
            pos = m.start()
            line = text.count("\n", 0, pos) + 1
        return line


def is_avro_document(doc: object) -> bool:
    """An Avro schema rather than a JSON Schema: a named type with fields/symbols/size, or a union list."""
    if isinstance(doc, dict):
        return doc.get("type") in NAMED and any(k in doc for k in ("fields", "symbols", "size"))
    return False


def defined_names(doc: object, namespace: str = "") -> list[str]:
    """Full names of the named types a raw Avro document defines (namespaces inherited)."""
    out: list[str] = []
    stack: list[tuple[object, str]] = [(doc, namespace)]
    while stack and len(out) < 10_000:
        node, ns = stack.pop()
        if isinstance(node, list):
            stack.extend((x, ns) for x in node)
            continue
        if not isinstance(node, dict):
            continue
        t, name = node.get("type"), node.get("name")
        if t in NAMED and isinstance(name, str):
            own = node.get("namespace")
            full = name if "." in name else (f"{own}.{name}" if isinstance(own, str) and own else f"{ns}.{name}" if ns else name)
            out.append(full)
            ns = full.rsplit(".", 1)[0] if "." in full else ""
        if isinstance(node.get("fields"), list):
            stack.extend((f.get("type"), ns) for f in node["fields"] if isinstance(f, dict))
        for k in ("items", "values"):
            if k in node:
                stack.append((node[k], ns))
        if isinstance(t, (dict, list)):
            stack.append((t, ns))
    return out


def _read_json(files: CatalogFiles, a: AvroSchema) -> object:
    try:
        raw, _st = read_capped(files.abs_path(a.file), MAX_FILE_BYTES)
    except OSError as exc:
        a.add(f"cannot read the Avro schema: {exc.strerror or exc}")
        return None
    if raw is None or len(raw) > MAX_FILE_BYTES:
        a.add(f"the Avro schema is not a regular file of at most {MAX_FILE_BYTES} bytes; it was not read")
        return None
    try:
        a.text = raw.decode("utf-8-sig")
        return json.loads(a.text)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        a.add(f"Avro schema is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8", line)
    except json.JSONDecodeError as exc:
        a.add(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno)
    except (ValueError, RecursionError) as exc:
        a.add(f"invalid JSON: {short(exc) or type(exc).__name__}")
    return None


def avro_index(files: CatalogFiles) -> AvroIndex:
    """Which ``.avsc`` (or ``.avro``) file of the catalog defines each named type (the first one, by path)."""
    index: AvroIndex = {}
    for rel in sorted(f for f in files.walked if f.lower().endswith((".avsc", ".avro"))):
        doc = _read_json(files, AvroSchema(rel))
        for name in defined_names(doc):
            index.setdefault(name, rel)
    return index


class _LazyIndex:
    """The catalog's ``avro_index``, read only when a schema names a type it does not define."""

    def __init__(self, files: CatalogFiles, index: AvroIndex | None) -> None:
        self.files = files
        self.index = index

    def get(self) -> AvroIndex:
        if self.index is None:
            self.index = avro_index(self.files)
        return self.index


def _quoted(message: str) -> str | None:
    m = re.search(r"['\"<]([^'\"<>]{1,200})['\">]", message)
    return m.group(1) if m else None


def _parse(files: CatalogFiles, a: AvroSchema, doc: Any, index: _LazyIndex, seen: set[str]) -> None:
    """``doc`` parsed into ``a.schema``; named types of other files parsed first, as needed."""
    from fastavro import parse_schema
    from fastavro.schema import SchemaParseException, UnknownType

    for _ in range(MAX_REF_FILES + 1):
        named = dict(a.named)
        try:
            a.schema = parse_schema(doc, named_schemas=named, _write_hint=False)
            a.named = named
            return
        except UnknownType as exc:
            name = str(exc.name) if hasattr(exc, "name") else str(exc)
            other = index.get().get(name)
            if other is None or other in seen or len(seen) > MAX_REF_FILES:
                why = "no .avsc file of the catalog defines it" if other is None or len(seen) <= MAX_REF_FILES else "a loop"
                a.add(f"unknown type {short(name, 120)}: {why}", a.line_of_quoted(name))
                return
            seen.add(other)
            dep = _load(files, other, index, seen)
            if dep.schema is None:
                a.add(f"type {short(name, 120)} is defined in {other}, which does not parse", a.line_of_quoted(name))
                return
            a.named.update(dep.named)
        except (SchemaParseException, ValueError, TypeError, KeyError, AttributeError) as exc:
            quoted = _quoted(str(exc))
            line = (a.line_of(quoted) if a.line_of(quoted) > 1 else a.line_of_quoted(quoted)) if quoted else 1
            a.add(f"not a valid Avro schema: {short(exc) or type(exc).__name__}", line)
            return
        except RecursionError:
            a.add("the Avro schema nests too deeply to be parsed")
            return


def _load(files: CatalogFiles, rel: str, index: _LazyIndex, seen: set[str]) -> AvroSchema:
    a = AvroSchema(rel)
    doc = _read_json(files, a)
    if a.problems:
        return a
    _parse(files, a, doc, index, seen | {rel})
    return a


def load_avro(files: CatalogFiles, rel: str, index: AvroIndex | None = None) -> AvroSchema:
    """The Avro schema at ``rel`` (catalog-relative, inside the catalog), parsed with the named
    types it uses from other ``.avsc`` files of the catalog (``index``: ``avro_index(files)``,
    computed here when not given)."""
    return _load(files, rel, _LazyIndex(files, index), set())
