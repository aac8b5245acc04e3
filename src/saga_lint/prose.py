"""Whether an edit of a page changed only its prose: what a check reads from one page, as a signature.

From a resource page other than a flow (the saga model reads a flow's Markdown: its "Saga steps"
table, its "Compensation" and "Success condition" sections) a check reads:

- the text before the body (the frontmatter, its fences, any blank lines or byte-order mark before
  it): ``Resource.head_digest``, which fixes ``data``, ``locs`` and ``body_line``, all but the
  words of a ``summary`` that is a string with words on as many lines (a rule reads only that it is
  one: ``catalog.page.head_digest``; tests/test_cache_summary.py rewords every summary of real
  catalogs and gets the same findings);
- whether the body is empty (``best-practices/description-required``'s question for some pages);
- the body's components that name a file (``<SchemaViewer file="...">``, ``<Schema file="...">``:
  ``catalog.paths.file_components``), with their attributes and positions, which the page facts
  resolve and read.

Docs pages, changelogs and the other pages of ``PAGE_KINDS`` are read whole (a docs page about a
flow is saga evidence), so they have no signature. Two versions of a page with the same signature
give every rule the same input: a catalog whose only changes since a cached check are such edits
has that check's findings (``CheckCache.after_prose_edits``). The signature is recorded for every
page a check reads (``signatures``), and computed again for an edited page (``reread``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from saga_lint.catalog.fileio import content_digest
from saga_lint.catalog.model import PAGE_KINDS

if TYPE_CHECKING:
    from pathlib import Path

    from saga_lint.catalog.body import Component
    from saga_lint.catalog.model import Catalog, Resource

# a page's entry in ``signatures``: its kind, its versioned folder, its signature
PageEntry = tuple[str, "str | None", str]


def has_signature(res: Resource) -> bool:
    """Whether a check reads the page only as ``signature`` says (see the module's docstring)."""
    return bool(res.head_digest) and res.type != "flow" and res.type not in PAGE_KINDS


def signature(res: Resource, named: Iterable[tuple[Component, str]]) -> str:
    """The signature of a page whose body components that name a file are ``named`` ((component,
    path as written), as ``catalog.paths.body_file_paths`` gives them): ``head:flag`` without
    such components, else ``head:flag:components:positions``, the positions apart (a line added
    above a component moves it: that matters only to a finding placed at it, ``moved_only``)."""
    sig = f"{res.head_digest}:{'b' if res.body.strip() else 'e'}"  # a body, or an empty one
    named = list(named)
    if not named:
        return sig
    files = [(c.name, sorted(c.attrs.items()), text) for c, text in named]
    where = [(c.line, c.column) for c, _ in named]
    return f"{sig}:{_digest(files)}:{_digest(where)}"


def _digest(values: object) -> str:
    return content_digest(repr(values).encode("utf-8", "surrogatepass"))


def moved_only(before: str, now: str) -> bool:
    """Whether two signatures differ only in where the body's components are: the same frontmatter,
    body flag and components, moved (a finding placed at one of them would move too)."""
    was, new = before.split(":"), now.split(":")
    return len(was) == len(new) == 4 and was[:3] == new[:3]


def signatures(catalog: Catalog) -> dict[str, PageEntry]:
    """The entry of every page of a checked catalog that has a signature, by its file; the body
    components are the ones its page facts resolved (no body is read again)."""
    from saga_lint.catalog.pagefacts import path_checks

    out: dict[str, PageEntry] = {}
    for res in catalog.resources:
        if has_signature(res):
            named = [(check.component, check.text) for check in path_checks(catalog, res) if check.component is not None]
            out[res.file] = (res.type, res.versioned_folder, signature(res, named))
    return out


def reread(root: Path, rel: str, entry: PageEntry, digest: str) -> tuple[str, int] | None:
    """The signature of the page ``rel`` as it is now and the line its body starts on, read once
    as the loader reads it (``entry``: its recorded kind and versioned folder), when its content's
    digest is ``digest`` (the content the cache's key was made of: what is parsed is what was
    hashed); None when it is not, or is no longer a page with a signature (it does not parse, say)."""
    from saga_lint.catalog.fileio import MAX_FILE_BYTES, read_capped
    from saga_lint.catalog.page import decoded_text, page_of_text
    from saga_lint.catalog.paths import body_file_paths, file_components
    from saga_lint.findings import Finding

    kind, versioned, _ = entry
    try:
        raw, st = read_capped(os.path.join(root, rel), MAX_FILE_BYTES)
    except OSError:
        return None
    if raw is None or content_digest(raw) != digest:
        return None
    problems: list[Finding] = []
    text = decoded_text(raw, st, rel, problems)
    res = None if text is None else page_of_text(text, rel, kind, versioned, problems)
    if res is None or problems or not has_signature(res):
        return None
    return signature(res, body_file_paths(file_components(res))), res.body_line
