"""The rule registry and the runner.

A rule is one function decorated with ``@rule(name, severity)``; its docstring is its
documentation (What it checks / Why / Example that fails / Fix) and ``saga-lint rule NAME``
prints it. A rule function takes the ``Context`` and yields ``Problem``s; the runner turns them
into ``Finding``s with the configured severity, applies ``x-saga-lint: {ignore: [...]}`` in the
resource's frontmatter, the config's ignores and per-path overrides.

Rules emitted by the loader (``parse/*``, ``security/*``) are registered here too, with
``emitted_by_loader=True``, so that they are documented and configurable like any other.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable, Iterable

from saga_lint.findings import Finding, ResourceRef

FAMILY_MODULES = ("parse", "schema", "refs", "best_practices", "versions", "structure", "flow", "saga", "json_schemas", "change")


@dataclass
class Rule:
    name: str
    severity: str
    func: Callable | None
    doc: str
    emitted_by_loader: bool = False
    official: bool = False  # one of @eventcatalog/linter's rules, same name
    # reads only the catalog and its files (never ctx.graph or ctx.sagas): on large catalogs it
    # runs in a forked process while the graph is built (see start_catalog_only_rules)
    catalog_only: bool = False

    @property
    def family(self) -> str:
        return self.name.split("/", 1)[0]

    @property
    def summary(self) -> str:
        for line in self.doc.strip().splitlines():
            line = line.strip()
            if line and not line.endswith(":"):
                return line
        return ""


RULES: dict[str, Rule] = {}


def rule(name: str, severity: str, official: bool = False, emitted_by_loader: bool = False, catalog_only: bool = False):
    def deco(func):
        import inspect

        RULES[name] = Rule(
            name, severity, func, inspect.cleandoc(func.__doc__ or ""), emitted_by_loader, official, catalog_only
        )
        return func

    return deco


def all_rules() -> dict[str, Rule]:
    for mod in FAMILY_MODULES:
        importlib.import_module(f"saga_lint.rules.{mod}")
    return RULES


@dataclass
class Problem:
    """What a rule yields; ``resource`` gives file and identity unless ``file`` is set."""

    message: str
    resource: object = None  # catalog Resource
    path: tuple = ()  # frontmatter key path, for file:line
    step: str | None = None
    file: str | None = None
    line: int | None = None
    column: int | None = None
    ref: ResourceRef | None = None  # identity to report, when not resource.ref
    demote: bool = False  # one level below the rule's severity (prose evidence: error -> warning)


@dataclass
class Context:
    catalog: object
    graph: object
    sagas: list = field(default_factory=list)
    options: dict = field(default_factory=dict)  # per-rule options from config


def _to_finding(name: str, severity: str, p: Problem) -> Finding:
    from saga_lint.catalog.refs import format_path

    res = p.resource
    file, line, col = p.file, p.line, p.column
    if res is not None:
        file = file or res.file
        if line is None:
            line, col = res.loc(*p.path)
    ref = p.ref or (res.ref if res is not None and res.id is not None else None)
    if res is not None and res.type in ("doc", "changelog", "ubiquitous-language", "page"):
        ref = p.ref
    return Finding(
        name,
        severity,
        p.message,
        file,
        line,
        col,
        ref,
        p.step,
        format_path(p.path) if p.path else None,
    )


def run_rules(ctx: Context, config, pending=None) -> list[Finding]:
    """Run every enabled rule; return findings with severities, suppressions applied, sorted.

    ``pending`` (from ``start_catalog_only_rules``) carries the findings of the catalog-only rules
    computed in a forked process; they are taken from it instead of being run here."""
    rules = all_rules()
    findings: list[Finding] = []
    for f in ctx.catalog.load_findings:
        sev = config.severity_for(f.rule, f.file, rules.get(f.rule).severity if f.rule in rules else "error")
        if sev != "off":
            f.severity = sev
            findings.append(f)
    done = pending.results() if pending is not None else {}
    for name, r in rules.items():
        if name in done:
            findings.extend(done[name])
        else:
            findings.extend(_rule_findings(ctx, config, name, r))
    findings = [f for f in findings if not config.is_ignored(f.file)]
    findings.sort(key=Finding.sort_key)
    return _dedupe(findings)


def _rule_findings(ctx: Context, config, name: str, r: Rule) -> list[Finding]:
    """One rule's findings, with its configured severity; suppressed ones left out."""
    out: list[Finding] = []
    if r.func is None or not config.rule_may_run(name, r.severity):
        return out
    for p in r.func(ctx) or ():
        f = _to_finding(name, r.severity, p)
        sev = config.severity_for(name, f.file, r.severity)
        if sev == "off":
            continue
        if p.demote:
            sev = _DEMOTED[sev]
        f.severity = sev
        if p.resource is not None and _suppressed(p.resource, name):
            continue
        out.append(f)
    return out


_DEMOTED = {"error": "warning", "warning": "info", "info": "info"}

# -- catalog-only rules in a forked process ----------------------------------------------------------

_FORKED: tuple | None = None  # (catalog, config), read by the forked child


def _catalog_only_findings() -> dict:
    catalog, config = _FORKED
    ctx = Context(catalog, None, [])
    return {name: _rule_findings(ctx, config, name, r) for name, r in all_rules().items() if r.catalog_only}


class PendingRules:
    """Catalog-only rules running in a forked child; ``results()`` waits for them."""

    def __init__(self, pool, async_result):
        self._pool = pool
        self._async = async_result
        self._results: dict | None = None

    def results(self) -> dict:
        """rule name -> findings; empty (so the rules run in-process) if the child failed."""
        if self._results is None:
            try:
                self._results = self._async.get()
            except Exception:  # the child died or could not pickle: run them here instead
                self._results = {}
            finally:
                self._pool.close()
                self._pool.join()
        return self._results


def start_catalog_only_rules(catalog, config, min_pages: int = 2000) -> PendingRules | None:
    """On a catalog of ``min_pages`` pages or more, start the catalog-only rules (schema checks of
    every frontmatter and JSON schema file, file paths) in a forked process, so that they run on
    another CPU while this one builds the graph and runs the rest. None when the catalog is small
    (unless ``SAGA_LINT_JOBS`` is 2 or more), there is one CPU, ``SAGA_LINT_JOBS=1`` or ``fork`` is
    not available: then ``run_rules`` runs them in-process. Either way the findings are the same."""
    import multiprocessing
    import os

    global _FORKED
    jobs = os.environ.get("SAGA_LINT_JOBS", "").strip()  # as for the loader: 1 = off, 2+ = on for any size
    if jobs == "1" or (len(catalog.resources) + len(catalog.pages) < min_pages and not (jobs.isdigit() and int(jobs) > 1)):
        return None
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    if cpus < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    all_rules()
    _FORKED = (catalog, config)
    try:
        pool = multiprocessing.get_context("fork").Pool(1)
        return PendingRules(pool, pool.apply_async(_catalog_only_findings))
    except OSError:  # pragma: no cover - e.g. no /dev/shm for the pool's locks
        return None
    finally:
        _FORKED = None


def _suppressed(resource, name: str) -> bool:
    block = resource.data.get("x-saga-lint")
    if not isinstance(block, dict):
        return False
    ignore = block.get("ignore")
    if not isinstance(ignore, list):
        return False
    for item in ignore:
        item = str(item)
        if item == name or (item.endswith("/*") and name.startswith(item[:-1])) or item == "*":
            return True
    return False


def _dedupe(findings: Iterable[Finding]) -> list[Finding]:
    seen = set()
    out = []
    for f in findings:
        k = (f.fingerprint, f.line, f.column)
        if k in seen:
            continue
        seen.add(k)
        out.append(f)
    return out
