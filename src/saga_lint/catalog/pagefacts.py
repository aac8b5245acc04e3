"""Facts about one page that need nothing but the page and the files beside it.

- ``path_checks``: every file path the page names (``schemaPath``, ``schemas[]``,
  ``specifications``, ``<SchemaViewer file>``) with where it resolves (ok / missing / outside);
- ``schema_problems``: the problems of the JSON schema files it names (``catalog.schemas``).

On large catalogs the loader's worker processes compute them for the pages they parsed, while
the main process builds the graph, and send them back (``keep``); the first question waits for
them. The rules ask for them through these functions, and every consumer (the ``refs/*`` and JSON schema
rules, review, report) gets the same answer. Each answer is kept with the page's frontmatter and body
objects and is recomputed if either was replaced since (tests edit pages in place).
"""

from __future__ import annotations

_PATHS = "_fact_path_checks"
_SCHEMAS = "_fact_schema_problems"


def _await_workers(catalog) -> None:
    """The loader's workers compute the facts of a large catalog while the graph is built: take
    them (once) before answering from the pages."""
    pending = getattr(catalog, "_facts_pending", None)
    if pending is not None:
        catalog._facts_pending = None
        pending.attach_facts()


def keep(res, paths: list, schemas: list) -> None:
    """Keep facts computed elsewhere (a loader worker) with the page."""
    res.__dict__[_PATHS] = (res.data, res.body, paths)
    res.__dict__[_SCHEMAS] = (res.data, res.body, schemas)


def compute(catalog, res) -> tuple | None:
    """``(path_checks, schema_problems)`` of a page, or None if they cannot be computed (then the
    main process computes them, and fails, the same way)."""
    try:
        return path_checks(catalog, res), schema_problems(catalog, res)
    except Exception:
        return None


def _kept(res, name: str):
    kept = res.__dict__.get(name)
    if kept is not None and kept[0] is res.data and kept[1] is res.body:
        return kept[2]
    return None


def path_checks(catalog, res) -> list:
    """``[(status, key path, component or None, path text)]`` for every file path the page names:
    frontmatter paths first (key path set, component None), then body components (key path ())."""
    _await_workers(catalog)
    kept = _kept(res, _PATHS)
    if kept is not None:
        return kept
    from saga_lint.catalog.paths import body_file_paths, file_paths, icon_file, icon_paths, resolve_in_catalog

    out = []
    for path, text in file_paths(res):
        out.append((resolve_in_catalog(catalog, res.folder, text)[0], path, None, text))
    for path, text in icon_paths(catalog, res):  # served from public/, whatever the page's folder
        out.append((resolve_in_catalog(catalog, "", icon_file(text))[0], path, None, text))
    for comp, text in body_file_paths(res):
        out.append((resolve_in_catalog(catalog, res.folder, text)[0], (), comp, text))
    res.__dict__[_PATHS] = (res.data, res.body, out)
    return out


def schema_problems(catalog, res) -> list:
    """``[(key path, [SchemaProblem])]`` for every JSON schema file the page names that is inside
    the catalog (key path ``()`` for a body component), in the order the page names them."""
    _await_workers(catalog)
    kept = _kept(res, _SCHEMAS)
    if kept is not None:
        return kept
    from saga_lint.catalog.paths import body_file_paths
    from saga_lint.catalog.schemas import load_schema_file, schema_paths

    named = list(schema_paths(res))
    try:
        named += [((), text) for _comp, text in body_file_paths(res)]
    except Exception:  # a body that cannot be scanned hides no schema paths from the frontmatter
        pass
    out = []
    for path, text in named:
        loaded = load_schema_file(catalog, res.folder, text, path)
        if loaded is not None:
            out.append((path, list(loaded.problems)))
    res.__dict__[_SCHEMAS] = (res.data, res.body, out)
    return out
