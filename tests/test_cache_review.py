"""Review of the cache's per-folder index (``cache._Walk``, layout 6): edits the key must see on a
file system whose timestamps are coarse (one second: HFS+, FAT, some network file systems, or a
kernel before multigrain timestamps with its tick), and an index record that is damaged but still
carries its folder's signature."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

import saga_lint.cache as cache_mod

SECOND = 1_000_000_000


class _CoarseOs:
    """``os`` as cache.py sees it on a file system whose timestamps have one-second granularity."""

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)

    @staticmethod
    def stat(path, *args, **kwargs):
        st = os.stat(path, *args, **kwargs)
        return SimpleNamespace(st_size=st.st_size, st_ino=st.st_ino, st_mode=st.st_mode, st_dev=st.st_dev,
                               st_mtime_ns=st.st_mtime_ns // SECOND * SECOND, st_ctime_ns=st.st_ctime_ns // SECOND * SECOND)


def _early_in_a_second() -> None:
    """Wait until the clock is in the first fifth of a second: the next few steps share that second."""
    while time.time_ns() % SECOND > SECOND // 5:
        time.sleep(0.01)


def _cold_lines(root: Path, tmp_path: Path) -> list[bytes]:
    """The key's folder lines from an empty index (every folder listed, every file read)."""
    folder = tmp_path / f"cold-{time.time_ns()}"
    folder.mkdir()
    return cache_mod.CheckCache(folder, root)._folder_lines()


@pytest.fixture
def coarse(monkeypatch):
    monkeypatch.setattr(cache_mod, "os", _CoarseOs())


@pytest.mark.parametrize("edit", ["same-size rewrite", "new file"])
def test_an_edit_in_the_second_a_slow_walk_read_is_seen_by_the_next_key(tmp_path, monkeypatch, coarse, edit):
    """The racy window counts from when the index was *written*: a file read (or folder listed)
    early in a walk that lasts more than a second, and edited in the same second just after, keeps
    its recorded signature and is older than the window, so its old digest (or listing) is reused:
    the key of the old content for the new one, a stale hit. The window must count from the start
    of the walk that wrote the index."""
    real = cache_mod._content_digest
    for attempt in range(5):  # a machine busy enough to spend 0.8 s on a few steps misses the second: again
        root = tmp_path / f"cat{attempt}"
        (root / "a").mkdir(parents=True)
        page = root / "a" / "x.md"
        cache = cache_mod.CheckCache.open(root, str(tmp_path / f"cache{attempt}"))
        assert cache is not None
        done: list[str] = []

        def read_then_edit(path: str, page: Path = page, root: Path = root, done: list[str] = done) -> str:
            digest = real(path)
            if path.endswith("x.md") and not done:
                done.append(path)
                if edit == "same-size rewrite":
                    page.write_text("v2")
                else:
                    (root / "a" / "y.md").write_text("new")
                time.sleep(1.2)  # the rest of a walk of a large catalog
            return digest

        _early_in_a_second()
        page.write_text("v1")  # written, read, edited in one second
        monkeypatch.setattr(cache_mod, "_content_digest", read_then_edit)
        first = cache._folder_lines()
        monkeypatch.setattr(cache_mod, "_content_digest", real)
        record = json.loads(cache.index_file.read_text())["folders"]["a"]
        st = _CoarseOs.stat(root / "a")
        if record.startswith(f"d{st.st_mtime_ns}:{st.st_ino}:{st.st_ctime_ns}\0"):  # the edit kept the signatures
            break
    else:
        pytest.fail("five times, the page's write, read and edit did not share one second")
    cold = _cold_lines(root, tmp_path)
    assert cold != first
    assert cache._folder_lines() == cold


def test_a_link_target_edited_in_the_same_second_changes_the_key(tmp_path, coarse):
    """A link's key is its target's signature only, with no racy rule: a target (here in a hidden
    folder, which the walk does not digest, but the loader reads through the link) edited in the
    second it was last written keeps its signature, and the key stays the old content's."""
    root = tmp_path / "cat"
    (root / ".shared").mkdir(parents=True)
    (root / "a").mkdir()
    target = root / ".shared" / "schema.json"
    target.write_text('{"type": "string"}')
    os.symlink("../.shared/schema.json", root / "a" / "schema.json")
    cache = cache_mod.CheckCache.open(root, str(tmp_path / "cache"))
    assert cache is not None
    _early_in_a_second()
    target.write_text('{"type": "string"}')
    first = cache._folder_lines()
    target.write_text('{"type": "strnig"}')  # same size, same second
    assert cache._folder_lines() != first
    assert cache._folder_lines() == _cold_lines(root, tmp_path)


@pytest.mark.parametrize("field, bad", [
    (1, "x:zz"), (1, "0:abc"), (1, ":"), (1, "0:" + "00" * 16), (2, "\ud800"), (2, "x.md/"), (2, "/"), (3, "1:2:3:4/"),
    (3, "junk"), (4, "\ud800"), (4, ""), (5, "\ud800"), (5, "/"), (5, ".."), (6, "\ud800"), (6, "gone.json")])
def test_a_damaged_record_that_keeps_its_folders_signature_does_not_crash(tmp_path, monkeypatch, field, bad):
    """The index is JSON anyone can edit: a record whose signature is its folder's but whose
    fields are malformed (an empty name, a lone surrogate no file name decodes to, a line digest
    that is no hex, signatures that do not parse) must not crash the key (``IndexError``,
    ``UnicodeEncodeError``, ``ValueError``)."""
    root = tmp_path / "cat"
    (root / "a" / "sub").mkdir(parents=True)
    (root / "a" / "x.md").write_text("v1")
    cache = cache_mod.CheckCache.open(root, str(tmp_path / "cache"))
    assert cache is not None
    time.sleep(cache_mod.RACY_NS / 1e9 + 0.2)  # every folder older than the racy window of the index below
    cache._folder_lines()
    doc = json.loads(cache.index_file.read_text())
    fields = doc["folders"]["a"].split("\0")
    assert len(fields) == cache_mod._FIELDS
    fields[field] = bad
    doc["folders"]["a"] = "\0".join(fields)
    cache.index_file.write_text(json.dumps(doc))
    for parallel in (10**9, 0):
        monkeypatch.setattr(cache_mod, "PARALLEL_FROM", parallel)
        assert all(isinstance(line, bytes) for line in cache._folder_lines())


def test_an_unchanged_folder_keeps_its_recorded_key_line(tmp_path, monkeypatch):
    """A folder whose signature and files' signatures are the recorded ones is not listed and its
    key line is not composed again (``_Walk._as_recorded``: the warm walk's cost is its ``stat``
    calls); a file touched without a change of content makes its folder (only) compose its line
    again, to the same key."""
    root = tmp_path / "cat"
    for name in ("a", "b", "c/d"):
        (root / name).mkdir(parents=True)
        (root / name / "x.md").write_text(name)
    cache = cache_mod.CheckCache.open(root, str(tmp_path / "cache"))
    assert cache is not None
    time.sleep(cache_mod.RACY_NS / 1e9 + 0.2)  # every file older than the index's racy window
    first = cache._folder_lines()
    composed: list[str] = []
    real = cache_mod._line_digest
    monkeypatch.setattr(cache_mod, "_line_digest", lambda line: composed.append(line[0]) or real(line))
    assert cache._folder_lines() == first and composed == []
    os.utime(root / "b" / "x.md")  # the same content, another signature
    assert cache._folder_lines() == first and composed == ["b"]


def test_a_link_to_a_file_outside_the_catalog_is_not_read(tmp_path, monkeypatch):
    """The loader never follows a link out of the catalog (it reports it), so its target's content
    is no input of the check: the key's walk does not read it (a hostile link could name a huge
    file), while a link to a file inside the catalog is read."""
    root = tmp_path / "cat"
    (root / "a").mkdir(parents=True)
    (root / ".shared").mkdir()
    (root / ".shared" / "in.json").write_text("{}")
    (tmp_path / "out.json").write_text("{}")
    os.symlink(tmp_path / "out.json", root / "a" / "out.json")
    os.symlink("../.shared/in.json", root / "a" / "in.json")
    cache = cache_mod.CheckCache.open(root, str(tmp_path / "cache"))
    assert cache is not None
    read: list[str] = []
    real = cache_mod._content_digest
    monkeypatch.setattr(cache_mod, "_content_digest", lambda path: read.append(os.path.basename(path)) or real(path))
    cache._folder_lines()
    assert "in.json" in read and "out.json" not in read


def test_an_index_written_in_the_future_is_not_trusted(tmp_path, coarse):
    """An index whose time is after the walk's start (a hand edit, a clock set back) would turn
    the racy window off: it is read as no index at all."""
    root = tmp_path / "cat"
    (root / "a").mkdir(parents=True)
    cache = cache_mod.CheckCache.open(root, str(tmp_path / "cache"))
    assert cache is not None
    _early_in_a_second()
    (root / "a" / "x.md").write_text("v1")
    first = cache._folder_lines()
    doc = json.loads(cache.index_file.read_text())
    cache.index_file.write_text(json.dumps({**doc, "written": time.time_ns() + 3600 * SECOND}))
    (root / "a" / "x.md").write_text("v2")  # same size, same second
    assert cache._folder_lines() != first
    assert json.loads(cache.index_file.read_text())["written"] <= time.time_ns()


def test_a_damaged_folder_name_does_not_walk_out_of_the_catalog(tmp_path):
    """No real name holds "/": a record's sub-folders ``sub/../../..`` (its folder's signature
    kept) are not all walked: ``..`` is not, so nothing outside the catalog enters the key or the index."""
    root = tmp_path / "cat"
    (root / "a" / "sub").mkdir(parents=True)
    (root / "a" / "x.md").write_text("v1")
    (tmp_path / "outside").mkdir()
    cache = cache_mod.CheckCache.open(root, str(tmp_path / "cache"))
    assert cache is not None
    time.sleep(cache_mod.RACY_NS / 1e9 + 0.2)
    first = cache._folder_lines()
    doc = json.loads(cache.index_file.read_text())
    fields = doc["folders"]["a"].split("\0")
    fields[5] = "sub/../../.."  # the sub-folders field: the catalog's parent, tmp_path
    doc["folders"]["a"] = "\0".join(fields)
    cache.index_file.write_text(json.dumps(doc))
    assert cache._folder_lines() == first
    assert all("/.." not in rel for rel in json.loads(cache.index_file.read_text())["folders"])


def test_the_key_does_not_depend_on_the_listing_order(tmp_path, monkeypatch):
    """A folder's entries are sorted when listed: the same tree listed in another order (tmpfs
    lists the newest first) gives the same key."""
    root = tmp_path / "cat"
    (root / "a").mkdir(parents=True)
    for name in ("b.md", "a.md", "c.md"):
        (root / "a" / name).write_text(name)
    first = _cold_lines(root, tmp_path)
    real = os.scandir

    def reversed_scandir(path):
        return iter(sorted(real(path), key=lambda e: e.name, reverse=True))

    monkeypatch.setattr(cache_mod.os, "scandir", reversed_scandir)
    assert _cold_lines(root, tmp_path) == first


@pytest.mark.parametrize("record", [5, None, ["d1:2:3"], {"a": 1}, True])
def test_a_record_that_is_no_string_is_taken_for_none(tmp_path, monkeypatch, record):
    """An index whose record of a folder is not a string (a hand edit): no crash, the folder is
    listed again, the key is the cold one, and the index is written again with a real record."""
    root = tmp_path / "cat"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "x.md").write_text("v1")
    cache = cache_mod.CheckCache.open(root, str(tmp_path / "cache"))
    assert cache is not None
    cache._folder_lines()
    for parallel in (10**9, 0):
        monkeypatch.setattr(cache_mod, "PARALLEL_FROM", parallel)
        doc = json.loads(cache.index_file.read_text())
        doc["folders"]["a"] = record
        cache.index_file.write_text(json.dumps(doc))
        assert cache._folder_lines() == _cold_lines(root, tmp_path)
        assert isinstance(json.loads(cache.index_file.read_text())["folders"]["a"], str)
