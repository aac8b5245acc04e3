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
    """Where ``path``, written in a page of ``folder``, leads (see the module's docstring). Answers
    are remembered per catalog: the file and JSON schema rules ask the same questions. The memo
    also keeps the catalog root's real path (key None), which every look-up outside the walk's
    files compares with (a page naming 50,000 missing files resolved the root 50,000 times)."""
    memo = _per_catalog(catalog, "_resolved_paths", lambda: {None: os.path.realpath(str(catalog.root))})
    key = (folder, path)
    try:
        hit = memo.get(key)
    except TypeError:  # an unhashable path from a hostile page
        return _resolve(catalog, folder, path, memo[None])
    if hit is None:
        hit = memo[key] = _resolve(catalog, folder, path, memo[None])
    return hit


def _per_catalog(catalog, name: str, make):
    """A value computed once per catalog and kept on it as attribute ``name``."""
    value = getattr(catalog, name, None)
    if value is None:
        value = make()
        try:
            setattr(catalog, name, value)
        except AttributeError:  # pragma: no cover - an object that takes no attributes
            pass
    return value


def _resolve(catalog, folder: str, path: str, real_root: str) -> tuple[str, str | None]:
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
    if joined in catalog.other_files:  # fast path: seen by the walk
        return "ok", joined
    abs_path = os.path.join(str(catalog.root), *joined.split("/"))
    try:
        real = os.path.realpath(abs_path)
    except (OSError, ValueError):
        return "missing", joined
    if not (real == real_root or real.startswith(real_root + os.sep)):
        return "outside", None
    if os.path.lexists(abs_path):
        return ("ok" if os.path.isfile(abs_path) else "missing"), joined
    return "missing", joined


def file_paths(res):
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


PUBLIC_DIR = "public"  # where EventCatalog serves static files (icons) from, relative to the root


def icon_paths(catalog, res):
    """``(("styles", "icon"), icon)`` when the page's ``styles.icon`` is a path served from the
    catalog's ``public/`` folder (it starts with one ``/``: ``/icons/go.svg`` is
    ``public/icons/go.svg``), as the official linter reads it. Only when the catalog has a
    ``public/`` folder: a catalog without one keeps its static files elsewhere (or they were left
    out of this copy), and every icon would be reported missing."""
    styles = res.data.get("styles")
    icon = styles.get("icon") if isinstance(styles, dict) else None
    if not isinstance(icon, str) or not icon.startswith("/") or icon.startswith("//") or not icon.strip("/ "):
        return
    if _per_catalog(catalog, "_has_public_dir", lambda: os.path.isdir(os.path.join(str(catalog.root), PUBLIC_DIR))):
        yield ("styles", "icon"), icon


def icon_file(icon: str) -> str:
    """The catalog-relative path an icon is served from: ``/icons/go.svg`` -> ``public/icons/go.svg``."""
    return PUBLIC_DIR + "/" + "/".join(part for part in icon.split("/") if part)


FILE_COMPONENTS = ("SchemaViewer", "Schema")


def body_file_paths(res):
    """``<SchemaViewer file=...>`` / ``<Schema file=...>`` paths in the body, outside fenced code."""
    body = res.body
    if "<SchemaViewer" not in body and "<Schema" not in body:
        return
    # components() skips markdown-it when the body can hold no code block: on large catalogs
    # this would otherwise parse every message page's Markdown. Kept on the resource: the
    # file and JSON schema rules both ask.
    found = res.__dict__.get("_file_components")
    if found is None or found[0] is not body:
        from saga_lint.catalog.body import components_named

        found = (body, components_named(body, FILE_COMPONENTS, res.body_line))
        res.__dict__["_file_components"] = found
    for comp in found[1]:
        if comp.name in FILE_COMPONENTS:
            f = comp.attrs.get("file")
            if isinstance(f, str) and not f.startswith("{"):
                yield comp, f
