"""A progress indicator on stderr for runs that take more than a second, only on a terminal.

``Progress(label, enabled)`` is a context manager: after ``delay`` seconds (one by default) a
daemon thread redraws one line, ``saga-lint: checking LABEL - 3s`` with a turning bar, every
``interval`` seconds, and the line is erased when the run ends. Nothing is drawn for a short run,
in a pipe, or in CI logs (stderr is no terminal). The line is written with ``os.write`` on the
file descriptor, so the thread never holds a lock of Python's buffered stderr (a worker process
forked meanwhile cannot inherit a held lock from it).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType

FRAMES = "|/-\\"
CLEAR = "\r\x1b[K"


def _stderr_fd() -> int | None:
    try:
        return sys.stderr.fileno()
    except (AttributeError, ValueError, OSError):
        return None


def stderr_isatty() -> bool:
    fd = _stderr_fd()
    return fd is not None and os.isatty(fd)


def _write_stderr(text: str) -> None:
    fd = _stderr_fd()
    if fd is not None:
        with contextlib.suppress(OSError):
            os.write(fd, text.encode("utf-8", "replace"))


class Progress:
    """The indicator for one run; ``write`` receives each frame (stderr by default)."""

    def __init__(self, label: str, enabled: bool, delay: float = 1.0, interval: float = 0.1,
                 write: Callable[[str], None] = _write_stderr) -> None:
        from saga_lint.render.safe import terminal_safe

        self.label = terminal_safe(label)
        self.enabled = enabled
        self.delay = delay
        self.interval = interval
        self.write = write
        self.shown = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def frame(self, n: int, elapsed: float) -> str:
        return f"\rsaga-lint: checking {self.label} {FRAMES[n % len(FRAMES)]} {elapsed:.0f}s"

    def _run(self) -> None:
        start = time.monotonic()
        if self._stop.wait(self.delay):
            return
        n = 0
        while not self._stop.is_set():
            self.write(self.frame(n, time.monotonic() - start))
            self.shown = True
            n += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> Progress:
        if self.enabled:
            self._thread = threading.Thread(target=self._run, name="saga-lint-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        if self.shown:
            self.write(CLEAR)
