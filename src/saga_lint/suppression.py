"""Suppressions written in a page's frontmatter: ``x-saga-lint: {ignore: [...]}``.

Each entry of ``ignore`` is either a rule name (``refs/orphan-messages``), a family
(``saga/*``) or ``*``, which silences the rule for the whole resource, or a mapping that narrows
it to one step of a flow and/or one frontmatter field::

    x-saga-lint:
      ignore:
        - refs/orphan-messages                           # the whole resource
        - {rule: saga/retry-policy, step: create_order}  # one saga step
        - {rule: schema/unknown-nested-field, field: "steps[1].service"}  # one field and what is inside it
        - {rule: saga/status, step: create_order, reason: "tracked in JIRA-123"}

``Suppressions`` answers, finding by finding, whether an entry silences it, and remembers which
entries did. After a full run it reports the entries that could never work (a rule name saga-lint
does not know, a malformed entry: ``suppression/invalid``, with the near miss) and those that
silenced nothing although their rule ran (``suppression/unused``, as ruff's RUF100), each at the
entry's line.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from saga_lint.findings import Finding, Severity

if TYPE_CHECKING:
    from saga_lint.catalog.model import Resource
    from saga_lint.catalog.yaml.locations import KeyPath
    from saga_lint.config import Config

BLOCK = "x-saga-lint"
ENTRY_KEYS = ("rule", "step", "field", "reason")
UNUSED_RULE = "suppression/unused"
INVALID_RULE = "suppression/invalid"


@dataclass(frozen=True)
class Entry:
    """One readable ``ignore`` entry: the rule pattern and, when given, the step and field."""

    index: int
    rule: str
    step: str | None = None
    field: str | None = None

    def rule_matches(self, name: str) -> bool:
        return self.rule in ("*", name) or (self.rule.endswith("/*") and name.startswith(self.rule[:-1]))

    def matches(self, finding: Finding) -> bool:
        if not self.rule_matches(finding.rule):
            return False
        if self.step is not None and finding.step != self.step:
            return False
        if self.field is not None:
            f = finding.field or ""
            return f == self.field or f.startswith((self.field + ".", self.field + "["))
        return True

    def describe(self) -> str:
        narrow = "".join(f", {k}: {v}" for k, v in (("step", self.step), ("field", self.field)) if v is not None)
        return f"{{rule: {self.rule}{narrow}}}" if narrow else self.rule


@dataclass(frozen=True)
class Problem:
    """An entry that cannot work: its index in ``ignore`` (None: the block itself) and why."""

    index: int | None
    message: str


def _parse_item(i: int, item: object, known: Collection[str]) -> Entry | Problem:
    if isinstance(item, str):
        rule, step, field = item, None, None
    elif isinstance(item, dict):
        extra = [str(k) for k in item if str(k) not in ENTRY_KEYS]
        if extra:
            return Problem(i, f"unknown key {extra[0]!r} in an ignore entry (an entry has: {', '.join(ENTRY_KEYS)})")
        if not isinstance(item.get("rule"), str):
            return Problem(i, "an ignore entry that is a mapping needs 'rule: NAME'")
        rule = item["rule"]
        step = str(item["step"]) if item.get("step") is not None else None
        field = str(item["field"]) if item.get("field") is not None else None
    else:
        return Problem(i, "an ignore entry is a rule name or {rule: NAME, step: ID, field: PATH}")
    if rule != "*" and rule not in known and not (rule.endswith("/*") and any(n.startswith(rule[:-1]) for n in known)):
        from saga_lint.suggest import nearest

        families = {n.split("/", 1)[0] + "/*" for n in known}
        close = nearest(rule, sorted(families if rule.endswith("/*") else known), cutoff=0.6, most=2)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else " See `saga-lint rules`."
        return Problem(i, f"unknown rule {rule!r} in x-saga-lint ignore; it silences nothing.{hint}")
    return Entry(i, rule, step, field)


def parse(data: object, known: Collection[str]) -> tuple[list[Entry], list[Problem]]:
    """The entries of a frontmatter's ``x-saga-lint`` block and the problems with it."""
    if not isinstance(data, dict) or BLOCK not in data:
        return [], []
    block = data[BLOCK]
    if not isinstance(block, dict):
        return [], [Problem(None, "x-saga-lint must be a mapping: {ignore: [rule names]}")]
    ignore = block.get("ignore")
    problems = [Problem(None, f"unknown key {str(k)!r} in x-saga-lint (it has: ignore)") for k in block if k != "ignore"]
    if ignore is None:
        return [], problems
    if not isinstance(ignore, list):
        return [], [*problems, Problem(None, "x-saga-lint ignore must be a list of rule names; it silences nothing")]
    entries: list[Entry] = []
    for i, item in enumerate(ignore):
        parsed = _parse_item(i, item, known)
        if isinstance(parsed, Entry):
            entries.append(parsed)
        else:
            problems.append(parsed)
    return entries, problems


class Suppressions:
    """The suppressions of one run: which entry silences which finding, and which were used."""

    def __init__(self, known: Collection[str]) -> None:
        self.known = known
        self._entries: dict[int, tuple[Resource, list[Entry], list[Problem]]] = {}  # id(resource) -> parsed block
        self._used: set[tuple[int, int]] = set()  # (id(resource), entry index)

    def _of(self, resource: Resource) -> tuple[Resource, list[Entry], list[Problem]]:
        key = id(resource)
        if key not in self._entries:
            self._entries[key] = (resource, *parse(resource.data, self.known))
        return self._entries[key]

    def suppresses(self, resource: Resource, finding: Finding) -> bool:
        """True when an entry of ``resource``'s block silences ``finding`` (and it is marked used)."""
        if BLOCK not in resource.data:
            return False
        hit = False
        for entry in self._of(resource)[1]:
            if entry.matches(finding):
                self._used.add((id(resource), entry.index))
                hit = True
        return hit

    def findings(self, resources: Iterable[Resource], config: Config, defaults: dict[str, str]) -> list[Finding]:
        """``suppression/invalid`` and ``suppression/unused`` findings for the blocks of ``resources``."""
        out: list[Finding] = []
        for res in resources:
            if BLOCK not in res.data:
                continue
            _, entries, problems = self._of(res)
            for p in problems:
                path: KeyPath = (BLOCK, "ignore", p.index) if p.index is not None else (BLOCK,)
                out += _finding(INVALID_RULE, p.message, res, path, config)
            for e in entries:
                if (id(res), e.index) in self._used or not _ran(e, res.file, config, defaults):
                    continue
                msg = f"x-saga-lint ignore entry {e.describe()} silences no finding; remove it"
                out += _finding(UNUSED_RULE, msg, res, (BLOCK, "ignore", e.index), config)
        return out


def _ran(entry: Entry, file: str, config: Config, defaults: dict[str, str]) -> bool:
    """Whether a rule the entry names ran on ``file`` (``change/*`` rules run only in a review)."""
    return any(
        entry.rule_matches(name) and not name.startswith("change/")
        and config.severity_for(name, file, default) != "off"
        for name, default in defaults.items()
    )


def _finding(rule: str, message: str, res: Resource, path: KeyPath, config: Config) -> list[Finding]:
    from saga_lint.catalog.refs import format_path

    level = config.severity_for(rule, res.file, "warning")
    if level == "off":
        return []
    line, col = res.loc(*path)
    ref = res.ref if res.id is not None else None
    return [Finding(rule, Severity(level), message, res.file, line, col, ref, None, format_path(path))]
