"""One piece of work done by a forked child process while this process does another.

``start(work)`` forks; the child calls ``work()``, sends its result back pickled over a pipe and
exits without the parent's clean-up (``os._exit``). ``Child.result()`` reads it and reaps the
child: the result, or None when anything went wrong (no fork on this platform, no process left,
the child raised or was killed, its bytes do not unpickle): then the caller does the work itself,
so the output never depends on whether the fork happened.

A fork pays only where a second CPU is free to run the child: ``worth_forking`` says no with one
usable CPU and when ``SAGA_LINT_JOBS=1`` turns saga-lint's parallel paths off. Memory: the child
shares the parent's pages until either writes them (reference counts write the pages of the
objects the child reads), but each process's resident set counts the shared pages, so the summed
RSS of the process tree reads about twice the parent's while the child lives.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


def worth_forking() -> bool:
    """Whether a forked child can run beside this process: ``os.fork`` exists, more than one CPU
    is usable and ``SAGA_LINT_JOBS`` is not 1."""
    if not hasattr(os, "fork") or os.environ.get("SAGA_LINT_JOBS", "").strip() == "1":
        return False
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return cpus > 1


class Child(Generic[T]):
    """A forked child computing a result for this process (``start``)."""

    def __init__(self, pid: int, read_end: int) -> None:
        self.pid = pid
        self.read_end: int | None = read_end

    def result(self) -> T | None:
        """The child's result, or None when it failed; waits for the child, and reaps it."""
        if self.read_end is None:
            return None
        read_end, self.read_end = self.read_end, None
        try:
            with os.fdopen(read_end, "rb") as inbox:
                data = inbox.read()
            os.waitpid(self.pid, 0)
            # from our own child, over a pipe: not a file anyone wrote. A child that failed sent
            # nothing or a cut pickle (it writes only a whole result): that does not load
            sent: T = pickle.loads(data)
            return sent
        except Exception:  # a cut pickle raises one of several errors
            return None

    def discard(self) -> None:
        """Give up on the result (this process failed meanwhile): close the pipe, so that a child
        still writing stops, and reap it. Nothing after ``result``."""
        if self.read_end is None:
            return
        os.close(self.read_end)
        self.read_end = None
        with contextlib.suppress(OSError):  # reaped already
            os.waitpid(self.pid, 0)


def start(work: Callable[[], T]) -> Child[T] | None:
    """``work()`` in a forked child; None when no child could be started (the caller does the work)."""
    if not hasattr(os, "fork"):
        return None
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:  # no process left: the caller does the work, and the pipe is not needed
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the child: work, send, exit without the parent's clean-up (whatever happens)
        code = 1
        try:
            os.close(read_end)
            data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as out:
                out.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    return Child(pid, read_end)
