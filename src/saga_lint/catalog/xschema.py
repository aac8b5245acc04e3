"""One compiled check of ``x-saga`` blocks against their JSON Schema: valid or not, fast.

The loader's workers ask ``is_valid(block)`` of every flow's block (a page fact,
``PageFacts.x_saga_valid``: in the catalog layer, so that they can) and ``saga/schema`` of every
declared saga the facts do not call valid; only a block it does not call valid goes to
jsonschema, whose errors are the findings. A jsonschema validator walks a block in
about 7 ms (descend, evolve, reference lookups per keyword); the predicate compiled here from the
same schema file, once per run, answers in tens of microseconds.

The predicate is exact for the keywords the schema uses (``type``, ``properties``,
``additionalProperties``, ``patternProperties``, ``required``, ``enum``, ``const``, ``oneOf``,
``anyOf``, ``items``, ``minLength``, ``minimum``, ``pattern``, local ``$ref``), with JSON
Schema's own semantics (a boolean is no number, ``1.0`` is an integer). A schema with any other
keyword does not compile (``compiled()`` returns None: every block goes to jsonschema), and a
value that JSON has no type for (a YAML date, a non-string key) makes the predicate give up
(``Unsure``), so that the answer "valid" is never a guess: ``tests/test_xschema.py`` pins it to
jsonschema on generated blocks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

Check = Callable[[object], bool]
_IGNORED = frozenset({"$schema", "$id", "$defs", "title", "description", "$comment"})


class Unsure(Exception):
    """A value JSON Schema has no type for: jsonschema decides."""


class _Unsupported(Exception):
    """A keyword this compiler does not know."""


def schema_path() -> Path:
    """The x-saga JSON Schema, published with the saga model (``saga_lint/saga/x-saga.schema.json``)."""
    return Path(__file__).resolve().parent.parent / "saga" / "x-saga.schema.json"


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    """The x-saga JSON Schema, read once per process (the compiled predicate, jsonschema's
    validator and the names of a step's fields all read this one; none changes it)."""
    doc: dict[str, Any] = json.loads(schema_path().read_text("utf-8"))
    return doc


@lru_cache(maxsize=1)
def compiled() -> Check | None:
    """The x-saga schema's predicate, compiled once per process (None when it cannot be)."""
    try:
        return _Compiler(document()).compile_root()
    except _Unsupported:
        return None


def is_valid(block: object) -> bool:
    """True only when jsonschema would report no error for ``block``."""
    check = compiled()
    if check is None:
        return False
    try:
        return check(block)
    except Unsure:
        return False


_JSON_CLASSES = frozenset({str, bool, int, float, type(None), dict, list})
_TYPE_TESTS: dict[str, Check] = {
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "null": lambda v: v is None,
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def _json_type(value: object) -> str:
    """The JSON type of a parsed value (``integer`` for whole numbers), or Unsure."""
    if type(value) not in _JSON_CLASSES:
        raise Unsure
    return next(name for name, test in _TYPE_TESTS.items() if test(value))


def _type_check(types: list[str]) -> Check:
    tests = [_TYPE_TESTS[t] for t in types if t in _TYPE_TESTS]
    if len(tests) != len(types):
        raise _Unsupported("type")

    def check(v: object) -> bool:
        for test in tests:
            if test(v):
                return True
        if type(v) not in _JSON_CLASSES:
            raise Unsure  # jsonschema's own type checker may see it differently
        return False

    return check


class _Compiler:
    """Schema nodes to predicates; ``$ref`` targets compiled once and shared."""

    def __init__(self, root: Mapping[str, object]) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def compile_root(self) -> Check:
        return self.node(self.root)

    def ref(self, target: str) -> Check:
        if not target.startswith("#/"):
            raise _Unsupported(target)
        if target not in self.refs:
            holder: list[Check] = []
            self.refs[target] = lambda v: holder[0](v)  # recursion-safe: filled in below
            node: object = self.root
            for part in target[2:].split("/"):
                if not isinstance(node, Mapping) or part not in node:
                    raise _Unsupported(target)
                node = node[part]
            holder.append(_memo(self.node(node)))
        return self.refs[target]

    def node(self, schema: object) -> Check:
        if schema is True or schema == {}:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, Mapping):
            raise _Unsupported(repr(schema))
        checks: list[Check] = []
        for key, value in schema.items():
            if key in _IGNORED or key in ("properties", "patternProperties", "additionalProperties"):
                continue
            checks.append(self.keyword(key, value))
        if any(k in schema for k in ("properties", "patternProperties", "additionalProperties")):
            checks.append(self.object_members(schema))
        return _all(checks)

    def keyword(self, key: str, value: object) -> Check:
        simple = _simple_keyword(key, value)
        if simple is not None:
            return simple
        if key == "$ref" and isinstance(value, str):
            return self.ref(value)
        if key in ("oneOf", "anyOf") and isinstance(value, list):
            branches = [self.node(v) for v in value]
            if key == "anyOf":
                return lambda v: any(b(v) for b in branches)
            return lambda v: sum(1 for b in branches if b(v)) == 1
        if key == "items" and isinstance(value, (dict, bool)):
            item = self.node(value)
            return lambda v: not isinstance(v, list) or all(item(x) for x in v)
        raise _Unsupported(key)

    def object_members(self, schema: Mapping[str, object]) -> Check:
        props_raw = schema.get("properties", {})
        patterns_raw = schema.get("patternProperties", {})
        if not isinstance(props_raw, Mapping) or not isinstance(patterns_raw, Mapping):
            raise _Unsupported("properties")
        props = {str(k): self.node(v) for k, v in props_raw.items()}
        patterns = [(re.compile(str(p)), self.node(v)) for p, v in patterns_raw.items()]
        additional = self.node(schema.get("additionalProperties", True))

        special = [(p, c) for p, c in patterns if c is not _always]  # "^x-": {} only decides "additional"

        def members(v: object) -> bool:
            if not isinstance(v, dict):
                return True
            for k, item in v.items():
                if not isinstance(k, str):
                    raise Unsure
                prop = props.get(k)
                if prop is not None:
                    if not prop(item):
                        return False
                elif not any(p.search(k) for p, _ in patterns):
                    if not additional(item):
                        return False
                    continue
                for p, c in special:
                    if p.search(k) and not c(item):
                        return False
            return True

        return members


def _simple_keyword(key: str, value: object) -> Check | None:
    """The keywords that need no sub-schema, or None for the others."""
    if key == "type":
        types = [value] if isinstance(value, str) else value
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            raise _Unsupported("type")
        return _type_check(types)
    if key in ("enum", "const"):
        options = value if key == "enum" else [value]
        if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
            raise _Unsupported(key)  # string options only: no 1 == True == 1.0 questions
        allowed = frozenset(options)
        return lambda v: v in allowed if isinstance(v, str) else _json_type(v) == "string"
    if key == "required" and isinstance(value, list):
        names = [str(n) for n in value]
        return lambda v: not isinstance(v, dict) or all(n in v for n in names)
    if key == "minLength" and isinstance(value, int):
        return lambda v: not isinstance(v, str) or len(v) >= value
    if key == "minimum" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return lambda v: _json_type(v) not in ("integer", "number") or v >= value  # type: ignore[operator]  # a number
    if key == "pattern" and isinstance(value, str):
        rx = re.compile(value)
        return lambda v: not isinstance(v, str) or rx.search(v) is not None
    return None


def _memo(check: Check) -> Check:
    """``check`` remembering its answer for strings (durations, message ids repeat across blocks)."""
    seen: dict[str, bool] = {}

    def run(v: object) -> bool:
        if type(v) is str:
            known = seen.get(v)
            if known is None:
                known = seen[v] = check(v)
            return known
        return check(v)

    return run


def _always(_: object) -> bool:
    return True


def _never(_: object) -> bool:
    return False


def _all(checks: list[Check]) -> Check:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)
    return lambda v: all(c(v) for c in checks)
