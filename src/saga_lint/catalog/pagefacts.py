"""One record of what is known about a page after loading: ``PageFacts``.

- ``frontmatter_issues``: the frontmatter against EventCatalog's content schemas
  (``fmschema.validate``, every schema line; also docs pages, changelogs, ubiquitous language);
- ``path_checks``: every file path the page names (``schemaPath``, ``schemas[]``,
  ``specifications``, ``styles.icon``, ``<SchemaViewer file>``) with where it resolves;
- ``schema_problems``: the problems of the JSON schema files it names (``catalog.schemas``);
- ``schema_fields``: the names in the ``properties`` at the root of its primary JSON schema
  (``load_message_schema``), so that ``saga/correlation`` and ``saga/idempotency`` need not read
  the schema again when the field they look for is one of them;
- ``foreign_schemas``: the Avro and Protobuf files it names (``.avsc``, ``.proto``, and ``.json``
  or ``.avro`` files that hold an Avro record, enum or fixed), for ``schema/avro-parse`` and
  ``schema/protobuf-parse``, which so need not read every JSON schema of the catalog again;
- ``x_saga_valid``: for a flow, whether its ``x-saga`` block passes the compiled x-saga check;
- ``not_loaded_by``: the EventCatalog lines whose collections' glob patterns do not load the page
  (``ecloads.loads``; the frontmatter check asks it anyway), for ``structure/not-loaded`` and
  ``schema/undeclared-version``.

``page_facts(files, res)`` computes the record, the same way in this process and in a loader
worker (both hold a ``CatalogFiles`` of the same root and schema base URI). The record is plain
data (named tuples of strings, numbers and frozen records): the workers send it as it is, and a cache on
disk can store and reload it as it is.

``PageFactsTable`` (``Catalog.facts``) keeps each page's record by page file: computed on first
ask, or received from the loader's workers. While the workers are still computing them it holds
their ``PendingFacts`` handle, and ``wait()`` takes their records; the rule runner waits before
the rules marked ``page_facts=True``, which run after the others, so that the wait overlaps with
their work. A page edited in place after its facts were computed is ``forget``-ed to be recomputed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, NamedTuple, Protocol

from saga_lint.catalog import ecloads
from saga_lint.catalog.fmschema import validate
from saga_lint.catalog.model import MESSAGE_TYPES
from saga_lint.catalog.paths import body_file_paths, file_components, file_paths, icon_file, icon_paths, resolve_in_catalog
from saga_lint.catalog.schemas import load_schema_file, schema_paths
from saga_lint.catalog.schemas.load import primary_schema
from saga_lint.catalog.xschema import is_valid

if TYPE_CHECKING:
    from saga_lint.catalog.body import Component
    from saga_lint.catalog.files import CatalogFiles
    from saga_lint.catalog.fmschema import Issue
    from saga_lint.catalog.model import Catalog, KeyPath, Resource
    from saga_lint.catalog.schemas import SchemaProblem


class PathCheck(NamedTuple):
    """A file path a page names, and where it resolves."""

    status: str  # ok | missing | outside (paths.resolve_in_catalog)
    path: KeyPath  # the frontmatter key path; () for a body component
    component: Component | None  # the body component that names it, or None for the frontmatter
    text: str  # the path as written


class SchemaFileProblems(NamedTuple):
    """The problems of one JSON schema file a page names (in that file or the files it $refs)."""

    path: KeyPath  # the frontmatter key path that names it; () for a body component
    problems: tuple[SchemaProblem, ...]


class ForeignSchema(NamedTuple):
    """An Avro or Protobuf schema file a page names, resolved inside the catalog."""

    path: KeyPath  # the frontmatter key path that names it; () for a body component
    rel: str  # the file, relative to the catalog's root
    format: str  # avro | protobuf


class PageFacts(NamedTuple):
    """What is known about one page after loading (see the module's docstring). A named tuple, like
    its parts: immutable plain data, the cheapest to send from a worker and to store."""

    frontmatter_issues: tuple[Issue, ...] = ()
    path_checks: tuple[PathCheck, ...] = ()  # frontmatter paths first, then body components
    schema_problems: tuple[SchemaFileProblems, ...] = ()  # in the order the page names the files
    schema_fields: frozenset[str] = frozenset()  # root ``properties`` of the primary JSON schema
    foreign_schemas: tuple[ForeignSchema, ...] = ()  # Avro and Protobuf files, in the order named
    # the paths looked up on disk for these facts that the walk did not see (``CatalogFiles.unwalked``;
    # a loader worker's are the main process's too)
    unwalked: tuple[str, ...] = ()
    # a flow's ``x-saga`` mapping as written passes the compiled x-saga check (``xschema.is_valid``);
    # None: not a flow or no mapping. True stands for the block the saga model reads too (the same
    # block, its boolean keys renamed: a block with any non-string key is never called valid)
    x_saga_valid: bool | None = None
    # the EventCatalog lines (``ecloads.LINES``) that do not load the page (``ecloads.loads`` for its
    # kind, ``ecloads.kind_of``): ``structure/not-loaded`` and ``schema/undeclared-version`` read it
    not_loaded_by: tuple[str, ...] = ()


NO_FACTS = PageFacts()  # a page with nothing to say (one object: it is sent and stored once)
# a page with nothing to say but the lines that do not load it, one object for each set of lines
# (a 4.x catalog's services under systems/, which 3.x does not load): each is sent once per batch
_ONLY_NOT_LOADED = {
    lines: PageFacts(not_loaded_by=lines) if lines else NO_FACTS
    for lines in (tuple(line for i, line in enumerate(ecloads.LINES) if mask >> i & 1) for mask in range(1 << len(ecloads.LINES)))
}


def page_facts(files: CatalogFiles, res: Resource) -> PageFacts:
    """The facts of one page of the catalog whose files are ``files``."""
    asked = len(files.unwalked)
    kind = ecloads.kind_of(res.type, res.file)
    loading = tuple(line for line in ecloads.LINES if ecloads.loads(line, kind, res.file))
    issues = tuple(validate(res.type, res.data, res.file, loading))
    components = file_components(res)
    named = list(schema_paths(res))  # the schema files it names: frontmatter, then body components
    named += [((), text) for _comp, text in body_file_paths(components)]
    block = res.data.get("x-saga") if res.type == "flow" else None
    shared = _ONLY_NOT_LOADED[tuple(line for line in ecloads.LINES if line not in loading)]  # NO_FACTS: every line loads it
    facts = PageFacts(
        issues, _path_checks(files, res, components), _schema_problems(files, res, named), _schema_fields(files, res),
        _foreign_schemas(files, res, named), tuple(files.unwalked[asked:]),
        is_valid(block) if isinstance(block, dict) and block else None,
        shared.not_loaded_by,  # one tuple object for each set of lines
    )
    return shared if facts == shared else facts


def _path_checks(files: CatalogFiles, res: Resource, components: list[Component]) -> tuple[PathCheck, ...]:
    out = [PathCheck(resolve_in_catalog(files, res.folder, text)[0], path, None, text) for path, text in file_paths(res)]
    for path, text in icon_paths(files, res):  # served from public/, whatever the page's folder
        out.append(PathCheck(resolve_in_catalog(files, "", icon_file(text))[0], path, None, text))
    for comp, text in body_file_paths(components):
        out.append(PathCheck(resolve_in_catalog(files, res.folder, text)[0], (), comp, text))
    return tuple(out)


def _schema_problems(files: CatalogFiles, res: Resource, named: list[tuple[KeyPath, str]]) -> tuple[SchemaFileProblems, ...]:
    out = []
    for path, text in named:
        loaded = load_schema_file(files, res.folder, text, path)
        if loaded is not None:
            out.append(SchemaFileProblems(path, tuple(loaded.problems)))
    return tuple(out)


def _schema_fields(files: CatalogFiles, res: Resource) -> frozenset[str]:
    if res.type not in MESSAGE_TYPES:
        return frozenset()
    loaded = primary_schema(files, res)
    props = loaded.document.get("properties") if loaded is not None and isinstance(loaded.document, dict) else None
    return frozenset(k for k in props if isinstance(k, str)) if isinstance(props, dict) else frozenset()


def _foreign_schemas(files: CatalogFiles, res: Resource, named: list[tuple[KeyPath, str]]) -> tuple[ForeignSchema, ...]:
    from saga_lint.catalog.schemas.formats import schema_file_format

    out = []
    analysed = files.schemas.analysed  # rel -> the JSON schema it is (None: it is not one)
    for path, text in named:
        if not isinstance(text, str) or not text.lower().endswith((".avsc", ".proto", ".json", ".avro")):
            continue
        status, rel = resolve_in_catalog(files, res.folder, text)
        if rel is not None and analysed.get(rel) is not None:
            continue  # read as a JSON schema by ``_schema_problems``: not Avro
        fmt = schema_file_format(files, rel) if status == "ok" and rel is not None else None
        if fmt is not None and rel is not None:
            out.append(ForeignSchema(path, rel, fmt))
    return tuple(out)


# what ``PageFactsTable.having`` answers: a kind of fact, and whether a page's facts have any
HAVING: dict[str, Callable[[PageFacts], bool]] = {
    "frontmatter_issues": lambda f: bool(f.frontmatter_issues),
    "path_problems": lambda f: any(check.status != "ok" for check in f.path_checks),
    "schema_problems": lambda f: any(named.problems for named in f.schema_problems),
    "foreign_schemas": lambda f: bool(f.foreign_schemas),
    "not_loaded_by": lambda f: bool(f.not_loaded_by),
}


class PendingFacts(Protocol):
    """Page facts still being computed elsewhere (the loader's workers)."""

    def collect(self) -> Iterator[tuple[Resource, PageFacts]]:
        """Wait for them; each page with its facts (a page whose facts could not be computed
        there is left out, and computed here when asked for)."""
        ...


class PageFactsTable:
    """The facts of a catalog's pages, by page file (see the module's docstring)."""

    def __init__(self, files: CatalogFiles) -> None:
        self.files = files
        self.by_file: dict[str, PageFacts] = {}
        self.pending: PendingFacts | None = None
        # the pages with something to say of each kind (``having``), in catalog order, once asked
        self.having_by_kind: dict[str, list[Resource]] | None = None

    def expect(self, pending: PendingFacts) -> None:
        """The facts of some pages will come from ``pending``: ``wait`` takes them."""
        self.pending = pending

    def wait(self) -> None:
        """Take the pending facts, if any (the loader's workers'), once."""
        pending, self.pending = self.pending, None
        if pending is not None:
            for res, facts in pending.collect():
                self.by_file[res.file] = facts

    def of(self, res: Resource) -> PageFacts:
        """The page's facts: received, computed before, or computed now."""
        if self.pending is not None:
            self.wait()
        facts = self.by_file.get(res.file)
        if facts is None:
            facts = self.by_file[res.file] = page_facts(self.files, res)
        return facts

    def forget(self, res: Resource) -> None:
        """Forget a page's facts (a page edited in place): they are computed again when asked."""
        self.by_file.pop(res.file, None)
        self.having_by_kind = None

    def having(self, catalog: Catalog, kind: str) -> list[Resource]:
        """The catalog's pages (resources, then other pages, in catalog order) whose facts have
        something of ``kind`` (``HAVING``): a rule that reports what is wrong in some pages' facts
        reads those, not every page of a catalog where few have anything to say (one pass over the
        pages for every kind, the first time any is asked)."""
        if self.having_by_kind is None:
            found: dict[str, list[Resource]] = {k: [] for k in HAVING}
            tests = list(HAVING.items())
            for res in (*catalog.resources, *catalog.pages):
                facts = self.of(res)
                if facts is NO_FACTS:
                    continue
                for k, test in tests:
                    if test(facts):
                        found[k].append(res)
            self.having_by_kind = found
        return self.having_by_kind[kind]

    def unwalked(self) -> set[str]:
        """Every path the facts (and anything else in this process) looked up on disk that the
        catalog's walk does not see (``CatalogFiles.unwalked``), for the result cache's key."""
        self.wait()
        out = set(self.files.unwalked)
        for facts in self.by_file.values():
            out.update(facts.unwalked)
        return out


# -- what the rules ask ---------------------------------------------------------------------------


def path_checks(catalog: Catalog, res: Resource) -> tuple[PathCheck, ...]:
    """``(status, key path, component or None, path text)`` for every file path the page names:
    frontmatter paths first (key path set, component None), then body components (key path ())."""
    return catalog.facts.of(res).path_checks


def schema_problems(catalog: Catalog, res: Resource) -> tuple[SchemaFileProblems, ...]:
    """``(key path, (SchemaProblem, ...))`` for every JSON schema file the page names that is inside
    the catalog (key path ``()`` for a body component), in the order the page names them."""
    return catalog.facts.of(res).schema_problems


def schema_fields(catalog: Catalog, res: Resource) -> frozenset[str]:
    """The field names at the root ``properties`` of the page's primary JSON schema (none when it
    has no readable one). A name in it is a field the schema has; one not in it may still come
    through a ``$ref`` or ``allOf``: ask the schema itself then."""
    return catalog.facts.of(res).schema_fields


def foreign_schemas(catalog: Catalog, res: Resource) -> tuple[ForeignSchema, ...]:
    """The Avro and Protobuf schema files the page names, resolved inside the catalog."""
    return catalog.facts.of(res).foreign_schemas


def x_saga_valid(catalog: Catalog, res: Resource) -> bool:
    """Whether the flow's ``x-saga`` block is known to pass the compiled x-saga check (False: not
    known, ask ``xschema.is_valid`` of the block the saga model reads)."""
    return catalog.facts.of(res).x_saga_valid is True


def frontmatter_issues(catalog: Catalog, res: Resource) -> tuple[Issue, ...]:
    """``fmschema.validate(res.type, res.data, res.file)``, as a page fact."""
    return catalog.facts.of(res).frontmatter_issues


def not_loaded_by(catalog: Catalog, res: Resource) -> tuple[str, ...]:
    """The EventCatalog lines (``ecloads.LINES``) that do not load the page: those for which
    ``ecloads.loads(line, ecloads.kind_of(res.type, res.file), res.file)`` is false."""
    return catalog.facts.of(res).not_loaded_by


def pages_having(catalog: Catalog, *kinds: str) -> list[Resource]:
    """The catalog's pages (resources, then other pages, in catalog order) whose facts have anything
    of one of ``kinds`` (``HAVING``: ``frontmatter_issues``, ``path_problems``, ``schema_problems``,
    ``foreign_schemas``, ``not_loaded_by``): every page any rule that reports from those facts has
    something to say of."""
    table = catalog.facts
    if len(kinds) == 1:
        return table.having(catalog, kinds[0])
    chosen = {id(res) for kind in kinds for res in table.having(catalog, kind)}
    return [res for res in (*catalog.resources, *catalog.pages) if id(res) in chosen]
