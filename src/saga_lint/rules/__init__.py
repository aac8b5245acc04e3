"""The rule registry and the runner.

A rule is one function decorated with ``@rule(name, severity)``; its docstring is its
documentation (What it checks / Why / Example that fails / Fix) and ``saga-lint rule NAME``
prints it. A rule function takes the ``Context`` and yields ``Problem``s; the runner turns them
into ``Finding``s with the configured severity, applies ``x-saga-lint: {ignore: [...]}`` in the
resource's frontmatter (``saga_lint.suppression``: per resource, step or field), the config's ignores and per-path overrides.

Rules emitted by the loader (``parse/*``, ``security/*``) are registered here too, with
``emitted_by_loader=True``, so that they are documented and configurable like any other.

The ``change/*`` rules (``rules/change/``) compare two revisions of the catalog: they read
``Context.changes``, which only ``saga-lint review`` fills, and yield nothing without it, so
``saga-lint check`` never reports them.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from saga_lint.findings import Finding, ResourceRef, Severity

if TYPE_CHECKING:
    from saga_lint.catalog.model import Catalog, Resource
    from saga_lint.catalog.yaml.locations import KeyPath
    from saga_lint.changes.diff import Change
    from saga_lint.config import Config
    from saga_lint.ecversion import EcVersion
    from saga_lint.graph import CatalogGraph
    from saga_lint.saga.model import Saga
    from saga_lint.suppression import Suppressions

FAMILY_MODULES = ("parse", "schema", "refs", "best_practices", "versions", "structure", "flow", "saga", "json_schemas",
                  "schema_formats", "compat_modes", "change", "housekeeping", "eventcatalog")

RuleFunc = Callable[["Context"], "Iterable[Problem] | None"]


@dataclass
class Rule:
    name: str
    severity: Severity
    func: RuleFunc | None
    doc: str
    emitted_by_loader: bool = False
    official: bool = False  # one of @eventcatalog/linter's rules, same name
    # the first @eventcatalog/linter version that has it: "1.1.1" (the version benchmarked and
    # checked against, tests/test_rules_official.py) or a later one; None for saga-lint's own rules
    official_since: str | None = None
    # reads the pages' facts (catalog.pagefacts), which the loader's workers may still be
    # computing: such rules run after the others, so that the wait overlaps with their work
    page_facts: bool = False
    # of a page_facts rule: its work that reads no page facts (into ``Context.memo``), done before
    # the wait for them, while the workers still compute them; the rule reads it (or does it itself)
    prepare: Callable[[Context], object] | None = None

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


def rule(
    name: str, severity: str, official: bool = False, emitted_by_loader: bool = False, page_facts: bool = False,
    official_since: str | None = None, prepare: Callable[[Context], object] | None = None,
) -> Callable[[RuleFunc], RuleFunc]:
    """Register the decorated function as the rule ``name`` at the default ``severity``;
    ``official``: the official linter has a rule of this name and meaning (since
    ``official_since``, default 1.1.1)."""

    def deco(func: RuleFunc) -> RuleFunc:
        since = (official_since or "1.1.1") if official else None
        RULES[name] = Rule(
            name, Severity(severity), func, inspect.cleandoc(func.__doc__ or ""), emitted_by_loader=emitted_by_loader,
            official=official, official_since=since, page_facts=page_facts, prepare=prepare,
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
    resource: Resource | None = None
    path: KeyPath = ()  # frontmatter key path: its position, and the finding's field
    step: str | None = None
    file: str | None = None
    line: int | None = None
    column: int | None = None
    ref: ResourceRef | None = None  # identity to report, when not resource.ref
    demote: bool = False  # one level below the rule's severity (prose evidence: error -> warning)
    at: KeyPath = ()  # a key path for the position only, when the field is not a frontmatter path
    field: str | None = None  # the field to report, when not ``path`` (e.g. a JSON schema field)
    # the fingerprint's words instead of the message, for a message that lists pages or counts:
    # a baseline entry then survives one more page of the same cause
    identity: str | None = None


@dataclass
class Context:
    """What the rules read: the loaded catalog, its graph and saga model, and (review only) the
    change under review. ``memo`` holds what several rules compute once per run."""

    catalog: Catalog
    graph: CatalogGraph
    sagas: list[Saga] = field(default_factory=list)
    memo: dict[str, Any] = field(default_factory=dict)
    changes: Change | None = None
    eventcatalog: EcVersion | None = None  # the EventCatalog version checked against (None: detected)


def _to_finding(name: str, severity: Severity, p: Problem) -> Finding:
    from saga_lint.catalog.refs import format_path

    res = p.resource
    file, line, col = p.file, p.line, p.column
    if res is not None:
        file = file or res.file
        if line is None:
            line, col = res.loc(*(p.path or p.at))
    ref = p.ref or (res.ref if res is not None and res.id is not None else None)
    if res is not None and res.type in ("doc", "changelog", "ubiquitous-language", "page"):
        ref = p.ref
    fld = p.field if p.field is not None else format_path(p.path) if p.path else None
    found = Finding(name, severity, p.message, file, line, col, ref, p.step, fld)
    if p.identity is not None:
        found.fingerprint = found.compute_fingerprint(p.identity)
    return found


def run_rules(ctx: Context, config: Config, only: Collection[str] | None = None) -> list[Finding]:
    """Run every enabled rule; return findings with severities, suppressions applied, sorted.

    ``only``: run just these rules (``review`` runs the ``change/*`` rules on the head's context
    once it knows the change); the loader's findings come with a full run only."""
    from saga_lint.suppression import Suppressions

    rules = all_rules()
    findings: list[Finding] = []
    if only is None:
        findings += _load_findings(ctx, config, rules)
    selected = [(name, r) for name, r in rules.items() if only is None or name in only]
    suppressions = Suppressions(frozenset(rules))
    # findings are sorted below, so the order rules run in shows nowhere
    ordered = sorted(selected, key=lambda item: item[1].page_facts)
    for name, r in ordered:
        if r.page_facts and ctx.catalog.facts.pending is not None:
            # the loader's workers' page facts: waited for after every other rule, and after the work
            # of the rules that read them that reads none
            for other, p in ordered:
                if p.page_facts and p.prepare is not None and p.func is not None and config.rule_may_run(other, p.severity):
                    p.prepare(ctx)
            ctx.catalog.facts.wait()
        findings.extend(_rule_findings(ctx, config, name, r, suppressions))
    if only is None:  # which suppressions silenced nothing is known after a full run only
        defaults = {n: r.severity.value for n, r in rules.items()}
        findings += suppressions.findings([*ctx.catalog.resources, *ctx.catalog.pages], config, defaults)
    findings = [f for f in findings if not config.is_ignored(f.file)]
    findings.sort(key=Finding.sort_key)
    return _dedupe(findings)


def _load_findings(ctx: Context, config: Config, rules: dict[str, Rule]) -> list[Finding]:
    """The loader's findings, graded by the config like the rules' own."""
    out: list[Finding] = []
    for f in ctx.catalog.load_findings:
        default = rules[f.rule].severity if f.rule in rules else Severity.ERROR
        sev = config.severity_for(f.rule, f.file, default)
        if sev != "off":
            f.severity = Severity(sev)
            out.append(f)
    return out


def _rule_findings(ctx: Context, config: Config, name: str, r: Rule, suppressions: Suppressions) -> list[Finding]:
    """One rule's findings, with its configured severity; suppressed ones left out."""
    out: list[Finding] = []
    if r.func is None or not config.rule_may_run(name, r.severity):
        return out
    for p in r.func(ctx) or ():
        f = _to_finding(name, r.severity, p)
        level = config.severity_for(name, f.file, r.severity)
        if level == "off":
            continue
        sev = Severity(level)
        f.severity = sev.demoted if p.demote else sev
        if p.resource is not None and suppressions.suppresses(p.resource, f):
            continue
        out.append(f)
    return out


def _dedupe(findings: Iterable[Finding]) -> list[Finding]:
    seen: set[tuple[str, int | None, int | None]] = set()
    out = []
    for f in findings:
        k = (f.fingerprint, f.line, f.column)
        if k in seen:
            continue
        seen.add(k)
        out.append(f)
    return out
