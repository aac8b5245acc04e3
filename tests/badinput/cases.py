"""The bad-input cases: each adds hostile or broken files to a small good catalog (``BASE``).

A ``Case`` has a ``build(root, outside)`` function that writes its files under the catalog
``root`` (``outside`` is a folder beside the catalog holding ``secret.json``, a sentinel that must
never be read), and the findings it must produce as ``(rule, file, line)`` (line None: any line).
The test runs ``saga-lint check`` on BASE + the case and on BASE alone and compares.
"""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

SENTINEL = "SENTINEL-7f3a9c-outside-the-catalog"
SECRET_JSON = '{"title": "%s", "type": "object", "properties": {"%s": {"type": "string"}}}\n' % (SENTINEL, SENTINEL)

BASE = {
    "teams/platform.mdx": """\
        ---
        id: platform
        name: Platform
        summary: Runs the platform.
        ---
        The platform team.
        """,
    "services/Orders/index.mdx": """\
        ---
        id: orders-service
        name: Orders Service
        version: 1.0.0
        summary: Takes orders.
        owners: [platform]
        sends:
          - id: order-created
        receives:
          - id: payment-done
        ---
        Takes orders.
        """,
    "events/OrderCreated/index.mdx": """\
        ---
        id: order-created
        name: Order created
        version: 1.0.0
        summary: An order was placed.
        owners: [platform]
        schemaPath: schema.json
        ---
        An order was placed.
        """,
    "events/OrderCreated/schema.json": """\
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "properties": {
            "orderId": {"type": "string"},
            "lines": {"type": "array", "items": {"$ref": "#/$defs/line"}}
          },
          "$defs": {"line": {"type": "object", "properties": {"sku": {"type": "string"}}}}
        }
        """,
    # a resource with findings of its own, so that "the other findings are unchanged" means something
    "events/PaymentDone/index.mdx": """\
        ---
        id: payment-done
        name: Payment done
        version: 1.0.0
        ---
        """,
    "flows/Checkout/index.mdx": """\
        ---
        id: checkout
        name: Checkout
        version: 1.0.0
        summary: From cart to order.
        owners: [platform]
        steps:
          - id: place
            title: Place the order
            message: {id: order-created}
            next_step: pay
          - id: pay
            title: Pay
            message: {id: payment-done}
        ---
        The checkout.
        """,
}


@dataclass
class Case:
    name: str
    build: Callable[[Path, Path], None]
    expect: list  # [(rule, file, line or None)]
    text_check: bool = False  # also run --format text and check it for control characters
    needs: str | None = None  # "fifo" / "symlink": skipped where the platform cannot make them
    notes: str = ""
    forbid: tuple = field(default_factory=tuple)  # strings that must appear in no output


def write(root: Path, rel: str, content) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(textwrap.dedent(content), encoding="utf-8")
    return p


def write_base(root: Path) -> None:
    for rel, text in BASE.items():
        write(root, rel, text)


def make_outside(outside: Path) -> Path:
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret.json").write_text(SECRET_JSON, encoding="utf-8")
    return outside / "secret.json"


def page(rel_id: str, extra: str = "", body: str = "Body.\n") -> str:
    """A complete event page (id, name, version, summary, owners) plus ``extra`` frontmatter lines."""
    return (
        f"---\nid: {rel_id}\nname: {rel_id}\nversion: 1.0.0\nsummary: A test event.\nowners: [platform]\n"
        f"{extra}---\n{body}"
    )


CASES: list[Case] = []


def case(name, expect, **kw):
    def deco(fn):
        CASES.append(Case(name, fn, expect, **kw))
        return fn

    return deco


# -- frontmatter and YAML ---------------------------------------------------------------------------

P = "events/Broken/index.mdx"


@case("unterminated-frontmatter", [("parse/frontmatter", P, 1)])
def _(root, outside):
    write(root, P, "---\nid: broken\nname: Broken\nversion: 1.0.0\n\nNo closing line, the body runs on.\n")


@case("invalid-yaml", [("parse/yaml", P, 5)])
def _(root, outside):
    write(root, P, "---\nid: broken\nname: Broken\nowners: [platform\nversion: 1.0.0\n---\n")


@case("duplicate-keys", [("parse/duplicate-key", P, 4)])
def _(root, outside):
    write(root, P, "---\nid: broken\nname: Broken\nname: Broken again\nversion: 1.0.0\n---\n")


@case("tabs", [("parse/yaml", P, 4)])
def _(root, outside):
    write(root, P, "---\nid: broken\nowners:\n\t- platform\n---\n")


@case("non-utf8", [("parse/encoding", P, 3)])
def _(root, outside):
    write(root, P, b"---\nid: broken\nname: Caf\xe9 cr\xe8me\nversion: 1.0.0\n---\n")


@case("binary-index-mdx", [("parse/encoding", P, 1)])
def _(root, outside):
    write(root, P, bytes(range(256)) * 64 + b"\x7fELF\x00\x00")


@case("collection-tags-on-scalars", [("schema/valid-type", P, 6)], forbid=("generator",))
def _(root, outside):
    # !!seq on a scalar once made a generator object the value (unpicklable, "got generator")
    write(root, P, "---\nid: broken\nname: !!map Broken\nversion: 1.0.0\nsummary: !!set S\nowners: !!seq platform\n---\n")


@case("yaml-alias-bomb", [("parse/yaml", P, None)])
def _(root, outside):
    lines = ["---", "id: bomb", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    write(root, P, "\n".join(lines) + "\n---\n")


@case("yaml-deep-flow-200000", [("parse/yaml", P, 3)])
def _(root, outside):
    # libyaml's composer recurses in C: without the pre-check this segfaults
    write(root, P, "---\nid: deep\nx: " + "[" * 200_000 + "]" * 200_000 + "\n---\n")


@case("yaml-deep-flow-unclosed", [("parse/yaml", P, 3)])
def _(root, outside):
    write(root, P, "---\nid: deep\nx: " + "[" * 200_000 + "\n---\n")


@case("yaml-deep-flow-under-precheck-size", [("parse/yaml", P, 3)])
def _(root, outside):
    # short enough (< 16 KB) to skip yamlloc's event pre-check: the composer must survive it
    write(root, P, "---\nid: deep\nx: " + "[" * 8_000 + "]" * 8_000 + "\n---\n")


@case("yaml-deep-flow-mappings", [("parse/yaml", P, 3)])
def _(root, outside):
    write(root, P, "---\nid: deep\nx: " + "{a: " * 100_000 + "}" * 100_000 + "\n---\n")


@case("yaml-deep-block", [("parse/yaml", P, None)])
def _(root, outside):
    write(root, P, "---\nid: deep\n" + "".join(" " * i + "a:\n" for i in range(3_000)) + "---\n")


@case("yaml-2-million-nodes-flow", [("parse/yaml", P, 3)], notes="composing it took 735 MB before the node pre-check")
def _(root, outside):
    write(root, P, "---\nid: wide\nx: [" + ",".join(["1"] * 2_000_000) + "]\n---\n")


@case("yaml-400000-keys", [("parse/yaml", P, None)])
def _(root, outside):
    write(root, P, "---\nid: wide\n" + "".join(f"k{i}: v\n" for i in range(400_000)) + "---\n")


@case("file-50mb", [("parse/too-large", P, 1)])
def _(root, outside):
    p = root / P
    p.parent.mkdir(parents=True, exist_ok=True)
    with open(p, "wb") as fh:
        fh.write(b"---\nid: huge\nname: Huge\nversion: 1.0.0\n---\n")
        chunk = b"All work and no play makes a very large page.\n" * 20_000
        while fh.tell() < 50 * 1024 * 1024:
            fh.write(chunk)


@case("fifo-index-mdx", [("parse/unreadable", P, 1)], needs="fifo", notes="opening a FIFO blocks forever")
def _(root, outside):
    (root / P).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(root / P)


# -- JSON schemas -----------------------------------------------------------------------------------

S = "events/Bad/schema.json"
SI = "events/Bad/index.mdx"


def schema_case(root, text):
    write(root, SI, page("bad-schema", "schemaPath: schema.json\n"))
    if text is not None:
        write(root, S, text)


@case("schema-invalid-json", [("schema/invalid-json-schema", S, 5)])
def _(root, outside):
    schema_case(root, '{\n  "type": "object",\n  "properties": {\n    "a": {"type": "string"},\n  }\n}\n')


@case("schema-invalid-json-schema", [("schema/invalid-json-schema", S, 4)])
def _(root, outside):
    schema_case(root, '{\n  "type": "object",\n  "properties": {\n    "a": {"type": 5}\n  }\n}\n')


@case("schema-cyclic-ref", [("schema/invalid-json-schema", S, 4)])
def _(root, outside):
    schema_case(
        root,
        '{\n  "$ref": "#/$defs/a",\n  "$defs": {\n    "a": {"$ref": "#/$defs/b"},\n    "b": {"allOf": [{"$ref": "#/$defs/a"}]}\n  }\n}\n',
    )


@case("schema-cyclic-ref-across-files", [("schema/invalid-json-schema", S, 2)])
def _(root, outside):
    schema_case(root, '{\n  "$ref": "other.json"\n}\n')
    write(root, "events/Bad/other.json", '{"$ref": "schema.json"}\n')


@case("schema-self-ref-root", [("schema/invalid-json-schema", S, 1)])
def _(root, outside):
    schema_case(root, '{"$ref": "#", "type": "object"}\n')


@case("schema-20000-deep", [("schema/invalid-json-schema", S, 1)])
def _(root, outside):
    schema_case(root, '{"items": ' * 20_000 + "{}" + "}" * 20_000 + "\n")


@case("schema-20000-deep-arrays", [("schema/invalid-json-schema", S, 1)])
def _(root, outside):
    schema_case(root, "[" * 20_000 + "]" * 20_000 + "\n")


@case("schema-too-large", [("schema/invalid-json-schema", S, 1)])
def _(root, outside):
    props = ",".join(f'"p{i}": {{"type": "string", "description": "{"x" * 40}"}}' for i in range(120_000))
    schema_case(root, '{"type": "object", "properties": {' + props + "}}\n")


@case("schema-ref-http", [("security/remote-ref", S, 4), ("security/remote-ref", S, 5)])
def _(root, outside):
    schema_case(
        root,
        '{\n  "type": "object",\n  "properties": {\n    "a": {"$ref": "http://127.0.0.1:9/a.json"},\n'
        '    "b": {"$ref": "https://schemas.example.invalid/b.json#/x"}\n  }\n}\n',
    )


@case("schema-ref-file-url", [("security/remote-ref", S, 4)], forbid=(SENTINEL,))
def _(root, outside):
    url = (outside / "secret.json").resolve().as_uri()
    schema_case(root, '{\n  "type": "object",\n  "properties": {\n    "a": {"$ref": "%s"}\n  }\n}\n' % url)


@case("schema-ref-relative-out", [("security/remote-ref", S, 4)], forbid=(SENTINEL,))
def _(root, outside):
    schema_case(
        root,
        '{\n  "type": "object",\n  "properties": {\n    "a": {"$ref": "../../../outside/secret.json"}\n  }\n}\n',
    )


@case(
    "schema-ref-through-symlink-out",
    [("security/remote-ref", S, 4), ("security/path-outside-catalog", "events/Bad/link.json", None)],
    needs="symlink",
    forbid=(SENTINEL,),
)
def _(root, outside):
    schema_case(root, '{\n  "type": "object",\n  "properties": {\n    "a": {"$ref": "link.json"}\n  }\n}\n')
    os.symlink((outside / "secret.json").resolve(), root / "events/Bad/link.json")


@case("schema-ref-id-makes-it-remote", [("security/remote-ref", S, 4)])
def _(root, outside):
    schema_case(
        root,
        '{\n  "$id": "https://schemas.example.invalid/order.json",\n  "properties": {\n'
        '    "a": {"$ref": "address.json"}\n  }\n}\n',
    )


@case("schema-fifo", [("schema/invalid-json-schema", S, 1)], needs="fifo")
def _(root, outside):
    schema_case(root, None)
    os.mkfifo(root / S)


# -- paths that leave the catalog -------------------------------------------------------------------

O = "events/Out/index.mdx"


@case("schemaPath-dotdot", [("security/path-outside-catalog", O, 7)], forbid=(SENTINEL,))
def _(root, outside):
    write(root, O, page("out", "schemaPath: ../../../outside/secret.json\n"))


@case("schemaPath-absolute", [("security/path-outside-catalog", O, 7)], forbid=(SENTINEL,))
def _(root, outside):
    write(root, O, page("out", f"schemaPath: {(outside / 'secret.json').resolve()}\n"))


@case(
    "schemaPath-symlink-out",
    [("security/path-outside-catalog", O, 7), ("security/path-outside-catalog", "events/Out/schema.json", None)],
    needs="symlink",
    forbid=(SENTINEL,),
)
def _(root, outside):
    write(root, O, page("out", "schemaPath: schema.json\n"))
    os.symlink((outside / "secret.json").resolve(), root / "events/Out/schema.json")


@case(
    "schemaPath-through-dir-symlink",
    [("security/path-outside-catalog", O, 7), ("security/path-outside-catalog", "events/Out/shared", None)],
    needs="symlink",
    forbid=(SENTINEL,),
)
def _(root, outside):
    write(root, O, page("out", "schemaPath: shared/secret.json\n"))
    os.symlink(outside.resolve(), root / "events/Out/shared")


@case("schemaPath-symlink-loop", [("refs/file-exists", O, 7)], needs="symlink")
def _(root, outside):
    write(root, O, page("out", "schemaPath: loop.json\n"))
    os.symlink("loop2.json", root / "events/Out/loop.json")
    os.symlink("loop.json", root / "events/Out/loop2.json")


@case(
    "specifications-outside",
    [("security/path-outside-catalog", "services/Out/index.mdx", 8), ("security/path-outside-catalog", "services/Out/index.mdx", 9)],
    forbid=(SENTINEL,),
)
def _(root, outside):
    write(
        root,
        "services/Out/index.mdx",
        "---\nid: out-service\nname: Out\nversion: 1.0.0\nsummary: s\nowners: [platform]\nspecifications:\n"
        "  openapiPath: ../../../outside/secret.json\n"
        f"  asyncapiPath: {(outside / 'secret.json').resolve().as_uri()}\n---\nOut.\n",
    )


@case("schemaviewer-file-outside", [("security/path-outside-catalog", O, 10)], forbid=(SENTINEL,))
def _(root, outside):
    write(root, O, page("out", body='Intro.\n\n<SchemaViewer file="../../../outside/secret.json" title="x" />\n'))


@case("schemaviewer-50000-tags", [("refs/file-exists", P, 8), ("refs/file-exists", P, 50007)],
      notes="line numbers were counted from the top for each tag: quadratic, 17 s at 50,000")
def _(root, outside):
    tags = "".join(f'<SchemaViewer file="missing-{i}.json" />\n' for i in range(50_000))
    write(root, P, page("many-tags", body=tags))


# -- identities and text ------------------------------------------------------------------------------

HOSTILE_ID = "evil\x1b[31mred\x1b]8;;http://x.invalid\x07link\x1b]8;;\x07\x07<script>alert(1)</script>**bold**|`x`"


@case("control-characters-in-ids", [("best-practices/summary-required", "events/Evil/index.mdx", 2)], text_check=True)
def _(root, outside):
    import json as _json

    ident = _json.dumps(HOSTILE_ID)  # a YAML double-quoted string: escapes for ESC and BEL
    name = _json.dumps("Name \x1b[2J\x1b[H<img src=x onerror=alert(1)> [link](javascript:alert(1)) \u202etxt.exe")
    write(root, "events/Evil/index.mdx", f"---\nid: {ident}\nname: {name}\nversion: 1.0.0\n---\n")


@case(
    "hostile-file-names",
    [
        ("schema/invalid-json-schema", "events/\ufffd\ufffd/schema.json", 1),
        ("schema/invalid-json-schema", "events/evil\x1b[31mred/schema.json", 1),
        ("schema/invalid-json-schema", "events/new\nline/schema.json", 1),
    ],
    text_check=True,
    notes="a name that is not UTF-8 made the json and text writers fail (exit 2)",
)
def _(root, outside):
    for i, name in enumerate((b"events/\xff\xfe", b"events/evil\x1b[31mred", b"events/new\nline")):
        folder = os.fsencode(root) + b"/" + name
        os.makedirs(folder, exist_ok=True)
        with open(folder + b"/index.mdx", "wb") as fh:
            fh.write(page(f"named-{i}", "schemaPath: schema.json\n").encode())
        with open(folder + b"/schema.json", "wb") as fh:
            fh.write(b'{"$ref": "#"}')


@case("schema-lone-surrogates", [("security/remote-ref", S, 1), ("schema/invalid-json-schema", S, 1)])
def _(root, outside):
    schema_case(root, '{"properties": {"a": {"$ref": "http://x.invalid/\\ud800"}, "b": {"type": "\\udcff"}}}\n')


@case("two-resources-one-id", [("structure/duplicate-resource-ids", "events/ZCopy/index.mdx", 2)])
def _(root, outside):
    # a complete copy of order-created, in a folder after the original's in path order (the copy is the one reported)
    original = textwrap.dedent(BASE["events/OrderCreated/index.mdx"])
    write(root, "events/ZCopy/index.mdx", original.replace("schemaPath: schema.json\n", ""))


FLOW = "flows/Big/index.mdx"


def _step_line(i: int) -> int:
    return 6 + 3 * i


@case("flow-10000-steps-with-cycles", [("flow/dead-end", FLOW, _step_line(9998))])
def _(root, outside):
    # s0..s9997 go forward and back (cycles with an exit), s9997 also ends at "done";
    # s9998 <-> s9999 is a loop without exit: one dead end, at its first step
    out = ["---", "id: big-flow", "name: Big flow", "version: 1.0.0", "steps:"]
    for i in range(10_000):
        if i < 9997:
            nxt = f"[s{i + 1}, s{max(i - 1, 0)}]"
        elif i == 9997:
            nxt = "[s9998, done]"
        elif i == 9998:
            nxt = "[s9999]"
        else:
            nxt = "[s9998]"
        out += [f"  - id: s{i}", f"    title: Step {i}", f"    next_steps: {nxt}"]
    out += ["  - id: done", "    title: Done", "---", "A big flow."]
    write(root, FLOW, "\n".join(out) + "\n")
