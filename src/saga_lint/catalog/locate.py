"""Is this folder an EventCatalog catalog, and if not, which folders below it are?

A catalog's root holds ``eventcatalog.config.js`` (or ``.ts``, ``.mjs``, ``.cjs``) or at least
one collection folder (``domains/``, ``services/``, ``events/``, ..., ``teams/``, ``users/``).
A CI job pointed at the wrong folder (``/etc``, an empty checkout, the repository root of a
catalog kept in a subfolder) would otherwise lint nothing and pass forever; the commands stop
with exit 2 and name the catalogs found below the folder, if any.
"""

from __future__ import annotations

import os

from saga_lint.catalog.classify import RESOURCE_FOLDERS

CONFIG_FILES = ("eventcatalog.config.js", "eventcatalog.config.ts", "eventcatalog.config.mjs", "eventcatalog.config.cjs")
SKIPPED = frozenset({"node_modules", ".git", ".eventcatalog-core", "dist", "build", ".venv", "venv", "__pycache__"})
MAX_DEPTH = 4  # how far below the folder to look for catalogs
MAX_FOLDERS = 5_000  # how many folders to list at most while looking


def _entries(path: str) -> tuple[set[str], list[str]]:
    """The file names and the sub-folder names of a folder (nothing when it cannot be listed)."""
    files: set[str] = set()
    folders: list[str] = []
    try:
        with os.scandir(path) as it:
            for entry in it:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(entry.name)
                    else:
                        files.add(entry.name)
                except OSError:
                    continue
    except OSError:
        pass
    return files, sorted(folders)


def is_catalog(path: str) -> bool:
    """True when ``path`` holds an EventCatalog config file or a collection folder."""
    files, folders = _entries(path)
    return any(name in files for name in CONFIG_FILES) or any(name in RESOURCE_FOLDERS for name in folders)


def _evidence(path: str) -> int:
    """How strongly a folder below the one searched looks like a catalog: 2, a collection folder
    holding a page (``services/X/index.mdx``; a team or user page directly in ``teams/``); 1, a
    config file alone (EventCatalog's own source, a folder of templates); 0, none (a folder name is
    no evidence: ``/etc/avahi/services`` is no catalog)."""
    files, folders = _entries(path)
    for name in (f for f in folders if f in RESOURCE_FOLDERS):
        inner_files, inner_folders = _entries(os.path.join(path, name))
        if any(f.endswith((".md", ".mdx")) for f in inner_files) and name in ("teams", "users"):
            return 2
        for sub in inner_folders[:50]:
            sub_files, _ = _entries(os.path.join(path, name, sub))
            if "index.md" in sub_files or "index.mdx" in sub_files:
                return 2
    return 1 if any(name in files for name in CONFIG_FILES) else 0


def catalogs_below(path: str) -> list[str]:
    """Catalog folders below ``path`` (relative to it, breadth first, at most ``MAX_DEPTH`` deep),
    those with pages first, then those with only a config file (marked so); a catalog's own
    sub-folders are not searched."""
    found: list[tuple[int, str]] = []
    queue: list[tuple[str, int]] = [("", 0)]
    listed = 0
    while queue and listed < MAX_FOLDERS and len(found) < 10:
        rel, depth = queue.pop(0)
        _files, folders = _entries(os.path.join(path, rel))
        listed += 1
        for name in folders:
            if name in SKIPPED or name.startswith("."):
                continue
            sub = os.path.join(rel, name)
            evidence = _evidence(os.path.join(path, sub))
            if evidence:
                found.append((evidence, sub))
            elif depth + 1 < MAX_DEPTH:
                queue.append((sub, depth + 1))
    found.sort(key=lambda item: -item[0])  # stable: breadth-first order within each kind
    return [sub if evidence == 2 else f"{sub} (a config file, no pages)" for evidence, sub in found]


def enclosing_catalog(path: str) -> tuple[str, str] | None:
    """``(catalog root, collection folder)`` when ``path`` has no EventCatalog config file of its own
    and lies inside a collection folder of the nearest folder above it that has one
    (``domains/Ordering`` of a catalog): a part of a catalog, not a catalog. None otherwise (a
    catalog kept under a repository's ``services/`` folder has its own config file)."""
    here = os.path.abspath(path)
    files, _folders = _entries(here)
    if any(name in files for name in CONFIG_FILES):
        return None
    parts: list[str] = []
    for _ in range(2 * MAX_DEPTH):
        parent = os.path.dirname(here)
        if parent == here:
            return None
        parts.insert(0, os.path.basename(here))
        here = parent
        files, _folders = _entries(here)
        if any(name in files for name in CONFIG_FILES):
            return (here, parts[0]) if parts[0] in RESOURCE_FOLDERS else None
    return None


def part_of_a_catalog_message(path: str, root: str, collection: str) -> str:
    """Why ``path``, a part of the catalog at ``root`` (inside its ``collection`` folder), is refused."""
    shown = os.path.relpath(root) if not os.path.relpath(root).startswith("../../") else root
    return (f"{path} is a part of the catalog at {shown} (inside its {collection}/ folder), not a catalog: its pages "
            "point at pages elsewhere in the catalog, so checked alone every such reference would be reported as "
            f"broken. Run saga-lint on {shown}")


def not_a_catalog_message(path: str) -> str:
    """Why ``path`` is refused, and where the catalogs are if there are some below it."""
    below = catalogs_below(path)
    expected = "no eventcatalog.config.js and no collection folder (domains/, services/, events/, commands/, flows/, ...)"
    if below:
        names = ", ".join(below[:5]) + (", ..." if len(below) > 5 else "")
        return (f"{path} is not an EventCatalog catalog: it has {expected}. "
                f"Catalogs below it: {names}; run saga-lint on one of them")
    return f"{path} is not an EventCatalog catalog: it has {expected}"
