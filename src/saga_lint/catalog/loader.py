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

import itertools
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


def walk(root: Path, findings: list):
    """Yield ``(abs_path, rel_posix, name)`` for every file under root, not following directory
    symlinks, skipping build folders; report symlinks that leave the catalog."""
    root_str = str(root)
    real_root = os.path.realpath(root_str)
    stack = [(root_str, "")]
    while stack:
        dir_abs, dir_rel = stack.pop()
        try:
            entries = sorted(os.scandir(dir_abs), key=lambda e: e.name)
        except OSError as exc:
            findings.append(
                Finding("parse/unreadable", "error", f"cannot list folder: {exc.strerror or exc}", dir_rel or ".", None, None)
            )
            continue
        for entry in entries:
            name = entry.name
            rel = f"{dir_rel}/{name}" if dir_rel else name
            try:
                is_link = entry.is_symlink()
                if is_link:
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
                    stack.append((entry.path, rel))
                else:
                    yield entry.path, rel, name
            except OSError:
                continue


def load_catalog(root) -> Catalog:
    root = Path(root)
    catalog = Catalog(root=root)
    walk_findings: list = []  # the walk's findings come first, then the pages', as if in sequence
    parse_findings: list = []
    jobs = _page_jobs(root, catalog, walk_findings)
    for res in _parse_pages(jobs, parse_findings):
        if res is None:
            continue
        if res.type in ("doc", "changelog", "ubiquitous-language", "page"):
            catalog.pages.append(res)
        else:
            catalog.resources.append(res)
    catalog.load_findings.extend(walk_findings)
    catalog.load_findings.extend(parse_findings)
    _link_parents(catalog)
    catalog.dependencies = _read_config_dependencies(root)
    return catalog


def _page_jobs(root: Path, catalog: Catalog, findings: list):
    """Walk the catalog: count files, record the non-page ones, report pages no pattern matches,
    and yield ``(abs_path, rel, kind, versioned)`` for every page to parse, in walk order."""
    for abs_path, rel, name in walk(root, findings):
        catalog.files_seen += 1
        if not _is_page(name):
            catalog.other_files.add(rel)
            continue
        kind, versioned = classify(tuple(rel.split("/")))
        if kind is None:
            continue
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
            continue
        yield abs_path, rel, kind, versioned


# Below this many pages, starting worker processes costs more than it saves.
PARALLEL_MIN_PAGES = 2000
PAGES_PER_TASK = 250


def _parse_chunk(jobs: list) -> tuple[list, list]:
    """Parse some pages: ``([Resource or None per job], findings)``, in job order."""
    findings: list = []
    return [parse_page(*job, findings) for job in jobs], findings


def _parse_chunk_in_worker(jobs: list) -> tuple[list, list]:
    """``_parse_chunk`` in a worker process, which also checks each frontmatter against
    EventCatalog's schema while it is at it (``fmschema.precompute``; the ``schema/*`` rules then
    read the result instead of computing it in the main process)."""
    from saga_lint.catalog import fmschema

    results, findings = _parse_chunk(jobs)
    for res in results:
        if res is not None and res.type not in PAGE_KINDS:
            fmschema.precompute(res)
    return results, findings


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


def _chunks(first: list, rest, size: int):
    batch = first
    while True:
        while len(batch) >= size:
            yield batch[:size]
            batch = batch[size:]
        more = list(itertools.islice(rest, size))
        if not more:
            break
        batch = batch + more
    if batch:
        yield batch


def _parse_pages(jobs, findings: list) -> list:
    """Parse every page of the ``jobs`` iterable, in order; their findings are appended to
    ``findings`` in page order.

    Large catalogs are parsed by a pool of forked worker processes (YAML parsing is CPU-bound and
    holds the GIL) while this process goes on walking the folders: the pool starts once the walk
    has found ``min_pages`` pages, and takes the rest as the walk yields it. Results come back in
    job order, so the catalog is the same either way; if the pool cannot start (no ``fork`` on
    this platform, no semaphores), parsing stays in-process."""
    workers, min_pages = _parallelism()
    jobs = iter(jobs)
    first = list(itertools.islice(jobs, max(min_pages, 1)))
    if workers > 1 and len(first) >= min_pages:
        import multiprocessing

        if "fork" in multiprocessing.get_all_start_methods():
            try:
                pool = multiprocessing.get_context("fork").Pool(workers)
            except OSError:  # pragma: no cover - e.g. no /dev/shm for the pool's locks
                pool = None
            if pool is not None:
                size = PAGES_PER_TASK if min_pages > 1 else 8
                out: list = []
                with pool:
                    # the pool's task thread runs the rest of the walk, chunk by chunk
                    for results, chunk_findings in pool.imap(_parse_chunk_in_worker, _chunks(first, jobs, size)):
                        out.extend(results)
                        findings.extend(chunk_findings)
                return out
    results, page_findings = _parse_chunk(first + list(jobs))
    findings.extend(page_findings)
    return results


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
