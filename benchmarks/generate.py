"""Generate a realistic synthetic EventCatalog catalog for benchmarks.

    python benchmarks/generate.py N OUT_DIR

writes a catalog of N services to OUT_DIR (which must not exist or be empty). The output is a
pure function of N: the same N always gives byte-identical files.

Shape, modelled on the real example catalog (../shared/corpus/eventcatalog-default):

- ``domains/<Domain>/systems/<system>/services/<Service>/`` nesting: 10 services per system,
  5 systems per domain; one team per domain (owns everything in it), 2 users per team;
- each service sends 1 or 2 messages of its own (an event, and for every other service a
  command or query it receives), each in ``<Service>/{events,commands,queries}/<Msg>/`` with a
  ``schema.json`` and ``<SchemaViewer file="schema.json" />`` in the body; every service also
  receives its neighbour's event and sends the next service's command, so each service takes
  part in about 4 messages;
- one container (data store) per system with ``schema.sql``; services ``writesTo``/``readsFrom`` it;
- one channel per domain that the events are sent ``to``;
- an older version ``versioned/0.9.0/`` for every 20th message and every 50th service, some
  references pinned to it, others using ``latest``, ranges (``^1.0.0``) or ``1.x``;
- a flow every 20 services: actor -> service -> event -> service -> (branch) -> ends.

``--shape saga-dense`` (#17) writes the same domains, systems, teams and users, but services in
groups of 5: an orchestrator and 4 participants, one declared saga per group. Each participant
receives a command and its compensation command and sends an ok and a failed event (every message
with a JSON schema); the saga's flow has the map of the checkout example (actor, orchestrator,
the 4 step commands, outcome, compensation, exceptions) and a complete ``x-saga`` block (steps
1-3 compensatable, step 4 the pivot whose ok event is the outcome; retries, idempotent
compensations, statuses, the correlation key). 2,000 services are about 15,600 files. It is clean
too: a finding on it is a bug in the generator or in a rule.

A 10,000-service catalog has about 46,000 files. The catalog is clean: ``saga-lint check`` on it
reports nothing.
"""

from __future__ import annotations

import json
import os
import sys

SERVICES_PER_SYSTEM = 10
SYSTEMS_PER_DOMAIN = 5
SERVICES_PER_DOMAIN = SERVICES_PER_SYSTEM * SYSTEMS_PER_DOMAIN
SERVICES_PER_FLOW = 20
USERS_PER_TEAM = 2
VERSIONED_MESSAGE_EVERY = 20
VERSIONED_SERVICE_EVERY = 50

WORDS = (
    "order", "payment", "invoice", "shipment", "stock", "cart", "customer", "review", "price",
    "catalog", "refund", "loyalty", "coupon", "account", "ledger", "booking", "parcel", "quote",
    "rating", "search", "fraud", "tax", "carrier", "warehouse", "subscription", "notification",
)
VERBS = ("created", "updated", "confirmed", "cancelled", "approved", "rejected", "completed", "expired")
COMMAND_VERBS = ("create", "update", "confirm", "cancel", "approve", "reject", "complete", "expire")
LANGUAGES = ("Java", "TypeScript", "Go", "Python", "Kotlin", "C#")


def _title(slug: str) -> str:
    return " ".join(w.capitalize() for w in slug.split("-"))


def _pascal(slug: str) -> str:
    return "".join(w.capitalize() for w in slug.split("-"))


def _word(i: int) -> str:
    return WORDS[i % len(WORDS)]


class Plan:
    """Ids, folders and relations of a catalog of ``n`` services, computed from indexes only."""

    def __init__(self, n: int):
        if n < 1:
            raise ValueError("N must be at least 1")
        self.n = n
        self.n_systems = -(-n // SERVICES_PER_SYSTEM)
        self.n_domains = -(-self.n_systems // SYSTEMS_PER_DOMAIN)
        self.n_flows = n // SERVICES_PER_FLOW
        # messages: service s owns an event, and (odd s) a command, or every 5th odd s a query
        self.messages = []  # (index, type, id, folder name, owner service)
        self.service_messages = {}
        for s in range(n):
            own = [("event", f"{self.service_id(s)}-{VERBS[s % len(VERBS)]}")]
            if s % 2 == 1:
                if s % 10 == 5:
                    own.append(("query", f"get-{self.service_id(s)}-status"))
                else:
                    own.append(("command", f"{COMMAND_VERBS[s % len(COMMAND_VERBS)]}-{self.service_id(s)}"))
            self.service_messages[s] = []
            for mtype, mid in own:
                idx = len(self.messages)
                self.messages.append((idx, mtype, mid, _pascal(mid), s))
                self.service_messages[s].append(idx)

    # -- identities -----------------------------------------------------------------------------
    def domain_id(self, d: int) -> str:
        return f"{_word(d)}-domain-{d:04d}"

    def domain_folder(self, d: int) -> str:
        return f"domains/{_pascal(_word(d))}{d:04d}"

    def team_id(self, d: int) -> str:
        return f"{_word(d)}-team-{d:04d}"

    def user_id(self, d: int, k: int) -> str:
        return f"user-{d:04d}-{k}"

    def system_id(self, y: int) -> str:
        return f"{_word(y * 3)}-system-{y:05d}"

    def system_folder(self, y: int) -> str:
        return f"{self.domain_folder(y // SYSTEMS_PER_DOMAIN)}/systems/{self.system_id(y)}"

    def container_id(self, y: int) -> str:
        return f"{_word(y * 3)}-db-{y:05d}"

    def channel_id(self, d: int) -> str:
        return f"{_word(d)}.{d:04d}.events"

    def service_id(self, s: int) -> str:
        return f"{_word(s * 7)}-service-{s:05d}"

    def service_folder(self, s: int) -> str:
        return f"{self.system_folder(s // SERVICES_PER_SYSTEM)}/services/{_pascal(self.service_id(s))}"

    def message_folder(self, m: int) -> str:
        _, mtype, _, folder, owner = self.messages[m]
        plural = {"event": "events", "command": "commands", "query": "queries"}[mtype]
        return f"{self.service_folder(owner)}/{plural}/{folder}"

    def flow_id(self, f: int) -> str:
        return f"{_word(f * 5)}-flow-{f:04d}"

    # -- relations -------------------------------------------------------------------------------
    def event_of(self, s: int) -> int:
        return self.service_messages[s][0]

    def inbound_of(self, s: int):
        """The command/query a service receives (its own), or None."""
        own = self.service_messages[s]
        return own[1] if len(own) > 1 else None

    def message_versioned(self, m: int) -> bool:
        return m % VERSIONED_MESSAGE_EVERY == 0

    def service_versioned(self, s: int) -> bool:
        return s % VERSIONED_SERVICE_EVERY == 0


def _frontmatter(data: list) -> str:
    """YAML from (key, value) pairs, in the block style catalogs are written in."""
    out = []

    def scalar(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return str(v)
        s = str(v)
        if s == "" or any(c in s for c in ":#{}[],&*!|>'\"%@`") or s.strip() != s or s[0] in "-?":
            return "'" + s.replace("'", "''") + "'"
        return s

    def emit(value, indent: int, out: list, key: str | None):
        pad = " " * indent
        if isinstance(value, dict):
            if key is not None:
                out.append(f"{pad}{key}:")
                indent += 2
                pad = " " * indent
            for k, v in value.items():
                emit(v, indent, out, k)
        elif isinstance(value, list):
            out.append(f"{pad}{key}:")
            for item in value:
                if isinstance(item, dict):
                    first = True
                    for k, v in item.items():
                        lead = f"{pad}  - " if first else f"{pad}    "
                        if isinstance(v, (dict, list)):
                            sub: list = []
                            emit(v, 0, sub, k)
                            out.append(lead + sub[0])
                            out.extend(f"{pad}    {line}" for line in sub[1:])
                        else:
                            out.append(f"{lead}{k}: {scalar(v)}")
                        first = False
                else:
                    out.append(f"{pad}  - {scalar(item)}")
        elif isinstance(value, str) and "\n" in value:
            out.append(f"{pad}{key}: |")
            out.extend(f"{pad}  {line}" for line in value.rstrip("\n").split("\n"))
        else:
            out.append(f"{pad}{key}: {scalar(value)}")

    for k, v in data:
        emit(v, 0, out, k)
    return "---\n" + "\n".join(out) + "\n---\n"


def _pointer(rid: str, version: str | None = None) -> dict:
    return {"id": rid} if version is None else {"id": rid, "version": version}


# version references used by receivers, in turn: exact, omitted (latest), range, latest, x-range
REF_STYLES = ("1.0.0", None, "^1.0.0", "latest", "1.x")


def _schema_json(title: str, mtype: str, version: str) -> str:
    props = {
        "id": {"type": "string", "format": "uuid"},
        "occurredAt": {"type": "string", "format": "date-time"},
        "amount": {"type": "integer", "description": "Amount in minor units (e.g. cents)"},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
    }
    if version != "0.9.0":
        props["status"] = {"type": "string", "enum": ["pending", "done", "failed"]}
    return json.dumps(
        {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "title": title,
            "description": f"The {mtype} {title}, version {version}",
            "type": "object",
            "properties": props,
            "required": sorted(props),
        },
        indent=2,
    ) + "\n"


class Writer:
    def __init__(self, root: str):
        self.root = root
        self.files = 0

    def write(self, rel: str, text: str) -> None:
        path = os.path.join(self.root, *rel.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        self.files += 1


def _message_page(plan: Plan, m: int, version: str) -> str:
    _, mtype, mid, folder, owner = plan.messages[m]
    d = owner // SERVICES_PER_DOMAIN
    title = _title(mid)
    fm = [
        ("id", mid),
        ("name", title),
        ("version", version),
        ("summary", f"{mtype.capitalize()} {title}, owned by {_title(plan.service_id(owner))}.\n"),
        ("owners", [plan.team_id(d)]),
        ("badges", [{"content": "Broker:Kafka", "backgroundColor": "blue", "textColor": "blue", "icon": "BoltIcon"}]),
        ("schemaPath", "schema.json"),
    ]
    if mtype == "event":
        fm.append(("channels", [_pointer(plan.channel_id(d))]))
    body = (
        "import Footer from '@catalog/components/footer.astro';\n\n"
        "## Overview\n\n"
        f"`{folder}` version `{version}` is a {mtype} of the [[service|{plan.service_id(owner)}]]. "
        f"Consumers use it to react to changes in the {_word(owner * 7)} lifecycle.\n\n"
        '<SchemaViewer file="schema.json" title="JSON Schema" maxHeight="500" />\n\n'
        "## Architecture diagram\n\n<NodeGraph />\n\n<Footer />\n"
    )
    return _frontmatter(fm) + "\n" + body


def _service_page(plan: Plan, s: int, version: str) -> str:
    n = plan.n
    y = s // SERVICES_PER_SYSTEM
    d = s // SERVICES_PER_DOMAIN
    sid = plan.service_id(s)
    own_event = plan.event_of(s)
    # an older service version sent the older event version when there is one, else the latest
    event_version = "0.9.0" if version == "0.9.0" and plan.message_versioned(own_event) else "1.0.0"
    sends = [{"id": plan.messages[own_event][2], "version": event_version, "to": [_pointer(plan.channel_id(d))]}]
    nxt = (s + 1) % n
    nxt_cmd = plan.inbound_of(nxt)
    if nxt_cmd is not None and nxt != s:
        sends.append(_pointer(plan.messages[nxt_cmd][2], REF_STYLES[s % len(REF_STYLES)]))
    receives = []
    inbound = plan.inbound_of(s)
    if inbound is not None:
        receives.append(
            {
                "id": plan.messages[inbound][2],
                "version": "1.0.0",
                "triggers": [
                    {"id": plan.messages[own_event][2], "version": "1.0.0", "condition": "When the request is accepted"}
                ],
            }
        )
    prev = (s - 1) % n
    if prev != s:
        prev_event = plan.event_of(prev)
        ref = "0.9.0" if plan.message_versioned(prev_event) else REF_STYLES[(s // 2) % len(REF_STYLES)]
        item = _pointer(plan.messages[prev_event][2], ref)
        item["from"] = [_pointer(plan.channel_id(prev // SERVICES_PER_DOMAIN))]
        receives.append(item)
    fm = [
        ("id", sid),
        ("version", version),
        ("name", _title(sid)),
        ("summary", f"Runs the {_word(s * 7)} capability of the {_title(plan.system_id(y))}.\n"),
        ("owners", [plan.team_id(d)] + ([plan.user_id(d, s % USERS_PER_TEAM)] if s % 3 == 0 else [])),
        ("sends", sends),
    ]
    if receives:
        fm.append(("receives", receives))
    fm += [
        ("writesTo", [_pointer(plan.container_id(y))]),
        ("readsFrom", [_pointer(plan.container_id(y))]),
        ("repository", {"language": LANGUAGES[s % len(LANGUAGES)], "url": f"https://github.com/acme/{sid}"}),
        ("x-on-call", f"{plan.team_id(d)}-pager"),
    ]
    links = ", ".join(f"[[{plan.messages[m][1]}|{plan.messages[m][2]}]]" for m in plan.service_messages[s])
    body = (
        "import Footer from '@catalog/components/footer.astro';\n\n"
        "## Overview\n\n"
        f"The **{_title(sid)}** publishes {links} and keeps its state in the "
        f"[[container|{plan.container_id(y)}]].\n\n"
        "### Responsibilities\n\n"
        "| Area | Description |\n|------|-------------|\n"
        f"| Publishing | Emits [[event\\|{plan.messages[own_event][2]}]]. |\n"
        f"| Storage | Writes to [[container\\|{plan.container_id(y)}]]. |\n\n"
        "## Architecture diagram\n\n<NodeGraph />\n\n<MessageTable format=\"all\" limit={8} />\n\n<Footer />\n"
    )
    return _frontmatter(fm) + "\n" + body


RESOURCE_KINDS = (
    "domains", "systems", "services", "events", "commands", "queries", "containers", "channels", "flows", "teams", "users",
)


def generate(n: int, out_dir: str) -> dict:
    """Write the catalog; return the counts of what was written (resource type -> pages, files)."""
    plan = Plan(n)
    if os.path.exists(out_dir) and os.listdir(out_dir):
        raise SystemExit(f"{out_dir} exists and is not empty")
    w = Writer(out_dir)
    counts = {k: 0 for k in RESOURCE_KINDS}

    w.write("README.md", f"# Synthetic catalog\n\n{n} services, generated by benchmarks/generate.py.\n")
    # domains list their systems: an EventCatalog 4 catalog (3.x ignores the key; docs/eventcatalog-versions.md)
    w.write("package.json", '{"type": "module", "dependencies": {"@eventcatalog/core": "^4.0.0"}}\n')
    for d in range(plan.n_domains):
        _write_domain(w, plan, d, counts)
    for y in range(plan.n_systems):
        _write_system(w, plan, y, counts)
    for s in range(n):
        _write_service(w, plan, s, counts)
    for f in range(plan.n_flows):
        _write_flow(w, plan, f, counts)
    counts["files"] = w.files
    return counts


def _write_domain(w: Writer, plan: Plan, d: int, counts: dict, flow_ids: list | None = None) -> None:
    """A domain's team, its users, its page and its channel (``flow_ids``: the domain's flows, by
    default the flows of the default shape)."""
    dom, team = plan.domain_id(d), plan.team_id(d)
    users = [plan.user_id(d, k) for k in range(USERS_PER_TEAM)]
    for k, uid in enumerate(users):
        w.write(
            f"users/{uid}.mdx",
            _frontmatter([
                ("id", uid), ("name", f"User {d:04d}-{k}"), ("role", "Engineer" if k else "Tech lead"),
                ("email", f"{uid}@acme.test"), ("associatedTeams", [team]),
            ])
            + f"\nEngineer in the [[team|{team}]] team.\n",
        )
        counts["users"] += 1
    w.write(
        f"teams/{team}.mdx",
        _frontmatter([
            ("id", team), ("name", _title(team)),
            ("summary", f"Owns the {_title(dom)} domain."), ("members", users),
            ("email", f"{team}@acme.test"), ("slackDirectMessageUrl", f"https://acme.slack.com/channels/{team}"),
        ])
        + f"\n## Overview\n\nThe team owns the [[domain|{dom}]] domain and its systems.\n",
    )
    counts["teams"] += 1
    systems = [y for y in range(d * SYSTEMS_PER_DOMAIN, min((d + 1) * SYSTEMS_PER_DOMAIN, plan.n_systems))]
    if flow_ids is None:
        flow_ids = [plan.flow_id(f) for f in range(plan.n_flows) if (f * SERVICES_PER_FLOW) // SERVICES_PER_DOMAIN == d]
    fm = [
        ("id", dom), ("name", _title(dom)), ("version", "1.0.0"),
        ("summary", f"The {_title(dom)} turns {_word(d)} requests into completed work.\n"),
        ("owners", [team]),
        ("systems", [_pointer(plan.system_id(y), "1.0.0") for y in systems]),
    ]
    if flow_ids:
        fm.append(("flows", [_pointer(fid) for fid in flow_ids]))
    badge = {"content": "Core domain", "backgroundColor": "blue", "textColor": "blue", "icon": "RectangleGroupIcon"}
    fm.append(("badges", [badge]))
    w.write(
        f"{plan.domain_folder(d)}/index.mdx",
        _frontmatter(fm)
        + "\n## Overview\n\n"
        + f"The **{_title(dom)}** domain has {len(systems)} systems.\n\n<ContextDiagram />\n\n"
        + "## Resource Diagram\n\n<NodeGraph />\n",
    )
    counts["domains"] += 1
    chan = plan.channel_id(d)
    w.write(
        f"channels/{chan}/index.mdx",
        _frontmatter([
            ("id", chan), ("name", f"{_title(_word(d))} {d:04d} events"), ("version", "1.0.0"),
            ("summary", f"Kafka topic carrying the events of the {_title(dom)} domain.\n"),
            ("owners", [team]), ("address", f"{_word(d)}.{d:04d}.events"), ("protocols", ["kafka"]),
            ("deliveryGuarantee", "at-least-once"),
        ])
        + f"\n## Overview\n\nEvents of the [[domain|{dom}]] domain.\n\n<ChannelInformation />\n",
    )
    counts["channels"] += 1


def _write_system(w: Writer, plan: Plan, y: int, counts: dict) -> None:
    """A system's page and its container (page and schema.sql)."""
    n = plan.n
    d = y // SYSTEMS_PER_DOMAIN
    services = range(y * SERVICES_PER_SYSTEM, min((y + 1) * SERVICES_PER_SYSTEM, n))
    sysid, db = plan.system_id(y), plan.container_id(y)
    rel = [{"id": plan.system_id(y - 1), "label": "depends on"}] if y % SYSTEMS_PER_DOMAIN else []
    fm = [
        ("id", sysid), ("name", _title(sysid)), ("version", "1.0.0"),
        ("summary", f"Internal system of the {_title(plan.domain_id(d))} domain.\n"),
        ("owners", [plan.team_id(d)]),
        ("services", [_pointer(plan.service_id(s)) for s in services]),
        ("containers", [_pointer(db)]),
    ]
    if rel:
        fm.append(("relationships", rel))
    w.write(
        f"{plan.system_folder(y)}/index.mdx",
        _frontmatter(fm)
        + "\n## Overview\n\n"
        + f"The **{_title(sysid)}** keeps its data in the [[container|{db}]].\n\n<NodeGraph />\n",
    )
    counts["systems"] += 1
    cfolder = f"{plan.system_folder(y)}/containers/{db}"
    w.write(
        f"{cfolder}/index.mdx",
        _frontmatter([
            ("id", db), ("name", _title(db)), ("version", "1.0.0"),
            ("summary", f"PostgreSQL database of the {_title(sysid)}."),
            ("owners", [plan.team_id(d)]), ("container_type", "database"), ("technology", "postgres@16"),
            ("authoritative", True), ("access_mode", "readWrite"), ("classification", "internal"),
            ("retention", "3y"), ("residency", "eu-west-1"),
        ])
        + "\n<NodeGraph />\n\n### Schema\n\n<Schema file=\"schema.sql\" lang=\"sql\" title=\"schema.sql\" />\n",
    )
    w.write(f"{cfolder}/schema.sql", f"CREATE TABLE {_word(y * 3)}_{y} (id uuid PRIMARY KEY, payload jsonb NOT NULL);\n")
    counts["containers"] += 1


def _write_service(w: Writer, plan: Plan, s: int, counts: dict) -> None:
    """A service's page (and its older version), and the pages and schemas of the messages it owns."""
    folder = plan.service_folder(s)
    w.write(f"{folder}/index.mdx", _service_page(plan, s, "1.0.0"))
    counts["services"] += 1
    if plan.service_versioned(s):
        w.write(f"{folder}/versioned/0.9.0/index.mdx", _service_page(plan, s, "0.9.0"))
        counts["services"] += 1
    for m in plan.service_messages[s]:
        mfolder = plan.message_folder(m)
        _, mtype, mid, title, _owner = plan.messages[m]
        w.write(f"{mfolder}/index.mdx", _message_page(plan, m, "1.0.0"))
        w.write(f"{mfolder}/schema.json", _schema_json(title, mtype, "1.0.0"))
        counts[{"event": "events", "command": "commands", "query": "queries"}[mtype]] += 1
        if plan.message_versioned(m):
            w.write(f"{mfolder}/versioned/0.9.0/index.mdx", _message_page(plan, m, "0.9.0"))
            w.write(f"{mfolder}/versioned/0.9.0/schema.json", _schema_json(title, mtype, "0.9.0"))
            counts[{"event": "events", "command": "commands", "query": "queries"}[mtype]] += 1


def _write_flow(w: Writer, plan: Plan, f: int, counts: dict) -> None:
    """A flow from one service through its event to the next service, with a compensation branch."""
    n = plan.n
    a = f * SERVICES_PER_FLOW
    b = a + 1 if a + 1 < n else a
    d = a // SERVICES_PER_DOMAIN
    ev_a, ev_b = plan.messages[plan.event_of(a)][2], plan.messages[plan.event_of(b)][2]
    steps = [
        {
            "id": "start", "title": "Customer request", "actor": {"name": "Customer"},
            "next_step": {"id": "first_service", "label": "Sends request"},
        },
        {
            "id": "first_service", "title": _title(plan.service_id(a)), "service": _pointer(plan.service_id(a), "1.0.0"),
            "next_step": "first_event",
        },
        {"id": "first_event", "title": _title(ev_a), "message": _pointer(ev_a, "1.0.0"), "next_step": "second_service"},
        {
            "id": "second_service", "title": _title(plan.service_id(b)), "service": _pointer(plan.service_id(b)),
            "next_steps": [{"id": "second_event", "label": "Accepted"}, {"id": "compensate", "label": "Rejected"}],
        },
        {"id": "second_event", "title": _title(ev_b), "message": _pointer(ev_b, "1.0.0")},
        {
            "id": "compensate", "title": "Undo the first step",
            "custom": {"title": "Compensation", "icon": "ArrowUturnLeftIcon"},
        },
    ]
    fid = plan.flow_id(f)
    w.write(
        f"{plan.domain_folder(d)}/flows/{_pascal(fid)}/index.mdx",
        _frontmatter([
            ("id", fid), ("name", _title(fid)), ("version", "1.0.0"),
            ("summary", f"How a request travels from {_title(plan.service_id(a))} to {_title(plan.service_id(b))}.\n"),
            ("owners", [plan.team_id(d)]), ("steps", steps),
        ])
        + "\n## Overview\n\nThe happy path and its compensation.\n\n<NodeGraph />\n",
    )
    counts["flows"] += 1


# -- the saga-dense shape (#17) ------------------------------------------------------------------

SAGA_SIZE = 5  # an orchestrator and 4 participants
SAGA_STEPS = SAGA_SIZE - 1
SAGA_RETRY = {"maxAttempts": 3, "initialInterval": "200ms", "backoffCoefficient": 2.0, "maxInterval": "1s", "timeout": "2s"}
SAGA_COMP_RETRY = {"maxAttempts": 5, "initialInterval": "500ms", "backoffCoefficient": 2.0, "maxInterval": "4s", "timeout": "3s"}


class SagaPlan:
    """Ids and folders of a saga-dense catalog: services in groups of 5 (an orchestrator, then 4
    participants), one saga per group; services past the last full group are plain services."""

    def __init__(self, n: int):
        if n < 1:
            raise ValueError("N must be at least 1")
        self.base = Plan(n)  # identities of domains, systems, teams, users and services
        self.n = n
        self.n_sagas = n // SAGA_SIZE

    def group(self, s: int) -> int | None:
        g = s // SAGA_SIZE
        return g if g < self.n_sagas else None

    def word(self, g: int, k: int) -> str:
        return f"{_word(g * 3 + k)}-{g:05d}-s{k}"

    def messages(self, g: int, k: int) -> dict:
        """The 4 messages of step k (1..4) of saga g, all owned by the participant."""
        w = self.word(g, k)
        return {"command": f"process-{w}", "compensation": f"undo-{w}", "ok": f"{w}-done", "failed": f"{w}-rejected"}

    def saga_id(self, g: int) -> str:
        return f"{_word(g)}-saga-{g:05d}"


def _saga_schema(title: str, mtype: str) -> str:
    props = {
        "sagaId": {"type": "string", "format": "uuid", "description": "The saga instance (correlation key)"},
        "occurredAt": {"type": "string", "format": "date-time"},
        "amount": {"type": "integer", "description": "Amount in minor units (e.g. cents)"},
        "reason": {"type": "string"},
    }
    return json.dumps(
        {
            "$schema": "http://json-schema.org/draft-07/schema#", "title": title,
            "description": f"The {mtype} {title}", "type": "object", "properties": props,
            "required": ["occurredAt", "sagaId"],
        },
        indent=2,
    ) + "\n"


def _saga_message_page(sp: SagaPlan, mid: str, mtype: str, owner: int) -> str:
    d = owner // SERVICES_PER_DOMAIN
    title = _title(mid)
    fm = [
        ("id", mid), ("name", title), ("version", "1.0.0"),
        ("summary", f"{mtype.capitalize()} {title}, owned by {_title(sp.base.service_id(owner))}.\n"),
        ("owners", [sp.base.team_id(d)]), ("schemaPath", "schema.json"),
    ]
    body = (
        "## Overview\n\n"
        f"A {mtype} of the [[service|{sp.base.service_id(owner)}]] in a saga.\n\n"
        '<SchemaViewer file="schema.json" title="JSON Schema" maxHeight="500" />\n'
    )
    return _frontmatter(fm) + "\n" + body


def _saga_service_page(sp: SagaPlan, s: int) -> str:
    """An orchestrator (sends the commands, receives the replies), a participant (receives its
    command and compensation, sends its ok and failed events) or a plain service."""
    plan = sp.base
    y, d = s // SERVICES_PER_SYSTEM, s // SERVICES_PER_DOMAIN
    sid = plan.service_id(s)
    g = sp.group(s)
    fm = [
        ("id", sid), ("version", "1.0.0"), ("name", _title(sid)),
        ("summary", f"Runs the {_word(s * 7)} capability of the {_title(plan.system_id(y))}.\n"),
        ("owners", [plan.team_id(d)] + ([plan.user_id(d, s % USERS_PER_TEAM)] if s % 3 == 0 else [])),
    ]
    role = "a service"
    if g is not None and s % SAGA_SIZE == 0:
        steps = [sp.messages(g, k) for k in range(1, SAGA_STEPS + 1)]
        fm.append(("sends", [_pointer(m[key], "1.0.0") for key in ("command", "compensation") for m in steps]))
        fm.append(("receives", [_pointer(m[key], "1.0.0") for key in ("ok", "failed") for m in steps]))
        fm.append(("flows", [_pointer(sp.saga_id(g), "1.0.0")]))
        role = f"the orchestrator of the [[flow|{sp.saga_id(g)}]]"
    elif g is not None:
        m = sp.messages(g, s % SAGA_SIZE)
        fm.append(("sends", [_pointer(m["ok"], "1.0.0"), _pointer(m["failed"], "1.0.0")]))
        receives = [
            {"id": m["command"], "version": "1.0.0", "triggers": [
                {"id": m["ok"], "version": "1.0.0", "condition": "When the step succeeds"},
                {"id": m["failed"], "version": "1.0.0", "condition": "When the step is rejected"},
            ]},
            _pointer(m["compensation"], "1.0.0"),
        ]
        fm.append(("receives", receives))
        role = f"a participant of the [[flow|{sp.saga_id(g)}]]"
    fm += [
        ("writesTo", [_pointer(plan.container_id(y))]),
        ("repository", {"language": LANGUAGES[s % len(LANGUAGES)], "url": f"https://github.com/acme/{sid}"}),
    ]
    body = f"## Overview\n\nThe **{_title(sid)}** is {role}; it keeps its state in the [[container|{plan.container_id(y)}]].\n"
    return _frontmatter(fm) + "\n" + body


def _saga_flow_steps(sp: SagaPlan, g: int) -> list:
    """The flow map: the customer, the orchestrator, the 4 step commands, the outcome, the compensation."""
    orch = sp.base.service_id(g * SAGA_SIZE)
    steps: list = [
        {"id": "start", "title": "Customer request", "actor": {"name": "Customer"},
         "next_step": {"id": "orchestrator", "label": "Starts the saga"}},
        {"id": "orchestrator", "title": _title(orch), "service": _pointer(orch, "1.0.0"),
         "next_step": {"id": "step_1", "label": "Step 1"}},
    ]
    for k in range(1, SAGA_STEPS + 1):
        m = sp.messages(g, k)
        nxt = f"step_{k + 1}" if k < SAGA_STEPS else "saga_complete"
        steps.append({
            "id": f"step_{k}", "title": _title(m["command"]), "message": _pointer(m["command"], "1.0.0"),
            "next_steps": [{"id": nxt, "label": "Done"}, {"id": "compensate", "label": "Rejected"}],
        })
    steps += [
        {"id": "saga_complete", "title": "Saga complete", "custom": {
            "title": "Completed", "color": "green", "icon": "CheckCircleIcon", "type": "Outcome",
            "summary": "Every step succeeded. The customer sees COMPLETED.", "properties": {"status": "COMPLETED"}}},
        {"id": "compensate", "title": "Compensate", "custom": {
            "title": "Compensate and abort", "color": "red", "icon": "ArrowUturnLeftIcon", "type": "Compensation",
            "summary": "A step failed for good. The orchestrator undoes the completed steps, newest first."},
         "next_steps": [{"id": "aborted", "label": "Compensated"},
                        {"id": "compensation_failed", "label": "Compensation failed"}]},
        {"id": "aborted", "title": "Aborted", "custom": {
            "title": "Aborted", "color": "orange", "icon": "XCircleIcon", "type": "Exception",
            "summary": "Everything done so far was undone. The customer sees REJECTED or FAILED.",
            "properties": {"status": "REJECTED or FAILED"}}},
        {"id": "compensation_failed", "title": "Compensation failed", "custom": {
            "title": "Needs attention", "color": "red", "icon": "ExclamationTriangleIcon", "type": "Exception",
            "summary": "A compensation still failed after all its retries. The customer sees NEEDS_ATTENTION.",
            "properties": {"status": "NEEDS_ATTENTION"}}},
    ]
    return steps


def _saga_block(sp: SagaPlan, g: int) -> dict:
    """The x-saga block: steps 1-3 compensatable, step 4 the pivot whose ok event is the outcome."""
    plan = sp.base
    orch = g * SAGA_SIZE
    steps = {}
    for k in range(1, SAGA_STEPS + 1):
        m = sp.messages(g, k)
        block = {
            "type": "compensatable" if k < SAGA_STEPS else "pivot",
            "success": m["ok"],
            "failures": [{"event": m["failed"], "status": "REJECTED"}, {"error": "timeout", "status": "FAILED"}],
            "retry": dict(SAGA_RETRY),
        }
        if k < SAGA_STEPS:
            block["compensation"] = {"command": m["compensation"], "idempotent": True, "retry": dict(SAGA_COMP_RETRY)}
        else:
            block["compensation"] = "none"
            block["compensationNote"] = "the pivot; once it committed the saga only moves forward"
        block["status"] = "PROCESSING"
        steps[f"step_{k}"] = block
    return {
        "orchestrator": plan.service_id(orch),
        "implementation": [f"services/{plan.service_id(orch)}/src/**"],
        "deadline": "2m",
        "correlation": "sagaId",
        "outcome": {"container": plan.container_id((orch + SAGA_STEPS) // SERVICES_PER_SYSTEM),
                    "event": sp.messages(g, SAGA_STEPS)["ok"]},
        "statuses": {
            "PROCESSING": {"text": "We're working on your request", "terminal": False, "timeout": "2m"},
            "COMPLETED": {"text": "Your request is complete", "terminal": True},
            "REJECTED": {"text": "Your request was rejected. Nothing was charged.", "terminal": True},
            "FAILED": {"text": "We couldn't complete your request. Nothing was charged.", "terminal": True},
            "NEEDS_ATTENTION": {"text": "We're looking into a problem with your request", "terminal": True},
        },
        "onSuccess": {"status": "COMPLETED"},
        "onCompensationFailure": {"status": "NEEDS_ATTENTION"},
        "steps": steps,
    }


def _write_saga_service(w: Writer, sp: SagaPlan, s: int, counts: dict) -> None:
    """A saga-dense service page, and for a participant its 4 messages with their schemas."""
    folder = sp.base.service_folder(s)
    w.write(f"{folder}/index.mdx", _saga_service_page(sp, s))
    counts["services"] += 1
    g = sp.group(s)
    if g is None or s % SAGA_SIZE == 0:
        return
    m = sp.messages(g, s % SAGA_SIZE)
    for key, mtype in (("command", "command"), ("compensation", "command"), ("ok", "event"), ("failed", "event")):
        mfolder = f"{folder}/{mtype}s/{_pascal(m[key])}"
        w.write(f"{mfolder}/index.mdx", _saga_message_page(sp, m[key], mtype, s))
        w.write(f"{mfolder}/schema.json", _saga_schema(_title(m[key]), mtype))
        counts[mtype + "s"] += 1


def _write_saga_flow(w: Writer, sp: SagaPlan, g: int, counts: dict) -> None:
    plan = sp.base
    orch = g * SAGA_SIZE
    d = orch // SERVICES_PER_DOMAIN
    fid = sp.saga_id(g)
    w.write(
        f"{plan.domain_folder(d)}/flows/{_pascal(fid)}/index.mdx",
        _frontmatter([
            ("id", fid), ("name", _title(fid)), ("version", "1.0.0"),
            ("summary", f"The saga that {_title(plan.service_id(orch))} runs over four participants.\n"),
            ("owners", [plan.team_id(d)]), ("steps", _saga_flow_steps(sp, g)), ("x-saga", _saga_block(sp, g)),
        ])
        + "\n## Overview\n\nFour steps, each undone when a later one fails; the fourth is the pivot.\n\n<NodeGraph />\n",
    )
    counts["flows"] += 1


def generate_saga_dense(n: int, out_dir: str) -> dict:
    """Write a saga-dense catalog of n services; return the counts of what was written."""
    sp = SagaPlan(n)
    plan = sp.base
    if os.path.exists(out_dir) and os.listdir(out_dir):
        raise SystemExit(f"{out_dir} exists and is not empty")
    w = Writer(out_dir)
    counts = {k: 0 for k in RESOURCE_KINDS}
    w.write("README.md", f"# Synthetic catalog\n\n{n} services in sagas, generated by benchmarks/generate.py.\n")
    # domains list their systems: an EventCatalog 4 catalog, as the default shape
    w.write("package.json", '{"type": "module", "dependencies": {"@eventcatalog/core": "^4.0.0"}}\n')
    for d in range(plan.n_domains):
        flow_ids = [sp.saga_id(g) for g in range(sp.n_sagas) if (g * SAGA_SIZE) // SERVICES_PER_DOMAIN == d]
        _write_domain(w, plan, d, counts, flow_ids)
    for y in range(plan.n_systems):
        _write_system(w, plan, y, counts)
    for s in range(n):
        _write_saga_service(w, sp, s, counts)
    for g in range(sp.n_sagas):
        _write_saga_flow(w, sp, g, counts)
    counts["files"] = w.files
    return counts


SHAPES = {"default": generate, "saga-dense": generate_saga_dense}


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python benchmarks/generate.py",
                                     description="Write a synthetic EventCatalog catalog of N services to OUT_DIR.")
    parser.add_argument("n", type=int, metavar="N", help="number of services")
    parser.add_argument("out_dir", metavar="OUT_DIR", help="folder to write (created)")
    parser.add_argument("--shape", choices=SHAPES, default="default",
                        help="default: a flow every 20 services, no x-saga; saga-dense: one declared saga per 5 services")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    counts = SHAPES[args.shape](args.n, args.out_dir)
    print(json.dumps(counts, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
