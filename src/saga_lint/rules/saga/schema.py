"""``saga/schema``: the ``x-saga`` block against its JSON Schema, and its step keys against the flow."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from saga_lint.catalog.pagefacts import x_saga_valid
from saga_lint.catalog.refs import format_path
from saga_lint.catalog.xschema import document, is_valid
from saga_lint.rules import Problem, rule
from saga_lint.saga.xsaga import misspelt_keys
from saga_lint.suggest import did_you_mean, phrased

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

    from saga_lint.rules import Context
    from saga_lint.saga.model import KeyPath, Saga, YamlMap


def _pinned(ctx: Context) -> dict[int, list[Problem]]:
    """The pinned versions the catalog does not have, of each declared saga (by ``id(saga)``): what
    ``saga/schema`` reports that reads no page facts, worked out once, before the wait for the
    loader's workers when there is one (the rule's ``prepare``)."""
    found: dict[int, list[Problem]] | None = ctx.memo.get("_pinned")
    if found is None:
        found = ctx.memo["_pinned"] = {id(saga): list(_pinned_versions(ctx, saga)) for saga in ctx.sagas if saga.structured}
    return found


@rule("saga/schema", "error", page_facts=True, prepare=_pinned)
def schema(ctx: Context) -> Iterator[Problem]:
    """The ``x-saga`` block does not match its JSON Schema, or names steps the flow does not have.

    What it checks: the flow's ``x-saga`` block against saga-lint's published JSON Schema
    (``saga_lint/saga/x-saga.schema.json``: field names, types, enums, durations such as ``200ms``),
    that every key of ``x-saga.steps`` is the id of a step of the flow, and that a pointer
    ``{id, version}`` (a step's success, trigger, failure event, compensation, the outcome) names a
    version the catalog has (ranges and ``latest`` as EventCatalog reads them). An unknown key is
    reported at the key, with the field (or, in ``steps``, the flow step) it probably means; the
    value under a misspelt key is read as what it means, so that it is one finding, not the step
    "missing" that field as well.
    Why: a misspelt field (``retries`` for ``retry``) silently disables the check it was meant for.
    Example that fails:
        x-saga:
          steps:
            reserve_inventory: {retries: 3}
    Fix: use the documented field names (see docs/saga.md); point editors at the schema for completion.
    """
    validator = None  # jsonschema's, made for the first block the compiled check does not call valid
    pinned = _pinned(ctx)
    for saga in ctx.sagas:
        if not saga.structured:
            continue
        yield from pinned[id(saga)]
        if x_saga_valid(ctx.catalog, saga.flow) or is_valid(saga.x):
            yield from _unknown_steps(saga)
            continue
        if validator is None:
            validator = _validator()
        yield from _schema_errors(validator, saga)
        yield from _unknown_steps(saga)


def _schema_errors(validator: Validator, saga: Saga) -> Iterator[Problem]:
    """The validator's errors; an unknown key is placed at the key, with the field it probably means."""
    instance: Any = json_keys(saga.x)  # YAML, which the validator takes as JSON: every key a string
    for err in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
        path: KeyPath = ("x-saga", *err.absolute_path)
        step = str(err.absolute_path[1]) if len(err.absolute_path) > 1 and err.absolute_path[0] == "steps" else None
        unknown, fields = _unknown_keys(err.schema, err.instance) if err.validator == "additionalProperties" else ([], [])
        for key in unknown:
            yield Problem(f'{format_path(path)} has the key "{key}", which is no x-saga field there (a field of your own '
                          f"starts with x-).{did_you_mean(key, fields)} See the x-saga schema (docs/saga.md).",
                          saga.flow, (*path, key), step=step)
        if not unknown:
            msg = err.message if len(err.message) < 200 else err.message[:200] + "..."
            yield Problem(f"{format_path(path)}: {msg}. See the x-saga schema (docs/saga.md).", saga.flow, path, step=step)


def _unknown_keys(schema: object, instance: object) -> tuple[list[str], list[str]]:
    """(the keys of a mapping that its schema's ``properties`` and ``patternProperties`` do not
    allow, the fields it allows)."""
    fields = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(fields, dict) or not isinstance(instance, dict):
        return [], []
    patterns = list(schema.get("patternProperties") or ()) if isinstance(schema, dict) else []
    return [k for k in instance if k not in fields and not any(re.search(p, k) for p in patterns)], sorted(fields)


_EVENT, _MESSAGE = ("event",), ("event", "command", "query")
# where x-saga points at a resource (below a step, or the block), and what it may be
_STEP_POINTERS: dict[KeyPath, tuple[str, ...]] = {
    ("success",): _EVENT, ("trigger",): _MESSAGE, ("participant",): ("service", "agent"),
    ("compensation", "command"): ("command",), ("compensation", "event"): _EVENT, ("compensation", "on"): _EVENT,
}
_SAGA_POINTERS: dict[KeyPath, tuple[str, ...]] = {
    ("orchestrator",): ("service", "agent"), ("outcome", "event"): _EVENT, ("outcome", "container"): ("container",),
}


def _pointers(x: YamlMap) -> Iterator[tuple[KeyPath, object, tuple[str, ...]]]:
    """(key path, value, resource types) of every place x-saga points at a resource."""
    for path, types in _SAGA_POINTERS.items():
        yield ("x-saga", *path), _at(x, path), types
    steps = x.get("steps")
    for key, block in steps.items() if isinstance(steps, dict) else ():
        if not isinstance(block, dict):
            continue
        for path, types in _STEP_POINTERS.items():
            yield ("x-saga", "steps", key, *path), _at(block, path), types
        failures = block.get("failures")
        for i, f in enumerate(failures if isinstance(failures, list) else []):
            if isinstance(f, dict):
                yield ("x-saga", "steps", key, "failures", i, "event"), f.get("event"), _EVENT


def _at(block: YamlMap, path: KeyPath) -> object:
    value: object = block
    for k in path:
        value = value.get(k) if isinstance(value, dict) else None
    return value


def _pinned_versions(ctx: Context, saga: Saga) -> Iterator[Problem]:
    """A pointer ``{id, version}`` of the block whose version the catalog does not have."""
    for path, value, types in _pointers(saga.x):
        if not isinstance(value, dict) or value.get("version") is None or not isinstance(value.get("id"), str):
            continue
        rid, version = value["id"], str(value["version"])
        if ctx.catalog.lookup(types, rid, version)[0] != "no-version":
            continue
        have = sorted({v for t in types for v in ctx.catalog.versions_of(t, rid) if v})
        step = str(path[2]) if path[1] == "steps" else None
        yield Problem(f'{format_path(path)} asks for {rid} version "{version}", but the catalog has only '
                      f"{', '.join(have)}. Point at one of those versions.", saga.flow, (*path, "version"), step=step)


def json_keys(value: object) -> object:
    """A copy of a YAML value with every mapping key a string, as in JSON (YAML allows ``1:``;
    jsonschema's pattern checks expect strings)."""
    if isinstance(value, dict):
        return {k if isinstance(k, str) else str(k): json_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_keys(v) for v in value]
    return value


def _validator() -> Validator:
    """jsonschema's validator of the x-saga schema: its errors are the findings."""
    import jsonschema

    validator_cls = jsonschema.validators.validator_for({"$schema": "https://json-schema.org/draft/2020-12/schema"})
    return validator_cls(document())


def _unknown_steps(saga: Saga) -> Iterator[Problem]:
    """Keys of ``x-saga.steps`` that are no step of the flow (with the step each probably means)."""
    for key, meant in misspelt_keys(saga).items():
        yield Problem(
            f'x-saga.steps names "{key}", which is no step of this flow; use the id of a flow step.'
            + phrased(meant), saga.flow, ("x-saga", "steps", key), step=str(key),
        )
