"""A fast answer for plain schemas, without jsonschema or referencing.

Checking a schema against its metaschema with jsonschema costs about half a millisecond; a large
catalog has tens of thousands of schemas. Most are plain: objects with properties, types,
formats, enums. ``plainly_valid`` accepts a schema only when every keyword in it is one whose
metaschema constraint is the same in drafts 4, 6, 7, 2019-09 and 2020-12 and the value meets
it; then jsonschema would report nothing. Anything else (an unknown keyword, ``$id``,
``patternProperties``, boolean subschemas, ...) is left to jsonschema, which also words the error.
``needs_ref_analysis`` tells when a schema has nothing for the ``$ref`` analysis to find.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from saga_lint.catalog.schemas.model import MAX_JSON_DEPTH, MAX_NODES, SUB_LIST, SUB_MAP, SUB_ONE, SchemaFile

# $schema (or None) -> the jsonschema validator jsonschema picks for it, for the dialects whose plain
# schemas ``plainly_valid`` can judge without jsonschema (test_perf_equivalence pins the table
# against ``jsonschema.validators.validator_for``)
PLAIN_DIALECTS: dict[str | None, str] = {
    None: "Draft202012Validator",
    "http://json-schema.org/draft-04/schema#": "Draft4Validator",
    "http://json-schema.org/draft-04/schema": "Draft4Validator",
    "http://json-schema.org/draft-06/schema#": "Draft6Validator",
    "http://json-schema.org/draft-06/schema": "Draft6Validator",
    "http://json-schema.org/draft-07/schema#": "Draft7Validator",
    "http://json-schema.org/draft-07/schema": "Draft7Validator",
    "https://json-schema.org/draft/2019-09/schema": "Draft201909Validator",
    "https://json-schema.org/draft/2019-09/schema#": "Draft201909Validator",
    "https://json-schema.org/draft/2020-12/schema": "Draft202012Validator",
    "https://json-schema.org/draft/2020-12/schema#": "Draft202012Validator",
}
PLAIN_DRAFTS = ("Draft4Validator", "Draft6Validator", "Draft7Validator", "Draft201909Validator", "Draft202012Validator")
_SIMPLE_TYPES = frozenset(("array", "boolean", "integer", "null", "number", "object", "string"))
_PLAIN_REF = re.compile(r"^[A-Za-z0-9_.\-/#~$]*$")


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _unique_strings(v: object) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, str) for x in v) and len(set(v)) == len(v)


def _plain_enum(v: object) -> bool:
    if not isinstance(v, list) or not v:
        return False
    seen: set[tuple[type, object]] = set()
    for x in v:
        if not (isinstance(x, str) or _is_int(x)):
            return False
        key = (type(x), x)
        if key in seen:
            return False
        seen.add(key)
    return True


def _plain_regex(v: object) -> bool:
    if not isinstance(v, str):
        return False
    try:
        re.compile(v)
    except (re.error, RecursionError, OverflowError):
        return False
    return True


def _plain_type(v: object) -> bool:
    if isinstance(v, str):
        return v in _SIMPLE_TYPES
    return isinstance(v, list) and _unique_strings(v) and all(t in _SIMPLE_TYPES for t in v)


_PLAIN_SCALARS: dict[str, Callable[[Any], bool]] = {
    "$schema": lambda v: isinstance(v, str),
    "$ref": lambda v: isinstance(v, str) and bool(_PLAIN_REF.match(v)),
    "$comment": lambda v: isinstance(v, str),
    "title": lambda v: isinstance(v, str),
    "description": lambda v: isinstance(v, str),
    "format": lambda v: isinstance(v, str),
    "type": _plain_type,
    "enum": _plain_enum,
    "required": _unique_strings,
    "pattern": _plain_regex,
    "minimum": _is_num,
    "maximum": _is_num,
    "minLength": lambda v: _is_int(v) and v >= 0,
    "maxLength": lambda v: _is_int(v) and v >= 0,
    "minItems": lambda v: _is_int(v) and v >= 0,
    "maxItems": lambda v: _is_int(v) and v >= 0,
    "minProperties": lambda v: _is_int(v) and v >= 0,
    "maxProperties": lambda v: _is_int(v) and v >= 0,
    "uniqueItems": lambda v: isinstance(v, bool),
    "readOnly": lambda v: isinstance(v, bool),
    "writeOnly": lambda v: isinstance(v, bool),
    "deprecated": lambda v: isinstance(v, bool),
    "examples": lambda v: isinstance(v, list),
    "default": lambda v: True,
    "const": lambda v: True,
}
_PLAIN_ONE = ("items", "not")  # a subschema (an object)
_PLAIN_MAP = ("properties", "definitions", "$defs")  # name -> subschema
_PLAIN_LIST = ("allOf", "anyOf", "oneOf")  # non-empty list of subschemas


def plainly_valid(schema: object, depth: int) -> bool:
    """True only if ``schema`` certainly satisfies the metaschemas of drafts 4 to 2020-12 (the
    caller makes sure the root's ``$schema``, if any, names one of them)."""
    if not isinstance(schema, dict) or depth > MAX_JSON_DEPTH:
        return False
    for key, value in schema.items():
        if key == "$schema" and depth:
            return False  # only the root's dialect is known to be one of the drafts above
        check = _PLAIN_SCALARS.get(key)
        if check is not None:
            if not check(value):
                return False
        elif key in _PLAIN_ONE:
            if not plainly_valid(value, depth + 1):
                return False
        elif key in _PLAIN_MAP:
            if not isinstance(value, dict) or not all(plainly_valid(v, depth + 1) for v in value.values()):
                return False
        elif key in _PLAIN_LIST:
            if not isinstance(value, list) or not value or not all(plainly_valid(v, depth + 1) for v in value):
                return False
        elif key == "additionalProperties":
            if not (isinstance(value, bool) or plainly_valid(value, depth + 1)):
                return False
        else:
            return False
    return True


def uses_legacy_ids(spec: object) -> bool:
    from referencing.jsonschema import DRAFT3, DRAFT4

    return spec is DRAFT3 or spec is DRAFT4  # ``id`` rather than ``$id``


def needs_ref_analysis(doc: object, legacy_ids: bool) -> bool:
    """False when no subschema that ``RefAnalysis.run`` would visit (reached the same way) has a
    ``$ref``, an id (``$id``, or ``id`` in drafts 3 and 4) or a ``$schema`` of its own, and there
    are at most ``MAX_NODES`` of them: then nothing is retrieved, every in-place edge leads to a
    child, and the analysis can report no problem and no loop. Most schemas are like that."""
    stack: list[tuple[object, bool]] = [(doc, True)]
    count = 0
    while stack:
        node, is_root = stack.pop()
        if not isinstance(node, dict):
            continue
        count += 1
        if count > MAX_NODES:
            return True
        if "$ref" in node or "$id" in node or (legacy_ids and "id" in node) or (not is_root and "$schema" in node):
            return True
        for kw, value in node.items():
            if kw in SUB_MAP and isinstance(value, dict):
                stack.extend((v, False) for v in value.values())
            elif kw in SUB_LIST and isinstance(value, list):
                stack.extend((v, False) for v in value)
            elif kw in SUB_ONE and isinstance(value, dict):
                stack.append((value, False))
    return False


def surely_refless(f: SchemaFile) -> bool:
    """For a plainly valid schema (no ``$id``, ``id`` or inner ``$schema`` then): a JSON text with no
    ``$ref`` (and no escapes that could spell one) and few objects needs no ``$ref`` analysis."""
    text = f.text
    return (
        f.yaml_locs is None
        and text is not None
        and "$ref" not in text
        and "\\u" not in text
        and text.count("{") <= MAX_NODES
    )



def plain_draft(doc: dict[str, Any]) -> str | None:
    """The validator jsonschema would pick for a schema whose plain keywords ``plainly_valid`` can
    judge (``PLAIN_DIALECTS``), or None for any other ``$schema``."""
    dialect = doc.get("$schema")
    return PLAIN_DIALECTS.get(dialect) if dialect is None or isinstance(dialect, str) else None
