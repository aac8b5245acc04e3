"""Property-based tests of the parsers: frontmatter splitter, YAML with locations, version
resolution and the body reader. Each property runs a moderate number of examples so the file
stays well under 30 seconds."""

from __future__ import annotations

import string

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from saga_lint.catalog import versions
from saga_lint.catalog.body import parse_body
from saga_lint.catalog.yaml.fast import Yaml12Resolver
from saga_lint.catalog.yaml.frontmatter import split
from saga_lint.catalog.yaml.locations import LazyLocations, YamlProblem, load

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- frontmatter.split -------------------------------------------------------------------------------

YAMLISH = st.text(alphabet=string.ascii_letters + string.digits + " :-_[]{}#'\"\t\r\n.,&*!|>?%@`\ufeff\u00e9", max_size=200)


def _is_fence(line: str) -> bool:
    return line.rstrip("\r \t") in ("---", "...")


lines_without_fence = st.lists(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"), max_size=40).filter(
        lambda s: not _is_fence(s)
    ),
    max_size=8,
)


@SETTINGS
@given(st.one_of(YAMLISH, st.text(max_size=300)))
@example("---")
@example("---\n")
@example("\ufeff---\n---")
@example("---\r\na: 1\r\n---\r\n")
@example("")
def test_split_raises_only_yaml_problem(text):
    try:
        parts = split(text)
    except YamlProblem as p:
        assert p.rule == "parse/frontmatter"
        assert (p.line, p.column) == (1, 1)
        return
    assert parts.yaml_first_line == 2
    assert parts.body_first_line == parts.yaml_text.count("\n") + 3


@SETTINGS
@given(
    yaml_lines=lines_without_fence, body=st.text(max_size=200), bom=st.booleans(), closer=st.sampled_from(["---", "...", "--- "])
)
def test_split_round_trips(yaml_lines, body, bom, closer):
    yaml_text = "".join(line + "\n" for line in yaml_lines)
    text = ("\ufeff" if bom else "") + "---\n" + yaml_text + closer + "\n" + body
    parts = split(text)
    assert parts.yaml_text == yaml_text
    assert parts.body == body
    assert parts.yaml_first_line == 2
    # the body starts on the line the split says it does
    plain = text.lstrip("\ufeff")
    assert "\n".join(plain.split("\n")[parts.body_first_line - 1 :]) == body


@SETTINGS
@given(st.text(max_size=100).filter(lambda t: t.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r \t") != "---"))
def test_split_without_opening_line_is_a_problem(text):
    with pytest.raises(YamlProblem) as exc:
        split(text)
    assert "no frontmatter" in exc.value.message


@SETTINGS
@given(lines_without_fence)
def test_split_unterminated_is_a_problem(yaml_lines):
    with pytest.raises(YamlProblem) as exc:
        split("---\n" + "\n".join(yaml_lines))
    assert "unterminated" in exc.value.message


# -- yamlloc.load ---------------------------------------------------------------------------------------


@SETTINGS
@given(st.one_of(YAMLISH, st.text(max_size=300)), st.integers(min_value=0, max_value=50))
@example("a: &x [*x]", 0)
@example("a: 1\na: 2", 0)
@example("[" * 200, 0)
@example("[" * 20000 + "]" * 20000, 3)
@example("a: " + "{b: " * 5000 + "1" + "}" * 5000, 0)
@example("".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i-1}"] * 9) + "]\n" for i in range(1, 12)).replace("*l0", "x"), 0)
@example("? [a, b]\n: c", 0)
@example("!!python/object:os.system ls", 0)
@example("<<: [*a]", 0)
@example("a: !!binary xyz", 0)
@example("d: 2024-13-45", 0)
def test_load_raises_only_yaml_problem(text, offset):
    try:
        value, locs = load(text, offset)
    except YamlProblem as p:
        assert p.rule in ("parse/yaml", "parse/duplicate-key")
        assert p.line >= 1 + offset and p.column >= 1
        return
    for path, (line, col) in locs.items():
        assert line >= 1 + offset and col >= 1, path


KEYS = st.from_regex(r"[a-z][a-zA-Z0-9_-]{0,10}", fullmatch=True)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    # NEL and the Unicode line/paragraph separators are left out: PyYAML's emitter writes them raw
    # with allow_unicode and then reads them back as spaces (its own round-trip bug, not ours)
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x85\u2028\u2029"), max_size=30),
)
DOCS = st.dictionaries(
    KEYS,
    st.recursive(
        SCALARS,
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
        max_leaves=12,
    ),
    max_size=6,
)


class _Yaml12SafeDumper(yaml.SafeDumper):
    """PyYAML's safe dumper, quoting also the strings YAML 1.2 (the reader's typing: ``fast.Yaml12Resolver``)
    reads as something else: ``08`` or ``1e3`` are strings to YAML 1.1, so PyYAML writes them plain,
    and numbers to YAML 1.2, as EventCatalog's build reads them."""

    _yaml12 = Yaml12Resolver()

    def resolve(self, kind, value, implicit):
        tag = super().resolve(kind, value, implicit)
        if kind is yaml.ScalarNode and implicit[0] and tag == "tag:yaml.org,2002:str":
            return self._yaml12.resolve(kind, value, implicit)
        return tag


def _key_paths(value, path=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield path + (k,), "key"
            yield from _key_paths(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield path + (i,), "item"
            yield from _key_paths(v, path + (i,))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCS, st.booleans(), st.integers(min_value=0, max_value=20))
@example({"a": "08"}, False, 0)  # a string YAML 1.1 writes plain and YAML 1.2 reads as a number
def test_load_round_trips_with_locations(doc, flow_style, offset):
    text = yaml.dump(doc, Dumper=_Yaml12SafeDumper, default_flow_style=flow_style, sort_keys=False, allow_unicode=True,
                     width=10**6)
    value, locs = load(text, offset)
    assert value == (doc if doc else None) or (doc == {} and value == {})
    lines = text.split("\n")
    for path, kind in _key_paths(doc):
        assert path in locs, path
        line, col = locs[path]
        src = lines[line - 1 - offset]
        if kind == "key":
            key = path[-1]
            at = src[col - 1 :]
            assert at.startswith((key, f"'{key}'", f'"{key}"')), (path, src, col)


@SETTINGS
@given(KEYS, SCALARS, SCALARS, st.integers(min_value=0, max_value=5), st.integers(min_value=0, max_value=20))
def test_load_reports_duplicate_keys_where_the_second_is(key, a, b, gap, offset):
    first = yaml.safe_dump({key: a}, width=10**6)
    second = yaml.safe_dump({key: b}, width=10**6)
    filler = "".join(f"k{i}: {i}\n" for i in range(gap))
    filler = "\n".join(f for f in filler.split("\n") if f and f.split(":")[0] != key) + ("\n" if gap else "")
    text = first + filler + second
    with pytest.raises(YamlProblem) as exc:
        load(text, offset)
    assert exc.value.rule == "parse/duplicate-key"
    assert exc.value.line == (first + filler).count("\n") + 1 + offset
    assert exc.value.column == 1


@pytest.mark.parametrize(
    "text",
    [
        "base: &b {x: 1, y: [1, 2]}\nc:\n  x: 3\n  <<: *b\n",
        "a: &a {p: 1}\nb: &b {p: 2, q: 3}\nc:\n  r: 4\n  <<: [*a, *b]\n",
        "c:\n  <<: {k: v}\n",
        "base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  x: 3\n",  # the usual override: written after the merge key
        "base: &b {x: 1}\nc: {<<: *b, x: 2, z: 3}\n",
    ],
)
def test_load_merges_keys_as_pyyaml_does(text):
    # the mapping's own keys (written before or after the merge key) win, then the merged mappings in order
    value, locs = load(text, 2)
    assert value == yaml.safe_load(text)
    assert ("c",) in locs


def test_a_key_written_twice_beside_a_merge_is_still_a_duplicate():
    with pytest.raises(YamlProblem) as exc:
        load("base: &b {x: 1}\nc:\n  <<: *b\n  x: 2\n  x: 3\n")
    assert (exc.value.rule, exc.value.line) == ("parse/duplicate-key", 5)


def test_load_merge_skips_what_is_not_a_mapping():
    value, _ = load("c:\n  z: 1\n  <<: [{k: v}, 7]\n")
    assert value == {"c": {"z": 1, "k": "v"}}


def test_load_keys_that_are_not_strings():
    # a scalar key keeps its type; a sequence or mapping key becomes its text
    text = "1: a\n1.5: b\nnull: c\nfalse: d\n2024-01-02: e\n"
    assert load(text)[0] == yaml.safe_load(text)
    assert load("? [a, b]\n: c\n? {a: 1}\n: d\n")[0] == {"['a', 'b']": "c", "{'a': 1}": "d"}


def test_lazy_locations_fill_on_every_read():
    text = "a: 1\nb:\n  - x\n  - y\n"
    eager = load(text, 4)[1]
    reads = [
        lambda lazy: len(lazy), lambda lazy: list(lazy), lambda lazy: ("b", 1) in lazy, lambda lazy: lazy == eager,
        lambda lazy: list(lazy.keys()), lambda lazy: list(lazy.values()), lambda lazy: list(lazy.items()),
        lambda lazy: lazy[("a",)], lambda lazy: lazy.get(("b", 0)), lambda lazy: lazy.find("b", 1, "deeper"),
    ]
    for read in reads:
        lazy = LazyLocations(text, 4)
        read(lazy)
        assert lazy._pending is None and dict(lazy) == dict(eager)
    assert LazyLocations(text, 4).find("b", 1) == (8, 5)
    with pytest.raises(TypeError):
        hash(LazyLocations(text, 4))


# -- versions.resolve -----------------------------------------------------------------------------------

NUM = st.integers(min_value=0, max_value=12)
SEMVER = st.builds(
    lambda a, b, c, pre: f"{a}.{b}.{c}" + (f"-{pre}" if pre else ""),
    NUM, NUM, NUM, st.sampled_from(["", "", "", "beta", "rc.1", "alpha.2"]),
)
NUMBER_LIKE = st.builds(
    lambda v, parts: ("v" if v else "") + ".".join(map(str, parts)), st.booleans(), st.lists(NUM, min_size=1, max_size=3)
)
WORDS = st.from_regex(r"[a-z][a-z0-9-]{0,6}", fullmatch=True)
RESOURCE_VERSION = st.one_of(SEMVER, SEMVER, NUMBER_LIKE, WORDS)
AVAILABLE = st.lists(st.one_of(RESOURCE_VERSION, st.none()), max_size=8)
RANGES = st.one_of(
    st.builds(lambda op, v: op + v, st.sampled_from(["^", "~", ">=", "<=", ">", "<", "=", ""]), SEMVER),
    st.builds(lambda a, b: f"{a} - {b}", SEMVER, SEMVER),
    st.builds(lambda a, b: f"{a}.{b}", NUM, st.sampled_from(["x", "x.x", "*"])),
    st.builds(lambda a, b: f"{a} || {b}", SEMVER, SEMVER),
    st.sampled_from(["x", "*", "latest", "", " latest "]),
)
REFS = st.one_of(st.none(), RANGES, RESOURCE_VERSION, st.text(max_size=30), st.integers(), st.floats(allow_nan=True))


def _coercible(available):
    return [v for v in available if v is not None and versions.coerce(v) is not None]


@SETTINGS
@given(REFS, AVAILABLE)
@example("1.5.0-beta", ["1.5.0"])
@example("^1.0.0 ||", ["1.0.0"])
@example(">=", ["1.0.0"])
@example("1.0.0 - ", ["1.0.0"])
@example("\x00", ["1.0.0"])
def test_resolve_never_raises_and_returns_an_available_version(ref, available):
    got = versions.resolve(ref, available)
    assert got is None or got in available


@SETTINGS
@given(REFS, AVAILABLE)
@example(" 1.0.0 ", ["1.0.0", "2.0.0"])
@example("latest", ["latest", "1.0.0"])
@example("1.0", ["1.0", "1.0.0"])
def test_catalog_lookup_answers_as_resolve_does(ref, available):
    """``Catalog.lookup`` takes an exact version from its index without a pass over every version
    (#17: one event of 8,000 versions made the graph quadratic); it answers what ``resolve`` does."""
    from pathlib import Path

    from saga_lint.catalog.model import Catalog, Resource
    from saga_lint.catalog.yaml.locations import Locations

    present = list(dict.fromkeys(v for v in available if v is not None))
    catalog = Catalog(root=Path("."))
    for v in present:
        catalog.resources.append(Resource("event", f"events/e/versioned/{v}/index.mdx", "events/e",
                                          {"id": "e", "version": v}, Locations()))
    status, found = catalog.lookup(("event", "command", "query"), "e", ref)
    want = versions.resolve(ref, present)
    assert (found.version if found is not None else None) == want
    assert status == ("ok" if want is not None else "no-version" if present else "missing")


@SETTINGS
@given(AVAILABLE, st.data())
def test_resolve_exact_present_version_is_itself(available, data):
    present = [v for v in available if v is not None and v != "latest"]
    assume(present)
    v = data.draw(st.sampled_from(present))
    assert versions.resolve(v, available) == v


@SETTINGS
@given(AVAILABLE, st.sampled_from([None, "latest", "", " latest"]))
def test_resolve_latest_is_the_newest(available, ref):
    got = versions.resolve(ref, available)
    real = [v for v in available if v is not None]
    if not real:
        assert got is None
        return
    assert got == versions.newest(real)
    coercible = _coercible(real)
    if coercible:
        assert versions.coerce(got) == max(versions.coerce(v) for v in coercible)


@SETTINGS
@given(RANGES, AVAILABLE)
def test_resolve_range_picks_the_newest_match(ref, available):
    import semantic_version as sv

    got = versions.resolve(ref, available)
    if ref.strip() in ("", "latest"):
        return
    try:
        spec = sv.NpmSpec(ref.strip())
    except ValueError:
        assert got is None or got in available
        return
    if ref.strip() in available:
        assert got == ref.strip()
        return
    exact = versions.coerce(ref.strip())
    matching = [v for v in _coercible(available) if spec.match(versions.coerce(v))]
    if exact is not None and any(versions.coerce(v) == exact for v in available if v is not None):
        assert versions.coerce(got) == exact
    elif exact is not None and exact.prerelease:
        assert got is None  # a pre-release reference matches only that pre-release
    elif matching:
        assert got is not None
        assert versions.coerce(got) == max(versions.coerce(v) for v in matching)
    else:
        assert got is None


@SETTINGS
@given(st.lists(SEMVER, min_size=1, max_size=6, unique=True), st.data())
def test_resolve_absent_exact_version_is_none(available, data):
    v = data.draw(SEMVER)
    assume(all(versions.coerce(a) != versions.coerce(v) for a in available))
    assert versions.resolve(v, available) is None


# -- body.parse_body --------------------------------------------------------------------------------------

SAFE_LINE = st.text(alphabet=string.ascii_letters + string.digits + " .,;:!?()-_*#>|", max_size=40).map(str.rstrip)
LINK_ID = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,10}", fullmatch=True)
LINK = st.builds(
    lambda t, i, v: "[[" + (f"{t}|" if t else "") + i + (f"@{v}" if v else "") + "]]",
    st.sampled_from([None, "service", "event", "flow"]), LINK_ID, st.one_of(st.none(), SEMVER),
)


@SETTINGS
@given(st.text(max_size=400), st.integers(min_value=1, max_value=1000))
@example("```\n[[a]]", 1)
@example("| a |\n|---|\n| [[b]] |", 1)
@example("<SchemaViewer file={'x'} />\n<A b=\"c\"", 3)
@example("# h\n## h2\n# h3", 1)
def test_parse_body_never_raises(text, first_line):
    body = parse_body(text, first_line)
    last = first_line + text.count("\n")
    for link in body.links:
        assert first_line <= link.line <= last and link.column >= 1
    for s in body.sections:
        assert first_line <= s.line <= s.end_line <= last
    for c in body.components:
        assert first_line <= c.line <= last


@SETTINGS
@given(
    before=st.lists(SAFE_LINE, max_size=4),
    between=st.lists(SAFE_LINE, max_size=3),
    inside=st.lists(LINK, min_size=1, max_size=3),
    outside=LINK,
    fence=st.sampled_from(["```", "~~~", "```mdx", "````"]),
    first_line=st.integers(min_value=1, max_value=200),
)
def test_wiki_links_in_fenced_code_are_ignored(before, between, inside, outside, fence, first_line):
    lines = before + [""] + [fence] + inside + [fence.split("m")[0]] + [""] + between + ["", "See " + outside + " here."]
    text = "\n".join(lines) + "\n"
    body = parse_body(text, first_line)
    assert [(link.line, link.column) for link in body.links] == [(first_line + len(lines) - 1, 5)]
    link = body.links[0]
    inner = outside[2:-2]
    typ, _, rest = inner.rpartition("|")
    ident, _, ver = rest.partition("@")
    assert (link.type or "", link.id, link.version or "") == (typ, ident, ver)


@SETTINGS
@given(before=st.lists(SAFE_LINE, max_size=3), inside=LINK, first_line=st.integers(min_value=1, max_value=50))
@example(before=["- 0"], inside="[[A]]", first_line=1)
@example(before=["1) x"], inside="[[A]]", first_line=1)
def test_wiki_links_in_indented_code_are_ignored_and_plain_ones_found(before, inside, first_line):
    # "Text." ends whatever ``before`` opened: after a list item ("- 0", "1) x") an indented line
    # would continue the item (CommonMark), not start a code block
    lines = before + ["", "Text.", "", "    " + inside, "", inside]
    body = parse_body("\n".join(lines), first_line)
    assert [link.line for link in body.links] == [first_line + len(lines) - 1]


# the component pattern before it was read greedily (docs/performance.md, eleventh round)
_LAZY_COMPONENT = r"<(?P<name>[A-Z][A-Za-z0-9]*)(?P<attrs>(?:[^<>{}]|\{[^{}]*\})*?)/?>"
_TAG_TEXT = st.lists(st.sampled_from(["<", ">", "{", "}", "/", "/>", '"', "'", "=", " ", "a", "S", "<Schema", "<S",
                                      ' file="a/b.json"', "{x}", "\n"]), max_size=30).map("".join)


@given(_TAG_TEXT)
@example('<SchemaViewer file="schema.json" title="a/>b" maxHeight="500" />')
@example("<Schema x={a>b} y={c/>d} />")
def test_component_pattern_matches_as_the_lazy_one(text):
    """``body.COMPONENT`` finds the tags and attributes the lazy pattern it replaced found."""
    import re

    from saga_lint.catalog.body import COMPONENT

    def found(pattern):
        return [(m.span(), m.group("name"), m.group("attrs")) for m in pattern.finditer(text)]

    assert found(COMPONENT) == found(re.compile(_LAZY_COMPONENT))
