"""``saga/retry-policy``: every step's retry policy is sane and fits the deadline and status timeout."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from saga_lint.rules import Problem, rule
from saga_lint.rules.saga.common import at, prose
from saga_lint.saga.model import format_duration, parse_duration

if TYPE_CHECKING:
    from saga_lint.rules import Context
    from saga_lint.saga.model import RetryPolicy, Saga, SagaStep

_DURATION_FIELDS = {"initialInterval": "initial_interval", "maxInterval": "max_interval", "timeout": "timeout"}


def retry_sanity(policy: RetryPolicy, raw: object, what: str) -> list[str]:
    """What is wrong with a retry policy's values, one sentence each (``what`` names the policy)."""
    out = []
    if not isinstance(raw, dict):
        return [f"{what} must be a mapping (maxAttempts, initialInterval, backoffCoefficient, maxInterval, timeout)"]
    if policy.max_attempts is None:
        out.append(f"{what} has no maxAttempts (an integer >= 1; 1 means no retry)")
    elif policy.max_attempts < 1:
        out.append(f"{what} maxAttempts is {policy.max_attempts}; it must be >= 1 (1 means no retry)")
    if "backoffCoefficient" in raw and (policy.backoff_coefficient is None or policy.backoff_coefficient < 1):
        out.append(f"{what} backoffCoefficient is {raw.get('backoffCoefficient')!r}; it must be a number >= 1")
    for key, attr in _DURATION_FIELDS.items():
        if key in raw and getattr(policy, attr) is None:
            out.append(f"{what} {key} {raw.get(key)!r} is not a duration (e.g. 200ms, 2s, 5m)")
    if policy.max_interval is not None and policy.initial_interval is not None and policy.max_interval < policy.initial_interval:
        out.append(f"{what} maxInterval {format_duration(policy.max_interval)} is below initialInterval "
                   f"{format_duration(policy.initial_interval)}")
    if "timeout" not in raw:
        out.append(f"{what} has no per-attempt timeout; without one a hung participant blocks the saga forever")
    return out


@rule("saga/retry-policy", "error")
def retry_policy(ctx: Context) -> Iterator[Problem]:
    """A saga step that calls a participant has no retry policy, an insane one, or one that
    cannot finish in time.

    What it checks: every step has ``retry`` with ``maxAttempts >= 1``, ``backoffCoefficient >= 1``,
    ``maxInterval >= initialInterval`` and a per-attempt ``timeout``; the worst case (every
    attempt times out, plus the backoff waits ``initialInterval * coefficient^k`` capped at
    ``maxInterval``) fits the saga ``deadline`` and the ``timeout`` of the non-terminal status the
    customer sees meanwhile; and the whole saga's worst case fits the ``deadline``: the steps one
    after another with every retry used, and, when a step up to the pivot fails for good, the
    compensations of the compensatable steps before it with theirs (one finding, at ``deadline``,
    unless one step alone exceeds it). Compensation retry policies get the same sanity checks. A
    retriable step after the pivot must be retried until it succeeds (the saga can no longer be
    undone), so its finite ``maxAttempts`` needs its technical failures to end in the
    ``onCompensationFailure`` status, the one that must reach a person (as for a compensation that
    never succeeds); a failure branch drawn after it is no such declaration (``saga/failure-condition``
    asks a failure path to compensate).
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
            yield from _step_retry(saga, step)
        yield from _saga_in_time(saga)
        for step in saga.steps:
            if step.compensation_retry is not None:
                comp = step.x.get("compensation", {})
                raw = comp.get("retry") if isinstance(comp, dict) else None
                for msg in retry_sanity(step.compensation_retry, raw, "compensation retry"):
                    yield at(saga, step, f"step {step.id}: {msg}.", path=step.x_at("compensation", "retry"))


def _step_retry(saga: Saga, step: SagaStep) -> Iterator[Problem]:
    """The step's own retry policy: present, sane, and in time."""
    ev = step.evidence["retry"]
    if ev.level == "missing":
        if step.trigger_kind == "event":  # a choreographed step: the consumer's redelivery policy
            consumer = step.participant.id if step.participant is not None else "its consumer"
            yield at(saga, step, f"step {step.id}: no redelivery policy for {consumer} consuming {step.trigger or 'its trigger'} "
                     "(how often a failed or timed-out handling is retried before it goes to a dead-letter queue). "
                     "Declare retry: {maxAttempts, initialInterval, backoffCoefficient, maxInterval, timeout} in x-saga.",
                     evidence=ev)
            return
        external = (f" (the external system {step.external} handles it: it can be slow or down, so each attempt needs a timeout)"
                    if step.external else "")
        what = step.command_id or "the call"
        yield at(saga, step, f"step {step.id}: no retry policy for technical failures of {what}{external}. "
                 "Declare retry: {maxAttempts, initialInterval, backoffCoefficient, maxInterval, timeout} in x-saga.",
                 evidence=ev)
        return
    if ev.level == "prose":
        yield at(saga, step, prose(step, "retry", "retry"), demote=True, evidence=ev)
        return
    path = step.x_at("retry")
    if step.retry is None:
        yield at(saga, step, f"step {step.id}: retry must be a mapping (maxAttempts, initialInterval, backoffCoefficient, "
                 "maxInterval, timeout).", path=path)
        return
    for msg in retry_sanity(step.retry, step.x.get("retry"), "retry"):
        yield at(saga, step, f"step {step.id}: {msg}.", path=path)
    yield from _in_time(saga, step, step.retry)
    yield from _until_it_succeeds(saga, step, step.retry)


def _until_it_succeeds(saga: Saga, step: SagaStep, retry: RetryPolicy) -> Iterator[Problem]:
    """A retriable step after the pivot is retried until it succeeds (the saga can no longer be
    undone): a finite ``maxAttempts`` needs its technical failures to end in the status the saga
    declares for what must reach a person (``onCompensationFailure``; ``Saga.pivot_before``,
    ``Saga.escalates``: ``verify`` escalates the same steps). Without declared failures it is
    ``saga/failure-condition``'s finding."""
    pivot = saga.pivot_before(step)
    if pivot is None or saga.escalates(step):
        return
    yield at(saga, step, f"step {step.id}: it comes after the pivot {pivot.id}, so it must be retried until it succeeds, "
             f"but retry.maxAttempts is {retry.max_attempts}: when the last attempt fails the saga can neither finish nor "
             f"undo {pivot.id}, and {saga.unescalated(step)}",
             path=step.x_at("retry", "maxAttempts"))


def _in_time(saga: Saga, step: SagaStep, retry: RetryPolicy) -> Iterator[Problem]:
    """The worst-case retry time fits the saga deadline and the timeout of the step's status."""
    worst = retry.worst_case()
    if worst is None:
        return
    path = step.x_at("retry")
    if saga.deadline is not None and worst > saga.deadline:
        yield at(saga, step, f"step {step.id}: worst-case retry time {format_duration(worst)} "
                 f"({retry.max_attempts} attempts x {format_duration(retry.timeout)} + waits "
                 f"{'+'.join(format_duration(w) for w in retry.backoff_schedule()) or '0'}) exceeds the saga deadline "
                 f"{format_duration(saga.deadline)}. Reduce attempts or timeouts, or raise the deadline.", path=path)
    st = saga.statuses.get(step.status) if step.status else None
    if isinstance(st, dict) and not st.get("terminal"):
        limit = parse_duration(st.get("timeout")) if st.get("timeout") is not None else None
        if limit is not None and worst > limit:
            yield at(saga, step, f"step {step.id}: worst-case retry time {format_duration(worst)} exceeds the "
                     f"{format_duration(limit)} timeout of status {step.status}, which the customer sees meanwhile. "
                     "Shorten the retries or raise the status timeout.", path=path)


def _saga_in_time(saga: Saga) -> Iterator[Problem]:
    """The whole saga's worst case fits its deadline (see the rule). Steps without a retry policy
    count as nothing, so the sum is a lower bound; a step that alone exceeds the deadline is that
    step's finding (``_in_time``), not this one."""
    if saga.deadline is None or not saga.steps:
        return
    forward = [(s, w) for s in saga.steps if s.retry is not None and (w := s.retry.worst_case()) is not None]
    if any(w > saga.deadline for _, w in forward):
        return
    worst, undo_after = sum(w for _, w in forward), None
    last = next((i for i, s in enumerate(saga.steps) if s.type == "pivot"), len(saga.steps) - 1)
    by_step = {id(s): w for s, w in forward}
    forward_sum = undo = 0.0  # running sums (the steps are in flow order): forward work up to step k, the undo before it
    for k, step in enumerate(saga.steps[: last + 1]):
        forward_sum += by_step.get(id(step), 0)
        if undo and forward_sum + undo > worst:
            worst, undo_after = forward_sum + undo, (step, k)
        if _undone(step) and step.compensation_retry is not None:
            undo += step.compensation_retry.worst_case() or 0
    if worst <= saga.deadline:
        return
    failing, undone = (None, []) if undo_after is None else (undo_after[0], [s for s in saga.steps[:undo_after[1]] if _undone(s)])
    ran = forward if failing is None else [(s, w) for s, w in forward if s.index <= failing.index]
    text = " + ".join(f"{s.id} {format_duration(w)}" for s, w in ran) + " with every retry used"
    if failing is not None:
        comps = " + ".join(f"{s.id} {format_duration(s.compensation_retry.worst_case() or 0)}"
                           for s in reversed(undone) if s.compensation_retry is not None)
        text += f", then, when {failing.id} fails for good, the compensations of {comps}"
    yield Problem(f"the saga can run for {format_duration(worst)} in the worst case, longer than its deadline "
                  f"{format_duration(saga.deadline)}: {text}. Reduce attempts or timeouts, or raise the deadline.",
                  saga.flow, ("x-saga", "deadline"))


def _undone(step: SagaStep) -> bool:
    """A compensatable step whose compensation has a retry policy (its worst case counts)."""
    return step.type == "compensatable" and step.compensation_retry is not None
