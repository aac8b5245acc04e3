"""The findings of a review, one per cause: base findings carried to where git moved their files,
findings of two rules about one cause merged, and what the change resolves.

- ``moved_findings(base, moves)``: the base's findings with their files renamed as git paired
  them (catalog-relative ``old -> new``), so a finding judged at the old place is the same
  finding at the new place (its fingerprint is recomputed);
- ``merge_causes(change, new)``: a new finding that says what a ``change/*`` finding already says
  about the same place (``refs/resource-exists`` beside ``change/removed-in-use`` on one
  reference; ``saga/customer-status`` beside ``change/step-contracts`` on one new step) is folded
  into it, never into a less severe one; returns the new findings left and, by the change
  finding's fingerprint, the rules folded into it;
- ``point_at_renames(new, renames)``: a ``refs/resource-exists`` finding about an id the change
  renamed says so and names the new id (instead of guessing a "did you mean");
- ``resolved_findings(base, head, new_findings)``: base findings the head no longer has.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from saga_lint.findings import SEVERITY_RANK, Finding

Place = tuple[str, str, str]  # (file, resource, line or field)


# a catalog path in a message: folders and a file name, joined with "/"
_PATH = re.compile(r"[\w@.+-]+(?:/[\w@.+-]+)+/?")


def moved_findings(base: list[Finding], moves: dict[str, str]) -> list[Finding]:
    """The base's findings, each at the file git moved it to (the others unchanged); a path in a
    message (its own page's folder, or another page's: "also defined in domains/A/...") that git
    moved names where it went."""
    if not moves:
        return base
    folders = {old.rpartition("/")[0]: new.rpartition("/")[0] for old, new in moves.items()
               if "/" in old and "/" in new and old.rpartition("/")[0] != new.rpartition("/")[0]}

    def moved(m: re.Match[str]) -> str:
        text = m.group(0)
        bare = text.rstrip("/.")  # "in commands/place-order/." ends a sentence
        to = moves.get(bare) or folders.get(bare)
        return text if to is None else to + text[len(bare):]

    out = []
    for f in base:
        new = moves.get(f.file or "")
        message = _PATH.sub(moved, f.message) if "/" in f.message else f.message
        if (new is None or f.file is None) and message == f.message:
            out.append(f)
            continue
        out.append(dataclasses.replace(f, file=new or f.file, message=message, fingerprint=""))
    return out


def renamed_findings(base: list[Finding], renames: dict[tuple[str, str], str]) -> list[Finding]:
    """The base's findings about a resource the change renamed (``(type, old id) -> new id``), said
    of the new id (its name in the message too): a renamed page keeps its old findings old."""
    if not renames:
        return base
    out = []
    for f in base:
        res = f.resource
        to = renames.get((res.type, res.id)) if res is not None else None
        if res is None or to is None:
            out.append(f)
            continue
        # the id as a word, not as a folder of a path ("does not exist in events/order-created/.")
        message = re.sub(rf"(?<![\w/-]){re.escape(res.id)}(?![\w/-])", to, f.message)
        out.append(dataclasses.replace(f, resource=dataclasses.replace(res, id=to), message=message, fingerprint=""))
    return out


def _place(f: Finding) -> Place | None:
    """Where a finding points: its file, resource and line (its field when it has no line)."""
    where = f"L{f.line}" if isinstance(f.line, int) and f.line > 0 else f.field
    if not where or not f.file:
        return None
    return (f.file, str(f.resource) if f.resource else "", where)


# a change finding -> the rules whose findings at its place (same step) say a part of what it says
_FOLDS = {
    "change/removed-in-use": ("refs/resource-exists", "refs/valid-version-range", "saga/"),
    "change/step-contracts": ("saga/customer-status", "saga/failure-condition", "saga/compensation"),
}


def _folds(owner: Finding, f: Finding) -> bool:
    """``f`` says a part of what ``owner`` says, and folding it hides nothing more severe."""
    return (f.rule.startswith(_FOLDS[owner.rule]) and (not owner.step or not f.step or owner.step == f.step)
            and SEVERITY_RANK.get(owner.severity, 0) >= SEVERITY_RANK.get(f.severity, 0))


def merge_causes(change: list[Finding], new: list[Finding]) -> tuple[list[Finding], dict[str, list[str]]]:
    """New findings not already said by a change finding, and the rules folded into each."""
    by_place: dict[Place, Finding] = {}
    for f in change:
        place = _place(f)
        if place is not None and f.rule in _FOLDS:
            by_place.setdefault(place, f)
    merged: dict[str, list[str]] = {}
    left = []
    for f in new:
        place = _place(f)
        owner = by_place.get(place) if place is not None else None
        if owner is not None and _folds(owner, f):
            rules = merged.setdefault(owner.fingerprint, [])
            if f.rule not in rules:
                rules.append(f.rule)
            continue
        left.append(f)
    return left, merged


def resolved_findings(base: list[Finding], head: list[Finding],
                      new_findings: Callable[[list[Finding], list[Finding]], list[Finding]]) -> list[Finding]:
    """The base's findings that the head does not have (``new_findings`` the other way round)."""
    return sorted(new_findings(head, base), key=Finding.sort_key)


_MISSING = re.compile(r'^(?P<head>.* refers to .*? "(?P<id>[^"]*)", which is not in the catalog\.)(?P<hint>.*?)'
                      r" Add its page or correct the id\.$", re.DOTALL)


# the rules whose findings say a referenced id is not in the catalog (``rules/refs._missing``): with a
# version named, the official linter's refs/valid-version-range
_MISSING_RULES = ("refs/resource-exists", "refs/valid-version-range")


def point_at_renames(new: list[Finding], renames: dict[str, str]) -> list[Finding]:
    """``refs/resource-exists`` (and ``refs/valid-version-range``) findings about an id this change
    renamed, told the new id."""
    if not renames:
        return new
    out = []
    for f in new:
        m = _MISSING.match(f.message) if f.rule in _MISSING_RULES else None
        if m is not None and m.group("id") in renames:
            to = renames[m.group("id")]
            f = dataclasses.replace(f, message=f'{m.group("head")} This change renamed it to "{to}": point it at "{to}".',
                                    fingerprint="")
        out.append(f)
    return out
