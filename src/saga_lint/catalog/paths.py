"""Paths written in the catalog (``schemaPath``, ``specifications``, ``<SchemaViewer file>``),
found in a page and resolved without ever leaving the catalog folder.

``resolve_in_catalog(files, folder, path)`` returns ``("ok", rel)``, ``("missing", rel)`` or
``("outside", None)``. A path is outside when it is absolute, has a scheme (``file://``), climbs
above the root with ``..``, or resolves through a symbolic link to somewhere outside. The file is
never opened here, and never opened by anyone when the answer is ``outside``.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator
from typing import TYPE_CHECKING

from saga_lint.catalog.files import PUBLIC_DIR, CatalogFiles, Resolution
from saga_lint.catalog.walk import SKIP_DIRS

if TYPE_CHECKING:
    from saga_lint.catalog.body import Component
    from saga_lint.catalog.model import KeyPath, Resource


def resolve_in_catalog(files: CatalogFiles, folder: str, path: str) -> Resolution:
    """Where ``path``, written in a page of ``folder``, leads (see the module's docstring). Answers
    are remembered in ``files.resolved``: the file and JSON schema checks ask the same questions."""
    memo = files.resolved
    key = (folder, path)
    try:
        hit = memo.get(key)
    except TypeError:  # an unhashable path from a hostile page
        return _resolve(files, folder, path)
    if hit is None:
        hit = memo[key] = _resolve(files, folder, path)
    return hit


def _resolve(files: CatalogFiles, folder: str, path: object) -> Resolution:
    if not isinstance(path, str) or not path.strip():
        return "missing", None
    p = path.strip().replace("\\", "/")
    if "\x00" in p or p.startswith("/") or "://" in p or (len(p) > 1 and p[1] == ":"):
        return "outside", None
    if "/" not in p and p not in (".", "..") and folder and not folder.endswith("/"):
        joined = f"{folder}/{p}"  # a file beside the page (folders come normalised from the walk)
    else:
        joined = posixpath.normpath(posixpath.join(folder, p)) if folder else posixpath.normpath(p)
    if joined == ".." or joined.startswith("../") or joined.startswith("/"):
        return "outside", None
    if joined in files.walked:  # fast path: seen by the walk
        return "ok", joined
    abs_path = files.abs_path(joined)
    real_root = files.real_root
    try:
        real = os.path.realpath(abs_path)
    except (OSError, ValueError):
        files.unwalked.append(joined)
        return "missing", joined
    if real != os.path.join(real_root, *joined.split("/")) or _unwalkable(joined):
        files.unwalked.append(joined)  # through a link, or in a folder the walk skips: an input it does not see
    if not (real == real_root or real.startswith(real_root + os.sep)):
        return "outside", None
    if os.path.lexists(abs_path):
        return ("ok" if os.path.isfile(abs_path) else "missing"), joined
    return "missing", joined


def _unwalkable(joined: str) -> bool:
    """Whether a catalog-relative path is in a folder the catalog's walk skips (hidden, or one of
    ``walk.SKIP_DIRS`` such as ``public`` or ``node_modules``)."""
    return any(part[:1] == "." or part in SKIP_DIRS for part in joined.split("/")[:-1])


def file_paths(res: Resource) -> Iterator[tuple[KeyPath, str]]:
    """Every file path a resource's frontmatter points at: ``(key path, path text)``."""
    from saga_lint.catalog.schemas import schema_paths

    data = res.data
    yield from schema_paths(res)
    specs = data.get("specifications")
    if isinstance(specs, dict):
        for k in ("openapiPath", "asyncapiPath", "graphqlPath"):
            if isinstance(specs.get(k), str):
                yield ("specifications", k), specs[k]
    elif isinstance(specs, list):
        for i, s in enumerate(specs):
            if isinstance(s, dict) and isinstance(s.get("path"), str):
                yield ("specifications", i, "path"), s["path"]
    outputs = data.get("outputs")
    if res.type == "data-product" and isinstance(outputs, list):
        for i, o in enumerate(outputs):
            if isinstance(o, dict) and isinstance(o.get("contract"), dict) and isinstance(o["contract"].get("path"), str):
                yield ("outputs", i, "contract", "path"), o["contract"]["path"]


def icon_paths(files: CatalogFiles, res: Resource) -> Iterator[tuple[KeyPath, str]]:
    """``(("styles", "icon"), icon)`` when the page's ``styles.icon`` is a path served from the
    catalog's ``public/`` folder (it starts with one ``/``: ``/icons/go.svg`` is
    ``public/icons/go.svg``), as the official linter reads it. Only when the catalog has a
    ``public/`` folder: a catalog without one keeps its static files elsewhere (or they were left
    out of this copy), and every icon would be reported missing."""
    styles = res.data.get("styles")
    icon = styles.get("icon") if isinstance(styles, dict) else None
    if not isinstance(icon, str) or not icon.startswith("/") or icon.startswith("//") or not icon.strip("/ "):
        return
    if files.has_public_dir:
        yield ("styles", "icon"), icon


def icon_file(icon: str) -> str:
    """The catalog-relative path an icon is served from: ``/icons/go.svg`` -> ``public/icons/go.svg``."""
    return PUBLIC_DIR + "/" + "/".join(part for part in icon.split("/") if part)


FILE_COMPONENTS = ("SchemaViewer", "Schema")


def file_components(res: Resource) -> list[Component]:
    """The ``<SchemaViewer>`` / ``<Schema>`` tags of the body, outside fenced code. Without
    markdown-it when the body can hold no code block: on large catalogs this would otherwise parse
    every message page's Markdown."""
    body = res.body
    if "<SchemaViewer" not in body and "<Schema" not in body:
        return []
    from saga_lint.catalog.body import components_named

    return components_named(body, FILE_COMPONENTS, res.body_line)


def body_file_paths(components: list[Component]) -> Iterator[tuple[Component, str]]:
    """``(component, file)`` for each of ``file_components`` that names a file (not an expression)."""
    for comp in components:
        if comp.name in FILE_COMPONENTS:
            f = comp.attrs.get("file")
            if isinstance(f, str) and not f.startswith("{"):
                yield comp, f
