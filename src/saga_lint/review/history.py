"""What git's history says about a change under review: revisions git cannot resolve as commits
(git's empty tree, the parent of a root commit, a shallow clone), and the files it moved.

- ``unresolved(repo, ref)``: the answer for a revision that names no commit: git's empty tree
  (named by its hash, or reached as ``X^``/``X~1`` of a root commit ``X``: the review then
  compares against an empty catalog and says so in ``Repo.notes``), else a ``ReviewError``
  giving the real cause (a shallow clone, a branch not fetched, a tree or blob, a typo) and
  the fix;
- ``renames(repo, base, head)``: ``(old, new)`` repository paths git pairs as renamed
  (``git diff --name-status -M``, rename detection by content);
- ``moved_from(repo, base, moves)``: the folder the catalog had at the base when the change
  moved the whole catalog folder (the base has nothing at the new place), so the base is read
  where it was and its findings are judged at the old location.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from saga_lint.review.gitsource import ReviewError, _list_tree, git

if TYPE_CHECKING:
    from saga_lint.review.gitsource import Repo

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's empty tree (SHA-1 repositories)
_PARENT = re.compile(r"^(?P<stem>.+?)(?:\^1?|~1?)$")


def empty_tree(repo: Repo) -> str:
    """The id of the empty tree in this repository's hash (SHA-1 or SHA-256)."""
    out = git(repo.top, "hash-object", "-t", "tree", "--stdin", input=b"").stdout
    return out.decode("ascii", "replace").strip() or EMPTY_TREE


def unresolved(repo: Repo, ref: str) -> str:
    """The tree to review against for a revision that names no commit; ``ReviewError`` (with the
    cause and the fix) when there is none."""
    empty = empty_tree(repo)
    if ref.strip().lower() in (EMPTY_TREE, empty) or repo.rev_parse(f"{ref}^{{tree}}") == empty:
        repo.notes.append("The base is git's empty tree: everything in the catalog is new")
        return empty
    m = _PARENT.match(ref.strip())
    stem = repo.rev_parse(f"{m.group('stem')}^{{commit}}") if m else None
    if m and stem is not None and repo.rev_parse(f"{stem}^1") is None and not _shallow(repo):
        repo.notes.append(
            f"The base: {m.group('stem')} ({stem[:12]}) is a root commit, it has no parent: reviewed against git's empty "
            "tree, so everything in the catalog is new"
        )
        return empty
    raise ReviewError(_cause(repo, ref))


def _cause(repo: Repo, ref: str) -> str:
    """Why ``ref`` names no commit here, and what to do."""
    kind = git(repo.top, "cat-file", "-t", ref, check=False)
    if kind.returncode == 0:
        what = kind.stdout.decode("ascii", "replace").strip()
        return f"revision {ref!r} is a {what}, not a commit (name a commit, or git's empty tree {EMPTY_TREE})"
    if _shallow(repo):
        return (f"unknown revision {ref!r} in {repo.top}: this clone is shallow, so older commits are not here "
                "(actions/checkout with fetch-depth: 0, or git fetch --deepen / --unshallow)")
    return (f"unknown revision {ref!r} in {repo.top} (a typo, or not fetched: in CI use actions/checkout with "
            "fetch-depth: 0, or git fetch origin <branch>)")


def _shallow(repo: Repo) -> bool:
    """A shallow clone: its oldest commits look parentless, but their parents are only not fetched."""
    return git(repo.top, "rev-parse", "--is-shallow-repository", check=False).stdout.strip() == b"true"


def renames(repo: Repo, base: str, head: str | None) -> list[tuple[str, str]]:
    """``(old, new)`` repository paths that git's rename detection pairs between base and head.
    Head None (the working tree): git sees renames of tracked files; a file moved but not yet
    added (untracked at its new place, missing at its old one) is paired by its content, the
    blob id git would give it."""
    args = ["diff", "--name-status", "-z", "-M", "--no-ext-diff", "--no-textconv", base]
    if head:
        args.append(head)
    args.append("--")
    fields = [p.decode("utf-8", "surrogateescape") for p in git(repo.top, *args).stdout.split(b"\0")]
    out: list[tuple[str, str]] = []
    deleted: list[str] = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i]
        if status[:1] in ("R", "C") and i + 2 < len(fields):
            if status[0] == "R":
                out.append((fields[i + 1], fields[i + 2]))
            i += 3
        else:
            if status == "D" and i + 1 < len(fields):
                deleted.append(fields[i + 1])
            i += 2
    if head is None and deleted:
        out += _untracked_moves(repo, base, deleted)
    return out


def _untracked_moves(repo: Repo, base: str, deleted: list[str]) -> list[tuple[str, str]]:
    """(old, new) for untracked files whose content is a file missing since ``base``."""
    others = git(repo.top, "ls-files", "--others", "--exclude-standard", "-z").stdout
    untracked = [p.decode("utf-8", "surrogateescape") for p in others.split(b"\0") if p]
    if not untracked or len(untracked) > 50_000:
        return []
    gone = set(deleted)
    by_oid: dict[str, list[str]] = {}
    for rec in git(repo.top, "ls-tree", "-r", "-z", "--full-tree", base).stdout.split(b"\0"):
        meta, _, name = rec.partition(b"\t")
        parts = meta.split()
        path = name.decode("utf-8", "surrogateescape")
        if len(parts) == 3 and parts[1] == b"blob" and path in gone:
            by_oid.setdefault(parts[2].decode("ascii"), []).append(path)
    paths = "".join(p + "\n" for p in untracked if "\n" not in p)
    hashed = git(repo.top, "hash-object", "--stdin-paths", input=paths.encode("utf-8", "surrogateescape")).stdout.split()
    out = []
    for new, oid in zip([p for p in untracked if "\n" not in p], hashed, strict=False):
        olds = by_oid.get(oid.decode("ascii", "replace"))
        if olds:
            file_name = new.rpartition("/")[2]
            old = next((o for o in olds if o.rpartition("/")[2] == file_name), olds[0])
            olds.remove(old)
            out.append((old, new))
    return out


def moved_from(repo: Repo, base: str, moves: list[tuple[str, str]]) -> str | None:
    """The folder (repository-relative, '' or ending in '/') the catalog was in at ``base`` when
    the change moved the catalog folder as a whole (also up to, or down from, the repository's
    top); None when it did not (the base has pages of its own at the catalog's place, or git
    paired no file into it)."""
    olds: Counter[str] = Counter()
    into = 0
    for old, new in moves:
        if not new.startswith(repo.prefix):
            continue
        into += 1
        rel = new[len(repo.prefix):]
        if old.endswith("/" + rel) or (old == rel and repo.prefix):
            olds[old[: len(old) - len(rel)]] += 1
    if not olds:
        return None
    folder, n = olds.most_common(1)[0]
    if 2 * n < into or folder == repo.prefix:
        return None
    # the base has no catalog at the new place (its pages, if any, are the old folder's: a catalog
    # moved up keeps them below it). Moved down from a folder above (the repository's top into
    # src/), every path is inside the old folder: any page already at the new place is a catalog
    # that was there, and files moved into it are moved into that catalog
    moved_down = repo.prefix.startswith(folder)
    for _mode, _oid, _size, rel in _list_tree(repo, base):
        if _is_page(rel) and (moved_down or not (repo.prefix + rel).startswith(folder)):
            return None
    return folder


def _is_page(rel: str) -> bool:
    """A catalog page: a resource's ``index.md(x)``, or a team or user file."""
    name = rel.rpartition("/")[2]
    return name in ("index.mdx", "index.md") or rel.startswith(("teams/", "users/"))


def catalog_renames(moves: list[tuple[str, str]], base_prefix: str, head_prefix: str) -> dict[str, str]:
    """Catalog-relative ``old -> new`` for the files git pairs as moved inside the catalog (its
    folder at base ``base_prefix``, at head ``head_prefix``), paths that stayed the same left out."""
    out = {}
    for old, new in moves:
        if old.startswith(base_prefix) and new.startswith(head_prefix):
            o, n = old[len(base_prefix):], new[len(head_prefix):]
            if o != n:
                out[o] = n
    return out
