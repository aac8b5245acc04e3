"""Load an EventCatalog folder into a ``Catalog``: the top of the loading steps.

The steps, each in a module of its own: ``walk`` (listing folders: symlinks, skipped folders),
``classify`` (which page a file is, by its collection folder), ``page`` (reading one page into a
``Resource``), ``units`` (the walk cut into units of work) and ``workers`` (forked processes that
load units, then compute the pages' facts: ``pagefacts``); ``dependencies`` reads the external
resources of ``eventcatalog.config.js``. Ids come from the frontmatter, never from folders.

Bad input never raises: an unreadable, oversized, non-UTF-8 or unparsable file becomes one
``parse/*`` finding at its location and the rest of the catalog is still loaded. Symbolic links
that leave the catalog are reported (``security/path-outside-catalog``) and never followed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from saga_lint.catalog.dependencies import config_dependencies, read_config_text
from saga_lint.catalog.model import PAGE_KINDS, Catalog, Resource
from saga_lint.catalog.units import UNITS_PER_WORKER, FolderTree, ListedFiles, LoadedPart, Unit, batches, load_unit, split
from saga_lint.catalog.walk import Folder, is_page, list_dir
from saga_lint.catalog.workers import Workers, parallelism
from saga_lint.findings import Finding


def load_catalog(
    root: str | Path,
    while_parsing: Callable[[], None] | None = None,
    on_pages: Callable[[list[Resource]], None] | None = None,
) -> Catalog:
    """Walk and parse the catalog at ``root``. Large catalogs are walked and parsed by worker
    processes (``_load_parts``); the catalog is the same either way, down to the order of its
    resources and findings. Then the workers compute the pages' facts: ``catalog.facts`` holds
    their handle until it is waited for (``PageFactsTable.wait``). ``while_parsing`` is called
    once the workers have started (never when there are none), for work this process can do
    meanwhile: it must not block. ``on_pages`` is called with each batch of parsed pages as the
    workers send them, in order (only then), to do per-page work while the rest is still parsed."""
    root = Path(root)
    catalog = Catalog(root=root)
    # the walk's findings come first, then the pages', as if walked and parsed in sequence
    walk_findings: list[Finding] = []
    parse_findings: list[Finding] = []
    for part in _load_parts(catalog, while_parsing, on_pages):
        walk_findings.extend(part.walk_findings)
        parse_findings.extend(part.parse_findings)
        catalog.files_seen += part.files_seen
        catalog.files.walked.update(part.other_files)
        for res in part.pages:
            if res.type in PAGE_KINDS:
                catalog.pages.append(res)
            else:
                catalog.resources.append(res)
    catalog.load_findings.extend(walk_findings)
    catalog.load_findings.extend(parse_findings)
    config = read_config_text(root)  # eventcatalog.config.*, read once
    catalog.dependencies = config_dependencies(config)
    _read_v1_layout(catalog, config)
    return catalog


def _read_v1_layout(catalog: Catalog, config: tuple[str, str] | None) -> None:
    """Recognise EventCatalog v1's layout (``v1.detect``) and add the users its config file declares
    (those that have no page of their own)."""
    from saga_lint.catalog import v1

    catalog.v1 = v1.detect(catalog, config)
    if catalog.v1 is not None:
        have = {r.id for r in catalog.resources if r.type == "user"}
        catalog.resources.extend(u for u in v1.user_resources(catalog.v1) if u.id not in have)


def _load_parts(
    catalog: Catalog,
    while_parsing: Callable[[], None] | None,
    on_pages: Callable[[list[Resource]], None] | None,
) -> list[LoadedPart]:
    """Parts covering the whole catalog, in walk order.

    This process walks until it has seen ``min_pages`` pages. A catalog that ends before is parsed
    here. Otherwise the folders still to walk are split further (one level at a time, until there
    are ``UNITS_PER_WORKER`` trees per worker) and forked workers (``workers.Workers``) walk and
    parse them all, listed files and trees alike, in batches; then they go on computing the pages'
    facts while this process builds the graph (``catalog.facts.expect``). If the workers cannot
    start or one fails, everything is done here."""
    files = catalog.files
    real_root = files.real_root
    workers, min_pages = parallelism()
    stack = [Folder(str(files.root), "")]
    units: list[Unit] = []
    pages = 0
    while stack and pages < min_pages:
        findings: list[Finding] = []
        listed, subdirs = list_dir(stack.pop(), real_root, findings)
        units.append(ListedFiles(listed, findings))
        pages += sum(1 for f in listed if is_page(f.name))
        stack.extend(subdirs)
    units.extend(FolderTree(d) for d in reversed(stack))
    if stack and workers > 1:
        import multiprocessing

        if "fork" in multiprocessing.get_all_start_methods():
            units = split(units, workers * UNITS_PER_WORKER, real_root)
            team = Workers(list(batches(units, workers)), workers, files)
            if team.started and while_parsing is not None:
                while_parsing()
            parts = team.results(on_pages)
            if parts is not None:
                catalog.facts.expect(team)
                return parts
    return [load_unit(unit, real_root) for unit in units]
