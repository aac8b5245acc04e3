"""Inference from plain EventCatalog flows: what a flow without ``x-saga`` says about its saga.

EventCatalog's own machine-readable contracts give ``contract`` evidence, checked against the
catalog: the orchestrator is the service that sends every step command; a step's owners are the
owners of its participant (the one service that receives its command, or the consumer of its
trigger event); its success and failure replies are the participant's ``receives[].triggers``
(told apart by their wording) or the events drawn after it (or after the container it records its
work in) that the participant sends, or the one event it sends that a branch's label names (for
a failure branch, else the one event it sends that reads as a failure); a container then an event
drawn after a step, written and sent by its participant, is the durable outcome. The rest is prose evidence: labelled edges,
``custom`` Compensation, Exception and Outcome nodes, a service drawn before the first step. Each
function returns the evidence, or None when the flow says nothing (then the builder falls back to
the docs pages, then to ``missing``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from saga_lint.saga.model import Evidence, KeyPath, Level, Saga, SagaStep, StepFailure
from saga_lint.saga.values import ids_of, pointer_id
from saga_lint.words import cut

if TYPE_CHECKING:
    from saga_lint.catalog.model import Resource
    from saga_lint.graph import CatalogGraph
    from saga_lint.saga.flowmap import FlowMap, Node

FAILURE_WORDS = re.compile(
    r"unavailable|declin|fail|reject|error|insufficient|not enough|denied|cancel|timeout|timed out|out of stock|invalid|abort",
    re.I,
)
COMPENSATING_VERBS = ("release", "void", "cancel", "refund", "compensate", "undo", "revert", "rollback", "unreserve", "reverse")

_TOKEN = re.compile(r"\w+")


_CASE_CHANGE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def own_words(message_id: str) -> list[str]:
    """The words of a message id that a reply naming the same thing repeats: each word of more
    than two letters, cut to five (``cancel-order`` and ``CancelOrder`` -> ``cance``, ``order``)."""
    return [w[:5] for w in re.split(r"[-_ ]+", _CASE_CHANGE.sub(" ", message_id).lower()) if len(w) > 2]


def reads_as_failure(text: str, words: list[str]) -> bool:
    """``text`` reads as a failure once every word that starts with one of ``words`` (the step's
    own words, ``own_words``: ``order-cancelled`` is the success of ``cancel-order``) is removed.

    What is removed is what ``re.sub(rf"\\b{re.escape(w)}\\w*", " ", text)`` removes, word after
    word; for words of word characters only (nearly all: they come from message ids) that is
    every token of word characters that starts with one of them, found with one regex
    instead of one compiled per word (thousands on a large catalog, more than ``re``'s cache)."""
    text = _CASE_CHANGE.sub(" ", text).lower()  # OrderCancelled: the words order, cancelled
    if words and all(_TOKEN.fullmatch(w) for w in words):
        prefixes = tuple(words)
        text = _TOKEN.sub(lambda m: " " if m.group().startswith(prefixes) else m.group(), text)
    else:
        for w in words:
            text = re.sub(rf"\b{re.escape(w)}\w*", " ", text)
    return bool(FAILURE_WORDS.search(text))


ResourceKey = tuple[str, "str | None", "str | None"]

# (event id, condition, service, key path) of one of the participant's receives[].triggers
Trigger = tuple[str, str, "Resource", KeyPath]


def step_path(step: SagaStep) -> KeyPath:
    """The key path of the step in the flow's ``steps``."""
    return ("steps", step.index)


def infer_orchestrator(graph: CatalogGraph, saga: Saga, fmap: FlowMap) -> Evidence | None:
    """The orchestrator as the catalog's contracts, else the map, show it (see ``_drawn_orchestrator``):

    - the one service (or agent) that sends every step command (contract; a command no service
      sends comes from outside, an actor: the saga's entry), unless the map draws another service
      sending such a command (then the drawing decides, below);
    - the one service that receives the first step command, the saga's entry (sent in by a gateway,
      say), and sends every later one (contract);
    - the one service the map draws sending (a service node right before a command node) every
      step command its ``sends`` do not name, receiving the first one or sending it (prose): the
      drawing shows the orchestrator, not the adapter drawn before the first step;
    - else a service drawn right before the first command step (EventCatalog's example draws it
      so), as prose."""
    cmd_steps = [s for s in saga.steps if s.command is not None]
    common: dict[ResourceKey, Resource] | None = None
    unsent: list[SagaStep] = []
    for step in cmd_steps:
        senders = {r.key: r for r in graph.senders_of(step.command) if r.type in ("service", "agent")} \
            if step.command is not None else {}
        if not senders:
            unsent.append(step)
            continue
        common = senders if common is None else {k: v for k, v in common.items() if k in senders}
    if common and len(common) == 1:
        res = next(iter(common.values()))
        # a command "from outside" that the map draws another service sending: the drawing decides, if it shows one
        drawn_elsewhere = any(r.key != res.key for s in unsent for _, r in _drawn_senders(fmap, s))
        if drawn_elsewhere and (found := _drawn_orchestrator(graph, saga, fmap, cmd_steps)) is not None:
            return found
        saga.orchestrator, saga.orchestrator_id = res, res.id
        note = f"{res.id} sends every step command" + (
            f" that a service sends ({', '.join(str(s.command.id) for s in unsent if s.command is not None)} comes "
            "from outside the catalog's services)" if unsent else "")
        return Evidence.key("contract", res.id, res, "sends", note)
    found = _entry_orchestrator(graph, saga, cmd_steps) or _drawn_orchestrator(graph, saga, fmap, cmd_steps)
    if found is not None:
        return found
    first = cmd_steps[0] if cmd_steps else None
    if first is None:
        return None
    for node in fmap.ordered():
        if node.index < first.index and node.kind == "service" and any(t == first.id for _, t in node.edges):
            target = node.target
            if target is not None:
                saga.orchestrator, saga.orchestrator_id = target, target.id
                return Evidence.at(
                    "prose", target.id, saga.flow, ("steps", node.index, "service"),
                    f'the flow draws service "{target.id}" before the first step, but it does not send every step command',
                )
    return None


def _drawn_senders(fmap: FlowMap, step: SagaStep) -> list[tuple[Node, Resource]]:
    """(node, service) of each service (or agent) the map draws sending a command step: a service
    node drawn right before the command's node."""
    return [(n, n.target) for n in fmap.before(step.id)
            if n.kind in ("service", "agent") and n.target is not None and n.target.type in ("service", "agent")]


def _sender_keys(graph: CatalogGraph, step: SagaStep) -> set[ResourceKey]:
    return {r.key for r in graph.senders_of(step.command)} if step.command is not None else set()


def _entry_receiver(graph: CatalogGraph, first: SagaStep) -> Resource | None:
    """The one service that receives the first step command and does not send it: the orchestrator
    whose entry the command is (sent in by whoever starts the saga), if it sends the later ones."""
    if len(first.receivers) != 1 or first.receivers[0].type not in ("service", "agent"):
        return None
    res = first.receivers[0]
    return None if res.key in _sender_keys(graph, first) else res


def _entry_words(graph: CatalogGraph, res: Resource, first: SagaStep) -> str:
    names = sorted({str(r.id) for r in graph.senders_of(first.command)} if first.command is not None else set())
    by = f"sent by {', '.join(names)}" if names else "sent from outside the catalog's services"
    return f"{res.id} receives {first.command_id}, the saga's entry ({by})"


def _entry_orchestrator(graph: CatalogGraph, saga: Saga, cmd_steps: list[SagaStep]) -> Evidence | None:
    """The one service that receives the first step command (its entry) and ``sends`` every later
    one (contract): a gateway drawn before it that sends only the first command is no orchestrator."""
    if len(cmd_steps) < 2 or (res := _entry_receiver(graph, cmd_steps[0])) is None:
        return None
    if any(res.key not in _sender_keys(graph, step) for step in cmd_steps[1:]):
        return None
    saga.orchestrator, saga.orchestrator_id = res, res.id
    note = f"{_entry_words(graph, res, cmd_steps[0])}, and sends every later step command"
    return Evidence.key("contract", res.id, res, "sends", note)


def _drawn_orchestrator(graph: CatalogGraph, saga: Saga, fmap: FlowMap, cmd_steps: list[SagaStep]) -> Evidence | None:
    """The one service that sends every step command as its ``sends`` or the map show it (a service
    node drawn right before a command node draws that command's sender), at least one only as
    drawn; the first command it may receive instead (the saga's entry). Prose: the map is no contract."""
    if len(cmd_steps) < 2:
        return None
    entry = _entry_receiver(graph, cmd_steps[0])
    sent = [_sender_keys(graph, step) for step in cmd_steps]
    drawn = [_drawn_senders(fmap, step) for step in cmd_steps]
    candidates = {res.key: res for senders in drawn for _, res in senders}
    found: list[tuple[Resource, list[tuple[SagaStep, Node]], bool]] = []
    for key, res in candidates.items():
        only_drawn: list[tuple[SagaStep, Node]] = []
        entered = False
        for i, step in enumerate(cmd_steps):
            node = next((n for n, r in drawn[i] if r.key == key), None)
            if key in sent[i]:
                continue
            if node is not None:
                only_drawn.append((step, node))
            elif i == 0 and entry is not None and entry.key == key:
                entered = True
            else:
                break
        else:
            if only_drawn:
                found.append((res, only_drawn, entered))
    if len(found) != 1:
        return None
    res, only_drawn, entered = found[0]
    saga.orchestrator, saga.orchestrator_id = res, res.id
    note = f"the flow draws {res.id} sending {', '.join(str(s.command_id) for s, _ in only_drawn)}, which its sends do not name"
    if entered:
        note += f"; {_entry_words(graph, res, cmd_steps[0])}"
    node = only_drawn[0][1]
    return Evidence.at("prose", res.id, saga.flow, ("steps", node.index, node.kind), note)


def infer_owner(graph: CatalogGraph, saga: Saga, step: SagaStep) -> Evidence | None:
    """The owners of the one service that receives the step's command (missing when it has none,
    or when several services receive the command); None when no service receives it."""
    if len(step.receivers) == 1:
        svc = step.receivers[0]
        owners = ids_of(graph.owners_of(svc))
        if not owners:
            declared = svc.data.get("owners")
            owners = [str(pointer_id(o)) for o in declared or [] if pointer_id(o)] if isinstance(declared, list) else []
        if owners:
            step.owners = owners
            how = (f"the consumer of {step.trigger}" if step.trigger_kind == "event"
                   else f"the one service that receives {step.command_id}")
            return Evidence.key("contract", owners, svc, "owners", f"owners of {svc.id}, {how}")
        what = step.trigger or step.command_id
        return Evidence.at("missing", None, svc, ("id",), f"{svc.id} receives {what} but has no owners")
    if len(step.receivers) > 1:
        names = ", ".join(sorted(ids_of(step.receivers)))
        return Evidence.at("missing", None, saga.flow, step_path(step), f"ambiguous: {names} all receive {step.command_id}")
    if step.external is not None:
        return _external_owner(graph, saga, step)
    return None


def _external_owner(graph: CatalogGraph, saga: Saga, step: SagaStep) -> Evidence | None:
    """A step whose handler is an external system: owned by whoever calls it (the services that send
    the command), as drawn in the map: prose, the map is no contract."""
    callers = graph.senders_of(step.command) if step.command is not None else []
    owners = sorted({o for svc in callers for o in ids_of(graph.owners_of(svc))})
    if not owners:
        return None
    step.owners = owners
    names = ", ".join(sorted(ids_of(callers)))
    return Evidence.at("prose", owners, saga.flow, step_path(step),
                       f'the external system "{step.external}" drawn after {step.command_id}; owners of its caller {names}')


def participant_triggers(step: SagaStep) -> list[Trigger]:
    """The participant's ``receives[].triggers`` for the step's command."""
    out: list[Trigger] = []
    svc = step.participant
    if svc is None or not isinstance(svc.data.get("receives"), list):
        return out
    for i, item in enumerate(svc.data["receives"]):
        if isinstance(item, dict) and pointer_id(item) == step.command_id and isinstance(item.get("triggers"), list):
            for j, trig in enumerate(item["triggers"]):
                tid = pointer_id(trig)
                if tid:
                    cond = str(trig.get("condition") or "") if isinstance(trig, dict) else ""
                    out.append((tid, cond, svc, ("receives", i, "triggers", j)))
    return out


def failure_like(step: SagaStep, trigger: Trigger) -> bool:
    """A trigger reads as a failure reply when its id or condition says so, ignoring the words of
    the command itself (``order-cancelled`` is the success of ``cancel-order``)."""
    return reads_as_failure(f"{trigger[0]} {trigger[1]}", own_words(step.command_id or ""))


def drawn_events(graph: CatalogGraph, step: SagaStep, fmap: FlowMap) -> list[tuple[str, bool, int]]:
    """(event id, is a failure branch, node index) of the events drawn right after the step (or its
    handler) that its participant sends: replies the catalog backs."""
    p = step.participant
    if p is None:
        return []
    out = []
    for edge in [*step.success_edges, *step.failure_edges]:
        node = fmap.nodes.get(edge[1])
        if node is not None and node.target is not None and fmap.message_type(node.id) == "event" \
                and p.key in {r.key for r in graph.senders_of_any(node.target)}:
            out.append((str(node.target.id), fmap.is_failure_edge(edge), node.index))
    return out


def _onward_label(fmap: FlowMap, step: SagaStep) -> tuple[str, str] | None:
    """A labelled edge onwards to another step, message or outcome (not a routing edge to a node
    that only handles or records the step)."""
    for label, tid in step.success_edges:
        node = fmap.nodes.get(tid)
        if label and node is not None and node.kind in ("message", "custom", "flow"):
            return label, tid
    return None


def recorded_event(graph: CatalogGraph, step: SagaStep, fmap: FlowMap) -> tuple[Node, Node] | None:
    """(container node, event node) drawn after the step (``FlowMap.outcome_after``: the container
    it records its work in, then the event published with it), when the event is no failure and
    the participant sends it: the step's success reply as much as an event drawn right after it."""
    found = fmap.outcome_after(step.id)
    p = step.participant
    if found is None or p is None or found[1].target is None or fmap.is_failure_edge((None, found[1].id)):
        return None
    return found if p.key in {r.key for r in graph.senders_of_any(found[1].target)} else None


def infer_success(graph: CatalogGraph, saga: Saga, step: SagaStep, fmap: FlowMap) -> Evidence | None:
    """The first trigger that does not read as a failure, or an event drawn after the step that the
    participant sends, or the one it sends that a label onwards names (contract); else a labelled
    edge onwards (prose)."""
    ok = [t for t in participant_triggers(step) if not failure_like(step, t)]
    if ok:
        tid, cond, svc, path = ok[0]
        step.success = tid
        note = f"{svc.id} receives[].triggers {tid}" + (f" ({cond})" if cond else "")
        return Evidence.at("contract", tid, svc, path, note)
    drawn = [(e, i) for e, failed, i in drawn_events(graph, step, fmap) if not failed]
    if drawn and step.participant is not None:
        step.success = drawn[0][0]
        note = f"the flow draws {drawn[0][0]} after the step, and {step.participant.id} sends it"
        return Evidence.at("contract", drawn[0][0], saga.flow, ("steps", drawn[0][1]), note)
    recorded = recorded_event(graph, step, fmap)
    if recorded is not None and step.participant is not None:
        container, event = recorded
        step.success = str(event.target.id) if event.target is not None else None
        note = f"the flow draws {step.success} after {container.id}, and {step.participant.id} sends it"
        return Evidence.at("contract", step.success, saga.flow, event.path, note)
    named = labelled_sent_event(graph, step, [label for label, _ in step.success_edges if label], failures=False)
    if named is not None and step.participant is not None:
        label, step.success = named
        note = f'labelled edge "{label}" names {step.success}, which {step.participant.id} sends'
        return Evidence.at("contract", step.success, saga.flow, step_path(step), note)
    onward = _onward_label(fmap, step)
    if onward:
        label, tid = onward
        return Evidence.at("prose", None, saga.flow, step_path(step), f'labelled edge "{label}" to {tid}')
    return None


def _label_words(text: str) -> set[str]:
    """The words of a label or a message id (``Order created``, ``order-created``, ``OrderCreated``),
    each of more than two letters, cut to five as ``own_words`` does (``Reserved`` -> ``reser``)."""
    spaced = _CASE_CHANGE.sub(" ", text)
    return {w[:5] for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if len(w) > 2}


def labelled_sent_event(graph: CatalogGraph, step: SagaStep, labels: list[str], failures: bool) -> tuple[str, str] | None:
    """(label, event id) of the one event the participant sends (and that reads as a failure, or
    not, per ``failures``) whose id has every word of a branch's label: the "Reserved" edge after
    reserve-inventory names inventory-reserved when inventory-service sends it. A plain catalog
    without ``receives[].triggers`` says so only this way."""
    p = step.participant
    if p is None or not labels:
        return None
    words = own_words(step.command_id or "")
    sent = [str(m.id) for m in graph.sends(p) if m.type == "event" and m.id is not None
            and reads_as_failure(str(m.id), words) == failures]
    for label in labels:
        lw = _label_words(label)
        found = [e for e in sent if lw and lw <= _label_words(e)]
        if len(set(found)) == 1:
            return label, found[0]
    return None


def infer_failures(graph: CatalogGraph, saga: Saga, step: SagaStep, fmap: FlowMap) -> Evidence | None:
    """Triggers that read as failures and failure events drawn after the step that the participant
    sends (contract: business failure events), and failure branches drawn (prose)."""
    triggers = [t for t in participant_triggers(step) if failure_like(step, t)]
    events = [e for e, failed, _ in drawn_events(graph, step, fmap) if failed and e not in {t[0] for t in triggers}]
    if not step.failure_edges and not triggers and not events:
        return None
    notes = [f'labelled edge "{label}" to {tid}' if label else f"unlabelled edge to {tid}" for label, tid in step.failure_edges]
    notes += [f"{t[2].id} receives[].triggers {t[0]}" for t in triggers]
    notes += [f"the flow draws {e}, which {step.participant.id} sends" for e in events if step.participant is not None]
    if not triggers and not events and (sent := _sent_failure(graph, step)) is not None:
        events, note = [sent[0]], sent[1]
        notes.append(note)
    for e in [t[0] for t in triggers] + events:
        step.failures.append(StepFailure(event=e))
    level: Level = "contract" if step.failures else "prose"
    if step.failure_edges:
        value: list[str | None] = [f.label for f in step.failures] or [label for label, _ in step.failure_edges]
        return Evidence.at(level, value, saga.flow, step_path(step), "; ".join(notes))
    if not triggers:
        return Evidence.at(level, events, saga.flow, step_path(step), f"the flow draws {', '.join(events)} as failures")
    _, _, svc, path = triggers[0]
    return Evidence.at(level, [f.label for f in step.failures], svc, path, "; ".join(notes))


def _sent_failure(graph: CatalogGraph, step: SagaStep) -> tuple[str, str] | None:
    """(event, how it was read) for a step whose failure branch is drawn without a failure event: the
    event the participant sends that a failure label names, else the one event it sends that reads
    as a failure (not the step's own success, however it reads: ``UserSubscriptionCancelled`` of
    ``CancelSubscription``; not the reply of another command it receives: ``reservation-cancelled``
    of ``cancel-reservation``). A plain catalog without ``receives[].triggers`` says so only this way (a step
    x-saga describes says it there: its failures left open stay the prose of the branch)."""
    p = step.participant
    if p is None or not step.failure_edges or step.x:
        return None
    named = labelled_sent_event(graph, step, [label for label, _ in step.failure_edges if label], failures=True)
    if named is not None and named[1] != step.success:
        return named[1], f'labelled edge "{named[0]}" names {named[1]}, which {p.id} sends'
    words = own_words(step.command_id or "")
    others = [set(own_words(str(c.id))) for c in graph.receives(p)
              if c.type == "command" and c.id is not None and c.id != step.command_id]

    def another_reply(mid: str) -> bool:  # the reply of another command the participant receives
        mine = set(own_words(mid))
        return any(o and o <= mine for o in others)

    sent = sorted({str(m.id) for m in graph.sends(p) if m.type == "event" and m.id is not None
                   and reads_as_failure(str(m.id), words) and m.id != step.success  # never the step's own success
                   and not another_reply(str(m.id))})
    if len(sent) == 1:
        return sent[0], f"{p.id} sends {sent[0]}, the one event it sends that reads as a failure"
    return None


def drawn_outcome(graph: CatalogGraph, saga: Saga, fmap: FlowMap) -> Evidence | None:
    """A container then an event drawn after a step (the last such step): the durable outcome;
    contract when the step's participant writes the container and sends the event, else prose."""
    for step in reversed(saga.steps):
        found = fmap.outcome_after(step.id)
        if found is None or found[0].target is None or found[1].target is None:
            continue
        container, event = found[0].target, found[1].target
        saga.outcome = {"container": container.id, "event": event.id}
        p = step.participant
        backed = p is not None and p.key in graph.sources(container.key, "writes-to") \
            and p.key in {r.key for r in graph.senders_of_any(event)}
        note = f"the flow draws {container.id} then {event.id} after {step.id}"
        note += f"; {p.id} writes the one and sends the other" if backed and p is not None else ""
        return Evidence.at("contract" if backed else "prose", saga.outcome, saga.flow, ("steps", found[0].index), note)
    return None


class FailuresAfter(NamedTuple):
    """What the steps after one step draw about failing (``failures_after``)."""

    drawn: bool  # a later step draws a failure branch (then this step may need undoing)
    # a failure branch of a later step (or the step's own, when orchestrated) leads to a Compensation
    # node through custom and message nodes (in a choreography a step's own failure event is what
    # others undo on)
    to_compensation: bool


def failures_after(saga: Saga, fmap: FlowMap) -> dict[int, FailuresAfter]:
    """``FailuresAfter`` of each step (by ``id(step)``), in one pass over the steps from the last:
    asked per step, "any later step" was quadratic in a long saga."""
    reach = fmap.reaching_through(saga.compensation_nodes, ("custom", "message"))
    out: dict[int, FailuresAfter] = {}
    drawn = hit = False
    by_index: dict[int, list[SagaStep]] = {}
    for s in saga.steps:
        by_index.setdefault(s.index, []).append(s)
    for index in sorted(by_index, reverse=True):
        group = by_index[index]
        for s in group:
            own = s.orchestrated and any(t in reach for _, t in s.failure_edges)
            out[id(s)] = FailuresAfter(drawn, hit or own)
        drawn = drawn or any(s.failure_edges for s in group)
        hit = hit or any(t in reach for s in group for _, t in s.failure_edges)
    return out


def undo_on_event(graph: CatalogGraph, saga: Saga, step: SagaStep) -> Evidence | None:
    """Choreography: the participant of an event-started step receives a later step's failure event,
    so it undoes its work on that event (contract: ``compensation.on``)."""
    p = step.participant
    if p is None or step.orchestrated or not any(s.business_failures for s in saga.steps if s.index > step.index):
        return None
    received = {r.id for r in graph.receives(p)}
    for later in (s for s in saga.steps if s.index > step.index):
        for f in later.business_failures:
            if f.event in received:
                step.compensation_on = f.event
                return Evidence.key("contract", f"on {f.event}", p, "receives",
                                f"{p.id} receives {f.event}, the failure event of {later.id}: it undoes its work on it")
    return None


def _compensation_texts(saga: Saga, fmap: FlowMap) -> list[tuple[str, int, str]]:
    """(step id, index, words) of the flow's Compensation nodes: title, summary and properties."""
    texts = []
    for sid in saga.compensation_nodes:
        node = fmap.nodes[sid]
        c = node.data.get("custom")  # a mapping: that is how the node was found (values.custom_type)
        if not isinstance(c, dict):
            continue
        props = c.get("properties")
        values = props.values() if isinstance(props, dict) else ()
        texts.append((sid, node.index, " ".join(str(v) for v in [c.get("title"), c.get("summary"), *values] if v)))
    return texts


def _compensating_commands(graph: CatalogGraph, participant: Resource, step: SagaStep) -> list[Resource]:
    """Other commands the participant receives whose first word undoes something (release-, void-, ...)."""
    return [
        cmd for cmd in graph.receives(participant)
        if cmd.type == "command" and cmd.id != step.command_id and command_verb(cmd) in COMPENSATING_VERBS
    ]


def command_verb(cmd: Resource) -> str:
    """The first word of a command's id (``release`` of ``release-inventory``)."""
    return re.split(r"[-_ ]", (cmd.id or "").lower())[0]


# words that say how a failed call is tried again: "retries transient failures", "Retried up to 5
# times with exponential backoff"; not "non-retryable" or "retryable" (what may be retried, no policy)
_RETRY_WORDS = re.compile(r"\b(?:retr(?:y|ies|ied|ying)|back-?off|re-?deliver(?:y|ed|ies|s)?)\b", re.I)


def summary_retry(saga: Saga, step: SagaStep, fmap: FlowMap) -> Evidence | None:
    """A retry policy told in a summary drawn with the step: its message node's, a service drawn
    right before it that draws nothing else (the call that sends it: "RequestDelivery activity:
    retries transient failures"), or its handler's. Prose: documented, not checkable."""
    node = fmap.nodes.get(step.id)
    if node is None:
        return None
    senders = [n for n in fmap.before(node.id)
               if n.kind in ("service", "agent") and [e.target for e in fmap.out_links(n.id)] == [node.id]]
    for n in [node, *senders, *fmap.handler_nodes(node.id)]:
        text = n.data.get("summary")
        if isinstance(text, str) and _RETRY_WORDS.search(text):
            return Evidence.at("prose", None, saga.flow, (*n.path, "summary"),
                               f'the summary of node "{n.id}" says "{cut(text, 100)}"')
    return None


def _named_compensation(
    graph: CatalogGraph, saga: Saga, step: SagaStep, participant: Resource, texts: list[tuple[str, int, str]]
) -> Evidence | None:
    """The first Compensation node whose words name the undo verb of a command the participant receives."""
    candidates = _compensating_commands(graph, participant, step)
    for sid, i, text in texts:
        for cmd in candidates:
            verb = command_verb(cmd)
            if re.search(rf"\b{re.escape(verb)}", text, re.I):
                step.compensation = cmd.id
                return Evidence.at(
                    "prose", cmd.id, saga.flow, ("steps", i, "custom"),
                    f'Compensation node "{sid}" says "{cut(text, 100)}"; {participant.id} receives {cmd.id}',
                )
    return None


def _drawn_undo(graph: CatalogGraph, saga: Saga, step: SagaStep, fmap: FlowMap) -> Evidence | None:
    """An undo command drawn on a failure path (``coordination.drawn_compensations``) that the
    step's participant receives: its compensation, backed by the map and the participant's contract."""
    p = step.participant
    if p is None:
        return None
    received = {r.key for r in graph.receives(p)}
    for sid in saga.compensation_nodes:
        node = fmap.nodes[sid]
        if node.kind == "message" and node.target is not None and node.target.key in received \
                and node.message_id != step.command_id:
            step.compensation = node.message_id
            return Evidence.at("contract", node.message_id, saga.flow, node.path,
                               f"the flow draws {node.message_id} on a failure path, and {p.id} receives it")
    return None


def infer_compensation(graph: CatalogGraph, saga: Saga, step: SagaStep, fmap: FlowMap,
                       after: FailuresAfter) -> Evidence | None:
    """Reached by a failure branch of this step or a later one (``after``: ``failures_after``): an
    undo command drawn there that the participant receives (contract); else a Compensation node
    that names the undo of a command the participant receives (prose, with that command); else the
    node alone."""
    undo = undo_on_event(graph, saga, step)
    if undo is not None:
        return undo
    if not after.to_compensation:
        return None
    drawn = _drawn_undo(graph, saga, step, fmap)
    if drawn is not None:
        return drawn
    texts = _compensation_texts(saga, fmap)
    participant = step.participant
    if texts and participant is not None and (ev := _named_compensation(graph, saga, step, participant, texts)):
        return ev
    if texts:
        sid, i, text = texts[0]
        return Evidence.at(
            "prose", None, saga.flow, ("steps", i, "custom"),
            f'Compensation node "{sid}" says "{cut(text, 100)}", but no command contract matches it',
        )
    return None


def inferred_types(saga: Saga, fmap: FlowMap | None) -> dict[str, str]:
    """The type each step of a plain flow is taken to have, by step id, from its place in the drawing.

    A step off the success path (``FlowMap.success_path``: reached only through a failure branch,
    "Declined" -> notify) handles a failure: retriable, nothing of it to undo. Of the steps on it,
    the pivot is where the success path ends: a step drawn after another one with no step after it
    along success edges (one per end when the success path branches, "Shipped" / "Picked up": each
    is the last step of its run), else the last one in flow order; the others are compensatable.
    With no step on the success path (no start, or only failure nodes begin the map), the flow
    order alone: the last step is the pivot, the others compensatable."""
    last = saga.steps[-1] if saga.steps else None
    avoid = frozenset(saga.compensation_nodes)
    path = fmap.success_path(avoid) if fmap is not None else set()
    on = [s for s in saga.steps if s.id in path]
    if fmap is None or not on:
        return {s.id: "pivot" if s is last else "compensatable" for s in saga.steps}
    step_ids = {s.id for s in on}

    def walk(todo: list[str], step: dict[str, list[str]]) -> set[str]:
        seen: set[str] = set()
        while todo:
            nid = todo.pop()
            if nid not in seen:
                seen.add(nid)
                todo += step.get(nid, [])
        return seen

    drawn = {nid: [e.target for e in fmap.success_links(nid, avoid) if e.target in path] for nid in path}
    # a retry drawn back ("Retry" -> the step again) closes a cycle: without its edge, the step it
    # returns to can still end the success path
    onward = _without_back_edges(drawn, sorted(path, key=lambda nid: (bool(fmap.in_links(nid)), fmap.nodes[nid].index)))
    into: dict[str, list[str]] = {}  # the same edges, backwards
    for nid, targets in onward.items():
        for target in targets:
            into.setdefault(target, []).append(nid)
    after_a_step = walk([t for sid in step_ids for t in onward.get(sid, [])], onward)  # nodes a step reaches
    before_a_step = walk([p for sid in step_ids for p in into.get(sid, [])], into)  # nodes that reach a step
    ends = {s.id for s in on if s.id in after_a_step and s.id not in before_a_step}
    pivots = ends or {on[-1].id}
    return {s.id: ("pivot" if s.id in pivots else "compensatable") if s.id in path else "retriable" for s in saga.steps}


def _without_back_edges(onward: dict[str, list[str]], order: list[str]) -> dict[str, list[str]]:
    """``onward`` (node -> the nodes drawn after it) less each edge that closes a cycle
    (``backedges.back_edges``, walking from the nodes of ``order``, the map's starts first): what is
    left has no cycle, and every node keeps the edges that lead on."""
    from saga_lint.backedges import back_edges

    closing = set(back_edges(order, lambda nid: [(target, (nid, target)) for target in onward.get(str(nid), ())]))
    return {nid: [t for t in targets if (nid, t) not in closing] for nid, targets in onward.items()}


def infer_step_type(saga: Saga, step: SagaStep, types: dict[str, str] | None = None) -> None:
    """The step's type from ``inferred_types`` (``types``: its answer for the saga, asked once)."""
    step.type_inferred = True
    step.type = (types if types is not None else inferred_types(saga, saga.flowmap)).get(step.id, "compensatable")


def outcome_node(saga: Saga) -> Evidence | None:
    """The first ``custom`` Outcome node of the flow, as prose evidence of the outcome."""
    if not saga.outcome_nodes:
        return None
    sid = saga.outcome_nodes[0]
    steps = saga.flow.data["steps"]
    idx = next(s_i for s_i, s in enumerate(steps) if isinstance(s, dict) and str(s.get("id")) == sid)
    return Evidence.at("prose", None, saga.flow, ("steps", idx), f'Outcome node "{sid}"')
