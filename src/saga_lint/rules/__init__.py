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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

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
    # reads the pages' facts (catalog.pagefacts), which the loader's workers may still be
    # computing: such rules run after the others, so that the wait overlaps with their work
    page_facts: bool = False

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


def rule(name: str, severity: str, official: bool = False, emitted_by_loader: bool = False, page_facts: bool = False):
    def deco(func):
        import inspect

        RULES[name] = Rule(
            name, severity, func, inspect.cleandoc(func.__doc__ or ""), emitted_by_loader, official, page_facts
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


def run_rules(ctx: Context, config) -> list[Finding]:
    """Run every enabled rule; return findings with severities, suppressions applied, sorted."""
    rules = all_rules()
    findings: list[Finding] = []
    for f in ctx.catalog.load_findings:
        sev = config.severity_for(f.rule, f.file, rules.get(f.rule).severity if f.rule in rules else "error")
        if sev != "off":
            f.severity = sev
            findings.append(f)
    # findings are sorted below, so the order rules run in shows nowhere
    for name, r in sorted(rules.items(), key=lambda item: item[1].page_facts):
        if r.page_facts:
            ctx.catalog.facts.wait()  # the loader's workers' page facts: waited for after every other rule
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
