"""``catalog.fileio.read_capped``: the whole file in one read when fstat is right, and still the
whole file (up to the cap) when the file changed size between fstat and read."""

from __future__ import annotations

import os
import stat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saga_lint.catalog.fileio import _read_all, read_capped


@settings(max_examples=200, deadline=None)
@given(content=st.binary(max_size=70_000))
def test_reads_exactly_the_file(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("f") / "page.mdx"
    path.write_bytes(content)
    raw, info = read_capped(str(path), 100_000)
    assert raw == content
    assert stat.S_ISREG(info.st_mode) and info.st_size == len(content)


def test_over_the_cap_is_not_read(tmp_path):
    path = tmp_path / "big.json"
    path.write_bytes(b"x" * 101)
    raw, info = read_capped(str(path), 100)
    assert raw is None and info.st_size == 101
    path.write_bytes(b"x" * 100)
    assert read_capped(str(path), 100)[0] == b"x" * 100


@pytest.mark.parametrize("believed", [0, 1, 50, 99, 101, 150, 10_000])
@pytest.mark.parametrize("actual", [0, 1, 100, 5_000, 70_000])
def test_a_file_whose_size_changed_since_fstat_is_read_to_its_end_or_the_cap(tmp_path, believed, actual):
    """``_read_all`` trusts a single read only when it returns exactly the size fstat gave."""
    content = bytes(range(256)) * (actual // 256) + bytes(range(actual % 256))
    path = tmp_path / "f"
    path.write_bytes(content)
    cap = 60_000
    fd = os.open(path, os.O_RDONLY)
    try:
        raw = _read_all(fd, believed, cap)
    finally:
        os.close(fd)
    if believed == actual or actual <= cap:
        assert raw == content
    else:  # grew past the cap: one byte more than the cap tells the caller it is too large
        assert raw == content[: cap + 1]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_judged_without_blocking(tmp_path):
    path = tmp_path / "page.mdx"
    os.mkfifo(path)
    raw, info = read_capped(str(path), 100)
    assert raw is None and stat.S_ISFIFO(info.st_mode)


def test_a_missing_file_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        read_capped(str(tmp_path / "nope"), 100)
