"""``change/version-bump``: a message contract changed without the version change it needs."""

from __future__ import annotations

import re
from collections.abc import Iterator

from saga_lint.rules import Context, Problem, rule


def major(version: str | None) -> int | str | None:
    """The major version number (``v2.1`` -> 2); the text itself when it has none."""
    if version is None:
        return None
    m = re.match(r"^\s*v?(\d+)", str(version))
    return int(m.group(1)) if m else str(version)


@rule("change/version-bump", "error")
def version_bump(ctx: Context) -> Iterator[Problem]:
    """A message contract changed without the version change it needs.

    What it checks: a message whose schema changed keeps exactly the same version; or a change that
    ``change/breaking-schema`` finds breaking keeps the same major version (1.0.0 -> 1.1.0).
    Why: consumers pin versions (``version: 1.x``); a contract that changes under the same version
    (or a breaking one under the same major) reaches them unannounced, and EventCatalog shows the
    old and the new contract as one.
    Example that fails: ``inventory-reserved`` 1.0.0 loses the required field ``expiresAt`` and is
    still 1.0.0.
    Fix: bump the version (a new major version for a breaking change), keeping the previous one
    under ``versioned/<old version>/``.
    """
    if ctx.changes is None:
        return
    for mc in ctx.changes.compat:
        res = mc.head
        if res is None:
            continue
        contract_changed = not mc.compared or bool(mc.changes)
        if mc.old_version == mc.new_version and contract_changed:
            if mc.breaking:
                nxt = major(mc.new_version)
                target = f"a new major version ({nxt + 1}.0.0)" if isinstance(nxt, int) else "a new major version"
                advice = f"the change is breaking, so publish it as {target}"
            else:
                advice = "bump the version"
            yield Problem(
                f"{mc.type} {mc.id}: its schema changed but the version stays {mc.new_version}; {advice} "
                f"and keep {mc.new_version} under versioned/{mc.new_version}/",
                res,
                at=("version",),
            )
        elif mc.breaking and major(mc.old_version) == major(mc.new_version):
            yield Problem(
                f"{mc.type} {mc.id}: a breaking schema change goes from {mc.old_version} to {mc.new_version}, "
                "the same major version; publish it as a new major version",
                res,
                at=("version",),
            )
