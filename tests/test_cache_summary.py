"""A reworded ``summary`` is an edit of prose (``catalog.page.head_digest`` masks its text): the
cache answers with the result before the edit, and that is right only because no rule reads a
summary's words. Both halves are tested here: the reuse, and that rewording every summary of a
real catalog leaves the cold output as it was."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saga_lint.catalog.page import page_of_text
from tests.conftest import CORPUS, OUR_CATALOG
from tests.test_cache_prose import SERVICE, _check

EXAMPLES = Path(__file__).resolve().parents[1] / "catalog-examples"


@pytest.fixture
def cat(tmp_path) -> Path:
    out = tmp_path / "cat"
    shutil.copytree(OUR_CATALOG, out)
    return out


def _set_summary(page: Path, value: str) -> None:
    """The page's top-level ``summary:`` line (and the indented lines of its value) as ``value``."""
    text = page.read_text()
    new, n = re.subn(r"(?m)^summary:.*\n(?:(?: .*)?\n)*?(?=\S)", lambda _: f"summary:{value}\n", text, count=1)
    assert n == 1, page
    page.write_text(new)


def _digest(text: str) -> str | list:
    problems: list = []
    res = page_of_text(text, "services/a/index.mdx", "service", None, problems)
    return problems if res is None else res.head_digest


PAGE = "---\nid: a\nname: A\nsummary: Takes orders.\nversion: 1.0.0\n---\nBody.\n"


@pytest.mark.parametrize("summary", [" Takes orders and returns.", " 'Takes orders.'", ' "Takes: orders"'])
def test_the_words_of_a_one_line_summary_are_not_in_the_digest(summary):
    assert _digest(PAGE) == _digest(PAGE.replace(" Takes orders.", summary))


@pytest.mark.parametrize("summary", [
    "",  # empty: summary-required reads that
    " 12",  # a number: schema/valid-type reads that
    " true", " null", " []", " {a: 1}",
    " |\n  Takes orders\n  and more.",  # a line more: every line below it moves
    " &a Takes orders.",  # an anchor: not plain block YAML
    " Takes orders.\nowners: [a]",  # another key
], ids=repr)
def test_anything_else_about_a_summary_is_in_the_digest(summary):
    assert _digest(PAGE) != _digest(PAGE.replace(" Takes orders.", summary))


def test_a_block_summary_reworded_on_as_many_lines_is_not_in_the_digest():
    page = "---\nid: a\nsummary: |\n  Takes orders\n  and more.\n\nversion: 1.0.0\n---\nBody.\n"
    assert _digest(page) == _digest(page.replace("and more.", "and returns them, often."))
    assert _digest(page) != _digest(page.replace("\nversion: 1.0.0", "\nversion: 1.0.1"))
    assert _digest(page) == _digest(page.replace("\n\nversion", "\n  more\nversion"))  # a blank line filled
    assert _digest(page) != _digest(page.replace("\n\nversion", "\n  more\n\nversion"))  # a line more


def test_a_reworded_summary_answers_from_the_cache_with_the_cold_output(cat, tmp_path):
    cache = tmp_path / "cache"
    _check(cat, cache)
    _set_summary(cat / SERVICE, " Reworded, takes orders and says so in other words.")
    _set_summary(cat / "teams" / "ordering-platform.mdx", " 'Owns checkout, quoted.'")
    cold, _ = _check(cat, None)
    assert _check(cat, cache) == (cold, False)  # the result before the edit, no check run
    _set_summary(cat / SERVICE, "")  # now summary-required has something to say
    cold_empty, _ = _check(cat, None)
    assert cold_empty != cold
    assert _check(cat, cache) == (cold_empty, True)


_VALUES = st.sampled_from([
    " Plain words.", " Other words, with a comma.", "", " 7", " 1.0", " true", " ~", " 'quoted'", ' "double"',
    " |\n  A block\n  of two lines.", " |\n  One line.", " >-\n  Folded.", " [a, b]", " &x anchored", " *x",
    " words # and a comment", " {}", " - item",
])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(0, 10_000), _VALUES), min_size=1, max_size=3))
def test_any_edit_of_summaries_gives_the_cold_output(tmp_path_factory, edits):
    root = tmp_path_factory.mktemp("summary")
    cat, cache = root / "cat", root / "cache"
    shutil.copytree(OUR_CATALOG, cat)
    _check(cat, cache)
    pages = sorted(p for p in cat.rglob("*.md*") if p.is_file() and re.search(r"(?m)^summary:", p.read_text()))
    for which, value in edits:
        _set_summary(pages[which % len(pages)], value)
    assert _check(cat, cache)[0] == _check(cat, None)[0]


def _reworded(text: str) -> str:
    """``text`` with the words of its top-level summary (its line, or the lines of its block) changed."""
    m = re.search(r"(?m)^summary:(.*)\n((?:(?: .*)?\n)*)", text)
    if m is None:
        return text
    first, rest = m.group(1), m.group(2)
    if first.strip() in ("|", ">", "|-", ">-", "|+", ">+"):
        new = first + "\n" + re.sub(r"[A-Za-z]{2,}", "Zed", rest)
    else:
        new = re.sub(r"[A-Za-z]{2,}", "Zed", first) + "\n" + rest
    return text[:m.start(1)] + new + text[m.end(2):]


def _reword_every_summary(folder: Path) -> int:
    """Reword the summary of every page that has a signature (``saga_lint.prose``: not flows or
    docs pages, which are read whole) wherever the digest masks it; how many."""
    from saga_lint.catalog.loader import load_catalog
    from saga_lint.prose import has_signature

    count = 0
    for res in load_catalog(folder).resources:
        page = folder / res.file
        text = page.read_text(errors="surrogateescape")
        reworded = _reworded(text)
        if has_signature(res) and reworded != text and isinstance(_digest(text), str) and _digest(reworded) == _digest(text):
            page.write_text(reworded, errors="surrogateescape")
            count += 1
    return count


@pytest.mark.parametrize("source", ["ours", "broken-checkout", "broken-choreography", "corpus"])
def test_no_rule_reads_the_words_of_a_summary(tmp_path, source):
    """What makes the mask right: with every masked summary of a catalog reworded, the cold check
    says exactly what it said before, on our catalog, the defect examples and the real corpus."""
    where = {"ours": OUR_CATALOG, "corpus": CORPUS}.get(source, EXAMPLES / source)
    if not where.is_dir():
        pytest.skip(f"{where} is absent")
    cat = tmp_path / "cat"
    shutil.copytree(where, cat)
    before, _ = _check(cat, None)
    assert _reword_every_summary(cat) >= 3
    assert _check(cat, None)[0] == before
