"""``schema/compatibility-mode``: a message's ``x-compatibility`` that is not a compatibility mode.

The review judges a message's schema changes under its mode (``changes/compat.py``); a mode it
does not know would silently be judged as ``BACKWARD``. ``check`` reports it, with the nearest mode.
"""

from __future__ import annotations

from collections.abc import Iterator

from saga_lint.catalog.model import MESSAGE_TYPES
from saga_lint.rules import Context, Problem, rule


@rule("schema/compatibility-mode", "error")
def compatibility_mode(ctx: Context) -> Iterator[Problem]:
    """A message's ``x-compatibility`` is not a compatibility mode.

    What it checks: ``x-compatibility`` in an event's, command's or query's frontmatter is one of
    BACKWARD, FORWARD, FULL, NONE, BACKWARD_TRANSITIVE, FORWARD_TRANSITIVE or FULL_TRANSITIVE
    (case-insensitive, ``-`` for ``_`` accepted), the modes ``saga-lint review`` judges schema
    changes by. The finding names the nearest mode.
    Why: an unknown mode is judged as BACKWARD, the default, which may not be what the message's
    owners meant (``BACKWARDS``, ``FORWARD-ONLY``): a FORWARD or FULL contract would then let
    breaking changes through.
    Example that fails:
        x-compatibility: BACKWARDS
    Fix: write one of the modes, e.g. ``x-compatibility: BACKWARD``.
    """
    from saga_lint.changes.compat import MODES, normalise_mode
    from saga_lint.suggest import did_you_mean

    for res in ctx.catalog.resources:
        if res.type not in MESSAGE_TYPES or "x-compatibility" not in res.data:
            continue
        value = res.data.get("x-compatibility")
        if normalise_mode(value) is not None:
            continue
        shown = str(value)[:60]
        hint = did_you_mean(str(value).upper().replace("-", "_"), MODES) if isinstance(value, str) else ""
        yield Problem(
            f"{res.type} {res.id}: x-compatibility {shown!r} is not a compatibility mode, so the review judges the "
            f"message as BACKWARD; use one of {', '.join(MODES)}.{hint}",
            res,
            ("x-compatibility",),
        )
