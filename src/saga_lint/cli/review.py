"""``saga-lint review``: what a change (base revision -> head) does to the catalog."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from saga_lint.cli.common import Failure, catalog_path, collector_off, exit_now, guard

if TYPE_CHECKING:
    from saga_lint.review import ReviewResult


@click.command("review")
@click.argument("path", default=".", type=click.Path(file_okay=False))
@click.option("--base", "base", required=True, metavar="REF", help="Git revision to compare against (e.g. origin/main).")
@click.option("--head", "head", metavar="REF", help="Git revision of the change (default: the working tree).")
@click.option("-f", "--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True,
              help="Output format on stdout.")
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False),
              help="Config file (default: saga-lint.yaml in PATH).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]),
              help="Lowest severity of a new finding that fails the run (default: error).")
@click.option("--baseline", type=click.Path(dir_okay=False), metavar="FILE",
              help="Leave out the findings this baseline file (check --write-baseline) lists.")
@click.option("--summary-file", metavar="PATH", type=click.Path(dir_okay=False),
              help="Also append the whole review as Markdown (up to 1 MB, no comment budget) to PATH, "
                   "e.g. $GITHUB_STEP_SUMMARY; the comment then points there for what it leaves out.")
@guard
def review_cmd(path: str, base: str, head: str | None, fmt: str, config_path: str | None, fail_on: str | None,
               baseline: str | None = None, summary_file: str | None = None) -> None:
    """Review the change from --base to --head (default: the working tree) of the catalog at PATH.

    With --head, PATH may be missing from the checked-out files: the catalog is read from the
    revisions named. --base accepts git's empty tree, and the parent of a root commit is reviewed
    as the empty tree.

    Reports what changed, the findings the change introduces (not those already at the base),
    schema compatibility of changed messages, and the change guidance of every changed saga.
    Exit 1 when the change introduces findings at or above the fail level, 2 when it cannot run.
    """
    from saga_lint.config import load_config
    from saga_lint.repo import blob_link_base
    from saga_lint.review import ReviewError, run_review
    from saga_lint.review.render import render as render_review

    if head is not None and (not os.path.exists(path) or _elsewhere_at_head(path)):
        # the checked-out files have no catalog at PATH (another branch is checked out): the
        # revisions named are read, and the head revision's copy is the one that must be a catalog
        config = load_config(path, config_path) if config_path else None  # else the head revision's
    elif not os.path.exists(path):
        raise Failure(f"catalog folder not found: {path} (not in the checked-out files; to review a revision "
                      "that has it, name that revision with --head REF)")
    else:
        path = catalog_path(path)
        # the working tree's configuration for a review of the working tree; with --head, the head
        # revision's (``run_review`` reads it), unless -c names one
        config = load_config(path, config_path) if head is None or config_path else None
    collector_off()
    try:
        result = run_review(path, base, head, config, fail_on=fail_on, config_given=config_path is not None)
    except ReviewError as exc:
        raise Failure(str(exc)) from None
    if baseline is not None:
        _apply_baseline(result, baseline)
    link_base = blob_link_base(result.head_sha or result.extra.get("checkout_sha"))
    rest_at = ""
    if summary_file:
        _append_summary(summary_file, result, link_base)
        rest_at = "the job's step summary has all of them"
    click.echo(render_review(fmt, result, link_base=link_base, rest_at=rest_at), nl=False)
    exit_now(1 if result.failed else 0)


def _elsewhere_at_head(path: str) -> bool:
    """With --head: PATH exists in the checked-out files but holds no catalog there (nor is a part
    of one), as a folder whose catalog the checked-out branch moved away does: the catalog is read
    from the revisions named, not refused for what the working tree has."""
    from saga_lint.catalog.locate import enclosing_catalog, is_catalog

    return os.path.isdir(path) and not is_catalog(path) and enclosing_catalog(path) is None


def _apply_baseline(result: ReviewResult, path: str) -> None:
    """Drop the review's findings that the baseline lists (its stale entries are ``check``'s to
    report: a review sees only what the change introduces)."""
    from saga_lint.baseline import BaselineError, apply, read

    try:
        entries = read(path)
    except BaselineError as exc:
        raise Failure(str(exc)) from None
    result.new_findings = apply(result.new_findings, entries)[0]
    result.change_findings = apply(result.change_findings, entries)[0]


def _append_summary(path: str, result: ReviewResult, link_base: str | None) -> None:
    """The whole review (the step summary's budget, not a comment's) appended to ``path``."""
    from saga_lint.review.render import SUMMARY_CHARS, render_markdown

    text = render_markdown(result, max_chars=SUMMARY_CHARS, link_base=link_base)
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise Failure(f"cannot write the summary file {path}: {exc.strerror or exc}") from None
