"""``saga-lint review``: what a change (base revision -> head) does to a catalog and its sagas.

``run_review(path, base, head=None, config=None) -> ReviewResult``:

1. the catalog at ``base`` (and at ``head`` when given) is read from git into a temporary folder
   (``gitsource``); head defaults to the working tree, the folder itself;
2. both are run through the one pipeline (``run_check``) with the same configuration (the
   working tree's), so findings carry the same catalog-relative files and fingerprints;
3. ``diff`` lists what changed; ``compat`` and ``checks`` add the ``change/*`` findings;
4. only head findings whose fingerprint the base run does not have are reported, plus the change
   findings; ``render`` turns the result into a PR comment (Markdown) or JSON.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from saga_lint.findings import Finding, at_or_above
from saga_lint.review.gitsource import ReviewError, catalog_at, open_repo

__all__ = ["ReviewError", "ReviewResult", "run_review"]


@dataclass
class ReviewResult:
    root: Path  # the catalog folder as given
    repo_top: Path
    prefix: str  # catalog folder relative to the repository top ('' or ending in '/')
    base_ref: str
    base_sha: str
    head_ref: str | None  # None: the working tree
    head_sha: str | None
    changes: object  # diff.ChangeSet
    new_findings: list  # head findings not present at base
    change_findings: list  # change/* findings
    compat: list  # [checks.MessageCompat]
    checklists: list  # [checks.Checklist]
    changed_files: list  # repository-relative paths changed between base and head
    fail_on: str = "error"
    base_findings: int = 0
    head_findings: int = 0
    config: object = None
    extra: dict = field(default_factory=dict)

    @property
    def findings(self) -> list:
        """Everything this change introduces, sorted: change findings and new findings."""
        return sorted(self.change_findings + self.new_findings, key=Finding.sort_key)

    @property
    def failed(self) -> bool:
        return any(at_or_above(f.severity, self.fail_on) for f in self.findings)

    def counts(self) -> dict:
        out = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            out[f.severity] = out.get(f.severity, 0) + 1
        return out


def run_review(path, base: str, head: str | None = None, config=None, fail_on: str | None = None,
               config_given: bool = False) -> ReviewResult:
    """Review the change from ``base`` to ``head`` (None: the working tree). ``config_given``: the
    configuration was named by the user (``-c``), so it is not compared with the base's."""
    from saga_lint.config import ConfigError, load_config
    from saga_lint.pipeline import run_check
    from saga_lint.review import checks
    from saga_lint.review.diff import compare_catalogs

    repo = open_repo(path)
    base_sha = repo.resolve(base)
    head_sha = repo.resolve(head) if head else None
    from saga_lint.review.compat import check_config

    if config is None:
        config = load_config(path)
    check_config(config)
    with contextlib.ExitStack() as stack:
        base_root = stack.enter_context(catalog_at(repo, base_sha))
        head_root = stack.enter_context(catalog_at(repo, head_sha)) if head_sha else Path(path)
        base_run = run_check(base_root, config)
        head_run = run_check(head_root, config)
        changes = compare_catalogs(base_run.catalog, head_run.catalog)
        changed_files = repo.changed_files(base_sha, head_sha)
        new = new_findings(base_run.findings, head_run.findings)
        schema_findings, compat = checks.schema_checks(changes, base_run, head_run, config)
        change_findings = schema_findings
        change_findings += checks.removed_in_use(changes, base_run, head_run, config)
        change_findings += checks.step_contracts(changes, head_run, config)
        change_findings += checks.orchestrator_untouched(changes, head_run, changed_files, config)
        if not config_given:
            try:
                base_config = load_config(base_root)
            except ConfigError:  # a base whose own configuration is broken: nothing to compare
                base_config = None
            if base_config is not None:
                change_findings += checks.config_relaxed(base_config, config, Path(path))
        lists = checks.checklists(changes, head_run, base_run, changed_files)
    change_findings = _dedupe(change_findings)
    extra = {}
    if head_sha is None:
        try:
            extra["checkout_sha"] = repo.resolve("HEAD")
        except ReviewError:
            pass
    return ReviewResult(
        root=Path(path),
        repo_top=repo.top,
        prefix=repo.prefix,
        base_ref=base,
        base_sha=base_sha,
        head_ref=head,
        head_sha=head_sha,
        changes=changes,
        new_findings=sorted(new, key=Finding.sort_key),
        change_findings=sorted(change_findings, key=Finding.sort_key),
        compat=compat,
        checklists=lists,
        changed_files=changed_files,
        fail_on=fail_on or getattr(config, "fail_on", "error"),
        base_findings=len(base_run.findings),
        head_findings=len(head_run.findings),
        config=config,
        extra=extra,
    )


def _about_resource(f: Finding):
    """What a finding says about a resource, wherever its page lives; None for file-level ones."""
    if f.resource is None:
        return None
    return (f.rule, str(f.resource), f.step or "", f.field or "", f.message)


def new_findings(base: list, head: list) -> list:
    """The head's findings that the base does not have. A finding is already there if the base
    has its fingerprint, or, for a finding about a resource, the same finding about the same
    resource version (step, field, message) in any file: a page moved to ``versioned/<v>/`` when
    its version is bumped keeps its old findings old."""
    seen = {f.fingerprint for f in base}
    seen_about = {a for a in map(_about_resource, base) if a is not None}
    out = []
    for f in head:
        if f.fingerprint in seen:
            continue
        about = _about_resource(f)
        if about is not None and about in seen_about:
            continue
        out.append(f)
    return out


def _dedupe(findings: list) -> list:
    seen, out = set(), []
    for f in findings:
        if (f.fingerprint, f.line) in seen:
            continue
        seen.add((f.fingerprint, f.line))
        out.append(f)
    return out
