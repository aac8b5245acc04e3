"""``saga-lint report``: one self-contained HTML file for a release review.

The command computes everything the report shows (the check, each saga's verdict, with ``--base``
the change review of that revision) and hands it to the renderer (``render.html``), which only
draws it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from saga_lint.cli.common import Failure, catalog_path, collector_off, exit_now, guard

if TYPE_CHECKING:
    from saga_lint.results import BaseChanges, Result


def changes_since(result: Result, base: str) -> BaseChanges:
    """The change review of ``base`` against the catalog, or a note saying why it could not run
    (not a git repository, an unknown revision, ...): the report is written either way."""
    from saga_lint.results import BaseChanges

    try:
        from saga_lint.review import run_review
        from saga_lint.review.render import to_json
    except Exception:
        return BaseChanges(base, note="The change review (saga_lint.review) is not available in this build.")
    try:
        doc = to_json(run_review(result.root, base, config=result.config))
    except Exception as exc:  # not a git repository, unknown revision, ...: a note, never a crash
        return BaseChanges(base, note=f"The change review could not run: {exc}")
    return BaseChanges(base, review=doc)


@click.command("report")
@click.argument("path", default=".", type=click.Path(file_okay=False))
@click.option("-o", "--output", "output", default="report.html", show_default=True, type=click.Path(dir_okay=False),
              help="Where to write the HTML report.")
@click.option("--base", "base", metavar="REF",
              help="Also show what changed since this git revision (needs `saga-lint review`).")
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False),
              help="Config file (default: saga-lint.yaml in PATH).")
@guard
def report_cmd(path: str, output: str, base: str | None, config_path: str | None) -> None:
    """Write a self-contained HTML report of the catalog at PATH for a release review."""
    from saga_lint.config import load_config
    from saga_lint.pipeline import run_check
    from saga_lint.readiness import report_input
    from saga_lint.render.html import render_utf8

    path = catalog_path(path)
    config = load_config(path, config_path)
    collector_off()
    result = run_check(path, config)
    changes = changes_since(result, base) if base else None
    html = render_utf8(report_input(result, changes=changes))
    if os.linesep != "\n":  # as a file opened for text writes line ends
        html = html.replace(b"\n", os.linesep.encode("ascii"))
    try:
        with open(output, "wb") as fh:
            fh.write(html)
    except OSError as exc:
        raise Failure(f"cannot write {output}: {exc.strerror or exc}") from None
    s = result.summary()
    from saga_lint.words import plural

    click.echo(f"saga-lint: wrote {output} ({plural(len(result.sagas), 'saga')}, {plural(s['errors'], 'error')}, "
               f"{plural(s['warnings'], 'warning')}, {s['infos']} info)")
    exit_now(0)  # skips the teardown of a large catalog when run as its own process
