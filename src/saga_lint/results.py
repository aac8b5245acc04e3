"""The finished results that renderers are handed: typed records, computed before rendering.

``Result`` is what the one pipeline (``pipeline.run_check``) finds: the catalog, its graph, the
sagas, the findings and the configuration they were graded by.

A renderer (``saga_lint.render``) turns one of these into text and does nothing else: it runs no
git command, no review and no rule, and judges nothing. What a format needs beyond the pipeline's
``Result`` is computed by the command that asks for the output and handed over here:

- ``RepoFacts``: where the catalog sits in its git repository (``saga_lint.repo``), for the
  repository-relative paths of SARIF, GitHub annotations, JUnit and the Markdown summary;
- ``SagaReadiness``: the release verdict of one saga and the health of its steps
  (``saga_lint.readiness``), for the HTML report;
- ``BaseChanges``: the change review of a base revision in its JSON form (``saga_lint.review``,
  run by ``saga-lint report --base``), or why it could not run;
- ``ReportInput``: all of the above for one HTML report.

This module imports nothing from the pipeline's stages at run time, so that every stage and every
renderer can import it without an import cycle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypedDict

if TYPE_CHECKING:
    from saga_lint.catalog.model import Catalog
    from saga_lint.config import Config
    from saga_lint.ecversion import EcVersion
    from saga_lint.findings import Finding
    from saga_lint.graph import CatalogGraph
    from saga_lint.saga.model import Saga

class _Counts(TypedDict):
    """The counts of a check (``--format json``'s ``summary``)."""

    files: int  # files looked at
    resources: dict[str, int]  # resources by plural type name
    errors: int
    warnings: int
    infos: int


class Summary(_Counts, total=False):
    """The counts, and the EventCatalog version checked against with where it came from
    (``ecversion.detect``; absent when the result was made without one)."""

    eventcatalog: dict[str, str]


class Checked(Protocol):
    """What the check formats (``render.render``) read of a result: its findings and summary. A
    ``Result``, or one the check's cache restored (``saga_lint.cache.Restored``)."""

    root: Path  # the catalog folder as given
    findings: list[Finding]
    eventcatalog: EcVersion | None  # the EventCatalog version checked against

    def summary(self) -> Summary: ...


@dataclass
class Result:
    """What a check found (``pipeline.run_check``)."""

    root: Path  # the catalog folder as given
    catalog: Catalog
    graph: CatalogGraph
    sagas: list[Saga]
    findings: list[Finding]  # sorted, graded and filtered by ``config``
    config: Config
    counts: dict[str, int] = field(default_factory=dict)
    eventcatalog: EcVersion | None = None  # the EventCatalog version checked against

    def summary(self) -> Summary:
        sev = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            sev[f.severity] = sev.get(f.severity, 0) + 1
        out: Summary = {
            "files": self.catalog.files_seen,
            "resources": self.catalog.counts(),
            "errors": sev["error"],
            "warnings": sev["warning"],
            "infos": sev["info"],
        }
        if self.eventcatalog is not None:
            out["eventcatalog"] = {"version": self.eventcatalog.version, "source": self.eventcatalog.source}
        return out


Health = Literal["ok", "weak", "bad"]
"""How a saga or a step stands: ``ok`` ready, ``weak`` to be reviewed, ``bad`` not ready."""


@dataclass(frozen=True)
class RepoFacts:
    """Where the catalog folder sits in its git repository."""

    prefix: str = ""
    """The catalog folder relative to the repository's top level, POSIX, without a trailing
    slash; '' when the catalog is the top level or is in no repository."""


@dataclass(frozen=True)
class SagaReadiness:
    """The release verdict of one saga, from its findings and the evidence of its steps."""

    verdict: str  # "Ready", "Review" or "Not ready"
    health: Health  # the verdict as a class: ok, weak, bad
    steps: tuple[Health, ...]  # the health of each step of ``saga.steps``, in order
    step_health: Mapping[str, Health]  # step id -> health
    step_findings: Mapping[str, int]  # step id -> findings about that step
    levels: Mapping[str, int]  # evidence cells by level: structured, contract, prose, missing
    errors: int = 0
    warnings: int = 0
    infos: int = 0


class ReviewDocument(TypedDict):
    """``saga-lint review --format json`` (docs/review.md): the review as the HTML report reads it.
    The records in its lists are JSON objects of the shapes that document describes."""

    version: int
    tool: dict[str, str]
    base: dict[str, Any]
    head: dict[str, Any]
    catalog: str
    verdict: str
    fail_on: str
    counts: dict[str, int]
    changes: list[dict[str, Any]]
    compatibility: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    preexisting_findings: int
    checklists: list[dict[str, Any]]
    changed_files: list[str]
    notes: list[str]  # what resolving the revisions decided (git's empty tree, a moved catalog folder)
    moved_from: str | None  # the catalog folder at base, when the change moved it
    resolved_findings: list[dict[str, Any]]  # base findings the change resolves


@dataclass(frozen=True)
class BaseChanges:
    """What changed since a base revision: the review's document, or a note saying why there is none."""

    base: str  # the revision as the user named it
    review: ReviewDocument | None = None
    note: str = ""


VerificationItem = Mapping[str, Any]
"""One result of ``saga-lint verify`` for the report: check, status, saga, step, detail, where."""


@dataclass(frozen=True)
class ReportInput:
    """Everything one HTML report shows: the check's result and what was computed for it."""

    check: Result
    readiness: Sequence[SagaReadiness]  # one per saga of ``check.sagas``, in the same order
    changes: BaseChanges | None = None  # None: no base revision was asked for
    verification: Sequence[VerificationItem] | None = None  # None: verify did not run
