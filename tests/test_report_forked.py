"""The folded sagas of a large report drawn by a forked child (``render.html.sagas``, on
``saga_lint.forked``): the page is the same byte for byte with the child, without it, and when it
fails; a report that fails meanwhile leaves no child behind."""

from __future__ import annotations

import os

import pytest
from conftest import OUR_CATALOG
from test_report import lazy_everything, report

from saga_lint import forked
from saga_lint.render.html import sagas

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")


def _reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


@pytest.fixture
def drawn_here(monkeypatch) -> list[int]:
    """The processes that drew folded sagas, as seen from this one: a child's calls are in the
    child's memory, so only this process's own calls show."""
    calls: list[int] = []
    real = sagas._folded_items

    def counted(*args):
        calls.append(os.getpid())
        return real(*args)

    monkeypatch.setattr(sagas, "_folded_items", counted)
    return calls


def test_the_child_draws_the_folded_sagas_and_the_page_is_the_same(monkeypatch, drawn_here):
    lazy_everything(monkeypatch)  # both sagas of catalog/ folded, drawn from the data
    monkeypatch.setattr(forked, "worth_forking", lambda: True)
    with_child = report(OUR_CATALOG)
    assert drawn_here == []  # drawn by the child
    monkeypatch.setattr(forked, "worth_forking", lambda: False)
    assert report(OUR_CATALOG) == with_child
    assert drawn_here == [os.getpid()]
    assert '"uid":"saga-0-' in with_child and '"uid":"saga-1-' in with_child


@pytest.mark.parametrize("how", ["raises", "dies"])
def test_a_child_that_fails_leaves_the_page_the_same(monkeypatch, how):
    lazy_everything(monkeypatch)
    monkeypatch.setattr(forked, "worth_forking", lambda: False)
    expected = report(OUR_CATALOG)
    here = os.getpid()
    real = sagas._folded_items

    def fails_in_the_child(*args):
        if os.getpid() != here:
            if how == "dies":
                os._exit(0)  # no result sent, and a clean exit code
            raise RuntimeError("the child fails")
        return real(*args)

    monkeypatch.setattr(sagas, "_folded_items", fails_in_the_child)
    monkeypatch.setattr(forked, "worth_forking", lambda: True)
    assert report(OUR_CATALOG) == expected


def test_a_report_that_fails_meanwhile_leaves_no_child(monkeypatch):
    from saga_lint.render.html import sections

    lazy_everything(monkeypatch)
    monkeypatch.setattr(forked, "worth_forking", lambda: True)
    started: list[forked.Child[object]] = []
    real_start = forked.start

    def recorded(work):
        child = real_start(work)
        started.append(child)
        return child

    def broken(*args):
        raise RuntimeError("the contracts fail")

    monkeypatch.setattr(forked, "start", recorded)
    monkeypatch.setattr(sections, "contracts_section", broken)
    with pytest.raises(RuntimeError, match="the contracts fail"):
        report(OUR_CATALOG)
    assert len(started) == 1 and _reaped(started[0].pid)


def test_forked_sends_the_result_back():
    child = forked.start(lambda: {"sagas": ["a" * 200_000, "✓"]})  # more than a pipe holds
    assert child is not None
    assert child.result() == {"sagas": ["a" * 200_000, "✓"]}
    assert _reaped(child.pid) and child.result() is None  # read once


def test_forked_says_none_when_the_child_fails():
    def fails():
        raise ValueError("no")

    child = forked.start(fails)
    assert child is not None and child.result() is None and _reaped(child.pid)
    killed = forked.start(lambda: os.kill(os.getpid(), 9))
    assert killed is not None and killed.result() is None and _reaped(killed.pid)


def test_forked_discard_stops_a_child_still_writing():
    child = forked.start(lambda: "x" * 5_000_000)  # blocks on the pipe until read or closed
    assert child is not None
    child.discard()
    assert _reaped(child.pid) and child.result() is None


def test_no_fork_no_child(monkeypatch):
    monkeypatch.delenv("SAGA_LINT_JOBS", raising=False)
    monkeypatch.delattr(os, "fork")
    assert forked.start(lambda: 1) is None
    assert not forked.worth_forking()


def test_jobs_1_means_no_child(monkeypatch):
    monkeypatch.setenv("SAGA_LINT_JOBS", "1")
    assert not forked.worth_forking()
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    monkeypatch.setenv("SAGA_LINT_JOBS", "")
    assert not forked.worth_forking()  # one CPU
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert forked.worth_forking()


def _utf8_and_text(path) -> tuple[bytes, str]:
    from saga_lint.pipeline import run_check
    from saga_lint.readiness import report_input
    from saga_lint.render.html import render, render_utf8

    report_of = report_input(run_check(path))
    return render_utf8(report_of), render(report_of)


@pytest.mark.parametrize("child", [True, False])
def test_the_written_page_is_the_text_page_encoded(monkeypatch, child):
    monkeypatch.setattr(forked, "worth_forking", lambda: child)
    utf8, text = _utf8_and_text(OUR_CATALOG)  # no folded saga
    assert utf8 == text.encode("utf-8")
    lazy_everything(monkeypatch)
    utf8, text = _utf8_and_text(OUR_CATALOG)  # the folded sagas' JSON sent encoded
    assert utf8 == text.encode("utf-8") and '"uid":"saga-1-' in text


@pytest.mark.parametrize("where", ["saga", "event"])
@pytest.mark.parametrize("folded", [True, False])
def test_an_undecodable_file_name_is_written_as_the_text_page_shows_it(tmp_path, monkeypatch, folded, where):
    """A name that is not UTF-8 in a saga's sections (the child's part) or only in the rest."""
    import shutil

    root = tmp_path / "c"
    shutil.copytree(OUR_CATALOG, root)
    saga = root / "domains" / "Ordering" / "systems" / "checkout-system" / "flows" / "CheckoutSaga"
    try:
        if where == "saga":
            saga.rename(saga.parent / os.fsdecode(b"CheckoutSaga\xff"))
        else:  # an event with no owner: in the table of resources without one
            (root / os.fsdecode(b"events/CheckoutSaga\xff")).mkdir(parents=True)
    except (OSError, UnicodeEncodeError):
        pytest.skip("the file system does not take undecodable names")
    if where == "event":
        (root / os.fsdecode(b"events/CheckoutSaga\xff/index.md")).write_text("---\nid: x\nversion: 1.0.0\n---\n")
    monkeypatch.setattr(forked, "worth_forking", lambda: True)
    if folded:
        lazy_everything(monkeypatch)
    utf8, text = _utf8_and_text(root)
    assert utf8 == text.encode("utf-8") and "CheckoutSaga\ufffd" in text
    assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)


def test_the_command_writes_the_page_render_returns(tmp_path):
    from conftest import run_cli

    out = tmp_path / "r.html"
    assert run_cli("report", OUR_CATALOG, "-o", out).returncode == 0
    assert out.read_bytes() == _utf8_and_text(OUR_CATALOG)[1].encode("utf-8")


def test_items_encoded_one_by_one_are_the_array_encoded():
    from pathlib import PurePosixPath

    from saga_lint.render.html import lazy

    items = [{"a": "</script>\u2028&\u2029", "b": [1, 2.5, None, True]}, "x<y", PurePosixPath("a/b"), []]
    assert lazy.encode_items(iter(items)) == lazy.encode(items)[1:-1]
    assert "<" not in lazy.encode_items(iter(items)) and lazy.encode_items(iter([])) == ""
