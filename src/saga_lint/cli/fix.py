"""``saga-lint fix``: write the x-saga block of plain saga flows (``saga_lint.fixer``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import click

from saga_lint.cli.common import Failure, exit_now, guard


def _catalog_and_flows(path: str, flows: Sequence[str]) -> tuple[Path, set[str] | None]:
    """The catalog folder and the flows to fix: PATH is a catalog folder, or a flow page inside
    one (the catalog is the nearest folder above it with an ``eventcatalog.config.*``, else the
    topmost folder above it, within its repository, that reads as a catalog: ``domains/X/`` has
    ``flows/`` too)."""
    from saga_lint.catalog.locate import CONFIG_FILES, is_catalog, not_a_catalog_message

    p = Path(path)
    if p.is_file():
        parents = list(p.resolve().parents)
        top = next((i for i, f in enumerate(parents) if (f / ".git").exists()), len(parents) - 1)
        parents = parents[:top + 1]  # not above the repository
        configured = [f for f in parents if any((f / name).is_file() for name in CONFIG_FILES)]
        catalogs = configured[:1] or [f for f in parents if is_catalog(str(f))][-1:]
        if not catalogs:
            raise Failure(f"{path} is inside no EventCatalog catalog")
        folder = catalogs[0]
        rel = Path(os.path.relpath(p.resolve(), folder)).as_posix()
        root = folder if p.is_absolute() else Path(os.path.relpath(folder))
        return root, {rel, *flows}
    if not p.is_dir():
        raise Failure(f"not found: {path}")
    if not is_catalog(path):
        raise Failure(not_a_catalog_message(path))
    return p, set(flows) or None


@click.command("fix")
@click.argument("path", default=".", type=click.Path())
@click.option("--flow", "flows", multiple=True, metavar="ID", help="Only this flow (repeatable; default: every saga).")
@click.option("--diff", is_flag=True, help="Show the change as a unified diff instead of writing it (exit 1 if any).")
@click.option("--force", is_flag=True, help="Replace an existing x-saga block (default: leave such flows alone).")
@guard
def fix_cmd(path: str, flows: Sequence[str], diff: bool, force: bool) -> None:
    """Write the x-saga block of each saga flow at PATH (a catalog folder or a flow page) from what
    saga-lint inferred; values read only from prose are marked `# confirm` for a reviewer.

    Only the new block is added to the page's frontmatter: every other byte stays as it was. A
    flow that has a block already is left alone unless --force. Exit 0 when done (or nothing to
    do), 1 with --diff when there is a change to show, 2 when it cannot run."""
    root, only = _catalog_and_flows(path, flows)
    changed = apply_fixes(root, only, force, diff)
    exit_now(1 if diff and changed else 0)


def fix_first(path: str, config_path: str | None = None) -> None:
    """``check --fix``: what ``saga-lint fix PATH`` does (write the x-saga block of every saga flow
    that has none; never ``--force``), before the check runs. Only what is written is reported."""
    root, only = _catalog_and_flows(path, ())
    apply_fixes(root, only, force=False, diff=False, quiet=True, config_path=config_path)


def apply_fixes(root: Path, only: set[str] | None, force: bool, diff: bool, quiet: bool = False,
                config_path: str | None = None) -> bool:
    """Write (with ``diff``: print as a unified diff) the fixes of the catalog at ``root``; report
    each on stderr (``quiet``: only the flows written); True when there is a change."""
    from saga_lint.fixer import FixError, fix_catalog

    try:
        fixes, notes = fix_catalog(root, only, force, config_path)
    except FixError as exc:
        raise Failure(str(exc)) from None
    for note in [] if quiet else notes:
        click.echo(f"saga-lint: {note}", err=True)
    changed = False
    for fx in fixes:
        shown = (root / fx.file).as_posix()
        if not fx.changed:
            if not quiet:
                click.echo(f"saga-lint: {shown}: unchanged: {fx.note}", err=True)
            continue
        changed = True
        if diff:
            click.echo(fx.diff(shown), nl=False)
            continue
        try:
            (root / fx.file).write_bytes(fx.after.encode("utf-8"))
        except OSError as exc:
            raise Failure(f"cannot write {shown}: {exc.strerror or exc}") from None
        marks = f"; {fx.confirm} values marked '# confirm' for review" if fx.confirm else ""
        click.echo(f"saga-lint: {shown}: wrote the x-saga block of {fx.saga}{marks}", err=True)
    return changed
