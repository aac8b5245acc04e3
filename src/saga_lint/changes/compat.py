"""JSON Schema compatibility of a changed message schema (old -> new).

Every difference found is a ``SchemaChange`` that says which of two things it breaks:

- ``old_rejected``: a message valid under the old schema is rejected by the new one (messages
  already sent, stored or replayed; writers that have not upgraded). Caused by a new required
  field, a narrowed type, enum or range, a new pattern/format, a property dropped from (or newly
  refused by) a closed object;
- ``new_rejected``: a message valid under the new schema is rejected by, or surprises, a reader
  still on the old schema. Caused by a removed (or renamed) required field, a widened type, enum
  or range, a new property in an object the old schema closed.

A mode decides which of them are breaking, in the direction of the party at risk:

- ``BACKWARD`` (default): what is sent and stored today keeps being accepted (``old_rejected``
  breaks). For events the consumer's direction is added: consumers rely on every required field
  being there, so a removed, renamed, no longer required or now nullable required field (its ``type``
  gains ``null``) breaks them too. For commands (and
  queries) it is the sender's direction: the sender's messages of today must still be accepted.
- ``FORWARD``: readers still on the old schema accept what is sent under the new one
  (``new_rejected`` breaks).
- ``FULL``: both. ``NONE``: nothing is checked.
- ``BACKWARD_TRANSITIVE``, ``FORWARD_TRANSITIVE``, ``FULL_TRANSITIVE``: the same directions, against
  every earlier version under ``versioned/`` too (``changes/transitive.py``).

The mode is set per message id in the config (``schema-compatibility: {<id>: FULL}``), else by
the message's frontmatter ``x-compatibility``, else ``BACKWARD``. ``$ref`` is followed inside the
catalog only (through the loaded schema's registry, or JSON pointers into the same document).
``anyOf``/``oneOf`` whose branches were only added (widened) or only removed (narrowed) are judged
so; other combinators (``allOf``/``not``/``if``, or branches both added and removed) that differ
in what validates (not only in annotations: titles, descriptions, examples, defaults, ``x-``
extensions such as AsyncAPI's ``x-parser-schema-id``) cannot be compared structurally and count as
breaking both ways: review them by hand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from saga_lint.catalog.model import MESSAGE_TYPES
from saga_lint.catalog.schemas.model import MAX_JSON_DEPTH

if TYPE_CHECKING:
    from saga_lint.catalog.model import Catalog, Resource
    from saga_lint.catalog.schemas import LoadedSchema
    from saga_lint.changes.diff import ChangeSet
    from saga_lint.config import Config

Json = Any  # a JSON document or any part of it, as ``json.loads`` returns it
Resolver = Any  # a ``referencing.Resolver`` (the library has no type hints), or None

MODES = ("BACKWARD", "FORWARD", "FULL", "NONE", "BACKWARD_TRANSITIVE", "FORWARD_TRANSITIVE", "FULL_TRANSITIVE")
DEFAULT_MODE = "BACKWARD"
MAX_DEPTH = 32
MAX_CHANGES = 200
MAX_NODES = 5000  # subschema pairs compared, at most

_LOWER = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties", "minContains")
_UPPER = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties", "maxContains")
_SHAPE = ("pattern", "format", "multipleOf", "const")
# keywords that annotate a schema and validate nothing (``x-...`` extensions too: AsyncAPI's
# ``x-parser-schema-id``): two subschemas that differ only in them accept the same messages
_ANNOTATIONS = frozenset({"title", "description", "examples", "$comment", "default", "deprecated", "readOnly", "writeOnly"})
# keywords whose value maps names (not keywords) to subschemas
_NAMED_SUBSCHEMAS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})


def _validating(schema: Json, depth: int = 0) -> Json:
    """``schema`` without its annotations, at every level of subschemas: what validates."""
    if depth > MAX_JSON_DEPTH:
        return schema
    if isinstance(schema, list):
        return [_validating(s, depth + 1) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Json] = {}
    for key, value in schema.items():
        if key in _ANNOTATIONS or (isinstance(key, str) and key.startswith("x-")):
            continue
        if key in _NAMED_SUBSCHEMAS and isinstance(value, dict):
            out[key] = {name: _validating(sub, depth + 1) for name, sub in value.items()}
        elif key == "dependencies" and isinstance(value, dict):  # names -> a schema or a list of names
            out[key] = {name: _validating(sub, depth + 1) if isinstance(sub, dict) else sub for name, sub in value.items()}
        elif key in ("enum", "const", "required", "dependentRequired"):
            out[key] = value  # values and names, not schemas
        else:
            out[key] = _validating(value, depth + 1)
    return out


_COMBINATORS = ("allOf", "anyOf", "oneOf", "not", "if", "then", "else", "prefixItems", "patternProperties",
                "dependentRequired", "dependentSchemas", "propertyNames")


@dataclass
class SchemaChange:
    kind: str  # required-removed | required-relaxed | required-added | type-changed | enum-narrowed | ...
    path: str  # the field, e.g. ``lines[].sku``; "" for the message itself
    detail: str  # what changed, in words
    old_rejected: bool = False  # old messages rejected by the new schema
    new_rejected: bool = False  # new messages rejected by old readers
    # set by the Avro and Protobuf comparisons (changes/avro.py, changes/protobuf.py); JSON Schema leaves them empty
    readers: str = ""  # who breaks, in words
    fix: str = ""  # how to make the change compatible
    file: str | None = None  # the schema file (catalog-relative) and line the difference is at
    line: int | None = None

    @property
    def where(self) -> str:
        return f"field {self.path}" if self.path else "the message"

    def breaking(self, message_type: str, mode: str) -> bool:
        mode = (mode or DEFAULT_MODE).upper().replace("_TRANSITIVE", "")  # the direction (changes/transitive.py)
        if mode == "NONE":
            return False
        if mode == "FORWARD":
            return self.new_rejected
        if mode == "FULL":
            return self.old_rejected or self.new_rejected
        # BACKWARD, in the direction of the party at risk
        if self.old_rejected:
            return True
        # consumers rely on a required field being there: removed, made optional or nullable, it may be missing
        return message_type == "event" and self.kind in ("required-removed", "required-relaxed", "required-nullable")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "path": self.path,
            "detail": self.detail,
            "old_rejected": self.old_rejected,
            "new_rejected": self.new_rejected,
        }
        extra = {"readers": self.readers, "fix": self.fix, "file": self.file, "line": self.line}
        out.update({k: v for k, v in extra.items() if v})
        return out


def normalise_mode(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    v = value.strip().upper().replace("-", "_")
    return v if v in MODES else None


def mode_for(message_id: str, head_res: Resource | None, base_res: Resource | None, config: Config) -> tuple[str, str]:
    """(mode, where it came from) for one message."""
    table = getattr(config, "schema_compatibility", None) or {}
    if isinstance(table, dict) and message_id in table:
        m = normalise_mode(table[message_id])
        if m:
            return m, "config schema-compatibility"
    for res in (head_res, base_res):
        if res is not None and "x-compatibility" in res.data:
            value = res.data.get("x-compatibility")
            m = normalise_mode(value)
            if m:
                return m, "frontmatter x-compatibility"
            shown = str(value)[:40]
            return DEFAULT_MODE, f"default: x-compatibility {shown!r} is not one of {', '.join(MODES)}"
    return DEFAULT_MODE, "default"


def check_config(config: Config) -> None:
    """``schema-compatibility`` in the config must map message ids to modes (ConfigError if not)."""
    from saga_lint.config import ConfigError

    table = getattr(config, "schema_compatibility", None) or {}
    for key, value in table.items():
        if normalise_mode(value) is None:
            from saga_lint.suggest import did_you_mean

            hint = did_you_mean(str(value).upper().replace("-", "_"), MODES) if isinstance(value, str) else ""
            raise ConfigError(
                f"schema-compatibility.{str(key)[:80]}: {str(value)[:40]!r} is not a mode; use one of {', '.join(MODES)}.{hint}"
            )


def _dump(value: Json) -> str:
    try:
        return json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError, RecursionError):
        return repr(value)


def _short(value: Json, n: int = 60) -> str:
    s = _dump(value)
    return s if len(s) <= n else s[: n - 1] + "…"


def _pointer(doc: Json, pointer: str) -> Json:
    from urllib.parse import unquote

    node = doc
    if pointer in ("", "/"):
        return doc
    if not pointer.startswith("/"):
        return None
    for part in unquote(pointer[1:]).split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


class _Side:
    def __init__(self, doc: Json, resolver: Resolver = None) -> None:
        self.doc = doc
        self.resolver = resolver

    def deref(self, node: Json, resolver: Resolver) -> tuple[Json, Resolver]:
        """Follow ``$ref`` (siblings kept, as in draft 2020-12); unresolvable refs stay."""
        hops = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and hops < 16:
            hops += 1
            ref = node["$ref"]
            target, new_resolver = None, resolver
            if resolver is not None:
                try:
                    resolved = resolver.lookup(ref)
                    target, new_resolver = resolved.contents, resolved.resolver
                except Exception:  # refused or dangling: reported by the schema rules, not here
                    target = None
            if target is None and ref.startswith("#"):
                target = _pointer(self.doc, ref[1:])
                new_resolver = resolver
            if target is None:
                return node, resolver
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            node = ({**target, **siblings} if siblings else target) if isinstance(target, dict) else target
            resolver = new_resolver
        return node, resolver


def _types(node: dict[str, Json]) -> set[str] | None:
    t = node.get("type")
    if isinstance(t, str):
        s = {t}
    elif isinstance(t, list):
        s = {x for x in t if isinstance(x, str)}
    else:
        return None
    if "number" in s:
        s.add("integer")  # every integer is a number
    return s


def _enum(node: dict[str, Json]) -> dict[str, Json] | None:
    if isinstance(node.get("enum"), list):
        return {_dump(v): v for v in node["enum"]}
    return None


def _num(v: Json) -> int | float | None:
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _properties(node: dict[str, Json]) -> dict[str, Json]:
    props = node.get("properties")
    return props if isinstance(props, dict) else {}


def _listed(node: Json) -> set[str]:
    req = node.get("required") if isinstance(node, dict) else None
    return {x for x in req if isinstance(x, str)} if isinstance(req, list) else set()


def _required(node: dict[str, Json]) -> set[str]:
    """The names an object must have, whatever branch a message takes: ``required``, that of every
    ``allOf`` member, and those ``then`` and ``else`` both require (``if`` decides only which one
    applies). A field moved from both branches to ``required`` is as required as it was."""
    out = _listed(node)
    all_of = node.get("allOf")
    for member in all_of if isinstance(all_of, list) else ():
        out |= _listed(member)
    if "if" in node and isinstance(node.get("then"), dict) and isinstance(node.get("else"), dict):
        out |= _listed(node["then"]) & _listed(node["else"])
    return out


def _closed(node: dict[str, Json]) -> bool:
    return node.get("additionalProperties") is False or node.get("unevaluatedProperties") is False


def _plausible_rename(old: str, old_schema: Json, new: str, new_schema: Json) -> bool:
    """A removed field and an added one may be one field renamed: the same declared type, and
    similar names (``customerId`` -> ``customer_id``, ``qty`` -> ``quantity``)."""
    import difflib

    from saga_lint.suggest import fold

    def declared(node: Json) -> Json:
        return node.get("type") if isinstance(node, dict) else None

    if _dump(declared(old_schema)) != _dump(declared(new_schema)):
        return False
    a, b = fold(old), fold(new)
    return a in b or b in a or difflib.SequenceMatcher(None, a, b).ratio() >= 0.6


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class _Comparer:
    def __init__(self, old: _Side, new: _Side) -> None:
        self.old = old
        self.new = new
        self.changes: list[SchemaChange] = []
        self.seen: set[tuple[str, str, int, int]] = set()

    def add(self, kind: str, path: str, detail: str, old_rejected: bool = False, new_rejected: bool = False) -> None:
        if len(self.changes) < MAX_CHANGES:
            self.changes.append(SchemaChange(kind, path, detail, old_rejected, new_rejected))

    def compare(self, o: Json, n: Json, path: str, o_res: Resolver, n_res: Resolver, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            return
        o, o_res = self.old.deref(o, o_res)
        n, n_res = self.new.deref(n, n_res)
        do, dn = _dump(o), _dump(n)
        if do == dn and '"$ref"' not in do:
            return
        key = (do, dn, id(o_res), id(n_res))
        if key in self.seen or len(self.seen) > MAX_NODES:
            return
        self.seen.add(key)
        if isinstance(o, bool) or isinstance(n, bool) or not isinstance(o, dict) or not isinstance(n, dict):
            o_any = o is True or o == {}
            n_any = n is True or n == {}
            self.add("schema-changed", path, f"changed from {_short(o)} to {_short(n)}",
                     old_rejected=not n_any, new_rejected=not o_any)
            return
        if isinstance(o.get("$ref"), str) or isinstance(n.get("$ref"), str):
            self.add("ref-changed", path, "a $ref that cannot be followed changed; check it by hand", True, True)
            return
        self._types(o, n, path)
        self._enum(o, n, path)
        self._bounds(o, n, path)
        self._object(o, n, path, o_res, n_res, depth)
        oi, ni = o.get("items"), n.get("items")
        if isinstance(oi, (dict, bool)) and isinstance(ni, (dict, bool)):
            self.compare(oi, ni, path + "[]", o_res, n_res, depth + 1)
        elif (oi is None) != (ni is None) and (isinstance(oi, (dict, bool)) or isinstance(ni, (dict, bool))):
            if ni is not None:
                self.add("items-constrained", path + "[]", "array items are now constrained", old_rejected=True)
            else:
                self.add("items-relaxed", path + "[]", "array items are no longer constrained", new_rejected=True)
        for kw in _COMBINATORS + (("items",) if isinstance(oi, list) or isinstance(ni, list) else ()):
            if kw in ("anyOf", "oneOf") and self._branches(o, n, kw, path):
                continue
            if _dump(_validating(o.get(kw))) != _dump(_validating(n.get(kw))):
                self.add("not-comparable", path, f"`{kw}` changed; saga-lint cannot compare it structurally, check it by hand",
                         True, True)

    def _branches(self, o: dict[str, Json], n: dict[str, Json], kw: str, path: str) -> bool:
        """``anyOf``/``oneOf`` compared branch by branch: branches only added widen, only removed
        narrow (True: judged here); anything else is left to "check it by hand" (False)."""
        ob, nb = o.get(kw), n.get(kw)
        if not isinstance(ob, list) or not isinstance(nb, list):
            return False
        old, new = {_dump(b): b for b in ob}, {_dump(b): b for b in nb}
        if old == new:
            return True
        added, removed = [new[k] for k in new if k not in old], [old[k] for k in old if k not in new]
        if added and not removed:
            self.add("branches-added", path, f"`{kw}` branches added: {_short(added)}", new_rejected=True)
        elif removed and not added:
            self.add("branches-removed", path, f"`{kw}` branches removed: {_short(removed)}", old_rejected=True)
        else:
            return False
        return True

    def _types(self, o: dict[str, Json], n: dict[str, Json], path: str) -> None:
        ot, nt = _types(o), _types(n)
        if ot == nt:
            return
        shown_o = _short(o.get("type", "any"))
        shown_n = _short(n.get("type", "any"))
        removed = (ot - nt) if ot is not None and nt is not None else set()
        added = (nt - ot) if ot is not None and nt is not None else set()
        old_rej = nt is not None and (ot is None or bool(removed))
        new_rej = ot is not None and (nt is None or bool(added))
        kind = "type-changed" if old_rej and new_rej else "type-narrowed" if old_rej else "type-widened"
        if kind == "type-widened" and "null" in added:
            kind = "made-nullable"  # ``_object`` makes it required-nullable for a field required on both sides
        self.add(kind, path, f"type changed from {shown_o} to {shown_n}", old_rej, new_rej)

    def _required_nullable(self, first: int, field: str) -> None:
        """A required field whose type now admits ``null`` (from ``changes[first:]``, its own
        comparison): to a consumer it is as good as missing, as a field made optional is."""
        for i in range(first, len(self.changes)):
            c = self.changes[i]
            if c.kind == "made-nullable" and c.path == field:
                self.changes[i] = SchemaChange("required-nullable", field, f'required field "{field}" may now be null '
                                               f"({c.detail})", c.old_rejected, c.new_rejected)

    def _enum(self, o: dict[str, Json], n: dict[str, Json], path: str) -> None:
        oe, ne = _enum(o), _enum(n)
        if oe is None or ne is None:
            if ne is not None:
                self.add("enum-narrowed", path, f"now restricted to the values {_short(list(ne.values()))}", old_rejected=True)
            elif oe is not None:
                self.add("enum-widened", path, "no longer restricted to an enum", new_rejected=True)
            return
        removed = [oe[k] for k in oe if k not in ne]
        added = [ne[k] for k in ne if k not in oe]
        if removed:
            self.add("enum-narrowed", path, f"enum values removed: {_short(removed)}", old_rejected=True)
        if added:
            self.add("enum-widened", path, f"enum values added: {_short(added)}", new_rejected=True)

    def _bounds(self, o: dict[str, Json], n: dict[str, Json], path: str) -> None:
        for kw in _LOWER + _UPPER:
            ov, nv = _num(o.get(kw)), _num(n.get(kw))
            if ov == nv:
                continue
            lower = kw in _LOWER
            if ov is None:
                narrowed, widened = True, False
            elif nv is None:
                narrowed, widened = False, True
            else:
                narrowed = (nv > ov) if lower else (nv < ov)
                widened = not narrowed
            if ov is None:
                shown = f"`{kw}` added: {_short(nv)}"
            elif nv is None:
                shown = f"`{kw}` removed (was {_short(ov)})"
            else:
                shown = f"`{kw}` {_short(ov)} -> {_short(nv)}"
            if narrowed:
                self.add("range-narrowed", path, f"range narrowed: {shown}", old_rejected=True)
            elif widened:
                self.add("range-widened", path, f"range widened: {shown}", new_rejected=True)
        for kw in _SHAPE:
            if kw not in o and kw not in n:
                continue
            ov, nv = o.get(kw), n.get(kw)
            if _dump(ov) == _dump(nv):
                continue
            if kw not in o:
                self.add("constraint-added", path, f"`{kw}` added: {_short(nv)}", old_rejected=True)
            elif kw not in n:
                self.add("constraint-removed", path, f"`{kw}` removed (was {_short(ov)})", new_rejected=True)
            else:
                self.add("constraint-changed", path, f"`{kw}` changed from {_short(ov)} to {_short(nv)}", True, True)

    def _object(self, o: dict[str, Json], n: dict[str, Json], path: str, o_res: Resolver, n_res: Resolver, depth: int) -> None:
        op, np_ = _properties(o), _properties(n)
        oreq, nreq = _required(o), _required(n)
        o_closed, n_closed = _closed(o), _closed(n)
        gone_required = sorted(r for r in oreq - nreq if r not in np_)
        new_required = sorted(r for r in nreq - oreq if r not in op)
        for r in sorted(oreq - nreq):
            field = _join(path, r)
            if r in np_:
                self.add("required-relaxed", field, f'"{field}" is no longer required', new_rejected=True)
                continue
            to = [x for x in new_required if _plausible_rename(r, op.get(r), x, np_.get(x))]
            hint = f" (renamed to {', '.join(repr(x) for x in to)}?)" if to else ""
            self.add("required-removed", field, f'required field "{field}" was removed{hint}',
                     old_rejected=n_closed, new_rejected=True)
        for r in sorted(nreq - oreq):
            field = _join(path, r)
            was = [x for x in gone_required if _plausible_rename(x, op.get(x), r, np_.get(r))]
            hint = f" (renamed from {', '.join(repr(x) for x in was)}?)" if was and r not in op else ""
            self.add("required-added", field, f'"{field}" is now required{hint}',
                     old_rejected=True, new_rejected=o_closed and r not in op)
        for name in sorted(set(op) - set(np_)):
            if name in oreq:
                continue  # reported as required-removed
            field = _join(path, name)
            if n_closed:
                self.add("property-removed", field, f'property "{field}" was removed and the object allows no other properties',
                         old_rejected=True)
            else:
                self.add("property-removed", field, f'optional property "{field}" was removed')
        for name in sorted(set(np_) - set(op)):
            if name in nreq:
                continue  # reported as required-added
            field = _join(path, name)
            if o_closed:
                self.add("property-added", field,
                         f'new property "{field}"; readers on the old schema allow no other properties', new_rejected=True)
            else:
                self.add("property-added", field, f'new optional property "{field}"')
        if not o_closed and n_closed:
            self.add("object-closed", path, "the object no longer allows additional properties", old_rejected=True)
        elif o_closed and not n_closed:
            self.add("object-opened", path, "the object now allows additional properties", new_rejected=True)
        for name in sorted(set(op) & set(np_)):
            first = len(self.changes)
            self.compare(op[name], np_[name], _join(path, name), o_res, n_res, depth + 1)
            if name in oreq and name in nreq:
                self._required_nullable(first, _join(path, name))
        oa, na = o.get("additionalProperties"), n.get("additionalProperties")
        if isinstance(oa, dict) and isinstance(na, dict):
            self.compare(oa, na, _join(path, "*"), o_res, n_res, depth + 1)


def compare_schemas(
    old_doc: Json, new_doc: Json, old_resolver: Resolver = None, new_resolver: Resolver = None
) -> list[SchemaChange]:
    """Every difference between two JSON Schemas that matters to compatibility."""
    cmp = _Comparer(_Side(old_doc, old_resolver), _Side(new_doc, new_resolver))
    try:
        cmp.compare(old_doc, new_doc, "", old_resolver, new_resolver)
    except RecursionError:
        cmp.add("not-comparable", "", "the schema nests too deeply to compare; check it by hand", True, True)
    return cmp.changes


def message_schema_changes(
    base_catalog: Catalog, base_res: Resource | None, head_catalog: Catalog, head_res: Resource | None
) -> list[SchemaChange] | None:
    """Schema differences of one message between base and head; None when either side has no
    readable schema (nothing to compare). Avro and Protobuf schemas are compared by their own
    rules (``changes/formats.py``), everything else as JSON Schema."""
    from saga_lint.changes.schemafiles import message_schema

    if base_res is None or head_res is None:
        return None
    from saga_lint.changes.formats import NOT_COMPARED, format_changes

    other_format = format_changes(base_catalog, base_res, head_catalog, head_res)  # Avro, Protobuf
    if other_format is not None:
        return None if other_format == NOT_COMPARED else list(other_format)
    try:
        old = message_schema(base_catalog, base_res)
        new = message_schema(head_catalog, head_res)
    except Exception:  # the schema rules report unreadable schemas; the review only compares
        return None
    if old is None or new is None or old.document is None or new.document is None:
        return None
    return compare_schemas(old.document, new.document, _resolver(old), _resolver(new))


def _contract_unchanged(base_catalog: Catalog, base_res: Resource | None, head_catalog: Catalog,
                        head_res: Resource | None) -> bool:
    """The primary schema file (``formats.primary_schema``) is the same file with the same bytes on
    both sides: what changed is another file the page names or shows, which is not its contract."""
    from saga_lint.catalog.fileio import MAX_FILE_BYTES, read_capped
    from saga_lint.changes.formats import primary_schema

    if base_res is None or head_res is None:
        return False
    old, new = primary_schema(base_catalog, base_res), primary_schema(head_catalog, head_res)
    if old is None or new is None or old[0] != new[0]:
        return False
    try:
        a, _ = read_capped(base_catalog.files.abs_path(old[0]), MAX_FILE_BYTES)
        b, _ = read_capped(head_catalog.files.abs_path(new[0]), MAX_FILE_BYTES)
    except OSError:
        return False
    return a is not None and a == b


def _why_not_compared(base_catalog: Catalog, base_res: Resource | None, head_catalog: Catalog,
                      head_res: Resource | None) -> tuple[str | None, str | None]:
    """``(side, why)``: the head's schema file missing or not parsing, else the base's
    (``schemafiles.unreadable``); ``(None, None)`` when neither is (another format, say)."""
    from saga_lint.changes.schemafiles import unreadable

    if head_res is not None and (why := unreadable(head_catalog, head_res, "head")):
        return "head", why
    if base_res is not None and (why := unreadable(base_catalog, base_res, "base")):
        return "base", why
    return None, None


def _resolver(loaded: LoadedSchema) -> Resolver:
    try:
        return loaded.resolver
    except Exception:
        return None


@dataclass
class MessageCompat:
    """One message whose schema changed: its compatibility mode and the differences found."""

    type: str
    id: str
    old_version: str | None
    new_version: str | None
    mode: str
    mode_source: str
    changes: list[SchemaChange] = field(default_factory=list)
    breaking: list[SchemaChange] = field(default_factory=list)  # a subset of changes
    compared: bool = True  # False: a schema on one side is not a readable JSON schema
    head: Resource | None = field(default=None, repr=False, compare=False)  # the message at head
    format: str = "json-schema"  # the head's primary schema: json-schema | avro | protobuf | other | none (formats.format_of)
    why: str | None = None  # not compared: the side whose schema file is missing or does not parse, in words
    unreadable_at: str | None = None  # that side: "base" or "head"

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "id": self.id,
            "old_version": self.old_version,
            "new_version": self.new_version,
            "mode": self.mode,
            "mode_source": self.mode_source,
            "compared": self.compared,
            "format": self.format,
            "compatible": not self.breaking,
            "changes": [dict(c.to_json(), breaking=c in self.breaking) for c in self.changes],
        } | ({"not_compared_because": self.why} if self.why else {})


def message_compat(diff: ChangeSet, base_catalog: Catalog, head_catalog: Catalog, config: Config) -> list[MessageCompat]:
    """Every message whose schema changed (same id on both sides), compared under its mode."""
    report = []
    for ch in diff.resources:
        if ch.type not in MESSAGE_TYPES or ch.kind not in ("changed", "version-bump") or not ch.schema_changed:
            continue
        if _contract_unchanged(base_catalog, ch.base, head_catalog, ch.head):
            continue  # only another file the page shows changed (<SchemaViewer file>): not compared, no verdict
        mode, source = mode_for(ch.id, ch.head, ch.base, config)
        mc = MessageCompat(ch.type, ch.id, ch.old_version, ch.new_version, mode, source, head=ch.head)
        if ch.head is not None:
            from saga_lint.changes.formats import format_of

            mc.format = format_of(head_catalog, ch.head)
        changes = message_schema_changes(base_catalog, ch.base, head_catalog, ch.head)
        if changes is not None and ch.head is not None and mode.endswith("_TRANSITIVE"):
            from saga_lint.changes.transitive import against_earlier_versions

            changes = changes + against_earlier_versions(head_catalog, ch.head, ch.old_version)
        if changes is None:
            mc.compared = False
            mc.unreadable_at, mc.why = _why_not_compared(base_catalog, ch.base, head_catalog, ch.head)
        else:
            mc.changes = changes
            mc.breaking = [c for c in changes if c.breaking(ch.type, mode)]
        report.append(mc)
    return report
