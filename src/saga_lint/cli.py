"""Command line: parse options, call the pipeline, pick a renderer, set the exit code.

Exit codes: 0 clean, 1 findings at or above the fail level, 2 when saga-lint cannot run (bad
option, unreadable config, missing catalog, internal error) with a one-line reason.
Heavy modules (networkx, jsonschema, markdown-it) are imported inside the commands so that
``saga-lint --help`` stays fast.
"""

from __future__ import annotations

import os
import sys

import click

from saga_lint import __version__

FORMATS = ["text", "json", "sarif", "github", "junit", "markdown"]


class Failure(click.ClickException):
    exit_code = 2

    def show(self, file=None):
        click.echo(f"saga-lint: {self.format_message()}", err=True)


def _guard(fn):
    """Run a command body: config problems and internal errors become exit 2, one line."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from saga_lint.config import ConfigError

        try:
            return fn(*args, **kwargs)
        except ConfigError as exc:
            raise Failure(f"configuration error: {exc}") from None
        except (click.ClickException, click.exceptions.Exit, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # internal error: one line, exit 2
            if os.environ.get("SAGA_LINT_DEBUG"):
                raise
            raise Failure(f"internal error: {type(exc).__name__}: {exc} (set SAGA_LINT_DEBUG=1 for a traceback)") from None

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="saga-lint")
def main():
    """Lint EventCatalog catalogs and review the sagas they describe."""
    # catalog text (file names that are not UTF-8, lone surrogates) must never make printing fail
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError):
            pass


def _catalog_path(path: str) -> str:
    if not os.path.isdir(path):
        raise Failure(f"catalog folder not found: {path}")
    return path


def _write_outputs(result, outputs, fmt) -> None:
    from saga_lint.render import render

    for spec in outputs:
        if "=" not in spec:
            raise Failure(f"--output expects FORMAT=PATH, got {spec!r}")
        ofmt, opath = spec.split("=", 1)
        if ofmt not in FORMATS:
            raise Failure(f"unknown output format {ofmt!r} (choose from {', '.join(FORMATS)})")
        try:
            with open(opath, "w", encoding="utf-8") as fh:
                fh.write(render(ofmt, result))
        except OSError as exc:
            raise Failure(f"cannot write {opath}: {exc.strerror or exc}") from None


@main.command()
@click.argument("path", default=".", type=click.Path(file_okay=False))
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format on stdout.")
@click.option("-o", "--output", "outputs", multiple=True, metavar="FORMAT=PATH", help="Also write FORMAT to PATH (repeatable).")
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False), help="Config file (default: saga-lint.yaml in PATH).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), help="Lowest severity that fails the run (default: error).")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors in text output.")
@click.option("-j", "--jobs", type=click.IntRange(1, 16), default=None,
              help="Worker processes for reading the catalog: 1 reads it in this process; default: one per CPU "
              "on catalogs of 300 pages or more (as SAGA_LINT_JOBS).")
@_guard
def check(path, fmt, outputs, config_path, fail_on, quiet, jobs):
    """Lint the catalog at PATH (default: the current folder)."""
    if jobs is not None:
        os.environ["SAGA_LINT_JOBS"] = str(jobs)  # read by the loader; the same for every step
    from saga_lint.config import load_config
    from saga_lint.findings import at_or_above
    from saga_lint.pipeline import run_check
    from saga_lint.render import render

    path = _catalog_path(path)
    _collector_off()
    # loaded while the loader's workers parse a large catalog; a bad config still exits with 2
    result = run_check(path, lambda: load_config(path, config_path))
    config = result.config
    _write_outputs(result, outputs, fmt)
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path and "markdown" in FORMATS:
        try:
            from saga_lint.render import render as _r

            with open(summary_path, "a", encoding="utf-8") as fh:
                fh.write(_r("markdown", result))
        except (OSError, ImportError, ModuleNotFoundError):
            pass
    shown = result
    if quiet and fmt == "text":  # -q trims the terminal only: -o files, the summary and the exit code see everything
        import dataclasses

        shown = dataclasses.replace(result, findings=[f for f in result.findings if f.severity == "error"])
    click.echo(render(fmt, shown), nl=False)
    level = fail_on or config.fail_on
    _exit(1 if any(at_or_above(f.severity, level) for f in result.findings) else 0)


def _own_process() -> bool:
    """True when saga-lint runs as a process of its own (the ``saga-lint`` script, ``python -m
    saga_lint``), False when called in-process (tests, ``CliRunner``)."""
    argv0 = sys.argv[0] if sys.argv else ""
    return os.path.basename(argv0) in ("saga-lint", "saga-lint.exe") or argv0.endswith(
        os.path.join("saga_lint", "__main__.py")
    )


def _collector_off() -> None:
    """In a process of its own, turn the cyclic garbage collector off until ``_exit``. The pipeline
    turns it off while it builds a catalog's millions of objects (they all live until the end);
    turned back on, its first collection would walk every one of them (0.1 s on 2,000 services)
    to free nothing, since the process ends right after rendering."""
    if _own_process():
        import gc

        gc.disable()


def _exit(code: int) -> None:
    """Exit with ``code``. In a process of its own the interpreter's teardown is skipped: freeing
    a large catalog's millions of objects one by one takes longer than a second, for nothing.
    Called in-process (tests, ``CliRunner``), a plain ``sys.exit``."""
    if _own_process():
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os._exit(code)
    sys.exit(code)


@main.command()
@click.argument("flow")
@click.argument("path", default=".", type=click.Path(file_okay=False))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False), help="Config file.")
@_guard
def explain(flow, path, fmt, config_path):
    """Explain one saga FLOW: every step against the six attributes, with evidence and findings."""
    import json as _json

    from saga_lint.config import load_config
    from saga_lint.pipeline import run_check
    from saga_lint.render import explain_text

    path = _catalog_path(path)
    result = run_check(path, load_config(path, config_path))
    saga = next((s for s in result.sagas if s.flow.id == flow), None)
    if saga is None:
        flows = sorted({r.id for r in result.catalog.resources if r.type == "flow" and r.id})
        is_flow = flow in flows
        reason = "is not a saga (no x-saga block, no Compensation node, not listed under sagas: in the config)" if is_flow else "is no flow of the catalog"
        sagas = ", ".join(s.flow.id for s in result.sagas) or "none"
        raise Failure(f"flow {flow!r} {reason}; sagas here: {sagas}")
    if fmt == "json":
        click.echo(_json.dumps(explain_text.to_json(saga, result.findings), indent=2, ensure_ascii=False, default=str))
    else:
        click.echo(explain_text.render(saga, result.findings), nl=False)
    errors = [f for f in result.findings if f.severity == "error" and f.resource is not None
              and f.resource.type == "flow" and f.resource.id == flow]
    sys.exit(1 if errors else 0)


@main.command("schema")
def schema_cmd():
    """Print the JSON Schema of the x-saga block (for editors and other tools)."""
    from pathlib import Path

    click.echo(Path(__file__).resolve().parent.joinpath("saga", "x-saga.schema.json").read_text("utf-8"), nl=False)


@main.command("rule")
@click.argument("name")
def rule_cmd(name):
    """Explain a rule: what it checks, why, an example that fails, the fix."""
    from saga_lint.rules import all_rules

    rules = all_rules()
    r = rules.get(name)
    if r is None:
        import difflib

        close = difflib.get_close_matches(name, list(rules), n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else " See `saga-lint rules`."
        raise Failure(f"unknown rule {name!r}.{hint}")
    origin = " (same name as in @eventcatalog/linter)" if r.official else ""
    click.echo(f"{r.name}  [default: {r.severity}]{origin}\n")
    click.echo(r.doc)


@main.command("rules")
def rules_cmd():
    """List every rule with its default severity."""
    from saga_lint.rules import all_rules

    rules = all_rules()
    width = max(len(n) for n in rules)
    for name in sorted(rules):
        r = rules[name]
        click.echo(f"{name:<{width}}  {r.severity:<7}  {r.summary}")


# -- report (issue 5): one self-contained HTML file -------------------------------------------------
@main.command("report")
@click.argument("path", default=".", type=click.Path(file_okay=False))
@click.option("-o", "--output", "output", default="report.html", show_default=True, type=click.Path(dir_okay=False), help="Where to write the HTML report.")
@click.option("--base", "base", metavar="REF", help="Also show what changed since this git revision (needs `saga-lint review`).")
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False), help="Config file (default: saga-lint.yaml in PATH).")
@_guard
def report_cmd(path, output, base, config_path):
    """Write a self-contained HTML report of the catalog at PATH for a release review."""
    from saga_lint.config import load_config
    from saga_lint.pipeline import run_check
    from saga_lint.render.html_report import render as render_html

    path = _catalog_path(path)
    config = load_config(path, config_path)
    _collector_off()
    result = run_check(path, config)
    html = render_html(result, base=base)
    try:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(html)
    except OSError as exc:
        raise Failure(f"cannot write {output}: {exc.strerror or exc}") from None
    s = result.summary()
    click.echo(f"saga-lint: wrote {output} ({len(result.sagas)} sagas, {s['errors']} errors, {s['warnings']} warnings, {s['infos']} infos)")
    _exit(0)  # skips the teardown of a large catalog when run as its own process


# --- verify / run: the reference orchestrator (issue 6) ----------------------------------------
def _open_store(db):
    from saga_lint.orchestrator.store import Store, StoreError

    try:
        return Store(db)
    except StoreError as exc:
        raise Failure(str(exc)) from None


def _pick_sagas(path, flows):
    from saga_lint.config import load_config
    from saga_lint.pipeline import run_check

    path = _catalog_path(path)
    result = run_check(path, load_config(path))
    sagas = [s for s in result.sagas if not flows or s.id in flows]
    unknown = [f for f in flows if f not in {s.id for s in result.sagas}]
    if unknown:
        known = ", ".join(sorted(s.id for s in result.sagas)) or "none"
        raise Failure(f"no saga flow {', '.join(repr(u) for u in unknown)} in {path} (saga flows: {known})")
    return sagas


@main.command("verify")
@click.argument("path", default=".", type=click.Path(file_okay=False))
@click.option("--flow", "flows", multiple=True, metavar="ID", help="Only this saga flow (repeatable).")
@click.option("--db", default="sqlite://", show_default=True, help="Store: sqlite://, sqlite:///PATH or postgresql://...")
@click.option("--max-scenarios", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Scenario budget per flow; beyond it crash/duplicate variants are sampled.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for sampling.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_guard
def verify_cmd(path, flows, db, max_scenarios, seed, fmt):
    """Run every saga under every fault scenario on a real store and check the invariants."""
    from saga_lint.orchestrator.verify import render_json, render_text, verify_saga

    sagas = _pick_sagas(path, flows)
    store = _open_store(db)
    try:
        reports = [verify_saga(store, s, max_scenarios=max_scenarios, seed=seed) for s in sagas]
    finally:
        store.close()
    click.echo(render_json(reports) if fmt == "json" else render_text(reports), nl=False)
    sys.exit(1 if any(r.violations for r in reports) else 0)


@main.command("run")
@click.argument("flow")
@click.argument("path", default=".", type=click.Path(file_okay=False))
@click.option("--scenario", "scenario_text", default="ok", show_default=True,
              help='Fault plan, e.g. "authorize_payment=declined, crash=4" (see docs/verify.md).')
@click.option("--db", default="sqlite://", show_default=True, help="Store: sqlite://, sqlite:///PATH or postgresql://...")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--participants", "participants", type=click.Choice(["simulated", "plugins"]), default="simulated",
              show_default=True, help="plugins: a step whose service has a participant registered under the "
              "saga_lint.participants entry points calls it (others stay simulated).")
@_guard
def run_cmd(flow, path, scenario_text, db, fmt, participants):
    """Run one saga FLOW under one scenario: its trace, status timeline and invariants."""
    import json
    import uuid

    from saga_lint.orchestrator.invariants import check
    from saga_lint.orchestrator.scenarios import ScenarioError, expected, parse
    from saga_lint.orchestrator.verify import escape_control as _clean
    from saga_lint.orchestrator.verify import full_trace, run_scenario

    saga = _pick_sagas(path, (flow,))[0]
    try:
        scenario = parse(scenario_text, saga)
    except ScenarioError as exc:
        raise Failure(f"bad --scenario: {exc}") from None
    store = _open_store(db)
    try:
        opts = {}
        if participants == "plugins":
            opts["participant_for"] = _plugin_participants(store, saga)
        reference = None
        if scenario.crash_after is not None:
            reference = run_scenario(store, saga, scenario.base(), f"run-{uuid.uuid4().hex[:10]}:{saga.id}:ref", **opts).snap
        res = run_scenario(store, saga, scenario, f"run-{uuid.uuid4().hex[:10]}:{saga.id}", **opts)
        violations = check(saga, scenario, expected(saga, scenario), res.snap, reference)
    finally:
        store.close()
    if fmt == "json":
        click.echo(json.dumps({
            "flow": saga.id, "scenario": scenario.name, "state": res.snap["state"], "status": res.snap["status"],
            "timeline": res.snap["timeline"], "trace": full_trace(res),
            "violations": [{"invariant": v.invariant, "message": v.message} for v in violations],
        }, indent=2, ensure_ascii=False))
    else:
        for line in full_trace(res):
            click.echo(_clean(line))
        click.echo(f"end: {res.snap['state']}, status {_clean(res.snap['status'])}")
        for v in violations:
            click.echo(f"✗ {v.invariant}: {_clean(v.message)}")
        if not violations:
            click.echo("all invariants hold")
    sys.exit(1 if violations else 0)


def _plugin_participants(store, saga):
    """``participant_for(step, scenario)`` for ``run --participants plugins``: a step whose service
    has a factory under the ``saga_lint.participants`` entry points gets it (called as
    ``factory(store=, saga=, step=)``); for every other step it returns None, so the engine keeps
    its simulated participant. Which is which goes to stderr."""
    from saga_lint.orchestrator.participants import entry_point_factories

    factories = entry_point_factories()
    for step in saga.steps:
        svc = step.participant
        name = getattr(svc, "id", None)
        how = f"plug-in {name}" if name in factories else "simulated (no plug-in for its service)"
        click.echo(f"step {step.id}: {how}", err=True)

    def participant_for(step, scenario):
        svc = step.participant
        factory = factories.get(getattr(svc, "id", None))
        return factory(store=store, saga=saga, step=step) if factory is not None else None

    return participant_for


# -- review: what a change does to the catalog (self-contained; saga_lint.review) ----------------
@main.command("review")
@click.argument("path", default=".", type=click.Path(file_okay=False))
@click.option("--base", "base", required=True, metavar="REF", help="Git revision to compare against (e.g. origin/main).")
@click.option("--head", "head", metavar="REF", help="Git revision of the change (default: the working tree).")
@click.option("-f", "--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True, help="Output format on stdout.")
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False), help="Config file (default: saga-lint.yaml in PATH).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), help="Lowest severity of a new finding that fails the run (default: error).")
@_guard
def review_cmd(path, base, head, fmt, config_path, fail_on):
    """Review the change from --base to --head (default: the working tree) of the catalog at PATH.

    Reports what changed, the findings the change introduces (not those already at the base),
    schema compatibility of changed messages, and the change guidance of every changed saga.
    Exit 1 when the change introduces findings at or above the fail level, 2 when it cannot run.
    """
    from saga_lint.config import load_config
    from saga_lint.review import ReviewError, run_review
    from saga_lint.review.render import render as render_review

    path = _catalog_path(path)
    config = load_config(path, config_path)
    _collector_off()
    try:
        result = run_review(path, base, head, config, fail_on=fail_on, config_given=config_path is not None)
    except ReviewError as exc:
        raise Failure(str(exc)) from None
    click.echo(render_review(fmt, result), nl=False)
    _exit(1 if result.failed else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
