"""The fast YAML path (catalog/yaml/fast.py, imported as ``yamlfast``) against libyaml.

The property that makes the fast path safe: whenever ``yamlfast.parse`` returns a value, libyaml
(composed and converted by catalog/yaml/locations.py, imported as ``yamlloc``, exactly as before
the fast path existed) accepts the same text and gives an equal value, type for type. Everything
else must be ``NOT_SIMPLE``. The generator writes documents in the subset and just outside it
(tricky scalars, indentation, comments, block scalars with every chomping, quotes, flow sequences).
"""

from __future__ import annotations

import datetime
import math
import sys

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from saga_lint.catalog.yaml import fast as yamlfast
from saga_lint.catalog.yaml import frontmatter
from saga_lint.catalog.yaml import locations as yamlloc


def typed(value):
    """A structure that compares equal only for values of the same types (1 != 1.0 != True)."""
    if isinstance(value, dict):
        return ("dict", tuple((typed(k), typed(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", tuple(typed(v) for v in value))
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, value)


def libyaml_value(text: str):
    """The value the loader gave before the fast path: compose with libyaml, convert by hand."""
    value, _ = yamlloc.load(text, 0, lazy_locations=False)
    return value


def assert_same_as_libyaml(text: str) -> bool:
    fast = yamlfast.parse(text)
    if fast is yamlfast.NOT_SIMPLE:
        return False
    try:
        reference = libyaml_value(text)
    except yamlloc.YamlProblem as problem:  # pragma: no cover - the failure being tested for
        pytest.fail(f"fast path accepted text libyaml rejects ({problem.message}):\n{text}")
    assert typed(fast) == typed(reference), text
    # the positions the fast subset gives (when it gives them) are libyaml's, at any line offset
    for offset in (0, 7):
        found = yamlfast.positions(text, offset)
        if found is not None:
            assert found == dict(yamlloc.load(text, offset, lazy_locations=False)[1]), text
    try:
        plain_pyyaml = yaml.load(text, Loader=yamlfast.Yaml12SafeLoader)  # YAML 1.2, as EventCatalog's build reads it
    except (yaml.YAMLError, ValueError):
        return True  # "=" or "2024-13-45": PyYAML's safe loader fails, yamlloc keeps the text
    assert typed(plain_pyyaml) == typed(fast), text
    return True


# ---------------------------------------------------------------- generated documents

SAFE_KEYS = ["id", "name", "version", "x-saga", "owners", "a.b", "$ref", "2fa", "é", "_k", "summary", "steps"]
TRICKY_KEYS = ["on", "yes", "null", "1", "key with space", "<<", "id "]
SAFE_WORDS = ["order", "1.0.0", "OrderPlaced", "order-service", "Hello world", "x", "é", "a#b", "a:b", "http://x.y/z?q=1"]
TRICKY_WORDS = [
    "1.0", "1", "0x1F", "-1", "+1", "2024-01-01", "2024-13-45", "2001-12-14t21:59:43.10-05:00",
    "yes", "No", "on", "~", "null", "true", "a: b", "a:b", "a #b", "a#b", "x:", "- x", "-x", "--", "---", "...",
    "[a]", "{}", "{a: 1}", "*a", "&a x", "!t x", "%x", "@x", "`x", "?x", "? x", ":x", "é", "a\u00a0b", "a  b",
    "http://x.y/z?q=1", "=", "<<", ".inf", ".NaN", "1_000", "0o17", "0b101", "1e3", "1.5e3", "6.8523015e+5",
    "190:20:30", "Hello, world", "a]", "'", '"', "\\", "a'b", 'a"b', "",
]


def pick(draw, safe: list, tricky: list):
    """Mostly a safe choice, one time in 25 a tricky one."""
    return draw(st.sampled_from(tricky)) if draw(st.integers(0, 24)) == 24 else draw(st.sampled_from(safe))


def word(draw):
    return pick(draw, SAFE_WORDS, TRICKY_WORDS)


def key(draw):
    return pick(draw, SAFE_KEYS, TRICKY_KEYS)


@st.composite
def scalar_text(draw, parent_indent: int):
    """A scalar as written after ``key: `` or ``- ``, possibly spanning lines."""
    text = word(draw)
    style = draw(st.sampled_from(["plain", "plain", "plain", "single", "double", "block", "flow"]))
    if style == "plain":
        return text or "x"
    if style == "single":
        return "'" + (text.replace("'", "''") if draw(st.booleans()) else text) + "'"
    if style == "double":
        return '"' + text + '"'
    if style == "flow":
        items = [pick(draw, SAFE_WORDS + ["'a'", '"b"'], TRICKY_WORDS + ["'a, b'"]) for _ in range(draw(st.integers(0, 3)))]
        return "[" + ", ".join(items) + "]" + pick(draw, ["", " "], [" # c", "]"])
    header = pick(draw, ["|", "|-", "|+", ">", ">-", ">+", "> "], ["|2", "| # c", ">1-"])
    indent = parent_indent + draw(st.integers(1, 3))
    lines = []
    for _ in range(pick(draw, [1, 2, 3, 4], [0])):
        kind = pick(draw, ["text", "text", "text", "blank"], ["spaces", "deeper", "comment", "shallow"])
        if kind == "text":
            lines.append(" " * indent + (word(draw) or "x"))
        elif kind == "blank":
            lines.append("")
        elif kind == "spaces":
            lines.append(" " * draw(st.integers(1, indent + 2)))
        elif kind == "deeper":
            lines.append(" " * (indent + draw(st.integers(1, 2))) + "deep")
        elif kind == "comment":
            lines.append(" " * indent + "# not a comment")
        else:
            lines.append(" " * max(0, indent - 1) + "short")
    return header + "".join("\n" + line for line in lines)


@st.composite
def block(draw, indent: int, depth: int, kind: str | None = None):
    """Lines of a block mapping or sequence whose entries sit at ``indent``."""
    if kind is None:
        kind = draw(st.sampled_from(["map", "map", "seq"])) if depth else "map"
    out = []
    used: set = set()

    def fresh_key() -> str:
        # mostly distinct keys (a duplicate is not simple: one in six draws may repeat a key)
        name = key(draw)
        if name in used and draw(st.integers(0, 5)) != 5:
            name = f"{name}{len(used)}"
        used.add(name)
        return name
    for _ in range(draw(st.integers(1 if depth else 0, 4))):
        noise = pick(draw, ["", "", "", "blank"], ["comment", "spaces"])
        if noise == "blank":
            out.append("")
        elif noise == "comment":
            out.append(" " * draw(st.integers(0, indent + 2)) + "# comment")
        elif noise == "spaces":
            out.append(" " * draw(st.integers(1, 6)))
        lead = " " * indent + ("" if kind == "map" else "-" + " " * draw(st.integers(0, 2)))
        if kind == "seq" and draw(st.integers(0, 3)) == 3 and depth < 4:
            # "- key: value" and more keys of the same item's mapping
            column = len(lead) + (0 if lead.endswith(" ") else 1)
            if not lead.endswith(" "):
                lead += " "
            item_keys = set()
            for k in range(1 + draw(st.integers(0, 2))):
                name = key(draw)
                name = name if name not in item_keys else f"{name}{k}"
                item_keys.add(name)
                out.append((lead if k == 0 else " " * column) + name + ": " + draw(scalar_text(column)))
            continue
        if kind == "map":
            lead += fresh_key() + ":"
        nested = depth < 4 and draw(st.integers(0, 2)) == 2
        if nested:
            out.append(lead)
            shared = kind == "map" and draw(st.integers(0, 3)) == 3
            if shared:  # a sequence at its key's indentation is the key's value
                out.extend(draw(block(indent, depth + 1, "seq")))
            else:
                out.extend(draw(block(indent + draw(st.integers(1, 4)), depth + 1)))
        else:
            sep = pick(draw, [" ", " ", "  "], [""])
            out.append(lead + sep + draw(scalar_text(indent)) + pick(draw, ["", "", " "], [" # c"]))
    return out


@st.composite
def documents(draw):
    lines = draw(block(0, 0))
    text = "\n".join(lines)
    return text + pick(draw, ["\n", "\n", "\n\n"], [""])


FIXED = [
    "id: a\nname: A\nversion: 1.0.0\n",
    "summary: |\n  line one\n  line two\n\nowners:\n  - team\n",
    "a: |-\n  x\n\n\nb: >\n  folded\n  text\n",
    "a: |+\n  x\n\n\nb: 1\n",
    "sends:\n  - id: e\n    version: ^1.0.0\n  - id: f\n",
    "steps:\n- id: 1\n  title: one\n  next_step:\n    id: 2\n",
    "tags: ['a', \"b\", c]\nempty: []\nnone: {}\n",
    "# comment\nid: x # trailing comment\n",
    "when: 2024-01-01\nratio: 1.0\nflag: yes\nnothing:\n",
    "a:\n  b:\n    c:\n      - d\n",
    "",
    "\n# only a comment\n",
]


@pytest.mark.parametrize("text", FIXED)
def test_fixed_documents_agree_with_libyaml(text):
    assert_same_as_libyaml(text)  # fails on any difference from libyaml


def test_the_common_shapes_take_the_fast_path():
    # the test that fails if the fast path silently always falls back: every fixed document but
    # the one with a trailing comment is in the subset
    refused = [text for text in FIXED if yamlfast.parse(text) is yamlfast.NOT_SIMPLE]
    assert refused == ["# comment\nid: x # trailing comment\n"]


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
@example("a:\n- b\n- c\nd: e\n")
@example("a: |\n  x\n   \n  y\n")
@example("a: >+\n  x\n\n")
def test_generated_documents_agree_with_libyaml(text):
    assert_same_as_libyaml(text)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab:-#'\"|>[]{}, \n!&*.1", max_size=60))
def test_any_text_either_agrees_or_is_not_simple(text):
    assert_same_as_libyaml(text)


def test_generated_documents_often_take_the_fast_path():
    # the generator must exercise the fast path, not only its refusals
    accepted = 0
    total = 0

    @settings(max_examples=300, deadline=None, database=None, derandomize=True)
    @given(documents())
    def count(text):
        nonlocal accepted, total
        total += 1
        accepted += assert_same_as_libyaml(text)

    count()
    assert accepted >= total // 5, (accepted, total)


def test_the_corpus_frontmatter_agrees_and_mostly_takes_the_fast_path(corpus):
    accepted = total = 0
    for page in sorted(corpus.rglob("*.md*")):
        try:
            parts = frontmatter.split(page.read_text(encoding="utf-8"))
        except (yamlloc.YamlProblem, UnicodeDecodeError):
            continue
        total += 1
        accepted += assert_same_as_libyaml(parts.yaml_text)
    assert total > 150
    assert accepted >= total * 0.8, (accepted, total)


def test_values_are_typed_as_pyyaml_types_them():
    value = yamlfast.parse("a: 1\nb: 1.5\nc: true\nd: ~\ne: 2024-01-02\nf: 1.0.0\n")
    assert value == {"a": 1, "b": 1.5, "c": True, "d": None, "e": datetime.date(2024, 1, 2), "f": "1.0.0"}


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",  # duplicate key: libyaml path reports it
        "a: &x 1\nb: *x\n",
        "a: !tag x\n",
        "a:\tb\n",
        "a: b\r\n",
        "a: multi\n  line\n",
        "- top\n- level\n",
        "a: 'unterminated\n",
        "a: \"esc\\n\"\n",
        "a: x" + "y" * yamlfast.MAX_CHARS + "\n",
        "a: b",  # no final line break
        "<<: {a: 1}\n",
        "a: |\n",
        "k" * 1025 + ": 1\n",  # libyaml: an implicit key of more than 1,024 characters is an error
        "a:\n  - " + "k" * 1100 + ": 1\n",
    ],
)
def test_outside_the_subset_is_not_simple(text):
    assert yamlfast.parse(text) is yamlfast.NOT_SIMPLE


def test_load_uses_the_fast_path_and_keeps_lazy_locations(monkeypatch):
    text = "id: a\nowners:\n  - t\n"

    def no_libyaml(*args, **kwargs):
        raise AssertionError("libyaml composed a simple document")

    with monkeypatch.context() as patch:
        patch.setattr(yamlloc.yaml, "compose", no_libyaml)
        value, locs = yamlloc.load(text, 10, lazy_locations=True)
    assert value == {"id": "a", "owners": ["t"]}
    assert locs.find("owners", 0) == (13, 5)
    eager_value, eager_locs = yamlloc.load(text, 10)
    assert eager_value == value and dict(eager_locs) == dict(locs)


def test_collection_tags_on_scalars_keep_their_text():
    # SafeConstructor's collection builders are generators: a value must never be one (it cannot
    # be pickled by the loader's workers, and "got generator" is no message for a user)
    import pickle

    value, _ = yamlloc.load("a: !!map x\nb: !!seq y\nc: !!set z\nd: !!omap w\ne: !!pairs v\nf: !!int 7\ng: !Ref q\n", 0)
    assert value == {"a": "x", "b": "y", "c": "z", "d": "w", "e": "v", "f": 7, "g": "q"}
    assert pickle.loads(pickle.dumps(value)) == value


def test_long_keys_agree_with_libyaml():
    for n in (1000, 1001, 1024, 1025, 2000):
        text = "k" * n + ": 1\n"
        fast = yamlfast.parse(text)
        if fast is not yamlfast.NOT_SIMPLE:
            assert_same_as_libyaml(text)


def test_depth_limits_agree_with_yamlloc():
    # yamlloc rejects more than yamlloc.MAX_DEPTH levels: such a document is never simple
    for depth in (yamlfast.MAX_DEPTH - 1, yamlfast.MAX_DEPTH, yamlfast.MAX_DEPTH + 1, yamlloc.MAX_DEPTH, yamlloc.MAX_DEPTH + 1):
        text = "".join(" " * i + "k:\n" for i in range(depth)) + " " * depth + "k: v\n"
        if yamlfast.parse(text) is not yamlfast.NOT_SIMPLE:
            assert_same_as_libyaml(text)


def test_deep_nesting_is_not_simple():
    text = "".join(" " * i + "k:\n" for i in range(yamlfast.MAX_DEPTH + 5)) + " " * (yamlfast.MAX_DEPTH + 5) + "k: v\n"
    assert yamlfast.parse(text) is yamlfast.NOT_SIMPLE


def test_yaml_inside_the_package_is_pyyaml():
    # saga_lint.catalog.yaml is a package named like PyYAML: its modules' absolute "import yaml"
    # must still give PyYAML (and libyaml's loader where the wheel has it)
    for module in (yamlfast, yamlloc):
        assert module.yaml is yaml and hasattr(module.yaml, "safe_load"), module.__name__
    assert issubclass(yamlloc._Loader, getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def test_positions_are_libyamls_and_skip_only_flow_items():
    """``fast.positions``: the same map as libyaml's for the shapes frontmatter has; ``None`` for
    text outside the subset and for a non-empty flow sequence (its items sit inside the line)."""
    text = ("# c\n\nid: a\nsends:\n  - id: e\n    version: 1.0.0\n  -   'q'\n  - |\n    lit\nx:\n  y: []\n"
            "owners:\n- t\nsummary: >-\n  fold\n")
    found = yamlfast.positions(text, 4)
    assert found == dict(yamlloc.load(text, 4, lazy_locations=False)[1])
    assert found[("sends", 0, "version")] == (10, 5) and found[("sends", 1)] == (11, 7) and found[()] == (7, 1)
    assert yamlfast.positions("tags: [a, b]\n") is None
    assert yamlfast.positions("a: 1 # trailing\n") is None
    assert yamlfast.positions("") == {} == dict(yamlloc.load("", 0)[1])


def test_lazy_locations_of_simple_text_never_compose_with_libyaml(monkeypatch):
    def no_libyaml(*args, **kwargs):
        raise AssertionError("libyaml composed a text in the fast subset")

    value, locs = yamlloc.load("id: a\nsends:\n  - id: e\n", 2, lazy_locations=True)
    monkeypatch.setattr(yamlloc, "_compose", no_libyaml)
    assert locs.find("sends", 0, "id") == (5, 5)
    _, flow = yamlloc.load("id: a\ntags: [x, y]\n", 0, lazy_locations=True)
    monkeypatch.undo()
    assert flow.find("tags", 1) == (2, 11)  # left to libyaml


def test_keys_and_short_strings_are_one_object_per_text():
    """Pages repeat a few dozen keys and their ids and versions many times: the fast path interns
    keys and short string scalars (plain and quoted), so that each text is one object, in a page
    and across pages (and ``marshal`` sends it once per batch). Long texts (summaries) are not."""
    summary = "A summary long enough that it is not worth interning, as most summaries are. " * 2
    one = yamlfast.parse("id: OrderPlaced\nversion: '1.0.0'\nowners:\n  - core\nsends:\n"
                         f"  - id: OrderPlaced\n    version: \"1.0.0\"\nsummary: {summary}\n")
    two = yamlfast.parse(f"id: OrderPlaced\nversion: 1.0.0\nowners: [core]\nsummary: {summary}\n")
    assert isinstance(one, dict) and isinstance(two, dict)
    assert [k for k in one if k in two] == ["id", "version", "owners", "summary"]
    for k1, k2 in zip([k for k in one if k in two], [k for k in two if k in one], strict=True):
        assert k1 is k2
    assert one["id"] is two["id"] is one["sends"][0]["id"]
    assert one["version"] is one["sends"][0]["version"]  # quoted, single and double
    assert one["owners"][0] is sys.intern("core")
    assert one["summary"] == two["summary"] and one["summary"] is not two["summary"]
    assert isinstance(two["version"], str) and two["version"] is one["version"]


def test_the_libyaml_path_interns_too():
    """A frontmatter outside the fast subset (a flow mapping, a trailing comment) is composed by
    libyaml: its keys and short strings are one object per text as well."""
    text = "id: OrderPlaced  # a trailing comment\nsends: [{id: OrderPlaced, version: 1.0.0}]\nowners:\n  - core\n"
    assert yamlfast.parse(text) is yamlfast.NOT_SIMPLE
    data, _ = yamlloc.load(text)
    assert isinstance(data, dict)
    key = next(iter(data))
    assert key == "id" and key is sys.intern("id")
    assert data["id"] is data["sends"][0]["id"] is sys.intern("OrderPlaced")
    assert data["owners"][0] is sys.intern("core")
