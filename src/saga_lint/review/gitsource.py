"""The catalog at a git revision, read straight from git's object store.

Nothing in the working tree or the repository changes: ``git ls-tree`` lists the catalog folder at
the revision, ``git cat-file --batch`` reads the blobs, and they are written into a private
temporary folder (``tempfile.TemporaryDirectory``, in memory when there is room: ``scratch_parent``)
that the normal loader reads and that is removed when the ``catalog_at`` block ends, whatever
happens inside it. Every git command runs with
``GIT_OPTIONAL_LOCKS=0`` (no opportunistic index refresh) and without a terminal prompt.

Safety of the materialised tree:

- only regular blobs (modes 100644/100755) and symbolic links (mode 120000, recreated verbatim
  so that the loader reports a link out of the catalog exactly as it does for the working tree)
  are written; submodules (160000) are skipped;
- a path with an empty, ``.``, ``..`` or ``.git`` component, a NUL byte or a leading ``/`` is
  never written (git does not store such paths; a crafted object could);
- a blob larger than ``MAX_BLOB_BYTES`` (the loader's own cap) is not read: a sparse file of the
  same size stands in for it, so the loader reports ``parse/too-large`` as for the working tree;
- at most ``MAX_TOTAL_BYTES`` are read in all, else the review stops with a ``ReviewError``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from saga_lint.catalog.fileio import MAX_FILE_BYTES

MAX_BLOB_BYTES = MAX_FILE_BYTES  # the loader reads nothing larger, so the copy need not hold it
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_FILES = 200_000
GIT_TIMEOUT = 120

_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")

Entry = tuple[str, str, int, str]  # (mode, object id, size, catalog-relative path) of a file in a tree


class ReviewError(Exception):
    """The review cannot run (not a git repository, unknown revision, git failing): exit 2."""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"})
    for k in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(k, None)
    return env


def git(cwd: str | os.PathLike[str], *args: str, input: bytes | None = None,
        check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run git in ``cwd`` and return the completed process (bytes); ``ReviewError`` on failure."""
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=str(cwd),
            input=input,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            env=_env(),
        )
    except FileNotFoundError:
        raise ReviewError("git is not installed (review reads the base revision with git)") from None
    except (OSError, subprocess.SubprocessError) as exc:
        raise ReviewError(f"git {args[0]} failed: {exc}") from None
    if check and proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ReviewError(f"git {args[0]} failed: {msg[-1] if msg else 'exit ' + str(proc.returncode)}")
    return proc


@dataclass
class Repo:
    """Where the catalog sits in its repository."""

    top: Path  # the repository's top level
    prefix: str  # the catalog folder relative to top, POSIX, '' or ending in '/'
    catalog: Path  # the catalog folder as given
    notes: list[str] = field(default_factory=list)  # what resolving the revisions decided, for the reader

    def resolve(self, ref: str) -> str:
        """The commit id a revision names (or git's empty tree, ``EMPTY_TREE``, named by its hash
        or reached as the parent of a root commit: then ``notes`` says so); ``ReviewError`` with
        the real cause when it names none."""
        if not isinstance(ref, str) or not ref.strip() or ref.startswith("-") or "\x00" in ref or "\n" in ref:
            raise ReviewError(f"not a valid revision: {ref!r}")
        sha = self.rev_parse(f"{ref}^{{commit}}")
        if sha is not None:
            return sha
        from saga_lint.review.history import unresolved

        return unresolved(self, ref)

    def rev_parse(self, spec: str) -> str | None:
        """The object id ``spec`` names, or None."""
        proc = git(self.top, "rev-parse", "--verify", "--quiet", "--end-of-options", spec, check=False)
        sha = proc.stdout.decode("ascii", "replace").strip()
        return sha if proc.returncode == 0 and _SHA.match(sha) else None

    def changed_files(self, base_sha: str, head_sha: str | None) -> list[str]:
        """Repository-relative paths that differ between base and head (head None: the working
        tree, untracked files included)."""
        args = ["diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", "--no-textconv", base_sha]
        if head_sha:
            args.append(head_sha)
        args.append("--")
        out = git(self.top, *args).stdout
        files = {p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p}
        if not head_sha:
            others = git(self.top, "ls-files", "--others", "--exclude-standard", "-z").stdout
            files |= {p.decode("utf-8", "surrogateescape") for p in others.split(b"\0") if p}
        return sorted(files)


def open_repo(path: str | os.PathLike[str], must_exist: bool = True) -> Repo:
    """The repository holding the catalog folder ``path``; ``ReviewError`` when there is none.
    ``must_exist=False``: the folder may be missing from the working tree (the revisions under
    review have it); the repository is found from its nearest existing parent."""
    folder = Path(path)
    missing: list[str] = []
    probe = folder
    while not probe.is_dir():
        if must_exist or probe.exists() or probe.parent == probe:
            raise ReviewError(f"catalog folder not found: {path}")
        missing.insert(0, probe.name)
        probe = probe.parent
    proc = git(probe, "rev-parse", "--show-toplevel", check=False)
    if proc.returncode != 0:
        raise ReviewError(f"{path} is not inside a git repository (review compares against a git revision)")
    top = Path(proc.stdout.decode("utf-8", "surrogateescape").strip())
    prefix = git(probe, "rev-parse", "--show-prefix").stdout.decode("utf-8", "surrogateescape").strip()
    prefix = "/".join(p for p in [prefix.rstrip("/"), *missing] if p)
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    return Repo(top, prefix, folder)


def _safe_rel(rel: str) -> bool:
    if not rel or "\x00" in rel or rel.startswith("/") or "\\" in rel:
        return False
    return all(part not in ("", ".", "..") and part.lower() != ".git" for part in rel.split("/"))


def _list_tree(repo: Repo, sha: str, prefix: str | None = None) -> list[Entry]:
    """(mode, object id, size, catalog-relative path) of every file of the catalog at ``sha``
    (in the folder ``prefix`` of the repository, default the catalog's own)."""
    prefix = repo.prefix if prefix is None else prefix
    args = ["ls-tree", "-r", "-z", "-l", "--full-tree", sha]
    if prefix:
        args += ["--", prefix.rstrip("/")]
    out = git(repo.top, *args).stdout
    entries = []
    for rec in out.split(b"\0"):
        if not rec:
            continue
        try:
            meta, name = rec.split(b"\t", 1)
            mode, otype, oid, size = meta.split()
        except ValueError:
            continue
        path = name.decode("utf-8", "surrogateescape")
        if prefix:
            if not path.startswith(prefix):
                continue
            path = path[len(prefix):]
        mode_s = mode.decode("ascii", "replace")
        if otype != b"blob" or mode_s not in ("100644", "100755", "120000") or not _safe_rel(path):
            continue
        try:
            n = int(size)
        except ValueError:
            continue
        entries.append((mode_s, oid.decode("ascii"), n, path))
        if len(entries) > MAX_FILES:
            raise ReviewError(f"the catalog at {sha[:12]} has more than {MAX_FILES} files")
    return entries


def _read_blobs(repo: Repo, oids: list[str]) -> dict[str, bytes]:
    """Blob contents by object id, through one ``git cat-file --batch``."""
    if not oids:
        return {}
    unique = list(dict.fromkeys(oids))
    out = git(repo.top, "cat-file", "--batch", input=("\n".join(unique) + "\n").encode("ascii")).stdout
    blobs: dict[str, bytes] = {}
    pos = 0
    for oid in unique:
        nl = out.find(b"\n", pos)
        if nl < 0:
            raise ReviewError("git cat-file returned a truncated answer")
        header = out[pos:nl].split()
        pos = nl + 1
        if len(header) != 3:  # "<oid> missing"
            continue
        size = int(header[2])
        blobs[oid] = out[pos:pos + size]
        pos += size + 1  # the content is followed by a newline
    return blobs


def materialise(repo: Repo, sha: str, dest: Path, entries: list[Entry] | None = None) -> int:
    """Write the catalog as it is at commit ``sha`` into the empty folder ``dest``; returns the
    number of files written. ``entries``: the tree's listing, when the caller has it already.
    ``ReviewError`` when the copy cannot be written whole (no space left, a read-only or failing
    file system): a base with files missing would make their findings look new."""
    if entries is None:
        entries = _list_tree(repo, sha)
    small = [e for e in entries if e[2] <= MAX_BLOB_BYTES]
    total = sum(e[2] for e in small)
    if total > MAX_TOTAL_BYTES:
        raise ReviewError(f"the catalog at {sha[:12]} holds more than {MAX_TOTAL_BYTES // (1024 * 1024)} MiB")
    blobs = _read_blobs(repo, [e[1] for e in small])
    dest_str = str(dest)
    real_dest = os.path.realpath(dest_str)
    # folders made (or found) inside dest, each checked once: a tree cannot hold both a link and
    # a folder of the same name, so a folder checked here stays a real folder inside dest
    safe_dirs = {"": True}
    written = 0
    for mode, oid, size, rel in entries:
        parent_rel, _, name = rel.rpartition("/")
        target = os.path.join(dest_str, *rel.split("/"))
        try:
            if not _make_dir(dest_str, real_dest, parent_rel, safe_dirs):
                # a symlink written earlier must never redirect a later write out of dest
                continue
            if mode == "120000":
                link = blobs.get(oid)
                if link is None or b"\0" in link:
                    continue
                os.symlink(link.decode("utf-8", "surrogateescape"), target)
            elif size > MAX_BLOB_BYTES:
                with open(target, "wb") as fh:
                    fh.truncate(size)  # sparse stand-in: the loader reports it by size, unread
            else:
                data = blobs.get(oid)
                if data is None:
                    continue
                _write_new(target, data)
            written += 1
        except OSError as exc:
            if exc.errno in _COPY_FAILED:
                raise ReviewError(
                    f"cannot write the base copy of the catalog in {dest_str}: {exc.strerror or exc} "
                    "(set TMPDIR to a folder with room for it)"
                ) from None
            continue  # a name this file system cannot hold: skipped, as a checkout would fail on it
        except ValueError:
            continue
    return written


_COPY_FAILED = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.ENOMEM}


def _make_dir(dest: str, real_dest: str, rel: str, safe_dirs: dict[str, bool]) -> bool:
    """Make folder ``rel`` (and its parents) inside ``dest``; False if it is, or passes through,
    anything but a real folder inside ``dest`` (a symbolic link written earlier). Each folder's
    answer is kept in ``safe_dirs``; no recursion, whatever the depth of a crafted tree."""
    chain: list[str] = []  # rel and its ancestors not yet answered, innermost first
    while rel not in safe_dirs:
        chain.append(rel)
        rel = rel.rpartition("/")[0]
    ok = safe_dirs[rel]
    for folder in reversed(chain):
        if ok:
            path = os.path.join(dest, *folder.split("/"))
            try:
                os.mkdir(path)  # made just now, inside a checked folder
            except FileExistsError:
                real = os.path.realpath(path)
                ok = (real == real_dest or real.startswith(real_dest + os.sep)) and os.path.isdir(real)
        safe_dirs[folder] = ok
    return ok


_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)


def _write_new(path: str, data: bytes) -> None:
    """Create ``path`` (never an existing file or link) and write ``data``: open, write, close."""
    fd = os.open(path, _WRITE_FLAGS, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


@contextlib.contextmanager
def catalog_at(repo: Repo, sha: str, prefix: str | None = None) -> Iterator[Path]:
    """The catalog at commit ``sha`` (in the folder ``prefix``, default the catalog's own) in a
    temporary folder, removed when the block ends."""
    entries = _list_tree(repo, sha, prefix)
    with tempfile.TemporaryDirectory(prefix="saga-lint-review-", dir=scratch_parent(entries)) as tmp:
        root = Path(tmp) / "catalog"
        root.mkdir()
        materialise(repo, sha, root, entries)
        yield root


MEMORY_DIR = "/dev/shm"  # a folder in memory (tmpfs) on Linux


def scratch_parent(entries: list[Entry]) -> str | None:
    """Where the base copy goes: ``MEMORY_DIR`` when it has room for twice the copy (and the
    process's memory limit, if any, for four times), else None, tempfile's own choice (TMPDIR,
    /tmp, ...). A choice the user made (TMPDIR, TEMP, TMP, ``tempfile.tempdir``) is always kept.

    The copy is tens of thousands of small files written once, read once and removed: on a
    virtual machine whose disk writes are throttled, 9,241 files took 6 to 12 s to write on disk
    against 0.3 s in memory, where they cost no more than the blobs already read."""
    if tempfile.tempdir is not None or any(os.environ.get(v) for v in ("TMPDIR", "TEMP", "TMP")):
        return None
    need = 0
    folders = set()
    for _mode, _oid, size, rel in entries:
        need += -(-min(size, MAX_BLOB_BYTES) // 4096) * 4096 + 4096
        folders.add(rel.rpartition("/")[0])
    need += 4096 * len(folders)
    try:
        st = os.statvfs(MEMORY_DIR)
        if not os.access(MEMORY_DIR, os.W_OK | os.X_OK):
            return None
    except (OSError, AttributeError):  # no such folder (not Linux), or no statvfs
        return None
    if st.f_bavail * st.f_frsize < 2 * need + (64 << 20):
        return None
    if st.f_files and st.f_favail < 2 * (len(entries) + len(folders)) + 1000:
        return None
    headroom = _memory_headroom()
    if headroom is not None and headroom < 4 * need + (256 << 20):
        return None  # files in memory count against a container's memory limit
    return MEMORY_DIR


def _memory_headroom() -> int | None:
    """Bytes left under this process's cgroup memory limit (cgroup v2, else v1); None when there
    is no limit or it cannot be read."""
    try:
        with open("/proc/self/cgroup", encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, rel = parts
        if controllers == "":  # v2: one unified hierarchy
            folder, names = os.path.join("/sys/fs/cgroup", rel.lstrip("/")), ("memory.max", "memory.current")
        elif "memory" in controllers.split(","):  # v1: the memory controller's own hierarchy
            folder = os.path.join("/sys/fs/cgroup/memory", rel.lstrip("/"))
            names = ("memory.limit_in_bytes", "memory.usage_in_bytes")
        else:
            continue
        try:
            with open(os.path.join(folder, names[0]), encoding="utf-8") as fh:
                limit = fh.read().strip()
            with open(os.path.join(folder, names[1]), encoding="utf-8") as fh:
                current = int(fh.read().strip())
        except (OSError, ValueError):
            continue
        if limit == "max" or not limit.isdigit() or int(limit) >= 1 << 60:  # v1 writes "no limit" as ~2**63
            continue
        return int(limit) - current
    return None
