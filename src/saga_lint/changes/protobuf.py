"""Protobuf compatibility of a changed ``.proto`` file (old -> new), by ``buf breaking``'s WIRE_JSON rules.

Protobuf data carries field numbers on the wire and field names in JSON, so a change is
compatible when every number keeps its meaning and every JSON name stays. The rules are those of
buf's ``WIRE_JSON`` category (each difference names its buf rule, ``BUF_RULE``), plus the deletion
of a message or enum (buf's ``MESSAGE_NO_DELETE``/``ENUM_NO_DELETE``, in its FILE category: a
contract the catalog publishes should not vanish under the same message):

- a field's number deleted without ``reserved`` for its number and its name; a field renamed or
  given another ``json_name`` (JSON readers break); a type changed to one that is not
  wire- and JSON-compatible (only ``int32``/``uint32``, ``int64``/``uint64``, ``fixed32``/``sfixed32``
  and ``fixed64``/``sfixed64`` are); a label changed between singular, ``repeated`` and ``required``;
  a field moved into, out of or between ``oneof``s; a proto2 default changed; a required field
  added or deleted;
- an enum value's number deleted without reserving its number and name, or renamed;
- a ``reserved`` range or name dropped; the file's ``package`` changed.

Readers on either side break (old readers of new data and new readers of old data), except for
required fields: an added one breaks new readers of old data, a deleted one old readers of new data.
Services (rpc) are not compared.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from saga_lint.changes.compat import SchemaChange

if TYPE_CHECKING:
    from saga_lint.catalog.schemas.proto import ProtoEnum, ProtoField, ProtoFile, ProtoMessage

BUF_RULE = {
    "package-changed": "FILE_SAME_PACKAGE",
    "message-deleted": "MESSAGE_NO_DELETE",
    "enum-deleted": "ENUM_NO_DELETE",
    "field-deleted-number-not-reserved": "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
    "field-deleted-name-not-reserved": "FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
    "field-renamed": "FIELD_SAME_NAME",
    "field-json-name-changed": "FIELD_SAME_JSON_NAME",
    "field-type-changed": "FIELD_WIRE_JSON_COMPATIBLE_TYPE",
    "field-label-changed": "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
    "field-oneof-changed": "FIELD_SAME_ONEOF",
    "field-default-changed": "FIELD_SAME_DEFAULT",
    "required-field-added": "MESSAGE_SAME_REQUIRED_FIELDS",
    "required-field-deleted": "MESSAGE_SAME_REQUIRED_FIELDS",
    "reserved-deleted": "RESERVED_MESSAGE_NO_DELETE",
    "enum-reserved-deleted": "RESERVED_ENUM_NO_DELETE",
    "enum-value-deleted-number-not-reserved": "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
    "enum-value-deleted-name-not-reserved": "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
    "enum-value-renamed": "ENUM_VALUE_SAME_NAME",
}
WIRE_JSON_PAIRS = ({"int32", "uint32"}, {"int64", "uint64"}, {"fixed32", "sfixed32"}, {"fixed64", "sfixed64"})
BOTH = "old readers of new data and new readers of old data (binary and JSON)"


def _type_ok(old: str, new: str) -> bool:
    return old == new or any({old, new} == pair for pair in WIRE_JSON_PAIRS)


def _in_package(t: str, package: str) -> str:
    """A resolved type name relative to the file's package (``.acme.v1.Line`` -> ``Line``)."""
    return t.replace(f".{package}.", "") if package else t


def _shown_type(t: str) -> str:
    return t.lstrip(".")


def _group(label: str) -> str:
    return label if label in ("repeated", "required") else "singular"


class _Compare:
    def __init__(self, old: ProtoFile, new: ProtoFile) -> None:
        self.old, self.new = old, new
        self.changes: list[SchemaChange] = []

    def rel(self, full: str) -> str:
        """A message or enum's name within its file's package (buf matches them so, file by file)."""
        for pkg in (self.new.package, self.old.package):
            if pkg and full.startswith(pkg + "."):
                return full[len(pkg) + 1:]
        return full

    def add(self, kind: str, path: str, detail: str, fix: str, line: int | None,
            old_rejected: bool = True, new_rejected: bool = True) -> None:
        if len(self.changes) >= 200:
            return
        readers = BOTH if old_rejected and new_rejected else (
            "new readers of old data" if old_rejected else "old readers of new data")
        self.changes.append(SchemaChange(kind, path, f"{detail} (buf {BUF_RULE[kind]})", old_rejected, new_rejected,
                                         readers=readers, fix=fix, file=self.new.file, line=line))

    def listed(self, kind: str, path: str, detail: str, line: int) -> None:
        """A difference that breaks nobody, listed in the review's compatibility table."""
        if len(self.changes) < 200:
            self.changes.append(SchemaChange(kind, path, detail, file=self.new.file, line=line))

    def run(self) -> list[SchemaChange]:
        o, n = self.old, self.new
        if o.package != n.package:
            self.add("package-changed", "", f"package changed from {o.package or '(none)'} to {n.package or '(none)'}",
                     "keep the package; publish a new package as a new major version of the message", 1)
        new_messages = {self.rel(k): v for k, v in n.messages.items()}
        new_enums = {self.rel(k): v for k, v in n.enums.items()}
        for name, om in o.messages.items():
            nm = new_messages.get(self.rel(name))
            if nm is None:
                self.add("message-deleted", self.rel(name), f"message {self.rel(name)} was deleted or renamed",
                         "keep the message (deprecate it), or publish a new major version", 1)
            else:
                self.message(om, nm)
        for name, oe in o.enums.items():
            ne = new_enums.get(self.rel(name))
            if ne is None:
                self.add("enum-deleted", self.rel(name), f"enum {self.rel(name)} was deleted or renamed",
                         "keep the enum (deprecate it), or publish a new major version", 1)
            else:
                self.enum(oe, ne)
        for name, nm in new_messages.items():
            if name not in {self.rel(k) for k in o.messages}:
                self.listed("message-added", name, f"message {name} added", nm.line)
        return self.changes

    def message(self, om: ProtoMessage, nm: ProtoMessage) -> None:
        where = self.rel(nm.name)
        for number, of in om.fields.items():
            nf = nm.fields.get(number)
            if nf is None:
                self.deleted_field(where, of, nm)
            else:
                self.field(where, of, nf)
        for number, nf in nm.fields.items():
            if number not in om.fields and nf.label != "required":
                self.listed("field-added", f"{where}.{nf.name}", f"field {nf.name} = {number} added", nf.line)
            if number not in om.fields and nf.label == "required":
                self.add("required-field-added", f"{where}.{nf.name}", f"required field {nf.name} = {number} was added",
                         "add it as optional: old data does not have it", nf.line, old_rejected=True, new_rejected=False)
        lost_ranges = [r for r in om.reserved_numbers if not all(nm.reserves(x) for x in (r[0], r[1]))]
        lost_names = sorted(om.reserved_names - nm.reserved_names)
        if lost_ranges or lost_names:
            shown = ", ".join([f"{a}" if a == b else f"{a} to {b}" for a, b in lost_ranges] + [f'"{x}"' for x in lost_names])
            self.add("reserved-deleted", where, f"message {where}: reserved {shown} no longer reserved",
                     "keep every reserved number and name", nm.line)

    def deleted_field(self, where: str, of: ProtoField, nm: ProtoMessage) -> None:
        path = f"{where}.{of.name}"
        if of.label == "required":
            self.add("required-field-deleted", path, f"required field {of.name} = {of.number} was deleted",
                     "keep the field: old readers require it", nm.line, old_rejected=False, new_rejected=True)
        if not nm.reserves(of.number):
            self.add("field-deleted-number-not-reserved", path,
                     f"field {of.name} = {of.number} was deleted without reserving its number",
                     f"add `reserved {of.number};` to {where} so that the number is never reused", nm.line)
        if nm.reserves(of.number) and of.name in nm.reserved_names and of.label != "required":
            self.listed("field-deleted", path, f"field {of.name} = {of.number} deleted, its number and name reserved", nm.line)
        if of.name not in nm.reserved_names:
            self.add("field-deleted-name-not-reserved", path,
                     f"field {of.name} = {of.number} was deleted without reserving its name (JSON readers still send it)",
                     f'add `reserved "{of.name}";` to {where}', nm.line)

    def field(self, where: str, of: ProtoField, nf: ProtoField) -> None:
        path = f"{where}.{nf.name}"
        num = nf.number
        if of.name != nf.name:
            self.add("field-renamed", path, f"field {num} renamed from {of.name} to {nf.name} (its JSON name changes)",
                     f"keep the name {of.name}; add a new field under a new number instead", nf.line)
        if of.json_name != nf.json_name:
            self.add("field-json-name-changed", path, f"field {num}: JSON name changed from {of.json_name} to {nf.json_name}",
                     f"keep the JSON name {of.json_name}", nf.line)
        o_type, n_type = _in_package(of.type, self.old.package), _in_package(nf.type, self.new.package)
        if o_type != n_type and _type_ok(o_type, n_type):
            self.listed("field-type-changed-compatibly", path,
                        f"field {nf.name} = {num}: type changed from {_shown_type(of.type)} to {_shown_type(nf.type)}, "
                        "wire- and JSON-compatible", nf.line)
        elif not _type_ok(o_type, n_type):
            self.add("field-type-changed", path,
                     f"field {nf.name} = {num}: type changed from {_shown_type(of.type)} to {_shown_type(nf.type)}",
                     "keep the type; add a field with a new number for the new type and reserve the old one", nf.line)
        if of.label != nf.label and _group(of.label) == _group(nf.label):
            self.listed("field-presence-changed", path, f"field {nf.name} = {num}: label changed from "
                        f"{of.label or 'implicit presence'} to {nf.label or 'implicit presence'}, wire-compatible", nf.line)
        if _group(of.label) != _group(nf.label):
            self.add("field-label-changed", path,
                     f"field {nf.name} = {num}: label changed from {of.label or 'singular'} to {nf.label or 'singular'}",
                     "keep the label; add a field with a new number instead", nf.line)
        if of.oneof != nf.oneof:
            moved = f"into oneof {nf.oneof}" if of.oneof is None else (
                f"out of oneof {of.oneof}" if nf.oneof is None else f"from oneof {of.oneof} to {nf.oneof}")
            self.add("field-oneof-changed", path, f"field {nf.name} = {num} moved {moved}",
                     "keep the field where it was; add a new field under a new number", nf.line)
        if of.default != nf.default:
            self.add("field-default-changed", path, f"field {nf.name} = {num}: default changed from {of.default} to {nf.default}",
                     "keep the default", nf.line)
        if (of.label == "required") != (nf.label == "required"):
            added = nf.label == "required"
            self.add("required-field-added" if added else "required-field-deleted", path,
                     f"field {nf.name} = {num} is {'now' if added else 'no longer'} required", "keep the label", nf.line,
                     old_rejected=added, new_rejected=not added)

    def enum(self, oe: ProtoEnum, ne: ProtoEnum) -> None:
        where = self.rel(ne.name)
        o_by_num: dict[int, set[str]] = {}
        for name, (num, _line) in oe.values.items():
            o_by_num.setdefault(num, set()).add(name)
        n_by_num: dict[int, set[str]] = {}
        for name, (num, _line) in ne.values.items():
            n_by_num.setdefault(num, set()).add(name)
        for num, names in sorted(o_by_num.items()):
            shown = "/".join(sorted(names))
            if num not in n_by_num:
                if ne.reserves(num) and names <= ne.reserved_names:
                    self.listed("enum-value-deleted", f"{where}.{shown}", f"enum value {shown} = {num} deleted and reserved",
                                ne.line)
                if not ne.reserves(num):
                    self.add("enum-value-deleted-number-not-reserved", f"{where}.{shown}",
                             f"enum value {shown} = {num} was deleted without reserving its number",
                             f"add `reserved {num};` to enum {where}", ne.line)
                for name in sorted(names - ne.reserved_names):
                    self.add("enum-value-deleted-name-not-reserved", f"{where}.{name}",
                             f"enum value {name} = {num} was deleted without reserving its name",
                             f'add `reserved "{name}";` to enum {where}', ne.line)
            elif names != n_by_num[num] and not names & n_by_num[num]:
                new_shown = "/".join(sorted(n_by_num[num]))
                self.add("enum-value-renamed", f"{where}.{new_shown}", f"enum value {num} renamed from {shown} to {new_shown}",
                         f"keep the name {shown}", ne.values[sorted(n_by_num[num])[0]][1])
        for name, (num, line) in ne.values.items():
            if num not in o_by_num:
                self.listed("enum-value-added", f"{where}.{name}", f"enum value {name} = {num} added", line)
        lost = [r for r in oe.reserved_numbers if not (ne.reserves(r[0]) and ne.reserves(r[1]))]
        lost_names = sorted(oe.reserved_names - ne.reserved_names)
        if lost or lost_names:
            self.add("enum-reserved-deleted", where, f"enum {where}: a reserved number or name is no longer reserved",
                     "keep every reserved number and name", ne.line)


def compare_protobuf(old: ProtoFile, new: ProtoFile) -> list[SchemaChange]:
    """Every difference between two parsed ``.proto`` files that buf's WIRE_JSON rules call breaking
    (``old_rejected``/``new_rejected`` set), and the additions that break nobody (neither set)."""
    if not old.parsed or not new.parsed:
        return []
    return _Compare(old, new).run()
