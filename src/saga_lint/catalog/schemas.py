"""The JSON schemas a catalog points at (``schemaPath``, ``schemas[]``), loaded safely.

Everything here treats the schema files as hostile:

- a path is only ever resolved with ``resolve_in_catalog``; a path that leaves the catalog (``..``,
  absolute, ``file://``, a symlink out) is never opened (``security/path-outside-catalog`` is
  reported by ``rules/refs.py``), and a missing one is ``refs/file-exists``;
- files are opened non-blocking and must be regular files (a FIFO never stalls the run) of at most
  ``MAX_SCHEMA_BYTES``;
- JSON syntax errors carry their line and column; nesting deeper than ``MAX_JSON_DEPTH`` is a
  problem, never a ``RecursionError``;
- ``$ref`` is resolved with ``referencing`` over a registry whose only retrieval function reads
  files inside the catalog: URLs (``http(s)://``, ``file://``, anything with a scheme, or a relative
  reference made absolute by an ``$id``) and paths that leave the catalog are refused and
  reported (``security/remote-ref``); nothing is ever fetched;
- ``$ref`` loops that would make validation run forever (a schema that reaches itself through
  ``$ref``/``allOf``/``anyOf``/``oneOf``/``not``/``if``/``then``/``else`` without descending into
  the value) are reported, as is a schema that does not satisfy its metaschema
  (``schema/invalid-json-schema``).

API: ``load_message_schema(catalog, resource) -> LoadedSchema | None`` (the resource's primary
schema), ``load_schemas(catalog, resource)`` (all of them) and ``load_schema_file(catalog, folder,
path)``. Results are cached on the catalog object, so every rule, review and report reuses them.
A ``LoadedSchema`` has ``.file``, ``.document`` (None when unreadable), ``.problems`` and a
``.registry`` whose retrieval is the same catalog-only one, for validating instances safely.
"""

from __future__ import annotations

import bisect
import json
import os
import re
import stat
import uuid
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urldefrag

from saga_lint.catalog.fileio import read_capped
from saga_lint.catalog.paths import resolve_in_catalog

MAX_SCHEMA_BYTES = 5 * 1024 * 1024
MAX_JSON_DEPTH = 64  # nested objects/arrays; jsonschema's own validation recurses per level
MAX_REF_FILES = 64  # files one schema may pull in through $ref
MAX_NODES = 200_000  # schema objects examined for $ref and loops, per schema

RULE_INVALID = "schema/invalid-json-schema"
RULE_REMOTE = "security/remote-ref"

SCHEMA_SUFFIXES = (".json", ".yaml", ".yml")
_HOST = "https://saga-lint.invalid/"  # .invalid can never resolve; the token makes it unguessable
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_CACHE_ATTR = "_json_schema_cache"

# keywords whose value is a subschema / a list of them / a map of them
_SUB_ONE = ("additionalProperties", "additionalItems", "unevaluatedItems", "unevaluatedProperties",
            "contains", "propertyNames", "not", "if", "then", "else", "items")
_SUB_LIST = ("allOf", "anyOf", "oneOf", "prefixItems", "items")
_SUB_MAP = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies")
# keywords applied to the same value (a loop through these never ends)
_IN_PLACE_ONE = ("not", "if", "then", "else")
_IN_PLACE_LIST = ("allOf", "anyOf", "oneOf")


@dataclass
class SchemaProblem:
    rule: str  # RULE_INVALID or RULE_REMOTE
    message: str
    file: str  # catalog-relative file the problem is in
    line: int = 1
    column: int = 1

    def __post_init__(self) -> None:
        # JSON allows lone surrogates ("\ud800"); they cannot be written as UTF-8: replace them
        self.message = _encodable(self.message)

    @property
    def key(self) -> tuple:
        return (self.rule, self.file, self.line, self.column, self.message)


def _encodable(text: str) -> str:
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


@dataclass
class _File:
    """One file read and parsed (cached per catalog, shared by every schema that uses it)."""

    file: str
    document: object = None
    problems: list = field(default_factory=list)
    text: str | None = None
    yaml_locs: object = None  # Locations for YAML files
    parsed: bool = False  # document is meaningful (the file parsed)
    _lines: list | None = None

    def locate(self, path: tuple) -> tuple[int, int]:
        """Line and column of a key path in this file (the nearest ancestor that can be found)."""
        if self.yaml_locs is not None:
            return self.yaml_locs.find(*path)
        if self.text is None:
            return 1, 1
        try:
            pos = _json_position(self.text, tuple(path))
        except Exception:  # locating is best effort, never a crash
            pos = None
        return self._line_col(pos or 0)

    def _line_col(self, pos: int) -> tuple[int, int]:
        if self._lines is None:
            self._lines = [m.start() for m in re.finditer("\n", self.text or "")]
        line = bisect.bisect_left(self._lines, pos)
        start = self._lines[line - 1] + 1 if line else 0
        return line + 1, pos - start + 1


@dataclass
class LoadedSchema:
    file: str  # catalog-relative path of the schema file
    document: object  # the parsed schema (None when the file could not be read or parsed)
    problems: list = field(default_factory=list)  # SchemaProblem, in this file or files it $refs
    path: tuple = ()  # the frontmatter key path that points at it, e.g. ("schemaPath",)
    uri: str = ""  # the schema's base URI in ``registry``
    registry: object = None  # referencing.Registry restricted to the catalog (None if unparsed)
    # builds ``registry`` on first use of ``resolver`` when the analysis had no $ref to follow (most
    # schemas): ``check`` then never imports ``referencing`` for them
    registry_factory: object = None

    @property
    def ok(self) -> bool:
        return self.document is not None and not self.problems

    @property
    def resolver(self):
        if self.registry is None and self.registry_factory is not None:
            self.registry = self.registry_factory()
            self.registry_factory = None
        return self.registry.resolver(base_uri=self.uri) if self.registry is not None else None


class _Refused(Exception):
    """Raised by the retrieval function: the reference may not be followed."""

    def __init__(self, uri: str, rule: str, reason: str):
        super().__init__(reason)
        self.uri = uri
        self.rule = rule
        self.reason = reason


# -- cache ----------------------------------------------------------------------------------------


def _cache(catalog) -> dict:
    cache = getattr(catalog, _CACHE_ATTR, None)
    if cache is None:
        cache = {"files": {}, "loaded": {}, "base": f"{_HOST}{uuid.uuid4().hex}/"}
        try:
            setattr(catalog, _CACHE_ATTR, cache)
        except AttributeError:  # pragma: no cover - a catalog object that refuses attributes
            pass
    return cache


# -- public API -----------------------------------------------------------------------------------


def schema_paths(resource):
    """``(key path, path text)`` of every schema file a resource's frontmatter names."""
    data = resource.data
    sp = data.get("schemaPath")
    if isinstance(sp, str):
        yield ("schemaPath",), sp
    schemas = data.get("schemas")
    if isinstance(schemas, list):
        for i, s in enumerate(schemas):
            if isinstance(s, dict):
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


def load_schemas(catalog, resource) -> list[LoadedSchema]:
    """Every JSON schema the resource points at that could be located inside the catalog."""
    out = []
    for path, text in schema_paths(resource):
        loaded = load_schema_file(catalog, resource.folder, text, path)
        if loaded is not None:
            out.append(loaded)
    return out


def load_message_schema(catalog, resource) -> LoadedSchema | None:
    """The resource's primary schema: ``schemaPath``, else the ``schemas[]`` entry marked
    ``default: true``, else the first entry. None when there is none, it is not inside the
    catalog, it does not exist, or it is not a JSON schema (Avro, Protobuf, OpenAPI, ...)."""
    candidates = list(schema_paths(resource))
    if not candidates:
        return None
    schemas = resource.data.get("schemas")

    def rank(item):
        path, _text = item
        if path[0] == "schemaPath":
            return 0
        entry = schemas[path[1]] if isinstance(schemas, list) else {}
        return 1 if isinstance(entry, dict) and entry.get("default") is True else 2

    for path, text in sorted(candidates, key=rank):
        loaded = load_schema_file(catalog, resource.folder, text, path)
        if loaded is not None:
            return loaded
    return None


def load_schema_file(catalog, folder: str, text: str, path: tuple = ()) -> LoadedSchema | None:
    """Load, check and resolve one schema file named in the catalog (relative to ``folder``)."""
    status, rel = resolve_in_catalog(catalog, folder, text)
    if status != "ok" or rel is None:
        return None
    if not rel.lower().endswith(SCHEMA_SUFFIXES):
        return None
    cache = _cache(catalog)
    loaded = cache["loaded"].get(rel)
    if loaded is None:
        f = _read_file(catalog, rel)
        if f.parsed and not _looks_like_json_schema(rel, f.document):
            loaded = False  # some other kind of file (Avro, OpenAPI, ...): not ours to judge
        else:
            loaded = _analyse(catalog, f)
        cache["loaded"][rel] = loaded
    if loaded is False:
        return None
    if loaded.path != path:
        loaded = LoadedSchema(
            loaded.file, loaded.document, loaded.problems, path, loaded.uri, loaded.registry, loaded.registry_factory
        )
    return loaded


# -- reading --------------------------------------------------------------------------------------


def _read_file(catalog, rel: str) -> _File:
    cache = _cache(catalog)["files"]
    f = cache.get(rel)
    if f is None:
        f = _read_uncached(catalog, rel)
        cache[rel] = f
    return f


def _read_uncached(catalog, rel: str) -> _File:
    f = _File(rel)
    abs_path = os.path.join(str(catalog.root), *rel.split("/"))

    def problem(msg, line=1, col=1):
        f.problems.append(SchemaProblem(RULE_INVALID, msg, rel, line, col))
        return f

    try:
        raw, st = read_capped(abs_path, MAX_SCHEMA_BYTES)
    except OSError as exc:
        return problem(f"cannot read the schema file: {exc.strerror or exc}")
    if raw is None and not stat.S_ISREG(st.st_mode):
        return problem("the schema path is not a regular file (a device, FIFO or socket); it was not read")
    if raw is None:
        return problem(
            f"schema file is {st.st_size} bytes, over the {MAX_SCHEMA_BYTES}-byte cap; it was not read. "
            "Split it into files joined with $ref"
        )
    if len(raw) > MAX_SCHEMA_BYTES:
        return problem(f"schema file is over the {MAX_SCHEMA_BYTES}-byte cap; it was not read")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return problem(f"schema file is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8", line, col)
    f.text = text
    if rel.lower().endswith((".yaml", ".yml")):
        return _parse_yaml(f, text)
    return _parse_json(f, text)


def _parse_yaml(f: _File, text: str) -> _File:
    from saga_lint.catalog.yaml import locations as yamlloc

    if "\x00" in text:
        f.problems.append(SchemaProblem(RULE_INVALID, "schema file contains NUL bytes; it is not YAML", f.file))
        return f
    try:
        doc, locs = yamlloc.load(text)
    except yamlloc.YamlProblem as p:
        f.problems.append(SchemaProblem(RULE_INVALID, f"schema file: {p.message}", f.file, p.line, p.column))
        return f
    except Exception as exc:  # never a crash on a schema file
        f.problems.append(SchemaProblem(RULE_INVALID, f"schema file cannot be parsed: {type(exc).__name__}", f.file))
        return f
    f.yaml_locs = locs
    return _finish(f, doc)


def _parse_json(f: _File, text: str) -> _File:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        f.problems.append(SchemaProblem(RULE_INVALID, f"invalid JSON: {exc.msg}", f.file, exc.lineno, exc.colno))
        return f
    except RecursionError:
        return _too_deep(f)
    except (ValueError, TypeError) as exc:  # e.g. an integer of more than 4300 digits
        f.problems.append(SchemaProblem(RULE_INVALID, f"invalid JSON: {_short(str(exc))}", f.file))
        return f
    # JSON nests one level per "{" or "[": a text with few of them cannot be too deep
    shallow = text.count("{") + text.count("[") <= MAX_JSON_DEPTH
    return _finish(f, doc, shallow)


def _finish(f: _File, doc, shallow: bool = False) -> _File:
    if not shallow and _depth_exceeds(doc, MAX_JSON_DEPTH):
        return _too_deep(f)
    f.document = doc
    f.parsed = True
    return f


def _too_deep(f: _File) -> _File:
    line, col = (1, 1)
    if f.text is not None:
        line, col = f._line_col(_deep_position(f.text, MAX_JSON_DEPTH))
    f.problems.append(
        SchemaProblem(
            RULE_INVALID,
            f"schema nested more than {MAX_JSON_DEPTH} levels deep; it was not checked. Flatten it with $defs and $ref",
            f.file,
            line,
            col,
        )
    )
    f.document = None
    f.parsed = False
    return f


def _depth_exceeds(doc, limit: int) -> bool:
    stack = [(doc, 1)]
    while stack:
        node, d = stack.pop()
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


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.S)


def _deep_position(text: str, limit: int) -> int:
    depth = 0
    for m in _JSON_TOKEN.finditer(text):
        c = m.group()[0]
        if c in "{[":
            depth += 1
            if depth > limit:
                return m.start()
        elif c in "}]":
            depth -= 1
    return 0


def _json_position(text: str, target: tuple) -> int | None:
    """Offset of the key (or array item) at ``target`` in a JSON text; the deepest ancestor found
    when the full path is not there. A small scanner: only used to point at a problem."""
    if not target:
        m = re.search(r"\S", text)
        return m.start() if m else 0
    stack: list = []  # frames: [kind, key or index, expecting_key]
    best = 0
    best_len = -1

    def path() -> tuple:
        return tuple(fr[1] for fr in stack)

    def value_start(pos: int) -> None:
        nonlocal best, best_len
        if stack and stack[-1][0] == "a":
            stack[-1][1] += 1
            p = path()
            n = len(p)
            if n > best_len and p == target[:n]:
                best, best_len = pos, n

    for m in _JSON_TOKEN.finditer(text):
        tok = m.group()
        c = tok[0]
        if c in "{[":
            value_start(m.start())
            if best_len == len(target):
                return best
            stack.append(["o", None, True] if c == "{" else ["a", -1, False])
        elif c in "}]":
            if stack:
                stack.pop()
            if stack and stack[-1][0] == "o":
                stack[-1][2] = False
        elif c == ",":
            if stack and stack[-1][0] == "o":
                stack[-1][2] = True
        elif c == ":":
            continue
        elif c == '"' and stack and stack[-1][0] == "o" and stack[-1][2]:
            try:
                key = json.loads(tok)
            except ValueError:
                key = tok.strip('"')
            stack[-1][1] = key
            stack[-1][2] = False
            p = path()
            n = len(p)
            if n > best_len and p == target[:n]:
                best, best_len = m.start(), n
                if n == len(target):
                    return best
        else:
            value_start(m.start())
            if best_len == len(target):
                return best
    return best


def _looks_like_json_schema(rel: str, doc) -> bool:
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


# -- analysis -------------------------------------------------------------------------------------


def _short(text: str, n: int = 240) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def _uri_for(base: str, rel: str) -> str:
    return base + quote(rel, safe="/")


def _spec_for(doc, default):
    from referencing.jsonschema import specification_with

    if isinstance(doc, dict):
        dialect = doc.get("$schema")
        if isinstance(dialect, str):
            try:
                return specification_with(dialect, default=default)
            except Exception:
                return default
    return default


class _Analysis:
    """Resolve every ``$ref`` reachable from one schema, inside the catalog only, and find loops."""

    def __init__(self, catalog, root: _File):
        from referencing import Registry
        from referencing.jsonschema import DRAFT202012

        self.catalog = catalog
        self.root = root
        self.base = _cache(catalog)["base"]
        self.default_spec = _spec_for(root.document, DRAFT202012)
        self.problems: list[SchemaProblem] = []
        self._seen_problems: set = set()
        self.files_by_uri: dict[str, _File] = {}
        self.retrieved = 0
        self.nodes: dict[int, tuple] = {}  # id(schema dict) -> (file, key path)
        self.edges: dict[int, list] = {}  # id -> [(target id, via $ref?)]
        self.keep: list = []  # keeps node objects alive so ids stay unique
        self.root_uri = _uri_for(self.base, root.file)
        self.files_by_uri[self.root_uri] = root
        resource = self.default_spec.create_resource(root.document)
        self.registry = Registry(retrieve=self._retrieve).with_resource(self.root_uri, resource)

    # the only way anything outside the root document is ever read
    def _retrieve(self, uri: str):
        if not uri.startswith(self.base):
            if uri.startswith(_HOST) or not _SCHEME.match(uri):
                raise _Refused(uri, RULE_REMOTE, "leaves the catalog folder")
            scheme = uri.split(":", 1)[0].lower()
            what = "a file:// URL" if scheme == "file" else f"a URL ({scheme}:)"
            raise _Refused(uri, RULE_REMOTE, f"is {what}")
        rel = unquote(uri[len(self.base) :])
        status, rel2 = resolve_in_catalog(self.catalog, "", rel)
        if status == "outside" or rel2 is None:
            raise _Refused(uri, RULE_REMOTE, "leaves the catalog folder")
        if status != "ok":
            raise _Refused(uri, RULE_INVALID, f'names "{rel2}", which is not a file in the catalog')
        if uri not in self.files_by_uri and len(self.files_by_uri) > MAX_REF_FILES:
            raise _Refused(uri, RULE_INVALID, f"pulls in more than {MAX_REF_FILES} files through $ref")
        f = _read_file(self.catalog, rel2)
        if not f.parsed:
            for p in f.problems:
                self._add(p)
            raise _Refused(uri, RULE_INVALID, f'names "{rel2}", which cannot be read or parsed')
        self.retrieved += 1
        self.files_by_uri[uri] = f
        return _spec_for(f.document, self.default_spec).create_resource(f.document)

    def _add(self, p: SchemaProblem) -> None:
        if p.key not in self._seen_problems:
            self._seen_problems.add(p.key)
            self.problems.append(p)

    def _report(self, rule: str, f: _File, path: tuple, message: str) -> None:
        line, col = f.locate(path)
        self._add(SchemaProblem(rule, message, f.file, line, col))

    def run(self) -> None:
        queue = [self.root_uri]
        walked = set()
        budget = MAX_NODES
        while queue:
            uri = queue.pop(0)
            if uri in walked:
                continue
            walked.add(uri)
            f = self.files_by_uri[uri]
            resolver = self.registry.resolver(base_uri=uri)
            stack = [(f.document, (), resolver)]
            while stack:
                node, path, rv = stack.pop()
                if not isinstance(node, dict):
                    continue
                budget -= 1
                if budget < 0:
                    self._report(
                        RULE_INVALID, f, path, f"schema has more than {MAX_NODES} subschemas; $ref checks stopped here"
                    )
                    queue.clear()
                    break
                try:
                    sub = _spec_for(node, self.default_spec).create_resource(node)
                    if sub.id() is not None:
                        rv = rv.in_subresource(sub)
                except Exception:
                    self._report(RULE_INVALID, f, path + ("$id",), "schema $id cannot be used as a URI")
                key = id(node)
                self.nodes[key] = (f, path)
                self.keep.append(node)
                out = self.edges.setdefault(key, [])
                for kw in _IN_PLACE_ONE:
                    if isinstance(node.get(kw), dict):
                        out.append((id(node[kw]), False))
                for kw in _IN_PLACE_LIST:
                    if isinstance(node.get(kw), list):
                        out.extend((id(x), False) for x in node[kw] if isinstance(x, dict))
                if isinstance(node.get("dependentSchemas"), dict):
                    out.extend((id(x), False) for x in node["dependentSchemas"].values() if isinstance(x, dict))
                ref = node.get("$ref")
                if isinstance(ref, str):
                    target = self._lookup(rv, ref, f, path)
                    if target is not None:
                        contents, target_uri = target
                        if isinstance(contents, dict):
                            out.append((id(contents), True))
                            self.keep.append(contents)
                        if target_uri in self.files_by_uri and target_uri not in walked:
                            queue.append(target_uri)
                elif "$ref" in node and not isinstance(ref, str):
                    self._report(RULE_INVALID, f, path + ("$ref",), "$ref must be a string (a URI reference)")
                for kw, value in node.items():
                    if kw in _SUB_MAP and isinstance(value, dict):
                        for k, v in value.items():
                            stack.append((v, path + (kw, k), rv))
                    elif kw in _SUB_LIST and isinstance(value, list):
                        for i, v in enumerate(value):
                            stack.append((v, path + (kw, i), rv))
                    elif kw in _SUB_ONE and isinstance(value, dict):
                        stack.append((value, path + (kw,), rv))
        self._find_loops()

    def _lookup(self, rv, ref: str, f: _File, path: tuple):
        from referencing.exceptions import NoSuchAnchor, PointerToNowhere, Unresolvable

        where = path + ("$ref",)
        shown = _short(ref, 120)
        try:
            resolved = rv.lookup(ref)
        except (PointerToNowhere, NoSuchAnchor):
            self._report(RULE_INVALID, f, where, f'$ref "{shown}" points at nothing: no such location in the schema')
            return None
        except Unresolvable as exc:
            cause = exc.__cause__
            while cause is not None and not isinstance(cause, _Refused):
                cause = cause.__cause__
            if isinstance(cause, _Refused):
                if cause.rule == RULE_REMOTE:
                    self._report(
                        RULE_REMOTE,
                        f,
                        where,
                        f'$ref "{shown}" {cause.reason}; it was not followed (saga-lint never fetches anything or reads '
                        "outside the catalog). Copy the schema into the catalog and refer to it with a relative path",
                    )
                else:
                    self._report(RULE_INVALID, f, where, f'$ref "{shown}" {cause.reason}')
            else:
                self._report(RULE_INVALID, f, where, f'$ref "{shown}" cannot be resolved')
            return None
        except Exception as exc:  # malformed pointers, odd $id values: a finding, never a crash
            self._report(RULE_INVALID, f, where, f'$ref "{shown}" cannot be resolved ({type(exc).__name__})')
            return None
        target_uri = getattr(resolved.resolver, "_base_uri", None)
        return resolved.contents, urldefrag(target_uri)[0] if isinstance(target_uri, str) else None

    def _find_loops(self) -> None:
        """Iterative depth-first search over in-place edges; a back edge is a loop."""
        WHITE, GREY, BLACK = 0, 1, 2
        color: dict[int, int] = {}
        reported = set()
        for start in list(self.edges):
            if color.get(start, WHITE) != WHITE:
                continue
            color[start] = GREY
            stack = [(start, iter(self.edges.get(start, ())))]
            trail = [start]  # nodes on the current path
            vias = []  # for each step along trail: was it a $ref edge
            while stack:
                node, it = stack[-1]
                nxt = next(it, None)
                if nxt is None:
                    color[node] = BLACK
                    stack.pop()
                    trail.pop()
                    if vias:
                        vias.pop()
                    continue
                target, via_ref = nxt
                c = color.get(target, WHITE)
                if c == WHITE:
                    color[target] = GREY
                    stack.append((target, iter(self.edges.get(target, ()))))
                    trail.append(target)
                    vias.append(via_ref)
                elif c == GREY:
                    i = trail.index(target)
                    cycle = trail[i:]
                    steps = vias[i:] + [via_ref]
                    # report at a $ref in the loop (there always is one: in-place edges only go down)
                    at = None
                    for n, is_ref in zip(cycle, steps):
                        if is_ref:
                            at = n
                            break
                    at = at if at is not None else node
                    if frozenset(cycle) in reported or at not in self.nodes:
                        continue
                    reported.add(frozenset(cycle))
                    f, path = self.nodes[at]
                    chain = " -> ".join(self._describe(n) for n in cycle[:5]) + (" -> ..." if len(cycle) > 5 else "")
                    chain += " -> " + self._describe(target)
                    self._report(
                        RULE_INVALID,
                        f,
                        path + ("$ref",),
                        f"$ref loop: {chain}; validating anything against it would never end. "
                        "Break the loop (a recursive schema must go through properties or items)",
                    )

    def _describe(self, key: int) -> str:
        info = self.nodes.get(key)
        if info is None:
            return "?"
        f, path = info
        pointer = "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)
        return _short(f"{f.file}#/{pointer}", 80)


# -- a fast answer for plain schemas ----------------------------------------------------------------
#
# Checking a schema against its metaschema with jsonschema costs about half a millisecond; a large
# catalog has tens of thousands of schemas. Most are plain: objects with properties, types,
# formats, enums. ``_plainly_valid`` accepts a schema only when every keyword in it is one whose
# metaschema constraint is the same in drafts 4, 6, 7, 2019-09 and 2020-12 and the value meets
# it; then jsonschema would report nothing. Anything else (an unknown keyword, ``$id``,
# ``patternProperties``, boolean subschemas, ...) is left to jsonschema, which also words the error.

_DIALECTS: dict = {}  # $schema (or None) -> (validator class, whether $schema names a known dialect)
# $schema (or None) -> the jsonschema validator jsonschema picks for it, for the dialects whose plain
# schemas ``_plainly_valid`` can judge without jsonschema (test_perf_equivalence pins the table
# against ``jsonschema.validators.validator_for``)
_PLAIN_DIALECTS = {
    None: "Draft202012Validator",
    "http://json-schema.org/draft-04/schema#": "Draft4Validator",
    "http://json-schema.org/draft-04/schema": "Draft4Validator",
    "http://json-schema.org/draft-06/schema#": "Draft6Validator",
    "http://json-schema.org/draft-06/schema": "Draft6Validator",
    "http://json-schema.org/draft-07/schema#": "Draft7Validator",
    "http://json-schema.org/draft-07/schema": "Draft7Validator",
    "https://json-schema.org/draft/2019-09/schema": "Draft201909Validator",
    "https://json-schema.org/draft/2019-09/schema#": "Draft201909Validator",
    "https://json-schema.org/draft/2020-12/schema": "Draft202012Validator",
    "https://json-schema.org/draft/2020-12/schema#": "Draft202012Validator",
}
_PLAIN_DRAFTS = ("Draft4Validator", "Draft6Validator", "Draft7Validator", "Draft201909Validator", "Draft202012Validator")
_SIMPLE_TYPES = frozenset(("array", "boolean", "integer", "null", "number", "object", "string"))
_PLAIN_REF = re.compile(r"^[A-Za-z0-9_.\-/#~$]*$")


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _unique_strings(v) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, str) for x in v) and len(set(v)) == len(v)


def _plain_enum(v) -> bool:
    if not isinstance(v, list) or not v:
        return False
    seen = set()
    for x in v:
        if not (isinstance(x, str) or _is_int(x)):
            return False
        key = (type(x), x)
        if key in seen:
            return False
        seen.add(key)
    return True


def _plain_regex(v) -> bool:
    if not isinstance(v, str):
        return False
    try:
        re.compile(v)
    except (re.error, RecursionError, OverflowError):
        return False
    return True


def _plain_type(v) -> bool:
    if isinstance(v, str):
        return v in _SIMPLE_TYPES
    return _unique_strings(v) and all(t in _SIMPLE_TYPES for t in v)


_PLAIN_SCALARS = {
    "$schema": lambda v: isinstance(v, str),
    "$ref": lambda v: isinstance(v, str) and bool(_PLAIN_REF.match(v)),
    "$comment": lambda v: isinstance(v, str),
    "title": lambda v: isinstance(v, str),
    "description": lambda v: isinstance(v, str),
    "format": lambda v: isinstance(v, str),
    "type": _plain_type,
    "enum": _plain_enum,
    "required": _unique_strings,
    "pattern": _plain_regex,
    "minimum": _is_num,
    "maximum": _is_num,
    "minLength": lambda v: _is_int(v) and v >= 0,
    "maxLength": lambda v: _is_int(v) and v >= 0,
    "minItems": lambda v: _is_int(v) and v >= 0,
    "maxItems": lambda v: _is_int(v) and v >= 0,
    "minProperties": lambda v: _is_int(v) and v >= 0,
    "maxProperties": lambda v: _is_int(v) and v >= 0,
    "uniqueItems": lambda v: isinstance(v, bool),
    "readOnly": lambda v: isinstance(v, bool),
    "writeOnly": lambda v: isinstance(v, bool),
    "deprecated": lambda v: isinstance(v, bool),
    "examples": lambda v: isinstance(v, list),
    "default": lambda v: True,
    "const": lambda v: True,
}
_PLAIN_ONE = ("items", "not")  # a subschema (an object)
_PLAIN_MAP = ("properties", "definitions", "$defs")  # name -> subschema
_PLAIN_LIST = ("allOf", "anyOf", "oneOf")  # non-empty list of subschemas


def _plainly_valid(schema, depth: int) -> bool:
    """True only if ``schema`` certainly satisfies the metaschemas of drafts 4 to 2020-12 (the
    caller makes sure the root's ``$schema``, if any, names one of them)."""
    if not isinstance(schema, dict) or depth > MAX_JSON_DEPTH:
        return False
    for key, value in schema.items():
        if key == "$schema" and depth:
            return False  # only the root's dialect is known to be one of the drafts above
        check = _PLAIN_SCALARS.get(key)
        if check is not None:
            if not check(value):
                return False
        elif key in _PLAIN_ONE:
            if not _plainly_valid(value, depth + 1):
                return False
        elif key in _PLAIN_MAP:
            if not isinstance(value, dict) or not all(_plainly_valid(v, depth + 1) for v in value.values()):
                return False
        elif key in _PLAIN_LIST:
            if not isinstance(value, list) or not value or not all(_plainly_valid(v, depth + 1) for v in value):
                return False
        elif key == "additionalProperties":
            if not (isinstance(value, bool) or _plainly_valid(value, depth + 1)):
                return False
        else:
            return False
    return True


def _uses_legacy_ids(spec) -> bool:
    from referencing.jsonschema import DRAFT3, DRAFT4

    return spec is DRAFT3 or spec is DRAFT4  # ``id`` rather than ``$id``


def _needs_ref_analysis(doc, legacy_ids: bool) -> bool:
    """False when no subschema that ``_Analysis.run`` would visit (reached the same way) has a
    ``$ref``, an id (``$id``, or ``id`` in drafts 3 and 4) or a ``$schema`` of its own, and there
    are at most ``MAX_NODES`` of them: then nothing is retrieved, every in-place edge leads to a
    child, and the analysis can report no problem and no loop. Most schemas are like that."""
    stack = [(doc, True)]
    count = 0
    while stack:
        node, is_root = stack.pop()
        if not isinstance(node, dict):
            continue
        count += 1
        if count > MAX_NODES:
            return True
        if "$ref" in node or "$id" in node or (legacy_ids and "id" in node) or (not is_root and "$schema" in node):
            return True
        for kw, value in node.items():
            if kw in _SUB_MAP and isinstance(value, dict):
                stack.extend((v, False) for v in value.values())
            elif kw in _SUB_LIST and isinstance(value, list):
                stack.extend((v, False) for v in value)
            elif kw in _SUB_ONE and isinstance(value, dict):
                stack.append((value, False))
    return False


def _surely_refless(f: _File) -> bool:
    """For a plainly valid schema (no ``$id``, ``id`` or inner ``$schema`` then): a JSON text with no
    ``$ref`` (and no escapes that could spell one) and few objects needs no ``$ref`` analysis."""
    text = f.text
    return (
        f.yaml_locs is None
        and text is not None
        and "$ref" not in text
        and "\\u" not in text
        and text.count("{") <= MAX_NODES
    )


def _analyse(catalog, f: _File) -> LoadedSchema:
    loaded = LoadedSchema(f.file, f.document if f.parsed else None, list(f.problems))
    if not f.parsed:
        return loaded
    doc = f.document
    # the fast path: a plain schema of a known draft with nothing to resolve needs neither
    # jsonschema nor referencing (most catalog schemas; see _plainly_valid and _needs_ref_analysis)
    if isinstance(doc, dict):
        dialect = doc.get("$schema")
        draft = _PLAIN_DIALECTS.get(dialect) if dialect is None or isinstance(dialect, str) else None
        if (
            draft is not None
            and _plainly_valid(doc, 0)
            and (_surely_refless(f) or not _needs_ref_analysis(doc, legacy_ids=draft == "Draft4Validator"))
        ):
            loaded.uri = _uri_for(_cache(catalog)["base"], f.file)
            loaded.registry_factory = lambda: _Analysis(catalog, f).registry
            return loaded
    # 1. the schema against its metaschema
    try:
        from jsonschema.exceptions import SchemaError
        from jsonschema.validators import Draft202012Validator, validator_for

        if isinstance(doc, dict) and not isinstance(doc.get("$schema", ""), str):
            raise _Invalid("$schema must be a string (the URI of a JSON Schema dialect)", ("$schema",))
        if not isinstance(doc, (dict, bool)):
            raise _Invalid(f"a JSON Schema must be an object or a boolean, not a {type(doc).__name__}", ())
        # the validator class depends only on $schema: memoised (validator_for normalises the URI)
        dialect = doc.get("$schema") if isinstance(doc, dict) else None
        found = _DIALECTS.get(dialect)
        if found is None:
            found = (validator_for(doc, default=Draft202012Validator), dialect is None or validator_for(doc, default=None) is not None)
            if len(_DIALECTS) < 1000:
                _DIALECTS[dialect] = found
        cls, known_dialect = found
        plain = isinstance(doc, dict) and cls.__name__ in _PLAIN_DRAFTS and known_dialect
        if not (plain and _plainly_valid(doc, 0)):
            cls.check_schema(doc)
    except _Invalid as exc:
        line, col = f.locate(exc.path)
        loaded.problems.append(SchemaProblem(RULE_INVALID, f"not a valid JSON Schema: {exc}", f.file, line, col))
    except SchemaError as exc:
        path = tuple(exc.path)
        line, col = f.locate(path)
        where = "/" + "/".join(str(p) for p in path) if path else "the top level"
        loaded.problems.append(
            SchemaProblem(
                RULE_INVALID,
                f"not a valid JSON Schema: {_short(exc.message)} (at {_short(where, 80)})",
                f.file,
                line,
                col,
            )
        )
    except RecursionError:
        loaded.problems.append(
            SchemaProblem(RULE_INVALID, "schema nests too deeply to be checked; flatten it with $defs and $ref", f.file)
        )
    except Exception as exc:  # never a crash on a schema file
        loaded.problems.append(
            SchemaProblem(RULE_INVALID, f"schema cannot be checked: {type(exc).__name__}", f.file)
        )
    if not isinstance(doc, (dict, bool)):
        return loaded
    # 2. $ref: resolved inside the catalog only; loops
    try:
        analysis = _Analysis(catalog, f)
        if _needs_ref_analysis(doc, _uses_legacy_ids(analysis.default_spec)):
            analysis.run()
        seen = {p.key for p in loaded.problems}
        loaded.problems.extend(p for p in analysis.problems if p.key not in seen)
        loaded.registry = analysis.registry
        loaded.uri = analysis.root_uri
    except RecursionError:
        loaded.problems.append(SchemaProblem(RULE_INVALID, "schema $refs nest too deeply to be resolved", f.file))
    except Exception as exc:  # never a crash on a schema file
        loaded.problems.append(
            SchemaProblem(RULE_INVALID, f"schema $refs cannot be resolved: {type(exc).__name__}", f.file)
        )
    return loaded


class _Invalid(Exception):
    def __init__(self, message: str, path: tuple):
        super().__init__(message)
        self.path = path


__all__ = [
    "LoadedSchema",
    "SchemaProblem",
    "load_message_schema",
    "load_schemas",
    "load_schema_file",
    "schema_paths",
    "MAX_SCHEMA_BYTES",
    "MAX_JSON_DEPTH",
]
