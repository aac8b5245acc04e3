"""Load an EventCatalog folder into a ``Catalog``.

The layout follows EventCatalog's own content globs (see docs/architecture.md): a resource is an
``index.md``/``index.mdx`` whose nearest collection-named ancestor folder (``events``, ``services``,
``flows``, ...) says its type; older versions live in ``<resource>/versioned/<v>/``; teams and users
are single files; ``docs/**`` are custom pages. Ids come from the frontmatter, never from folders.

Bad input never raises: an unreadable, oversized, non-UTF-8 or unparsable file becomes one
``parse/*`` finding at its location and the rest of the catalog is still loaded. Symbolic links
that leave the catalog are reported (``security/path-outside-catalog``) and never followed.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from saga_lint.catalog import yamlloc
from saga_lint.catalog.frontmatter import split
from saga_lint.catalog.model import PAGE_KINDS, Catalog, Resource
from saga_lint.catalog.yamlloc import Locations, YamlProblem
from saga_lint.findings import Finding

MAX_FILE_BYTES = 5 * 1024 * 1024

# collection folder -> resource type
COLLECTIONS = {
    "events": "event",
    "commands": "command",
    "queries": "query",
    "services": "service",
    "domains": "domain",
    "subdomains": "domain",
    "systems": "system",
    "flows": "flow",
    "channels": "channel",
    "containers": "container",
    "entities": "entity",
    "agents": "agent",
    "adrs": "adr",
    "data-products": "data-product",
    "diagrams": "diagram",
}
# collections whose resources may sit in nested sub-folders (``**`` globs in EventCatalog core)
NESTED_COLLECTIONS = {"systems", "flows", "channels", "containers", "diagrams"}
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


def _is_page(name: str) -> bool:
    return name.endswith(PAGE_SUFFIXES)


def classify(rel_parts: tuple) -> tuple[str | None, str | None]:
    """Kind of a page from its relative path parts (folders + file name).

    Returns ``(kind, versioned)``: kind is a resource type, a page kind (``doc``, ``changelog``,
    ``ubiquitous-language``, ``page``), ``"unrecognised"`` for a page inside a resource folder that no
    pattern matches, or None for a page outside any collection (ignored, e.g. a root README)."""
    name = rel_parts[-1]
    folders = rel_parts[:-1]
    stem = name.rsplit(".", 1)[0]
    if folders and folders[0] == "docs":
        return "doc", None
    if "docs" in folders and any(f in COLLECTIONS for f in folders[: folders.index("docs")]):
        return "doc", None
    if len(folders) >= 1 and folders[-1] in ("teams", "users"):
        if len(folders) == 1 or (len(folders) == 3 and folders[0] == "federated"):
            return folders[-1][:-1], None
    if stem == "changelog":
        return "changelog", None
    if stem == "ubiquitous-language":
        return "ubiquitous-language", None
    if folders and folders[-1] == "pages":
        return "page", None
    in_collection = any(f in COLLECTIONS for f in folders)
    if stem != "index":
        return ("unrecognised" if in_collection else None), None
    versioned = None
    p = folders
    if len(p) >= 3 and p[-2] == "versioned":
        versioned = p[-1]
        p = p[:-2]
    if not p:
        return None, None
    for i in range(len(p) - 2, -1, -1):
        coll = p[i]
        if coll in COLLECTIONS:
            depth = len(p) - 1 - i
            if depth == 1 or coll in NESTED_COLLECTIONS:
                return COLLECTIONS[coll], versioned
            return "unrecognised", None
    return None, None


def _read_bytes(abs_path: str, size: int) -> bytes:
    """At most ``MAX_FILE_BYTES + 1`` bytes of a file, read with plain system calls: a buffered
    ``read(MAX_FILE_BYTES + 1)`` allocates the whole 5 MB each time, which on tens of thousands
    of small pages costs more than reading them."""
    fd = os.open(abs_path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        parts = []
        remaining = MAX_FILE_BYTES + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, max(size + 1, 65536)))
            if not chunk:
                break
            parts.append(chunk)
            remaining -= len(chunk)
        return b"".join(parts)
    finally:
        os.close(fd)


def _read_text(abs_path: str, rel: str, findings: list) -> str | None:
    try:
        st = os.stat(abs_path)
        if not stat.S_ISREG(st.st_mode):
            # a FIFO, socket or device named like a page: opening it could block forever
            findings.append(
                Finding("parse/unreadable", "error", "not a regular file (FIFO, socket or device); replace it with a text page", rel, 1, 1)
            )
            return None
        size = st.st_size
        if size > MAX_FILE_BYTES:
            findings.append(
                Finding(
                    "parse/too-large",
                    "error",
                    f"file is {size} bytes, over the {MAX_FILE_BYTES}-byte cap; it was not read. Split it or move large content out of the catalog",
                    rel,
                    1,
                    1,
                )
            )
            return None
        raw = _read_bytes(abs_path, size)
    except OSError as exc:
        findings.append(
            Finding("parse/unreadable", "error", f"cannot read the file: {exc.strerror or exc}", rel, 1, 1)
        )
        return None
    if b"\x00" in raw:
        findings.append(
            Finding(
                "parse/encoding",
                "error",
                "binary file (contains NUL bytes) where a Markdown page is expected; replace it with a UTF-8 text page",
                rel,
                1,
                1,
            )
        )
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        findings.append(
            Finding(
                "parse/encoding",
                "error",
                f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
                rel,
                line,
                col,
            )
        )
        return None


def parse_page(abs_path: str, rel: str, kind: str, versioned: str | None, findings: list) -> Resource | None:
    """Read and parse one page; on failure append a finding and return None."""
    text = _read_text(abs_path, rel, findings)
    if text is None:
        return None
    folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
    try:
        parts = split(text)
    except YamlProblem as p:
        if kind in ("doc", "page", "changelog", "ubiquitous-language"):
            # custom pages may have no frontmatter at all
            return Resource(kind, rel, folder, {}, Locations(), text, 1, versioned)
        findings.append(Finding(p.rule, "error", p.message, rel, p.line, p.column))
        return None
    if "\t" in parts.yaml_text:
        # YAML forbids tabs for indentation; point at the first one
        for i, line in enumerate(parts.yaml_text.split("\n")):
            stripped = line.lstrip(" ")
            if stripped.startswith("\t"):
                findings.append(
                    Finding(
                        "parse/yaml",
                        "error",
                        "tab character used for indentation; YAML allows only spaces",
                        rel,
                        parts.yaml_first_line + i,
                        len(line) - len(stripped) + 1,
                    )
                )
                return None
    try:
        # positions are computed again only for pages that get a finding (see LazyLocations)
        data, locs = yamlloc.load(parts.yaml_text, parts.yaml_first_line - 1, lazy_locations=True)
    except YamlProblem as p:
        findings.append(Finding(p.rule, "error", p.message, rel, p.line, p.column))
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        findings.append(
            Finding(
                "parse/frontmatter",
                "error",
                f"frontmatter must be a YAML mapping of keys to values, not a {type(data).__name__}",
                rel,
                parts.yaml_first_line,
                1,
            )
        )
        return None
    return Resource(kind, rel, folder, data, locs, parts.body, parts.body_first_line, versioned)


_DEP_BLOCK = re.compile(r"dependencies\s*:\s*\{(?P<body>.*?)\}\s*,?\s*(?:\n\s*[a-zA-Z_]+\s*:|\}\s*;?\s*$)", re.S)
_DEP_ITEM = re.compile(r"""id\s*:\s*['"]([^'"]+)['"]""")
_DEP_KIND = re.compile(r"(events|commands|queries|services|domains|channels|flows|containers|entities)\s*:\s*\[([^\[\]]*)\]")


def _read_config_dependencies(root: Path) -> dict:
    """External resources declared in eventcatalog.config.js ``dependencies`` (the linter treats them
    as existing). Read with a tolerant pattern: the file is JavaScript and is never executed."""
    for name in ("eventcatalog.config.js", "eventcatalog.config.cjs", "eventcatalog.config.mjs"):
        path = root / name
        if not path.is_file():
            continue
        real, real_root = os.path.realpath(path), os.path.realpath(root)
        if not real.startswith(real_root + os.sep):
            return {}  # a symlink out of the catalog: never read
        try:
            with open(path, "rb") as fh:
                text = fh.read(1_000_000).decode("utf-8", errors="replace")
        except OSError:
            return {}
        start = text.find("dependencies")
        if start < 0:
            return {}
        out: dict = {}
        for kind, items in _DEP_KIND.findall(text[start : start + 200_000]):
            rtype = COLLECTIONS[kind]
            out.setdefault(rtype, set()).update(_DEP_ITEM.findall(items))
        return out
    return {}


def _list_dir(dir_abs: str, dir_rel: str, real_root: str, findings: list) -> tuple[list, list]:
    """One folder, entries sorted by name: ``(files, subfolders)``, files as ``(abs_path, rel, name)``
    and subfolders as ``(abs_path, rel)``. Directory symlinks are never followed, build and hidden
    folders are skipped, symlinks that leave the catalog are reported."""
    files: list = []
    subdirs: list = []
    try:
        entries = sorted(os.scandir(dir_abs), key=lambda e: e.name)
    except OSError as exc:
        findings.append(
            Finding("parse/unreadable", "error", f"cannot list folder: {exc.strerror or exc}", dir_rel or ".", None, None)
        )
        return files, subdirs
    for entry in entries:
        name = entry.name
        rel = f"{dir_rel}/{name}" if dir_rel else name
        try:
            if entry.is_symlink():
                target = os.path.realpath(entry.path)
                if not (target == real_root or target.startswith(real_root + os.sep)):
                    if entry.is_dir() or _is_page(name) or name.endswith((".json", ".yml", ".yaml", ".avro", ".proto")):
                        findings.append(
                            Finding(
                                "security/path-outside-catalog",
                                "error",
                                "symbolic link points outside the catalog folder; it was not followed. Copy the file into the catalog instead",
                                rel,
                                None,
                                None,
                            )
                        )
                    continue
                if entry.is_dir():
                    continue  # never follow directory links inside the catalog either (loops)
                if not os.path.exists(entry.path):
                    continue
            if entry.is_dir(follow_symlinks=False):
                if name in SKIP_DIRS or name.startswith("."):
                    continue
                subdirs.append((entry.path, rel))
            else:
                files.append((entry.path, rel, name))
        except OSError:
            continue
    return files, subdirs


def walk(root: Path, findings: list, start: tuple | None = None):
    """Yield ``(abs_path, rel_posix, name)`` for every file under root (or under ``start``, an
    ``(abs_path, rel)`` folder inside it), depth first: a folder's files by name, then its
    subfolders' trees, the last by name first. See ``_list_dir`` for what is skipped."""
    root_str = str(root)
    real_root = os.path.realpath(root_str)
    stack = [start or (root_str, "")]
    while stack:
        dir_abs, dir_rel = stack.pop()
        files, subdirs = _list_dir(dir_abs, dir_rel, real_root, findings)
        yield from files
        stack.extend(subdirs)


def load_catalog(root) -> Catalog:
    """Walk and parse the catalog at ``root``. Large catalogs are walked and parsed by worker
    processes (``_load_units``); the catalog is the same either way, down to the order of its
    resources and findings."""
    root = Path(root)
    catalog = Catalog(root=root)
    # the walk's findings come first, then the pages', as if walked and parsed in sequence
    walk_findings: list = []
    parse_findings: list = []
    for part in _load_units(root):
        u_walk, u_parse, seen, others, results = part
        walk_findings.extend(u_walk)
        parse_findings.extend(u_parse)
        catalog.files_seen += seen
        catalog.other_files.update(others)
        for res in results:
            if res.type in PAGE_KINDS:
                catalog.pages.append(res)
            else:
                catalog.resources.append(res)
    catalog.load_findings.extend(walk_findings)
    catalog.load_findings.extend(parse_findings)
    _link_parents(catalog)
    catalog.dependencies = _read_config_dependencies(root)
    return catalog


def _page_job(rel: str, name: str, findings: list) -> tuple | None:
    """``(kind, versioned)`` of a page to parse, or None (not a page, or a page no pattern matches:
    then reported)."""
    if not _is_page(name):
        return None
    kind, versioned = classify(tuple(rel.split("/")))
    if kind is None:
        return None
    if kind == "unrecognised":
        findings.append(
            Finding(
                "structure/unrecognised-file",
                "warning",
                "page inside a resource folder matches no EventCatalog pattern, so EventCatalog ignores it; "
                "move it to <collection>/<name>/index.mdx or into a docs/ folder",
                rel,
                1,
                1,
            )
        )
        return None
    return kind, versioned


# -- units of work, for one process or many ---------------------------------------------------------
#
# The catalog is cut into *units* that, taken in order, are the whole walk: ``("files", [(abs, rel,
# name)], listing findings)`` (files already listed) and ``("walk", abs, rel)`` (a folder's whole
# tree, still to walk). ``_load_unit`` walks, classifies and parses one unit and returns
# ``(walk findings, parse findings, files seen, other files, resources and pages)``; concatenated in
# unit order these are exactly what one sequential walk and parse would give.

# Below this many pages, starting worker processes costs more than it saves.
PARALLEL_MIN_PAGES = 2000
PAGES_PER_TASK = 250
UNITS_PER_WORKER = 16  # folder trees per worker process to share out (balance)

_ROOT: tuple | None = None  # (root, real root) for the worker processes, set before they fork
_PRECOMPUTE = False  # workers also check frontmatters against EventCatalog's schema


def _load_unit(unit: tuple, root: str, real_root: str) -> tuple:
    walk_findings: list = []
    parse_findings: list = []
    others: list = []
    results: list = []
    if unit[0] == "walk":
        files = walk(root, walk_findings, (unit[1], unit[2]))
    else:
        files = unit[1]
        walk_findings.extend(unit[2])
    seen = 0
    for abs_path, rel, name in files:
        seen += 1
        if not _is_page(name):
            others.append(rel)
            continue
        job = _page_job(rel, name, walk_findings)
        if job is None:
            continue
        res = parse_page(abs_path, rel, job[0], job[1], parse_findings)
        if res is not None:
            if _PRECOMPUTE and res.type not in PAGE_KINDS:
                from saga_lint.catalog import fmschema

                fmschema.precompute(res)
            results.append(res)
    return walk_findings, parse_findings, seen, others, results


def _load_batch(units: list) -> tuple:
    """Several units in a worker process, merged (in order) into one result."""
    root, real_root = _ROOT
    merged: tuple = ([], [], 0, [], [])
    for unit in units:
        w, p, seen, others, results = _load_unit(unit, root, real_root)
        merged[0].extend(w)
        merged[1].extend(p)
        merged[3].extend(others)
        merged[4].extend(results)
        merged = (merged[0], merged[1], merged[2] + seen, merged[3], merged[4])
    return merged


def _parallelism() -> tuple[int, int]:
    """``(workers, min_pages)``: worker processes for large catalogs (one per usable CPU) and the
    page count from which they are used. ``SAGA_LINT_JOBS`` overrides both: 1 turns parallel
    parsing off, N > 1 uses N workers whatever the catalog's size."""
    env = os.environ.get("SAGA_LINT_JOBS", "").strip()
    if env.isdigit() and int(env) >= 1:
        return min(int(env), 16), 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return min(cpus, 16), PARALLEL_MIN_PAGES


def _load_units(root: Path):
    """Yield unit results covering the whole catalog, in walk order.

    This process walks until it has seen ``min_pages`` pages. A catalog that ends before is parsed
    here. Otherwise the folders still to walk are split further (one level at a time, until there
    are ``UNITS_PER_WORKER`` trees per worker) and a pool of forked workers walks and parses them
    all, listed files and trees alike, in batches; results come back in order. If the pool cannot
    start (no ``fork``, no semaphores), everything is done here."""
    global _ROOT, _PRECOMPUTE
    root_str = str(root)
    real_root = os.path.realpath(root_str)
    workers, min_pages = _parallelism()
    stack = [(root_str, "")]
    units: list = []
    pages = 0
    while stack and pages < min_pages:
        dir_abs, dir_rel = stack.pop()
        findings: list = []
        files, subdirs = _list_dir(dir_abs, dir_rel, real_root, findings)
        units.append(("files", files, findings))
        pages += sum(1 for f in files if _is_page(f[2]))
        stack.extend(subdirs)
    units.extend(("walk", a, r) for a, r in reversed(stack))
    pool = None
    if stack and workers > 1:
        import multiprocessing

        if "fork" in multiprocessing.get_all_start_methods():
            _ROOT, _PRECOMPUTE = (root_str, real_root), True
            try:
                pool = multiprocessing.get_context("fork").Pool(workers)
            except OSError:  # pragma: no cover - e.g. no /dev/shm for the pool's locks
                pool = None
            finally:
                _PRECOMPUTE = False
    if pool is None:
        for unit in units:
            yield _load_unit(unit, root_str, real_root)
        return
    units = _split(units, workers * UNITS_PER_WORKER, real_root)
    with pool:
        yield from pool.imap(_load_batch, _batches(units, workers))


def _split(units: list, want: int, real_root: str) -> list:
    """List folder trees one level down (in this process) until there are ``want`` of them."""
    for _level in range(8):
        trees = sum(1 for u in units if u[0] == "walk")
        if trees == 0 or trees >= want:
            break
        out: list = []
        for u in units:
            if u[0] != "walk":
                out.append(u)
                continue
            findings: list = []
            files, subdirs = _list_dir(u[1], u[2], real_root, findings)
            if files or findings:
                out.append(("files", files, findings))
            out.extend(("walk", a, r) for a, r in reversed(subdirs))
        units = out
    return units


def _batches(units: list, workers: int):
    """Consecutive units grouped into pool tasks: listed files cut into ``PAGES_PER_TASK`` pages,
    folder trees a few at a time."""
    trees = sum(1 for u in units if u[0] == "walk")
    trees_per_task = max(1, trees // (workers * UNITS_PER_WORKER // 2 or 1))
    batch: list = []
    weight = 0
    for unit in units:
        if unit[0] == "files":
            files, findings = unit[1], unit[2]
            start = 0
            count = 0
            for i, f in enumerate(files):
                if _is_page(f[2]):
                    count += 1
                    if count >= PAGES_PER_TASK:
                        batch.append(("files", files[start : i + 1], findings if start == 0 else []))
                        yield batch
                        batch, weight, start, count = [], 0, i + 1, 0
            if start < len(files) or (start == 0 and findings):
                batch.append(("files", files[start:], findings if start == 0 else []))
                weight += count / PAGES_PER_TASK
        else:
            batch.append(unit)
            weight += 1 / trees_per_task
        if weight >= 1:
            yield batch
            batch, weight = [], 0
    if batch:
        yield batch


def _link_parents(catalog: Catalog) -> None:
    """Record for each resource the folders of the resources that enclose it (domain > system > ...)."""
    folders = {r.folder for r in catalog.resources if r.versioned_folder is None}
    for r in catalog.resources:
        base = r.folder
        if r.versioned_folder is not None:
            base = base.rsplit("/versioned/", 1)[0]
        parts = base.split("/")
        chain = []
        for i in range(1, len(parts)):
            f = "/".join(parts[:i])
            if f in folders:
                chain.append(f)
        r.parent_folders = tuple(chain)
