"""Command line: parse options, call the pipeline, pick a renderer, set the exit code.

One module per command group: ``check`` (check, rules, rule, schema), ``explain``, ``report``,
``review``, ``verify`` (verify, run); ``common`` holds what they share (exit codes, the error
guard, the fast exit). Heavy modules (networkx, jsonschema, markdown-it, jinja2) are imported
inside the commands so that ``saga-lint --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import sys

import click

from saga_lint import __version__
from saga_lint.cli import check, explain, fix, migrate, report, review, verify
from saga_lint.cli.check import FORMATS
from saga_lint.cli.common import Failure

__all__ = ["FORMATS", "Failure", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="saga-lint")
def main() -> None:
    """Lint EventCatalog catalogs and review the sagas they describe.

    Exit codes: 0 nothing at or above the fail level, 1 findings at or above it, 2 saga-lint
    cannot run (not a catalog, bad option or configuration), with a one-line reason.
    """
    # catalog text (file names that are not UTF-8, lone surrogates) must never make printing fail
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)  # absent when a caller replaced the stream
        if reconfigure is not None:
            with contextlib.suppress(ValueError):
                reconfigure(errors="replace")


for _command in (check.check, explain.explain, check.schema_cmd, check.rule_cmd, check.rules_cmd, report.report_cmd,
                 verify.verify_cmd, verify.run_cmd, review.review_cmd, fix.fix_cmd,
                 migrate.migrate_cmd):
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    main()
