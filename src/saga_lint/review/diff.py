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

from saga_lint.catalog import versions
from saga_lint.catalog.model import MESSAGE_TYPES

MAX_SCHEMA_READ = 5 * 1024 * 1024


@dataclass
class ResourceChange:
    kind: str  # added | removed | changed | version-bump
    type: str
    id: str
    old_version: str | None = None
    new_version: str | None = None
    base: object = None  # Resource at base (newest version), None when added
    head: object = None  # Resource at head (newest version), None when removed
    what: list = field(default_factory=list)  # frontmatter | body | schema
    versions_added: list = field(default_factory=list)
    versions_removed: list = field(default_factory=list)
    steps_added: list = field(default_factory=list)  # flows only
    steps_removed: list = field(default_factory=list)
    steps_changed: list = field(default_factory=list)

    @property
    def is_message(self) -> bool:
        return self.type in MESSAGE_TYPES

    @property
    def schema_changed(self) -> bool:
        return "schema" in self.what

    @property
    def file(self) -> str | None:
        res = self.head or self.base
        return res.file if res is not None else None

    def to_json(self) -> dict:
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
    resources: list = field(default_factory=list)  # [ResourceChange], sorted by type, id

    def get(self, rtype: str, rid: str) -> ResourceChange | None:
        return next((c for c in self.resources if c.type == rtype and c.id == rid), None)

    def of_kind(self, *kinds) -> list:
        return [c for c in self.resources if c.kind in kinds]

    @property
    def empty(self) -> bool:
        return not self.resources


def _newest_by_id(catalog) -> dict:
    """(type, id) -> (newest version's Resource, {version: Resource})."""
    out = {}
    for (rtype, rid), by_version in catalog.index().items():
        firsts = {v: rs[0] for v, rs in by_version.items()}
        newest = versions.newest([v for v in firsts if v is not None])
        res = firsts.get(newest) if newest is not None else next(iter(firsts.values()))
        out[(rtype, rid)] = (res, firsts)
    return out


def _read_limited(catalog, rel: str) -> bytes | None:
    path = os.path.join(str(catalog.root), *rel.split("/"))
    try:
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        import stat

        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_SCHEMA_READ:
            return None
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            return fh.read(MAX_SCHEMA_READ + 1)
    except OSError:
        return None
    finally:
        if fd >= 0:
            os.close(fd)


def schema_contents(catalog, resource) -> dict:
    """``{path as written: content}`` of every schema file the resource names; JSON/YAML files as
    their parsed document (so formatting is no change), others as bytes, unreadable ones None."""
    from saga_lint.catalog.paths import resolve_in_catalog
    from saga_lint.catalog.schemas import schema_paths

    out = {}
    for _path, text in schema_paths(resource):
        status, rel = resolve_in_catalog(catalog.files, resource.folder, text)
        if status != "ok" or rel is None:
            out[text] = None
            continue
        raw = _read_limited(catalog, rel)
        if raw is None:
            out[text] = None
            continue
        value = raw
        if rel.lower().endswith(".json"):
            try:
                value = ("json", json.loads(raw.decode("utf-8")))
            except (ValueError, UnicodeDecodeError, RecursionError):
                value = raw
        out[text] = value
    return out


def _steps(flow) -> dict:
    """step id -> (the flow step, the x-saga step block)."""
    out = {}
    steps = flow.data.get("steps")
    x = flow.data.get("x-saga")
    x_steps = x.get("steps") if isinstance(x, dict) and isinstance(x.get("steps"), dict) else {}
    x_steps = {str(k): v for k, v in x_steps.items()}
    if isinstance(steps, list):
        for s in steps:
            if isinstance(s, dict) and s.get("id") is not None and not isinstance(s.get("id"), (dict, list)):
                sid = str(s["id"])
                out.setdefault(sid, (s, x_steps.get(sid)))
    return out


def _same(a, b) -> bool:
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
        return a == b


def compare_catalogs(base_catalog, head_catalog) -> ChangeSet:
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
            continue
        if key not in head:
            res, allv = base[key]
            changes.append(ResourceChange("removed", rtype, rid, res.version, None, res, None,
                                          versions_removed=sorted(v for v in allv if v is not None)))
            if rtype == "flow":
                changes[-1].steps_removed = list(_steps(res))
            continue
        b, bv = base[key]
        h, hv = head[key]
        what = []
        if not _same(b.data, h.data):
            what.append("frontmatter")
        if b.body.strip() != h.body.strip():
            what.append("body")
        if not _same(_encodable(schema_contents(base_catalog, b)), _encodable(schema_contents(head_catalog, h))):
            what.append("schema")
        ch = ResourceChange("changed", rtype, rid, b.version, h.version, b, h, what)
        ch.versions_added = sorted(v for v in hv if v not in bv and v is not None)
        ch.versions_removed = sorted(v for v in bv if v not in hv and v is not None)
        if b.version != h.version:
            ch.kind = "version-bump"
        if rtype == "flow":
            bs, hs = _steps(b), _steps(h)
            ch.steps_added = [s for s in hs if s not in bs]
            ch.steps_removed = [s for s in bs if s not in hs]
            ch.steps_changed = [s for s in hs if s in bs and not _same(bs[s], hs[s])]
        if ch.kind == "changed" and not what and not ch.versions_added and not ch.versions_removed:
            continue
        changes.append(ch)
    return ChangeSet(changes)


def _encodable(contents: dict) -> dict:
    return {k: (v.hex() if isinstance(v, bytes) else v) for k, v in contents.items()}
