"""``baseline/*`` and ``suppression/*``: findings about saga-lint's own inputs in a catalog.

These rules have no check function: ``saga_lint.baseline`` reports stale baseline entries when
``check --baseline`` runs, ``saga_lint.suppression`` (called by the runner) reports the
``x-saga-lint`` entries that cannot work or silence nothing. They are registered here so that they
are documented and configurable like every other rule.
"""

from __future__ import annotations

from saga_lint.rules import Context, rule


@rule("baseline/stale", "warning", emitted_by_loader=True)
def baseline_stale(ctx: Context) -> None:
    """A baseline entry matches no finding any more (the finding was fixed or changed).

    What it checks: with ``saga-lint check --baseline FILE``, every entry of the baseline file
    (a finding's fingerprint and how often it occurs) still matches that many findings.
    Why: an entry whose finding is gone would silently absorb the same finding if it came back;
    reporting it makes the baseline shrink as the legacy findings are fixed.
    Example that fails:
        # saga-lint-baseline.json lists refs/orphan-messages for events/OrderShipped/index.mdx,
        # and OrderShipped is now consumed by a service
    Fix: remove the entry from the baseline file, or rewrite it with ``--write-baseline FILE``.
    """


@rule("suppression/invalid", "warning", emitted_by_loader=True)
def suppression_invalid(ctx: Context) -> None:
    """An ``x-saga-lint`` ignore entry cannot work: an unknown rule name or a malformed entry.

    What it checks: ``x-saga-lint`` is a mapping with ``ignore``, a list whose entries are a rule
    name, a family (``saga/*``), ``*``, or a mapping ``{rule, step, field, reason}`` naming a rule
    saga-lint knows. The message names the nearest rule for a misspelt one.
    Why: a misspelt rule name silences nothing, and nobody notices until the finding it was meant
    to silence is reported anyway.
    Example that fails:
        x-saga-lint:
          ignore: [refs/orphan-message]
    Fix: spell the rule as ``saga-lint rules`` lists it: ``ignore: [refs/orphan-messages]``.
    """


@rule("suppression/unused", "warning", emitted_by_loader=True)
def suppression_unused(ctx: Context) -> None:
    """An ``x-saga-lint`` ignore entry silences no finding although its rule ran.

    What it checks: after a full ``check``, every ignore entry of a page's ``x-saga-lint`` block
    silenced at least one finding of that page (entries for rules that are off for the page, and
    for ``change/*`` rules, which only ``review`` runs, are not reported).
    Why: a suppression left behind after its finding was fixed would hide the next, unrelated
    problem of the same rule (ruff's RUF100 for ``noqa`` comments).
    Example that fails:
        x-saga-lint:
          ignore: [best-practices/summary-required]   # and the page has a summary
    Fix: remove the entry (or the whole ``x-saga-lint`` block when it is empty).
    """
