"""JSON Schema compatibility verdicts (``changes/compat.py``) proven on instances.

For each pair of schemas (old, new):

- ``old_rejected`` claims that some document valid under the old schema is rejected by the new
  one. When saga-lint says False, hypothesis-jsonschema generates documents valid under the old
  schema and none may be rejected by the new one; when it says True, the case names a witness
  document, which must be valid under the old schema and invalid under the new.
- ``new_rejected``, the same the other way round (documents of the new schema, read by the old).

Deliberate differences, documented in docs/review.md: a removed or renamed required property is
``new_rejected`` (old readers require it) even though the old schema, being open, accepts
documents without it only when it is not required, which holds here; and a required field made
optional breaks an event's consumers under BACKWARD (``SchemaChange.breaking``), a judgement about
readers, not about validation, so it is not witnessed here.
The generator does not cover ``format`` and ``pattern`` semantics beyond what jsonschema checks by
default, nor ``$ref`` to other files: those keywords are not in these pairs.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

hypothesis_jsonschema = pytest.importorskip("hypothesis_jsonschema", reason="hypothesis-jsonschema is not installed "
                                            "(the test extra: pip install '.[test]')")
from jsonschema import Draft202012Validator  # noqa: E402

from saga_lint.changes.compat import compare_schemas  # noqa: E402

OBJ = {"type": "object", "properties": {"id": {"type": "string"}, "amount": {"type": "integer", "minimum": 0},
                                        "address": {"type": "object", "properties": {"city": {"type": "string"}},
                                                    "required": ["city"]}},
       "required": ["id"]}


def _with(**changes: Any) -> dict:
    import copy

    doc = copy.deepcopy(OBJ)
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = doc
        for p in parents:
            node = node[p]
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return doc


# name -> (old, new, old_rejected, new_rejected, witness of old_rejected, witness of new_rejected)
PAIRS: dict[str, tuple[dict, dict, bool, bool, Any, Any]] = {
    "optional property added": (OBJ, _with(properties__note={"type": "string"}), False, False, None, None),
    "required property added": (OBJ, _with(properties__note={"type": "string"}, required=["id", "note"]), True, False,
                                {"id": "a"}, None),
    "required property removed": (OBJ, _with(properties__id=None, required=[]), False, True, None, {}),
    "type narrowed": (OBJ, _with(properties__amount={"type": "integer", "minimum": 0, "maximum": 10}), True, False,
                      {"id": "a", "amount": 11}, None),
    "type widened": (OBJ, _with(properties__amount={"type": "number", "minimum": 0}), False, True,
                     None, {"id": "a", "amount": 1.5}),
    "type changed": (OBJ, _with(properties__amount={"type": "string"}), True, True,
                     {"id": "a", "amount": 1}, {"id": "a", "amount": "x"}),
    "enum narrowed": (_with(properties__id={"enum": ["a", "b"]}), _with(properties__id={"enum": ["a"]}), True, False,
                      {"id": "b"}, None),
    "enum widened": (_with(properties__id={"enum": ["a"]}), _with(properties__id={"enum": ["a", "b"]}), False, True,
                     None, {"id": "b"}),
    "nested required removed": (OBJ, _with(properties__address={"type": "object", "properties": {}}), False, True,
                                None, {"id": "a", "address": {}}),
    "nested required relaxed": (OBJ, _with(properties__address={"type": "object", "properties": {"city": {"type": "string"}}}),
                                False, True, None, {"id": "a", "address": {}}),
    "anyOf branch added": (_with(properties__amount={"anyOf": [{"type": "integer"}]}),
                           _with(properties__amount={"anyOf": [{"type": "integer"}, {"type": "string"}]}), False, True,
                           None, {"id": "a", "amount": "x"}),
    "anyOf branch removed": (_with(properties__amount={"anyOf": [{"type": "integer"}, {"type": "string"}]}),
                             _with(properties__amount={"anyOf": [{"type": "integer"}]}), True, False,
                             {"id": "a", "amount": "x"}, None),
    "object closed": (OBJ, _with(additionalProperties=False), True, False, {"id": "a", "other": 1}, None),
}


def _valid(schema: dict, doc: Any) -> bool:
    return Draft202012Validator(schema).is_valid(doc)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_verdicts_and_named_witnesses(name):
    old, new, old_rej, new_rej, w_old, w_new = PAIRS[name]
    changes = compare_schemas(old, new)
    assert any(c.old_rejected for c in changes) == old_rej, [(c.kind, c.detail) for c in changes]
    assert any(c.new_rejected for c in changes) == new_rej, [(c.kind, c.detail) for c in changes]
    if old_rej:
        assert _valid(old, w_old) and not _valid(new, w_old)
    if new_rej:
        assert _valid(new, w_new) and not _valid(old, w_new)


def _no_witness(source: dict, target: dict) -> None:
    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(hypothesis_jsonschema.from_schema(source))
    def run(doc: Any) -> None:
        assert _valid(target, doc), doc

    run()


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_compatible_directions_have_no_witness(name):
    """Where saga-lint says a direction is compatible, generated documents never contradict it."""
    old, new, old_rej, new_rej, _w_old, _w_new = PAIRS[name]
    if not old_rej:
        _no_witness(old, new)
    if not new_rej:
        _no_witness(new, old)


def test_nested_paths_and_event_reasons():
    """Findings name the full field path; a required field made optional breaks an event's
    consumers under BACKWARD; anyOf widening is judged branch by branch."""
    removed = compare_schemas(OBJ, PAIRS["nested required removed"][1])
    assert [(c.kind, c.path) for c in removed] == [("required-removed", "address.city")]
    assert 'required field "address.city" was removed' in removed[0].detail
    changes = compare_schemas(OBJ, PAIRS["nested required relaxed"][1])
    assert [(c.kind, c.path) for c in changes] == [("required-relaxed", "address.city")]
    assert '"address.city" is no longer required' in changes[0].detail
    assert changes[0].breaking("event", "BACKWARD") and not changes[0].breaking("command", "BACKWARD")
    [widened] = compare_schemas(*PAIRS["anyOf branch added"][:2])
    assert widened.kind == "branches-added" and not widened.breaking("event", "BACKWARD")
    assert widened.breaking("event", "FORWARD")


def test_a_required_field_made_nullable_breaks_event_consumers_as_made_optional_does():
    """``type: string`` to ``[string, "null"]`` on a field required on both sides: consumers read a
    value that may now be null, as one made optional may be missing; an optional field made
    nullable only widens (compatible under BACKWARD); commands are judged in the sender's direction."""
    def obj(city_type: object, required: list[str]) -> dict:
        return {"type": "object", "properties": {"city": {"type": city_type}}, "required": required}

    [c] = compare_schemas(obj("string", ["city"]), obj(["string", "null"], ["city"]))
    assert (c.kind, c.path) == ("required-nullable", "city")
    assert 'required field "city" may now be null' in c.detail
    assert c.breaking("event", "BACKWARD") and not c.breaking("command", "BACKWARD")
    [o] = compare_schemas(obj("string", []), obj(["string", "null"], []))
    assert o.kind == "made-nullable" and not o.breaking("event", "BACKWARD") and o.breaking("event", "FORWARD")
    [both] = compare_schemas(obj("string", ["city"]), obj(["string", "null", "integer"], ["city"]))
    assert both.kind == "required-nullable" and both.breaking("event", "BACKWARD")
    [w] = compare_schemas(obj("string", ["city"]), obj(["string", "integer"], ["city"]))
    assert w.kind == "type-widened" and not w.breaking("event", "BACKWARD")
