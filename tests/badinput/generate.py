"""Hypothesis strategies for whole random catalogs, and a runner that lints one.

A generated catalog is a dict ``{relative path: bytes | ("symlink", target)}``: pages whose
frontmatter is a random tree or a near-valid EventCatalog resource (references, flow steps with
``next_step`` graphs, ``x-saga`` blocks, schema paths), random text and random bytes; JSON schemas
with ``$ref`` to local pointers, sibling files, URLs and paths out of the catalog; symlinks to
siblings, to themselves, to the parent folder and to ``/dev/zero``. Paths never contain ``..``:
everything is written inside the temporary catalog folder.

Used by tests/test_fuzz.py (a bounded run in CI) and scripts/fuzz_check.py (long runs by hand).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import yaml
from hypothesis import strategies as st

IDS = ["a", "b", "orders", "pay", "reserve", "é-ü", "x" * 40, "", "1", "a b"]
VERSIONS = ["1.0.0", "2.0.0", "0.1.0", "latest", "^1.0.0", "~1.2.0", "1.x", ">=1.0.0 <2.0.0", "1", "v2", "*", "1.0.0.0", "not a version", ""]
STEP_IDS = ["s1", "s2", "s3", "s4", "s5"]
DURATIONS = ["200ms", "2s", "5m", "1h", "0s", "-1s", "soon", "99999999h", ""]
SCHEMA_PATHS = [
    "schema.json", "other.json", "./schema.json", "sub/schema.json", "missing.json", "schema.avsc", "openapi.yml",
    "../schema.json", "../../../../etc/passwd", "/etc/passwd", "file:///etc/passwd", "http://127.0.0.1:1/s.json",
    "C:\\x.json", "", "link.json", "loop.json", "zero.json",
]
REFS = [
    "#", "#/$defs/a", "#/$defs/b", "#/properties/x", "#/items/0", "#/$defs/nope", "#anchor", "#/$defs/a/../b",
    "other.json", "other.json#/$defs/a", "schema.json", "../A/schema.json", "sub/schema.json", "%2e%2e/%2e%2e/x.json",
    "http://127.0.0.1:1/x.json", "https://example.invalid/s.json#/a", "file:///etc/passwd", "//127.0.0.1:1/x",
    "urn:x:y", "", "link.json", "zero.json",
]
KEYS = [
    "id", "name", "version", "summary", "owners", "sends", "receives", "steps", "schemaPath", "schemas",
    "specifications", "x-saga", "x-saga-lint", "deprecated", "badges", "services", "domains", "entities",
    "next_step", "next_steps", "message", "members", "channels", "to", "from", "type", "label", "title",
]
COLLECTIONS = [
    "events", "commands", "queries", "services", "flows", "domains", "channels", "containers", "entities",
    "domains/D/services", "domains/D/subdomains/S", "systems/Sys/services", "services/Svc/events",
    "services/Svc/commands", "domains/D/flows", "docs", "docs/guides", "teams", "users", "adrs", "diagrams",
]
FOLDERS = ["A", "B", "Orders", "Ä", "a b", "x" * 30, ".hidden", "node_modules", "-dash", "\udcff\udcfe", "esc\x1b[2Jx", "new\nline"]
FILE_NAMES = ["index.mdx", "index.md", "schema.json", "other.json", "changelog.mdx", "openapi.yml", "page.mdx", "README.md"]

# text with control characters, escapes, markup and odd Unicode (no lone surrogates: not encodable)
weird_text = st.lists(
    st.one_of(
        st.characters(blacklist_categories=("Cs",), max_codepoint=0x2FF),
        st.sampled_from(["\x1b[31m", "\x1b]8;;http://x\x07", "\x07", "\x00", "\u202e", "\ufeff", "<script>", "**", "|", "`", "\r", "\n", "\t", "---", "[[", "]]", "{", "}", "&a", "*a", "!!", ": ", "\ud800", "\udcff"]),
    ),
    max_size=12,
).map("".join)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(IDS),
    st.sampled_from(VERSIONS),
    weird_text,
)
trees = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.one_of(st.sampled_from(KEYS), weird_text), children, max_size=4),
    max_leaves=10,
)


def maybe(strategy):
    """Mostly the well-formed value, sometimes any tree (wrong types everywhere)."""
    return st.one_of(strategy, strategy, strategy, trees)


ids = st.sampled_from(IDS)
pointers = maybe(
    st.one_of(
        ids,
        st.fixed_dictionaries(
            {"id": maybe(ids)},
            optional={
                "version": maybe(st.sampled_from(VERSIONS)),
                "to": st.lists(st.fixed_dictionaries({"id": ids}), max_size=2),
                "from": st.lists(st.fixed_dictionaries({"id": ids}), max_size=2),
                "triggers": st.lists(st.fixed_dictionaries({"id": ids}), max_size=2),
            },
        ),
    )
)
step_refs = st.one_of(
    st.sampled_from(STEP_IDS), st.fixed_dictionaries({"id": st.sampled_from(STEP_IDS)}, optional={"label": weird_text})
)
steps = st.fixed_dictionaries(
    {"id": maybe(st.sampled_from(STEP_IDS))},
    optional={
        "title": weird_text,
        "next_step": maybe(step_refs),
        "next_steps": maybe(st.lists(step_refs, max_size=3)),
        "message": pointers,
        "service": pointers,
        "flow": pointers,
        "actor": st.fixed_dictionaries({"name": weird_text}),
        "custom": st.fixed_dictionaries({}, optional={"type": st.sampled_from(["Compensation", "Outcome", "x"]), "title": weird_text}),
        "type": st.sampled_from(["node", "custom", "x"]),
    },
)
retry = maybe(
    st.fixed_dictionaries(
        {},
        optional={
            "maxAttempts": maybe(st.integers(-2, 10**12)),
            "initialInterval": st.sampled_from(DURATIONS),
            "backoffCoefficient": maybe(st.floats(-1, 1e300)),
            "maxInterval": st.sampled_from(DURATIONS),
            "timeout": st.sampled_from(DURATIONS),
        },
    )
)
STATUSES = ["PROCESSING", "CONFIRMED", "FAILED", "X"]
saga_steps = st.fixed_dictionaries(
    {},
    optional={
        "type": maybe(st.sampled_from(["compensatable", "pivot", "retriable", "read-only", "x"])),
        "owner": maybe(ids),
        "success": maybe(ids),
        "failures": maybe(
            st.lists(
                st.fixed_dictionaries({}, optional={"event": ids, "error": st.sampled_from(["timeout", "error", "x"]), "status": st.sampled_from(STATUSES)}),
                max_size=3,
            )
        ),
        "retry": retry,
        "compensation": maybe(st.one_of(st.just("none"), st.fixed_dictionaries({"command": ids}, optional={"retry": retry}))),
        "compensationNote": weird_text,
        "status": maybe(st.sampled_from(STATUSES)),
    },
)
x_saga = maybe(
    st.fixed_dictionaries(
        {},
        optional={
            "orchestrator": maybe(ids),
            "deadline": st.sampled_from(DURATIONS),
            "implementation": st.lists(weird_text, max_size=2),
            "outcome": maybe(st.fixed_dictionaries({}, optional={"container": ids, "event": ids})),
            "statuses": maybe(
                st.dictionaries(
                    st.sampled_from(STATUSES),
                    maybe(st.fixed_dictionaries({}, optional={"text": weird_text, "terminal": st.booleans(), "timeout": st.sampled_from(DURATIONS)})),
                    max_size=4,
                )
            ),
            "onSuccess": maybe(st.fixed_dictionaries({"status": st.sampled_from(STATUSES)})),
            "onCompensationFailure": maybe(st.fixed_dictionaries({"status": st.sampled_from(STATUSES)})),
            "steps": maybe(st.dictionaries(st.sampled_from(STEP_IDS), saga_steps, max_size=4)),
        },
    )
)
frontmatter = st.fixed_dictionaries(
    {},
    optional={
        "id": maybe(ids),
        "name": maybe(weird_text),
        "version": maybe(st.sampled_from(VERSIONS)),
        "summary": maybe(weird_text),
        "owners": maybe(st.lists(maybe(ids), max_size=3)),
        "sends": maybe(st.lists(pointers, max_size=3)),
        "receives": maybe(st.lists(pointers, max_size=3)),
        "services": maybe(st.lists(pointers, max_size=2)),
        "steps": maybe(st.lists(steps, max_size=6)),
        "schemaPath": maybe(st.sampled_from(SCHEMA_PATHS)),
        "schemas": maybe(st.lists(st.fixed_dictionaries({}, optional={"id": ids, "path": st.sampled_from(SCHEMA_PATHS), "default": st.booleans()}), max_size=2)),
        "specifications": maybe(
            st.one_of(
                st.fixed_dictionaries({}, optional={"openapiPath": st.sampled_from(SCHEMA_PATHS), "asyncapiPath": st.sampled_from(SCHEMA_PATHS)}),
                st.lists(st.fixed_dictionaries({"type": st.sampled_from(["openapi", "asyncapi"]), "path": st.sampled_from(SCHEMA_PATHS)}), max_size=2),
            )
        ),
        "x-saga": x_saga,
        "x-saga-lint": maybe(st.fixed_dictionaries({"ignore": st.lists(st.sampled_from(["*", "saga/*", "refs/resource-exists", ""]), max_size=2)})),
        "deprecated": maybe(st.booleans()),
        "container_type": st.sampled_from(["database", "cache", "x"]),
    },
)
BODY_LINES = [
    "## Saga steps", "| Step | Command | Owner | Retry | Customer status |", "|---|---|---|---|---|",
    "| s1 | [[command|a]] | team | 3x | PROCESSING |", "## Success condition", "## Compensation",
    "[[event|a@1.0.0]] and [[container|b]]", '<SchemaViewer file="schema.json" />', '<SchemaViewer file="../../../etc/passwd" />',
    '<Schema file="/etc/passwd"/>', '<Flow id="a" />', "```", "    indented code", "[[", "<", "> quote", "- item",
]
bodies = st.lists(st.one_of(st.sampled_from(BODY_LINES), weird_text), max_size=8).map("\n".join)


def _dump(fm) -> str:
    try:
        return yaml.safe_dump(fm, allow_unicode=True, sort_keys=False)
    except Exception:  # e.g. something safe_dump refuses: fall back to JSON, which YAML reads
        return json.dumps(fm, default=str)


page_texts = st.one_of(
    st.builds(lambda fm, body: ("---\n" + _dump(fm) + "---\n" + body).encode("utf-8", "surrogatepass"), frontmatter, bodies),
    st.builds(lambda fm, body: ("---\n" + _dump(fm) + "---\n" + body).encode("utf-8", "surrogatepass"), trees, bodies),
    st.builds(lambda t: ("---\n" + t + "\n---\n").encode("utf-8", "surrogatepass"), weird_text),
)
page_texts = st.one_of(page_texts, page_texts, page_texts, st.binary(max_size=64))
schema_trees = st.recursive(
    st.one_of(st.booleans(), st.fixed_dictionaries({"type": st.sampled_from(["string", "object", "array", 5, "x"])}), st.fixed_dictionaries({"$ref": st.sampled_from(REFS)})),
    lambda children: st.one_of(
        st.fixed_dictionaries({}, optional={"properties": st.dictionaries(st.sampled_from(["x", "y", "$ref"]), children, max_size=3), "$defs": st.dictionaries(st.sampled_from(["a", "b"]), children, max_size=2), "items": children, "allOf": st.lists(children, max_size=2), "anyOf": st.lists(children, max_size=2), "not": children, "$ref": st.sampled_from(REFS), "$id": st.sampled_from(["", "sub/", "http://example.invalid/x.json", 5, "#anchor"]), "$anchor": st.sampled_from(["anchor", "", 3]), "required": trees}),
        st.lists(children, max_size=3),
    ),
    max_leaves=12,
)
json_texts = st.one_of(
    schema_trees.map(lambda t: json.dumps(t).encode()),
    schema_trees.map(lambda t: json.dumps(t).encode()[:-1]),  # truncated
    st.binary(max_size=64),
    st.integers(1, 3000).map(lambda n: ("[" * n + "]" * n).encode()),
)
SYMLINK_TARGETS = ["schema.json", "link.json", "loop.json", "..", "/dev/zero", "/etc/hostname", "index.mdx", "../.."]


@st.composite
def random_catalogs(draw) -> dict:
    files: dict = {}
    n = draw(st.integers(1, 8))
    for _ in range(n):
        coll = draw(st.sampled_from(COLLECTIONS))
        if coll in ("teams", "users"):
            rel = f"{coll}/{draw(st.sampled_from(FOLDERS))}.mdx"
            files[rel] = draw(page_texts)
            continue
        folder = f"{coll}/{draw(st.sampled_from(FOLDERS))}"
        if draw(st.integers(0, 4)) == 0:
            folder += f"/versioned/{draw(st.sampled_from(['0.1.0', '1.0.0', 'x']))}"
        files[f"{folder}/index.mdx"] = draw(page_texts)
        if draw(st.integers(0, 2)) == 0:
            files[f"{folder}/schema.json"] = draw(json_texts)
        for _ in range(draw(st.integers(0, 2))):
            name = draw(st.sampled_from(FILE_NAMES + ["sub/schema.json"]))
            rel = f"{folder}/{name}"
            files[rel] = draw(json_texts) if name.endswith(".json") else draw(page_texts)
        if draw(st.integers(0, 5)) == 0:
            files[f"{folder}/{draw(st.sampled_from(['link.json', 'loop.json', 'zero.json', 'dir']))}"] = ("symlink", draw(st.sampled_from(SYMLINK_TARGETS)))
    if draw(st.booleans()):
        files["eventcatalog.config.js"] = draw(st.sampled_from([b"export default { dependencies: { events: [{ id: 'a' }] } }", b"dependencies: {events: [", b"\xff\xfe"]))
    return files


# -- mutations of the project's own catalog (a fully annotated saga): reach the deep rules ----------

OUR_CATALOG = Path(__file__).resolve().parents[2] / "catalog"
_BASE_FILES: dict | None = None


def base_files() -> dict:
    """The project's example catalog as ``{relative path: bytes}`` (empty if it is not there)."""
    global _BASE_FILES
    if _BASE_FILES is None:
        out = {}
        if OUR_CATALOG.is_dir():
            for p in sorted(OUR_CATALOG.rglob("*")):
                if p.is_file() and not p.is_symlink() and p.stat().st_size < 200_000:
                    out[p.relative_to(OUR_CATALOG).as_posix()] = p.read_bytes()
        _BASE_FILES = out
    return _BASE_FILES


def _split_page(raw: bytes):
    text = raw.decode("utf-8", "replace")
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---\n", 4)
    if end < 0:
        return None
    try:
        data = yaml.safe_load(text[4 : end + 1])
    except yaml.YAMLError:
        return None
    return (data, text[end + 5 :]) if isinstance(data, dict) else None


def _paths(tree, prefix=(), out=None, limit=400):
    """Every key path in a frontmatter tree (bounded)."""
    out = [] if out is None else out
    if len(out) >= limit:
        return out
    if isinstance(tree, dict):
        for k, v in tree.items():
            out.append(prefix + (k,))
            _paths(v, prefix + (k,), out, limit)
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            out.append(prefix + (i,))
            _paths(v, prefix + (i,), out, limit)
    return out


def _ids_in(files: dict) -> list:
    ids = set()
    for raw in files.values():
        split = _split_page(raw)
        if split and isinstance(split[0].get("id"), str):
            ids.add(split[0]["id"])
    return sorted(ids) or IDS


MUTATIONS = ["delete", "replace", "retarget", "duplicate-key-value", "bytes", "truncate", "body", "copy-page", "drop-file"]


@st.composite
def mutated_catalogs(draw) -> dict:
    files = dict(base_files())
    if not files:
        return draw(random_catalogs())
    ids = _ids_in(files)
    names = sorted(files)
    sagas = [k for k in names if b"x-saga:" in files[k]]  # half of the mutations go to the saga
    for _ in range(draw(st.integers(1, 4))):
        rel = draw(st.sampled_from(sagas if sagas and draw(st.booleans()) else names))
        if rel not in files:
            continue
        how = draw(st.sampled_from(MUTATIONS))
        raw = files[rel]
        split = _split_page(raw) if rel.endswith((".md", ".mdx")) else None
        if how == "bytes":
            files[rel] = draw(st.binary(max_size=64))
        elif how == "truncate":
            files[rel] = raw[: draw(st.integers(0, max(len(raw) - 1, 0)))]
        elif how == "drop-file":
            del files[rel]
        elif how == "copy-page" and split:
            files[rel.rsplit("/", 1)[0] + "/versioned/0.0.1/index.mdx"] = raw
        elif how == "body" and split:
            files[rel] = ("---\n" + _dump(split[0]) + "---\n" + draw(bodies)).encode("utf-8", "surrogatepass")
        elif split and how in ("delete", "replace", "retarget", "duplicate-key-value"):
            data, body = split
            paths = _paths(data)
            if not paths:
                continue
            in_saga = [p for p in paths if p[0] == "x-saga"]
            path = draw(st.sampled_from(in_saga if in_saga and draw(st.booleans()) else paths))
            parent = data
            for k in path[:-1]:
                parent = parent[k]
            last = path[-1]
            if how == "delete":
                del parent[last]
            elif how == "replace":
                parent[last] = draw(trees)
            elif how == "retarget":
                parent[last] = draw(st.sampled_from(ids + ["missing-id", "latest", "^9.0.0", "0.0.1"]))
            else:
                parent[last] = draw(st.sampled_from([STEP_IDS[0], "compensatable", "pivot", "none", 0, -1, "1s", "99999h", [], {}]))
            files[rel] = ("---\n" + _dump(data) + "---\n" + body).encode("utf-8", "surrogatepass")
    return files


def write_catalog(root: Path, files: dict) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, tuple):
            try:
                if os.path.lexists(p):
                    continue
                os.symlink(content[1], p)
            except OSError:
                pass
        elif not os.path.lexists(p):
            p.write_bytes(content)
    # every generated catalog is a catalog, as a real one is (saga-lint refuses a folder with no
    # eventcatalog.config.js and no collection folder: catalog/locate.py), whatever else it holds
    config = root / "eventcatalog.config.js"
    if not os.path.lexists(config):
        config.write_text("export default { title: 'fuzz' };\n", "utf-8")
    return root


CONTROL = {chr(c) for c in range(32) if chr(c) != "\n"} | {chr(c) for c in range(0x7F, 0xA0)} | {chr(c) for c in range(0x202A, 0x202F)}


def lint_in_process(root: Path, out_dir: Path) -> dict:
    """Run ``saga-lint check`` in-process (click's runner): return what the properties need."""
    from conftest import cli_runner

    from saga_lint.cli import main

    text_path = out_dir / "out.txt"
    env = {"GITHUB_STEP_SUMMARY": None, "SAGA_LINT_DEBUG": None}
    start, cpu_start = time.monotonic(), time.process_time()
    result = cli_runner().invoke(main, ["check", str(root), "--format", "json", "-o", f"text={text_path}"], env=env)
    elapsed, cpu = time.monotonic() - start, time.process_time() - cpu_start
    text = text_path.read_text("utf-8") if text_path.exists() else None
    return {"result": result, "elapsed": elapsed, "cpu": cpu, "text": text}


def assert_check_is_sound(root: Path, out_dir: Path, time_limit: float = 10.0, stall_limit: float = 60.0) -> None:
    """The fuzz property: exit 0 or 1, no exception escaped, JSON parses, text has no control
    characters, and the run stayed within ``time_limit`` seconds of CPU time (``stall_limit``
    seconds of wall-clock time, generous so that a loaded machine does not fail it)."""
    got = lint_in_process(root, out_dir)
    result = got["result"]
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit):
        raise AssertionError(f"exception escaped: {type(exc).__name__}: {exc}") from exc
    assert result.exit_code in (0, 1), f"exit {result.exit_code}: {result.output[-2000:]}"
    doc = json.loads(result.stdout)
    for f in doc["findings"]:
        assert f["rule"] and f["severity"] in ("error", "warning", "info"), f
    text = got["text"]
    assert text is not None
    bad = {c for c in text if c in CONTROL}
    assert not bad, f"control characters in text output: {sorted(map(hex, map(ord, bad)))}"
    assert got["cpu"] < time_limit, f"check used {got['cpu']:.1f}s of CPU"
    assert got["elapsed"] < stall_limit, f"check took {got['elapsed']:.1f}s"


def catalogs() -> st.SearchStrategy:
    """Random catalogs, and mutations of the project's annotated example catalog (half each)."""
    return st.one_of(random_catalogs(), mutated_catalogs())
