"""Reading a catalog file in as few system calls as it takes: open, fstat, one read, close.

A catalog of 10,000 services is about 45,000 files, and under a sandbox such as gVisor every
system call costs microseconds: a ``stat`` before the ``open`` and a second ``read`` to see the end
of the file were a third of the loader's calls per file. The file is opened non-blocking and
without becoming a terminal (a FIFO named like a page must not hang the run), and judged by
``fstat`` on the open descriptor, so a file swapped between the check and the read cannot slip by.

``MAX_FILE_BYTES`` is the one size cap of a catalog file (pages and schema files alike).
"""

from __future__ import annotations

import hashlib
import os
import stat

MAX_FILE_BYTES = 5 * 1024 * 1024  # the one size cap for a catalog file (pages, schemas)

_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)


def read_capped(abs_path: str, cap: int) -> tuple[bytes | None, os.stat_result]:
    """``(content, stat)`` of a regular file of at most ``cap`` bytes. ``content`` is None when the
    file is not a regular file or ``stat`` says it is over the cap; a file that grows while it is
    read comes back with up to ``cap + 1`` bytes (the caller sees it is too large). Raises
    ``OSError`` when the file cannot be opened or read."""
    fd = os.open(abs_path, _FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > cap:
            return None, st
        return _read_all(fd, st.st_size, cap), st
    finally:
        os.close(fd)


def _read_all(fd: int, size: int, cap: int) -> bytes:
    # ask for one byte more than fstat saw: getting exactly ``size`` bytes means the whole file
    # (a regular file's read stops short only at its end), so no second read is needed to see EOF
    chunk = os.read(fd, size + 1)
    if len(chunk) == size:
        return chunk
    parts = [chunk]
    total = len(chunk)
    # the file changed size since fstat (or a read stopped short): read on to the end or the cap
    while chunk and total <= cap:
        chunk = os.read(fd, min(cap + 1 - total, 65536) or 1)
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)


def content_digest(content: bytes) -> str:
    """The digest of a file's content as the result cache keys it (BLAKE2, 16 bytes, hex)."""
    return hashlib.blake2b(content, digest_size=16).hexdigest()
