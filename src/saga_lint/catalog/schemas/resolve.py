"""``$ref`` resolution inside the catalog only, and ``$ref`` loops (``RefAnalysis``).

``$ref`` is resolved with ``referencing`` over a registry whose only retrieval function reads
files inside the catalog: URLs (``http(s)://``, ``file://``, anything with a scheme, or a relative
reference made absolute by an ``$id``) and paths that leave the catalog are refused and reported
(``security/remote-ref``); nothing is ever fetched. A schema that reaches itself through
``$ref``/``allOf``/``anyOf``/``oneOf``/``not``/``if``/``then``/``else`` without descending into the
value is a loop that would make validation run forever: reported.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urldefrag

from saga_lint.catalog.files import SCHEMA_HOST
from saga_lint.catalog.paths import resolve_in_catalog
from saga_lint.catalog.schemas.model import (
    IN_PLACE_LIST,
    IN_PLACE_ONE,
    MAX_NODES,
    MAX_REF_FILES,
    RULE_INVALID,
    RULE_REMOTE,
    SUB_LIST,
    SUB_MAP,
    SUB_ONE,
    SchemaFile,
    SchemaPath,
    SchemaProblem,
    short,
)
from saga_lint.catalog.schemas.read import read_schema_file

if TYPE_CHECKING:
    from referencing import Registry, Resource, Specification
    from referencing._core import Resolver

    from saga_lint.catalog.files import CatalogFiles

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")

# the keys from which a dialect reads a schema object's id (2019-09 and later, drafts 6 and 7: $id;
# draft 4: id) or its own dialect ($schema): an object with none of them is no subresource
_ID_KEYS = frozenset(("$id", "id", "$schema"))
_IN_PLACE_KEYS = frozenset((*IN_PLACE_ONE, *IN_PLACE_LIST, "dependentSchemas"))
# an edge between schema objects (by id): (target, whether it goes through a $ref)
Edge = tuple[int, bool]
# a schema object to visit: (object, its key path in its file, the resolver in force there)
_Visit = tuple[object, SchemaPath, "Resolver[Any]"]


def uri_for(base: str, rel: str) -> str:
    """The URI of a catalog file under the catalog's schema base URI. A name that is not UTF-8
    (its bytes kept as surrogates) is percent-encoded byte for byte, and ``_retrieve`` decodes it
    back the same way."""
    try:
        raw = rel.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate no file name decodes to: kept, not a crash
        raw = rel.encode("utf-8", "surrogatepass")
    return base + quote(raw, safe="/")


def spec_for(doc: object, default: Specification[Any]) -> Specification[Any]:
    """The JSON Schema dialect a (sub)schema declares with ``$schema``, else ``default``."""
    from referencing.jsonschema import specification_with

    if isinstance(doc, dict):
        dialect = doc.get("$schema")
        if isinstance(dialect, str):
            try:
                return specification_with(dialect, default=default)
            except Exception:
                return default
    return default


class Refused(Exception):
    """Raised by the retrieval function: the reference may not be followed."""

    def __init__(self, uri: str, rule: str, reason: str):
        super().__init__(reason)
        self.uri = uri
        self.rule = rule
        self.reason = reason


class RefAnalysis:
    """Resolve every ``$ref`` reachable from one schema, inside the catalog only, and find loops."""

    def __init__(
        self, files: CatalogFiles, root: SchemaFile, default_spec: Specification[Any] | None = None, uri: str | None = None
    ):
        from referencing import Registry
        from referencing.jsonschema import DRAFT202012

        self.files = files
        self.root = root
        self.base = files.schemas.base
        # the dialect of objects that name none: the root's; a file $ref'd is read in its referrer's
        self.default_spec = default_spec or spec_for(root.document, DRAFT202012)
        self.problems: list[SchemaProblem] = []
        self._seen_problems: set[tuple[str, str, int, int, str]] = set()
        self.files_by_uri: dict[str, SchemaFile] = {}
        self.nodes: dict[int, tuple[SchemaFile, SchemaPath]] = {}  # id(schema dict) -> (file, key path)
        self.edges: dict[int, list[Edge]] = {}  # id -> [(target id, via $ref?)]
        self.keep: list[object] = []  # keeps node objects alive so ids stay unique
        self.budget = MAX_NODES  # schema objects still to examine
        self.own: list[int] = []  # the objects this analysis walked itself (not from a table), in order
        self.targets: list[str] = []  # a table's: the other files its $refs reach
        self.asked: set[str] = set()  # a table's: every URI its $refs had retrieved (see _takes)
        self._root_ids: set[str] | None = None  # the URIs the root's registry holds besides root_uri
        self._no_tables = False  # every file is walked here (the root's registry cannot be crawled)
        # a table (``uri`` given) is the file as walked under the URI it was reached by, with a
        # registry that holds nothing: the file is retrieved, in its own dialect, as a file $ref'd
        # is when walked in place (the root's registry holds only the root)
        self.root_uri = uri or uri_for(self.base, root.file)
        self.files_by_uri[self.root_uri] = root
        registry: Registry[Any] = Registry(retrieve=self._retrieve)  # type: ignore[call-arg]  # referencing's attrs __init__ takes retrieve
        if uri is None:
            registry = registry.with_resource(self.root_uri, self.default_spec.create_resource(root.document))
        self.registry = registry

    # the only way anything outside the root document is ever read
    def _retrieve(self, uri: str) -> Resource[Any]:
        self.asked.add(uri)
        if not uri.startswith(self.base):
            if uri.startswith(SCHEMA_HOST) or not _SCHEME.match(uri):
                raise Refused(uri, RULE_REMOTE, "leaves the catalog folder")
            scheme = uri.split(":", 1)[0].lower()
            what = "a file:// URL" if scheme == "file" else f"a URL ({scheme}:)"
            raise Refused(uri, RULE_REMOTE, f"is {what}")
        rel = unquote(uri[len(self.base) :], errors="surrogateescape")
        status, rel2 = resolve_in_catalog(self.files, "", rel)
        if status == "outside" or rel2 is None:
            raise Refused(uri, RULE_REMOTE, "leaves the catalog folder")
        if status != "ok":
            raise Refused(uri, RULE_INVALID, f'names "{rel2}", which is not a file in the catalog')
        if uri not in self.files_by_uri and len(self.files_by_uri) > MAX_REF_FILES:
            raise Refused(uri, RULE_INVALID, f"pulls in more than {MAX_REF_FILES} files through $ref")
        f = read_schema_file(self.files, rel2)
        if not f.parsed:
            for p in f.problems:
                self._add(p)
            raise Refused(uri, RULE_INVALID, f'names "{rel2}", which cannot be read or parsed')
        self.files_by_uri[uri] = f
        return spec_for(f.document, self.default_spec).create_resource(f.document)

    def _add(self, p: SchemaProblem) -> None:
        if p.key not in self._seen_problems:
            self._seen_problems.add(p.key)
            self.problems.append(p)

    def _report(self, rule: str, f: SchemaFile, path: SchemaPath, message: str) -> None:
        line, col = f.locate(path)
        self._add(SchemaProblem(rule, message, f.file, line, col))

    def run(self) -> None:
        """Walk the root schema and every catalog file it ``$ref``s (breadth first), then find loops.

        A file other than the root is taken from its table (``_table``: walked once per process
        and dialect, as this walk would walk it), not walked again for every schema that reaches
        it: one definitions file that a thousand schemas $ref costs one walk, not a thousand. A
        table that would overrun this analysis's node or file budget, or that asked for a URI this
        root's registry holds (``_takes``), is walked here instead, as before, so that the budget's
        finding stands where it did and each $ref resolves as it did."""
        queue = [self.root_uri]
        walked: set[str] = set()
        while queue:
            uri = queue.pop(0)
            if uri in walked:
                continue
            walked.add(uri)
            table = self._table(uri) if uri != self.root_uri else None
            if table is not None and self._takes(table):
                self._merge(table, queue, walked)
            elif not self._walk_file(self.files_by_uri[uri], uri, queue, walked):
                break
        self._find_loops()

    def _table(self, uri: str) -> RefAnalysis | None:
        """The $ref table of the file at ``uri``: its schema objects, their edges, the problems of
        its own ``$ref``s and ``$id``s and the files they reach (None: over the node budget alone)."""
        key = (uri, self.default_spec.name)
        tables = self.files.schemas.ref_tables
        if key not in tables:
            table = RefAnalysis(self.files, self.files_by_uri[uri], self.default_spec, uri)
            queue: list[str] = []
            complete = table._walk_file(table.root, uri, queue, {uri})
            table.targets = [u for u in dict.fromkeys(queue) if u != uri]
            tables[key] = table if complete else None
        return tables[key]

    def _takes(self, table: RefAnalysis) -> bool:
        """Whether ``table`` stands for walking its file here: taking it keeps this analysis within
        its node and file budgets, and none of its $refs asked for a URI that this root's registry
        holds (a resource embedded in the root with an ``$id``: walked here, the $ref resolves to
        it; the table, resolved without the root, did not)."""
        if self._root_ids is None:
            try:
                self._root_ids = {u for u in self.registry.crawl() if u != self.root_uri}
            except Exception:  # referencing cannot crawl the root (a bad $id): walked here, every
                self._root_ids = set()  # $ref into another file fails on the crawl, as it did
                self._no_tables = True
        if self._no_tables or not table.asked.isdisjoint(self._root_ids):
            return False
        more = len(table.files_by_uri.keys() - self.files_by_uri.keys())
        return len(table.nodes) <= self.budget and len(self.files_by_uri) + more <= MAX_REF_FILES + 1

    def _merge(self, table: RefAnalysis, queue: list[str], walked: set[str]) -> None:
        """Take a table as if its file had been walked here."""
        self.budget -= len(table.nodes)
        self.nodes.update(table.nodes)
        self.edges.update(table.edges)
        for p in table.problems:
            self._add(p)
        for uri, f in table.files_by_uri.items():
            self.files_by_uri.setdefault(uri, f)
        queue.extend(u for u in table.targets if u not in walked)

    def _walk_file(self, f: SchemaFile, uri: str, queue: list[str], walked: set[str]) -> bool:
        """Visit every subschema of one file; False when the node budget ran out."""
        stack: list[_Visit] = [(f.document, (), self.registry.resolver(base_uri=uri))]
        while stack:
            node, path, rv = stack.pop()
            if not isinstance(node, dict):
                continue
            self.budget -= 1
            if self.budget < 0:
                self._report(RULE_INVALID, f, path, f"schema has more than {MAX_NODES} subschemas; $ref checks stopped here")
                return False
            if not _ID_KEYS.isdisjoint(node):  # without these keys no dialect gives the node an id
                try:
                    sub = spec_for(node, self.default_spec).create_resource(node)
                    if sub.id() is not None:
                        rv = rv.in_subresource(sub)
                except Exception:
                    self._report(RULE_INVALID, f, path + ("$id",), "schema $id cannot be used as a URI")
            self._edges_of(node, f, path, rv, queue, walked)
            for kw, value in node.items():
                if kw in SUB_MAP and isinstance(value, dict):
                    for k, v in value.items():
                        stack.append((v, path + (kw, k), rv))
                elif kw in SUB_LIST and isinstance(value, list):
                    for i, v in enumerate(value):
                        stack.append((v, path + (kw, i), rv))
                elif kw in SUB_ONE and isinstance(value, dict):
                    stack.append((value, path + (kw,), rv))
        return True

    def _edges_of(
        self, node: dict[str, Any], f: SchemaFile, path: SchemaPath, rv: Resolver[Any], queue: list[str], walked: set[str]
    ) -> None:
        """Record a schema object and its in-place edges; follow its ``$ref``."""
        key = id(node)
        self.nodes[key] = (f, path)
        self.own.append(key)
        self.keep.append(node)
        out = self.edges.setdefault(key, [])
        if not _IN_PLACE_KEYS.isdisjoint(node):  # most schema objects have none of them
            for kw in IN_PLACE_ONE:
                if isinstance(node.get(kw), dict):
                    out.append((id(node[kw]), False))
            for kw in IN_PLACE_LIST:
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

    def _lookup(self, rv: Resolver[Any], ref: str, f: SchemaFile, path: SchemaPath) -> tuple[object, str | None] | None:
        from referencing.exceptions import NoSuchAnchor, PointerToNowhere, Unresolvable

        where = path + ("$ref",)
        shown = short(ref, 120)
        try:
            resolved = rv.lookup(ref)
        except (PointerToNowhere, NoSuchAnchor):
            self._report(RULE_INVALID, f, where, f'$ref "{shown}" points at nothing: no such location in the schema')
            return None
        except Unresolvable as exc:
            rule, message = _unresolvable(exc, shown)
            self._report(rule, f, where, message)
            return None
        except Exception as exc:  # malformed pointers, odd $id values: a finding, never a crash
            self._report(RULE_INVALID, f, where, _unusable(ref, exc))
            return None
        target_uri = getattr(resolved.resolver, "_base_uri", None)
        return resolved.contents, urldefrag(target_uri)[0] if isinstance(target_uri, str) else None

    def _find_loops(self) -> None:
        """Iterative depth-first search over in-place edges; a back edge is a loop."""
        color: dict[int, int] = {}  # absent: not seen; _GREY: on the current path; _BLACK: done
        reported: set[frozenset[int]] = set()
        for start in self.own:  # from the objects walked here: a table's are reached from them
            if start not in color:
                self._search_from(start, color, reported)

    def _search_from(self, start: int, color: dict[int, int], reported: set[frozenset[int]]) -> None:
        color[start] = _GREY
        stack = [(start, iter(self.edges.get(start, ())))]
        trail = [start]  # nodes on the current path
        vias: list[bool] = []  # for each step along trail: was it a $ref edge
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                color[node] = _BLACK
                stack.pop()
                trail.pop()
                if vias:
                    vias.pop()
                continue
            target, via_ref = nxt
            c = color.get(target)
            if c is None:
                color[target] = _GREY
                stack.append((target, iter(self.edges.get(target, ()))))
                trail.append(target)
                vias.append(via_ref)
            elif c == _GREY:
                i = trail.index(target)
                self._report_loop(trail[i:], vias[i:] + [via_ref], node, target, reported)

    def _report_loop(self, cycle: list[int], steps: list[bool], node: int, target: int, reported: set[frozenset[int]]) -> None:
        # report at a $ref in the loop (there always is one: in-place edges only go down)
        at = next((n for n, is_ref in zip(cycle, steps, strict=False) if is_ref), node)
        if frozenset(cycle) in reported or at not in self.nodes:
            return
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
        return short(f"{f.file}#/{pointer}", 80)


_GREY, _BLACK = 1, 2


def _unresolvable(exc: BaseException, shown: str) -> tuple[str, str]:
    """The rule and message of a ``$ref`` that ``referencing`` could not resolve."""
    cause = exc.__cause__
    while cause is not None and not isinstance(cause, Refused):
        cause = cause.__cause__
    if not isinstance(cause, Refused):
        return RULE_INVALID, f'$ref "{shown}" cannot be resolved'
    if cause.rule == RULE_REMOTE:
        return (
            RULE_REMOTE,
            f'$ref "{shown}" {cause.reason}; it was not followed (saga-lint never fetches anything or reads '
            "outside the catalog). Copy the schema into the catalog and refer to it with a relative path",
        )
    return RULE_INVALID, f'$ref "{shown}" {cause.reason}'


def _unusable(ref: str, exc: Exception) -> str:
    """The message for a ``$ref`` whose URI cannot even be formed (``referencing`` raised
    something else than "unresolvable"): most often an ``$id`` above it that is no URI
    (``http://[x``, reported at its own line), against which a relative ``$ref`` is resolved.

    Only a ``ValueError`` (``urllib``'s: the URI cannot be parsed) says why: any other exception
    is an internal failure of ``referencing`` on an ``$id`` that is no string (``'int' object has
    no attribute 'startswith'``), no help to the user and unstable across library versions (the
    message is part of the finding's fingerprint)."""
    if isinstance(exc, ValueError):
        why = short(str(exc), 80) or type(exc).__name__
        return (f'$ref "{short(ref, 120)}" cannot be resolved: {why} ({type(exc).__name__}). Correct the $ref, or '
                "the $id above it that is not a valid URI.")
    return (f'$ref "{short(ref, 120)}" cannot be resolved ({type(exc).__name__}). Correct the $ref, or the $id '
            "above it: a string that is a valid URI.")
