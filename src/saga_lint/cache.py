"""The result cache of ``saga-lint check``: a catalog whose inputs did not change answers from disk.

Like ruff's cache, it lives in a folder in the catalog's root (``.saga-lint-cache``, which the
walk skips as a hidden folder and which writes its own ``.gitignore`` of ``*``), or where
``--cache-dir`` / ``SAGA_LINT_CACHE_DIR`` say; ``--no-cache`` turns it off. A result is keyed by
everything it depends on (``CheckCache.key``):

- the entries of every folder the catalog's walk enters, with the content of every file (a
  BLAKE2 digest per file, read as the loader reads it; of a file over the loader's 5 MB cap, which
  the loader does not read, its size; a file whose size, modification time, inode and change time are those
  recorded in the folder's index is not read again, unless it was modified less than a second
  before the walk that wrote the index began: a walk can take longer than a second, and a file
  edited in the second it was read keeps its signature where timestamps are coarse) and each
  symbolic link's target, with its content when it is a file (the walk reports links out of the
  catalog); a folder whose modification and change time and inode are those recorded is not
  listed again either (an entry added, removed or renamed changes its folder's modification time).
  The index holds one record per folder (``_Walk``), in two parts when the walk is shared with a
  forked process (each process parses and writes only its own: ``_Records``);
- saga-lint's version and code (size and modification time of every module and ruleset file),
  which also fixes the rule set (every rule, its default severity, the rulesets), and Python's
  version;
- the effective config (every field of the loaded ``Config``, so a ruleset it extends counts too);
- what the check looked up outside the walk (``CatalogFiles.unwalked``: a file a page names in a
  hidden or skipped folder, one reached through a link, whether ``public/`` exists), recorded in
  the entry with what each was (``_input_state``) and looked at again before the entry is used.

The whole check is one entry: findings and summary counts, written as JSON (never pickle: a cache
folder is a file tree anyone could commit), with the digest of a file of its pages' signatures
(``saga_lint.prose``: what a check reads from each page, shared by the entries of edits that keep
them). When the files changed since the last walk only in content (``Keyed``: ``_Walk.edits``
holds each such folder's recorded and new key line, so the key before the edit is known too), and
each changed file is a page of that key's entry whose signature, read again, is the recorded one,
that entry's result is the result (``after_prose_edits``): an edit of prose (or of a summary's
words) is one page read, not a check. Every file is written to a temporary name and moved
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
import stat
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from saga_lint import __version__, forked
from saga_lint.findings import Finding, ResourceRef, Severity

if TYPE_CHECKING:
    from saga_lint.config import Config
    from saga_lint.ecversion import EcVersion
    from saga_lint.prose import PageEntry
    from saga_lint.results import Result, Summary

CACHE_DIR_NAME = ".saga-lint-cache"
LAYOUT = 7  # of the files below; another layout is a miss
_FIELDS = 7  # of a folder's index record (``_Walk``)
RACY_NS = 1_000_000_000  # a file modified this close before the walk that wrote the index began is read again
_KEEP = 8  # results kept per folder (the newest)
PARALLEL_FROM = 1_000_000  # bytes of index (about 3,000 folders) from which the key's walk is shared with a forked process
_SPLIT = 16  # folders to share out at least
PROSE_EDITS_AT_MOST = 200  # edited files read again to reuse a result (beyond: the check, on every CPU)


def cache_folder(root: Path, cache_dir: str | None) -> Path:
    """Where the cache of the catalog at ``root`` lives: ``cache_dir``, else ``SAGA_LINT_CACHE_DIR``,
    else ``.saga-lint-cache`` in the catalog's root."""
    chosen = cache_dir or os.environ.get("SAGA_LINT_CACHE_DIR")
    return Path(chosen) if chosen else root / CACHE_DIR_NAME


def untrusted(folder: Path) -> str | None:
    """Why the cache folder must not be read, or None. A cache folder that came with a checkout was
    written by whoever wrote the change (the catalog is untrusted, docs/security.md): it could hold
    a forged result under the key of the change's own content. So a folder is refused when git
    tracks any of its files, and when it is inside a git repository but git cannot tell (git
    missing, "dubious ownership", a timeout): fail closed. Asked from the folder's parent, with a
    literal, case-insensitive pathspec, so that a committed link in its place, or the folder under
    another case on a case-insensitive file system, counts too. A folder that does not exist yet,
    or is in no repository, is trusted."""
    folder = Path(os.path.abspath(folder))  # not resolved: a link stays the link
    if not os.path.lexists(folder) or not folder.name:
        return None
    if not any(os.path.lexists(os.path.join(p, ".git")) for p in (folder.parent, *folder.parent.parents)):
        return None
    import subprocess

    env = {k: v for k, v in os.environ.items() if not (k.startswith("GIT_") and k.endswith("PATHSPECS"))}
    try:
        proc = subprocess.run(["git", "-C", str(folder.parent), "ls-files", "-z", "--", f":(literal,icase){folder.name}"],
                              capture_output=True, timeout=15, env={**env, "GIT_TERMINAL_PROMPT": "0"}, check=False)
    except (OSError, subprocess.SubprocessError, ValueError):
        return "it is inside a git repository, and git could not be asked whether its files are committed"
    if proc.returncode != 0:
        return "it is inside a git repository, and git could not tell whether its files are committed"
    if proc.stdout.strip(b"\0"):
        return "it holds files committed to git"
    return None


@dataclass
class Restored:
    """A check result read back from the cache: what the check formats show, nothing more."""

    root: Path
    findings: list[Finding]
    config: Config
    files_seen: int
    resources: dict[str, int] = field(default_factory=dict)
    eventcatalog: EcVersion | None = None  # the EventCatalog version the check was made against
    pages: str = ""  # the digest of the file of its pages' signatures (``saga_lint.prose``)
    unwalked: dict[str, str] = field(default_factory=dict)  # the inputs the walk does not see, as they were

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
        name = f"files-{hashlib.blake2b(real, digest_size=8).hexdigest()}"
        self.index_file = folder / f"{name}.json"  # this process's part of the index
        self.fork_index_file = folder / f"{name}.fork.json"  # the forked walk's part

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
        return self.keyed(config).key

    def keyed(self, config: Config) -> Keyed:
        """The key, and when the files changed since the last walk only in content (no file added,
        removed or renamed, no link), the key they had then and the files whose content changed."""
        # --eventcatalog-version reaches the rules through the environment (ecversion.detect)
        ec_version = os.environ.get("SAGA_LINT_EVENTCATALOG_VERSION", "")
        rest = json.dumps([LAYOUT, __version__, sys.version, _code_signature(), _config_form(config), ec_version],
                          sort_keys=True).encode()
        lines, edits = self._walked()
        key = _key_of(rest, lines)
        if not edits:
            return Keyed(key, None, ())
        recorded = {now: old for old, now, _ in edits}
        before = _key_of(rest, sorted([recorded.get(line, line) for line in lines]))
        return Keyed(key, before, tuple(file for _, _, files in edits for file in files))

    def _folder_lines(self) -> list[bytes]:
        return self._walked()[0]

    def _walked(self) -> tuple[list[bytes], list[Edit] | None]:
        """The digest of the key line of each folder the catalog's walk enters (``_Walk``; the
        line starts with the folder's path, so the sorted digests stand for the whole tree). A
        catalog whose index is large is walked by this process and a forked one, half each
        (``_walk_half`` in a child of ``forked.start``), and each keeps the records of the folders it walks in its own part of
        the index (``_Records``): this process in ``index_file``, the forked one in
        ``fork_index_file``; each part is written again when its walk listed a folder, read a
        file or found other folders than the part holds. With the lines, the walks' edits
        (``_Walk.edits``)."""
        started = time.time_ns()  # before any stat: the index's time (see RACY_NS)
        raws = (_read_cache_file(self.index_file), _read_cache_file(self.fork_index_file))
        inside = os.path.realpath(self.root)
        root = str(self.root)
        theirs_part = _Part(self.fork_index_file, raws[::-1])
        child = None
        if len(raws[0]) + len(raws[1]) >= PARALLEL_FROM:  # the fork comes first: the child parses its own part
            child = forked.start(lambda: _walk_half(root, theirs_part, started, inside))
        walk = _Walk(_Records(self.index_file, raws, started), inside)
        theirs, mine = _halves(root, walk) if child is not None else ([], [(root, "")])
        walk.walk(mine)
        _write_part(walk, started)
        lines, edits = walk.lines, walk.edits
        lines.sort()  # while the forked walk may still run; each half sorted, the last sort only merges
        if child is not None:
            more = child.result()
            if more is None or more[0] != theirs:  # the child failed, or listed other folders: its half here
                more = _walk_half(root, theirs_part, started, inside, theirs)
            lines += more[1]
            edits = None if edits is None or more[2] is None else edits + more[2]
        lines.sort()
        return lines, edits

    # -- entries ----------------------------------------------------------------------------------
    def _entry(self, key: str) -> Path:
        return self.folder / f"check-{key}.json"

    def _pages_file(self, digest: str) -> Path:
        return self.folder / f"pages-{digest}.json"

    def load(self, key: str, config: Config) -> Restored | None:
        """The cached result of ``key``, or None (a miss: missing, unreadable or not ours)."""
        raw = _read_cache_file(self._entry(key))
        try:
            doc = json.loads(raw)
            if doc.get("layout") != LAYOUT or doc.get("key") != key:
                return None
            findings = [_finding(f) for f in doc["findings"]]
            files_seen, resources = doc["files"], doc["resources"]
            if not isinstance(files_seen, int) or not isinstance(resources, dict):
                return None
            if not all(isinstance(k, str) and isinstance(v, int) for k, v in resources.items()):
                return None
            ec = _ec_version(doc.get("eventcatalog"))
            pages, unwalked = doc.get("pages"), doc["unwalked"]
            if not isinstance(unwalked, dict) or not all(isinstance(v, str) for v in unwalked.values()):
                return None
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
            return None
        if any(_input_state(self.root, rel) != state for rel, state in unwalked.items()):
            return None  # a file the check read outside the walk changed (``CatalogFiles.unwalked``)
        return Restored(self.root, findings, config, files_seen, resources, ec, pages if _is_digest(pages) else "",
                        unwalked)

    def store(self, key: str, result: Result | Restored, pages: dict[str, PageEntry] | str) -> None:
        """Write the result of ``key``, with the signatures of its pages (``saga_lint.prose``:
        ``pages``, or the digest of a file of them that is already written), quietly nothing when
        the folder cannot be written. The file of signatures is named by its content's digest:
        the results of a catalog's edits of prose share it."""
        summary = result.summary()
        ec = result.eventcatalog
        if isinstance(result, Restored):
            unwalked = result.unwalked
        else:
            unwalked = {rel: _input_state(self.root, rel) for rel in sorted(result.catalog.facts.unwalked())}
        try:
            if isinstance(pages, str):
                os.utime(self._pages_file(pages))  # kept as long as the newest entries (``_prune``)
            else:
                text = json.dumps({"layout": LAYOUT, "pages": pages}).encode()
                pages = hashlib.blake2b(text, digest_size=20).hexdigest()
                _write_atomic(self._pages_file(pages), text.decode())
            doc = {"layout": LAYOUT, "key": key, "version": __version__, "files": summary["files"],
                   "resources": summary["resources"], "findings": [f.to_json() for f in result.findings],
                   "eventcatalog": None if ec is None else {"version": ec.version, "source": ec.source,
                                                            "declared": ec.declared},
                   "pages": pages, "unwalked": unwalked}
            _write_atomic(self._entry(key), json.dumps(doc))
            self._prune()
        except OSError:
            pass

    def _prune(self) -> None:
        """Keep the newest entries and files of page signatures (``_KEEP`` of each)."""
        for pattern in ("check-*.json", "pages-*.json"):
            files = sorted(self.folder.glob(pattern), key=lambda p: p.stat().st_mtime_ns, reverse=True)
            for old in files[_KEEP:]:
                old.unlink(missing_ok=True)

    # -- an edit of pages' prose ------------------------------------------------------------------
    def after_prose_edits(self, keyed: Keyed, config: Config) -> tuple[Restored, str] | None:
        """The result of ``keyed.key`` and its pages' signatures, when the inputs changed since
        the entry of ``keyed.before`` only in the prose of pages (``saga_lint.prose``): each edited
        file a page of that entry whose signature, read once now, is the recorded one, and whose
        content (those same bytes) is the one the key's walk hashed. That entry's findings are then the
        findings (every rule read the same input), and it shares its file of signatures. A page
        whose file components only moved (lines added above them) is such an edit too when no
        finding is placed in its body (``prose.moved_only``, ``_in_body``). None otherwise: the
        check runs."""
        if keyed.before is None or not keyed.edited or len(keyed.edited) > PROSE_EDITS_AT_MOST:
            return None
        before = self.load(keyed.before, config)
        pages = None if before is None else self._pages(before.pages)
        if before is None or pages is None:
            return None
        from saga_lint import prose

        for rel, digest in keyed.edited:
            entry = _page_entry(pages.get(rel))
            now = None if entry is None else prose.reread(self.root, rel, entry, digest)
            if entry is None or now is None:
                return None  # (or edited again since the walk: the content read is not the one hashed)
            if now[0] != entry[2] and not (prose.moved_only(entry[2], now[0]) and not _in_body(before, rel, now[1])):
                return None
        return before, before.pages

    def _pages(self, digest: str) -> dict[str, object] | None:
        """The page signatures of the file ``digest`` names (each entry checked where it is used:
        ``_page_entry``); None when the file is missing, damaged or not the one named."""
        raw = _read_cache_file(self._pages_file(digest))
        if not _is_digest(digest) or hashlib.blake2b(raw, digest_size=20).hexdigest() != digest:
            return None
        try:
            doc = json.loads(raw)
            pages = doc["pages"]
        except (ValueError, TypeError, KeyError, RecursionError):
            return None
        return pages if doc.get("layout") == LAYOUT and isinstance(pages, dict) else None


class Keyed(NamedTuple):
    """A check's key (``CheckCache.keyed``)."""

    key: str
    before: str | None  # the key of the last walk, when only files' content changed since
    edited: tuple[tuple[str, str], ...]  # those files: (path in the catalog, content digest now)


def _input_state(root: Path, rel: str) -> str:
    """What a path the check looked up outside the walk is (``CatalogFiles.unwalked``): missing, a
    folder, a file with its content's digest, or something else, with where it leads (a link on
    the way). A path that is not a plain catalog-relative one (from a damaged entry) is read as
    nothing, and one that leads out of the catalog is not read."""
    parts = rel.split("/")
    if not rel or rel.startswith("/") or "\0" in rel or any(p in ("", "..") for p in parts):
        return "not a catalog path"
    path = os.path.join(root, *parts)
    try:
        real, inside = os.path.realpath(path), os.path.realpath(root)
        st = os.stat(path)
    except (OSError, ValueError):
        return "missing"
    if not (real == inside or real.startswith(inside + os.sep)):
        return f"outside:{real}"
    if stat.S_ISDIR(st.st_mode):
        return f"folder:{real}"
    return f"file:{real}:{_content_digest(path)}" if stat.S_ISREG(st.st_mode) else f"other:{real}"


def _in_body(result: Restored, rel: str, body_line: int) -> bool:
    """Whether a finding of ``result`` is placed in the body of the page ``rel`` (at or after
    ``body_line``): one that would move with the body's components."""
    return any(f.file == rel and f.line is not None and f.line >= body_line for f in result.findings)


def _is_digest(text: object) -> bool:
    """Whether ``text`` is a digest as the cache names its files with (40 hex digits): a damaged
    entry must not name a path."""
    return isinstance(text, str) and len(text) == 40 and not text.strip("0123456789abcdef")


def _page_entry(raw: object) -> PageEntry | None:
    """A page's entry in a file of signatures (``prose.PageEntry``); None when missing or damaged."""
    if isinstance(raw, list) and len(raw) == 3 and isinstance(raw[0], str) \
            and (raw[1] is None or isinstance(raw[1], str)) and isinstance(raw[2], str):
        return raw[0], raw[1], raw[2]
    return None


def _key_of(rest: bytes, lines: list[bytes]) -> str:
    """The key of a catalog's inputs: all but its files (``rest``), and its folders' key lines."""
    h = hashlib.blake2b(rest, digest_size=20)
    h.update(b"".join(lines))
    return h.hexdigest()


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


Edit = tuple[bytes, bytes, tuple[tuple[str, str], ...]]
# a folder whose key line changed: the digest of its recorded key line, that of its key line now,
# and each file whose content changed (its path in the catalog, its content digest now)
Forked = tuple[list[tuple[str, str]], list[bytes], "list[Edit] | None"]
# what the forked walk sends: the folders it walked (its half as it found it), the digests of
# their key lines (it writes their records into its own part of the index), and its edits


class _Records:
    """The index records a walk starts from: its own part's, and, from the first folder its part
    does not know, the other part's too (a folder that moved to the other process's half; the
    first shared walk after one process wrote every record into one part), each judged by the
    racy window of the part it comes from. Both parts are read once, before the fork (``raws``:
    a part the other process writes meanwhile is not read half old, half new), and each process
    parses only its own unless it needs the other."""

    def __init__(self, path: Path, raws: tuple[bytes, bytes], started: int) -> None:
        self.path, self.other_raw, self.started = path, raws[1], started
        written, self.own = _parse_index(raws[0], started)
        self.own_racy = written - RACY_NS
        self.other: dict[str, str] | None = None
        self.other_racy = 0

    def get(self, rel: str) -> tuple[object, int]:
        """The record of the folder ``rel`` ('' for none) and the time before which its
        signatures are not racy."""
        record = self.own.get(rel)
        if record is not None:
            return record, self.own_racy
        if self.other is None:
            written, self.other = _parse_index(self.other_raw, self.started)
            self.other_racy = written - RACY_NS
        record = self.other.get(rel)
        return ("", 0) if record is None else (record, self.other_racy)


class _Walk:
    """The key's walk of some folders: for each folder, one key line (its relative path, then each
    entry's kind and name, with a file's content digest and a link's facts) and one index record.

    A record is seven fields joined with NUL, which no file name holds: the folder's signature
    (modification and change time, inode); ``latest:digest``, the latest modification or change
    time of its files and the digest of its key line (empty when the folder holds a link or an
    unreadable file, whose facts are found again on each walk); its files' names, joined with
    ``/`` (which no name holds either); their signatures (``size:mtime:inode:ctime/`` each, in
    the same order); their content digests (``/``-joined); the sub-folders the walk enters; its
    symbolic links. A folder whose signature is the recorded one, and was not modified just
    before the index was written, has the entries it had (adding, removing or renaming an entry
    changes its folder's modification time), so it is not listed again: one ``stat`` instead of a
    listing. When its files' signatures are the recorded ones too (and none is racy), its key
    line is the recorded one (``_as_recorded``); otherwise a file whose signature is the recorded
    one (and not racy) keeps its digest, and any other is read (``_relisted``). A damaged record
    simply does not match."""

    def __init__(self, records: _Records, inside: str) -> None:
        from saga_lint.catalog.walk import SKIP_DIRS  # here: the catalog package is not light

        self.records, self.skip = records, SKIP_DIRS
        self.inside = inside  # the catalog's real root: a link's file there is read by the loader
        self.lines: list[bytes] = []  # the digest of each folder's key line
        # each folder whose key line is not the recorded one; None once one is not only new
        # content of files it had (``_note_edit``)
        self.edits: list[Edit] | None = []
        self.fresh: dict[str, str] = {}  # the index record of each folder walked
        self.reads = 0  # folders listed and files read

    def walk(self, folders: list[tuple[str, str]]) -> None:
        stack = list(folders)
        while stack:
            stack.extend(self.folder(*stack.pop()))

    def folder(self, path: str, rel: str) -> list[tuple[str, str]]:
        """Record the folder at ``path`` (``rel`` in the catalog); its sub-folders the catalog's
        walk enters (hidden and skipped ones left out, links not followed)."""
        try:
            st = os.stat(path)
            sig = f"d{st.st_mtime_ns}:{st.st_ino}:{st.st_ctime_ns}"
            record, racy_before = self.records.get(rel)
            old = record if isinstance(record, str) else ""  # a damaged index: no record
            fields = old.split("\0")
            same = len(fields) == _FIELDS and fields[0] == sig and st.st_mtime_ns < racy_before \
                and st.st_ctime_ns < racy_before
            if same:
                subs = self._as_recorded(path, rel, old, fields, racy_before)
                if subs is not None:
                    return subs
            listing = _recorded_listing(fields) if same else _scandir(path)
        except (OSError, ValueError):  # unreadable: what it is is the key
            self.lines.append(_line_digest([rel, f"u{_link_facts(path)}"]))
            self.edits = None  # nothing recorded to compare with
            return []
        self.reads += not same
        return self._relisted(path, rel, sig, listing, fields, racy_before)

    def _as_recorded(self, path: str, rel: str, old: str, fields: list[str],
                     racy_before: int) -> list[tuple[str, str]] | None:
        """The sub-folders of an unchanged folder whose files' signatures are the recorded ones
        (its key line the recorded one); None when one is not, or the record cannot say."""
        latest, _, line_digest = fields[1].partition(":")
        try:
            if not line_digest or int(latest) >= racy_before:
                return None
            if fields[2]:
                now = "".join([f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}:{st.st_ctime_ns}/"
                               for st in [os.stat(f"{path}/{name}") for name in fields[2].split("/")]])
                if now != fields[3]:
                    return None
            digest = bytes.fromhex(line_digest)
        except (OSError, ValueError):  # a file gone or unreadable, a damaged record: listed again
            return None
        self.lines.append(digest)
        self.fresh[rel] = old
        if not fields[5]:
            return []
        skip = self.skip
        return [(f"{path}/{name}", f"{rel}/{name}" if rel else name) for name in fields[5].split("/")
                if name[:1] not in ("", ".") and name not in skip]  # a damaged record's ``..`` is not walked

    def _relisted(self, path: str, rel: str, sig: str, listing: list[tuple[str, str]],
                  fields: list[str], racy_before: int) -> list[tuple[str, str]]:
        """Record a folder from its listing (``kind, name``, sorted), reading each file whose
        signature is not the one its record (``fields``) holds (or is racy before
        ``racy_before``); its sub-folders."""
        prior = _prior_files(fields)
        names, sigs, digests, subs, links, line = [], [], [], [], [], [rel]
        latest, recordable = 0, True
        for kind, name in listing:
            if kind == "f":
                try:
                    st = os.stat(f"{path}/{name}")
                    fsig = f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}:{st.st_ctime_ns}"
                    before = prior.get(name)
                    if before is not None and before[0] == fsig and st.st_mtime_ns < racy_before \
                            and st.st_ctime_ns < racy_before:
                        digest = before[1]
                    else:
                        digest = _content_digest(f"{path}/{name}")
                        self.reads += 1
                    latest = max(latest, st.st_mtime_ns, st.st_ctime_ns)
                except (OSError, ValueError):
                    fsig, digest, recordable = "x", "unreadable", False
                names.append(name)
                sigs.append(f"{fsig}/")
                digests.append(digest)
                line.append(f"f{name}/{digest}")
            elif kind == "l":
                links.append(name)
                recordable = False
                line.append(f"l{name}/{_link_facts(f'{path}/{name}', self.inside)}")
            elif kind == "d" and name not in self.skip and name[:1] not in ("", "."):
                subs.append(name)
                line.append(f"d{name}")
        digest_bytes = _line_digest(line)
        self.lines.append(digest_bytes)
        # a folder holding a link or an unreadable file is listed on every walk (no ``latest``),
        # but its key line's digest is kept, to tell an edit of its files (``_note_edit``)
        fast = f"{latest}:{digest_bytes.hex()}" if recordable else f":{digest_bytes.hex()}"
        record = [sig, fast, "/".join(names), "".join(sigs), "/".join(digests), "/".join(subs), "/".join(links)]
        self.fresh[rel] = "\0".join(record)
        if self.edits is not None:
            self._note_edit(rel, fields, record, recordable)
        return [(f"{path}/{name}", f"{rel}/{name}" if rel else name) for name in subs]

    def _note_edit(self, rel: str, fields: list[str], record: list[str], recordable: bool) -> None:
        """Add the folder to ``edits`` when its key line (its new ``record``'s) is not the one
        its old record (``fields``) holds, with the files whose content changed; when that is
        not all that changed (entries added or removed, a link, an unreadable file, no record),
        set ``edits`` to None."""
        old, now = fields[1].partition(":")[2] if len(fields) == _FIELDS else "", record[1].partition(":")[2]
        if old == now:
            return
        if self.edits is None or not old or not recordable or [fields[i] for i in (2, 5, 6)] != [record[i] for i in (2, 5, 6)]:
            self.edits = None
            return
        try:  # a damaged record's fields may not line up
            changed = tuple((f"{rel}/{name}" if rel else name, new) for name, was, new in
                            zip(fields[2].split("/"), fields[4].split("/"), record[4].split("/"), strict=True) if was != new)
            edit = (bytes.fromhex(old), bytes.fromhex(now), changed)
        except ValueError:
            changed = ()
        if changed:
            self.edits.append(edit)
        else:
            self.edits = None


def _line_digest(line: list[str]) -> bytes:
    """The digest of a folder's key line (its relative path, then its entries)."""
    return hashlib.blake2b("\0".join(line).encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _recorded_listing(fields: list[str]) -> list[tuple[str, str]]:
    """An unchanged folder's listing as its record holds it (sorted as ``_scandir`` sorts)."""
    return [(kind, name) for kind, field in (("d", fields[5]), ("f", fields[2]), ("l", fields[6]))
            if field for name in field.split("/")]


def _prior_files(fields: list[str]) -> dict[str, tuple[str, str]]:
    """A folder record's files: name -> (signature, digest) (a folder listed again keeps the
    digests of its files that did not change); empty for no record or a damaged one."""
    if len(fields) != _FIELDS or not fields[2]:
        return {}
    names, digests = fields[2].split("/"), fields[4].split("/")
    sigs = fields[3].split("/")[:-1]  # each signature ends with "/"
    if not len(names) == len(sigs) == len(digests):
        return {}
    return {name: (s, d) for name, s, d in zip(names, sigs, digests, strict=True)}


def _content_digest(path: str) -> str:
    """The BLAKE2 digest of a regular file's content; what a special file is; the size of a file
    over the cap (the loader reads none of either); or ``unreadable``. Read as the loader reads
    (``fileio.read_capped``: non-blocking, a FIFO must not hang the run)."""
    from saga_lint.catalog.fileio import MAX_FILE_BYTES, content_digest, read_capped

    try:
        content, st = read_capped(path, MAX_FILE_BYTES)
    except OSError:
        return "unreadable"
    if content is not None and len(content) <= MAX_FILE_BYTES:
        return content_digest(content)
    if stat.S_ISREG(st.st_mode):
        return f"over the cap:{st.st_size}"
    return f"special:{stat.S_IFMT(st.st_mode):o}"  # a FIFO, a device


def _scandir(folder: str) -> list[tuple[str, str]]:
    """``(kind, name)`` of a folder's entries: ``l`` a symbolic link, ``d`` a folder, ``f`` anything else."""
    out = []
    for entry in os.scandir(folder):
        try:
            kind = "l" if entry.is_symlink() else "d" if entry.is_dir(follow_symlinks=False) else "f"
        except OSError:
            continue
        out.append((kind, entry.name))
    out.sort()  # the listing's order is the file system's: the key must not depend on it
    return out


def _split(root: str, near_root: _Walk) -> list[tuple[str, str]]:
    """Walk the folders near the root (into ``near_root``) until at least ``_SPLIT`` folders below
    are left, whose trees hold the rest."""
    level = [(root, "")]
    while level and len(level) < _SPLIT:
        level = [sub for folder in level for sub in near_root.folder(*folder)]
    return level


def _halves(root: str, near_root: _Walk) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(the forked process's folders, this process's) after walking the folders near the root
    into ``near_root``; the forked process computes the same (into its own walk, whose part of
    the index then holds the folders near the root too), and its half is used only if it is the
    one computed here."""
    folders = _split(root, near_root)
    if len(folders) < 2:
        return [], folders
    return folders[0::2], folders[1::2]


class _Part(NamedTuple):
    """The forked walk's part of the index: where it is written, and the bytes of both parts as
    read before the fork (its own first)."""

    path: Path
    raws: tuple[bytes, bytes]


def _walk_half(root: str, part: _Part, started: int, inside: str,
               theirs: list[tuple[str, str]] | None = None) -> Forked:
    """The forked process's walk (``forked.start``): the folders near the root, then its half
    (``theirs``, else the one it finds), its records written into its part of the index: the
    half and the digests of its key lines. This process walks ``theirs`` itself the same way when
    the child failed or found other folders near the root."""
    walk = _Walk(_Records(part.path, part.raws, started), inside)
    found, _ = _halves(root, walk)
    near_root, near_root_edits = len(walk.lines), len(walk.edits or ())  # this process walks those too
    walk.walk(found if theirs is None else theirs)
    _write_part(walk, started)
    return found, sorted(walk.lines[near_root:]), None if walk.edits is None else walk.edits[near_root_edits:]


def _write_part(walk: _Walk, started: int) -> None:
    """Write a walk's part of the index when it listed a folder, read a file, or walked other
    folders than its part holds (with nothing read, every record is the one it had)."""
    if walk.reads or walk.fresh.keys() != walk.records.own.keys():
        _write_index(walk.records.path, walk.fresh, started)


def _link_facts(path: str, inside: str | None = None) -> str:
    """What a symbolic link (or an unreadable folder) is: its target, and what is there; a regular
    file's content too when it is inside the catalog (``inside``, its real root), where the loader
    reads it (its signature alone has no racy window). A file outside is never read: the loader
    does not follow such a link, and a hostile link could name a huge file."""
    try:
        target = os.path.realpath(path)
        st = os.stat(path)
    except (OSError, ValueError):  # ValueError: a damaged record's name
        return "dangling"
    kind = "dir" if os.path.isdir(path) else "file"
    facts = f"{target}\0{kind}\0{st.st_size}:{st.st_mtime_ns}:{st.st_ino}:{st.st_ctime_ns}"
    if inside is not None and stat.S_ISREG(st.st_mode) and target.startswith(inside + os.sep):
        return f"{facts}\0{_content_digest(path)}"
    return facts


_INDEX_CAP = 1 << 30  # bytes: an index larger than this is no index of ours


def _read_cache_file(path: Path) -> bytes:
    """The bytes of one of the cache's files, the index or a result entry (empty when it cannot be
    read, or is no regular file: a cache folder is a file tree anyone could make, and a FIFO or a
    link to a device there must not hang the run or fill its memory; read as the loader reads,
    ``fileio.read_capped``)."""
    from saga_lint.catalog.fileio import read_capped

    try:
        content, _ = read_capped(str(path), _INDEX_CAP)
    except OSError:
        return b""
    return content if content is not None and len(content) <= _INDEX_CAP else b""


def _parse_index(raw: bytes, started: int) -> tuple[int, dict[str, str]]:
    """The index (``raw``, its file's bytes): when it was written (nanoseconds), and relative path
    -> record of each folder (``_Walk``); ``(0, {})`` when it is missing, not ours, or written
    after ``started``, the time the walk began (a hand edit, a clock set back: trust nothing).
    Records are checked where they are used: a damaged one never matches."""
    try:
        doc = json.loads(raw)
        folders, written = doc["folders"], doc["written"]
        if doc.get("layout") != LAYOUT or not isinstance(folders, dict) or not isinstance(written, int) \
                or written > started:
            return 0, {}
        return written, folders  # a record that is no string is taken for none where it is used (``_Walk``)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return 0, {}


def _write_index(path: Path, folders: dict[str, str], started: int) -> None:
    """Write the index of a walk that began at ``started`` (nanoseconds): its racy window counts
    from there, not from now."""
    doc = {"layout": LAYOUT, "written": started, "folders": folders}
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
def _code_signature() -> tuple[tuple[str, str], ...]:
    """The content digest of every module, data and ruleset file of saga-lint. Content, not
    modification times: CI installs saga-lint afresh in every job (pip sets each file's time to
    the install's), and a cache restored there must still answer when the code is the same."""
    from saga_lint.config import rulesets_dir

    sig = []
    for top in (Path(__file__).resolve().parent, rulesets_dir()):
        for folder, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".py", ".json", ".yaml", ".yml")):
                    path = os.path.join(folder, name)
                    with open(path, "rb") as fh:
                        digest = hashlib.blake2b(fh.read(), digest_size=16).hexdigest()
                    sig.append((os.path.relpath(path, top), digest))
    return tuple(sig)


def _config_form(config: Config) -> str:
    """Every field of the effective config, in a stable text form."""
    import dataclasses

    return json.dumps(dataclasses.asdict(config), sort_keys=True, default=repr)
