"""Avro compatibility of a changed message schema (old -> new), by the specification's schema resolution.

Avro data is always read with two schemas: the writer's (the data was written with it) and the
reader's. The specification's resolution rules say when that works, and Confluent Schema Registry
applies them per mode (``BACKWARD``: the new schema reads data written with the old one; ``FORWARD``:
the old schema reads data written with the new one; ``FULL``: both). One check, ``_Resolution``,
answers "can READER read what WRITER wrote?" and records each reason it cannot, in old/new terms:

- a reader field missing from the writer needs a default (field added without default: new
  readers of old data break; field removed without default: old readers of new data break);
  a writer field the reader does not have is skipped; a field is matched by name or by the
  reader field's ``aliases``;
- types must match, or be promoted: int to long, float, double; long to float, double; float to
  double; string to bytes and bytes to string;
- records, enums and fixed types match by unqualified name (a namespace change is fine) or by the
  reader's ``aliases``; a fixed keeps its size; an enum symbol the writer has and the reader lacks
  breaks unless the reader's enum has a ``default``;
- a writer union: every branch must be readable (by the reader, or by some branch of the reader's
  union); a reader union accepts a writer type one of its branches reads;
- arrays and maps: their items and values, recursively.

Each difference becomes a ``compat.SchemaChange`` with ``old_rejected`` (new readers cannot read
old data: BACKWARD breaks) and ``new_rejected`` (old readers cannot read new data: FORWARD
breaks), the field path, the line in the new (or old) schema file and the fix. Differences that
break nobody (a field added with a default) are listed too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from saga_lint.catalog.schemas.avro import PRIMITIVES
from saga_lint.changes.compat import SchemaChange

if TYPE_CHECKING:
    from saga_lint.catalog.schemas.avro import AvroSchema

PROMOTIONS = {
    "int": ("long", "float", "double"),
    "long": ("float", "double"),
    "float": ("double",),
    "string": ("bytes",),
    "bytes": ("string",),
}
MAX_DEPTH = 64
READERS_NEW = "new readers of old data (consumers upgraded first, replays, stored messages)"
READERS_OLD = "old readers of new data (consumers not yet upgraded)"


@dataclass(frozen=True)
class _Issue:
    kind: str
    path: str
    detail: str  # in old -> new terms
    fix: str
    field: str = ""  # the record and field names, to locate the line


def _kind_of(t: Any) -> str:
    if isinstance(t, list):
        return "union"
    if isinstance(t, dict):
        return str(t.get("type"))
    return str(t)


def _name(t: Any) -> str:
    return str(t.get("name", "")) if isinstance(t, dict) else ""


def _short_name(full: str) -> str:
    return full.rsplit(".", 1)[-1]


def describe(t: Any) -> str:
    """A type in a few words: ``int``, ``record Money``, ``array<string>``, ``union[null, string]``."""
    k = _kind_of(t)
    if k == "union":
        return "union[" + ", ".join(describe(b) for b in t[:6]) + (", …" if len(t) > 6 else "") + "]"
    if k in ("record", "error", "enum", "fixed"):
        return f"{k} {_short_name(_name(t))}"
    if k == "array" and isinstance(t, dict):
        return f"array<{describe(t.get('items'))}>"
    if k == "map" and isinstance(t, dict):
        return f"map<{describe(t.get('values'))}>"
    return k


class _Resolution:
    """Can a reader with schema ``reader`` read data written with ``writer``? ``reader_is_new``
    says which of them is the new schema, so that every issue is told in old -> new terms."""

    def __init__(self, writer: AvroSchema, reader: AvroSchema, reader_is_new: bool) -> None:
        self.w_named = writer.named
        self.r_named = reader.named
        self.reader_is_new = reader_is_new
        self.issues: list[_Issue] = []
        self.seen: set[tuple[str, str]] = set()

    def deref(self, t: Any, named: dict[str, Any], depth: int = 0) -> Any:
        """A named type's definition for its name; a primitive for ``{"type": "int", ...}`` (logical
        types are annotations of their underlying type for resolution)."""
        if isinstance(t, str):
            return named.get(t, t)
        if isinstance(t, dict) and depth < 8:
            tt = t.get("type")
            if tt in PRIMITIVES:
                return tt
            if isinstance(tt, str) and tt in named:
                return named[tt]
            if isinstance(tt, (dict, list)):
                return self.deref(tt, named, depth + 1)
        return t

    def old_new(self, w: Any, r: Any) -> tuple[Any, Any]:
        return (w, r) if self.reader_is_new else (r, w)

    def add(self, kind: str, path: str, detail: str, fix: str, fld: str = "") -> None:
        if len(self.issues) < 200:
            self.issues.append(_Issue(kind, path, detail, fix, fld))

    def readable(self, w: Any, r: Any, path: str, depth: int) -> bool:
        """Whether ``r`` reads ``w``, without recording anything."""
        probe = _Resolution.__new__(_Resolution)
        probe.w_named, probe.r_named, probe.reader_is_new = self.w_named, self.r_named, self.reader_is_new
        probe.issues, probe.seen = [], set(self.seen)
        probe.check(w, r, path, depth)
        return not probe.issues

    def check(self, w: Any, r: Any, path: str, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            return
        w, r = self.deref(w, self.w_named), self.deref(r, self.r_named)
        wk, rk = _kind_of(w), _kind_of(r)
        if wk == "union":
            for branch in w:
                if not self.readable(branch, r, path, depth + 1):
                    if rk == "union" or _kind_of(self.deref(branch, self.w_named)) != rk:
                        self.branch_issue(branch, r, path)
                    else:
                        self.check(branch, r, path, depth + 1)
            return
        if rk == "union":
            if not any(self.readable(w, b, path, depth + 1) for b in r):
                self.type_issue(w, r, path)
            return
        if wk == rk and wk in ("record", "error"):
            self.record(w, r, path, depth)
        elif wk == rk and wk == "enum":
            self.enum(w, r, path)
        elif wk == rk and wk == "fixed":
            if not self.same_name(w, r):
                self.name_issue(w, r, path)
            elif w.get("size") != r.get("size"):
                o, n = self.old_new(w, r)
                self.add("fixed-size-changed", path, f"fixed size changed from {o.get('size')} to {n.get('size')}",
                         "keep the size, or publish a new major version")
        elif wk == rk == "array":
            self.check(w.get("items"), r.get("items"), path + "[]", depth + 1)
        elif wk == rk == "map":
            self.check(w.get("values"), r.get("values"), path + "{}", depth + 1)
        elif wk != rk and rk not in PROMOTIONS.get(wk, ()):
            self.type_issue(w, r, path)

    def same_name(self, w: Any, r: Any) -> bool:
        wn, rn = _name(w), _name(r)
        aliases = r.get("aliases") or []
        return _short_name(wn) == _short_name(rn) or wn in aliases or _short_name(wn) in aliases

    def name_issue(self, w: Any, r: Any, path: str) -> None:
        o, n = self.old_new(w, r)
        self.add("type-renamed", path, f"{describe(o)} renamed to {_short_name(_name(n))}",
                 f'keep the name, or list the old name in the new type\'s "aliases": ["{_name(o)}"]', _short_name(_name(n)))

    def type_issue(self, w: Any, r: Any, path: str) -> None:
        o, n = self.old_new(w, r)
        self.add("type-changed", path, f"type changed from {describe(o)} to {describe(n)}",
                 "keep the type (or a promotion of it: int to long, float or double; long to float or double; "
                 "float to double; string to bytes), or add a new field and deprecate this one")

    def branch_issue(self, branch: Any, r: Any, path: str) -> None:
        if self.reader_is_new:
            detail = f"union branch {describe(self.deref(branch, self.w_named))} of the old schema is no longer accepted " \
                     f"(now {describe(r)})"
        else:
            detail = f"new union branch {describe(self.deref(branch, self.w_named))} is not accepted by the old schema " \
                     f"({describe(r)})"
        self.add("union-changed", path, detail, "keep every union branch, and add new branches only where old readers "
                 "accept them (FORWARD) or through a new major version")

    def record(self, w: Any, r: Any, path: str, depth: int) -> None:
        if not self.same_name(w, r):
            self.name_issue(w, r, path)
            return
        key = (_name(w), _name(r))
        if key in self.seen:
            return
        self.seen.add(key)
        w_fields = {f["name"]: f for f in w.get("fields", [])}
        for rf in r.get("fields", []):
            names = [rf["name"], *(rf.get("aliases") or [])]
            wf = next((w_fields[n] for n in names if n in w_fields), None)
            fpath = f"{path}.{rf['name']}" if path else rf["name"]
            if wf is not None:
                self.check(wf["type"], rf["type"], fpath, depth + 1)
            elif "default" not in rf:
                self.missing_default(rf, fpath, _name(r))

    def missing_default(self, rf: Any, fpath: str, record: str) -> None:
        if self.reader_is_new:
            self.add("field-added-without-default", fpath, "added without a default",
                     f'give "{rf["name"]}" a default (e.g. "default": null with type ["null", ...]), '
                     "or publish a new major version", f"{_short_name(record)}.{rf['name']}")
        else:
            self.add("field-removed-without-default", fpath, "removed, and the old schema gives it no default",
                     f'keep "{rf["name"]}" (deprecate it in its doc), or publish a new major version',
                     f"{_short_name(record)}.{rf['name']}")

    def enum(self, w: Any, r: Any, path: str) -> None:
        if not self.same_name(w, r):
            self.name_issue(w, r, path)
            return
        missing = [s for s in w.get("symbols", []) if s not in r.get("symbols", [])]
        if missing and "default" not in r:
            shown = ", ".join(missing[:8]) + (", …" if len(missing) > 8 else "")
            if self.reader_is_new:
                detail = f"enum {_short_name(_name(r))}: symbols removed: {shown}"
                fix = "keep the symbols, or give the enum a \"default\" symbol that readers fall back to"
            else:
                detail = f"enum {_short_name(_name(r))}: symbols added that the old schema does not know: {shown}"
                fix = "give the enum a \"default\" symbol (in the old schema too, before adding symbols)"
            self.add("enum-symbols-changed", path, detail, fix, _short_name(_name(r)))


def _added_with_default(old: AvroSchema, new: AvroSchema) -> list[SchemaChange]:
    """Top-level fields added or removed that break nobody (they have defaults): listed, not breaking."""
    out: list[SchemaChange] = []
    o, n = old.schema, new.schema
    if _kind_of(o) not in ("record", "error") or _kind_of(n) not in ("record", "error"):
        return out
    of = {f["name"]: f for f in o.get("fields", [])}
    nf = {f["name"]: f for f in n.get("fields", [])}
    for name in sorted(set(nf) - set(of)):
        if "default" in nf[name]:
            out.append(SchemaChange("field-added", name, f'field "{name}" added with a default', file=new.file,
                                    line=new.line_of(_name(n), name)))
    for name in sorted(set(of) - set(nf)):
        if "default" in of[name]:
            out.append(SchemaChange("field-removed", name, f'field "{name}" removed (it had a default)', file=new.file,
                                    line=new.line_of(_name(n))))
    return out


def compare_avro(old: AvroSchema, new: AvroSchema) -> list[SchemaChange]:
    """Every difference between two parsed Avro schemas that matters to compatibility."""
    if old.schema is None or new.schema is None:
        return []
    backward = _Resolution(old, new, reader_is_new=True)  # new readers, old data
    backward.check(old.schema, new.schema, "")
    forward = _Resolution(new, old, reader_is_new=False)  # old readers, new data
    forward.check(new.schema, old.schema, "")
    merged: dict[tuple[str, str, str], SchemaChange] = {}
    for issue, old_rej in [(i, True) for i in backward.issues] + [(i, False) for i in forward.issues]:
        key = (issue.kind, issue.path, issue.detail)
        c = merged.get(key)
        if c is None:
            steps = [p.replace("[]", "").replace("{}", "") for p in issue.path.split(".") if p]
            line = new.line_of(*issue.field.split(".")) if issue.field else new.line_of(_name(new.schema), *steps)
            c = merged[key] = SchemaChange(issue.kind, issue.path, issue.detail, fix=issue.fix, file=new.file, line=line)
        if old_rej:
            c.old_rejected = True
        else:
            c.new_rejected = True
    for c in merged.values():
        c.readers = " and ".join(r for r, on in ((READERS_NEW, c.old_rejected), (READERS_OLD, c.new_rejected)) if on)
    out = list(merged.values()) + _added_with_default(old, new)
    if not out and _without_docs(old.schema, old.named) != _without_docs(new.schema, new.named):
        # e.g. string <-> bytes, a default or an alias changed: compatible, but the contract changed
        out.append(SchemaChange("schema-changed", "", "the schema changed in ways that break no reader", file=new.file,
                                line=1))
    return out


def _without_docs(schema: Any, named: dict[str, Any]) -> str:
    """The schema and its named types as canonical JSON, ``doc`` left out (documentation is no contract)."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k != "doc" and not k.startswith("__")}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    try:
        return json.dumps([strip(schema), strip(named)], sort_keys=True, default=str)
    except (TypeError, ValueError, RecursionError):
        return repr(schema)
