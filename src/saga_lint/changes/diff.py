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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from saga_lint.catalog import versions

if TYPE_CHECKING:
    from saga_lint.catalog.model import Catalog, Resource
    from saga_lint.changes.compat import MessageCompat
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


def _newest_by_id(catalog: Catalog) -> dict[tuple[str, str], tuple[Resource, dict[str | None, Resource]]]:
    """(type, id) -> (newest version's Resource, {version: Resource})."""
    out = {}
    for (rtype, rid), by_version in catalog.index().items():
        firsts = {v: rs[0] for v, rs in by_version.items()}
        newest = versions.newest([v for v in firsts if v is not None])
        res = firsts.get(newest) if newest is not None else next(iter(firsts.values()))
        if res is None:
            res = next(iter(firsts.values()))
        out[(rtype, rid)] = (res, firsts)
    return out


def _read_limited(catalog: Catalog, rel: str) -> bytes | None:
    from saga_lint.catalog.fileio import MAX_FILE_BYTES, read_capped

    try:
        content, _st = read_capped(os.path.join(str(catalog.root), *rel.split("/")), MAX_FILE_BYTES)
    except OSError:
        return None
    return content


def schema_contents(catalog: Catalog, resource: Resource) -> dict[str, Any]:
    """``{path as written: content}`` of every schema file the resource names; JSON/YAML files as
    their parsed document (so formatting is no change), others as bytes, unreadable ones None."""
    from saga_lint.catalog.paths import resolve_in_catalog
    from saga_lint.catalog.schemas import schema_paths

    out: dict[str, Any] = {}
    for _path, text in schema_paths(resource):
        status, rel = resolve_in_catalog(catalog.files, resource.folder, text)
        if status != "ok" or rel is None:
            out[text] = None
            continue
        raw = _read_limited(catalog, rel)
        if raw is None:
            out[text] = None
            continue
        value: Any = raw
        if rel.lower().endswith(".json"):
            try:
                value = ("json", json.loads(raw.decode("utf-8")))
            except (ValueError, UnicodeDecodeError, RecursionError):
                value = raw
        out[text] = value
    return out


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


def compare_catalogs(base_catalog: Catalog, head_catalog: Catalog) -> ChangeSet:
    base = _newest_by_id(base_catalog)
    head = _newest_by_id(head_catalog)
    changes = []
    for key in sorted(set(base) | set(head), key=lambda k: (k[0], k[1])):
        rtype, rid = key
        if key not in base:
            res, allv = head[key]
            changes.append(ResourceChange("added", rtype, rid, None, res.version, None, res,
                                          versions_added=sorted(v for v in allv if v is not None)))
            if rtype == "flow":
                changes[-1].steps_added = list(_steps(res))
        elif key not in head:
            res, allv = base[key]
            changes.append(ResourceChange("removed", rtype, rid, res.version, None, res, None,
                                          versions_removed=sorted(v for v in allv if v is not None)))
            if rtype == "flow":
                changes[-1].steps_removed = list(_steps(res))
        else:
            ch = _changed(key, base_catalog, base[key], head_catalog, head[key])
            if ch is not None:
                changes.append(ch)
    return ChangeSet(changes)


def _changed(
    key: tuple[str, str],
    base_catalog: Catalog,
    base: tuple[Resource, dict[str | None, Resource]],
    head_catalog: Catalog,
    head: tuple[Resource, dict[str | None, Resource]],
) -> ResourceChange | None:
    """What changed in a resource present on both sides; None when nothing did."""
    (b, bv), (h, hv) = base, head
    what = []
    if not same_as_json(b.data, h.data):
        what.append("frontmatter")
    if b.body.strip() != h.body.strip():
        what.append("body")
    if not same_as_json(_encodable(schema_contents(base_catalog, b)), _encodable(schema_contents(head_catalog, h))):
        what.append("schema")
    ch = ResourceChange("changed", key[0], key[1], b.version, h.version, b, h, what)
    ch.versions_added = sorted(v for v in hv if v not in bv and v is not None)
    ch.versions_removed = sorted(v for v in bv if v not in hv and v is not None)
    if b.version != h.version:
        ch.kind = "version-bump"
    if key[0] == "flow":
        bs, hs = _steps(b), _steps(h)
        ch.steps_added = [s for s in hs if s not in bs]
        ch.steps_removed = [s for s in bs if s not in hs]
        ch.steps_changed = [s for s in hs if s in bs and not same_as_json(bs[s], hs[s])]
    if ch.kind == "changed" and not what and not ch.versions_added and not ch.versions_removed:
        return None
    return ch


def _encodable(contents: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.hex() if isinstance(v, bytes) else v) for k, v in contents.items()}
