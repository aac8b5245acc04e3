"""Scaling probe: catalogs of unusual shapes at N and 2N, to find work that grows faster than the catalog.

    python benchmarks/shapes.py [--n 1000] [--shapes hub,versions,...] [--runs 3] [--commands check,report,review]

Each shape stresses one dimension a real catalog can grow in, where the generator of
``benchmarks/generate.py`` stays small: one event every service receives (``hub``), one event
with many versions (``versions``), one flow of many steps (``long-flow``), a flow of many branches that join again
(``diamonds``: exponentially many paths), many flows through the
same services (``many-flows``), one team owning everything (``one-team``), one large schema
(``big-schema``), one channel every message goes through (``one-channel``) and one definitions
file every schema ``$ref``s (``shared-ref``); one saga of many steps (``long-saga``), many sagas
through the same three participants (``saga-hub``), sagas whose every message has five versions
(``many-versions-saga``), one choreography of many steps (``long-choreography``), many domains in the nested layout
``domains/D/subdomains/S/services/X/events/Y`` (``nested``); one gateway service sending and
receiving many messages (``fan-out``), a chain of flows each ending in the next (``sub-flows``),
pages with long MDX bodies (``long-bodies``); a chain of channels joined by ``routes``, with
parameters and placeholder ids, that every message goes ``to``/``from`` (``channel-routes``); many
services writing and reading shared containers (``data-stores``); one event of many versions
received through semver ranges, x-ranges and ``latest`` (``version-ranges``); schemas ``$ref``-ing
chains of shared files (``ref-chain``); one schema of many definitions each ``$ref``-ing the next,
in a big ``oneOf``/``anyOf`` (``big-definitions``); OpenAPI and AsyncAPI files in every service's
``specifications`` (``specs``); many teams and users with overlapping membership and ownership in
both directions (``many-teams``); many sagas run by one orchestrator (``shared-orchestrator``); a
saga whose every step has ten business failures (``failure-chains``); one page of 2N sends with
long ids, N/2 badges and N/2 attachments (``huge-page``); a binary tree of sub-flows that all embed one
shared flow (``flow-tree``); one service of many versions, each sending and receiving different
messages (``service-versions``); domains with subdomains, systems, entities whose properties
reference one another and a ubiquitous language (``domain-model``). For each, it
writes the catalog at N and at 2N, runs ``saga-lint check --no-cache`` (``--commands`` adds
``report``, the HTML report, and ``review``, the N catalog committed to a new git repository as the
base and one page's summary reworded; whole processes, median of ``--runs``) and prints the times
and their ratio: about 2 is linear; a ratio above 3 is work that grows with the square of something,
and is reported (exit 1). Every shape is a clean catalog:
a finding on one (exit 2) is a bug in the shape or in a rule. Measured shapes and figures are in
docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

Writer = Callable[[Path, int], None]


def _page(path: Path, front: dict[str, object]) -> None:
    """A page: its frontmatter (as YAML's JSON subset), a summary, and a body."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if "role" not in front:  # users have none
        front = {**front, "summary": f"The {front['name']}."}
    path.write_text("---\n" + json.dumps(front, indent=1) + "\n---\n\nWhat it is for.\n", encoding="utf-8")


def _base(root: Path, core: str = "^3.0.0") -> None:
    root.mkdir(parents=True)
    (root / "package.json").write_text(f'{{"dependencies": {{"@eventcatalog/core": "{core}"}}}}\n')
    _page(root / "teams" / "core.mdx", {"id": "core", "name": "Core"})
    _page(root / "domains" / "Main" / "index.mdx", {"id": "main", "name": "Main", "version": "1.0.0", "owners": ["core"]})


def _service(root: Path, i: int, sends: list[dict[str, str]], receives: list[dict[str, str]]) -> None:
    _page(root / "domains" / "Main" / "services" / f"S{i}" / "index.mdx",
          {"id": f"svc-{i}", "name": f"Service {i}", "version": "1.0.0", "owners": ["core"], "sends": sends,
           "receives": receives})


def _event(folder: Path, eid: str, version: str, extra: dict[str, object] | None = None) -> None:
    _page(folder / "index.mdx", {"id": eid, "name": eid, "version": version, "owners": ["core"],
                                 "schemaPath": "schema.json", **(extra or {})})
    (folder / "schema.json").write_text(json.dumps({"$schema": "http://json-schema.org/draft-07/schema#",
                                                    "type": "object", "properties": {"id": {"type": "string"}}}))


def hub(root: Path, n: int) -> None:
    """One event, sent by one service and received by every other."""
    _base(root)
    _service(root, 0, [{"id": "hub-event"}], [])
    _event(root / "domains" / "Main" / "services" / "S0" / "events" / "HubEvent", "hub-event", "1.0.0")
    for i in range(1, n):
        _service(root, i, [], [{"id": "hub-event"}])


def versions(root: Path, n: int) -> None:
    """One event with n versions (``versioned/``), each received by a service pinned to it."""
    _base(root)
    folder = root / "domains" / "Main" / "services" / "S0" / "events" / "Many"
    _event(folder, "many", f"{n}.0.0")
    for v in range(1, n):
        _event(folder / "versioned" / f"{v}.0.0", "many", f"{v}.0.0")
    _service(root, 0, [{"id": "many"}], [])
    for i in range(1, n):
        _service(root, i, [], [{"id": "many", "version": f"{i}.0.0"}])


def long_flow(root: Path, n: int) -> None:
    """One flow of n steps, a chain of services and their events."""
    _base(root)
    steps: list[dict[str, object]] = []
    for i in range(n):
        _service(root, i, [{"id": f"ev-{i}"}], [{"id": f"ev-{i - 1}"}] if i else [])
        _event(root / "domains" / "Main" / "services" / f"S{i}" / "events" / f"E{i}", f"ev-{i}", "1.0.0")
        steps.append({"id": f"s{i}", "title": f"Service {i}", "service": {"id": f"svc-{i}"}, "next_step": f"m{i}"})
        steps.append({"id": f"m{i}", "title": f"Event {i}", "message": {"id": f"ev-{i}"},
                      **({"next_step": f"s{i + 1}"} if i + 1 < n else {})})
    _page(root / "domains" / "Main" / "flows" / "Long" / "index.mdx",
          {"id": "long", "name": "Long", "version": "1.0.0", "owners": ["core"], "steps": steps})


def diamonds(root: Path, n: int) -> None:
    """One flow of n/10 diamonds in a row (a service that branches to two events that join at the
    next service): 2^(n/10) paths from start to end, for anything that walks paths one by one."""
    _base(root)
    k = max(1, n // 10)
    steps: list[dict[str, object]] = []
    for i in range(k + 1):
        sends = [{"id": f"ok-{i}"}, {"id": f"alt-{i}"}] if i < k else []
        _service(root, i, sends, [{"id": f"ok-{i - 1}"}, {"id": f"alt-{i - 1}"}] if i else [])
        step: dict[str, object] = {"id": f"s{i}", "title": f"Service {i}", "service": {"id": f"svc-{i}"}}
        steps.append(step)
        if i < k:
            step["next_steps"] = [f"ok{i}", f"alt{i}"]
            for kind in ("ok", "alt"):
                _event(root / "domains" / "Main" / "services" / f"S{i}" / "events" / f"{kind}{i}", f"{kind}-{i}", "1.0.0")
                steps.append({"id": f"{kind}{i}", "title": f"{kind} {i}", "message": {"id": f"{kind}-{i}"},
                              "next_step": f"s{i + 1}"})
    _page(root / "domains" / "Main" / "flows" / "Diamonds" / "index.mdx",
          {"id": "diamonds", "name": "Diamonds", "version": "1.0.0", "owners": ["core"], "steps": steps})


def many_flows(root: Path, n: int) -> None:
    """n flows, each through the same three services and two events."""
    _base(root)
    for i in range(3):
        _service(root, i, [{"id": f"ev-{i}"}], [{"id": f"ev-{i - 1}"}] if i else [])
        _event(root / "domains" / "Main" / "services" / f"S{i}" / "events" / f"E{i}", f"ev-{i}", "1.0.0")
    for f in range(n):
        steps = [{"id": "a", "title": "A", "service": {"id": "svc-0"}, "next_step": "e0"},
                 {"id": "e0", "title": "E0", "message": {"id": "ev-0"}, "next_step": "b"},
                 {"id": "b", "title": "B", "service": {"id": "svc-1"}, "next_step": "e1"},
                 {"id": "e1", "title": "E1", "message": {"id": "ev-1"}, "next_step": "c"},
                 {"id": "c", "title": "C", "service": {"id": "svc-2"}}]
        _page(root / "domains" / "Main" / "flows" / f"F{f}" / "index.mdx",
              {"id": f"flow-{f}", "name": f"Flow {f}", "version": "1.0.0", "owners": ["core"], "steps": steps})


def one_team(root: Path, n: int) -> None:
    """One team of n users, owning n services and their events."""
    _base(root)
    members = [f"user-{i}" for i in range(n)]
    _page(root / "teams" / "core.mdx", {"id": "core", "name": "Core", "members": members})
    for i in range(n):
        _page(root / "users" / f"u{i}.mdx", {"id": f"user-{i}", "name": f"User {i}", "role": "Engineer"})
        _service(root, i, [{"id": f"ev-{i}"}], [])
        _event(root / "domains" / "Main" / "services" / f"S{i}" / "events" / f"E{i}", f"ev-{i}", "1.0.0")


def big_schema(root: Path, n: int) -> None:
    """One event whose JSON schema has 5n properties, nested and with local $refs (2 MB at n=4,000,
    under the 5 MB cap on a schema file)."""
    _base(root)
    folder = root / "domains" / "Main" / "services" / "S0" / "events" / "Big"
    _event(folder, "big", "1.0.0")
    props = {f"p{i}": ({"$ref": "#/definitions/d"} if i % 3 == 0 else {"type": "object", "properties": {
        "x": {"type": "string"}, "y": {"type": "array", "items": {"type": "integer"}}}}) for i in range(5 * n)}
    (folder / "schema.json").write_text(json.dumps({"$schema": "http://json-schema.org/draft-07/schema#",
                                                    "type": "object", "properties": props, "required": list(props),
                                                    "definitions": {"d": {"type": "string"}}}))
    _service(root, 0, [{"id": "big"}], [])


def shared_ref(root: Path, n: int) -> None:
    """n events whose schemas all ``$ref`` one shared definitions file of n/10 definitions."""
    _base(root)
    defs = {f"d{i}": {"type": "object", "properties": {"v": {"type": "string"}}} for i in range(max(1, n // 10))}
    (root / "schemas").mkdir()
    (root / "schemas" / "common.json").write_text(json.dumps({"$schema": "http://json-schema.org/draft-07/schema#",
                                                             "definitions": defs}))
    _events_referring(root, n, lambda i: f"common.json#/definitions/d{i % len(defs)}")


def _events_referring(root: Path, n: int, target: Callable[[int], str]) -> None:
    """n services, each sending its own event whose schema's ``body`` ``$ref``s ``schemas/<target(i)>``."""
    for i in range(n):
        folder = root / "domains" / "Main" / "services" / f"S{i}" / "events" / f"E{i}"
        _event(folder, f"ev-{i}", "1.0.0")
        ref = f"../../../../../../schemas/{target(i)}"
        (folder / "schema.json").write_text(json.dumps({"$schema": "http://json-schema.org/draft-07/schema#",
                                                        "type": "object", "properties": {"body": {"$ref": ref}}}))
        _service(root, i, [{"id": f"ev-{i}"}], [])


def one_channel(root: Path, n: int) -> None:
    """n events, all sent to one channel."""
    _base(root)
    _page(root / "domains" / "Main" / "channels" / "Bus" / "index.mdx",
          {"id": "bus", "name": "Bus", "version": "1.0.0", "owners": ["core"], "address": "bus"})
    for i in range(n):
        _service(root, i, [{"id": f"ev-{i}", "to": [{"id": "bus"}]}], [{"id": f"ev-{(i + 1) % n}", "from": [{"id": "bus"}]}])
        _event(root / "domains" / "Main" / "services" / f"S{i}" / "events" / f"E{i}", f"ev-{i}", "1.0.0")


# -- saga shapes: orchestrated sagas with every attribute the x-saga contract asks for ----------

RETRY = {"maxAttempts": 3, "initialInterval": "200ms", "backoffCoefficient": 2.0, "maxInterval": "1s", "timeout": "2s"}
UNDO_RETRY = {"maxAttempts": 5, "initialInterval": "500ms", "backoffCoefficient": 2.0, "maxInterval": "4s",
              "timeout": "3s"}  # with RETRY, under 30 s a step: a saga of k steps fits k minutes
STATUSES = {"PROCESSING": {"text": "We're working on it", "terminal": False},
            "DONE": {"text": "It is done", "terminal": True}, "REJECTED": {"text": "It was rejected", "terminal": True},
            "FAILED": {"text": "It failed; nothing was charged", "terminal": True},
            "NEEDS_ATTENTION": {"text": "We're looking into it", "terminal": True}}


def _message(folder: Path, mid: str, versions: int = 1) -> None:
    """A message with a schema that has the saga's correlation key, and ``versions - 1`` older versions."""
    for v in range(1, versions + 1):
        at = folder if v == versions else folder / "versioned" / f"{v}.0.0"
        _page(at / "index.mdx", {"id": mid, "name": mid, "version": f"{v}.0.0", "owners": ["core"],
                                 "schemaPath": "schema.json"})
        (at / "schema.json").write_text(json.dumps({
            "$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "required": ["sagaId"],
            "properties": {"sagaId": {"type": "string"}, "reason": {"type": "string"}}}))


def _msgs(p: str) -> dict[str, str]:
    return {"command": f"do-{p}", "undo": f"undo-{p}", "ok": f"{p}-done", "failed": f"{p}-rejected"}


def _participant(folder: Path, sid: str, ps: list[str], versions: int = 1, writes: bool = False) -> None:
    """The service that handles the commands (do and undo) of the steps ``ps`` and sends their replies."""
    receives: list[dict[str, object]] = []
    for m in map(_msgs, ps):
        receives += [{"id": m["command"], "triggers": [{"id": m["ok"], "condition": "When the step succeeds"},
                                                       {"id": m["failed"], "condition": "When it is rejected"}]},
                     {"id": m["undo"]}]
        for key, kind in (("command", "commands"), ("undo", "commands"), ("ok", "events"), ("failed", "events")):
            _message(folder / kind / m[key], m[key], versions)
    extra = {"writesTo": [{"id": "store"}]} if writes else {}
    _page(folder / "index.mdx", {"id": sid, "name": sid, "version": "1.0.0", "owners": ["core"], "receives": receives,
                                 "sends": [{"id": m[k]} for m in map(_msgs, ps) for k in ("ok", "failed")], **extra})


def _saga_steps(orch: str, parts: list[str]) -> list[dict[str, object]]:
    """The flow map: the orchestrator, one command step per participant, the outcome and compensation."""
    steps: list[dict[str, object]] = [{"id": "orchestrator", "title": orch, "service": {"id": orch},
                                       "next_step": {"id": "step_0", "label": "Starts"}}]
    for k, p in enumerate(parts):
        nxt = f"step_{k + 1}" if k + 1 < len(parts) else "complete"
        steps.append({"id": f"step_{k}", "title": f"Step {k}", "message": {"id": _msgs(p)["command"]},
                      "next_steps": [{"id": nxt, "label": "Done"}, {"id": "compensate", "label": "Rejected"}]})
    custom = {"complete": ("Outcome", "Every step succeeded. The customer sees DONE.", None),
              "compensate": ("Compensation", "A step failed; the completed steps are undone, newest first.",
                             [{"id": "aborted", "label": "Compensated"},
                              {"id": "stuck", "label": "Compensation failed"}]),
              "aborted": ("Exception", "Everything was undone. The customer sees REJECTED or FAILED.", None),
              "stuck": ("Exception", "A compensation failed for good. The customer sees NEEDS_ATTENTION.", None)}
    for sid, (kind, summary, nexts) in custom.items():
        steps.append({"id": sid, "title": sid, "custom": {"title": sid, "type": kind, "summary": summary},
                      **({"next_steps": nexts} if nexts else {})})
    return steps


def _saga_block(orch: str, parts: list[str]) -> dict[str, object]:
    """x-saga: every step compensatable but the last, the pivot, whose success event is the outcome."""
    steps: dict[str, object] = {}
    for k, p in enumerate(parts):
        m, last = _msgs(p), k + 1 == len(parts)
        comp: dict[str, object] = {"compensation": "none", "compensationNote": "the pivot"} if last else {
            "compensation": {"command": m["undo"], "idempotent": True, "retry": UNDO_RETRY}}
        steps[f"step_{k}"] = {"type": "pivot" if last else "compensatable", "owner": "core", "success": m["ok"],
                              "failures": [{"event": m["failed"], "status": "REJECTED"},
                                           {"error": "timeout", "status": "FAILED"}],
                              "retry": RETRY, **comp, "status": "PROCESSING"}
    minutes = f"{len(parts) + 1}m"
    return {"orchestrator": orch, "deadline": minutes, "correlation": "sagaId",
            "outcome": {"container": "store", "event": _msgs(parts[-1])["ok"]},
            "statuses": {**STATUSES, "PROCESSING": {**STATUSES["PROCESSING"], "timeout": minutes}},
            "onSuccess": {"status": "DONE"}, "onCompensationFailure": {"status": "NEEDS_ATTENTION"}, "steps": steps}


def _saga(root: Path, name: str, orch: str, parts: list[str]) -> None:
    """The orchestrator ``orch`` (sends every command, receives every reply) and its saga flow."""
    ms = [_msgs(p) for p in parts]
    _page(root / "domains" / "Main" / "services" / name / "index.mdx",
          {"id": orch, "name": orch, "version": "1.0.0", "owners": ["core"],
           "sends": [{"id": m[k]} for m in ms for k in ("command", "undo")],
           "receives": [{"id": m[k]} for m in ms for k in ("ok", "failed")]})
    _page(root / "domains" / "Main" / "flows" / name / "index.mdx",
          {"id": f"{orch}-saga", "name": f"{name} saga", "version": "1.0.0", "owners": ["core"],
           "steps": _saga_steps(orch, parts), "x-saga": _saga_block(orch, parts)})


def _store(root: Path) -> None:
    """An EventCatalog 4 catalog (a participant's ``receives[].triggers``) and the container of the outcome."""
    _base(root, "^4.0.0")
    _page(root / "domains" / "Main" / "containers" / "Store" / "index.mdx",
          {"id": "store", "name": "Store", "version": "1.0.0", "owners": ["core"], "container_type": "database"})


def long_saga(root: Path, n: int) -> None:
    """One saga of n/10 steps, each a participant of its own (4 messages each)."""
    _store(root)
    parts = [f"p{i}" for i in range(max(2, n // 10))]
    for i, p in enumerate(parts):
        _participant(root / "domains" / "Main" / "services" / f"P{i}", f"svc-{p}", [p], writes=i + 1 == len(parts))
    _saga(root, "Long", "orch", parts)


def saga_hub(root: Path, n: int) -> None:
    """n/5 sagas of 3 steps, each with its orchestrator and its own messages, all through the same three
    participants (each receives n/5 commands and n/5 undo commands)."""
    _store(root)
    sagas = [[f"g{g}{p}" for p in "abc"] for g in range(max(1, n // 5))]
    for k, p in enumerate("abc"):
        _participant(root / "domains" / "Main" / "services" / f"P{p}", f"svc-{p}", [s[k] for s in sagas], writes=k == 2)
    for g, parts in enumerate(sagas):
        _saga(root, f"O{g}", f"orch-{g}", parts)


def many_versions_saga(root: Path, n: int) -> None:
    """n/20 sagas of 3 steps, every message in 5 versions (4 under ``versioned/``)."""
    _store(root)
    for g in range(max(1, n // 20)):
        parts = [f"g{g}s{k}" for k in range(3)]
        for k, p in enumerate(parts):
            _participant(root / "domains" / "Main" / "services" / f"P{p}", f"svc-{p}", [p], 5, writes=k == 2)
        _saga(root, f"O{g}", f"orch-{g}", parts)


def long_choreography(root: Path, n: int) -> None:
    """One choreography of n/10 steps: participant i consumes ``ok-(i-1)``, publishes ``ok-i`` or, when it
    fails, ``rollback-i``; on ``rollback-(i+1)`` it undoes its work and publishes ``rollback-i`` too."""
    _store(root)
    k = max(2, n // 10)
    svc = root / "domains" / "Main" / "services"
    _page(svc / "Start" / "index.mdx", {"id": "starter", "name": "starter", "version": "1.0.0", "owners": ["core"],
                                        "sends": [{"id": "ok-start"}]})
    _message(svc / "Start" / "events" / "ok-start", "ok-start")
    steps: list[dict[str, object]] = [{"id": "m_start", "title": "Start", "message": {"id": "ok-start"},
                                       "next_step": {"id": "c0", "label": "Starts"}}]
    blocks: dict[str, object] = {}
    for i in range(k):
        last, trigger = i + 1 == k, f"ok-{i - 1}" if i else "ok-start"
        _page(svc / f"C{i}" / "index.mdx", {
            "id": f"svc-c{i}", "name": f"svc-c{i}", "version": "1.0.0", "owners": ["core"],
            "receives": [{"id": trigger}] + ([] if last else [{"id": f"rollback-{i + 1}"}]),
            "sends": [{"id": f"ok-{i}"}, {"id": f"rollback-{i}"}], **({"writesTo": [{"id": "store"}]} if last else {})})
        for mid in (f"ok-{i}", f"rollback-{i}"):
            _message(svc / f"C{i}" / "events" / mid, mid)
        steps += [{"id": f"c{i}", "title": f"Step {i}", "service": {"id": f"svc-c{i}"},
                   "next_steps": [{"id": f"ok{i}", "label": "Done"}, {"id": f"no{i}", "label": "Rejected"}]},
                  {"id": f"ok{i}", "title": f"ok {i}", "message": {"id": f"ok-{i}"},
                   "next_step": {"id": "complete" if last else f"c{i + 1}", "label": "Next"}},
                  {"id": f"no{i}", "title": f"rollback {i}", "message": {"id": f"rollback-{i}"},
                   "next_step": {"id": "compensate" if i else "aborted", "label": "Undo"}}]
        comp: dict[str, object] = {"compensation": "none", "compensationNote": "the pivot"} if last else {
            "compensation": {"on": f"rollback-{i + 1}", "event": f"rollback-{i}", "idempotent": True, "retry": UNDO_RETRY}}
        blocks[f"c{i}"] = {"type": "pivot" if last else "compensatable", "owner": "core", "participant": f"svc-c{i}",
                           "trigger": trigger, "success": f"ok-{i}", "idempotency": {"key": "sagaId"},
                           "failures": [{"event": f"rollback-{i}", "status": "REJECTED"},
                                        {"error": "timeout", "status": "FAILED"}],
                           "retry": RETRY, **comp, "status": "PROCESSING"}
    steps += _saga_steps("starter", [])[1:]
    x = {**_saga_block("starter", [f"p{i}" for i in range(k)]), "coordination": "choreography", "steps": blocks,
         "outcome": {"container": "store", "event": f"ok-{k - 1}"}}
    del x["orchestrator"]
    _page(root / "domains" / "Main" / "flows" / "Choreography" / "index.mdx",
          {"id": "choreography", "name": "Choreography", "version": "1.0.0", "owners": ["core"], "steps": steps,
           "x-saga": x})


def nested(root: Path, n: int) -> None:
    """n/10 domains, each with a subdomain of 5 services that send one event each, received by the next
    domain's: domains/D/subdomains/S/services/X/events/Y."""
    _base(root)
    k = max(1, n // 10)
    for d in range(k):
        dom = root / "domains" / f"D{d}"
        _page(dom / "index.mdx", {"id": f"dom-{d}", "name": f"Domain {d}", "version": "1.0.0", "owners": ["core"],
                                  "domains": [{"id": f"sub-{d}"}]})
        sub = dom / "subdomains" / f"S{d}"
        services = [f"svc-{d}-{j}" for j in range(5)]
        _page(sub / "index.mdx", {"id": f"sub-{d}", "name": f"Subdomain {d}", "version": "1.0.0", "owners": ["core"],
                                  "services": [{"id": s} for s in services]})
        for j, sid in enumerate(services):
            prev = f"ev-{(d - 1) % k}-{j}"
            _page(sub / "services" / f"X{j}" / "index.mdx",
                  {"id": sid, "name": sid, "version": "1.0.0", "owners": ["core"],
                   "sends": [{"id": f"ev-{d}-{j}"}], "receives": [{"id": prev}]})
            _event(sub / "services" / f"X{j}" / "events" / f"Y{j}", f"ev-{d}-{j}", "1.0.0")


def fan_out(root: Path, n: int) -> None:
    """One service that sends n events and receives n commands (a gateway), each message its own page."""
    _base(root)
    _service(root, 0, [{"id": f"out-{i}"} for i in range(n)], [{"id": f"in-{i}"} for i in range(n)])
    for i in range(n):
        _event(root / "domains" / "Main" / "services" / "S0" / "events" / f"Out{i}", f"out-{i}", "1.0.0")
        _event(root / "domains" / "Main" / "services" / "S0" / "commands" / f"In{i}", f"in-{i}", "1.0.0")


def sub_flows(root: Path, n: int) -> None:
    """n flows in a chain: each flow's last step is the next flow (a ``flow:`` step), as real
    catalogs draw a journey of sub-journeys; anything that expands sub-flows by copying them
    grows with the square of the chain."""
    _base(root)
    _service(root, 0, [{"id": "ev-0"}], [])
    _event(root / "domains" / "Main" / "services" / "S0" / "events" / "E0", "ev-0", "1.0.0")
    for f in range(n):
        steps: list[dict[str, object]] = [
            {"id": "a", "title": "A", "service": {"id": "svc-0"}, "next_step": "e"},
            {"id": "e", "title": "E", "message": {"id": "ev-0"}, **({"next_step": "next"} if f + 1 < n else {})}]
        if f + 1 < n:
            steps.append({"id": "next", "title": f"Flow {f + 1}", "flow": {"id": f"flow-{f + 1}"}})
        _page(root / "domains" / "Main" / "flows" / f"F{f}" / "index.mdx",
              {"id": f"flow-{f}", "name": f"Flow {f}", "version": "1.0.0", "owners": ["core"], "steps": steps})


def long_bodies(root: Path, n: int) -> None:
    """n/10 services whose pages have long MDX bodies (200 lines each: headings, tables, links,
    components, code blocks), as documentation-heavy catalogs write them."""
    _base(root)
    body = "\n".join(
        f"## Part {k}\n\nSee [the guide](https://example.test/{k}) and <NodeGraph />.\n\n| a | b |\n|---|---|\n"
        f"| {k} | x |\n\n```json\n{{\"k\": {k}}}\n```\n" for k in range(20))
    for i in range(max(1, n // 10)):
        _service(root, i, [], [])
        page = root / "domains" / "Main" / "services" / f"S{i}" / "index.mdx"
        page.write_text(page.read_text(encoding="utf-8") + body, encoding="utf-8")


# -- more shapes (2026-12-06): channels, data stores, ranges, schema chains, specs, people, ... ----


def channel_routes(root: Path, n: int) -> None:
    """n channels in a chain of ``routes`` (channel i routes to i+1), each with five parameters and a
    placeholder in its id; service i sends its event to channel i with parameters and receives the
    previous service's event from channel i-1."""
    _base(root)
    params = {f"p{k}": {"enum": [f"v{j}" for j in range(4)], "default": "v0", "description": f"Parameter {k}"}
              for k in range(5)}
    for i in range(n):
        route = {"routes": [{"id": f"bus.{{p0}}.c{i + 1}", "version": "1.0.0"}]} if i + 1 < n else {}
        _page(root / "domains" / "Main" / "channels" / f"C{i}" / "index.mdx",
              {"id": f"bus.{{p0}}.c{i}", "name": f"Channel {i}", "version": "1.0.0", "owners": ["core"],
               "address": f"bus.{{p0}}.c{i}", "protocols": ["kafka"], "deliveryGuarantee": "at-least-once",
               "parameters": params, **route})
        to = [{"id": f"bus.{{p0}}.c{i}", "parameters": {"p0": "v1", "p1": "v2"}, "delivery_mode": "push"}]
        frm = [{"id": f"bus.{{p0}}.c{(i - 1) % n}", "version": "1.0.0", "parameters": {"p0": "v1"}}]
        _service(root, i, [{"id": f"ev-{i}", "to": to}], [{"id": f"ev-{(i - 1) % n}", "from": frm}])
        _event(root / "domains" / "Main" / "services" / f"S{i}" / "events" / f"E{i}", f"ev-{i}", "1.0.0",
               {"channels": [{"id": f"bus.{{p0}}.c{i}", "parameters": {"p0": "v1"}}]})


def data_stores(root: Path, n: int) -> None:
    """n services and n/10 containers: each service writes to its group's store and to one shared
    ledger, and reads from five stores; the ledger is written by every service."""
    _base(root)
    k = max(2, n // 10)
    kinds = ("database", "cache", "objectStore", "searchIndex", "dataWarehouse")
    for c in range(k):
        _page(root / "domains" / "Main" / "containers" / f"Store{c}" / "index.mdx",
              {"id": f"store-{c}", "name": f"Store {c}", "version": "1.0.0", "owners": ["core"],
               "container_type": kinds[c % len(kinds)], "technology": "postgres@16", "authoritative": c % 2 == 0,
               "access_mode": "readWrite", "classification": "internal", "residency": "eu", "retention": "30d"})
    _page(root / "domains" / "Main" / "containers" / "Ledger" / "index.mdx",
          {"id": "ledger", "name": "Ledger", "version": "1.0.0", "owners": ["core"], "container_type": "database",
           "access_mode": "appendOnly"})
    for i in range(n):
        page = root / "domains" / "Main" / "services" / f"S{i}" / "index.mdx"
        _page(page, {"id": f"svc-{i}", "name": f"Service {i}", "version": "1.0.0", "owners": ["core"],
                     "writesTo": [{"id": f"store-{i % k}"}, {"id": "ledger", "version": "1.0.0"}],
                     "readsFrom": [{"id": f"store-{(i + j) % k}"} for j in range(1, 6)]})


def version_ranges(root: Path, n: int) -> None:
    """One event with n/10 versions (``M.m.0``, ten minors a major) and n services, each receiving it
    through a semver range, an x-range, a number-like version or ``latest``."""
    _base(root)
    k = max(10, n // 10)
    majors = k // 10
    vers = [f"{m}.{minor}.0" for m in range(1, majors + 1) for minor in range(10)]
    folder = root / "domains" / "Main" / "services" / "S0" / "events" / "Ranged"
    _event(folder, "ranged", vers[-1])
    for v in vers[:-1]:
        _event(folder / "versioned" / v, "ranged", v)
    _service(root, 0, [{"id": "ranged", "version": "latest"}], [])
    forms = ("^{m}.0.0", "~{m}.3.0", "{m}.x", "{m}.x.x", ">={m}.5", "{m}.0.0 - {m}.4.0", "{m}.2.x", "v{m}", "{m}",
             "latest", "x", "{m}.7.0")
    for i in range(1, n):
        m = 1 + i % majors
        _service(root, i, [], [{"id": "ranged", "version": forms[i % len(forms)].format(m=m)}])


def ref_chain(root: Path, n: int) -> None:
    """n events whose schemas ``$ref`` chains of n/10 files in all, 50 files a chain (file i refs
    file i+1, each with ten definitions that ``$ref`` one another and an ``allOf``; a chain stays
    under the 64 files one schema may pull in): event i enters at file i % (n/10)."""
    _base(root)
    k = max(2, n // 10)
    (root / "schemas").mkdir()
    for f in range(k):
        defs: dict[str, object] = {f"d{j}": {"type": "object", "properties": {
            "v": {"type": "string"}, "next": {"$ref": f"#/definitions/d{j + 1}"} if j < 9 else {"type": "null"}}}
            for j in range(10)}
        defs["all"] = {"allOf": [{"$ref": f"#/definitions/d{j}"} for j in range(10)]}
        if f + 1 < k and (f + 1) % 50:
            defs["tail"] = {"$ref": f"c{f + 1}.json#/definitions/all"}
        (root / "schemas" / f"c{f}.json").write_text(json.dumps(
            {"$schema": "http://json-schema.org/draft-07/schema#", "definitions": defs}))
    _events_referring(root, n, lambda i: f"c{i % k}.json#/definitions/all")


def big_definitions(root: Path, n: int) -> None:
    """One event whose schema has n definitions, each ``$ref``-ing the next, and a ``oneOf`` and an
    ``anyOf`` of all of them."""
    _base(root)
    folder = root / "domains" / "Main" / "services" / "S0" / "events" / "Defs"
    _event(folder, "defs", "1.0.0")
    defs = {f"d{i}": {"type": "object", "properties": {"v": {"type": "integer"}, **(
        {"next": {"$ref": f"#/definitions/d{i + 1}"}} if i + 1 < n else {})}} for i in range(n)}
    refs = [{"$ref": f"#/definitions/d{i}"} for i in range(n)]
    (folder / "schema.json").write_text(json.dumps({
        "$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "definitions": defs,
        "properties": {"one": {"oneOf": refs}, "any": {"anyOf": refs}}}))
    _service(root, 0, [{"id": "defs"}], [])


_OPENAPI = """openapi: 3.0.3
info: {{title: Service {i}, version: 1.0.0}}
paths:
{paths}"""
_ASYNCAPI = """asyncapi: 3.0.0
info: {{title: Service {i}, version: 1.0.0}}
channels:
{channels}"""


def specs(root: Path, n: int) -> None:
    """n services, each with an OpenAPI and an AsyncAPI file (twenty operations each) in
    ``specifications``, half in the list form and half in the object form."""
    _base(root)
    for i in range(n):
        folder = root / "domains" / "Main" / "services" / f"S{i}"
        spec: object = ([{"type": "openapi", "path": "openapi.yml", "name": "REST"},
                         {"type": "asyncapi", "path": "asyncapi.yml", "name": "Events"}] if i % 2 else
                        {"openapiPath": "openapi.yml", "asyncapiPath": "asyncapi.yml"})
        _page(folder / "index.mdx", {"id": f"svc-{i}", "name": f"Service {i}", "version": "1.0.0", "owners": ["core"],
                                     "specifications": spec})
        paths = "".join(f"  /things/{j}:\n    get:\n      responses:\n        '200': {{description: ok}}\n"
                        for j in range(20))
        chans = "".join(f"  thing{j}:\n    address: things.{j}\n" for j in range(20))
        (folder / "openapi.yml").write_text(_OPENAPI.format(i=i, paths=paths))
        (folder / "asyncapi.yml").write_text(_ASYNCAPI.format(i=i, channels=chans))


def many_teams(root: Path, n: int) -> None:
    """n users and n/10 teams: each user in five teams (``associatedTeams``), each team listing its
    members and owning services; n services, each owned by two teams and a user in both forms."""
    _base(root)
    k = max(5, n // 10)
    members: list[list[str]] = [[] for _ in range(k)]
    for u in range(n):
        teams = [f"team-{(u + j) % k}" for j in range(5)]
        for t in teams:
            members[int(t.split("-")[1])].append(f"user-{u}")
        _page(root / "users" / f"u{u}.mdx", {"id": f"user-{u}", "name": f"User {u}", "role": "Engineer",
                                             "email": f"user{u}@acme.test", "associatedTeams": teams,
                                             "ownedServices": [f"svc-{u}"]})
    for t in range(k):
        _page(root / "teams" / f"t{t}.mdx", {"id": f"team-{t}", "name": f"Team {t}", "members": members[t],
                                             "email": f"team{t}@acme.test",
                                             "ownedServices": [f"svc-{i}" for i in range(t, n, k)]})
    for i in range(n):
        page = root / "domains" / "Main" / "services" / f"S{i}" / "index.mdx"
        _page(page, {"id": f"svc-{i}", "name": f"Service {i}", "version": "1.0.0",
                     "owners": [f"team-{i % k}", {"id": f"team-{(i + 1) % k}", "collection": "teams"},
                                {"id": f"user-{i}", "collection": "users"}]})


def shared_orchestrator(root: Path, n: int) -> None:
    """n/5 sagas of three steps, each with its own participants and messages, all run by one
    orchestrator (which sends every saga's commands and receives every reply)."""
    _store(root)
    sagas = [[f"g{g}{p}" for p in "abc"] for g in range(max(1, n // 5))]
    for g, parts in enumerate(sagas):
        for k, p in enumerate(parts):
            _participant(root / "domains" / "Main" / "services" / f"P{p}", f"svc-{p}", [p], writes=k == 2)
        _page(root / "domains" / "Main" / "flows" / f"F{g}" / "index.mdx",
              {"id": f"saga-{g}", "name": f"Saga {g}", "version": "1.0.0", "owners": ["core"],
               "steps": _saga_steps("orch", parts), "x-saga": _saga_block("orch", parts)})
    ms = [_msgs(p) for parts in sagas for p in parts]
    _page(root / "domains" / "Main" / "services" / "Orch" / "index.mdx",
          {"id": "orch", "name": "orch", "version": "1.0.0", "owners": ["core"],
           "sends": [{"id": m[k]} for m in ms for k in ("command", "undo")],
           "receives": [{"id": m[k]} for m in ms for k in ("ok", "failed")]})


def failure_chains(root: Path, n: int) -> None:
    """One saga of n/20 steps whose every step has ten business failures (each its own event, each
    a trigger of the participant's command and a reply the orchestrator receives)."""
    _store(root)
    parts = [f"p{i}" for i in range(max(2, n // 20))]
    extra = {p: [f"{p}-rejected-{j}" for j in range(1, 10)] for p in parts}
    for i, p in enumerate(parts):
        folder = root / "domains" / "Main" / "services" / f"P{i}"
        _participant(folder, f"svc-{p}", [p], writes=i + 1 == len(parts))
        text = (folder / "index.mdx").read_text(encoding="utf-8")
        front = json.loads(text.split("---\n")[1])
        front["receives"][0]["triggers"] += [{"id": e, "condition": "When it is rejected"} for e in extra[p]]
        front["sends"] += [{"id": e} for e in extra[p]]
        _page(folder / "index.mdx", {k: v for k, v in front.items() if k != "summary"})
        for e in extra[p]:
            _message(folder / "events" / e, e)
    _saga(root, "Long", "orch", parts)
    page = root / "domains" / "Main" / "flows" / "Long" / "index.mdx"
    flow = json.loads(page.read_text(encoding="utf-8").split("---\n")[1])
    for k, p in enumerate(parts):
        flow["x-saga"]["steps"][f"step_{k}"]["failures"] += [{"event": e, "status": "REJECTED"} for e in extra[p]]
    _page(page, {k: v for k, v in flow.items() if k != "summary"})
    orch = root / "domains" / "Main" / "services" / "Long" / "index.mdx"
    front = json.loads(orch.read_text(encoding="utf-8").split("---\n")[1])
    front["receives"] += [{"id": e} for p in parts for e in extra[p]]
    _page(orch, {k: v for k, v in front.items() if k != "summary"})


def huge_page(root: Path, n: int) -> None:
    """One service page of 2n sends with 120-character ids, n/2 badges and n/2 attachments; 2n events
    (the page is 2 MB at n = 8,000, under the 5 MB cap on a catalog file)."""
    _base(root)
    ids = [f"{'a-very-long-event-name-' * 4}{i:08d}"[:110] + f"-{i:08d}" for i in range(2 * n)]
    badges = [{"content": f"Badge {i}", "backgroundColor": "blue", "textColor": "white"} for i in range(n // 2)]
    attachments = [{"url": f"https://example.test/doc/{i}", "title": f"Doc {i}"} for i in range(n // 2)]
    _page(root / "domains" / "Main" / "services" / "S0" / "index.mdx",
          {"id": "svc-0", "name": "Service 0", "version": "1.0.0", "owners": ["core"], "badges": badges,
           "attachments": attachments, "sends": [{"id": e, "version": "1.0.0"} for e in ids]})
    for i, eid in enumerate(ids):
        _event(root / "domains" / "Main" / "services" / "S0" / "events" / f"E{i}", eid, "1.0.0")


def flow_tree(root: Path, n: int) -> None:
    """n flows in a binary tree: flow i branches to sub-flows 2i+1 and 2i+2 (``flow:`` steps), and
    every flow also embeds one shared flow."""
    _base(root)
    _service(root, 0, [{"id": "ev-0"}], [])
    _event(root / "domains" / "Main" / "services" / "S0" / "events" / "E0", "ev-0", "1.0.0")
    _page(root / "domains" / "Main" / "flows" / "Shared" / "index.mdx",
          {"id": "shared", "name": "Shared", "version": "1.0.0", "owners": ["core"],
           "steps": [{"id": "a", "title": "A", "service": {"id": "svc-0"}, "next_step": "e"},
                     {"id": "e", "title": "E", "message": {"id": "ev-0"}}]})
    for f in range(n):
        kids = [c for c in (2 * f + 1, 2 * f + 2) if c < n]
        steps: list[dict[str, object]] = [
            {"id": "a", "title": "A", "service": {"id": "svc-0"}, "next_step": "e"},
            {"id": "e", "title": "E", "message": {"id": "ev-0"}, "next_steps": ["shared"] + [f"k{c}" for c in kids]},
            {"id": "shared", "title": "Shared", "flow": {"id": "shared", "version": "1.0.0"}}]
        steps += [{"id": f"k{c}", "title": f"Flow {c}", "flow": {"id": f"flow-{c}"}} for c in kids]
        _page(root / "domains" / "Main" / "flows" / f"F{f}" / "index.mdx",
              {"id": f"flow-{f}", "name": f"Flow {f}", "version": "1.0.0", "owners": ["core"], "steps": steps})


def service_versions(root: Path, n: int) -> None:
    """One service with n/10 versions (``versioned/``), version v sending event v and receiving event
    v-1; a consumer of each event pinned to its version; a flow through the versions by range."""
    _base(root)
    k = max(2, n // 10)
    folder = root / "domains" / "Main" / "services" / "Core"
    for v in range(1, k + 1):
        at = folder if v == k else folder / "versioned" / f"{v}.0.0"
        _page(at / "index.mdx", {"id": "core-svc", "name": "Core service", "version": f"{v}.0.0", "owners": ["core"],
                                 "sends": [{"id": f"ev-{v}", "version": "^1.0.0"}],
                                 "receives": [{"id": f"ev-{v - 1}"}] if v > 1 else []})
        _event(folder / "events" / f"E{v}", f"ev-{v}", "1.0.0")
    for i in range(n):
        v = 1 + i % k
        _service(root, i, [], [{"id": f"ev-{v}", "version": "1.0.0"}])
    steps: list[dict[str, object]] = []
    for v in range(1, k + 1):
        steps.append({"id": f"s{v}", "title": f"v{v}", "service": {"id": "core-svc", "version": f"{v}.0.0"},
                      "next_step": f"m{v}"})
        steps.append({"id": f"m{v}", "title": f"ev {v}", "message": {"id": f"ev-{v}", "version": "1.x"},
                      **({"next_step": f"s{v + 1}"} if v < k else {})})
    _page(root / "domains" / "Main" / "flows" / "Versions" / "index.mdx",
          {"id": "versions-flow", "name": "Versions", "version": "1.0.0", "owners": ["core"], "steps": steps})


def domain_model(root: Path, n: int) -> None:
    """n/10 domains, each with a subdomain, a system of five services, five entities whose properties
    reference one another, and a ubiquitous language of twenty terms."""
    _base(root, "^4.0.0")
    k = max(1, n // 10)
    for d in range(k):
        dom = root / "domains" / f"D{d}"
        ents = [f"ent-{d}-{j}" for j in range(5)]
        svcs = [f"svc-{d}-{j}" for j in range(5)]
        _page(dom / "index.mdx", {"id": f"dom-{d}", "name": f"Domain {d}", "version": "1.0.0", "owners": ["core"],
                                  "domains": [{"id": f"sub-{d}"}], "entities": [{"id": e} for e in ents],
                                  "systems": [{"id": f"sys-{d}"}]})
        _page(dom / "subdomains" / "Sub" / "index.mdx",
              {"id": f"sub-{d}", "name": f"Sub {d}", "version": "1.0.0", "owners": ["core"]})
        _page(dom / "systems" / "Sys" / "index.mdx",
              {"id": f"sys-{d}", "name": f"System {d}", "version": "1.0.0", "owners": ["core"], "scope": "internal",
               "services": [{"id": s} for s in svcs], "entities": [{"id": e} for e in ents]})
        for j, sid in enumerate(svcs):
            _page(dom / "systems" / "Sys" / "services" / f"X{j}" / "index.mdx",
                  {"id": sid, "name": sid, "version": "1.0.0", "owners": ["core"], "entities": [{"id": ents[j]}]})
        for j, eid in enumerate(ents):
            props = [{"name": "id", "type": "string", "required": True},
                     {"name": "next", "type": "string", "references": ents[(j + 1) % 5], "referencesIdentifier": "id",
                      "relationType": "hasOne", "referenceTarget": "entity"},
                     {"name": "items", "type": "array", "items": {"type": "object", "properties": [
                         {"name": "qty", "type": "number"}]}}]
            _page(dom / "entities" / f"E{j}" / "index.mdx",
                  {"id": eid, "name": eid, "version": "1.0.0", "owners": ["core"], "aggregateRoot": j == 0,
                   "identifier": "id", "properties": props})
        words = [{"id": f"term-{d}-{t}", "name": f"Term {t}", "summary": f"What term {t} means."} for t in range(20)]
        (dom / "ubiquitous-language.mdx").write_text("---\n" + json.dumps({"dictionary": words}) + "\n---\n")


SHAPES: dict[str, Writer] = {"hub": hub, "versions": versions, "long-flow": long_flow, "diamonds": diamonds,
                             "many-flows": many_flows, "one-team": one_team, "big-schema": big_schema,
                             "one-channel": one_channel, "shared-ref": shared_ref,
                             "long-saga": long_saga, "saga-hub": saga_hub, "many-versions-saga": many_versions_saga,
                             "long-choreography": long_choreography, "nested": nested, "fan-out": fan_out,
                             "sub-flows": sub_flows, "long-bodies": long_bodies,
                             "channel-routes": channel_routes, "data-stores": data_stores,
                             "version-ranges": version_ranges, "ref-chain": ref_chain,
                             "big-definitions": big_definitions, "specs": specs, "many-teams": many_teams,
                             "shared-orchestrator": shared_orchestrator, "failure-chains": failure_chains,
                             "huge-page": huge_page, "flow-tree": flow_tree, "service-versions": service_versions,
                             "domain-model": domain_model}


def _median_wall(cmd: list[str], runs: int) -> tuple[float, int]:
    walls, code = [], 0
    env = {**os.environ, "SAGA_LINT_NO_CACHE": "1"}
    for _ in range(runs):
        start = time.perf_counter()
        code = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env).returncode
        walls.append(time.perf_counter() - start)
    return statistics.median(walls), code


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=probe", "-c", "user.email=probe@example.test", *args], cwd=root,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _small_edit(root: Path) -> None:
    """The change a review looks at: one page's summary (a flow's if there is one) reworded."""
    pages = sorted(root.rglob("index.mdx"))
    page = next((p for p in pages if "flows" in p.parts), pages[0])
    page.write_text(page.read_text(encoding="utf-8").replace('"summary": "The ', '"summary": "Now the ', 1),
                    encoding="utf-8")


def _command(command: str, root: Path) -> list[str]:
    """The saga-lint command line that times ``command`` on the catalog at ``root`` (a review's base is
    the catalog committed to a new git repository, its head the working tree after a small edit)."""
    cli = [sys.executable, "-m", "saga_lint"]
    if command == "check":
        return [*cli, "check", str(root), "--no-cache"]
    if command == "report":
        return [*cli, "report", str(root), "-o", str(root.parent / f"{root.name}.html")]
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "base")
    _small_edit(root)
    return [*cli, "review", str(root), "--base", "HEAD"]


def _probe(name: str, command: str, args: argparse.Namespace, tmp: str) -> float | None:
    """The ratio of the command's time at 2N to N on the shape, or None when it did not exit 0."""
    times = []
    for n in (args.n, 2 * args.n):
        root = Path(tmp) / f"{name}-{command}-{n}"
        SHAPES[name](root, n)
        wall, code = _median_wall(_command(command, root), args.runs)
        times.append(wall)
        print(f"{name:18} {command:6} N={n:6}  {wall:6.2f} s  exit {code}", flush=True)
        if code != 0:  # every shape is a clean catalog: a finding is a bug in it or in a rule
            print(f"{name}: saga-lint {command} {root} exited {code}; run it to see why", file=sys.stderr)
            return None
    return times[1] / times[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--commands", default="check", help="comma-separated: check, report, review")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limit", type=float, default=3.0, help="ratio of 2N to N above which a shape is reported")
    args = parser.parse_args(argv)
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="saga-lint-shapes-") as tmp:
        for name in args.shapes.split(","):
            for command in args.commands.split(","):
                ratio = _probe(name, command, args, tmp)
                if ratio is None:
                    return 2
                worst = max(worst, ratio)
                print(f"{name:18} {command:6} ratio {ratio:.2f}"
                      f"{'  <- grows faster than the catalog' if ratio > args.limit else ''}", flush=True)
    return 1 if worst > args.limit else 0

if __name__ == "__main__":
    os.environ.setdefault("SAGA_LINT_NO_CACHE", "1")
    sys.exit(main())
