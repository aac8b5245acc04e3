"""The loaded catalog: resources with their frontmatter, locations and (lazily parsed) bodies.

``Resource`` is one page as read; ``Catalog`` holds them with the loader's findings, the catalog's
``files`` (``CatalogFiles``: root, walked files, path answers, JSON schema store) and its pages'
``facts`` (``PageFactsTable``: one ``PageFacts`` record per page).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from saga_lint.catalog import versions
from saga_lint.catalog.files import CatalogFiles
from saga_lint.catalog.yaml.locations import KeyPath as KeyPath
from saga_lint.catalog.yaml.locations import Locations
from saga_lint.findings import Finding, ResourceRef

if TYPE_CHECKING:
    from saga_lint.catalog.body import Body
    from saga_lint.catalog.pagefacts import PageFactsTable
    from saga_lint.catalog.refs import Reference
    from saga_lint.catalog.v1 import V1Layout

# a frontmatter as read: YAML mapping keys (strings, almost always) to YAML values
FrontMatter = dict[str, Any]

# resource type (singular) -> collection folder / summary key (plural)
PLURAL = {
    "event": "events",
    "command": "commands",
    "query": "queries",
    "service": "services",
    "domain": "domains",
    "system": "systems",
    "flow": "flows",
    "channel": "channels",
    "entity": "entities",
    "container": "containers",
    "adr": "adrs",
    "agent": "agents",
    "data-product": "data-products",
    "diagram": "diagrams",
    "team": "teams",
    "user": "users",
}
MESSAGE_TYPES = ("event", "command", "query")
# page kinds that are not resources but are read: custom docs, changelogs, ubiquitous language, pages
PAGE_KINDS = ("doc", "changelog", "ubiquitous-language", "page")


@dataclass(slots=True)
class Resource:
    """One resource page (or custom docs page, changelog, ...). Slotted: a large catalog holds
    tens of thousands, and an instance dictionary each was a tenth of the main process's memory."""

    type: str
    file: str  # relative to the catalog root, POSIX separators
    folder: str  # the resource's folder (relative); schemaPath resolves against it
    data: FrontMatter
    locs: Locations
    body: str = ""
    body_line: int = 1
    versioned_folder: str | None = None  # "<v>" for .../versioned/<v>/index.mdx
    # the BLAKE2 digest (hex) of the page's text before its body (frontmatter, fences, what precedes
    # them), the words of a plain ``summary`` masked (``page.head_digest``): equal digests, equal
    # ``data`` but for those words, which no rule reads, equal ``locs`` and ``body_line``
    # (``saga_lint.prose``); "" when the page has no frontmatter
    head_digest: str = ""
    # derived from ``data`` and ``body`` on first use (``references_of``, ``body_doc``, ``key``); a page
    # edited in place after that must be told so (``forget_derived``)
    references: list[Reference] | None = field(default=None, init=False, repr=False, compare=False)
    parsed_body: Body | None = field(default=None, init=False, repr=False, compare=False)
    derived_key: tuple[str, str | None, str | None] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def id(self) -> str | None:
        """The ``id``; for a resource page without one, its ``name``, as EventCatalog v1 named pages
        (the missing id is still reported: ``schema/required-fields`` or ``structure/v1-layout``)."""
        return self.key[1]

    def _id_of_data(self) -> str | None:
        v = self.data.get("id")
        if v is None and "id" not in self.data and self.type not in PAGE_KINDS:
            v = self.data.get("name")
        return str(v) if isinstance(v, (str, int, float)) and not isinstance(v, bool) else None

    @property
    def label(self) -> str:
        """What to call the page in a message: its id, else its file (never ``None``)."""
        return self.id or self.file

    @property
    def version(self) -> str | None:
        """The ``version`` as a string; None for teams, users, other pages and a page without one."""
        return self.key[2]

    def _version_of_data(self) -> str | None:
        if self.type in ("team", "user") or self.type in PAGE_KINDS:
            return None
        v = self.data.get("version")
        if isinstance(v, bool) or v is None:
            return None
        return str(v)

    @property
    def name(self) -> str:
        n = self.data.get("name")
        return str(n) if n is not None else (self.id or self.file)

    @property
    def ref(self) -> ResourceRef:
        return ResourceRef(self.type, self.id or "", self.version)

    @property
    def key(self) -> tuple[str, str | None, str | None]:
        """``(type, id, version)``: the graph's node of the resource (made on first use, from ``data``)."""
        key = self.derived_key
        if key is None:
            key = self.derived_key = (self.type, self._id_of_data(), self._version_of_data())
        return key

    def loc(self, *path: Hashable) -> tuple[int, int]:
        return self.locs.find(*path)

    @property
    def is_deprecated(self) -> bool:
        d = self.data.get("deprecated")
        return bool(d) and d is not False

    @property
    def body_doc(self) -> Body:
        """The parsed body (headings, sections, tables, links, components); parsed on first use."""
        if self.parsed_body is None:
            from saga_lint.catalog.body import parse_body

            self.parsed_body = parse_body(self.body, self.body_line)
        return self.parsed_body

    def forget_derived(self) -> None:
        """Forget what was derived from ``data`` and ``body`` (references, parsed body): for a page
        edited in place after loading. Its page facts are the catalog's: ``catalog.facts.forget``."""
        self.references = None
        self.parsed_body = None
        self.derived_key = None


# (type, id) -> {version: [resources]}
Index = dict[tuple[str, str], dict[str | None, list[Resource]]]
_NO_TYPES: dict[str, dict[str | None, list[Resource]]] = {}  # an id no resource has (never changed)


@dataclass
class Catalog:
    """The catalog as loaded (``loader.load_catalog``)."""

    root: Path
    resources: list[Resource] = field(default_factory=list)
    pages: list[Resource] = field(default_factory=list)  # docs pages, changelogs, ...
    load_findings: list[Finding] = field(default_factory=list)
    files_seen: int = 0
    dependencies: dict[str, set[str]] = field(default_factory=dict)  # from eventcatalog.config.js: type -> ids
    v1: V1Layout | None = None  # the catalog is in EventCatalog v1's layout (``v1.detect``)
    files: CatalogFiles = field(init=False, repr=False, compare=False)
    facts: PageFactsTable = field(init=False, repr=False, compare=False)
    # computed on first use by ``index`` and ``enclosing_folders``
    _index: Index | None = field(default=None, init=False, repr=False, compare=False)
    # id -> type -> the index's {version: [resources]} for (type, id): ``lookup`` asks by id once
    _by_id: dict[str, dict[str, dict[str | None, list[Resource]]]] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    # (folder -> enclosing folders, resource folders)
    _enclosing: tuple[dict[str, tuple[str, ...]], set[str]] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        from saga_lint.catalog.pagefacts import PageFactsTable  # it computes facts from this module's pages

        self.root = Path(self.root)
        self.files = CatalogFiles(self.root)
        self.facts = PageFactsTable(self.files)

    @property
    def other_files(self) -> set[str]:
        """Every non-page file (relative) the walk saw."""
        return self.files.walked

    # -- lookup -------------------------------------------------------------------------------
    def index(self) -> Index:
        """(type, id) -> {version: [resources]} for every resource with an id."""
        if self._index is None:
            idx: Index = {}
            by_id = self._by_id
            for r in self.resources:
                rid = r.id
                if rid is None:
                    continue
                by_version = idx.get((r.type, rid))
                if by_version is None:
                    by_version = idx[r.type, rid] = by_id.setdefault(rid, {})[r.type] = {}
                by_version.setdefault(r.version, []).append(r)
            self._index = idx
        return self._index

    def enclosing_folders(self, res: Resource) -> tuple[str, ...]:
        """The folders of the resources that enclose ``res`` (domain > system > ...), outermost
        first: every folder above its own (above ``versioned/`` for an older version) that holds
        an unversioned resource. Computed on first use; the loader does not need it."""
        if self._enclosing is None:
            self._enclosing = ({"": ()}, {r.folder for r in self.resources if r.versioned_folder is None})
        chains, folders = self._enclosing
        base = res.folder
        if res.versioned_folder is not None:
            base = base.rsplit("/versioned/", 1)[0]
        known = chains.get(base)
        if known is not None:
            return known
        # filled downwards from the nearest known folder, without recursion (a hostile tree
        # can be thousands of folders deep)
        missing: list[str] = []
        f = base
        while f not in chains:
            missing.append(f)
            f = f.rpartition("/")[0]
        for f in reversed(missing):
            parent = f.rpartition("/")[0]
            chains[f] = chains[parent] + ((parent,) if parent and parent in folders else ())
        return chains[base]

    def versions_of(self, rtype: str, rid: str) -> list[str | None]:
        return list(self.index().get((rtype, rid), {}).keys())

    def lookup(
        self, rtypes: str | tuple[str, ...], rid: str, ref_version: str | None = None
    ) -> tuple[str, Resource | None]:
        """Resolve a pointer. Returns ``("ok", resource)``, ``("no-version", None)`` when the id exists
        but no version matches, ``("missing", None)`` when no resource of those types has the id.
        Messages share one namespace: pass all three types."""
        if isinstance(rtypes, str):
            rtypes = (rtypes,)
        if self._index is None:
            self.index()
        of_id = self._by_id.get(rid, _NO_TYPES)  # one question by id, not one per type
        found_id = False
        best: Resource | None = None
        for t in rtypes:
            by_version = of_id.get(t)
            if not by_version:
                continue
            found_id = True
            if t in ("team", "user"):
                return "ok", by_version[None][0]
            v = versions.resolve(ref_version, by_version.keys())
            if v is None and None in by_version and versions.means_latest(ref_version):
                best = best or by_version[None][0]  # a page without a version (v1, or a page missing it)
            elif v is not None:
                cand = by_version[v][0]
                if best is None or versions.newest([best.version, cand.version]) == cand.version:
                    best = cand
        if best is not None:
            return "ok", best
        if any(self.dependency_exists(t, rid) for t in rtypes):
            return "external", None
        return ("no-version", None) if found_id else ("missing", None)

    def dependency_exists(self, rtype: str, rid: str) -> bool:
        return rid in self.dependencies.get(rtype, ())

    def latest(self, rtype: str, rid: str) -> Resource | None:
        return self.lookup(rtype, rid)[1]

    def of_type(self, *rtypes: str) -> list[Resource]:
        return [r for r in self.resources if r.type in rtypes]

    def counts(self) -> dict[str, int]:
        out = {PLURAL[t]: 0 for t in PLURAL}
        for r in self.resources:
            out[PLURAL[r.type]] += 1
        return out
