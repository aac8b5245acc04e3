"""Paths written in the catalog (``schemaPath``, ``specifications``, ``<SchemaViewer file>``),
resolved without ever leaving the catalog folder.

``resolve_in_catalog(catalog, folder, path)`` returns ``("ok", rel)``, ``("missing", rel)`` or
``("outside", None)``. A path is outside when it is absolute, has a scheme (``file://``), climbs
above the root with ``..``, or resolves through a symbolic link to somewhere outside. The file is
never opened here, and never opened by anyone when the answer is ``outside``.
"""

from __future__ import annotations

import os
import posixpath


def resolve_in_catalog(catalog, folder: str, path: str) -> tuple[str, str | None]:
    if not isinstance(path, str) or not path.strip():
        return "missing", None
    p = path.strip().replace("\\", "/")
    if "\x00" in p or p.startswith("/") or "://" in p or (len(p) > 1 and p[1] == ":"):
        return "outside", None
    joined = posixpath.normpath(posixpath.join(folder, p)) if folder else posixpath.normpath(p)
    if joined == ".." or joined.startswith("../") or joined.startswith("/"):
        return "outside", None
    if joined in catalog.other_files:  # fast path: seen by the walk
        return "ok", joined
    abs_path = os.path.join(str(catalog.root), *joined.split("/"))
    real_root = os.path.realpath(str(catalog.root))
    try:
        real = os.path.realpath(abs_path)
    except (OSError, ValueError):
        return "missing", joined
    if not (real == real_root or real.startswith(real_root + os.sep)):
        return "outside", None
    if os.path.lexists(abs_path):
        return ("ok" if os.path.isfile(abs_path) else "missing"), joined
    return "missing", joined
