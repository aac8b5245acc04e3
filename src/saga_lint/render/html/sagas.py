"""The sagas' sections of the report (``sections.saga_section``), and the JSON of the folded ones.

In a large report (``lazy``) the sagas after the open ones are folded: the template shows only
their heading and verdict (``sections.saga_head``), and their whole sections (matrix and
picture) travel as JSON for the page's script. Drawing and encoding the folded sagas after the
located ones (``lazy.LOCATE_SAGAS``) is most of a large report's work and depends only on the
check's finished result, so a forked child (``saga_lint.forked``) does it while this process draws
the rest of the report, the template included, on the other CPU; the child sends the JSON back.
When no child can run (one CPU, no ``fork``, ``SAGA_LINT_JOBS=1``) or it fails, this process
draws them itself: the page is the same byte for byte either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from saga_lint import forked
from saga_lint.render.html import lazy, sections

if TYPE_CHECKING:
    from saga_lint.results import ReportInput

Row = dict[str, Any]


def _draw(report: ReportInput, lo: int, hi: int) -> Iterator[Row]:
    """The whole sections of sagas ``lo`` to ``hi - 1``, one by one."""
    result = report.check
    sagas = result.sagas or []
    return (sections.saga_section(result, sagas[i], i, report.readiness[i], locate=i < lazy.LOCATE_SAGAS)
            for i in range(lo, hi))


def _folded_items(report: ReportInput, lo: int, hi: int) -> str:
    """The JSON of the whole sections of sagas ``lo`` to ``hi - 1`` as an array's items, each
    section encoded as soon as it is drawn."""
    return lazy.encode_items(_draw(report, lo, hi))


def _folded_part(report: ReportInput, lo: int, hi: int) -> str | bytes:
    """``_folded_items`` as the child sends it: encoded as UTF-8 (the page is written so), or as
    text when it holds a lone surrogate (an undecodable file name: ``safe.utf8_safe`` judges it
    with the whole page)."""
    items = _folded_items(report, lo, hi)
    try:
        return items.encode("utf-8")
    except UnicodeEncodeError:
        return items


class SagaSections:
    """Every saga's section, and with ``folded_from`` (a large report) the JSON of the folded
    sagas, those from that index on: ``draw``, then ``folded_items``. The child that draws the
    folded sagas is forked when this is made, so make it before the rest of the report."""

    def __init__(self, report: ReportInput, folded_from: int | None) -> None:
        count = len(report.check.sagas or [])
        if len(report.readiness) != count:
            raise ValueError("the report needs one readiness verdict per saga")
        self.report, self.count = report, count
        self.folded_from = folded_from  # None: no saga is folded (the page's script draws none)
        self.first_folded = count if folded_from is None else min(folded_from, count)
        self.child: forked.Child[str | bytes] | None = None
        if self.first_folded < count and forked.worth_forking():
            self.child = forked.start(lambda: _folded_part(report, self.first_folded, count))

    def draw(self) -> list[Row]:
        """Every saga's section: whole up to the folded ones, then their heading data (the
        template shows no more of a folded saga)."""
        report = self.report
        result, sagas = report.check, report.check.sagas or []
        heads = [sections.saga_head(result, sagas[i], i, report.readiness[i]) for i in range(self.first_folded, self.count)]
        return [*_draw(report, 0, self.first_folded), *heads]

    def folded_items(self) -> str | bytes:
        """The JSON of the folded sagas' whole sections, as the items of an array (without its
        brackets), as ``_folded_part`` gives it: the child's, or drawn here when there is no child
        or it failed. Once."""
        drawn = self.child.result() if self.child is not None else None
        return _folded_part(self.report, self.first_folded, self.count) if drawn is None else drawn

    def discard(self) -> None:
        """Stop waiting for the child (the report failed meanwhile); nothing after ``folded_items``."""
        if self.child is not None:
            self.child.discard()
