"""How a loader worker sends one batch's ``LoadedPart`` to the main process, as bytes.

The pages are most of it: on a catalog of 80,000 files, pickling them took the workers about
1.1 s and unpickling them the main process about 0.9 s, a sixth of the run. The pages travel as
plain rows instead (their fields; the frontmatter as the dicts, lists and scalars it is; the
locations as the text they are computed from), encoded with ``marshal``, which for such data is
about five times faster to write and twice as fast to read as ``pickle``. ``marshal``'s format
belongs to one Python version: both ends here are the same interpreter (a forked worker and its
parent), and nothing encoded here is ever stored.

A page ``marshal`` cannot encode (a date in a changelog's frontmatter, a ``Resource`` subclass;
the YAML loader's depth bound, 100, is far below ``marshal``'s) travels pickled, on its own, among the others' rows: the part the
main process rebuilds is equal to the one the worker parsed, either way (tests/test_wire.py).
"""

from __future__ import annotations

import marshal
import pickle
from typing import Any

from saga_lint.catalog.model import Resource
from saga_lint.catalog.units import LoadedPart
from saga_lint.catalog.yaml.locations import LazyLocations, Locations

# the fields of a page that travel; the rest (references, parsed body, key) are derived on first use
Row = tuple[str, str, str, dict[str, Any], bool, Any, str, int, "str | None", str]


def _row(res: Resource) -> Row | bytes:
    """The page as a row, or pickled when it is not a plain ``Resource`` with plain ``Locations``."""
    locs = res.locs
    pending = locs.pending if type(locs) is LazyLocations else None
    if type(res) is not Resource or type(res.data) is not dict or type(locs) not in (Locations, LazyLocations):
        return pickle.dumps(res, protocol=pickle.HIGHEST_PROTOCOL)
    # a map already computed travels as a plain dict (``dict(locs)`` would compute a pending one)
    where = pending if pending is not None else dict.copy(locs)
    return (res.type, res.file, res.folder, res.data, pending is not None, where, res.body, res.body_line,
            res.versioned_folder, res.head_digest)


def _marshalled(item: Row | bytes, res: Resource) -> Row | bytes:
    """``item``, or the page ``res`` pickled when ``marshal`` cannot encode its row."""
    if isinstance(item, bytes):
        return item
    try:
        marshal.dumps(item)
    except ValueError:  # a date in a changelog's frontmatter, say
        return pickle.dumps(res, protocol=pickle.HIGHEST_PROTOCOL)
    return item


def _page(item: Row | bytes) -> Resource:
    if isinstance(item, bytes):
        res = pickle.loads(item)
        if not isinstance(res, Resource):
            raise ValueError("not a page")
        return res
    kind, file, folder, data, lazy, where, body, body_line, versioned, head = item
    locs = LazyLocations(*where) if lazy else Locations(where)
    return Resource(kind, file, folder, data, locs, body, body_line, versioned, head)


def encode(part: LoadedPart) -> bytes:
    """``part`` as bytes for ``decode``: each page a marshalled row, or pickled when it is not plain data."""
    rows = [_row(res) for res in part.pages]
    try:
        blob = marshal.dumps(rows)
    except ValueError:  # some page is not plain data: those pages are pickled, one by one
        blob = marshal.dumps([_marshalled(item, res) for item, res in zip(rows, part.pages, strict=True)])
    shell = LoadedPart(part.walk_findings, part.parse_findings, part.files_seen, part.other_files)
    return pickle.dumps((shell, blob), protocol=pickle.HIGHEST_PROTOCOL)


def decode(blob: bytes) -> LoadedPart:
    """The part ``encode`` was given. Raises ``ValueError`` for bytes that are not one."""
    try:
        shell, rows = pickle.loads(blob)
        if not isinstance(shell, LoadedPart) or not isinstance(rows, bytes):
            raise ValueError("not a loaded part")
        shell.pages = [_page(item) for item in marshal.loads(rows)]
    except (pickle.UnpicklingError, EOFError, TypeError, IndexError, AttributeError) as exc:
        raise ValueError(f"not a loaded part: {exc}") from None
    return shell
