"""Fourth review of the cache's key walk (#17): the index read once before the early fork."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import saga_lint.cache as cache_mod


class Waited(Exception):  # no OSError (TimeoutError is one): nothing on the way catches it
    pass


@contextlib.contextmanager
def _within(seconds: float, what: str) -> Iterator[None]:
    """Raise ``Waited`` in the block if it runs longer than ``seconds`` (a read that blocks)."""

    def timeout(*_: object) -> None:
        raise Waited(what)

    old = signal.signal(signal.SIGALRM, timeout)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _cold_lines(root: Path, tmp_path: Path) -> list[bytes]:
    folder = tmp_path / f"cold-{time.time_ns()}"
    folder.mkdir()
    return cache_mod.CheckCache(folder, root)._folder_lines()


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not hasattr(signal, "setitimer"), reason="no FIFOs or timers here")
@pytest.mark.parametrize("parallel", [10**9, 0])
def test_an_index_that_is_a_fifo_is_ignored_not_waited_on(tmp_path, monkeypatch, parallel):
    """A cache folder is a file tree anyone could commit or make: an index path that is a FIFO
    (or a link to one, or to a device) is no index; reading it blocked forever for a writer."""
    monkeypatch.setattr(cache_mod, "PARALLEL_FROM", parallel)
    root = tmp_path / "cat"
    (root / "a").mkdir(parents=True)
    (root / "a" / "x.md").write_text("v1")
    cache = cache_mod.CheckCache.open(root, str(tmp_path / "cache"))
    assert cache is not None
    os.mkfifo(cache.index_file)
    with _within(5, "the key's walk waited on the index"):
        lines = cache._folder_lines()
    assert lines == _cold_lines(root, tmp_path)
    assert json.loads(cache.index_file.read_text())["folders"]["a"].startswith("d")  # written again, a file


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_an_index_that_links_to_a_device_is_ignored(tmp_path):
    """An index path that is a link to an endless device is no index (it was read to the end)."""
    root = tmp_path / "cat"
    (root / "a").mkdir(parents=True)
    cache = cache_mod.CheckCache.open(root, str(tmp_path / "cache"))
    assert cache is not None
    cache.index_file.symlink_to("/dev/zero")
    assert cache._folder_lines() == _cold_lines(root, tmp_path)
    assert not cache.index_file.is_symlink()  # replaced by a real index


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not hasattr(signal, "setitimer"), reason="no FIFOs or timers here")
def test_a_result_entry_that_is_a_fifo_is_a_miss_not_waited_on(tmp_path):
    """The entry a key names (``check-<key>.json``) read as the index is: a FIFO there is a miss."""
    from saga_lint.config import load_config

    root = tmp_path / "cat"
    (root / "a").mkdir(parents=True)
    (root / "a" / "x.md").write_text("v1")
    cache = cache_mod.CheckCache.open(root, str(tmp_path / "cache"))
    assert cache is not None
    config = load_config(root)
    key = cache.key(config)
    os.mkfifo(cache._entry(key))
    with _within(5, "the cache waited on a result entry"):
        assert cache.load(key, config) is None


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_a_fork_that_fails_leaves_no_pipe_open(tmp_path, monkeypatch):
    """No process left for the shared walk: this process walks it all (the same key), and the
    pipe made for the child is closed again."""
    monkeypatch.setattr(cache_mod, "PARALLEL_FROM", 0)
    root = tmp_path / "cat"
    for d in range(20):
        (root / f"d{d}").mkdir(parents=True)
        (root / f"d{d}" / "x.md").write_text(str(d))
    cache = cache_mod.CheckCache.open(root, str(tmp_path / "cache"))
    assert cache is not None
    made: list[int] = []
    real_pipe = os.pipe

    def pipe():
        ends = real_pipe()
        made.extend(ends)
        return ends

    def no_fork():
        raise OSError("no more processes")

    monkeypatch.setattr(cache_mod.os, "pipe", pipe)
    monkeypatch.setattr(cache_mod.os, "fork", no_fork)
    lines = cache._folder_lines()
    assert len(made) == 2
    for fd in made:  # (checked before anything else opens a file and takes the number again)
        with pytest.raises(OSError):
            os.fstat(fd)
    monkeypatch.undo()
    assert lines == _cold_lines(root, tmp_path)
