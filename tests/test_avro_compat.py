"""Avro compatibility (``changes/avro.py``) against fastavro's schema resolution, the real implementation.

For every pair of schemas (old, new), saga-lint's verdict in each direction is checked by data:

- BACKWARD (new readers of old data): values written with the old schema
  (``fastavro.schemaless_writer``) are read with the new one (``schemaless_reader(..., old, new)``);
- FORWARD (old readers of new data): the reverse.

The values cover every union branch, enum symbol, array and map content (``samples``), so a
change saga-lint calls breaking must fail on one of them, and a change it calls compatible must
read all of them. The pairs are a hand-written list (each rule of the specification) and a
property test over generated schema pairs (hypothesis).

The generated unions hold at most one type of each Python value class (numbers and booleans;
strings and enums; bytes and fixed; arrays; maps and records), because fastavro picks a union's
branch from the Python value: with two of a class, one branch would never be written.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

fastavro = pytest.importorskip("fastavro", reason="fastavro is not installed (a core dependency of saga-lint)")

from saga_lint.catalog.files import CatalogFiles  # noqa: E402
from saga_lint.catalog.schemas.avro import AvroSchema, load_avro  # noqa: E402
from saga_lint.changes.avro import compare_avro  # noqa: E402


def mk(doc: Any) -> AvroSchema:
    named: dict[str, Any] = {}
    parsed = fastavro.parse_schema(doc, named_schemas=named, _write_hint=False)
    return AvroSchema("schema.avsc", json.dumps(doc, indent=2), parsed, named)


def samples(t: Any, named: dict[str, Any], depth: int = 0) -> list[Any]:
    """Values of type ``t`` that together take every union branch and enum symbol at least once."""
    if depth > 8:
        return []
    if isinstance(t, str) and t in named:
        t = named[t]
    if isinstance(t, list):
        return [v for b in t for v in samples(b, named, depth + 1)][:60]
    if isinstance(t, dict):
        k = t["type"]
        if isinstance(k, (dict, list)) or k in named:
            return samples(k, named, depth + 1)
        if k in ("record", "error"):
            per_field = {f["name"]: samples(f["type"], named, depth + 1) for f in t["fields"]}
            base = {name: vals[0] for name, vals in per_field.items()}
            return ([base] + [{**base, name: v} for name, vals in per_field.items() for v in vals[1:]])[:60]
        if k == "enum":
            return list(t["symbols"])
        if k == "fixed":
            return [b"\x01" * t["size"]]
        if k == "array":
            return [[]] + [[v] for v in samples(t["items"], named, depth + 1)]
        if k == "map":
            return [{}] + [{"k": v} for v in samples(t["values"], named, depth + 1)]
        return samples(k, named, depth + 1)
    return {"null": [None], "boolean": [True], "int": [7], "long": [7], "float": [1.5], "double": [1.5],
            "bytes": [b"ab"], "string": ["ab"]}[t]


def data_breaks(writer: AvroSchema, reader: AvroSchema) -> tuple[bool, Any]:
    """Whether some value written with ``writer`` cannot be read with ``reader`` (and that value)."""
    for value in samples(writer.schema, writer.named):
        buf = io.BytesIO()
        fastavro.schemaless_writer(buf, writer.schema, value)
        buf.seek(0)
        try:
            fastavro.schemaless_reader(buf, writer.schema, reader.schema)
        except Exception:  # SchemaResolutionError, or a failed read of a branch the reader lacks
            return True, value
    return False, None


def assert_agrees(old_doc: Any, new_doc: Any) -> list:
    old, new = mk(old_doc), mk(new_doc)
    changes = compare_avro(old, new)
    ours_backward = any(c.old_rejected for c in changes)
    ours_forward = any(c.new_rejected for c in changes)
    fa_backward, witness_b = data_breaks(old, new)
    fa_forward, witness_f = data_breaks(new, old)
    detail = (json.dumps(old_doc), json.dumps(new_doc), [(c.kind, c.path, c.detail) for c in changes], witness_b, witness_f)
    assert ours_backward == fa_backward, ("BACKWARD", detail)
    assert ours_forward == fa_forward, ("FORWARD", detail)
    return changes


def R(fields: list, name: str = "PaymentTaken", **extra: Any) -> dict:
    return {"type": "record", "name": name, "namespace": "acme.payments", "fields": fields, **extra}


def F(name: str, t: Any, **extra: Any) -> dict:
    return {"name": name, "type": t, **extra}


ENUM = {"type": "enum", "name": "Method", "symbols": ["CARD", "WALLET", "BANK"]}
LINE = {"type": "record", "name": "Line", "fields": [F("sku", "string"), F("qty", "int")]}

# name -> (old, new, breaks BACKWARD, breaks FORWARD)
PAIRS: dict[str, tuple[Any, Any, bool, bool]] = {
    "field added without default": (R([F("id", "string")]), R([F("id", "string"), F("currency", "string")]), True, False),
    "field added with default": (R([F("id", "string")]), R([F("id", "string"), F("currency", "string", default="EUR")]),
                                 False, False),
    "field removed without default": (R([F("id", "string"), F("note", "string")]), R([F("id", "string")]), False, True),
    "field removed with default": (R([F("id", "string"), F("note", "string", default="")]), R([F("id", "string")]),
                                   False, False),
    "int to long": (R([F("n", "int")]), R([F("n", "long")]), False, True),
    "int to float": (R([F("n", "int")]), R([F("n", "float")]), False, True),
    "int to double": (R([F("n", "int")]), R([F("n", "double")]), False, True),
    "long to double": (R([F("n", "long")]), R([F("n", "double")]), False, True),
    "long to int": (R([F("n", "long")]), R([F("n", "int")]), True, False),
    "float to double": (R([F("n", "float")]), R([F("n", "double")]), False, True),
    "int to string": (R([F("n", "int")]), R([F("n", "string")]), True, True),
    "string to bytes": (R([F("s", "string")]), R([F("s", "bytes")]), False, False),
    "null added to a union": (R([F("s", "string")]), R([F("s", ["null", "string"], default=None)]), False, True),
    "null removed from a union": (R([F("s", ["null", "string"], default=None)]), R([F("s", "string")]), True, False),
    "union branch added": (R([F("s", ["null", "string"])]), R([F("s", ["null", "string", "long"])]), False, True),
    "enum symbol removed": (R([F("m", ENUM)]), R([F("m", {**ENUM, "symbols": ["CARD", "WALLET"]})]), True, False),
    "enum symbol added": (R([F("m", ENUM)]), R([F("m", {**ENUM, "symbols": ["CARD", "WALLET", "BANK", "CASH"]})]),
                          False, True),
    "enum symbol removed, reader default": (R([F("m", {**ENUM, "default": "CARD"})]),
                                            R([F("m", {**ENUM, "symbols": ["CARD", "WALLET"], "default": "CARD"})]),
                                            False, False),
    "field renamed with alias": (R([F("amount", "int")]), R([F("total", "int", aliases=["amount"])]), False, True),
    "field renamed without alias": (R([F("amount", "int")]), R([F("total", "int")]), True, True),
    "record renamed": (R([F("id", "string")]), R([F("id", "string")], name="PaymentMade"), True, True),
    "record renamed with alias": (R([F("id", "string")]), R([F("id", "string")], name="PaymentMade",
                                                            aliases=["acme.payments.PaymentTaken"]), False, True),
    "namespace changed": (R([F("id", "string")]), {**R([F("id", "string")]), "namespace": "acme.billing"}, False, False),
    "nested record field retyped": (R([F("line", LINE)]), R([F("line", {**LINE, "fields": [F("sku", "string"),
                                                                                          F("qty", "string")]})]),
                                    True, True),
    "array items field added": (R([F("lines", {"type": "array", "items": LINE})]),
                                R([F("lines", {"type": "array", "items": {**LINE, "fields": [*LINE["fields"], F("x", "int")]}})]),
                                True, False),
    "map values promoted": (R([F("m", {"type": "map", "values": "float"})]), R([F("m", {"type": "map", "values": "double"})]),
                            False, True),
    "fixed size changed": (R([F("h", {"type": "fixed", "name": "Hash", "size": 16})]),
                           R([F("h", {"type": "fixed", "name": "Hash", "size": 32})]), True, True),
    "logical type kept, underlying promoted": (R([F("d", {"type": "int", "logicalType": "date"})]), R([F("d", "long")]),
                                               False, True),
}


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_verdicts_agree_with_fastavro(name):
    old, new, backward, forward = PAIRS[name]
    changes = assert_agrees(old, new)
    assert any(c.old_rejected for c in changes) == backward
    assert any(c.new_rejected for c in changes) == forward


def test_findings_name_path_readers_fix_and_line():
    old, new, _b, _f = PAIRS["nested record field retyped"]
    [c] = compare_avro(mk(old), mk(new))
    assert c.path == "line.qty" and "int to string" in c.detail
    assert "new readers of old data" in c.readers and "old readers of new data" in c.readers and c.fix
    text = json.dumps(new, indent=2).splitlines()
    assert '"qty"' in text[c.line - 1]


def test_compatible_field_addition_is_listed_not_breaking():
    old, new, _b, _f = PAIRS["field added with default"]
    [c] = compare_avro(mk(old), mk(new))
    assert (c.kind, c.path, c.old_rejected, c.new_rejected) == ("field-added", "currency", False, False)


def test_named_type_from_another_file_of_the_catalog(tmp_path):
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "money.avsc").write_text(json.dumps(
        {"type": "record", "name": "Money", "namespace": "acme.common", "fields": [F("cents", "long")]}), "utf-8")
    (tmp_path / "order.avsc").write_text(json.dumps(R([F("total", "acme.common.Money")])), "utf-8")
    files = CatalogFiles(tmp_path)
    files.walked.update({"common/money.avsc", "order.avsc"})
    a = load_avro(files, "order.avsc")
    assert a.problems == [] and "acme.common.Money" in a.named


# -- generated schema pairs ---------------------------------------------------------------------

CLASSES = {"null": "null", "boolean": "num", "int": "num", "long": "num", "float": "num", "double": "num",
           "string": "str", "bytes": "bytes", "enum": "str", "fixed": "bytes", "array": "array", "map": "dict",
           "record": "dict"}
PRIMS = ["boolean", "int", "long", "float", "double", "string", "bytes"]


def _class(t: Any) -> str:
    return CLASSES[t if isinstance(t, str) else t["type"]]


@st.composite
def avro_type(draw: Any, names: list[str], depth: int = 0, union_ok: bool = True) -> Any:
    kinds = PRIMS + (["enum", "fixed", "array", "map", "record"] if depth < 2 else ["enum"]) + (["union"] if union_ok else [])
    kind = draw(st.sampled_from(kinds))
    if kind in PRIMS:
        return kind
    if kind in ("enum", "fixed", "record"):
        names.append(f"T{len(names)}")
    if kind == "enum":
        return {"type": "enum", "name": names[-1], "symbols": draw(st.lists(st.sampled_from("ABCD"), min_size=1, unique=True))}
    if kind == "fixed":
        return {"type": "fixed", "name": names[-1], "size": draw(st.sampled_from([2, 4]))}
    if kind == "array":
        return {"type": "array", "items": draw(avro_type(names, depth + 1))}
    if kind == "map":
        return {"type": "map", "values": draw(avro_type(names, depth + 1))}
    if kind == "record":
        name = names[-1]
        n = draw(st.integers(1, 3))
        return {"type": "record", "name": name, "fields": [F(f"f{i}", draw(avro_type(names, depth + 1))) for i in range(n)]}
    branches: list[Any] = []
    for _ in range(draw(st.integers(1, 3))):
        b = draw(avro_type(names, depth + 1, union_ok=False))
        if _class(b) not in {_class(x) for x in branches}:
            branches.append(b)
    if draw(st.booleans()) and "null" not in branches:
        branches.insert(0, "null")
    return branches


def default_for(t: Any, named: dict[str, Any]) -> Any:
    if isinstance(t, list):
        return default_for(t[0], named)
    if isinstance(t, str):
        if t in named:
            return default_for(named[t], named)
        return {"null": None, "boolean": False, "int": 0, "long": 0, "float": 0.0, "double": 0.0, "bytes": "", "string": ""}[t]
    k = t["type"]
    if k == "enum":
        return t["symbols"][0]
    if k == "fixed":
        return "\u0000" * t["size"]
    if k == "array":
        return []
    if k == "map":
        return {}
    return {f["name"]: default_for(f["type"], named) for f in t["fields"]}


@st.composite
def schema_pair(draw: Any) -> tuple[dict, dict]:
    names: list[str] = []
    fields = [F(f"f{i}", draw(avro_type(names))) for i in range(draw(st.integers(1, 3)))]
    old = R(fields)
    new = json.loads(json.dumps(old))
    for _ in range(draw(st.integers(1, 2))):
        _mutate(draw, new, names)
    return old, new


def _mutate(draw: Any, new: dict, names: list[str]) -> None:
    fields = new["fields"]
    op = draw(st.sampled_from(["add", "add-default", "remove", "retype", "wrap-null", "enum", "rename-alias"]))
    i = draw(st.integers(0, len(fields) - 1))
    if op.startswith("add"):
        t = draw(avro_type(names))
        extra = {"default": default_for(t, {})} if op == "add-default" and not _uses_names(t) else {}
        fields.append(F(f"n{len(fields)}", t, **extra))
    elif op == "remove" and len(fields) > 1:
        fields.pop(i)
    elif op == "retype":
        fields[i]["type"] = draw(avro_type(names))
        fields[i].pop("default", None)
    elif op == "wrap-null" and not isinstance(fields[i]["type"], list) and _class(fields[i]["type"]) != "null":
        fields[i]["type"] = ["null", fields[i]["type"]]
    elif op == "enum" and isinstance(fields[i]["type"], dict) and fields[i]["type"]["type"] == "enum":
        fields[i]["type"]["symbols"] = draw(st.lists(st.sampled_from("ABCDE"), min_size=1, unique=True))
        if draw(st.booleans()):
            fields[i]["type"]["default"] = fields[i]["type"]["symbols"][0]
    elif op == "rename-alias":
        fields[i]["aliases"] = [fields[i]["name"]]
        fields[i]["name"] = f"r{i}"


def _uses_names(t: Any) -> bool:
    return "name" in json.dumps(t)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(schema_pair())
def test_generated_pairs_agree_with_fastavro(pair):
    old, new = pair
    try:
        mk(old)
        mk(new)
    except Exception:  # a generated pair fastavro itself refuses (e.g. a default it rejects): not a compatibility case
        return
    assert_agrees(old, new)


def test_contract_change_that_breaks_nobody_is_still_listed():
    """string -> bytes breaks no reader, but the contract changed (change/version-bump asks for a
    version); a changed "doc" is documentation, not contract."""
    old, new, _b, _f = PAIRS["string to bytes"]
    assert [(c.kind, c.old_rejected, c.new_rejected) for c in compare_avro(mk(old), mk(new))] == [
        ("schema-changed", False, False)]
    assert compare_avro(mk(R([F("a", "int", doc="x")])), mk(R([F("a", "int", doc="y")]))) == []
