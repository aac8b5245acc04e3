"""``versions/*``: references to deprecated resources."""

from __future__ import annotations

from collections.abc import Iterator

from saga_lint.rules import Context, Problem, rule
from saga_lint.words import cut


@rule("versions/no-deprecated-references", "warning", official=True)
def no_deprecated_references(ctx: Context) -> Iterator[Problem]:
    """A reference points at a resource marked ``deprecated``.

    What it checks: every resolved reference (sends, receives, steps, members, ...) whose target
    version has ``deprecated: true`` or a ``deprecated`` object.
    Why: new dependencies on deprecated contracts make them impossible to retire.
    Example that fails:
        sends:
          - id: order-created
            version: 0.3.0    # that version is deprecated
    Fix: move to the replacement version, or remove the reference.
    The deprecation's ``message`` is quoted on one line, cut at 120 characters (it is Markdown
    for the catalog's notice, often several lines).
    """
    for x in ctx.graph.resolved:
        t = x.target
        if t is None or not t.is_deprecated or x.ref.source is t:
            continue
        if x.ref.source.is_deprecated:
            continue
        dep = t.data.get("deprecated")
        text = " ".join(dep["message"].split()) if isinstance(dep, dict) and isinstance(dep.get("message"), str) else ""
        note = f" ({cut(text.rstrip('.'), 120)})" if text else ""
        yield Problem(
            f'{x.ref.field} refers to {t.type} "{t.id}" {t.version or ""}, which is deprecated{note}. Move to its replacement.',
            x.ref.source,
            x.ref.path,
        )
