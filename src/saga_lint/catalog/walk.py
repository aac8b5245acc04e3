"""Walking the catalog folder: each folder's entries sorted by name, files first, then sub-folders.

Directory symbolic links are never followed (a link loop cannot trap the walk); links that leave
the catalog are reported (``security/path-outside-catalog``) and skipped; build, dependency and
hidden folders are skipped; a folder that cannot be listed is a ``parse/unreadable`` finding. The
walk keeps its own stack, so a tree thousands of folders deep needs no recursion.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import NamedTuple

from saga_lint.findings import Finding, Severity

SKIP_DIRS = {
    "node_modules",
    ".git",
    ".eventcatalog-core",
    "dist",
    "public",
    "_data",
    "components",
    "dependencies",
    "__pycache__",
}
PAGE_SUFFIXES = (".md", ".mdx")
# files a link out of the catalog is reported for (links to anything else are skipped quietly)
_REPORTED_LINK_SUFFIXES = (".json", ".yml", ".yaml", ".avro", ".proto")


class FileEntry(NamedTuple):
    """A file the walk found."""

    abs_path: str
    rel: str  # relative to the catalog root, POSIX separators
    name: str
    regular: bool  # a regular file (or a link to one), as the listing says (no system call)


class Folder(NamedTuple):
    """A folder still to list."""

    abs_path: str
    rel: str  # "" for the root


def is_page(name: str) -> bool:
    return name.endswith(PAGE_SUFFIXES)


def _link_out(rel: str) -> Finding:
    return Finding(
        "security/path-outside-catalog",
        Severity.ERROR,
        "symbolic link points outside the catalog folder; it was not followed. Copy the file into the catalog instead",
        rel,
        None,
        None,
    )


def list_dir(folder: Folder, real_root: str, findings: list[Finding]) -> tuple[list[FileEntry], list[Folder]]:
    """One folder, entries sorted by name: ``(files, subfolders)``. See the module's docstring for
    what is skipped and reported (into ``findings``)."""
    files: list[FileEntry] = []
    subdirs: list[Folder] = []
    dir_rel = folder.rel
    try:
        entries = sorted(os.scandir(folder.abs_path), key=lambda e: e.name)
    except OSError as exc:
        findings.append(
            Finding("parse/unreadable", Severity.ERROR, f"cannot list folder: {exc.strerror or exc}", dir_rel or ".", None, None)
        )
        return files, subdirs
    for entry in entries:
        name = entry.name
        rel = f"{dir_rel}/{name}" if dir_rel else name
        try:
            if entry.is_symlink():
                target = os.path.realpath(entry.path)
                if not (target == real_root or target.startswith(real_root + os.sep)):
                    if entry.is_dir() or is_page(name) or name.endswith(_REPORTED_LINK_SUFFIXES):
                        findings.append(_link_out(rel))
                    continue
                if entry.is_dir():
                    continue  # never follow directory links inside the catalog either (loops)
                if not os.path.exists(entry.path):
                    continue
            if entry.is_dir(follow_symlinks=False):
                if name in SKIP_DIRS or name.startswith("."):
                    continue
                subdirs.append(Folder(entry.path, rel))
            else:
                # a regular file (or a link to one)? Known from the listing without a system call
                files.append(FileEntry(entry.path, rel, name, entry.is_file()))
        except OSError:
            continue
    return files, subdirs


def walk(start: Folder, real_root: str, findings: list[Finding]) -> Iterator[FileEntry]:
    """Every file under ``start`` (a folder of the catalog whose root's real path is ``real_root``),
    depth first: a folder's files by name, then its subfolders' trees, the last by name first."""
    stack = [start]
    while stack:
        files, subdirs = list_dir(stack.pop(), real_root, findings)
        yield from files
        stack.extend(subdirs)
