"""The saga model: a flow read as a saga, step by step, with the evidence for each attribute.

For every step and each of the six attributes (``ATTRIBUTES``) the model holds an ``Evidence``:
its level (``structured``: stated in ``x-saga``; ``contract``: inferred from EventCatalog's own
machine-readable contracts, a participant's ``receives[].triggers``, ``sends`` and ``receives`` and
the flow's message steps, and checked against the catalog; ``prose``: only implied by text such as
labelled edges, ``custom`` nodes, docs pages; ``missing``), the value, and where it was found
(file:line). A saga also knows why it is one (``why``), how it is coordinated (``coordination``:
orchestration, choreography or mixed, with evidence) and whether it copies another saga. The saga rules,
``explain``, ``review``, ``report`` and ``verify`` all read this model.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from saga_lint.catalog.yaml.locations import KeyPath as KeyPath

if TYPE_CHECKING:
    from saga_lint.catalog.body import Table
    from saga_lint.catalog.model import Resource
    from saga_lint.saga.flowmap import FlowMap

ATTRIBUTES = ("owner", "success", "failure", "retry", "compensation", "status")
LEVELS = ("structured", "contract", "prose", "missing")
Level = Literal["structured", "contract", "prose", "missing"]
COORDINATIONS = ("orchestration", "choreography", "mixed")
# a key path in a page's frontmatter, e.g. ("x-saga", "steps", "reserve_inventory", "retry")
# a mapping as parsed from YAML frontmatter (an x-saga block, a step block, a status)
YamlMap = dict[str, object]
# an edge of the flow drawing out of a step: (label, target step id)
Edge = tuple[str | None, str]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}
_MARK = {"structured": "✓", "contract": "≈", "prose": "~", "missing": "✗"}


def parse_duration(value: object) -> float | None:
    """Seconds from ``200ms``, ``2s``, ``5m``, ``1h`` (a bare number is seconds); None if invalid."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value) if value >= 0 else None
    m = _DURATION.match(str(value))
    if not m:
        return None
    return float(m.group(1)) * _UNIT[m.group(2)]


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    if seconds < 1:
        return f"{seconds * 1000:g}ms"
    if seconds < 120:
        return f"{seconds:g}s"
    if seconds < 7200:
        return f"{seconds / 60:g}m"
    return f"{seconds / 3600:g}h"


class Evidence:
    """What is known of one attribute, how well (``level``), and where it was found.

    ``Evidence.at`` and ``Evidence.key`` keep the page and key path and look the position up on
    first read of ``line``/``column``: a saga's evidence is located only when a finding, ``explain``
    or the report shows it (composing a page's YAML again for its map costs more than the whole
    model of the saga)."""

    __slots__ = ("level", "value", "file", "note", "_line", "_column", "_at")

    def __init__(self, level: Level, value: object = None, file: str | None = None, line: int | None = None,
                 column: int | None = None, note: str = "") -> None:
        self.level: Level = level
        self.value = value  # the attribute's value as found (any YAML value: an id, a list of ids, a mapping)
        self.file = file
        self.note = note  # where/how it was found, in words
        self._line = line
        self._column = column
        self._at: tuple[Resource, KeyPath, bool] | None = None  # (page, key path, column 1) not yet looked up

    @property
    def mark(self) -> str:
        return _MARK[self.level]

    @classmethod
    def at(cls, level: Level, value: object, res: Resource, path: KeyPath, note: str = "") -> Evidence:
        """Evidence found in ``res`` at the frontmatter key ``path`` (its line and column)."""
        ev = cls(level, value, res.file, None, None, note)
        ev._at = (res, path, False)
        return ev

    @classmethod
    def key(cls, level: Level, value: object, res: Resource, key: str, note: str = "") -> Evidence:
        """Evidence found in ``res`` at the line of the top-level frontmatter ``key`` (column 1)."""
        ev = cls(level, value, res.file, None, 1, note)
        ev._at = (res, (key,), True)
        return ev

    def restated(self, value: object, note: str) -> Evidence:
        """Evidence of another value found at the same place (located when this one is)."""
        ev = Evidence(self.level, value, self.file, self._line, self._column, note)
        ev._at = self._at
        return ev

    def _locate(self) -> None:
        at = self._at
        if at is not None:
            self._at = None
            res, path, first_column = at
            line, column = res.loc(*path)
            self._line = line
            self._column = 1 if first_column else column

    @property
    def line(self) -> int | None:
        self._locate()
        return self._line

    @property
    def column(self) -> int | None:
        self._locate()
        return self._column

    def _fields(self) -> tuple[object, ...]:
        return (self.level, self.value, self.file, self.line, self.column, self.note)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Evidence) and self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value, as the dataclass it replaces

    def __repr__(self) -> str:
        return "Evidence(level={!r}, value={!r}, file={!r}, line={!r}, column={!r}, note={!r})".format(*self._fields())

    def where(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}"
        return self.file or ""


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number_or_none(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@dataclass(slots=True)
class RetryPolicy:
    max_attempts: int | None
    initial_interval: float | None
    backoff_coefficient: float | None
    max_interval: float | None
    timeout: float | None  # per attempt
    raw: YamlMap = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, raw: object) -> RetryPolicy | None:
        if not isinstance(raw, dict):
            return None
        return cls(
            _int_or_none(raw.get("maxAttempts")),
            parse_duration(raw.get("initialInterval", 0)),
            _number_or_none(raw.get("backoffCoefficient", 1.0)),
            parse_duration(raw["maxInterval"]) if "maxInterval" in raw else None,
            parse_duration(raw["timeout"]) if "timeout" in raw else None,
            raw,
        )

    def backoff_schedule(self) -> list[float]:
        """Waits between attempts: ``initial * coefficient**(k-1)``, capped at ``maxInterval``."""
        n = max((self.max_attempts or 1) - 1, 0)
        initial = self.initial_interval or 0.0
        coef = self.backoff_coefficient if self.backoff_coefficient and self.backoff_coefficient >= 1 else 1.0
        cap = self.max_interval
        waits = []
        wait = initial
        for _ in range(min(n, 10_000)):
            waits.append(min(wait, cap) if cap is not None else wait)
            wait = wait * coef
            if cap is not None and wait > cap:
                wait = cap
        return waits

    def worst_case(self) -> float | None:
        """Worst-case time until the step gives up: every attempt times out, plus every wait."""
        if self.timeout is None:
            return None
        attempts = max(self.max_attempts or 1, 1)
        return attempts * self.timeout + sum(self.backoff_schedule())


@dataclass(slots=True)
class StepFailure:
    event: str | None = None  # business failure: a reply event
    error: str | None = None  # technical failure: timeout | error
    status: str | None = None
    path: KeyPath = ()  # key path in the flow's frontmatter

    @property
    def business(self) -> bool:
        return self.event is not None

    @property
    def label(self) -> str:
        return self.event or self.error or "?"


@dataclass(slots=True)
class SagaStep:
    id: str
    index: int  # index in the flow's ``steps``
    title: str
    command_id: str | None
    command: Resource | None = None  # the command, when it resolves
    type: str | None = None  # compensatable | pivot | retriable (x-saga), or inferred
    type_inferred: bool = False
    receivers: list[Resource] = field(default_factory=list)  # services receiving the command
    owners: list[str] = field(default_factory=list)  # owner ids
    success: str | None = None  # success reply event id
    failures: list[StepFailure] = field(default_factory=list)
    retry: RetryPolicy | None = None
    compensation: str | None = None  # command id, or "none"
    compensation_retry: RetryPolicy | None = None
    compensation_note: str | None = None
    status: str | None = None
    x: YamlMap = field(default_factory=dict)  # the x-saga step block (a misspelt field under the field it means)
    x_path: KeyPath = ()  # key path of the x-saga step block
    x_keys: dict[str, Hashable] = field(default_factory=dict)  # field -> the misspelt key it is written under
    trigger: str | None = None  # the message that starts the step (its command, or the event it consumes)
    trigger_kind: str = "command"  # command (orchestrated step) | event (choreographed step)
    handler: Resource | None = None  # the participant when it is not the one receiver of a command
    external: str | None = None  # an external system drawn as the command's handler, when no service receives it
    idempotency_key: str | None = None  # x-saga idempotency.key
    compensation_on: str | None = None  # choreography: the event that makes the participant undo
    compensation_idempotent: bool | None = None
    evidence: dict[str, Evidence] = field(default_factory=dict)  # attribute -> Evidence
    failure_edges: list[Edge] = field(default_factory=list)  # failure branches (to Compensation/Exception nodes, failure labels)
    success_edges: list[Edge] = field(default_factory=list)  # edges onwards

    def x_at(self, name: str, *path: Hashable) -> KeyPath:
        """The key path of a field of the step's x-saga block, under the key as written (a
        misspelt one that stands for the field: ``xsaga.field_keys``)."""
        return (*self.x_path, self.x_keys.get(name, name), *path)

    @property
    def participant(self) -> Resource | None:
        """Who acts: the declared or drawn handler, else the one service receiving the command."""
        if self.handler is not None:
            return self.handler
        return self.receivers[0] if len(self.receivers) == 1 else None

    @property
    def orchestrated(self) -> bool:
        """A step started by a command (sent by an orchestrator), not by an event it consumes."""
        return self.trigger_kind != "event"

    @property
    def business_failures(self) -> list[StepFailure]:
        return [f for f in self.failures if f.business]


@dataclass
class Saga:
    flow: Resource
    structured: bool  # has an x-saga block
    why: str  # why this flow is a saga
    x: YamlMap = field(default_factory=dict)
    orchestrator_id: str | None = None
    orchestrator: Resource | None = None
    orchestrator_evidence: Evidence | None = None
    steps: list[SagaStep] = field(default_factory=list)
    deadline: float | None = None
    statuses: dict[str, YamlMap] = field(default_factory=dict)  # name -> {text, terminal, timeout}
    on_success: str | None = None
    on_compensation_failure: str | None = None
    outcome: dict[str, str | None] = field(default_factory=dict)  # {container, event}
    outcome_evidence: Evidence | None = None
    implementation: list[str] = field(default_factory=list)
    docs_pages: list[Resource] = field(default_factory=list)  # docs pages about the flow
    docs_table: tuple[Resource, Table] | None = None  # (page, table) of the "Saga steps" table
    # step ids of custom Compensation nodes and of undo commands drawn (coordination.drawn_compensations)
    compensation_nodes: list[str] = field(default_factory=list)
    outcome_nodes: list[str] = field(default_factory=list)  # step ids of custom Outcome nodes
    coordination: str = "orchestration"  # orchestration | choreography | mixed
    coordination_evidence: Evidence | None = None
    correlation: str | None = None  # x-saga.correlation: the field tying a saga instance's messages together
    copy_of: str | None = None  # the id of the saga whose steps this flow repeats (reviewed there, not here)
    copied_by: list[Saga] = field(default_factory=list)  # the sagas (journeys) that repeat this one's steps
    failure_signals: list[str] = field(default_factory=list)  # what in the map says a step can fail
    flowmap: FlowMap | None = field(default=None, repr=False, compare=False)  # the flow's drawing, read once by build
    # ``x-saga.steps`` as written, misspelt fields under the fields they mean (``xsaga.raw_steps``),
    # made on its first call: several saga rules read it for every saga
    written_steps: dict[str, YamlMap] | None = field(default=None, repr=False, compare=False)

    @property
    def id(self) -> str:
        return self.flow.id or ""  # build_sagas models only flows with an id

    def step(self, step_id: str) -> SagaStep | None:
        return next((s for s in self.steps if s.id == step_id), None)

    @property
    def reviewed(self) -> bool:
        """Whether the saga rules review this saga (not when it repeats another saga's steps)."""
        return self.copy_of is None

    @property
    def orchestrated_steps(self) -> list[SagaStep]:
        return [s for s in self.steps if s.orchestrated]

    @property
    def pivots(self) -> list[SagaStep]:
        return [s for s in self.steps if s.type == "pivot"]

    def pivot_before(self, step: SagaStep) -> SagaStep | None:
        """The pivot, when ``step`` is a retriable step after the saga's one pivot whose declared
        failures are checkable and whose finite ``retry.maxAttempts`` can run out: such a step
        must be retried until it succeeds (the saga can no longer be undone). Else None."""
        pivots = self.pivots
        attempts = step.retry.max_attempts if step.retry is not None else None
        evidence = step.evidence.get("failure")
        if step.type != "retriable" or len(pivots) != 1 or step.index <= pivots[0].index or not isinstance(attempts, int) \
                or attempts < 1 or evidence is None or evidence.level not in ("structured", "contract") \
                or not self.runs_after(step, pivots[0]):
            return None
        return pivots[0]

    def runs_after(self, step: SagaStep, pivot: SagaStep, reached: set[str] | None = None) -> bool:
        """Whether ``step`` runs after ``pivot``: later in flow order, the order x-saga declares; a
        step whose type is inferred from the drawing (a failure handler reached through a branch
        of another step, ``infer.inferred_types``) only when the drawing leads to it from the pivot
        (``reached``: ``flowmap.reachable(pivot.id)``, when the caller asks for several steps)."""
        if step.index <= pivot.index:
            return False
        if not step.type_inferred or self.flowmap is None or step.id not in self.flowmap.nodes:
            return True
        return step.id in (reached if reached is not None else self.flowmap.reachable(pivot.id))

    def escalates(self, step: SagaStep) -> bool:
        """Whether ``step``'s technical failures all end in the ``onCompensationFailure`` status:
        the one that must reach a person, the declared way out when the retries of a step after the
        pivot run out (as for a compensation that never succeeds). ``saga/retry-policy`` accepts
        it, and ``verify`` ends such a run escalated: nothing compensated, that status shown."""
        person = self.on_compensation_failure
        technical = [f for f in step.failures if not f.business]
        return person is not None and bool(technical) and all(f.status == person for f in technical)

    def unescalated(self, step: SagaStep) -> str:
        """What is wrong when the retries of a step after the pivot (``pivot_before``) can run out
        and it does not ``escalate``, and the fix: one wording for ``check`` (saga/retry-policy) and
        ``verify`` (nothing-left-open)."""
        person = self.on_compensation_failure
        shown = sorted({f.status for f in step.failures if not f.business and f.status})
        told = f"the status {', '.join(shown)} of its technical failures reaches no one" if shown else "no one is told"
        fix = (f"Give its technical failures the status onCompensationFailure declares ({person}), which must reach a person"
               if person is not None else "Declare onCompensationFailure (a status that must reach a person) and give its "
               "technical failures that status")
        return f"{told}. {fix}, as for a compensation that never succeeds."

    def status_is_terminal(self, name: str | None) -> bool | None:
        st = self.statuses.get(name) if name is not None else None
        if not isinstance(st, dict):
            return None
        return bool(st.get("terminal"))
