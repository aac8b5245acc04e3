"""The loaded catalog: resources with their frontmatter, locations and (lazily parsed) bodies."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from saga_lint.catalog import versions
from saga_lint.catalog.yaml.locations import Locations
from saga_lint.findings import Finding, ResourceRef

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
VERSIONED_TYPES = tuple(t for t in PLURAL if t not in ("team", "user"))
# page kinds that are not resources but are read: custom docs, changelogs, ubiquitous language, pages
PAGE_KINDS = ("doc", "changelog", "ubiquitous-language", "page")


@dataclass
class Resource:
    """One resource page (or custom docs page, changelog, ...)."""

    type: str
    file: str  # relative to the catalog root, POSIX separators
    folder: str  # the resource's folder (relative); schemaPath resolves against it
    data: dict
    locs: Locations
    body: str = ""
    body_line: int = 1
    versioned_folder: str | None = None  # "<v>" for .../versioned/<v>/index.mdx

    @property
    def id(self):
        v = self.data.get("id")
        return str(v) if isinstance(v, (str, int, float)) and not isinstance(v, bool) else None

    @property
    def version(self) -> str | None:
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
    def key(self) -> tuple:
        return (self.type, self.id, self.version)

    def loc(self, *path) -> tuple[int, int]:
        return self.locs.find(*path)

    @property
    def is_deprecated(self) -> bool:
        d = self.data.get("deprecated")
        return bool(d) and d is not False

    _body_doc = None

    @property
    def body_doc(self):
        """The parsed body (headings, sections, tables, links, components); parsed on first use."""
        if self._body_doc is None:
            from saga_lint.catalog.body import parse_body

            self._body_doc = parse_body(self.body, self.body_line)
        return self._body_doc


@dataclass
class Catalog:
    root: Path
    resources: list[Resource] = field(default_factory=list)
    pages: list[Resource] = field(default_factory=list)  # docs pages, changelogs, ...
    load_findings: list[Finding] = field(default_factory=list)
    files_seen: int = 0
    other_files: set = field(default_factory=set)  # every non-page file (relative), for refs/file-exists
    dependencies: dict = field(default_factory=dict)  # from eventcatalog.config.js: type -> {id: [versions]}
    _index: dict | None = None
    _enclosing: tuple | None = None  # (folder -> enclosing folders, resource folders): enclosing_folders

    # -- lookup -------------------------------------------------------------------------------
    def index(self) -> dict:
        """(type, id) -> {version: [resources]} for every resource with an id."""
        if self._index is None:
            idx: dict = {}
            for r in self.resources:
                rid = r.id
                if rid is None:
                    continue
                idx.setdefault((r.type, rid), {}).setdefault(r.version, []).append(r)
            self._index = idx
        return self._index

    def enclosing_folders(self, res: Resource) -> tuple:
        """The folders of the resources that enclose ``res`` (domain > system > ...), outermost
        first: every folder above its own (above ``versioned/`` for an older version) that holds
        an unversioned resource. Computed on first use; the loader does not need it."""
        if self._enclosing is None:
            self._enclosing = ({"": ()}, {r.folder for r in self.resources if r.versioned_folder is None})
        chains, folders = self._enclosing
        base = res.folder
        if res.versioned_folder is not None:
            base = base.rsplit("/versioned/", 1)[0]
        chain = chains.get(base)
        if chain is None:
            # filled downwards from the nearest known folder, without recursion (a hostile tree
            # can be thousands of folders deep)
            missing = []
            f = base
            while f not in chains:
                missing.append(f)
                f = f.rpartition("/")[0]
            for f in reversed(missing):
                parent = f.rpartition("/")[0]
                chains[f] = chain = chains[parent] + ((parent,) if parent and parent in folders else ())
        return chain

    def versions_of(self, rtype: str, rid: str) -> list:
        return list(self.index().get((rtype, rid), {}).keys())

    def lookup(self, rtypes, rid, ref_version=None) -> tuple[str, Resource | None]:
        """Resolve a pointer. Returns ``("ok", resource)``, ``("no-version", None)`` when the id exists
        but no version matches, ``("missing", None)`` when no resource of those types has the id.
        Messages share one namespace: pass all three types."""
        if isinstance(rtypes, str):
            rtypes = (rtypes,)
        idx = self.index()
        found_id = False
        best = None
        for t in rtypes:
            by_version = idx.get((t, rid))
            if not by_version:
                continue
            found_id = True
            if t in ("team", "user"):
                return "ok", by_version[None][0]
            v = versions.resolve(ref_version, list(by_version.keys()))
            if v is not None:
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
        status, res = self.lookup(rtype, rid)
        return res

    def of_type(self, *rtypes) -> list[Resource]:
        return [r for r in self.resources if r.type in rtypes]

    def counts(self) -> dict:
        out = {PLURAL[t]: 0 for t in PLURAL}
        for r in self.resources:
            out[PLURAL[r.type]] += 1
        return out
