"""``saga/correlation`` and ``saga/idempotency``: the message contracts a saga relies on carry the fields it names.

Both read fields of the ``x-saga`` block as written (``correlation``, a step's ``trigger`` and
``idempotency: {key}``, ``compensation.on`` / ``idempotency`` / ``idempotent``), and each message's
JSON schema (``schemaPath``, else its default ``schemas`` entry) through
``saga_lint.catalog.schemas.load_message_schema``. A message with no readable JSON schema is not
judged here (``best-practices/schema-required`` and ``schema/*`` speak about it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from saga_lint.catalog.model import MESSAGE_TYPES
from saga_lint.catalog.pagefacts import schema_fields
from saga_lint.rules import Problem, rule
from saga_lint.rules.saga.common import flowmap, lookup
from saga_lint.saga.values import pointer_id
from saga_lint.saga.xsaga import compensation_block, compensation_on, field_path, raw_block, raw_steps

if TYPE_CHECKING:
    from saga_lint.rules import Context
    from saga_lint.saga.model import KeyPath, Saga, YamlMap

_UNKNOWN = object()  # a schema part this check cannot see into (an external $ref): never a finding


def _correlated(ctx: Context) -> list[tuple[Saga, str, list[tuple[str, str | None]]]]:
    """Each saga that names a correlation key, the key, and the messages it relies on, each looked
    up (``lookup`` keeps the answer): what ``saga/correlation`` asks that reads no page facts, worked
    out once, before the wait for the loader's workers when there is one (the rule's ``prepare``)."""
    found: list[tuple[Saga, str, list[tuple[str, str | None]]]] | None = ctx.memo.get("_correlated")
    if found is None:
        found = ctx.memo["_correlated"] = []
        for saga in ctx.sagas:
            key = raw_block(saga).get("correlation")
            if isinstance(key, str) and key.strip():
                messages = _saga_messages(ctx, saga)
                for mid, _step in messages:
                    lookup(ctx, MESSAGE_TYPES, mid)
                found.append((saga, key.strip(), messages))
    return found


@rule("saga/correlation", "error", page_facts=True, prepare=_correlated)
def correlation(ctx: Context) -> Iterator[Problem]:
    """A message of the saga has no field for the correlation key x-saga declares.

    What it checks: when ``x-saga.correlation`` names a field (``orderId``, or a dotted path such
    as ``order.id``), the JSON schema of every message the saga relies on has it: each message step
    of the map and each message x-saga names (``trigger``, ``success``, failure events,
    ``compensation.command`` and ``compensation.on``). One finding per message, placed at the
    message's ``schemaPath``.
    Why: the correlation key is how a participant finds the saga instance a message belongs to.
    A message without it cannot be matched: in a choreography the reply is dropped or, worse,
    applied to the wrong order.
    Example that fails: ``correlation: orderId`` while payment-declined's schema has only
    ``paymentId`` and ``reason``.
    Fix: add the field to the message's schema (a new version when it is a breaking change), or
    correct ``correlation``.
    """
    for saga, name, messages in _correlated(ctx):
        for mid, step in messages:
            if _at_root(ctx, mid, name):
                continue  # the common case: at the schema's root, as the loader's workers found
            problem = _missing_field(ctx, saga, mid, name, step,
                                     f"x-saga.correlation is {name}, but the schema of {mid} has no {name}")
            if problem is not None:
                yield problem


# a key one of a saga's steps declares, to be found in the schema of the message that starts it:
# the saga, the step, where in the step (``()`` or ``("compensation",)``), the message, the key
_KeyQuestion = tuple["Saga", str, "KeyPath", str, str]


def _idempotency(ctx: Context) -> tuple[list[_KeyQuestion], list[Problem]]:
    """What ``saga/idempotency`` asks of the page facts (each declared key and the message it must be
    in, the message looked up) and the problems that need none, worked out once, before the wait for
    the loader's workers when there is one (the rule's ``prepare``)."""
    found: tuple[list[_KeyQuestion], list[Problem]] | None = ctx.memo.get("_idempotency")
    if found is None:
        questions: list[_KeyQuestion] = []
        problems: list[Problem] = []
        for saga in ctx.sagas:
            for name, block in raw_steps(saga).items():
                questions += _key_questions(ctx, saga, name, block)
                problems += _retried_not_idempotent(saga, name, block)
                problems += _redelivered_not_idempotent(saga, name, block)
        found = ctx.memo["_idempotency"] = (questions, problems)
    return found


@rule("saga/idempotency", "error", page_facts=True, prepare=_idempotency)
def idempotency(ctx: Context) -> Iterator[Problem]:
    """A declared idempotency key is not in the message, or a retried compensation is not declared idempotent.

    What it checks: a step that declares ``idempotency: {key}`` has that key in the schema of its
    trigger (``trigger``, else the step's message in the map); a compensation that declares
    ``idempotency: {key}`` has it in the schema of the message that starts it (``on``, else its
    command). A compensation retried until it succeeds (it has a ``retry`` policy) is declared
    ``idempotent: true``, in every saga, whether or not it declares other message contracts. A
    choreographed step (started by an event) whose ``retry`` redelivers its trigger
    (``maxAttempts`` above 1) declares ``idempotency``.
    Why: messages are delivered at least once. A step whose trigger is redelivered charges twice
    unless it can tell the copy from a new request by a key the message carries; a compensation
    that is retried after a timeout may already have run.
    Example that fails:
        reserve_inventory: {trigger: order-placed, idempotency: {key: orderId}}
        # order-placed's schema has no orderId
    Fix: add the key to the message's schema, or declare the key the message does carry; declare
    ``compensation.idempotent: true`` once the undo is safe to repeat.
    """
    questions, problems = _idempotency(ctx)
    yield from problems
    for saga, name, where, message, key in questions:
        if _at_root(ctx, message, key):
            continue
        what = "the compensation" if where else f"step {name}"
        problem = _missing_field(ctx, saga, message, key, name,
                                 f"{what} is idempotent by {key}, but the schema of {message}, which starts it, "
                                 f"has no {key}", at=field_path(saga, name, *where, "idempotency", "key"))
        if problem is not None:
            yield problem


def _key_questions(ctx: Context, saga: Saga, name: str, block: YamlMap) -> list[_KeyQuestion]:
    """The step's and its compensation's ``idempotency.key``, each with the message that starts them
    (looked up: ``lookup`` keeps the answer), to be found in its schema."""
    node = flowmap(ctx, saga).nodes.get(name)
    trigger = pointer_id(block.get("trigger")) or (node.message_id if node else None)
    comp = compensation_block(block)
    undo_trigger = compensation_on(comp) or pointer_id(comp.get("command"))
    out: list[_KeyQuestion] = []
    for owner, where, message in ((block, (), trigger), (comp, ("compensation",), undo_trigger)):
        spec = owner.get("idempotency")
        key = spec.get("key") if isinstance(spec, dict) else None
        if isinstance(key, str) and key.strip() and message:
            lookup(ctx, MESSAGE_TYPES, message)
            out.append((saga, name, where, message, key.strip()))
    return out


def _retried_not_idempotent(saga: Saga, name: str, block: YamlMap) -> Iterator[Problem]:
    comp = compensation_block(block)
    if isinstance(comp.get("retry"), dict) and comp.get("idempotent") is not True:
        yield Problem(f"step {name}: the compensation is retried until it succeeds, but is not declared idempotent: a retry "
                      "after a timeout may undo twice. Make the undo safe to repeat and declare idempotent: true.",
                      saga.flow, field_path(saga, name, "compensation"), step=name)


def _redelivered_not_idempotent(saga: Saga, name: str, block: YamlMap) -> Iterator[Problem]:
    """A choreographed step whose trigger is redelivered (``retry.maxAttempts`` above 1) declares ``idempotency``."""
    step = saga.step(name)
    retry = block.get("retry")
    attempts = retry.get("maxAttempts") if isinstance(retry, dict) else None
    if step is None or step.trigger_kind != "event" or "idempotency" in block \
            or not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 2:
        return
    who = f"{step.participant.id}'s consumer" if step.participant is not None else "the consumer"
    yield Problem(f"step {name}: {who} of {step.trigger} is redelivered up to {attempts} times, but the step declares no "
                  "idempotency: a redelivery after a commit whose acknowledgement was lost does the work twice. Make the "
                  f"handling safe to repeat and declare idempotency: {{key: <a field of {step.trigger}>}}.",
                  saga.flow, field_path(saga, name, "retry"), step=name)


def _saga_messages(ctx: Context, saga: Saga) -> list[tuple[str, str | None]]:
    """Every message the saga relies on, once, with the x-saga step that names it (None for one only drawn)."""
    found: dict[str, str | None] = {}
    for name, block in raw_steps(saga).items():
        comp = compensation_block(block)
        failures = block.get("failures")
        named = [block.get("trigger"), block.get("success"), comp.get("command"), compensation_on(comp)]
        named += [f.get("event") for f in failures if isinstance(f, dict)] if isinstance(failures, list) else []
        for value in named:
            mid = pointer_id(value)
            if mid:
                found.setdefault(mid, name)
    blocks = raw_steps(saga)
    for node in flowmap(ctx, saga).nodes.values():
        if node.message_id:
            found.setdefault(node.message_id, node.id if node.id in blocks else None)
    return list(found.items())


def _at_root(ctx: Context, mid: str, key: str) -> bool:
    """The message's JSON schema has ``key`` at its root, as the loader's workers found."""
    res = lookup(ctx, MESSAGE_TYPES, mid)
    return res is not None and "." not in key and key in schema_fields(ctx.catalog, res)


def _missing_field(
    ctx: Context, saga: Saga, mid: str, key: str, step: str | None, text: str, at: KeyPath | None = None
) -> Problem | None:
    """A Problem when the message's JSON schema has no ``key``; placed at ``at`` in the flow, else at
    the message's schemaPath. Asked only when the key is not at the schema's root (``_at_root``:
    the callers ask the loader's workers' answer first, then this reads the schema)."""
    from saga_lint.catalog.schemas.load import load_message_schema

    res = lookup(ctx, MESSAGE_TYPES, mid)
    loaded = load_message_schema(ctx.catalog, res) if res is not None else None
    if res is None or loaded is None or loaded.document is None or has_field(loaded.document, key) is not False:
        return None
    message = f"{text} ({loaded.file}). Add {key} to the schema, or correct x-saga."
    if at is not None:
        return Problem(message, saga.flow, at, step=step)
    line, col = res.loc(*loaded.path)
    return Problem(message, saga.flow, step=step, file=res.file, line=line, column=col, ref=saga.flow.ref)


def has_field(schema: object, dotted: str) -> bool | None:
    """Whether the JSON schema declares the (dotted) field in its ``properties`` (through local
    ``$ref``s and ``allOf``/``anyOf``/``oneOf``); None when it cannot tell (an external ``$ref``)."""
    node = schema
    for part in dotted.split("."):
        found = _property(schema, node, part, depth=0)
        if found is _UNKNOWN:
            return None
        if found is None:
            return False
        node = found
    return True


def _property(root: object, node: object, name: str, depth: int) -> object:
    """The sub-schema of property ``name``: None when absent, ``_UNKNOWN`` when it cannot be told."""
    if depth > 20 or not isinstance(node, dict):
        return _UNKNOWN if depth > 20 else None
    ref = node.get("$ref")
    if isinstance(ref, str):
        target = _local(root, ref)
        if target is _UNKNOWN:
            return _UNKNOWN
        found = _property(root, target, name, depth + 1)
        if found is not None:
            return found
    props = node.get("properties")
    if isinstance(props, dict) and name in props:
        return props[name]
    unknown = False
    for combiner in ("allOf", "anyOf", "oneOf"):
        parts = node.get(combiner)
        for part in parts if isinstance(parts, list) else []:
            found = _property(root, part, name, depth + 1)
            if found is _UNKNOWN:
                unknown = True
            elif found is not None:
                return found
    return _UNKNOWN if unknown else None


def _local(root: object, ref: str) -> object:
    """A ``#/...`` pointer inside the same document; ``_UNKNOWN`` for anything else."""
    if not ref.startswith("#"):
        return _UNKNOWN
    node = root
    for part in (p.replace("~1", "/").replace("~0", "~") for p in ref[1:].split("/") if p):
        if not isinstance(node, dict) or part not in node:
            return _UNKNOWN
        node = node[part]
    return node
