"""``saga/*``: the saga review, one rule per question a reviewer asks of every step.

Each rule reads the saga model (``saga_lint.saga``). Evidence levels decide severity: a missing
attribute is reported at the rule's severity (error by default); an attribute documented only in
prose (labelled edges, Compensation nodes, docs pages, ``triggers``) one level lower ("documented,
not checkable: declare it in x-saga"). Every finding names the flow as its resource and the step.
"""

from __future__ import annotations

import json
from pathlib import Path

from saga_lint.catalog.refs import format_path
from saga_lint.rules import Problem, rule
from saga_lint.saga.build import FAILURE_WORDS
from saga_lint.saga.model import format_duration


def _at(saga, step, message, path=None, demote=False, evidence=None):
    """A Problem about a step of a saga, placed at the evidence, the x-saga key, or the flow step."""
    flow = saga.flow
    if evidence is not None and evidence.file and evidence.file != flow.file:
        return Problem(message, flow, step=step.id if step else None, file=evidence.file, line=evidence.line,
                       column=evidence.column, ref=flow.ref, demote=demote)
    if path is None:
        if evidence is not None and evidence.line:
            return Problem(message, flow, step=step.id if step else None, line=evidence.line, column=evidence.column,
                           demote=demote)
        path = ("steps", step.index) if step else ("id",)
    return Problem(message, flow, path, step=step.id if step else None, demote=demote)


def _lookup(ctx, types, rid):
    if not rid:
        return None
    status, res = ctx.catalog.lookup(types, rid)
    return res


def _ids(resources) -> set:
    return {r.id for r in resources}


def _prose(step, attr, hint):
    ev = step.evidence[attr]
    return f"step {step.id}: {attr} is documented only in prose ({ev.note}), not checkable: declare {hint} in x-saga"


def _schema_path() -> Path:
    return Path(__file__).resolve().parent.parent / "saga" / "x-saga.schema.json"


@rule("saga/schema", "error")
def schema(ctx):
    """The ``x-saga`` block does not match its JSON Schema, or names steps the flow does not have.

    What it checks: the flow's ``x-saga`` block against saga-lint's published JSON Schema
    (``saga_lint/saga/x-saga.schema.json``: field names, types, enums, durations such as ``200ms``),
    and that every key of ``x-saga.steps`` is the id of a step of the flow.
    Why: a misspelt field (``retries`` for ``retry``) silently disables the check it was meant for.
    Example that fails:
        x-saga:
          steps:
            reserve_inventory: {retries: 3}
    Fix: use the documented field names (see docs/saga.md); point editors at the schema for completion.
    """
    if not any(saga.structured for saga in ctx.sagas):
        return  # nothing to validate: spare the jsonschema import and validator
    import jsonschema

    validator_cls = jsonschema.validators.validator_for({"$schema": "https://json-schema.org/draft/2020-12/schema"})
    schema_doc = json.loads(_schema_path().read_text("utf-8"))
    validator = validator_cls(schema_doc)
    for saga in ctx.sagas:
        if not saga.structured:
            continue
        flow = saga.flow
        for err in sorted(validator.iter_errors(saga.x), key=lambda e: list(map(str, e.absolute_path))):
            path = ("x-saga",) + tuple(err.absolute_path)
            step = str(err.absolute_path[1]) if len(err.absolute_path) > 1 and err.absolute_path[0] == "steps" else None
            msg = err.message if len(err.message) < 200 else err.message[:200] + "..."
            yield Problem(f"{format_path(path)}: {msg}. See the x-saga schema (docs/saga.md).", flow, path, step=step)
        steps = saga.x.get("steps")
        flow_ids = {str(s.get("id")) for s in flow.data.get("steps") or [] if isinstance(s, dict)} if isinstance(flow.data.get("steps"), list) else set()
        if isinstance(steps, dict):
            for key in steps:
                if str(key) not in flow_ids:
                    yield Problem(
                        f'x-saga.steps names "{key}", which is no step of this flow; use the id of a flow step.',
                        flow, ("x-saga", "steps", key), step=str(key),
                    )


@rule("saga/step-owner", "error")
def step_owner(ctx):
    """A saga step has no clear owner.

    What it checks: each step has an owning team or user: ``x-saga.steps.<id>.owner``, else the
    owners of the one service that receives the step's command; the owner exists; exactly one
    service receives the command (a command has one handler).
    Why: a step nobody owns is a step nobody fixes at 3 a.m.; two handlers for one command
    means the saga's effect happens twice or on the wrong side.
    Example that fails: ``reserve-inventory`` received by both inventory-service and warehouse-service.
    Fix: keep one receiver, or set ``owner`` in x-saga and remove the extra ``receives``.
    """
    for saga in ctx.sagas:
        for step in saga.steps:
            ev = step.evidence["owner"]
            if step.command is None and step.command_id:
                pass  # the unresolved command is refs/resource-exists' finding
            if len(step.receivers) > 1:
                names = ", ".join(sorted(r.id for r in step.receivers))
                yield _at(saga, step, f"step {step.id}: {len(step.receivers)} services receive {step.command_id} ({names}); "
                          "a command has exactly one handler. Remove the extra receives.")
            elif step.command is not None and not step.receivers:
                yield _at(saga, step, f"step {step.id}: no service receives {step.command_id}, so the step has no participant "
                          "and no owner. Add it to the participant's receives.")
            if ev.level == "missing" and step.receivers and len(step.receivers) == 1:
                yield _at(saga, step, f"step {step.id}: no owner ({ev.note}). Add owners to {step.receivers[0].id} or set owner in x-saga.",
                          evidence=ev)
            elif ev.level == "missing" and step.command is None:
                yield _at(saga, step, f"step {step.id}: no owner: the step's command is not a contract in the catalog. "
                          "Add the command page, or set owner in x-saga.")
            elif ev.level == "prose":
                yield _at(saga, step, _prose(step, "owner", "owner"), demote=True, evidence=ev)
            if ev.level == "structured" and step.x.get("owner") is not None:
                for oid in step.owners:
                    if _lookup(ctx, ("team", "user"), oid) is None:
                        yield _at(saga, step, f'step {step.id}: owner "{oid}" is no team or user of the catalog. Add teams/{oid}.mdx or correct the id.',
                                  path=step.x_path + ("owner",))


def _check_reply(ctx, saga, step, event_id, what, path, evidence=None):
    ev_res = _lookup(ctx, ("event",), event_id)
    if ev_res is None:
        other = _lookup(ctx, ("command", "query"), event_id)
        kind = f"a {other.type}, not an event" if other else "not an event contract in the catalog"
        yield _at(saga, step, f'step {step.id}: {what} "{event_id}" is {kind}. Add events/{event_id}/index.mdx with its schema.',
                  path=path, evidence=evidence)
        return
    p = step.participant
    if p is not None and event_id not in _ids(ctx.graph.sends(p)):
        yield _at(saga, step, f'step {step.id}: {what} "{event_id}" is not sent by the participant {p.id}. Add it to {p.id}\'s sends.',
                  path=path, evidence=evidence)


@rule("saga/success-condition", "error")
def success_condition(ctx):
    """A saga step has no success condition, or its success event is not a real contract.

    What it checks: ``success`` names the reply event that means the step succeeded; the event
    is an event contract in the catalog; the participant (the service receiving the command)
    sends it. (That the orchestrator receives it is ``saga/orchestrator``.)
    Why: without a success reply the orchestrator cannot know when to move on, and a reply that
    is not a contract can change shape under it.
    Example that fails:
        x-saga: {steps: {reserve_inventory: {success: inventory-reserved}}}   # nobody sends it
    Fix: add ``inventory-reserved`` to inventory-service's ``sends``.
    """
    for saga in ctx.sagas:
        for step in saga.steps:
            ev = step.evidence["success"]
            if ev.level == "missing":
                yield _at(saga, step, f"step {step.id}: no success condition: name the reply event that means success "
                          "(x-saga success), sent by the participant.", evidence=ev)
                continue
            if ev.level == "prose":
                hint = f"success: {step.success}" if step.success else "success: <reply event>"
                yield _at(saga, step, _prose(step, "success", hint), demote=True, evidence=ev)
            if step.success:
                path = step.x_path + ("success",) if ev.level == "structured" else None
                yield from _check_reply(ctx, saga, step, step.success, "success event", path, None if path else ev)


@rule("saga/failure-condition", "error")
def failure_condition(ctx):
    """A saga step has no failure condition, a failure that is not a contract, or a failure path
    that skips compensation.

    What it checks: ``failures`` lists business failures (reply events) and/or technical ones
    (``error: timeout|error``); each failure event is an event contract sent by the participant;
    in the flow drawing, an edge labelled as a failure ("Declined", "Out of stock", "Failed")
    from a step after a compensatable step leads to a Compensation node.
    Why: a failure nobody declared is a failure nobody handles; a failure path that does not
    compensate leaves a reservation or a payment hold behind.
    Example that fails:
        - id: authorize_payment
          next_steps:
            - {id: create_order, label: Authorized}
            - {id: checkout_failed, label: Declined}     # an end, not the Compensation node
    Fix: route the failure to the Compensation node; declare the failures in x-saga.
    """
    for saga in ctx.sagas:
        flow_steps = {str(s.get("id")): s for s in flow_steps_of(saga)}
        completed_compensatable = []
        for step in saga.steps:
            ev = step.evidence["failure"]
            if ev.level == "missing":
                nxt = "what happens if it fails after the earlier steps succeeded" if completed_compensatable else "what happens if it fails"
                yield _at(saga, step, f"step {step.id}: no failure condition: nothing says {nxt}. Declare failures in x-saga "
                          "(business failure events and technical errors) and draw the failure path to compensation.", evidence=ev)
            elif ev.level == "prose":
                yield _at(saga, step, _prose(step, "failure", "failures: [{event: ...}, {error: timeout}]"), demote=True, evidence=ev)
            for f in step.failures:
                if f.event is None and f.error is None and ev.level == "structured":
                    yield _at(saga, step, f"step {step.id}: a failure names neither an event nor an error (timeout|error).", path=f.path)
                if f.event and (ev.level == "structured" or _lookup(ctx, ("event", "command", "query"), f.event) is not None):
                    yield from _check_reply(ctx, saga, step, f.event, "failure event", f.path or None, None if f.path else ev)
            if completed_compensatable:
                for label, target in step.success_edges:
                    tstep = flow_steps.get(target)
                    if label and FAILURE_WORDS.search(label) and not _reaches_compensation(saga, target, flow_steps):
                        names = ", ".join(s.id for s in completed_compensatable)
                        yield _at(saga, step, f'step {step.id}: the failure path "{label}" goes to {target} without compensation, '
                                  f"leaving {names} uncompensated. Route it to the Compensation node.")
                        _ = tstep
            if step.type == "compensatable":
                completed_compensatable.append(step)


def flow_steps_of(saga):
    steps = saga.flow.data.get("steps")
    return [s for s in steps if isinstance(s, dict)] if isinstance(steps, list) else []


def _reaches_compensation(saga, start, flow_steps) -> bool:
    from saga_lint.graph import next_steps

    seen, stack = set(), [start]
    while stack:
        sid = stack.pop()
        if sid in seen:
            continue
        seen.add(sid)
        if sid in saga.compensation_nodes:
            return True
        s = flow_steps.get(sid)
        if s is not None:
            stack.extend(t for t, _ in next_steps(s))
    return False


def _retry_sanity(policy, raw, what):
    out = []
    if not isinstance(raw, dict):
        return [f"{what} must be a mapping (maxAttempts, initialInterval, backoffCoefficient, maxInterval, timeout)"]
    if policy.max_attempts is None:
        out.append(f"{what} has no maxAttempts (an integer >= 1; 1 means no retry)")
    elif policy.max_attempts < 1:
        out.append(f"{what} maxAttempts is {policy.max_attempts}; it must be >= 1 (1 means no retry)")
    if "backoffCoefficient" in raw and (policy.backoff_coefficient is None or policy.backoff_coefficient < 1):
        out.append(f"{what} backoffCoefficient is {raw.get('backoffCoefficient')!r}; it must be a number >= 1")
    for key in ("initialInterval", "maxInterval", "timeout"):
        if key in raw and getattr(policy, {"initialInterval": "initial_interval", "maxInterval": "max_interval", "timeout": "timeout"}[key]) is None:
            out.append(f"{what} {key} {raw.get(key)!r} is not a duration (e.g. 200ms, 2s, 5m)")
    if policy.max_interval is not None and policy.initial_interval is not None and policy.max_interval < policy.initial_interval:
        out.append(f"{what} maxInterval {format_duration(policy.max_interval)} is below initialInterval {format_duration(policy.initial_interval)}")
    if "timeout" not in raw:
        out.append(f"{what} has no per-attempt timeout; without one a hung participant blocks the saga forever")
    return out


@rule("saga/retry-policy", "error")
def retry_policy(ctx):
    """A saga step that calls a participant has no retry policy, an insane one, or one that
    cannot finish in time.

    What it checks: every step has ``retry`` with ``maxAttempts >= 1``, ``backoffCoefficient >= 1``,
    ``maxInterval >= initialInterval`` and a per-attempt ``timeout``; the worst case (every
    attempt times out, plus the backoff waits ``initialInterval * coefficient^k`` capped at
    ``maxInterval``) fits the saga ``deadline`` and the ``timeout`` of the non-terminal status the
    customer sees meanwhile. Compensation retry policies get the same sanity checks.
    Why: a technical failure (timeout, 503) is normal in a distributed system; without a policy
    it is either never retried or retried forever, and a schedule longer than the customer's
    status timeout shows "We're confirming your order" long after it stopped being true.
    Example that fails:
        retry: {maxAttempts: 5, initialInterval: 1s, backoffCoefficient: 2, maxInterval: 30s, timeout: 5s}
        # worst case 25s + 1+2+4+8 = 40s > deadline 30s
    Fix: fewer attempts, shorter timeouts, or a longer deadline.
    """
    for saga in ctx.sagas:
        for step in saga.steps:
            ev = step.evidence["retry"]
            if ev.level == "missing":
                yield _at(saga, step, f"step {step.id}: no retry policy for technical failures of {step.command_id or 'the call'}. "
                          "Declare retry: {maxAttempts, initialInterval, backoffCoefficient, maxInterval, timeout} in x-saga.", evidence=ev)
                continue
            if ev.level == "prose":
                yield _at(saga, step, _prose(step, "retry", "retry"), demote=True, evidence=ev)
                continue
            path = step.x_path + ("retry",)
            raw = step.x.get("retry")
            if step.retry is None:
                yield _at(saga, step, f"step {step.id}: retry must be a mapping (maxAttempts, initialInterval, backoffCoefficient, maxInterval, timeout).", path=path)
                continue
            for msg in _retry_sanity(step.retry, raw, "retry"):
                yield _at(saga, step, f"step {step.id}: {msg}.", path=path)
            worst = step.retry.worst_case()
            if worst is None:
                continue
            if saga.deadline is not None and worst > saga.deadline:
                yield _at(saga, step, f"step {step.id}: worst-case retry time {format_duration(worst)} "
                          f"({step.retry.max_attempts} attempts x {format_duration(step.retry.timeout)} + waits "
                          f"{'+'.join(format_duration(w) for w in step.retry.backoff_schedule()) or '0'}) exceeds the saga deadline "
                          f"{format_duration(saga.deadline)}. Reduce attempts or timeouts, or raise the deadline.", path=path)
            st = saga.statuses.get(step.status) if step.status else None
            if isinstance(st, dict) and not st.get("terminal"):
                from saga_lint.saga.model import parse_duration

                limit = parse_duration(st.get("timeout")) if st.get("timeout") is not None else None
                if limit is not None and worst > limit:
                    yield _at(saga, step, f"step {step.id}: worst-case retry time {format_duration(worst)} exceeds the "
                              f"{format_duration(limit)} timeout of status {step.status}, which the customer sees meanwhile. "
                              "Shorten the retries or raise the status timeout.", path=path)
        for step in saga.steps:
            if step.compensation_retry is not None:
                raw = step.x.get("compensation", {}).get("retry")
                for msg in _retry_sanity(step.compensation_retry, raw, "compensation retry"):
                    yield _at(saga, step, f"step {step.id}: {msg}.", path=step.x_path + ("compensation", "retry"))


@rule("saga/compensation", "error")
def compensation(ctx):
    """A compensatable step cannot be undone, or its undo is not a real, sendable contract.

    What it checks: every compensatable step (every step before the pivot) has a compensation:
    a command contract in the catalog, sent by the orchestrator, received by the participant,
    with its own retry policy; ``compensation: none`` only with a ``compensationNote`` and only
    on a pivot or retriable step.
    Why: when a later step fails, the orchestrator undoes the completed steps in reverse order.
    An undo that is not a contract, or that nobody sends, leaves a reservation or a payment hold
    behind; an undo without retries gives up on the first timeout.
    Example that fails:
        compensation: {command: release-inventory}     # no retry; the orchestrator does not send it
    Fix: add ``release-inventory`` to the orchestrator's ``sends`` and give it ``retry``.
    """
    for saga in ctx.sagas:
        orch = saga.orchestrator
        for step in saga.steps:
            ev = step.evidence["compensation"]
            comp = step.compensation
            declared_type = step.type if not step.type_inferred else None
            if ev.level == "missing":
                if step.type == "compensatable":
                    yield _at(saga, step, f"step {step.id}: compensatable step without compensation: when a later step fails, "
                              f"nothing undoes {step.command_id}. Declare compensation: {{command: <undo command>, retry: ...}}.", evidence=ev)
                elif step.type in ("pivot", "retriable") and not step.type_inferred:
                    yield _at(saga, step, f"step {step.id}: a {step.type} step has nothing to undo, but x-saga does not say so. "
                              "Declare compensation: none with a compensationNote.", demote=True, path=step.x_path or None)
                elif step.type == "pivot" and step.type_inferred:
                    yield _at(saga, step, f"step {step.id}: taken as the pivot (the last step), so it has nothing to undo, but the catalog "
                              "does not say so. Declare type: pivot and compensation: none with a compensationNote in x-saga.",
                              demote=True, evidence=ev)
                continue
            if ev.level == "prose":
                if comp is not None:
                    hint = f"compensation: {{command: {comp}, retry: ...}}"
                    yield _at(saga, step, _prose(step, "compensation", hint), demote=True, evidence=ev)
                else:
                    p = step.participant
                    who = f"received by {p.id}" if p else "received by the participant"
                    yield _at(saga, step, f"step {step.id}: the compensation is described in prose ({ev.note}) but is no command contract. "
                              f"Add the undo command's page, {who} and sent by {saga.orchestrator_id or 'the orchestrator'}.", evidence=ev)
                    continue
            path = step.x_path + ("compensation",) if ev.level == "structured" else None
            where = dict(path=path) if path else dict(evidence=ev)
            if comp == "none":
                if not step.compensation_note:
                    yield _at(saga, step, f"step {step.id}: compensation: none needs a compensationNote saying why nothing has to be undone.", **where)
                if declared_type == "compensatable":
                    yield _at(saga, step, f"step {step.id}: compensation: none on a compensatable step; declare the undo command, "
                              "or make the step the pivot or retriable.", **where)
                continue
            if comp is None:
                continue
            cmd = _lookup(ctx, ("command",), comp)
            if cmd is None:
                other = _lookup(ctx, ("event", "query"), comp)
                kind = f"a {other.type}, not a command" if other else "not a command contract in the catalog"
                yield _at(saga, step, f'step {step.id}: compensation "{comp}" is {kind}. Add commands/{comp}/index.mdx with its schema.', **where)
                continue
            senders = ctx.graph.senders_of(cmd)
            if orch is not None and cmd.id not in _ids(ctx.graph.sends(orch)):
                nobody = " Nobody sends it." if not senders else f" It is sent by {', '.join(sorted(_ids(senders)))}."
                yield _at(saga, step, f'step {step.id}: compensation "{comp}" is not sent by the orchestrator {orch.id}.{nobody} '
                          f"Add it to {orch.id}'s sends.", **where)
            elif orch is None and not senders:
                yield _at(saga, step, f'step {step.id}: compensation "{comp}" is sent by nobody. Add it to the orchestrator\'s sends.', **where)
            p = step.participant
            if p is not None and cmd.id not in _ids(ctx.graph.receives(p)):
                yield _at(saga, step, f'step {step.id}: compensation "{comp}" is not received by the participant {p.id}. '
                          f"Add it to {p.id}'s receives.", **where)
            if ev.level == "structured" and step.compensation_retry is None:
                yield _at(saga, step, f'step {step.id}: compensation "{comp}" has no retry policy; a compensation must eventually '
                          "succeed. Add compensation.retry.", **where)


@rule("saga/customer-status", "error")
def customer_status(ctx):
    """What the customer sees is undeclared, unknown, or never final.

    What it checks: every step and every failure (business or technical) has a ``status``; each
    status used is declared in ``statuses`` with a ``text``; ``onSuccess``, each failure status and
    ``onCompensationFailure`` are terminal statuses; every non-terminal status has a ``timeout``.
    Why: the customer-visible status is the saga's promise to a person. A status that is never
    final leaves "We're confirming your order" on screen forever; a silent compensation failure
    leaves money held with no word.
    Example that fails:
        statuses: {PROCESSING: {text: "Confirming", terminal: false}}   # no timeout
    Fix: ``PROCESSING: {text: "We're confirming your order", terminal: false, timeout: 30s}``.
    """
    for saga in ctx.sagas:
        flow = saga.flow
        used = []
        for step in saga.steps:
            ev = step.evidence["status"]
            if ev.level == "missing":
                yield _at(saga, step, f"step {step.id}: no customer-visible status while it runs. Declare status in x-saga "
                          "(a name from statuses).", evidence=ev)
            elif ev.level == "prose":
                yield _at(saga, step, _prose(step, "status", "status"), demote=True, evidence=ev)
            elif step.status:
                used.append((step, step.status, step.x_path + ("status",), False))
            if saga.structured:
                for f in step.failures:
                    if not f.status:
                        yield _at(saga, step, f"step {step.id}: failure {f.label} has no status: say what the customer sees when it happens.",
                                  path=f.path or None)
                    else:
                        used.append((step, f.status, f.path + ("status",), True))
        if not saga.structured:
            yield Problem("no customer-visible status is declared for success or for a compensation that never succeeds. "
                          "Declare statuses, onSuccess and onCompensationFailure in x-saga.", flow, ("id",))
            continue
        for key, value in (("onSuccess", saga.on_success), ("onCompensationFailure", saga.on_compensation_failure)):
            if not value:
                yield Problem(f"x-saga.{key} is missing: declare the terminal status the customer sees "
                              f"{'when the saga succeeds' if key == 'onSuccess' else 'when a compensation never succeeds'}.",
                              flow, ("x-saga",))
            else:
                used.append((None, value, ("x-saga", key, "status"), True))
        for step, name, path, must_be_terminal in used:
            st = saga.statuses.get(name)
            if st is None:
                known = ", ".join(saga.statuses) or "none"
                yield Problem(f'status "{name}" is not declared in x-saga.statuses (declared: {known}).', flow, path,
                              step=step.id if step else None)
                continue
            if must_be_terminal and not st.get("terminal"):
                yield Problem(f'status "{name}" ends a path of the saga but is not terminal; the customer would wait forever. '
                              "Use a terminal status.", flow, path, step=step.id if step else None)
        for name, st in saga.statuses.items():
            if not isinstance(st.get("text"), str) or not st.get("text").strip():
                yield Problem(f'status "{name}" has no text: write what the customer reads.', flow, ("x-saga", "statuses", name))
            if not st.get("terminal") and st.get("timeout") is None:
                yield Problem(f'non-terminal status "{name}" has no timeout: say how long the customer may see it.',
                              flow, ("x-saga", "statuses", name))


@rule("saga/pivot", "error")
def pivot(ctx):
    """The saga has no single pivot, or steps on the wrong side of it.

    What it checks: exactly one step is ``type: pivot``; no compensatable step comes after it;
    no step after it has business failures (after the pivot the saga can only go forward, so
    those steps must be retriable until they succeed).
    Why: the pivot is the point of no return (Garcia-Molina and Salem; Richardson's
    compensatable / pivot / retriable steps). A compensatable step after it, or a step that can
    fail for business reasons, can leave the saga half done with nothing left to undo it.
    Example that fails:
        create_order: {type: pivot}
        send_confirmation: {type: compensatable}    # after the pivot
    Fix: move the step before the pivot, or make it retriable with no business failures.
    """
    for saga in ctx.sagas:
        flow = saga.flow
        if not saga.steps:
            continue
        if all(s.type_inferred for s in saga.steps):
            last = saga.steps[-1]
            yield Problem(f"no pivot declared; {last.id} (the last step) is taken as the pivot. Declare each step's type "
                          "(compensatable, pivot, retriable) in x-saga.", flow, ("steps", last.index), step=last.id, demote=True)
            continue
        pivots = saga.pivots
        if len(pivots) != 1:
            where = ("x-saga", "steps")
            names = ", ".join(p.id for p in pivots) or "none"
            yield Problem(f"the saga must have exactly one pivot step; it has {len(pivots)} ({names}). Mark the point of no return "
                          "as type: pivot and the others compensatable or retriable.", flow, where,
                          step=pivots[1].id if len(pivots) > 1 else None)
        if not pivots:
            continue
        p = pivots[0]
        for step in saga.steps:
            if step.index <= p.index:
                continue
            if step.type == "compensatable":
                yield Problem(f"step {step.id} is compensatable but comes after the pivot {p.id}; after the pivot the saga only moves "
                              "forward. Move it before the pivot or make it retriable.", flow, step.x_path + ("type",) if step.x_path else ("steps", step.index), step=step.id)
            if step.business_failures:
                names = ", ".join(f.label for f in step.business_failures)
                yield Problem(f"step {step.id} comes after the pivot {p.id} but can fail for business reasons ({names}); it must be "
                              "retriable until it succeeds. Remove the business failures or move the step before the pivot.",
                              flow, step.x_path + ("failures",) if step.x_path else ("steps", step.index), step=step.id)


@rule("saga/outcome", "error")
def outcome(ctx):
    """The saga's durable outcome is undeclared, or not produced by the pivot's participant.

    What it checks: ``x-saga.outcome`` names the container where success is recorded and the
    event published with it (transactional outbox); the event is sent by the pivot's
    participant and the container is written by it.
    Why: "the saga succeeded" must be a fact in a database and an event others can rely on,
    written together; otherwise an order can exist that nobody hears of, or the reverse.
    Example that fails:
        outcome: {container: order-database, event: order-created}   # order-service does not write order-database
    Fix: add ``writesTo: [{id: order-database}]`` and ``sends: [{id: order-created}]`` to the pivot's service.
    """
    for saga in ctx.sagas:
        flow = saga.flow
        ev = saga.outcome_evidence
        if ev is None:
            continue
        if ev.level == "missing":
            yield Problem("no durable outcome: declare x-saga.outcome {container, event}: where success is recorded and the "
                          "event published with it.", flow, ("id",))
            continue
        if ev.level == "prose":
            yield Problem(f"the durable outcome is documented only in prose ({ev.note}), not checkable: declare "
                          "x-saga.outcome {container, event}.", flow, file=ev.file, line=ev.line, column=ev.column, ref=flow.ref, demote=True)
        pivots = saga.pivots or saga.steps[-1:]
        participant = pivots[0].participant if pivots else None
        event_id, container_id = saga.outcome.get("event"), saga.outcome.get("container")
        place = dict(path=("x-saga", "outcome")) if ev.level == "structured" else dict(file=ev.file, line=ev.line, column=ev.column, ref=flow.ref)
        if event_id:
            e = _lookup(ctx, ("event",), event_id)
            if e is None:
                yield Problem(f'outcome event "{event_id}" is not an event contract in the catalog.', flow, **place)
            elif participant is not None and e.id not in _ids(ctx.graph.sends(participant)):
                yield Problem(f'outcome event "{event_id}" is not sent by {participant.id}, the pivot\'s participant. '
                              f"Add it to {participant.id}'s sends.", flow, **place)
        elif ev.level == "structured":
            yield Problem("x-saga.outcome has no event: name the event published with the outcome (outbox).", flow, **place)
        if container_id:
            c = _lookup(ctx, ("container",), container_id)
            if c is None:
                yield Problem(f'outcome container "{container_id}" is not a container in the catalog.', flow, **place)
            elif participant is not None and c.id not in _ids(ctx.graph.writes_to(participant)):
                yield Problem(f'outcome container "{container_id}" is not written by {participant.id}, the pivot\'s participant. '
                              f"Add it to {participant.id}'s writesTo.", flow, **place)
        elif ev.level == "structured":
            yield Problem("x-saga.outcome has no container: name where the outcome is recorded.", flow, **place)


@rule("saga/orchestrator", "error")
def orchestrator(ctx):
    """The orchestrator does not send a step's command or does not receive its replies.

    What it checks: the orchestrator (``x-saga.orchestrator``, else the service that sends every
    step command) exists; it ``sends`` each step's command and ``receives`` each step's success
    and failure reply events.
    Why: the catalog's relations are the contract between teams; an orchestrator that does not
    declare the replies it waits for will not be told when their shape changes.
    Example that fails: checkout-orchestrator sends reserve-inventory but has no ``receives`` for
    inventory-reserved.
    Fix: add the replies to the orchestrator's ``receives``.
    """
    for saga in ctx.sagas:
        flow = saga.flow
        ev = saga.orchestrator_evidence
        orch = saga.orchestrator
        if orch is None:
            if saga.orchestrator_id:
                yield Problem(f'orchestrator "{saga.orchestrator_id}" is no service of the catalog.', flow, ("x-saga", "orchestrator"))
            else:
                yield Problem("no orchestrator: no service sends every step command. Declare x-saga.orchestrator and add the "
                              "commands to its sends.", flow, ("steps",))
            continue
        if ev is not None and ev.level == "prose":
            yield Problem(f"orchestrator {orch.id} is only drawn in the flow ({ev.note}). Declare x-saga.orchestrator.",
                          flow, file=ev.file, line=ev.line, column=ev.column, ref=flow.ref, demote=True)
        sends = _ids(ctx.graph.sends(orch))
        receives = _ids(ctx.graph.receives(orch))
        for step in saga.steps:
            if step.command is not None and step.command.id not in sends:
                yield _at(saga, step, f"step {step.id}: the orchestrator {orch.id} does not send {step.command_id}. Add it to {orch.id}'s sends.")
            replies = ([step.success] if step.success else []) + [f.event for f in step.failures if f.event]
            missing = [r for r in replies if r not in receives and _lookup(ctx, ("event",), r) is not None]
            if missing:
                yield _at(saga, step, f"step {step.id}: the orchestrator {orch.id} does not receive the {'reply' if len(missing) == 1 else 'replies'} {', '.join(missing)}. "
                          f"Add {'it' if len(missing) == 1 else 'them'} to {orch.id}'s receives.")


@rule("saga/docs-drift", "warning")
def docs_drift(ctx):
    """A docs page's "Saga steps" table disagrees with the flow.

    What it checks: the table under a "Saga steps" heading of a docs page about the flow (one
    that links ``[[flow|id]]`` or embeds ``<Flow id>``) lists exactly the saga's steps; its
    contract column names each step's command; its owner column names the step's owner team,
    its participant service, or the system that contains it.
    Why: reviewers read the docs page; when it drifts from the flow, the review approves a saga
    that is not the one that runs.
    Example that fails: the table lists "Reserve inventory | [[command|reserve-stock]]" while the
    flow's step sends reserve-inventory.
    Fix: update the table (or the flow) so they agree.
    """
    for saga in ctx.sagas:
        if not saga.docs_table:
            continue
        page, table = saga.docs_table
        from saga_lint.saga.build import _cell_ids, _column, _docs_row

        contract_col = _column(table, "contract", "command", "message")
        owner_col = _column(table, "owner", "owners", "team")
        matched_lines = set()
        for step in saga.steps:
            row = _docs_row(table, step)
            if row is None:
                yield Problem(f'step {step.id} ({step.command_id}) is missing from the "Saga steps" table. Add a row for it.',
                              saga.flow, step=step.id, file=page.file, line=table.line, column=1, ref=saga.flow.ref)
                continue
            line, cells = row
            matched_lines.add(line)
            if contract_col is not None and contract_col < len(cells) and step.command_id:
                ids = _cell_ids(cells[contract_col])
                if step.command_id not in ids:
                    yield Problem(f'the "Saga steps" table gives {", ".join(ids) or "nothing"} as the contract of {step.id}; '
                                  f"the flow sends {step.command_id}.", saga.flow, step=step.id, file=page.file, line=line, column=1,
                                  ref=saga.flow.ref)
            if owner_col is not None and owner_col < len(cells) and cells[owner_col].strip():
                named = _cell_ids(cells[owner_col])
                ok_names = set(step.owners)
                p = step.participant
                if p is not None:
                    ok_names.add(p.id)
                    for container, kind in ctx.graph.referrers(p):
                        if kind == "contains":
                            ok_names.add(container.id)
                    for folder in ctx.catalog.enclosing_folders(p):
                        for r in ctx.catalog.resources:
                            if r.folder == folder and r.type in ("system", "domain"):
                                ok_names.add(r.id)
                bad = [n for n in named if n not in ok_names]
                if bad and ok_names:
                    yield Problem(f'the "Saga steps" table names {", ".join(bad)} as owner of {step.id}; the catalog says '
                                  f"{', '.join(sorted(ok_names))}.", saga.flow, step=step.id, file=page.file, line=line,
                                  column=1, ref=saga.flow.ref)
        for line, cells in table.rows:
            if line not in matched_lines:
                yield Problem(f'the "Saga steps" table lists "{cells[0] if cells else "?"}", which is no step of the saga. '
                              "Remove the row or add the step to the flow.", saga.flow, file=page.file, line=line, column=1,
                              ref=saga.flow.ref)
