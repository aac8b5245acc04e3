"""Reading the ``x-saga`` block: the structured evidence (design: shared/design/saga-extension.md).

Each ``x_*`` function reads one attribute of one step from its ``x-saga.steps.<id>`` block, sets
the step's fields and returns the structured evidence, or None when the block does not state it
(then the builder looks for inferred or prose evidence). ``read_step_fields`` reads the
coordination fields of each step (participant, trigger, idempotency, compensation.on and
.idempotent); ``read_saga_fields`` the saga-wide ones (deadline, statuses, onSuccess,
onCompensationFailure, implementation); ``coordination`` and ``correlation`` are read with the
style (``coordination.decide``). ``misspelt_keys`` and ``step_keys`` read a key of
``x-saga.steps`` that is no step of the flow as the step it probably means (its did-you-mean);
``field_keys`` and ``with_fields`` a misspelt field of a step block as the field it means.
The ``raw_*`` helpers read the block as YAML read it (a bare
``on:`` key arrives as ``true``), for rules that place a finding at a key of the written block.
"""

from __future__ import annotations

from collections.abc import Hashable
from functools import lru_cache
from typing import TYPE_CHECKING

from saga_lint.catalog.xschema import document
from saga_lint.saga.model import Evidence, KeyPath, RetryPolicy, Saga, SagaStep, StepFailure, YamlMap, parse_duration
from saga_lint.saga.values import pointer_id
from saga_lint.suggest import nearest

if TYPE_CHECKING:
    from saga_lint.catalog.model import Catalog


def x_orchestrator(catalog: Catalog, saga: Saga) -> Evidence | None:
    """``x-saga.orchestrator``: its id and, when it is one, the service or agent."""
    x = saga.x
    if x.get("orchestrator") is None:
        return None
    oid = pointer_id(x.get("orchestrator"))
    saga.orchestrator_id = oid
    saga.orchestrator = catalog.lookup(("service", "agent"), oid)[1] if oid else None
    return Evidence.at("structured", oid, saga.flow, ("x-saga", "orchestrator"), "x-saga.orchestrator")


def read_step_fields(catalog: Catalog, saga: Saga) -> None:
    """Per step: ``participant`` (who acts), ``trigger`` (the message that starts the step: an event
    makes it a choreographed step), ``idempotency.key``, ``compensation.on`` and ``.idempotent``."""
    for step in saga.steps:
        x = step.x
        pid = pointer_id(x.get("participant")) if x.get("participant") is not None else None
        if pid is not None:
            svc = catalog.lookup(("service", "agent"), pid)[1]
            step.handler = svc
            step.receivers = [svc] if svc is not None else step.receivers
        trigger = pointer_id(x.get("trigger")) if x.get("trigger") is not None else None
        if trigger is not None:
            step.trigger = trigger
            msg = catalog.lookup(("event", "command"), trigger)[1]
            step.trigger_kind = "event" if msg is not None and msg.type == "event" else step.trigger_kind
        idem = x.get("idempotency")
        if isinstance(idem, dict) and idem.get("key") is not None:
            step.idempotency_key = str(idem["key"])
        comp = x.get("compensation")
        if isinstance(comp, dict):
            step.compensation_on = pointer_id(comp.get("on")) if comp.get("on") is not None else None
            idempotent = comp.get("idempotent")
            step.compensation_idempotent = idempotent if isinstance(idempotent, bool) else None


def x_owner(saga: Saga, step: SagaStep) -> Evidence | None:
    owner = step.x.get("owner")
    if owner is None:
        return None
    owners = owner if isinstance(owner, list) else [owner]
    step.owners = [str(pointer_id(o)) for o in owners if pointer_id(o)]
    return Evidence.at("structured", step.owners, saga.flow, step.x_at("owner"), "x-saga owner")


def x_success(saga: Saga, step: SagaStep) -> Evidence | None:
    if step.x.get("success") is None:
        return None
    step.success = pointer_id(step.x["success"])
    return Evidence.at("structured", step.success, saga.flow, step.x_at("success"), "x-saga success")


def _optional_str(value: object) -> str | None:
    return str(value) if value is not None else None


def x_failures(saga: Saga, step: SagaStep) -> Evidence | None:
    """``failures``: business failures (``event``) and technical ones (``error``), each with its status."""
    failures = step.x.get("failures")
    if not isinstance(failures, list) or not failures:
        return None
    for i, f in enumerate(failures):
        if isinstance(f, dict):
            step.failures.append(
                StepFailure(
                    event=pointer_id(f.get("event")) if f.get("event") is not None else None,
                    error=_optional_str(f.get("error")),
                    status=_optional_str(f.get("status")),
                    path=step.x_at("failures", i),
                )
            )
    return Evidence.at(
        "structured", [f.label for f in step.failures], saga.flow, step.x_at("failures"), "x-saga failures"
    )


def x_retry(saga: Saga, step: SagaStep) -> Evidence | None:
    if "retry" not in step.x:
        return None
    step.retry = RetryPolicy.from_mapping(step.x.get("retry"))
    return Evidence.at("structured", step.x.get("retry"), saga.flow, step.x_at("retry"), "x-saga retry")


def x_compensation(saga: Saga, step: SagaStep) -> Evidence | None:
    """``compensation``: ``{command, retry}``, a command id, or ``none`` (with ``compensationNote``).
    A pivot or retriable step that declares none is missing it: the flow's generic Compensation
    node is not about such a step."""
    x = step.x
    if "compensation" not in x:
        step_type = x.get("type")
        if step_type in ("pivot", "retriable"):
            return Evidence.at("missing", None, saga.flow, step.x_at("type"), f"a {step_type} step declares no compensation")
        return None
    comp = x.get("compensation")
    if comp == "none" or comp is None:
        step.compensation = "none"
        step.compensation_note = str(x["compensationNote"]) if x.get("compensationNote") else None
    elif isinstance(comp, dict):
        step.compensation = pointer_id(comp.get("command")) if comp.get("command") is not None else None
        step.compensation_retry = RetryPolicy.from_mapping(comp.get("retry")) if "retry" in comp else None
    else:
        step.compensation = pointer_id(comp)
    value = step.compensation
    if value is None and isinstance(comp, dict):  # a choreography's undo: the event it publishes, on the event that starts it
        undo, on = pointer_id(comp.get("event")), compensation_on(comp)
        value = " ".join(x for x in (undo, f"on {on}" if on else None) if x) or None
    return Evidence.at("structured", value, saga.flow, step.x_at("compensation"), "x-saga compensation")


def x_status(saga: Saga, step: SagaStep) -> Evidence | None:
    if step.x.get("status") is None:
        return None
    step.status = str(step.x["status"])
    return Evidence.at("structured", step.status, saga.flow, step.x_at("status"), "x-saga status")


def x_step_type(step: SagaStep) -> bool:
    """``type``: compensatable, pivot or retriable; False when the block does not say."""
    t = step.x.get("type")
    if not isinstance(t, str):
        return False
    step.type = t
    return True


def _status_name(value: object) -> str | None:
    """``{status: NAME}`` or ``NAME``, as ``onSuccess`` and ``onCompensationFailure`` allow."""
    if isinstance(value, dict) and value.get("status") is not None:
        return str(value["status"])
    if isinstance(value, str):
        return value
    return None


def read_saga_fields(saga: Saga) -> None:
    """The saga-wide fields of ``x-saga``: deadline, statuses, onSuccess, onCompensationFailure, implementation."""
    x = saga.x
    saga.deadline = parse_duration(x.get("deadline")) if x.get("deadline") is not None else None
    statuses = x.get("statuses")
    if isinstance(statuses, dict):
        saga.statuses = {str(k): (v if isinstance(v, dict) else {}) for k, v in statuses.items()}
    saga.on_success = _status_name(x.get("onSuccess"))
    saga.on_compensation_failure = _status_name(x.get("onCompensationFailure"))
    impl = x.get("implementation")
    saga.implementation = [str(p) for p in impl] if isinstance(impl, list) else ([str(impl)] if isinstance(impl, str) else [])


def x_outcome(saga: Saga) -> Evidence | None:
    """``x-saga.outcome``: the container where success is recorded and the event published with it."""
    outcome = saga.x.get("outcome")
    if not isinstance(outcome, dict):
        return None
    saga.outcome = {
        "container": pointer_id(outcome.get("container")) if outcome.get("container") is not None else None,
        "event": pointer_id(outcome.get("event")) if outcome.get("event") is not None else None,
    }
    return Evidence.at("structured", saga.outcome, saga.flow, ("x-saga", "outcome"), "x-saga outcome")


# -- the block as YAML read it (keys as written in the file), for rules that place findings at its keys --


def raw_block(saga: Saga) -> YamlMap:
    """The flow's ``x-saga`` mapping as YAML read it (``{}`` when there is none)."""
    block = saga.flow.data.get("x-saga")
    return block if isinstance(block, dict) else {}


def raw_steps(saga: Saga) -> dict[str, YamlMap]:
    """``x-saga.steps`` as written: key -> the step block (non-mapping blocks as empty), a misspelt
    field under the field it means (``with_fields``; ``field_path`` places a finding at it). Made
    once per saga (``Saga.written_steps``): the caller reads it, never changes it."""
    found = saga.written_steps
    if found is None:
        found = saga.written_steps = {k: with_fields(v) for k, v in _written_steps(saga).items()}
    return found


def _written_steps(saga: Saga) -> dict[str, YamlMap]:
    steps = raw_block(saga).get("steps")
    if not isinstance(steps, dict):
        return {}
    return {str(k): (v if isinstance(v, dict) else {}) for k, v in steps.items()}


def misspelt_keys(saga: Saga) -> dict[Hashable, str | None]:
    """Keys of ``x-saga.steps`` (as written) that are no step of the flow -> the flow step each
    probably means (the nearest among the steps without an entry: a misspelt key most likely
    means one), or None."""
    steps = saga.x.get("steps")
    flow_steps = saga.flow.data.get("steps")
    flow_ids = {str(s.get("id")) for s in flow_steps if isinstance(s, dict)} if isinstance(flow_steps, list) else set()
    if not isinstance(steps, dict):
        return {}
    free = sorted(flow_ids - {str(k) for k in steps})
    return {k: next(iter(nearest(str(k), free)), None) for k in steps if str(k) not in flow_ids}


def step_keys(saga: Saga) -> dict[str, Hashable]:
    """Flow step id -> the misspelt ``x-saga.steps`` key whose block describes it: the key's
    did-you-mean, when no other misspelt key means the same step. Its block is read as that
    step's (one finding, ``saga/schema``'s did-you-mean, not the step "missing" every attribute),
    and findings about the block stay at the key as written."""
    meant: dict[str, list[Hashable]] = {}
    for key, step_id in misspelt_keys(saga).items():
        if step_id is not None:
            meant.setdefault(step_id, []).append(key)
    return {step_id: keys[0] for step_id, keys in meant.items() if len(keys) == 1}


@lru_cache(maxsize=1)
def step_fields() -> tuple[str, ...]:
    """The fields of an ``x-saga.steps`` block, as the x-saga JSON Schema names them (sorted: the
    order ``nearest`` breaks ties in)."""
    return tuple(sorted(document()["$defs"]["step"]["properties"]))


@lru_cache(maxsize=1)
def _step_field_set() -> frozenset[str]:
    return frozenset(step_fields())


def field_keys(block: YamlMap) -> dict[str, Hashable]:
    """Field -> the misspelt key of a step block that stands for it: a key that is no field (nor an
    ``x-`` key of the user's own) whose did-you-mean (``saga/schema``'s) is a field the block does
    not have, when no other key means the same field. Its value is read as that field's (one
    finding, the did-you-mean, not the step "missing" the field), at the key as written."""
    known = _step_field_set()  # asked for every key of every step block, by several rules
    meant: dict[str, list[Hashable]] = {}
    for key in block:
        if not isinstance(key, str) or key in known or key.startswith("x-"):
            continue
        close = nearest(key, step_fields())
        if close and close[0] not in block:
            meant.setdefault(close[0], []).append(key)
    return {name: keys[0] for name, keys in meant.items() if len(keys) == 1}


def with_fields(block: YamlMap) -> YamlMap:
    """A step block with each misspelt field (``field_keys``) under the field it means."""
    keys = field_keys(block)
    if not keys:
        return block
    renamed = {written: name for name, written in keys.items()}
    return {renamed.get(k, k): v for k, v in block.items()}


def field_path(saga: Saga, key: Hashable, *path: Hashable) -> KeyPath:
    """The key path of ``x-saga.steps.<key>.<path>``, under the key as written when ``path`` starts
    with a field written misspelt (``field_keys``)."""
    if path and isinstance(path[0], str):
        block = _written_steps(saga).get(str(key), {})
        path = (field_keys(block).get(path[0], path[0]), *path[1:])
    return ("x-saga", "steps", key, *path)


def compensation_block(block: YamlMap) -> YamlMap:
    """A step block's ``compensation`` when it is a mapping, else ``{}``."""
    comp = block.get("compensation")
    return comp if isinstance(comp, dict) else {}


def on_key(comp: YamlMap) -> Hashable:
    """The key ``compensation.on`` is stored under: YAML 1.1 (PyYAML, libyaml) reads a bare ``on``
    as the boolean true, so ``on: payment-declined`` arrives as ``{True: "payment-declined"}``."""
    keys: set[Hashable] = set(comp)
    return True if "on" not in keys and True in keys else "on"


def compensation_on(comp: YamlMap) -> str | None:
    """The event id of ``compensation.on``, however YAML read the key."""
    key = on_key(comp)
    return next((pointer_id(v) for k, v in comp.items() if k == key), None)
