"""The result cache of ``saga-lint check``: a catalog whose inputs did not change answers from disk.

Like ruff's cache, it lives in a folder in the catalog's root (``.saga-lint-cache``, which the
walk skips as a hidden folder and which writes its own ``.gitignore`` of ``*``), or where
``--cache-dir`` / ``SAGA_LINT_CACHE_DIR`` say; ``--no-cache`` turns it off. A result is keyed by
everything it depends on (``CheckCache.key``):

- the content of every file the catalog's walk could read (a BLAKE2 digest per file; a file whose
  size, modification time, inode and change time are those recorded in the folder's index is not
  read again, unless it was modified less than a second before the index was written), and each
  symbolic link's target (the walk reports links out of the catalog); a folder whose modification
  and change time and inode are those recorded is not listed again either (``_Listings``: an
  entry added, removed or renamed changes its folder's modification time);
- saga-lint's version and code (size and modification time of every module and ruleset file),
  the rule set (every rule's name and default severity) and Python's version;
- the effective config (every field of the loaded ``Config``, so a ruleset it extends counts too).

The whole check is one entry: findings and summary counts, written as JSON (never pickle: a cache
folder is a file tree anyone could commit). Every file is written to a temporary name and moved
into place with ``os.replace``, so a reader sees a whole old file or a whole new one, and two runs
at once both finish correctly. Anything unexpected when reading (missing, truncated, corrupt, of
another layout or key) is a miss: the check runs and the entry is written again. An entry is written only when the
inputs' key, computed again after the check, is still the one it started from (a file edited
while the check ran is not cached under the content it had before). A folder that
cannot be created or written (a read-only checkout), or one inside the catalog where the walk
would see its files (not under a hidden folder), means no cache, silently: the output is the
same either way.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import stat
import sys
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from saga_lint import __version__
from saga_lint.findings import Finding, ResourceRef, Severity

if TYPE_CHECKING:
    from saga_lint.config import Config
    from saga_lint.ecversion import EcVersion
    from saga_lint.results import Result, Summary

CACHE_DIR_NAME = ".saga-lint-cache"
LAYOUT = 4  # of the files below; another layout is a miss
RACY_NS = 1_000_000_000  # a file modified this close before the index was written is read again
_KEEP = 8  # results kept per folder (the newest)
PARALLEL_FROM = 5000  # files in the index from which the key's walk is shared with a forked process
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_SPLIT = 16  # folders to share out at least


def cache_folder(root: Path, cache_dir: str | None) -> Path:
    """Where the cache of the catalog at ``root`` lives: ``cache_dir``, else ``SAGA_LINT_CACHE_DIR``,
    else ``.saga-lint-cache`` in the catalog's root."""
    chosen = cache_dir or os.environ.get("SAGA_LINT_CACHE_DIR")
    return Path(chosen) if chosen else root / CACHE_DIR_NAME


@dataclass
class Restored:
    """A check result read back from the cache: what the check formats show, nothing more."""

    root: Path
    findings: list[Finding]
    config: Config
    files_seen: int
    resources: dict[str, int] = field(default_factory=dict)
    eventcatalog: EcVersion | None = None  # the EventCatalog version the check was made against

    def summary(self) -> Summary:
        sev = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            sev[f.severity] = sev.get(f.severity, 0) + 1
        out: Summary = {"files": self.files_seen, "resources": dict(self.resources), "errors": sev["error"],
                        "warnings": sev["warning"], "infos": sev["info"]}
        if self.eventcatalog is not None:
            out["eventcatalog"] = {"version": self.eventcatalog.version, "source": self.eventcatalog.source}
        return out


class CheckCache:
    """The cache folder of one catalog (see the module's docstring)."""

    def __init__(self, folder: Path, root: Path) -> None:
        self.folder = folder
        self.root = root
        real = os.path.realpath(root).encode("utf-8", "surrogatepass")
        self.index_file = folder / f"files-{hashlib.blake2b(real, digest_size=8).hexdigest()}.json"

    @classmethod
    def open(cls, root: Path, cache_dir: str | None) -> CheckCache | None:
        """The cache, its folder made (with its ``.gitignore``); None when it cannot be."""
        folder = cache_folder(root, cache_dir)
        if _walked(root, folder):
            return None  # its files would be files of the catalog: every run would change the key
        try:
            folder.mkdir(parents=True, exist_ok=True)
            ignore = folder / ".gitignore"
            if not ignore.exists():
                _write_atomic(ignore, "# written by saga-lint: the cache is never committed\n*\n")
            if not os.access(folder, os.W_OK):
                return None
        except OSError:
            return None
        return cls(folder, root)

    # -- the key ----------------------------------------------------------------------------------
    def key(self, config: Config) -> str:
        """The hash of everything a check's result depends on (see the module's docstring)."""
        h = hashlib.blake2b(digest_size=20)
        # --eventcatalog-version reaches the rules through the environment (ecversion.detect)
        ec_version = os.environ.get("SAGA_LINT_EVENTCATALOG_VERSION", "")
        h.update(json.dumps([LAYOUT, __version__, sys.version, _code_signature(), _rule_set(), _config_form(config),
                             ec_version], sort_keys=True).encode())
        h.update("\n".join(self._file_lines()).encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def _file_lines(self) -> list[str]:
        """One line per file under the catalog's root (path and content digest) and per symbolic
        link (path, target, what it is), sorted; the index updated when a file had to be read.
        A catalog the index says is large is walked by this process and a forked one, half each."""
        known = _read_index(self.index_file)
        racy_before = _int(known.pop("", "0")) - RACY_NS
        near_root = _Listings(known, {}, racy_before)  # the folders _split lists, recorded as the others
        top, folders = _split(str(self.root), near_root) if len(known) >= PARALLEL_FROM else ([], [(str(self.root), "")])
        theirs, mine = folders[0::2], folders[1::2]
        child = _fork_scan(theirs, known, racy_before) if theirs and mine else None
        lines, fresh, reads = _scan(top, mine if child is not None else folders, known, racy_before)
        if child is not None:
            more = _collect(child)
            if more is None:  # the child failed: its half here
                more = _scan([], theirs, known, racy_before)
            lines += more[0]
            fresh.update(more[1])
            reads += more[2]
        fresh.update(near_root.fresh)
        reads += near_root.listed
        if reads or fresh.keys() != known.keys():
            _write_index(self.index_file, fresh)
        lines.sort()
        return lines

    # -- entries ----------------------------------------------------------------------------------
    def _entry(self, key: str) -> Path:
        return self.folder / f"check-{key}.json"

    def load(self, key: str, config: Config) -> Restored | None:
        """The cached result of ``key``, or None (a miss: missing, unreadable or not ours)."""
        try:
            doc = json.loads(self._entry(key).read_text("utf-8"))
            if doc.get("layout") != LAYOUT or doc.get("key") != key:
                return None
            findings = [_finding(f) for f in doc["findings"]]
            files_seen, resources = doc["files"], doc["resources"]
            if not isinstance(files_seen, int) or not isinstance(resources, dict):
                return None
            if not all(isinstance(k, str) and isinstance(v, int) for k, v in resources.items()):
                return None
            ec = _ec_version(doc.get("eventcatalog"))
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None
        return Restored(self.root, findings, config, files_seen, resources, ec)

    def store(self, key: str, result: Result) -> None:
        """Write the result of ``key`` (quietly nothing when the folder cannot be written)."""
        summary = result.summary()
        ec = result.eventcatalog
        doc = {"layout": LAYOUT, "key": key, "version": __version__, "files": summary["files"],
               "resources": summary["resources"], "findings": [f.to_json() for f in result.findings],
               "eventcatalog": None if ec is None else {"version": ec.version, "source": ec.source, "declared": ec.declared}}
        try:
            _write_atomic(self._entry(key), json.dumps(doc))
            self._prune()
        except OSError:
            pass

    def _prune(self) -> None:
        entries = sorted(self.folder.glob("check-*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in entries[_KEEP:]:
            old.unlink(missing_ok=True)


def _ec_version(raw: object) -> EcVersion | None:
    """The EventCatalog version an entry records (None when it records none; a malformed one raises
    ``ValueError``: the entry is a miss)."""
    if raw is None:
        return None
    from saga_lint.ecversion import EcVersion

    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in ("version", "source", "declared")):
        raise ValueError("malformed eventcatalog entry")
    return EcVersion(raw["version"], raw["source"], raw["declared"])


def _walked(root: Path, folder: Path) -> bool:
    """Whether the catalog's walk would go into ``folder`` (inside the root, no hidden or skipped
    folder on the way)."""
    from saga_lint.catalog.walk import SKIP_DIRS

    try:
        rel = Path(os.path.realpath(folder)).relative_to(os.path.realpath(root))
    except ValueError:
        return False  # outside the catalog
    return not any(part.startswith(".") or part in SKIP_DIRS for part in rel.parts)


Entry = tuple[str, str, bool]  # relative path, path, is a symbolic link
Scan = tuple[list[str], dict[str, str], int]  # key lines, index entries, files read


class _Listings:
    """Folder listings from the index: a folder whose signature (modification and change time,
    inode) is the recorded one, and was not modified just before the index was written, has the
    entries it had (adding, removing or renaming an entry changes its folder's modification
    time), and is not listed again: one system call instead of four on a warm run. Index keys of
    folders are ``"\\0" + relative path``; values ``signature/`` then ``kind + name`` per entry
    (``f`` file, ``l`` link, ``d`` folder), joined with NUL, which no file name holds."""

    def __init__(self, known: dict[str, str], fresh: dict[str, str], racy_before: int) -> None:
        self.known, self.fresh, self.racy_before = known, fresh, racy_before
        self.listed = 0  # folders listed again (their index entries changed)

    def entries(self, folder: str, rel: str) -> list[tuple[str, str]]:
        """``(kind, name)`` of the folder's entries; raises ``OSError`` when it cannot be listed."""
        st = os.stat(folder)
        sig = f"d{st.st_mtime_ns}:{st.st_ino}:{st.st_ctime_ns}/"
        key = "\0" + rel
        old = self.known.get(key)
        if isinstance(old, str) and old.startswith(sig) and st.st_mtime_ns < self.racy_before \
                and st.st_ctime_ns < self.racy_before:
            self.fresh[key] = old
            body = old[len(sig):]
            return [(item[:1], item[1:]) for item in body.split("\0")] if body else []
        listed = _scandir(folder)
        self.fresh[key] = sig + "\0".join(kind + name for kind, name in listed)
        self.listed += 1
        return listed


def _scandir(folder: str) -> list[tuple[str, str]]:
    """``(kind, name)`` of a folder's entries: ``l`` a symbolic link, ``d`` a folder, ``f`` anything else."""
    out = []
    for entry in os.scandir(folder):
        try:
            kind = "l" if entry.is_symlink() else "d" if entry.is_dir(follow_symlinks=False) else "f"
        except OSError:
            continue
        out.append((kind, entry.name))
    return out


def _list(folder: str, rel: str, files: list[Entry], folders: list[tuple[str, str]], listings: _Listings | None = None) -> None:
    """One folder's files and links (into ``files``) and the sub-folders the catalog's walk
    enters (into ``folders``: hidden and skipped ones left out, links not followed)."""
    from saga_lint.catalog.walk import SKIP_DIRS

    try:
        entries = listings.entries(folder, rel) if listings is not None else _scandir(folder)
    except OSError:
        files.append((rel or ".", folder, True))  # unreadable: its state is part of the key
        return
    for kind, name in entries:
        sub = f"{rel}/{name}" if rel else name
        path = os.path.join(folder, name)
        if kind == "l":
            files.append((sub, path, True))
        elif kind == "d":
            if name not in SKIP_DIRS and not name.startswith("."):
                folders.append((path, sub))
        else:
            files.append((sub, path, False))


def _split(root: str, listings: _Listings) -> tuple[list[Entry], list[tuple[str, str]]]:
    """The files near the root, and at least ``_SPLIT`` folders whose trees hold the rest."""
    files: list[Entry] = []
    level = [(root, "")]
    while level and len(level) < _SPLIT:
        below: list[tuple[str, str]] = []
        for folder, rel in level:
            _list(folder, rel, files, below, listings)
        level = below
    return files, level


def _scan(files: list[Entry], folders: list[tuple[str, str]], known: dict[str, str], racy_before: int) -> Scan:
    """The key lines of ``files`` and of everything under ``folders``."""
    lines: list[str] = []
    fresh: dict[str, str] = {}
    listings = _Listings(known, fresh, racy_before)
    reads = 0
    stack = list(folders)
    pending = list(files)
    while pending or stack:
        if not pending:
            folder, rel = stack.pop()
            _list(folder, rel, pending, stack, listings)
            continue
        rel, path, link = pending.pop()
        if link:
            lines.append(f"l\0{rel}\0{_link_facts(path)}")
            continue
        digest, read = _digest(path, rel, known, racy_before, fresh)
        reads += read
        lines.append(f"f\0{rel}\0{digest}")
    return lines, fresh, reads + listings.listed


def _fork_scan(folders: list[tuple[str, str]], known: dict[str, str], racy_before: int) -> tuple[int, int] | None:
    """``_scan`` of ``folders`` in a forked process: (its pid, the pipe to read), or None."""
    if not hasattr(os, "fork"):
        return None
    try:
        read_end, write_end = os.pipe()
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:  # the child: scan, send, exit without the parent's clean-up
        code = 1
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as out:
                out.write(pickle.dumps(_scan([], folders, known, racy_before), protocol=pickle.HIGHEST_PROTOCOL))
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    return pid, read_end


def _collect(child: tuple[int, int]) -> Scan | None:
    """The forked scan's result, or None when it failed."""
    pid, read_end = child
    try:
        with os.fdopen(read_end, "rb") as inbox:
            data = inbox.read()
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            return None
        result: Scan = pickle.loads(data)  # from our own child, over a pipe: not a file anyone wrote
        return result
    except (OSError, EOFError, pickle.UnpicklingError):
        return None


def _link_facts(path: str) -> str:
    """What a symbolic link (or an unreadable folder) is: its target, and what is there."""
    try:
        target = os.path.realpath(path)
        st = os.stat(path)
    except OSError:
        return "dangling"
    kind = "dir" if os.path.isdir(path) else "file"
    return f"{target}\0{kind}\0{st.st_size}:{st.st_mtime_ns}:{st.st_ino}:{st.st_ctime_ns}"


def _digest(path: str, rel: str, known: dict[str, str], racy_before: int, fresh: dict[str, str]) -> tuple[str, bool]:
    """The file's content digest, and whether it was read: from the index when the file's
    signature (size, mtime, inode, ctime) is the recorded one and it was not modified just before
    the index was written. Index entries are ``signature/digest`` strings: a damaged one simply
    does not match."""
    try:
        st = os.stat(path)
    except OSError:
        return "unreadable", False
    sig = f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}:{st.st_ctime_ns}/"
    old = known.get(rel)
    if isinstance(old, str) and old.startswith(sig) and st.st_mtime_ns < racy_before and st.st_ctime_ns < racy_before:
        fresh[rel] = old
        return old[len(sig):], False
    try:
        # non-blocking, as the loader opens files (``fileio.read_capped``): a FIFO must not hang the run
        with open(os.open(path, _OPEN_FLAGS), "rb") as fh:
            mode = os.fstat(fh.fileno()).st_mode
            if stat.S_ISREG(mode):
                digest = hashlib.blake2b(fh.read(), digest_size=16).hexdigest()
            else:  # a FIFO, a device: the loader reads none of them; what it is is the key
                digest = f"special:{stat.S_IFMT(mode):o}"
    except OSError:
        return "unreadable", False
    fresh[rel] = sig + digest
    return digest, True


def _int(text: str) -> int:
    return int(text) if text.isdigit() else 0


def _read_index(path: Path) -> dict[str, str]:
    """The folder's file index: relative path -> ``signature/digest``, and "" -> when it was
    written (nanoseconds); {} when it is missing or not ours. Values are checked where they are
    used (``_digest``): a damaged one never matches."""
    try:
        doc = json.loads(path.read_text("utf-8"))
        files = doc["files"]
        if doc.get("layout") != LAYOUT or not isinstance(files, dict):
            return {}
        files[""] = str(doc["written"])
        return files
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}


def _write_index(path: Path, files: dict[str, str]) -> None:
    import time

    doc = {"layout": LAYOUT, "written": time.time_ns(), "files": files}
    with contextlib.suppress(OSError):
        _write_atomic(path, json.dumps(doc))


def _write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path``, then move it into place (readers see whole files)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _finding(doc: dict[str, object]) -> Finding:
    """A finding from its JSON form (``Finding.to_json``); a malformed one raises TypeError/KeyError."""
    res = doc["resource"]
    ref = None
    if res is not None:
        if not isinstance(res, dict):
            raise TypeError("resource")
        ref = ResourceRef(str(res["type"]), str(res["id"]), _opt_str(res.get("version")))
    line, column = doc["line"], doc["column"]
    if not (line is None or isinstance(line, int)) or not (column is None or isinstance(column, int)):
        raise TypeError("position")
    return Finding(str(doc["rule"]), Severity(doc["severity"]), str(doc["message"]), _opt_str(doc["file"]), line, column,
                   ref, _opt_str(doc["step"]), _opt_str(doc["field"]), str(doc["fingerprint"]))


def _opt_str(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


@lru_cache(maxsize=1)
def _code_signature() -> tuple[tuple[str, int, int], ...]:
    """Size and modification time of every module, data and ruleset file of saga-lint."""
    from saga_lint.config import rulesets_dir

    sig = []
    for top in (Path(__file__).resolve().parent, rulesets_dir()):
        for folder, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".py", ".json", ".yaml", ".yml")):
                    st = os.stat(os.path.join(folder, name))
                    sig.append((os.path.relpath(os.path.join(folder, name), top), st.st_size, st.st_mtime_ns))
    return tuple(sig)


def _rule_set() -> list[list[str]]:
    from saga_lint.rules import all_rules

    return [[name, str(r.severity)] for name, r in sorted(all_rules().items())]


def _config_form(config: Config) -> str:
    """Every field of the effective config, in a stable text form."""
    import dataclasses

    return json.dumps(dataclasses.asdict(config), sort_keys=True, default=repr)
