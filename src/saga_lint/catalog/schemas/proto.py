"""Protobuf (``.proto``) files of the catalog, parsed into a small model with line numbers.

The parser is ``proto-schema-parser`` (pure Python, an ANTLR grammar of proto2, proto3 and
editions; no ``protoc`` binary, nothing compiled, nothing fetched). It stops at the first syntax
error, which becomes a problem at its line and column with the grammar's message. On top of the
syntax, the checks ``protoc`` would make and a reader relies on: field numbers unique, within
1..536,870,911 and outside 19,000..19,999, not reserved; ``required`` not in proto3; the first
value of a proto3 enum is 0; every field type names a scalar, a message or an enum defined in the
file or in a file it imports.

Imports are files of the catalog: ``import "a/b.proto"`` is looked up beside the importing file,
then in each folder above it up to the catalog root (the usual proto roots). An import that would
leave the catalog (absolute, ``..`` above the root) is a problem and is never opened; so is one that
is not found, and an import loop. ``google/protobuf/*.proto`` (the well-known types) are known
without a file. When an import is not followed (or does not parse), the types it would define are
not reported as unknown: the import's own problem is the cause.

The parser reads about 40 KB a second, so a ``.proto`` file over ``MAX_PROTO_BYTES`` (256 KB) is a
problem, not parsed, and one load parses at most ``MAX_IMPORTS`` files; a run parses each file once
(``load_proto``'s ``parsed``).

API: ``load_proto(files, rel) -> ProtoFile`` (problems in ``.problems``; messages and enums by full
name, imported ones included in ``.known``).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from saga_lint.catalog.fileio import read_capped
from saga_lint.catalog.schemas.model import SchemaProblem, short

if TYPE_CHECKING:
    from saga_lint.catalog.files import CatalogFiles

RULE_PROTO = "schema/protobuf-parse"
MAX_IMPORTS = 64  # files one .proto may pull in through imports
# the pure-Python parser reads about 40 KB a second: a larger file would stall the run (real
# .proto files are a few KB; 256 KB is several thousand messages)
MAX_PROTO_BYTES = 256 * 1024
MAX_FIELD_NUMBER = 536_870_911
SCALARS = frozenset(("double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64",
                     "sfixed32", "sfixed64", "bool", "string", "bytes"))


@dataclass(frozen=True)
class ProtoField:
    """One field of a message: as written, with its type resolved to a full name when it is not a scalar."""

    name: str
    number: int
    type: str  # a scalar, ``.pkg.Message``/``.pkg.Enum`` when resolved, ``map<k,v>``, or as written
    label: str  # "" (implicit presence) | optional | required | repeated
    oneof: str | None
    line: int
    json_name: str
    default: str | None = None  # proto2 ``[default = ...]``, as written


@dataclass
class ProtoMessage:
    name: str  # full name without the leading dot: ``acme.orders.v1.OrderCreated.Line``
    line: int
    fields: dict[int, ProtoField] = field(default_factory=dict)  # by number
    reserved_numbers: list[tuple[int, int]] = field(default_factory=list)  # inclusive ranges
    reserved_names: set[str] = field(default_factory=set)

    def reserves(self, number: int) -> bool:
        return any(lo <= number <= hi for lo, hi in self.reserved_numbers)


@dataclass
class ProtoEnum:
    name: str
    line: int
    values: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (number, line)
    reserved_numbers: list[tuple[int, int]] = field(default_factory=list)
    reserved_names: set[str] = field(default_factory=set)

    def reserves(self, number: int) -> bool:
        return any(lo <= number <= hi for lo, hi in self.reserved_numbers)


@dataclass
class ProtoFile:
    """One ``.proto`` file as parsed; ``messages``/``enums`` are the ones it defines."""

    file: str
    syntax: str = "proto2"
    package: str = ""
    text: str | None = None
    parsed: bool = False
    imports: list[str] = field(default_factory=list)  # catalog-relative files it imports
    messages: dict[str, ProtoMessage] = field(default_factory=dict)
    enums: dict[str, ProtoEnum] = field(default_factory=dict)
    known: set[str] = field(default_factory=set)  # message and enum names it may use (imports too)
    imports_missing: bool = False  # an import was not followed: its types are unknown, not reported again
    problems: list[SchemaProblem] = field(default_factory=list)

    def add(self, message: str, line: int = 1, column: int = 1) -> None:
        self.problems.append(SchemaProblem(RULE_PROTO, message, self.file, line, column))


class ProtoSyntaxError(Exception):
    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def _parse_with_lines(text: str) -> tuple[Any, dict[int, int], list[object]]:
    """The parser's AST of ``text`` and the line of each of its nodes (by ``id``; the nodes are
    kept alive in the returned list). Raises ``ProtoSyntaxError`` at the first syntax error."""
    from antlr4 import CommonTokenStream, InputStream
    from antlr4.error.ErrorListener import ErrorListener
    from proto_schema_parser.antlr.ProtobufLexer import ProtobufLexer
    from proto_schema_parser.antlr.ProtobufParser import ProtobufParser
    from proto_schema_parser.parser import _ASTConstructor

    class _Raise(ErrorListener):  # type: ignore[misc]  # antlr4 has no type hints
        def syntaxError(self, recognizer: object, offending: object, line: int, column: int, msg: str, e: object) -> None:
            raise ProtoSyntaxError(line, column + 1, msg)

    lines: dict[int, int] = {}
    keep: list[object] = []

    class _WithLines(_ASTConstructor):
        def visit(self, tree: Any) -> Any:
            node = super().visit(tree)
            start = getattr(tree, "start", None)
            if node is not None and start is not None and id(node) not in lines:
                lines[id(node)] = int(start.line)
                keep.append(node)
            return node

    lexer = ProtobufLexer(InputStream(text))
    lexer.removeErrorListeners()
    lexer.addErrorListener(_Raise())
    parser = ProtobufParser(CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(_Raise())
    tree = parser.file_()  # type: ignore[no-untyped-call]  # the generated ANTLR parser has no annotations
    return _WithLines().visit(tree), lines, keep


def json_name(name: str) -> str:
    """protoc's default JSON name: lowerCamelCase of the field name."""
    parts = name.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def _ranges(items: list[str]) -> list[tuple[int, int]]:
    out = []
    for item in items:
        m = re.fullmatch(r"\s*(-?(?:0x[0-9a-fA-F]+|\d+))\s*(?:to\s*(-?(?:0x[0-9a-fA-F]+|\d+)|max))?\s*", str(item))
        if not m:
            continue
        lo = int(m.group(1), 0)
        hi = lo if m.group(2) is None else (MAX_FIELD_NUMBER if m.group(2) == "max" else int(m.group(2), 0))
        out.append((lo, hi))
    return out


class _Builder:
    """The parser's AST into ``ProtoMessage``/``ProtoEnum`` records of one file."""

    def __init__(self, pf: ProtoFile, lines: dict[int, int]) -> None:
        self.pf = pf
        self.lines = lines
        self.pending: list[tuple[ProtoMessage, str, ProtoField]] = []  # types to resolve: (message, scope, field)

    def line(self, node: object) -> int:
        return self.lines.get(id(node), 1)

    def file(self, ast: Any) -> None:
        from proto_schema_parser import ast as p

        self.pf.syntax = ast.syntax or ("editions" if ast.edition else "proto2")
        for el in ast.file_elements:
            if isinstance(el, p.Package):
                self.pf.package = el.name
            elif isinstance(el, p.Message):
                self.message(el, self.pf.package)
            elif isinstance(el, p.Enum):
                self.enum(el, self.pf.package)

    def message(self, msg: Any, scope: str) -> None:
        from proto_schema_parser import ast as p

        full = f"{scope}.{msg.name}" if scope else msg.name
        pm = self.pf.messages[full] = ProtoMessage(full, self.line(msg))
        for el in msg.elements:
            if isinstance(el, (p.Field, p.MapField, p.Group)):
                self.field(pm, el, None)
            elif isinstance(el, p.OneOf):
                for sub in el.elements:
                    if isinstance(sub, (p.Field, p.Group)):
                        self.field(pm, sub, el.name)
            elif isinstance(el, p.Reserved):
                pm.reserved_numbers += _ranges(el.ranges)
                pm.reserved_names |= {str(n) for n in el.names}
            elif isinstance(el, p.Message):
                self.message(el, full)
            elif isinstance(el, p.Enum):
                self.enum(el, full)
        self.check_numbers(pm)

    def field(self, pm: ProtoMessage, el: Any, oneof: str | None) -> None:
        from proto_schema_parser import ast as p

        options = {o.name: o.value for o in getattr(el, "options", [])}
        jn = options.get("json_name")
        default = options.get("default")
        if isinstance(el, p.MapField):
            ftype, label = f"map<{el.key_type},{el.value_type}>", "repeated"
        elif isinstance(el, p.Group):
            ftype, label = f"{pm.name}.{el.name}", (el.cardinality.value.lower() if el.cardinality else "")
            self.message(p.Message(name=el.name, elements=el.elements), pm.name)
        else:
            ftype, label = el.type, (el.cardinality.value.lower() if el.cardinality else "")
        if self.pf.syntax == "proto2" and not label and not oneof:
            label = "optional"
        if label == "required" and self.pf.syntax == "proto3":
            self.pf.add(f"field {el.name}: 'required' is not allowed in proto3", self.line(el))
        f = ProtoField(el.name, int(el.number), ftype, label, oneof, self.line(el),
                       str(jn) if isinstance(jn, str) else json_name(el.name), None if default is None else str(default))
        if f.number in pm.fields:
            other = pm.fields[f.number]
            self.pf.add(f"field number {f.number} of {short(pm.name, 80)} is used twice ({other.name} and {f.name})", f.line)
            return
        pm.fields[f.number] = f
        if not isinstance(el, p.Group):
            self.pending.append((pm, pm.name, f))

    def check_numbers(self, pm: ProtoMessage) -> None:
        for f in pm.fields.values():
            if not 1 <= f.number <= MAX_FIELD_NUMBER:
                self.pf.add(f"field {f.name}: number {f.number} is outside 1..{MAX_FIELD_NUMBER}", f.line)
            elif 19000 <= f.number <= 19999:
                self.pf.add(f"field {f.name}: numbers 19000..19999 are reserved for the Protobuf implementation", f.line)
            elif pm.reserves(f.number) or f.name in pm.reserved_names:
                self.pf.add(f"field {f.name} = {f.number} uses a number or name that {short(pm.name, 80)} reserves", f.line)

    def enum(self, en: Any, scope: str) -> None:
        from proto_schema_parser import ast as p

        full = f"{scope}.{en.name}" if scope else en.name
        pe = self.pf.enums[full] = ProtoEnum(full, self.line(en))
        first = True
        for el in en.elements:
            if isinstance(el, p.EnumValue):
                if first and self.pf.syntax == "proto3" and el.number != 0:
                    self.pf.add(f"enum {en.name}: the first value must be 0 in proto3 ({el.name} = {el.number})", self.line(el))
                first = False
                pe.values.setdefault(el.name, (int(el.number), self.line(el)))
            elif isinstance(el, p.EnumReserved):
                pe.reserved_numbers += _ranges(el.ranges)
                pe.reserved_names |= {str(n) for n in el.names}


def name_prefixes(known: set[str]) -> set[str]:
    """Every dotted prefix of the known names (``a``, ``a.b`` for ``a.b.C``): the scopes a name can start in."""
    out: set[str] = set()
    for name in known:
        parts = name.split(".")
        out.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return out


def resolve_type(written: str, scope: str, known: set[str], prefixes: set[str]) -> str | None:
    """The full name a type reference means, by protoc's scoping (innermost scope first);
    ``prefixes`` is ``name_prefixes(known)``."""
    if written.startswith("."):
        return written[1:] if written[1:] in known else None
    first = written.split(".", 1)[0]
    parts = scope.split(".") if scope else []
    for i in range(len(parts), -1, -1):
        prefix = ".".join(parts[:i])
        candidate = f"{prefix}.{first}" if prefix else first
        if candidate in prefixes:
            full = f"{prefix}.{written}" if prefix else written
            return full if full in known else None
    return None


def _resolve_types(b: _Builder) -> None:
    pf = b.pf
    prefixes = name_prefixes(pf.known)
    for pm, scope, f in b.pending:
        ftype = f.type
        if ftype in SCALARS:
            continue
        targets = [ftype]
        m = re.fullmatch(r"map<\s*([\w.]+)\s*,\s*([\w.]+)\s*>", ftype)
        if m:
            targets = [m.group(2)] if m.group(2) not in SCALARS else []
        for t in targets:
            full = resolve_type(t, scope, pf.known, prefixes)
            if full is None and not t.lstrip(".").startswith("google.protobuf.") and not pf.imports_missing:
                pf.add(f"field {f.name}: unknown type {short(t, 80)} (not defined in this file or a file it imports)", f.line)
            elif full is not None:
                resolved = ftype.replace(t, "." + full) if m else "." + full
                pm.fields[f.number] = ProtoField(f.name, f.number, resolved, f.label, f.oneof, f.line, f.json_name, f.default)


def _read_text(files: CatalogFiles, pf: ProtoFile) -> str | None:
    try:
        raw, _st = read_capped(files.abs_path(pf.file), MAX_PROTO_BYTES)
    except OSError as exc:
        pf.add(f"cannot read the .proto file: {exc.strerror or exc}")
        return None
    if raw is None or len(raw) > MAX_PROTO_BYTES:
        pf.add(f"the .proto file is not a regular file of at most {MAX_PROTO_BYTES} bytes; it was not parsed. "
               "Split it into files joined with import")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        pf.add(f".proto file is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8",
               raw[: exc.start].count(b"\n") + 1)
        return None


def _import_target(files: CatalogFiles, importer: str, name: str) -> tuple[str, str | None]:
    """(status, catalog-relative file) of an import: ok | outside | missing | well-known."""
    from saga_lint.catalog.paths import resolve_in_catalog

    if name.startswith("google/protobuf/"):
        return "well-known", None
    if name.startswith("/") or "://" in name or "\x00" in name:
        return "outside", None
    folder = posixpath.dirname(importer)
    while True:
        status, rel = resolve_in_catalog(files, folder, name if "/" in name else f"./{name}")
        if status == "outside" and folder == "":
            return "outside", None
        if status == "ok" and rel is not None:
            return "ok", rel
        if folder == "":
            return "missing", None
        folder = posixpath.dirname(folder)


def _imports(files: CatalogFiles, pf: ProtoFile, ast: Any, lines: dict[int, int], seen: dict[str, ProtoFile],
             budget: list[int]) -> None:
    from proto_schema_parser import ast as p

    for el in ast.file_elements:
        if not isinstance(el, p.Import):
            continue
        line = lines.get(id(el), 1)
        status, rel = _import_target(files, pf.file, el.name)
        pf.imports_missing = pf.imports_missing or status in ("outside", "missing")
        if status == "outside":
            pf.add(f'import "{short(el.name, 120)}" leaves the catalog; it was not followed', line)
        elif status == "missing":
            pf.add(f'import "{short(el.name, 120)}" is not a file of the catalog '
                   "(looked beside the file and in the folders above it)", line)
        elif status == "ok" and rel is not None:
            pf.imports.append(rel)
            other = seen.get(rel)
            if other is None and budget[0] <= 0:
                pf.add(f"more than {MAX_IMPORTS} .proto files reached through imports; the rest were not read", line)
                pf.imports_missing = True
                return
            if other is not None and not other.parsed and not other.problems:  # still being parsed: a loop
                pf.add(f'import "{short(el.name, 120)}" is a loop: that file imports this one, directly or not '
                       "(protoc rejects it)", line)
                continue
            other = other or _load(files, rel, seen, budget)
            if other.parsed:
                pf.known |= other.known
            else:
                pf.imports_missing = True  # its own problems say why; its types are not reported again


def _load(files: CatalogFiles, rel: str, seen: dict[str, ProtoFile], budget: list[int]) -> ProtoFile:
    """Parse ``rel`` into ``seen``; ``budget``: how many more files this load may parse."""
    budget[0] -= 1
    pf = seen[rel] = ProtoFile(rel)
    text = _read_text(files, pf)
    if text is None:
        return pf
    pf.text = text
    try:
        ast, lines, _keep = _parse_with_lines(text)
    except ProtoSyntaxError as exc:
        pf.add(f"Protobuf syntax error: {short(exc)}", exc.line, exc.column)
        return pf
    except (RecursionError, ValueError) as exc:
        pf.add(f"Protobuf file cannot be parsed: {short(exc) or type(exc).__name__}")
        return pf
    b = _Builder(pf, lines)
    b.file(ast)
    pf.known |= set(pf.messages) | set(pf.enums)
    _imports(files, pf, ast, lines, seen, budget)
    _resolve_types(b)
    pf.parsed = True
    return pf


def load_proto(files: CatalogFiles, rel: str, parsed: dict[str, ProtoFile] | None = None) -> ProtoFile:
    """The ``.proto`` file at ``rel`` (catalog-relative, inside the catalog), parsed, its imports
    followed inside the catalog (at most ``MAX_IMPORTS`` files newly parsed). ``parsed``: the files
    parsed so far in this run, so that each is parsed once."""
    seen: dict[str, ProtoFile] = {} if parsed is None else parsed
    return seen.get(rel) or _load(files, rel, seen, [MAX_IMPORTS + 1])


def problems_with_imports(top: ProtoFile, parsed: dict[str, ProtoFile]) -> list[SchemaProblem]:
    """The problems of ``top`` and of every file it imports, directly or not (each file's problems
    are in that file)."""
    out, todo, done = [], [top], set()
    while todo:
        pf = todo.pop()
        if pf.file in done:
            continue
        done.add(pf.file)
        out.extend(pf.problems)
        todo.extend(parsed[r] for r in pf.imports if r in parsed)
    return out
