"""``change/config-relaxed``: the change relaxes saga-lint's own configuration.

The rule's severity is read from the base's configuration: ``saga-lint review`` runs the rules
named in ``GRADED_BY_BASE`` with the base's configuration, so that a change cannot switch this
rule off for itself."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from saga_lint.rules import Context, Problem, rule

if TYPE_CHECKING:
    from saga_lint.config import Config

GRADED_BY_BASE = ("change/config-relaxed",)

_RANK = {"off": 0, "info": 1, "warning": 2, "error": 3}


def _lowered_rules(base: Config, head: Config) -> list[str]:
    """``"rule before -> after"`` for every rule whose severity drops."""
    from saga_lint.rules import all_rules

    lowered = []
    for name, r in sorted(all_rules().items()):
        before = base.severity_for(name, None, r.severity)
        after = head.severity_for(name, None, r.severity)
        if _RANK.get(after, 0) < _RANK.get(before, 0):
            lowered.append(f"{name} {before} -> {after}")
    return lowered


def _lowering_overrides(base: Config, head: Config) -> list[str]:
    """The head's new or changed overrides that lower a rule below the base's level."""
    from saga_lint.rules import all_rules

    rules = all_rules()
    base_overrides = [(tuple(g), tuple(sorted(t.items()))) for g, t in base.overrides]
    parts = []
    for globs, table in head.overrides:
        if (tuple(globs), tuple(sorted(table.items()))) in base_overrides:
            continue
        lower = [
            f"{name} -> {level}"
            for name, level in sorted(table.items())
            if name in rules and _RANK.get(level, 0) < _RANK.get(base.severity_for(name, None, rules[name].severity), 0)
        ]
        if lower:
            parts.append(f"override for {', '.join(globs[:4])}: " + ", ".join(lower[:8]))
    return parts


def _config_location(config: Config, roots: tuple[Path, ...], lowered: list[str], new_ignores: list[str]) -> tuple[str, int]:
    """The head's configuration file (relative to the catalog root when inside it: the working
    tree's, or the head revision's copy) and the line of the first relaxed rule or glob named in
    it (else line 1)."""
    # "pyproject.toml [tool.saga-lint]", ".eventcatalogrc.js (@eventcatalog/linter)": the file
    source = re.sub(r" (\[tool\.saga-lint\]|\(@eventcatalog/linter\))$", "", config.source or "saga-lint.yaml")
    path = source
    for root in roots:
        try:
            rel = os.path.relpath(source, root)
        except ValueError:  # pragma: no cover - another drive
            continue
        if not rel.startswith(".."):
            path = rel
            break
    needles = [entry.split(" ", 1)[0] for entry in lowered] + new_ignores
    try:
        with open(source, encoding="utf-8", errors="replace") as fh:
            for number, text in enumerate(fh, 1):
                if any(n and n in text for n in needles):
                    return path.replace(os.sep, "/"), number
    except OSError:
        pass
    return path.replace(os.sep, "/"), 1


@rule("change/config-relaxed", "warning")
def config_relaxed(ctx: Context) -> Iterator[Problem]:
    """The change relaxes saga-lint's own configuration.

    What it checks: the catalog's configuration at head (``saga-lint.yaml`` or
    ``[tool.saga-lint]``) against the one at base: rules whose severity drops (``error`` ->
    ``warning`` or ``off``, also through ``extends`` or wildcards), new ``ignore`` globs, new or
    changed ``overrides`` that lower a rule, and a ``fail-on`` level that fails less. Its own
    severity is read from the base's configuration, so a change cannot switch this rule off for
    itself. Not checked when ``review -c FILE`` names the configuration.
    Why: the configuration sits in the catalog and a pull request can change it; a change that
    turns off the checks it would fail passes silently unless someone notices.
    Example that fails: a change adds ``rules: {best-practices/owner-required: off}`` to
    saga-lint.yaml along with a service that has no owner.
    Fix: keep the rule and fix the catalog; if the relaxation is intended, say why in the pull
    request (the finding is a warning by default), or review with the base branch's configuration
    (``saga-lint review -c base-saga-lint.yaml``).
    """
    change = ctx.changes
    if change is None or change.base_config is None:
        return
    base, head = change.base_config, change.config
    lowered = _lowered_rules(base, head)
    parts = []
    if lowered:
        shown = ", ".join(lowered[:8]) + (f" and {len(lowered) - 8} more" if len(lowered) > 8 else "")
        parts.append(f"rules lowered: {shown}")
    new_ignores = [g for g in head.ignore if g not in base.ignore]
    if new_ignores:
        parts.append("new ignore globs: " + ", ".join(new_ignores[:8]))
    parts += _lowering_overrides(base, head)
    if _RANK.get(head.fail_on, 3) > _RANK.get(base.fail_on, 3):
        parts.append(f"fail-on {base.fail_on} -> {head.fail_on}")
    if not parts:
        return
    file, line = _config_location(head, (change.root, ctx.catalog.root), lowered, new_ignores)
    message = (
        "the change relaxes saga-lint's configuration: " + "; ".join(parts)
        + ". Fix the catalog instead, or say in the pull request why the checks should be relaxed"
    )
    yield Problem(message, file=file, line=line, column=1)
