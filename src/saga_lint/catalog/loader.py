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

from saga_lint.catalog.fileio import read_capped
from saga_lint.catalog.model import PAGE_KINDS, Catalog, Resource
from saga_lint.catalog.yaml import locations as yamlloc
from saga_lint.catalog.yaml.frontmatter import split
from saga_lint.catalog.yaml.locations import Locations, YamlProblem
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
    in_collection = any(f in RESOURCE_FOLDERS for f in folders)
    if stem != "index":
        return ("unrecognised" if in_collection or _near_miss_folder(folders) else None), None
    versioned = None
    p = folders
    if len(p) >= 3 and p[-2] == "versioned":
        versioned = p[-1]
        p = p[:-2]
    for i in range(len(p) - 2, -1, -1):
        coll = p[i]
        if coll in COLLECTIONS:
            depth = len(p) - 1 - i
            if depth == 1 or coll in NESTED_COLLECTIONS:
                return COLLECTIONS[coll], versioned
            return "unrecognised", None
    # an index no pattern matches: directly in a collection folder (events/index.mdx), in a
    # folder of a flat-file collection (users/jane/index.mdx), or under a folder named almost
    # like a collection (event/, Services/): EventCatalog ignores it
    if in_collection or _near_miss_folder(folders):
        return "unrecognised", None
    return None, None


# folders whose pages EventCatalog reads as resources (teams and users are single files)
RESOURCE_FOLDERS = frozenset(COLLECTIONS) | {"teams", "users"}


def _edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def near_miss_folder(name: str) -> str | None:
    """The collection folder a folder name was probably meant to be (``event``, ``Services``,
    ``comands``): the same name in another case, or one edit away (two for names of eight
    letters or more) for names of five letters or more. None for a collection's own name."""
    if name in RESOURCE_FOLDERS:
        return None
    lower = name.lower()
    if lower in RESOURCE_FOLDERS:
        return lower
    if len(name) < 5 or len(name) > 40:
        return None
    limit = 2 if len(name) >= 8 else 1
    best = None
    for candidate in sorted(RESOURCE_FOLDERS):
        d = _edit_distance(lower, candidate)
        if d <= limit and (best is None or d < best[0]):
            best = (d, candidate)
    return best[1] if best else None


def _near_miss_folder(folders: tuple) -> bool:
    """Some folder is named almost like a collection (asked only of pages in no collection)."""
    return any(near_miss_folder(f) for f in folders)


def unrecognised_message(rel: str) -> str:
    """What is wrong with a page ``classify`` calls unrecognised, and where it probably belongs."""
    parts = rel.split("/")
    folders, name = parts[:-1], parts[-1]
    stem, _, ext = name.rpartition(".")
    ext = "." + ext if stem else ""
    stem = stem or name
    is_index = stem == "index"
    ignored = "EventCatalog ignores this page"
    for i, folder in enumerate(folders):
        fixed = near_miss_folder(folder)
        if fixed:
            path = "/".join(parts[:i] + [fixed] + parts[i + 1 :])
            return f'folder "{folder}" is not an EventCatalog collection, so {ignored}; did you mean {path}?'
    last = max((i for i, f in enumerate(folders) if f in RESOURCE_FOLDERS), default=-1)
    if last < 0:  # pragma: no cover - classify reports no such page
        return f"{ignored}; move it to <collection>/<name>/index.mdx or into a docs/ folder"
    collection = folders[last]
    prefix = "/".join(folders[: last + 1])
    after = folders[last + 1 :]
    if collection in ("teams", "users"):
        rid = after[-1] if is_index and after else stem
        return f"{collection} are single files, so {ignored}; move it to {prefix}/{rid}{ext or '.mdx'}"
    if not after and not is_index:
        return f"a resource is a folder with an index page, so {ignored}; move it to {prefix}/{stem}/index{ext or '.mdx'}"
    if not after:
        return f"each resource needs its own folder, so {ignored}; move it to {prefix}/<id>/index{ext or '.mdx'}"
    if after[-1] == "versioned" and is_index:
        return f"an older version needs a folder named after it, so {ignored}; move it to {'/'.join(folders)}/<version>/index{ext}"
    if not is_index:
        return (
            f"only index pages are resources, so {ignored}; move extra documentation into a docs/ folder, "
            f"e.g. {'/'.join(folders)}/docs/{name}"
        )
    return f"no EventCatalog pattern matches this page, so {ignored}; move it to <collection>/<name>/index.mdx or into a docs/ folder"


def _not_regular(rel: str) -> Finding:
    return Finding(
        "parse/unreadable", "error", "not a regular file (FIFO, socket or device); replace it with a text page", rel, 1, 1
    )


def _read_text(abs_path: str, rel: str, regular: bool, findings: list) -> str | None:
    """The page's text, or None with a finding. ``regular`` comes from the folder listing (the
    entry's type, known without a system call): anything else is never opened, since opening a
    device can act on it; ``read_capped`` checks the opened file again."""
    if not regular:
        findings.append(_not_regular(rel))
        return None
    try:
        raw, st = read_capped(abs_path, MAX_FILE_BYTES)
    except OSError as exc:
        findings.append(
            Finding("parse/unreadable", "error", f"cannot read the file: {exc.strerror or exc}", rel, 1, 1)
        )
        return None
    if raw is None and not stat.S_ISREG(st.st_mode):
        findings.append(_not_regular(rel))
        return None
    if raw is None or len(raw) > MAX_FILE_BYTES:
        size = st.st_size if raw is None else len(raw)
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


def parse_page(
    abs_path: str, rel: str, kind: str, versioned: str | None, findings: list, regular: bool = True
) -> Resource | None:
    """Read and parse one page; on failure append a finding and return None. ``regular``: the
    folder listing saw a regular file (or a link to one)."""
    text = _read_text(abs_path, rel, regular, findings)
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
    """One folder, entries sorted by name: ``(files, subfolders)``, files as ``(abs_path, rel, name, regular)``
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
                # a regular file (or a link to one)? Known from the listing without a system call
                files.append((entry.path, rel, name, entry.is_file()))
        except OSError:
            continue
    return files, subdirs


def walk(root: Path, findings: list, start: tuple | None = None):
    """Yield ``(abs_path, rel_posix, name, regular)`` for every file under root (or under ``start``, an
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


def load_catalog(root, while_parsing=None, on_pages=None) -> Catalog:
    """Walk and parse the catalog at ``root``. Large catalogs are walked and parsed by worker
    processes (``_load_units``); the catalog is the same either way, down to the order of its
    resources and findings. ``while_parsing`` is called once the workers have started (never
    when there are none), for work this process can do meanwhile: it must not block.
    ``on_pages`` is called with each batch of parsed pages as the workers send them, in order
    (only then), to do per-page work while the rest is still being parsed."""
    root = Path(root)
    catalog = Catalog(root=root)
    # the walk's findings come first, then the pages', as if walked and parsed in sequence
    walk_findings: list = []
    parse_findings: list = []
    for part in _load_units(root, catalog, while_parsing, on_pages):
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
        findings.append(Finding("structure/unrecognised-file", "warning", unrecognised_message(rel), rel, 1, 1))
        return None
    return kind, versioned


# -- units of work, for one process or many ---------------------------------------------------------
#
# The catalog is cut into *units* that, taken in order, are the whole walk: ``("files", [(abs, rel,
# name, regular)], listing findings)`` (files already listed) and ``("walk", abs, rel)`` (a folder's whole
# tree, still to walk). ``_load_unit`` walks, classifies and parses one unit and returns
# ``(walk findings, parse findings, files seen, other files, resources and pages)``; concatenated in
# unit order these are exactly what one sequential walk and parse would give.

# Below this many pages, starting worker processes costs more than it saves.
PARALLEL_MIN_PAGES = 300
PAGES_PER_TASK = 250
UNITS_PER_WORKER = 16  # folder trees per worker process to share out (balance)

def _load_unit(unit: tuple, root: str, real_root: str, precompute: bool = False) -> tuple:
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
    for abs_path, rel, name, regular in files:
        seen += 1
        if not _is_page(name):
            others.append(rel)
            continue
        job = _page_job(rel, name, walk_findings)
        if job is None:
            continue
        res = parse_page(abs_path, rel, job[0], job[1], parse_findings, regular)
        if res is not None:
            if precompute and res.type not in PAGE_KINDS:
                from saga_lint.catalog import fmschema

                fmschema.precompute(res)
            results.append(res)
    return walk_findings, parse_findings, seen, others, results


def _load_batch(units: list, root: str, real_root: str, precompute: bool = False) -> tuple:
    """Several units, merged (in order) into one result."""
    walk_findings: list = []
    parse_findings: list = []
    seen = 0
    others: list = []
    results: list = []
    for unit in units:
        w, p, n, o, r = _load_unit(unit, root, real_root, precompute)
        walk_findings.extend(w)
        parse_findings.extend(p)
        seen += n
        others.extend(o)
        results.extend(r)
    return walk_findings, parse_findings, seen, others, results


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


def _load_units(root: Path, catalog: Catalog, while_parsing=None, on_pages=None) -> list:
    """Unit results covering the whole catalog, in walk order.

    This process walks until it has seen ``min_pages`` pages. A catalog that ends before is parsed
    here. Otherwise the folders still to walk are split further (one level at a time, until there
    are ``UNITS_PER_WORKER`` trees per worker) and forked workers (``_Workers``) walk and parse them
    all, listed files and trees alike, in batches; then they go on computing the pages' facts
    while this process builds the graph (``catalog._facts_pending``). If the workers cannot start
    or one fails, everything is done here."""
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
    if stack and workers > 1:
        import multiprocessing

        if "fork" in multiprocessing.get_all_start_methods():
            units = _split(units, workers * UNITS_PER_WORKER, real_root)
            from saga_lint.catalog.schemas import _cache as schema_cache

            team = _Workers(list(_batches(units, workers)), workers, root_str, real_root, schema_cache(catalog)["base"])
            if team.procs and while_parsing is not None:
                while_parsing()
            parts = team.results(on_pages)
            if parts is not None:
                catalog._facts_pending = team
                return parts
    return [_load_unit(unit, root_str, real_root) for unit in units]


class _WorkerCatalog:
    """What a loader worker knows of the catalog when it computes page facts: the root, the files
    it walked (``other_files``) and its own cache of the JSON schema files it read. The path and
    schema functions need no more (``resolve_in_catalog`` asks the file system about other paths)."""

    def __init__(self, root: str, schema_base: str, other_files: set):
        self.root = Path(root)
        self.other_files = other_files
        # the main process's unguessable base URI, so that every message is the same
        self._json_schema_cache = {"files": {}, "loaded": {}, "base": schema_base}


_WORKER_SETUP: tuple | None = None  # (root, real root, schema base URI), read by forked workers


def _worker_main(batches: list, conn) -> None:
    """A loader worker: parse each batch and send it back at once; then compute the facts of every
    page it parsed and send them as one message."""
    import pickle

    from saga_lint.catalog import pagefacts

    root, real_root, schema_base = _WORKER_SETUP
    try:
        kept = []
        for batch in batches:
            part = _load_batch(batch, root, real_root, precompute=True)
            conn.send_bytes(pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL))
            kept.append(part)
        others = set()
        for part in kept:
            others.update(part[3])
        catalog = _WorkerCatalog(root, schema_base, others)
        facts = [[pagefacts.compute(catalog, res) for res in part[4]] for part in kept]
        conn.send_bytes(pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException:  # noqa: BLE001 - the main process has gone or stopped us, or this
        # worker failed (out of memory, say): it stops quietly; the main process sees the pipe
        # close and does the work itself, reporting any real failure the usual way
        pass
    finally:
        conn.close()


class _Workers:
    """Forked loader workers; batch ``i`` goes to worker ``i % n`` (batches are many and small, so
    the shares are even), so that each worker still holds the pages it parsed when it computes
    their facts, and sends back only the facts."""

    def __init__(self, batches: list, n: int, root: str, real_root: str, schema_base: str):
        import multiprocessing

        global _WORKER_SETUP
        ctx = multiprocessing.get_context("fork")
        self.batches = batches
        self.conns: list = []
        self.procs: list = []
        self.received: list = []  # per batch, the pages as this process holds them
        _WORKER_SETUP = (root, real_root, schema_base)
        try:
            for w in range(n):
                recv, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_worker_main, args=(batches[w::n], send), daemon=True)
                proc.start()
                send.close()
                self.conns.append(recv)
                self.procs.append(proc)
        except (OSError, AssertionError):  # pragma: no cover - no processes or pipes left; or we are a daemon process
            self.close()
        finally:
            _WORKER_SETUP = None

    def results(self, on_pages=None) -> list | None:
        """Every batch's result, in batch order; None if a worker could not start or failed.
        ``on_pages`` gets each batch's pages as soon as they are here."""
        import pickle
        from multiprocessing.connection import wait

        n = len(self.conns)
        if n == 0 or len(self.procs) != n:
            self.close()
            return None
        inbox: list = [[] for _ in range(n)]  # read as they come, so that no worker waits on us
        due = [len(self.batches[w::n]) for w in range(n)]
        out: list = []
        try:
            while len(out) < len(self.batches):
                w = len(out) % n
                while not inbox[w]:
                    for conn in wait([c for i, c in enumerate(self.conns) if due[i]]):
                        i = self.conns.index(conn)
                        inbox[i].append(conn.recv_bytes())
                        due[i] -= 1
                part = pickle.loads(inbox[w].pop(0))
                out.append(part)
                self.received.append(part[4])
                if on_pages is not None:
                    on_pages(part[4])
        except (EOFError, OSError, pickle.UnpicklingError):
            self.close()
            return None
        return out

    def attach_facts(self) -> None:
        """Wait for the workers' page facts and keep them with the pages (``pagefacts.keep``). A
        worker that failed leaves its pages' facts to be computed here."""
        import pickle

        from saga_lint.catalog import pagefacts

        n = len(self.conns)
        for w, conn in enumerate(self.conns):
            try:
                facts = pickle.loads(conn.recv_bytes())
            except (EOFError, OSError, pickle.UnpicklingError):
                continue
            for k, per_batch in enumerate(facts):
                for res, fact in zip(self.received[w + k * n], per_batch):
                    if fact is not None:
                        pagefacts.keep(res, *fact)
        self.close()

    def close(self) -> None:
        for conn in self.conns:
            conn.close()
        for proc in self.procs:
            proc.join(timeout=5)
            if proc.is_alive():  # pragma: no cover - a worker that hangs
                proc.kill()
                proc.join()
        self.conns, self.procs = [], []


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
