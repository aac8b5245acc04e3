"""``change/version-bump``: a message contract changed without the version change it needs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from saga_lint.changes.schemafiles import unnamed_note
from saga_lint.rules import Context, Problem, rule
from saga_lint.rules.change.compatibility import schemas_beside

if TYPE_CHECKING:
    from saga_lint.changes.compat import MessageCompat


def breaking_step(version: str | None) -> tuple[int, ...] | None:
    """The part of a version a breaking change must raise, by the version's own scheme: the major
    (``(major,)``) from 1.0.0 on, the minor below it (``(0, minor)``: semver's initial development,
    where 0.y.z may break in any minor release and the minor is the one consumers pin); None
    when the version is not numbered."""
    m = re.match(r"^\s*v?(\d+)(?:\.(\d+))?", str(version or ""))
    if m is None:
        return None
    if int(m.group(1)) >= 1 or m.group(2) is None:
        return (int(m.group(1)),)
    return (0, int(m.group(2)))


def breaking_target(version: str | None) -> str:
    """Where a breaking change of ``version`` goes, in words."""
    step = breaking_step(version)
    if step is None:
        return "a new major version"
    if len(step) == 1:
        return f"a new major version ({step[0] + 1}.0.0)"
    return (f"a new minor version ({step[0]}.{step[1] + 1}.0: below 1.0.0 a breaking change takes the next minor "
            "version; or 1.0.0 when the contract is stable)")


def _unchanged_version(mc: MessageCompat) -> str:
    """What to say of a message whose schema changed under the same version (or with none)."""
    advice = f"the change is breaking, so publish it as {breaking_target(mc.new_version)}" if mc.breaking \
        else "bump the version"
    if mc.unreadable_at == "head":  # what to publish is not known yet: the file comes first
        advice = f"{mc.why}, so it cannot be compared: fix that first, then bump the version"
    if mc.new_version is None:  # a page without a version (EventCatalog v1, or a page missing it)
        advice = advice.replace("bump the version", "give the page a version").replace("publish it as", "give it")
        return (f"{mc.type} {mc.id}: its schema changed and the page has no version, so consumers cannot tell the "
                f"old contract from the new; {advice}")
    return (f"{mc.type} {mc.id}: its schema changed but the version stays {mc.new_version}; {advice} "
            f"and keep {mc.new_version} under versioned/{mc.new_version}/")


@rule("change/version-bump", "error")
def version_bump(ctx: Context) -> Iterator[Problem]:
    """A message contract changed without the version change it needs.

    What it checks: a message whose schema changed keeps exactly the same version; or a change that
    ``change/breaking-schema`` finds breaking keeps the same major version (1.0.0 -> 1.1.0).
    Versions are read by their own scheme: from 1.0.0 on a breaking change needs a new major
    version (1.4.0 -> 2.0.0); below 1.0.0 (semver's initial development) it needs a new minor
    version (0.3.2 -> 0.4.0), or 1.0.0. A schema file added where the page had none (or where
    ``schemaPath`` named a missing file) is a schema added, not changed: no bump is asked. A page
    without a version (EventCatalog v1's pages) is asked to get one; a schema file that is missing
    or does not parse at head is to be fixed first.
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
        beside = unnamed_note(schemas_beside(ctx, mc.type, mc.id))
        if mc.old_version == mc.new_version and contract_changed:
            yield Problem(_unchanged_version(mc) + beside, res, at=("version",))
        elif mc.breaking and breaking_step(mc.old_version) == breaking_step(mc.new_version):
            same = "the same major version" if len(breaking_step(mc.old_version) or ()) != 2 else "the same minor version"
            yield Problem(
                f"{mc.type} {mc.id}: a breaking schema change goes from {mc.old_version} to {mc.new_version}, "
                f"{same}; publish it as {breaking_target(mc.old_version)}{beside}",
                res,
                at=("version",),
            )
