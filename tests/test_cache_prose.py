"""An edit of pages' prose answers from the cache (``CheckCache.after_prose_edits``, ``saga_lint.prose``):
the result of the check before the edit, without running the check, exactly when no rule reads what
changed; any other edit runs the check. Either way the output is the cold run's, byte for byte."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saga_lint.cli import main
from tests.conftest import OUR_CATALOG

SERVICE = "domains/Ordering/systems/order-management-system/services/OrderService/index.mdx"


def _check(path: Path, cache: Path | None, fmt: str = "json", jobs: str = "") -> tuple[str, bool]:
    """The output of ``saga-lint check`` (in this process; ``jobs``: its loader's workers), and
    whether the pipeline ran."""
    opts = ["--no-cache"] if cache is None else ["--cache-dir", str(cache)]
    result = CliRunner().invoke(main, ["check", str(path), "-f", fmt, *opts],
                                env={"SAGA_LINT_NO_CACHE": "", "SAGA_LINT_TIMINGS": "1", "SAGA_LINT_JOBS": jobs})
    assert result.exit_code in (0, 1), result.output
    return result.stdout, "saga-lint timing: rules" in result.stderr


@pytest.fixture
def cat(tmp_path) -> Path:
    out = tmp_path / "cat"
    shutil.copytree(OUR_CATALOG, out)
    assert (out / SERVICE).is_file()
    return out


def _edit(page: Path, old: str, new: str) -> None:
    text = page.read_text()
    assert old in text
    page.write_text(text.replace(old, new, 1))


def _append(page: Path, text: str) -> None:
    with page.open("a") as fh:
        fh.write(text)


def _service_body_line(cat: Path) -> str:
    """A line of prose in the order service's body."""
    head, _, body = (cat / SERVICE).read_text().partition("\n---\n")
    return next(line for line in body.splitlines() if len(line) > 20 and line[0].isalpha())


def test_an_edit_of_prose_answers_from_the_cache_with_the_cold_output(cat, tmp_path):
    cache = tmp_path / "cache"
    _check(cat, cache)
    line = _service_body_line(cat)
    _edit(cat / SERVICE, line, line + " Reworded, with more words.")
    _append(cat / "users" / "mara-okafor.mdx", "\nAnother paragraph of prose.\n")  # two pages edited
    for fmt in ("json", "text", "sarif"):
        cold, _ = _check(cat, None, fmt)
        warm, ran = _check(cat, cache, fmt) if fmt == "json" else (_check(cat, cache, fmt)[0], False)
        assert warm == cold, fmt
        if fmt == "json":
            assert not ran  # the result of the check before the edit
    _edit(cat / SERVICE, "Reworded", "Rewritten")  # and again, from the result the edit stored
    assert _check(cat, cache) == (_check(cat, None)[0], False)


def test_an_editor_that_saves_by_renaming_is_an_edit_of_prose_too(cat, tmp_path):
    cache = tmp_path / "cache"
    _check(cat, cache)
    page = cat / SERVICE
    tmp = page.with_name(".index.mdx.swp")
    tmp.write_text(page.read_text() + "\nA new closing sentence.\n")
    os.replace(tmp, page)  # a new inode, and the folder's modification time changes
    assert _check(cat, cache) == (_check(cat, None)[0], False)


def _frontmatter(cat: Path) -> None:
    _edit(cat / SERVICE, "\nsummary:", "\nsummary: >-\n  Rewritten.\nx-old-summary:")


def _empty_body(cat: Path) -> None:
    page = cat / "users" / "mara-okafor.mdx"
    head, sep, _ = page.read_text().partition("\n---\n")
    page.write_text(head + sep)


def _schema_component(cat: Path) -> None:
    _append(cat / SERVICE, '\n<SchemaViewer file="missing-schema.json" />\n')


def _flow_prose(cat: Path) -> None:
    flow = next(p for p in sorted(cat.rglob("index.mdx")) if "/flows/" in p.as_posix())
    _append(flow, "\n## Saga steps\n\n| Step | Owner |\n|---|---|\n| nothing | nobody |\n")


def _docs_page(cat: Path) -> None:
    page = next(p for p in sorted((cat / "docs").rglob("*.md*")))
    _append(page, "\nMore words about the flow.\n")


def _schema_file(cat: Path) -> None:
    schema = next(p for p in sorted(cat.rglob("schema.json")))
    schema.write_text('{"type": "strnig"}')


def _prose_and_new_file(cat: Path) -> None:
    _append(cat / SERVICE, "\nProse.\n")
    (cat / "teams" / "extra.mdx").write_text("---\nid: extra\nname: Extra\n---\n")


def _broken_frontmatter(cat: Path) -> None:
    _edit(cat / SERVICE, "\nname:", "\nname: [unclosed\nname2:")


@pytest.mark.parametrize("edit", [_frontmatter, _empty_body, _schema_component, _flow_prose,
                                  _docs_page, _schema_file, _prose_and_new_file, _broken_frontmatter],
                         ids=lambda f: f.__name__.strip("_"))
def test_an_edit_that_a_rule_reads_runs_the_check(cat, tmp_path, edit):
    cache = tmp_path / "cache"
    _check(cat, cache)
    edit(cat)
    cold, _ = _check(cat, None)
    assert _check(cat, cache) == (cold, True)
    assert _check(cat, cache) == (cold, False)  # a hit on the result just stored


@pytest.mark.parametrize("placed_there", [False, True], ids=["no finding at it", "a finding at it"])
def test_a_component_moved_by_prose_above_it(cat, tmp_path, placed_there):
    """A line of prose added above a ``<SchemaViewer file>`` moves it; that matters only when a
    finding is placed at it (in the page's body): then the check runs, else the result is reused."""
    cache = tmp_path / "cache"
    page = next(p for p in sorted(cat.rglob("*.mdx")) if "\n<SchemaViewer" in p.read_text() and "/flows/" not in p.as_posix())
    if placed_there:
        _append(page, '\n<SchemaViewer file="no-such-schema.json" />\n')
    _check(cat, cache)
    _edit(page, "\n<SchemaViewer", "\nA sentence before it.\n\n<SchemaViewer")
    cold, _ = _check(cat, None)
    assert ("no-such-schema.json" in cold) is placed_there
    assert _check(cat, cache) == (cold, placed_there)


@pytest.mark.parametrize("damage", ["missing", "other digest", "garbage", "bad entry", "path in entry"])
def test_a_damaged_file_of_signatures_runs_the_check(cat, tmp_path, damage):
    cache = tmp_path / "cache"
    _check(cat, cache)
    pages = next(cache.glob("pages-*.json"))
    entry = next(cache.glob("check-*.json"))
    doc = json.loads(pages.read_text())
    if damage == "missing":
        pages.unlink()
    elif damage == "other digest":
        pages.write_text(pages.read_text().replace('"layout"', '"layout" ', 1))
    elif damage == "garbage":
        pages.write_bytes(b"\xff" * 40)
    elif damage == "bad entry":  # a forged file, named by its own digest
        doc["pages"][SERVICE] = ["service", None]
        text = json.dumps(doc).encode()
        import hashlib

        name = hashlib.blake2b(text, digest_size=20).hexdigest()
        (cache / f"pages-{name}.json").write_bytes(text)
        entry_doc = json.loads(entry.read_text())
        entry.write_text(json.dumps({**entry_doc, "pages": name}))
    else:
        entry_doc = json.loads(entry.read_text())
        entry.write_text(json.dumps({**entry_doc, "pages": "../" + pages.name}))
    _append(cat / SERVICE, "\nProse.\n")
    assert _check(cat, cache) == (_check(cat, None)[0], True)


def test_the_walk_tells_edits_of_content_from_other_changes(cat, tmp_path):
    from saga_lint.cache import CheckCache
    from saga_lint.config import load_config

    cache = CheckCache.open(cat, str(tmp_path / "cache"))
    assert cache is not None
    config = load_config(cat)
    first = cache.keyed(config)
    assert first.before is None and first.edited == ()  # nothing recorded yet
    assert cache.keyed(config) == (first.key, None, ())  # nothing changed
    _append(cat / SERVICE, "\nProse.\n")
    _append(cat / "teams" / "ordering-platform.mdx", "\nProse.\n")
    second = cache.keyed(config)
    assert second.before == first.key and second.key != first.key
    assert sorted(rel for rel, _ in second.edited) == [SERVICE, "teams/ordering-platform.mdx"]
    (cat / "teams" / "extra.mdx").write_text("---\nid: extra\n---\n")
    _append(cat / SERVICE, "\nMore.\n")
    assert cache.keyed(config).before is None  # a file added: not only content
    (cat / "teams" / "extra.mdx").unlink()
    cache.keyed(config)
    (cat / "teams" / "link.mdx").symlink_to(cat / "users" / "mara-okafor.mdx")
    assert cache.keyed(config).before is None  # a link added
    cache.keyed(config)
    _append(cat / "users" / "mara-okafor.mdx", "\nProse.\n")  # the link's folder holds a link: its facts changed
    assert cache.keyed(config).before is None
    (cat / "teams" / "link.mdx").unlink()
    cache.keyed(config)
    (cat / "teams" / "payments-platform.mdx").rename(cat / "teams" / "payments-team.mdx")  # as many files, renamed
    _append(cat / "teams" / "ordering-platform.mdx", "\nMore.\n")
    assert cache.keyed(config).before is None
    (cat / "teams" / "sub").mkdir()  # a folder added beside an edited page
    _append(cat / "teams" / "ordering-platform.mdx", "\nMore.\n")
    assert cache.keyed(config).before is None
    _append(cat / "teams" / "ordering-platform.mdx", "\nMore.\n")
    assert cache.keyed(config).edited == (("teams/ordering-platform.mdx", _digest(cat / "teams" / "ordering-platform.mdx")),)


def _digest(path: Path) -> str:
    import hashlib

    return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_the_forked_walk_sends_its_edits(cat, tmp_path, monkeypatch):
    import saga_lint.cache as cache_mod
    from saga_lint.config import load_config

    monkeypatch.setattr(cache_mod, "PARALLEL_FROM", 0)  # the walk shared with a forked process
    cache = cache_mod.CheckCache.open(cat, str(tmp_path / "cache"))
    assert cache is not None
    config = load_config(cat)
    first = cache.keyed(config)
    cache.keyed(config)
    pages = sorted(p.relative_to(cat).as_posix() for p in cat.rglob("*.mdx"))
    for rel in pages:
        _append(cat / rel, "\nProse.\n")
    second = cache.keyed(config)
    assert second.before == first.key
    assert sorted(rel for rel, _ in second.edited) == pages  # the forked half's too


_LINES = st.sampled_from([
    "", "Plain prose.", "```", "~~~", "    indented", "\t<SchemaViewer file=\"schema.json\" />",
    '<SchemaViewer file="schema.json" />', "<Schema file='missing.json'/>", "[[service|OrderService]]",
    "## Saga steps", "| Step | Owner |", "|---|---|", "## Compensation", "---", "<NodeGraph />", "   ",
])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 10_000), _LINES), min_size=1, max_size=4))
def test_any_edit_of_bodies_gives_the_cold_output(tmp_path_factory, edits):
    """Whatever lines are put into pages' bodies (flows, docs pages, services, messages), the
    output with the cache is the cold one."""
    root = tmp_path_factory.mktemp("prose")
    cat, cache = root / "cat", root / "cache"
    shutil.copytree(OUR_CATALOG, cat)
    _check(cat, cache)
    pages = sorted(p for p in cat.rglob("*.md*") if p.is_file())
    for which, where, line in edits:
        page = pages[which % len(pages)]
        head, sep, body = page.read_text().partition("\n---\n")
        lines = body.split("\n")
        lines.insert(where % (len(lines) + 1), line)
        page.write_text(head + sep + "\n".join(lines))
    assert _check(cat, cache)[0] == _check(cat, None)[0]


def test_the_page_parsed_is_the_page_hashed(cat, tmp_path, monkeypatch):
    """A page rewritten between the key's walk and its re-read (a frontmatter edit hashed by the walk,
    an edit of prose read back): its signature is not trusted, whatever the file holds after."""
    import saga_lint.catalog.fileio as fileio
    from saga_lint.cache import CheckCache
    from saga_lint.config import load_config

    _check(cat, tmp_path / "cache")
    page = cat / SERVICE
    original = page.read_bytes()
    _frontmatter(cat)  # the content the walk hashes
    cache = CheckCache.open(cat, str(tmp_path / "cache"))
    assert cache is not None
    config = load_config(cat)
    keyed = cache.keyed(config)
    assert [rel for rel, _ in keyed.edited] == [SERVICE]
    real = fileio.read_capped

    def read_back_prose(path, cap):  # what a writer racing the re-read leaves there for a moment
        if path.endswith(SERVICE):
            return original + b"\nA sentence.\n", os.stat(path)
        return real(path, cap)

    monkeypatch.setattr(fileio, "read_capped", read_back_prose)
    assert cache.after_prose_edits(keyed, config) is None  # the bytes read are not the bytes hashed
    import hashlib

    read_back = hashlib.blake2b(original + b"\nA sentence.\n", digest_size=16).hexdigest()
    assert cache.after_prose_edits(keyed._replace(edited=((SERVICE, read_back),)), config) is not None  # had they been


# -- inputs the walk does not see ------------------------------------------------------------------

CAPTURED = "domains/Payments/systems/payment-system/services/PaymentService/events/payment-captured"
PAYMENT_SERVICE = "domains/Payments/systems/payment-system/services/PaymentService/index.mdx"


def _hidden_schema(cat: Path) -> Path:
    """payment-captured's schema moved into a hidden folder (``schemaPath: .schemas/schema.json``),
    which the catalog's walk, and so the cache's key, skips; the check still reads it."""
    folder = cat / CAPTURED
    (folder / ".schemas").mkdir()
    shutil.copy(folder / "schema.json", folder / ".schemas" / "schema.json")
    _edit(folder / "index.mdx", "schemaPath: schema.json", "schemaPath: .schemas/schema.json")
    return folder / ".schemas" / "schema.json"


@pytest.mark.parametrize("jobs", ["1", "2"], ids=["one process", "loader workers"])
@pytest.mark.parametrize("with_prose", [False, True], ids=["unchanged pages", "an edit of prose"])
def test_a_file_read_outside_the_walk_is_part_of_the_key(cat, tmp_path, with_prose, jobs):
    cache = tmp_path / "cache"
    schema = _hidden_schema(cat)
    _check(cat, cache, jobs=jobs)
    schema.write_text('{"type": "object", "properties": {"x": {"type": "nosuchtype"}}')  # not JSON any more
    if with_prose:
        _append(cat / SERVICE, "\nA sentence.\n")
    cold, _ = _check(cat, None)
    assert "schema/invalid-json-schema" in cold
    assert _check(cat, cache, jobs=jobs) == (cold, True)
    assert _check(cat, cache, jobs=jobs) == (cold, False)


def test_a_public_folder_made_after_the_check_is_part_of_the_key(cat, tmp_path):
    """Icons are checked only when the catalog has ``public/`` (a folder the walk skips)."""
    cache = tmp_path / "cache"
    _edit(cat / PAYMENT_SERVICE, "\nname:", "\nstyles:\n  icon: /icons/go.svg\nname:")
    _check(cat, cache)
    (cat / "public").mkdir()
    cold, _ = _check(cat, None)
    assert "refs/file-exists" in cold
    assert _check(cat, cache) == (cold, True)
    (cat / "public" / "icons").mkdir()
    (cat / "public" / "icons" / "go.svg").write_text("<svg/>")  # and now the icon is there
    cold, _ = _check(cat, None)
    assert "refs/file-exists" not in cold
    assert _check(cat, cache) == (cold, True)


def test_a_damaged_record_of_unwalked_inputs_is_a_miss(cat, tmp_path):
    cache = tmp_path / "cache"
    _hidden_schema(cat)
    _check(cat, cache)
    entry = next(cache.glob("check-*.json"))
    doc = json.loads(entry.read_text())
    assert any(rel.endswith(".schemas/schema.json") for rel in doc["unwalked"])
    for forged in ({"../../etc/passwd": "missing"}, {"/etc/passwd": "missing"}, ["public"], {"public": 1}):
        entry.write_text(json.dumps({**doc, "unwalked": forged}))
        assert _check(cat, cache) == (_check(cat, None)[0], True)
        entry = next(cache.glob("check-*.json"))
