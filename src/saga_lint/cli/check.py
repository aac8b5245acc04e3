"""``saga-lint check`` and the commands about rules: ``rules``, ``rule NAME``, ``schema``."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import click

from saga_lint.cli.adoption import adoption_options, stdout_isatty
from saga_lint.cli.common import Failure, catalog_path, collector_off, exit_now, guard

if TYPE_CHECKING:
    from saga_lint.cache import Restored
    from saga_lint.cli.adoption import Adoption
    from saga_lint.config import Config
    from saga_lint.results import Checked, RepoFacts, Result

    CheckResult = Result | Restored  # what a check hands the formats: run now, or restored from the cache

FORMATS = ["text", "json", "sarif", "github", "gitlab", "junit", "markdown", "concise"]


class _Repo:
    """Where the catalog sits in its repository, found (with git) the first time a format needs it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.facts: RepoFacts | None = None

    def for_format(self, fmt: str) -> RepoFacts | None:
        from saga_lint.render import REPO_FORMATS

        if fmt not in REPO_FORMATS:
            return None
        if self.facts is None:
            from saga_lint.repo import repo_facts

            self.facts = repo_facts(self.path)
        return self.facts


def _write_outputs(result: Checked, outputs: Iterable[str], repo: _Repo) -> None:
    from saga_lint.render import render

    for spec in outputs:
        if "=" not in spec:
            raise Failure(f"--output expects FORMAT=PATH, got {spec!r}")
        ofmt, opath = spec.split("=", 1)
        if ofmt not in FORMATS:
            raise Failure(f"unknown output format {ofmt!r} (choose from {', '.join(FORMATS)})")
        try:
            with open(opath, "w", encoding="utf-8") as fh:
                fh.write(render(ofmt, result, repo.for_format(ofmt)))
        except OSError as exc:
            raise Failure(f"cannot write {opath}: {exc.strerror or exc}") from None


def _step_summary(result: Checked, repo: _Repo) -> None:
    """In GitHub Actions, the Markdown summary is appended to ``$GITHUB_STEP_SUMMARY``."""
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not summary_path:
        return
    try:
        from saga_lint.render import render

        with open(summary_path, "a", encoding="utf-8") as fh:
            fh.write(render("markdown", result, repo.for_format("markdown")))
    except (OSError, ImportError, ModuleNotFoundError):
        pass


def _checked(path: str, make_config: Callable[[], Config], cache_dir: str | None, no_cache: bool) -> CheckResult:
    """The check's result: from the cache when every input is as it was (``saga_lint.cache``),
    else from the pipeline (and then stored). ``make_config`` loads the effective config."""
    from saga_lint.pipeline import run_check

    cache = None
    if not no_cache and os.environ.get("SAGA_LINT_NO_CACHE", "") in ("", "0"):
        from pathlib import Path

        from saga_lint.cache import CheckCache, cache_folder, untrusted

        why = untrusted(cache_folder(Path(path), cache_dir))
        if why is not None:
            click.echo(f"saga-lint: the cache folder is not used: {why}. A cache that comes with a change could hold a "
                       "forged result, so the check runs. Keep the cache out of git (git rm -r --cached <the folder>), "
                       "or put it elsewhere with --cache-dir or SAGA_LINT_CACHE_DIR.", err=True)
        else:
            cache = CheckCache.open(Path(path), cache_dir)
    if cache is None:
        # loaded while the loader's workers parse a large catalog; a bad config still exits with 2
        return run_check(path, make_config)
    config = make_config()
    keyed = cache.keyed(config)
    hit = cache.load(keyed.key, config)
    if hit is not None:
        return hit
    reused = cache.after_prose_edits(keyed, config)  # pages edited only in their prose: nothing to check again
    if reused is not None:
        cache.store(keyed.key, *reused)
        _timing("reused after an edit of prose")
        return reused[0]
    result = run_check(path, config)
    if cache.key(config) == keyed.key:  # stored only when no input changed while the check ran
        from saga_lint.prose import signatures

        cache.store(keyed.key, result, signatures(result.catalog))
    return result


def _timing(what: str) -> None:
    """``SAGA_LINT_TIMINGS=1``: say how the result was made (as ``pipeline``'s steps do)."""
    from saga_lint.pipeline import timings_on

    if timings_on():
        click.echo(f"saga-lint timing: {what}", err=True)


def _only_errors(result: CheckResult) -> CheckResult:
    """The result with its errors only (``-q`` on the terminal)."""
    import dataclasses

    return dataclasses.replace(result, findings=[f for f in result.findings if f.severity == "error"])


@click.command()
@click.argument("path", default=".", type=click.Path(file_okay=False))
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Output format on stdout.")
@click.option("-o", "--output", "outputs", multiple=True, metavar="FORMAT=PATH",
              help="Also write FORMAT to PATH (repeatable).")
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False),
              help="Config file (default: the nearest saga-lint.yaml, .saga-lint.yaml or pyproject.toml "
              "[tool.saga-lint] from PATH up to the repository root).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]),
              help="Lowest severity that fails the run (default: error).")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors in text output.")
@click.option("-j", "--jobs", type=click.IntRange(1, 16), default=None,
              help="Worker processes for reading the catalog: 1 reads it in this process; default: one per CPU "
              "on catalogs of 300 pages or more (as SAGA_LINT_JOBS).")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
              help="Cache folder (default: SAGA_LINT_CACHE_DIR, else .saga-lint-cache in PATH; no cache when it "
              "cannot be written).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache (also SAGA_LINT_NO_CACHE=1).")
@click.option("--eventcatalog-version", "ec_version", metavar="VERSION",
              help="EventCatalog version whose content schemas apply (default: @eventcatalog/core in the catalog's "
              "package.json, else the config's eventcatalog-version, else the latest release).")
@adoption_options
@guard
def check(path: str, fmt: str, outputs: Sequence[str], config_path: str | None, fail_on: str | None, quiet: bool,
          jobs: int | None, cache_dir: str | None, no_cache: bool, ec_version: str | None, adopt: Adoption) -> None:
    """Lint the catalog at PATH (default: the current folder)."""
    if ec_version:
        os.environ["SAGA_LINT_EVENTCATALOG_VERSION"] = ec_version  # read by ecversion.detect
    if jobs is not None:
        os.environ["SAGA_LINT_JOBS"] = str(jobs)  # read by the loader; the same for every step
    path = catalog_path(path)

    def load_config() -> Config:
        # imported when called: on a large catalog, on a thread once the loader's workers are
        # started, so that the run's single-threaded start is shorter
        from saga_lint.config import load_config as load

        return load(path, config_path)

    if adopt.show_config:
        from saga_lint.config import describe

        click.echo(describe(adopt.narrow(load_config())), nl=False)
        exit_now(0)
    adopt.fix_first(path, config_path)  # --fix: the x-saga blocks are written before the check reads the catalog
    collector_off()
    from saga_lint.progress import Progress, stderr_isatty

    # the config is loaded while the loader's workers parse a large catalog; a bad config still exits with 2
    with Progress(path, enabled=stderr_isatty()):  # on a terminal, for runs longer than a second
        result = adopt.filter(_checked(path, lambda: adopt.narrow(load_config()), cache_dir, no_cache))
    from saga_lint.findings import at_or_above
    from saga_lint.render import render

    repo = _Repo(path)
    _write_outputs(result, outputs, repo)
    _step_summary(result, repo)
    shown = result
    if quiet and fmt in ("text", "concise"):  # -q trims the terminal only: -o files, the summary and the exit code see everything
        shown = _only_errors(result)
    color = adopt.use_color(stdout_isatty())
    click.echo(render(fmt, shown, repo.for_format(fmt), color=color), nl=False, color=color or None)
    level = fail_on or result.config.fail_on
    failed = any(at_or_above(f.severity, level) for f in result.findings) or adopt.too_many_warnings(result)
    exit_now(1 if failed else 0)


@click.command("schema")
def schema_cmd() -> None:
    """Print the JSON Schema of the x-saga block (for editors and other tools)."""
    from pathlib import Path

    schema = Path(__file__).resolve().parent.parent.joinpath("saga", "x-saga.schema.json")
    click.echo(schema.read_text("utf-8"), nl=False)


@click.command("rule")
@click.argument("name")
def rule_cmd(name: str) -> None:
    """Explain a rule: what it checks, why, an example that fails, the fix."""
    from saga_lint.rules import all_rules

    rules = all_rules()
    r = rules.get(name)
    if r is None:
        from saga_lint.suggest import nearest

        close = nearest(name, list(rules), cutoff=0.6, most=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else " See `saga-lint rules`."
        raise Failure(f"unknown rule {name!r}.{hint}")
    origin = f" (same name as in @eventcatalog/linter {r.official_since} and later)" if r.official else ""
    click.echo(f"{r.name}  [default: {r.severity}]{origin}\n")
    click.echo(for_terminal(r.doc))


def for_terminal(doc: str) -> str:
    """A rule's documentation as a terminal shows it: its reStructuredText literals (````owners````)
    as the Markdown ones a reader knows (```owners```); docs/rules.md keeps the text as written."""
    return doc.replace("``", "`")


@click.command("rules")
def rules_cmd() -> None:
    """List every rule with its default severity."""
    from saga_lint.rules import all_rules

    rules = all_rules()
    width = max(len(n) for n in rules)
    for name in sorted(rules):
        r = rules[name]
        click.echo(f"{name:<{width}}  {r.severity!s:<7}  {for_terminal(r.summary)}")
