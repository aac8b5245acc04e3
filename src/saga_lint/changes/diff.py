"""What changed between two loaded catalogs, resource by resource and step by step.

Resources are matched by ``(type, id)``; the newest version on each side is compared (EventCatalog
keeps older versions under ``versioned/<v>/``, so a version bump shows as the latest version
moving on, and the old version reappearing under ``versioned/``). A resource is

- ``added`` / ``removed`` when its ``(type, id)`` exists on one side only;
- ``changed`` when its newest version is the same on both sides but its frontmatter, body or
  schema files (their parsed content, so re-indenting a JSON file is no change) differ;
- ``version-bump`` when its newest version differs (with ``what`` telling whether the content
  changed too).

Versions added or removed below the newest are listed on the entry. For flows, step ids added,
removed and changed (the flow step or its ``x-saga.steps`` block) are listed too.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from saga_lint.catalog import versions

if TYPE_CHECKING:
    from saga_lint.catalog.model import Catalog, Resource
    from saga_lint.changes.compat import MessageCompat
    from saga_lint.changes.schemafiles import Folders
    from saga_lint.config import Config
    from saga_lint.results import Result


@dataclass
class ResourceChange:
    kind: str  # added | removed | changed | version-bump
    type: str
    id: str
    old_version: str | None = None
    new_version: str | None = None
    base: Resource | None = None  # Resource at base (newest version), None when added
    head: Resource | None = None  # Resource at head (newest version), None when removed
    what: list[str] = field(default_factory=list)  # frontmatter | body | schema
    versions_added: list[str] = field(default_factory=list)
    versions_removed: list[str] = field(default_factory=list)
    steps_added: list[str] = field(default_factory=list)  # flows only
    steps_removed: list[str] = field(default_factory=list)
    steps_changed: list[str] = field(default_factory=list)
    renamed_from: str | None = None  # added: the id it had at base (a rename), see ``_pair_renames``
    renamed_to: str | None = None  # removed: the id it has at head
    duplicates: list[str] = field(default_factory=list)  # other head pages with the same id and version
    schemas_beside: list[str] = field(default_factory=list)  # schema files beside a page naming none
    specs_changed: list[str] = field(default_factory=list)  # "<kind> <path>" of changed specifications
    specs_detail: list[dict[str, Any]] = field(default_factory=list)  # {spec, removed, added}: operations, channels

    @property
    def schema_changed(self) -> bool:
        return "schema" in self.what

    @property
    def file(self) -> str | None:
        res = self.head or self.base
        return res.file if res is not None else None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "type": self.type,
            "id": self.id,
            "old_version": self.old_version,
            "new_version": self.new_version,
            "file": self.file,
            "what": list(self.what),
            "versions_added": list(self.versions_added),
            "versions_removed": list(self.versions_removed),
            "steps_added": list(self.steps_added),
            "steps_removed": list(self.steps_removed),
            "steps_changed": list(self.steps_changed),
            "renamed_from": self.renamed_from,
            "renamed_to": self.renamed_to,
            "duplicates": list(self.duplicates),
            "schemas_beside": list(self.schemas_beside),
            "specifications_changed": list(self.specs_changed),
            "specifications_detail": [dict(d) for d in self.specs_detail],
        }


@dataclass
class ChangeSet:
    resources: list[ResourceChange] = field(default_factory=list)  # sorted by type, id

    def get(self, rtype: str, rid: str) -> ResourceChange | None:
        return next((c for c in self.resources if c.type == rtype and c.id == rid), None)


@dataclass
class Change:
    """The change under review, as the ``change/*`` rules read it (``Context.changes``)."""

    diff: ChangeSet  # what changed, resource by resource
    base: Result  # the base revision's run: its catalog, graph and sagas
    changed_files: list[str]  # repository-relative paths changed between base and head
    compat: list[MessageCompat]  # every message whose schema changed, compared (``compat.message_compat``)
    config: Config  # the review's configuration
    base_config: Config | None  # the base's own configuration; None when named with -c, or broken
    root: Path  # the catalog folder as given


Newest = dict[tuple[str, str], tuple[list["Resource"], dict[str | None, "Resource"]]]


def _newest_by_id(catalog: Catalog) -> Newest:
    """(type, id) -> (the newest version's pages, usually one; {version: first page})."""
    out: Newest = {}
    for (rtype, rid), by_version in catalog.index().items():
        firsts = {v: rs[0] for v, rs in by_version.items()}
        newest = versions.newest([v for v in firsts if v is not None])
        pages = by_version.get(newest) if newest is not None else None
        out[(rtype, rid)] = (list(pages) if pages else [next(iter(firsts.values()))], firsts)
    return out


def _read_limited(catalog: Catalog, rel: str) -> bytes | None:
    from saga_lint.catalog.fileio import MAX_FILE_BYTES, read_capped

    try:
        content, _st = read_capped(os.path.join(str(catalog.root), *rel.split("/")), MAX_FILE_BYTES)
    except OSError:
        return None
    return content


def schema_contents(catalog: Catalog, resource: Resource, folders: Folders | None = None) -> dict[str, Any]:
    """``{path as written: content}`` of every schema file the resource names (in its frontmatter,
    and in its page's ``<SchemaViewer file>`` / ``<Schema file>``, which publish it too; or, naming
    none, of the schema files beside a message page, keyed ``./<name>``); JSON files as their
    parsed document (so formatting is no change), others as bytes, unreadable or missing ones None."""
    from saga_lint.catalog.paths import body_file_paths, file_components
    from saga_lint.catalog.schemas import schema_paths
    from saga_lint.changes.schemafiles import beside

    texts = [text for _path, text in schema_paths(resource)]
    texts += [text for _comp, text in body_file_paths(file_components(resource))]
    texts += [f"./{name}" for name in beside(catalog, resource, folders)]
    return {text: _file_content(catalog, resource, text) for text in texts}


def _file_content(catalog: Catalog, resource: Resource, text: str) -> Any:
    """A file a page names (relative to its folder): parsed when JSON, else bytes; None when it
    is missing, outside the catalog or unreadable."""
    from saga_lint.catalog.paths import resolve_in_catalog

    status, rel = resolve_in_catalog(catalog.files, resource.folder, text)
    if status != "ok" or rel is None:
        return None
    raw = _read_limited(catalog, rel)
    if raw is not None and not raw.strip():
        return None  # an empty file publishes nothing: as if there were none
    if raw is None or not rel.lower().endswith(".json"):
        return raw
    try:
        return ("json", json.loads(raw.decode("utf-8")))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return raw


def _steps(flow: Resource) -> dict[str, tuple[dict[str, Any], Any]]:
    """step id -> (the flow step, the x-saga step block)."""
    out: dict[str, tuple[dict[str, Any], Any]] = {}
    steps = flow.data.get("steps")
    x = flow.data.get("x-saga")
    described = x.get("steps") if isinstance(x, dict) else None
    x_steps = {str(k): v for k, v in described.items()} if isinstance(described, dict) else {}
    if isinstance(steps, list):
        for s in steps:
            if isinstance(s, dict) and s.get("id") is not None and not isinstance(s.get("id"), (dict, list)):
                sid = str(s["id"])
                out.setdefault(sid, (s, x_steps.get(sid)))
    return out


def same_as_json(a: Any, b: Any) -> bool:
    """The same values as JSON would write them (keys in any order; ``1``, ``1.0`` and ``true``
    differ). Equal values with equal ``repr`` are the same at once, without encoding both: that is
    every unchanged resource of a review, most of the catalog."""
    try:
        if a == b and repr(a) == repr(b):
            return True
    except (TypeError, ValueError, RecursionError):
        pass
    try:
        return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)
    except (TypeError, ValueError, RecursionError):
        return bool(a == b)


@dataclass
class _Sides:
    """Both catalogs, their schema folders and the files git moved (base path -> head path)."""

    base: Catalog
    head: Catalog
    moves: dict[str, str]
    base_folders: Folders = field(default_factory=dict)
    head_folders: Folders = field(default_factory=dict)


def compare_catalogs(base_catalog: Catalog, head_catalog: Catalog, moves: dict[str, str] | None = None) -> ChangeSet:
    """What changed from base to head; ``moves``: catalog-relative files git pairs as moved
    (``git diff -M``), so a moved page is matched with its old self and a renamed resource with
    its old id."""
    from saga_lint.changes.schemafiles import schema_folders

    sides = _Sides(base_catalog, head_catalog, dict(moves or {}), schema_folders(base_catalog), schema_folders(head_catalog))
    base = _newest_by_id(base_catalog)
    head = _newest_by_id(head_catalog)
    changes = []
    for key in sorted(set(base) | set(head), key=lambda k: (k[0], k[1])):
        rtype, rid = key
        if key not in base:
            res, allv = head[key][0][0], head[key][1]
            changes.append(ResourceChange("added", rtype, rid, None, res.version, None, res,
                                          versions_added=sorted(v for v in allv if v is not None)))
            changes[-1].duplicates = [r.file for r in head[key][0][1:]]
            if rtype == "flow":
                changes[-1].steps_added = list(_steps(res))
        elif key not in head:
            res, allv = base[key][0][0], base[key][1]
            changes.append(ResourceChange("removed", rtype, rid, res.version, None, res, None,
                                          versions_removed=sorted(v for v in allv if v is not None)))
            if rtype == "flow":
                changes[-1].steps_removed = list(_steps(res))
        else:
            ch = _changed(key, sides, base[key], head[key])
            if ch is not None:
                changes.append(ch)
    _pair_renames(changes, sides)
    return ChangeSet(changes)


def _pick(base_pages: list[Resource], head_pages: list[Resource], moves: dict[str, str]) -> tuple[Resource, list[str]]:
    """The head page that is the base's page (same file, or the file git moved it to) and the
    files of the other head pages with the same id and version (duplicates, never compared)."""
    first = base_pages[0]
    wanted = moves.get(first.file, first.file)
    match = next((h for h in head_pages if h.file == wanted), None)
    if match is None:
        old_files = {b.file for b in base_pages}
        match = next((h for h in head_pages if h.file in old_files), head_pages[0])
    return match, [h.file for h in head_pages if h is not match]


def _changed(key: tuple[str, str], sides: _Sides, base: tuple[list[Resource], dict[str | None, Resource]],
             head: tuple[list[Resource], dict[str | None, Resource]]) -> ResourceChange | None:
    """What changed in a resource present on both sides; None when nothing did."""
    (b_pages, bv), (h_pages, hv) = base, head
    b = b_pages[0]
    h, duplicates = _pick(b_pages, h_pages, sides.moves)
    ch = ResourceChange("changed", key[0], key[1], b.version, h.version, b, h, _what(sides, b, h))
    ch.duplicates = [f for f in duplicates if f not in {p.file for p in b_pages[1:]}]
    ch.versions_added = sorted(v for v in hv if v not in bv and v is not None)
    ch.versions_removed = sorted(v for v in bv if v not in hv and v is not None)
    ch.schemas_beside = _beside(sides, h)
    ch.specs_changed, ch.specs_detail = _specs_changed(sides, b, h)
    if ch.specs_changed:
        ch.what.append("specification")
    if b.version != h.version:
        ch.kind = "version-bump"
    if key[0] == "flow":
        bs, hs = _steps(b), _steps(h)
        ch.steps_added = [s for s in hs if s not in bs]
        ch.steps_removed = [s for s in bs if s not in hs]
        ch.steps_changed = [s for s in hs if s in bs and not same_as_json(bs[s], hs[s])]
    if ch.kind == "changed" and not ch.what and not ch.versions_added and not ch.versions_removed and not ch.duplicates:
        return None
    return ch


def _what(sides: _Sides, b: Resource, h: Resource) -> list[str]:
    """What differs between two pages of one resource: frontmatter, body, schema (``schema-added``
    when only the head has a schema file that exists: nothing was published before)."""
    from saga_lint.changes.schemafiles import has_schema

    what = []
    if not same_as_json(b.data, h.data):
        what.append("frontmatter")
    if b.body.strip() != h.body.strip():
        what.append("body")
    old = _encodable(schema_contents(sides.base, b, sides.base_folders))
    new = _encodable(schema_contents(sides.head, h, sides.head_folders))
    # the same contents in the same order is no contract change, whatever the paths say: a schema
    # file moved and re-pointed, or a path still missing after it was edited
    if not same_as_json(old, new) and not same_as_json(_present(old), _present(new)):
        added = not has_schema(sides.base, b, sides.base_folders) and has_schema(sides.head, h, sides.head_folders)
        what.append("schema-added" if added else "schema")
    return what


def _present(contents: dict[str, Any]) -> list[Any]:
    """The contents of the schema files that exist, in the order the page names them."""
    return [v for v in contents.values() if v is not None]


def _beside(sides: _Sides, h: Resource) -> list[str]:
    from saga_lint.changes.schemafiles import beside

    return beside(sides.head, h, sides.head_folders)


def _specs_changed(sides: _Sides, b: Resource, h: Resource) -> tuple[list[str], list[dict[str, Any]]]:
    """``<kind> <path>`` of the specification files (OpenAPI, AsyncAPI, GraphQL) that differ, and
    for each readable pair the operations and channels removed and added (listed, not judged)."""
    from saga_lint.changes.schemafiles import spec_endpoints, spec_paths

    old = {text: _file_content(sides.base, b, text) for _kind, text in spec_paths(b)}
    changed, detail = [], []
    for kind, text in spec_paths(h):
        new = _file_content(sides.head, h, text)
        if text in old and same_as_json(_encodable({text: old[text]}), _encodable({text: new})):
            continue
        changed.append(f"{kind} {text}")
        before = spec_endpoints(sides.base, b, text) if text in old else None
        after = spec_endpoints(sides.head, h, text)
        if before is not None and after is not None and before != after:
            detail.append({"spec": f"{kind} {text}", "removed": sorted(before - after), "added": sorted(after - before)})
    return changed, detail


def _pair_renames(changes: list[ResourceChange], sides: _Sides) -> None:
    """Pair a removed resource with an added one of the same type when it is the same thing under
    a new id: git pairs their pages as a rename, or they have the same page file, or the same
    schema (that exists, and no other added resource has). Both entries stay (the ``change/*`` rules read the removal), marked."""
    added = [c for c in changes if c.kind == "added" and c.head is not None]
    removed = [c for c in changes if c.kind == "removed" and c.base is not None]
    if not added or not removed:
        return
    new_schemas = {id(c): _schema_key(sides.head, c.head, sides.head_folders) for c in added if c.head is not None}
    seen = Counter(new_schemas.values())  # a schema that two added resources share pairs neither
    for gone in removed:
        if gone.base is None:
            continue
        old_file = sides.moves.get(gone.base.file, gone.base.file)
        old_schema = _schema_key(sides.base, gone.base, sides.base_folders)
        for new in added:
            if new.type != gone.type or new.renamed_from is not None or new.head is None:
                continue
            same_schema = old_schema is not None and old_schema == new_schemas.get(id(new)) and seen[old_schema] == 1
            if old_file == new.head.file or same_schema:
                gone.renamed_to, new.renamed_from = new.id, gone.id
                break


def _schema_key(catalog: Catalog, res: Resource | None, folders: Folders) -> str | None:
    """The contents of a resource's existing schema files, comparable across ids; None without any."""
    if res is None:
        return None
    contents = [v for v in _encodable(schema_contents(catalog, res, folders)).values() if v is not None]
    if not contents:
        return None
    return json.dumps(sorted(json.dumps(v, sort_keys=True, default=str) for v in contents))


def _encodable(contents: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.hex() if isinstance(v, bytes) else v) for k, v in contents.items()}
