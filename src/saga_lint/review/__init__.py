"""``saga-lint review``: what a change (base revision -> head) does to a catalog and its sagas.

``run_review(path, base, head=None, config=None) -> ReviewResult``:

1. the catalog at ``base`` (and at ``head`` when given) is read from git into a temporary folder
   (``gitsource``); head defaults to the working tree, the folder itself. ``history`` resolves
   what git cannot (the empty tree, a root commit's parent) and lists the files git moved: a
   catalog folder moved as a whole is read at base where it was;
2. both are run through the one pipeline (``run_check``) with the same configuration (the
   working tree's), so findings carry the same catalog-relative files and fingerprints;
3. ``diff`` lists what changed, ``compat`` compares the changed message schemas, and the
   ``change/*`` rules (``saga_lint.rules.change``) run on the head with the change in their context;
   ``checklist`` adds the change guidance of every saga touched;
4. only head findings whose fingerprint the base run does not have (base findings carried to
   where git moved their files) are reported, plus the change findings, one per cause
   (``merge``), and the base findings the change resolves; ``render`` turns the result into a
   PR comment (Markdown) or JSON.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from saga_lint.findings import Finding, at_or_above
from saga_lint.review.gitsource import ReviewError, catalog_at, open_repo

if TYPE_CHECKING:
    from saga_lint.changes.compat import MessageCompat
    from saga_lint.changes.diff import Change, ChangeSet
    from saga_lint.config import Config
    from saga_lint.results import Result
    from saga_lint.review.checklist import Checklist
    from saga_lint.review.gitsource import Repo

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
    changes: ChangeSet
    new_findings: list[Finding]  # head findings not present at base
    change_findings: list[Finding]  # change/* findings
    compat: list[MessageCompat]
    checklists: list[Checklist]
    changed_files: list[str]  # repository-relative paths changed between base and head
    fail_on: str = "error"
    base_findings: int = 0
    head_findings: int = 0
    config: Config | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what resolving the revisions decided (empty tree, a move)
    moved_from: str | None = None  # the catalog folder at base when the change moved it
    merged: dict[str, list[str]] = field(default_factory=dict)  # fingerprint -> other rules of the same cause
    resolved: list[Finding] = field(default_factory=list)  # base findings the change resolves

    @property
    def findings(self) -> list[Finding]:
        """Everything this change introduces, sorted: change findings and new findings."""
        return sorted(self.change_findings + self.new_findings, key=Finding.sort_key)

    @property
    def failed(self) -> bool:
        return any(at_or_above(f.severity, self.fail_on) for f in self.findings)

    @property
    def preexisting(self) -> int:
        """Head findings already present at the base (those folded into a change finding are not)."""
        return max(self.head_findings - len(self.new_findings) - sum(len(v) for v in self.merged.values()), 0)

    def counts(self) -> dict[str, int]:
        out = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            out[f.severity] = out.get(f.severity, 0) + 1
        return out


def run_review(path: str | os.PathLike[str], base: str, head: str | None = None, config: Config | None = None,
               fail_on: str | None = None, config_given: bool = False) -> ReviewResult:
    """Review the change from ``base`` to ``head`` (None: the working tree). ``config_given``: the
    configuration was named by the user (``-c``), so it is not compared with the base's. When
    ``head`` is a commit, the catalog folder need not exist in the working tree."""
    from saga_lint.catalog.locate import is_catalog
    from saga_lint.review.history import catalog_renames, moved_from, renames

    repo = open_repo(path, must_exist=head is None)
    base_sha = repo.resolve(base)
    head_sha = repo.resolve(head) if head else None
    moves = renames(repo, base_sha, head_sha)
    base_prefix = moved_from(repo, base_sha, moves)
    if base_prefix is not None:
        repo.notes.append(f"The catalog folder was moved from {base_prefix.rstrip('/') or '.'} to "
                          f"{repo.prefix.rstrip('/') or '.'}: the base is read where it was")
    file_moves = catalog_renames(moves, repo.prefix if base_prefix is None else base_prefix, repo.prefix)
    with contextlib.ExitStack() as stack:
        base_root = stack.enter_context(catalog_at(repo, base_sha, base_prefix))
        head_root = stack.enter_context(catalog_at(repo, head_sha)) if head_sha else Path(path)
        if head_sha and not any(is_catalog(str(p)) for p in (path, head_root, base_root)):
            raise ReviewError(f"{path} is not an EventCatalog catalog at {head} nor at {base}: it has no "
                              "eventcatalog.config.js and no collection folder (domains/, services/, events/, ...) there")
        if config is None:
            config = _load_config(path, head_root, head_given=head_sha is not None)
        result = _review(repo, (base_root, head_root), config, file_moves, repo.changed_files(base_sha, head_sha),
                         config_given)
    result.base_ref, result.base_sha, result.head_ref, result.head_sha = base, base_sha, head, head_sha
    result.fail_on = fail_on or config.fail_on
    result.notes = list(repo.notes)
    result.moved_from = base_prefix
    if head_sha is None:
        with contextlib.suppress(ReviewError):
            result.extra["checkout_sha"] = repo.resolve("HEAD")
    return result


def _load_config(path: str | os.PathLike[str], head_root: Path, head_given: bool) -> Config:
    """The configuration of the head: with the working tree as head, the working tree's; with
    ``--head``, the head revision's catalog folder's (``saga-lint.yaml``, ``[tool.saga-lint]``,
    ``.eventcatalogrc.js``, read from the copy of that revision), else, when it has none, one the
    working tree has above the catalog folder (the repository's root: not copied, read as checked
    out), else the defaults."""
    from saga_lint.config import ConfigError, find_config, load_config

    checked_out = Path(path).is_dir()
    if not head_given:
        return load_config(path if checked_out else head_root)
    if find_config(head_root) is None and checked_out:
        found = find_config(path)
        if found is not None and found[1] != Path(path).resolve():
            return load_config(path)  # above the catalog folder
    try:
        return load_config(head_root)
    except ConfigError as exc:  # named where it is in the repository, not in the review's copy
        raise ConfigError(f"{str(exc).replace(str(head_root), str(path))} (at the head revision)") from None


def _review(repo: Repo, roots: tuple[Path, Path], config: Config, file_moves: dict[str, str],
            changed_files: list[str], config_given: bool) -> ReviewResult:
    """Both runs, the diff, the change rules and the checklists; revisions filled in by the caller."""
    from saga_lint.changes.compat import check_config, message_compat
    from saga_lint.changes.diff import Change, compare_catalogs
    from saga_lint.pipeline import run_check
    from saga_lint.review.checklist import checklists
    from saga_lint.review.merge import merge_causes, moved_findings, point_at_renames, renamed_findings, resolved_findings

    base_root, head_root = roots
    check_config(config)
    base_run = run_check(base_root, config)
    head_run = run_check(head_root, config)
    changes = compare_catalogs(base_run.catalog, head_run.catalog, file_moves)
    renames = {(ch.type, ch.id): ch.renamed_to for ch in changes.resources if ch.renamed_to}
    renamed = {rid: to for (_type, rid), to in renames.items()}
    base_findings = renamed_findings(moved_findings(base_run.findings, file_moves), renames)
    new = point_at_renames(new_findings(base_findings, head_run.findings), renamed)
    change = Change(
        diff=changes, base=base_run, changed_files=changed_files,
        compat=message_compat(changes, base_run.catalog, head_run.catalog, config),
        config=config, base_config=None if config_given else _base_config(base_root), root=Path(repo.catalog),
    )
    change_findings = change_rule_findings(head_run, change)
    new, merged = merge_causes(change_findings, new)
    return ReviewResult(
        root=Path(repo.catalog), repo_top=repo.top, prefix=repo.prefix, base_ref="", base_sha="",
        head_ref=None, head_sha=None, changes=changes,
        new_findings=sorted(new, key=Finding.sort_key), change_findings=change_findings,
        compat=change.compat, checklists=checklists(changes, head_run, base_run, changed_files),
        changed_files=changed_files, base_findings=len(base_run.findings),
        head_findings=len(head_run.findings), config=config, merged=merged,
        resolved=resolved_findings(base_findings, head_run.findings, new_findings),
    )


def _base_config(base_root: Path) -> Config | None:
    """The base revision's own configuration; None when it is broken (nothing to compare)."""
    from saga_lint.config import ConfigError, load_config

    try:
        return load_config(base_root)
    except ConfigError:
        return None


def change_rule_findings(head: Result, change: Change) -> list[Finding]:
    """The ``change/*`` rules, run by the one runner on the head's context with the change in it,
    graded by the review's configuration (``GRADED_BY_BASE`` by the base's), sorted."""
    from saga_lint.rules import Context, all_rules, run_rules
    from saga_lint.rules.change import GRADED_BY_BASE

    ctx = Context(head.catalog, head.graph, [s for s in head.sagas if s.reviewed], changes=change, eventcatalog=head.eventcatalog)
    names = [name for name, r in all_rules().items() if r.family == "change"]
    findings = run_rules(ctx, change.config, only=[n for n in names if n not in GRADED_BY_BASE])
    if change.base_config is not None:
        findings += run_rules(ctx, change.base_config, only=[n for n in names if n in GRADED_BY_BASE])
    return sorted(_dedupe(findings), key=Finding.sort_key)


_INDEX = re.compile(r"\[\d+\]")
# a suggestion drawn from the rest of the catalog (refs/*): another page added or removed changes it,
# not the finding
_HINT = re.compile(r' Did you mean "[^"]*"\?')
# the EventCatalog release a finding is judged against (package.json's): a dependency bump changes
# the number, not the finding (a verdict that changes, "ignores it" to "rejects it", still does)
_RELEASE = re.compile(r"\bEventCatalog \d+(?:\.\d+)*(?:[-+][0-9A-Za-z.-]+)?")
Said = tuple[str, str, str, str, str]  # rule, resource, step, field, message


def _unversioned(f: Finding) -> Said | None:
    """What a finding says about a resource, whatever its version; None for file-level ones."""
    if f.resource is None:
        return None
    return (f.rule, f"{f.resource.type} {f.resource.id}", f.step or "", f.field or "", f.message)


def _loosely(f: Finding) -> Said | None:
    """What a finding says about a resource version, whatever the position of the list entry it is
    about (``receives[12]`` is ``receives[10]`` once two entries are added before it), whatever
    "did you mean" it suggests (the page it named was removed, or a closer one added) and whatever
    EventCatalog release it names (package.json's, bumped)."""
    if f.resource is None:
        return None
    message = _INDEX.sub("[]", _RELEASE.sub("EventCatalog", _HINT.sub("", f.message)))
    return (f.rule, str(f.resource), f.step or "", _INDEX.sub("[]", f.field or ""), message)


def new_findings(base: list[Finding], head: list[Finding]) -> list[Finding]:
    """The head's findings that the base does not have. A finding is already there if the base
    has its fingerprint; or, for a finding about a resource, the same finding (step, field,
    message) about the same resource in any file and any version (a page moved to
    ``versioned/<v>/`` when its version is bumped keeps its old findings old, and so does the new
    version's page); or the same finding about the same resource version with the list entry it
    names at another position, each base finding standing for one head finding there (entries
    added before it do not make it new; a second entry with the same problem is new). (The base's
    findings come with the files git moved and the ids the change renamed as they are at head:
    ``merge.moved_findings``, ``merge.renamed_findings``.)"""
    from collections import Counter

    seen = {f.fingerprint for f in base}
    seen_said = {a for a in map(_unversioned, base) if a is not None}
    shifted = Counter(a for a in map(_loosely, base) if a is not None)
    left: list[Finding] = []
    for f in head:
        if f.fingerprint in seen or _unversioned(f) in seen_said:
            if (key := _loosely(f)) is not None:
                shifted[key] -= 1  # a base finding it is: not one to stand for another
        else:
            left.append(f)
    out = []
    for f in left:
        key = _loosely(f)
        if key is not None and shifted[key] > 0:
            shifted[key] -= 1
            continue
        out.append(f)
    return out


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, int | None]] = set()
    out = []
    for f in findings:
        if (f.fingerprint, f.line) in seen:
            continue
        seen.add((f.fingerprint, f.line))
        out.append(f)
    return out
