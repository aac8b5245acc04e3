"""``saga-lint fix``: write the ``x-saga`` block of a plain flow from what saga-lint inferred.

For each saga flow without an ``x-saga`` block, the block is composed from the saga model
(``saga.build``): the orchestrator, the coordination style, the outcome and, per step, its type,
owner, success event, business failure events, compensation command and (choreography) its
participant, trigger and the event its undo runs on (``compensation.on``). Only values saga-lint
found are written, never a guess: a value read from a contract (``≈`` in ``explain``) is written as
it is; a value read only from prose (an edge label, a ``custom`` node, a docs page) or inferred
from the step's place in the flow gets a ``# confirm: ...`` comment so that a reviewer checks it
and deletes the mark. What is missing (typically retry policies and customer-visible statuses) is
named in an ``# open:`` comment and stays a finding.

The block is inserted as text just before the frontmatter's closing ``---``: every other byte of
the page stays as it was (nothing is dumped again). The composed block is parsed back and validated
against the x-saga JSON Schema before anything is written; the new frontmatter must read as the old
one plus ``x-saga``. A flow that already has a block is left alone (so a second run changes
nothing) unless ``force``, which replaces the block's lines.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from saga_lint.saga.model import Evidence, Saga, SagaStep

KEY = "x-saga"
# blank lines before the opening line are allowed, as the loader (and EventCatalog's build) allow them
_OPEN = re.compile(r"\A(\ufeff)?(?:[ \t\r]*\n)*---[ \t]*\r?\n")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.M)
_BLOCK_START = re.compile(r"""^(["']?)x-saga\1[ \t]*:""")


class FixError(Exception):
    """A block could not be written (the page's frontmatter cannot be found, the block would not
    validate); the message names the file."""


@dataclass
class FlowFix:
    """What ``fix`` does to one flow page."""

    file: str  # relative to the catalog root
    saga: str  # the flow id
    before: str
    after: str
    confirm: int = 0  # values marked for a reviewer to confirm
    note: str = ""  # why nothing changed, when nothing did

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self, shown: str) -> str:
        return "".join(difflib.unified_diff(self.before.splitlines(keepends=True), self.after.splitlines(keepends=True),
                                            f"a/{shown}", f"b/{shown}"))


def _scalar(value: object) -> str:
    """One YAML scalar (quoted when YAML needs it), for a line composed by hand."""
    import yaml

    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).strip()
    return text[:-3].strip() if text.endswith("...") else text


def _why(ev: Evidence | None, inferred: str = "") -> str:
    """`` # confirm: ...`` for prose evidence (or an inference), '' for a contract or a declaration."""
    from saga_lint.render.safe import terminal_safe

    if inferred:
        return f"  # confirm: {inferred}"
    if ev is None or ev.level != "prose":
        return ""
    note = terminal_safe(ev.note or "documented in prose")
    note = note if len(note) <= 72 else note[:71].rstrip() + "…"
    return f"  # confirm: from prose ({note})"


class _Block:
    """The lines of one block, and how many values in it are marked for confirmation."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.confirm = 0

    def add(self, indent: int, text: str, mark: str = "") -> None:
        self.lines.append("  " * indent + text + mark)
        self.confirm += bool(mark)


def _saga_level(block: _Block, saga: Saga) -> None:
    if saga.coordination != "orchestration":
        block.add(1, f"coordination: {saga.coordination}", _why(saga.coordination_evidence, "how the steps are started"))
    ev = saga.orchestrator_evidence
    if saga.orchestrator_id and saga.coordination != "choreography" and (ev is None or ev.level != "missing"):
        block.add(1, f"orchestrator: {_scalar(saga.orchestrator_id)}", _why(ev))
    outcome = {k: v for k, v in saga.outcome.items() if v}
    if outcome and (saga.outcome_evidence is None or saga.outcome_evidence.level != "missing"):
        block.add(1, "outcome:", _why(saga.outcome_evidence))
        for k in ("container", "event"):
            if outcome.get(k):
                block.add(2, f"{k}: {_scalar(outcome[k])}")


def _known(step: SagaStep, attr: str) -> Evidence | None:
    ev = step.evidence.get(attr)
    return ev if ev is not None and ev.level in ("contract", "prose", "structured") else None


def _step_lines(block: _Block, saga: Saga, step: SagaStep) -> None:
    start = len(block.lines)
    block.add(2, f"{_scalar(step.id)}:")
    if step.type:
        block.add(3, f"type: {step.type}", _why(None, "from the step's place in the flow") if step.type_inferred else "")
    if saga.coordination != "orchestration" and step.participant is not None and step.participant.id:
        block.add(3, f"participant: {_scalar(step.participant.id)}")
        if step.trigger and step.trigger_kind == "event":
            block.add(3, f"trigger: {_scalar(step.trigger)}")
    if (ev := _known(step, "owner")) and step.owners:
        owner = _scalar(step.owners[0]) if len(step.owners) == 1 else "[" + ", ".join(map(_scalar, step.owners)) + "]"
        block.add(3, f"owner: {owner}", _why(ev))
    if (ev := _known(step, "success")) and step.success:
        block.add(3, f"success: {_scalar(step.success)}", _why(ev))
    failures = [f for f in step.failures if f.event or f.error]
    if (ev := _known(step, "failure")) and failures:
        block.add(3, "failures:", _why(ev))
        for f in failures:
            block.add(4, f"- event: {_scalar(f.event)}" if f.event else f"- error: {_scalar(f.error)}")
    on, drawn = _undo_on(saga, step)
    if (ev := _known(step, "compensation")) and step.compensation:
        if step.compensation == "none":
            block.add(3, "compensation: none", _why(ev))
        else:
            block.add(3, "compensation:", _why(ev))
            if on is not None:
                # quoted: YAML 1.1 reads a bare ``on`` key as true
                block.add(4, f'"on": {_scalar(on)}', _why(None, "drawn before the Compensation node") if drawn else "")
            block.add(4, f"command: {_scalar(step.compensation)}")
    open_attrs = [a for a in ("owner", "success", "failure", "retry", "compensation", "status")
                  if (e := step.evidence.get(a)) is None or e.level == "missing"
                  or (a == "success" and not step.success) or (a == "failure" and not failures)
                  or (a == "compensation" and not step.compensation)]
    if on is not None and "compensation" in open_attrs:  # known to run on an event, but not what it runs
        open_attrs[open_attrs.index("compensation")] = (f"compensation (it undoes on {on}: add the command it runs "
                                                        "or the event it publishes)")
    if len(block.lines) == start + 1:
        block.lines[start] += " {}"  # nothing known: an empty mapping, not null
    if open_attrs:
        block.add(3 if len(block.lines) > start + 1 else 2, f"# open: {', '.join(open_attrs)} (see saga-lint explain)")


def _undo_on(saga: Saga, step: SagaStep) -> tuple[str | None, bool]:
    """A choreographed step's ``compensation.on``, and whether it is only drawn: the event its
    participant is known to undo on (a later step's failure event it receives), else the one
    later failure event drawn right before a Compensation node of the flow; (None, False)."""
    if step.orchestrated:
        return None, False
    if step.compensation_on:
        return step.compensation_on, False
    fmap = saga.flowmap
    if fmap is None:
        return None, False
    later = {f.event for s in saga.steps if s.index > step.index for f in s.business_failures if f.event}
    drawn = {n.message_id for sid in saga.compensation_nodes for n in fmap.before(sid) if n.message_id in later}
    return (drawn.pop(), True) if len(drawn) == 1 else (None, False)


def compose(saga: Saga) -> tuple[list[str], int]:
    """The lines of ``saga``'s x-saga block (no line endings) and the number of values to confirm."""
    block = _Block()
    block.add(0, f"{KEY}:")
    block.add(1, "# written by `saga-lint fix` from the catalog; a value marked `confirm` comes from prose or")
    block.add(1, "# from inference: check it, then delete the mark")
    _saga_level(block, saga)
    block.add(1, "steps:")
    for step in saga.steps:
        _step_lines(block, saga, step)
    return block.lines, block.confirm


def _frontmatter_end(text: str, file: str) -> tuple[int, int]:
    """(offset where the frontmatter's body starts, offset of its closing line)."""
    m = _OPEN.match(text)
    if m is None:
        raise FixError(f"{file}: no frontmatter (the page does not start with ---)")
    close = _CLOSE.search(text, m.end())
    if close is None:
        raise FixError(f"{file}: the frontmatter is not closed by a --- line")
    return m.end(), close.start()


def remove_block(text: str, file: str) -> str:
    """``text`` without the top-level ``x-saga`` key and its indented lines (comments at column 0
    right after it are kept: they belong to what follows)."""
    start, end = _frontmatter_end(text, file)
    lines = text[start:end].splitlines(keepends=True)
    first = next((i for i, line in enumerate(lines) if _BLOCK_START.match(line)), None)
    if first is None:
        return text
    last = first + 1
    while last < len(lines) and (not lines[last].strip() or lines[last][0] in " \t#"):
        last += 1
    while last > first + 1 and (not lines[last - 1].strip() or lines[last - 1].startswith("#")):
        last -= 1
    return text[:start] + "".join(lines[:first] + lines[last:]) + text[end:]


def insert_block(text: str, lines: list[str], file: str) -> str:
    """``text`` with ``lines`` inserted just before the frontmatter's closing line, in the
    page's line ending."""
    start, end = _frontmatter_end(text, file)
    newline = "\r\n" if "\r\n" in text[:end] else "\n"
    before = text[:end]
    if before[start:] and not before.endswith(("\n", "\r")):
        before += newline
    return before + "".join(line + newline for line in lines) + text[end:]


def validate(before: str, after: str, file: str) -> dict[str, Any]:
    """The new page's x-saga block, checked: valid against the schema, and the frontmatter is the
    old one plus the block. Raises ``FixError`` otherwise."""
    import jsonschema
    import yaml

    def front(text: str) -> dict[str, Any]:
        start, end = _frontmatter_end(text, file)
        data = yaml.safe_load(text[start:end]) or {}
        if not isinstance(data, dict):
            raise FixError(f"{file}: the frontmatter is not a mapping")
        return data

    old, new = front(before), front(after)
    block = new.get(KEY)
    old.pop(KEY, None)
    if {k: v for k, v in new.items() if k != KEY} != old or not isinstance(block, dict):
        raise FixError(f"{file}: the composed block would change the rest of the frontmatter; nothing written")
    from saga_lint.catalog.xschema import document

    errors = sorted(jsonschema.Draft202012Validator(document()).iter_errors(block), key=lambda e: list(map(str, e.path)))
    if errors:
        raise FixError(f"{file}: the composed block does not validate ({errors[0].message}); nothing written")
    return block


def _model(root: Path, force: bool, only: set[str] | None,
           config_path: str | None = None) -> tuple[list[Saga], dict[str, str], list[str]]:
    """The sagas of the catalog (flows to replace read without their block), the texts of their
    pages as read, and the flows asked for that are no saga (with why)."""
    from saga_lint.catalog import load_catalog
    from saga_lint.config import load_config
    from saga_lint.graph import build_graph
    from saga_lint.saga import build_sagas
    from saga_lint.saga.build import saga_reason

    catalog = load_catalog(root)
    config = load_config(root, config_path)  # --config of ``check --fix``: the sagas the check reviews
    texts: dict[str, str] = {}
    asked = []
    for res in catalog.of_type("flow"):
        if only is not None and res.id not in only and res.file not in only:
            continue
        asked.append(res)
        try:
            texts[res.file] = (root / res.file).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise FixError(f"{res.file}: cannot read: {exc}") from None
        if force and KEY in res.data:
            res.data = {k: v for k, v in res.data.items() if k != KEY}  # inferred again, as for a plain flow
    graph = build_graph(catalog)
    sagas = build_sagas(catalog, graph, config)
    saga_files = {s.flow.file for s in sagas}
    notes = [f"{res.file}: flow {res.id} is not read as a saga: {saga_reason(res, config, graph=graph)[1]}"
             for res in asked if only is not None and res.file not in saga_files]
    return sagas, texts, notes


def fix_catalog(root: str | Path, flows: set[str] | None = None, force: bool = False,
                config_path: str | None = None) -> tuple[list[FlowFix], list[str]]:
    """What ``fix`` does to each saga flow of the catalog at ``root`` (``flows``: only these ids or
    catalog-relative files), and the notes for flows it cannot fix. Writes nothing."""
    root = Path(root)
    sagas, texts, notes = _model(root, force, flows, config_path)
    out = []
    for saga in sorted(sagas, key=lambda s: s.flow.file):
        file = saga.flow.file
        if file not in texts:
            continue
        before = texts[file]
        if saga.copy_of is not None:
            out.append(FlowFix(file, saga.id, before, before, note=f"repeats the steps of saga {saga.copy_of}: fix that one"))
            continue
        if saga.structured and not force:
            out.append(FlowFix(file, saga.id, before, before, note="has an x-saga block already (--force to replace it)"))
            continue
        lines, confirm = compose(saga)
        after = insert_block(remove_block(before, file), lines, file)
        validate(before, after, file)
        out.append(FlowFix(file, saga.id, before, after, confirm))
    return out, notes
