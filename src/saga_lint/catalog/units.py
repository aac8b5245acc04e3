"""The catalog cut into units of work, for one process or many.

A unit is ``ListedFiles`` (a folder's files, already listed, with the listing's findings) or
``FolderTree`` (a folder's whole tree, still to walk). Taken in order, the units are the whole
walk; ``load_unit`` walks, classifies and parses one into a ``LoadedPart``, and the parts,
concatenated in unit order, are exactly what one sequential walk and parse would give.
``split`` cuts folder trees into smaller units and ``batches`` groups units into tasks for the
loader's workers (``workers.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from saga_lint.catalog.classify import page_kind
from saga_lint.catalog.page import parse_page
from saga_lint.catalog.walk import FileEntry, Folder, is_page, list_dir, walk
from saga_lint.findings import Finding

if TYPE_CHECKING:
    from saga_lint.catalog.model import Resource

PAGES_PER_TASK = 250
UNITS_PER_WORKER = 16  # folder trees per worker process to share out (balance)


@dataclass(frozen=True, slots=True)
class ListedFiles:
    """Files already listed (part of one folder's), with the findings of listing that folder."""

    files: list[FileEntry]
    findings: list[Finding]


@dataclass(frozen=True, slots=True)
class FolderTree:
    """A folder's whole tree, still to walk."""

    folder: Folder


Unit = ListedFiles | FolderTree


@dataclass(slots=True)
class LoadedPart:
    """What loading some units gave: findings of the walk and of parsing, the number of files
    seen, the non-page files (relative paths) and the pages read, all in walk order."""

    walk_findings: list[Finding] = field(default_factory=list)
    parse_findings: list[Finding] = field(default_factory=list)
    files_seen: int = 0
    other_files: list[str] = field(default_factory=list)
    pages: list[Resource] = field(default_factory=list)

    def extend(self, other: LoadedPart) -> None:
        self.walk_findings.extend(other.walk_findings)
        self.parse_findings.extend(other.parse_findings)
        self.files_seen += other.files_seen
        self.other_files.extend(other.other_files)
        self.pages.extend(other.pages)


def load_unit(unit: Unit, real_root: str) -> LoadedPart:
    """Walk (a ``FolderTree``), classify and parse one unit of the catalog whose root's real path
    is ``real_root``."""
    part = LoadedPart()
    if isinstance(unit, FolderTree):
        files: Iterator[FileEntry] | list[FileEntry] = walk(unit.folder, real_root, part.walk_findings)
    else:
        files = unit.files
        part.walk_findings.extend(unit.findings)
    seen = 0
    for abs_path, rel, name, regular in files:
        seen += 1
        if not is_page(name):
            part.other_files.append(rel)
            continue
        job = page_kind(rel, name, part.walk_findings)
        if job is None:
            continue
        res = parse_page(abs_path, rel, job[0], job[1], part.parse_findings, regular)
        if res is not None:
            part.pages.append(res)
    part.files_seen = seen
    return part


def load_batch(units: list[Unit], real_root: str) -> LoadedPart:
    """Several units, merged (in order) into one part."""
    part = LoadedPart()
    for unit in units:
        part.extend(load_unit(unit, real_root))
    return part


def split(units: list[Unit], want: int, real_root: str) -> list[Unit]:
    """List folder trees one level down (in this process) until there are ``want`` of them."""
    for _level in range(8):
        trees = sum(1 for u in units if isinstance(u, FolderTree))
        if trees == 0 or trees >= want:
            break
        out: list[Unit] = []
        for u in units:
            if not isinstance(u, FolderTree):
                out.append(u)
                continue
            findings: list[Finding] = []
            files, subdirs = list_dir(u.folder, real_root, findings)
            if files or findings:
                out.append(ListedFiles(files, findings))
            out.extend(FolderTree(d) for d in reversed(subdirs))
        units = out
    return units


def batches(units: list[Unit], workers: int) -> Iterator[list[Unit]]:
    """Consecutive units grouped into worker tasks: listed files cut into ``PAGES_PER_TASK`` pages,
    folder trees a few at a time."""
    trees = sum(1 for u in units if isinstance(u, FolderTree))
    trees_per_task = max(1, trees // (workers * UNITS_PER_WORKER // 2 or 1))
    batch: list[Unit] = []
    weight = 0.0
    for unit in units:
        if isinstance(unit, ListedFiles):
            files, findings = unit.files, unit.findings
            start = 0
            count = 0
            for i, f in enumerate(files):
                if is_page(f.name):
                    count += 1
                    if count >= PAGES_PER_TASK:
                        batch.append(ListedFiles(files[start : i + 1], findings if start == 0 else []))
                        yield batch
                        batch, weight, start, count = [], 0.0, i + 1, 0
            if start < len(files) or (start == 0 and findings):
                batch.append(ListedFiles(files[start:], findings if start == 0 else []))
                weight += count / PAGES_PER_TASK
        else:
            batch.append(unit)
            weight += 1 / trees_per_task
        if weight >= 1:
            yield batch
            batch, weight = [], 0.0
    if batch:
        yield batch
