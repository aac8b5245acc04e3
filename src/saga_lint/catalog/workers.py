"""Forked loader workers: they walk and parse batches of units, then compute their pages' facts.

Batch ``i`` goes to worker ``i % n`` (batches are many and small, so the shares are even). Each
worker sends each batch's ``LoadedPart`` as soon as it is parsed (encoded by ``wire``), then
computes the ``PageFacts`` of every page it parsed (``pagefacts.page_facts``, with its own copy of the catalog's
``CatalogFiles``, as forked), dropping each batch's pages as soon as their facts are computed
(the main process holds its own copy: a worker that kept them would double the memory of the
process tree on a large catalog), and sends each batch's facts as soon as they are computed.
``Workers`` is the main process's side: ``results`` takes the parts in batch order, then a thread
per worker reads its facts messages as they come (``_drain``: a worker that waited on a full pipe
would stay alive with its memory); ``collect`` (a ``pagefacts.PendingFacts``) takes the facts,
later, when the rules ask for them, the main process having built the graph meanwhile. A worker that
cannot start or fails leaves its work to the main process, which does it the usual way. The
workers run at a lower priority than the main process, whose work is the run's critical path
(``WORKER_NICENESS``).
"""

from __future__ import annotations

import contextlib
import os
import pickle
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from saga_lint.catalog import pagefacts

if TYPE_CHECKING:
    import threading
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from saga_lint.catalog.files import CatalogFiles
    from saga_lint.catalog.model import Resource
    from saga_lint.catalog.pagefacts import PageFacts
    from saga_lint.catalog.units import LoadedPart, Unit

# Below this many pages, starting worker processes costs more than it saves.
PARALLEL_MIN_PAGES = 300
MAX_WORKERS = 16
WORKER_NICENESS = 5  # how far below the main process the workers run (``_yield_to_the_main_process``)


def parallelism() -> tuple[int, int]:
    """``(workers, min_pages)``: worker processes for large catalogs (one per usable CPU) and the
    page count from which they are used. ``SAGA_LINT_JOBS`` overrides both: 1 turns parallel
    parsing off, N > 1 uses N workers whatever the catalog's size."""
    env = os.environ.get("SAGA_LINT_JOBS", "").strip()
    if env.isdigit() and int(env) >= 1:
        return min(int(env), MAX_WORKERS), 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return min(cpus, MAX_WORKERS), PARALLEL_MIN_PAGES


def _facts_or_none(files: CatalogFiles, res: Resource) -> PageFacts | None:
    """A page's facts, or None if they cannot be computed here (then the main process computes
    them, and fails, the same way)."""
    try:
        return pagefacts.page_facts(files, res)
    except Exception:
        return None


def _yield_to_the_main_process() -> None:
    """Run this worker ``WORKER_NICENESS`` steps below the main process's priority.

    After the parse, the main process builds the graph and the sagas and runs the rules while the
    workers compute the pages' facts: that main thread is the run's critical path. With equal
    priorities, n workers and the main process on n CPUs each got n/(n+1) of a CPU; five steps
    (the scheduler's weight 335 against 1024) are enough to give the main process a whole CPU
    with two workers, and few enough that other work on the machine does not starve them."""
    with contextlib.suppress(OSError):  # not allowed here: the work is the same, only slower
        os.nice(WORKER_NICENESS)


def worker_main(files: CatalogFiles, batches: list[list[Unit]], conn: Connection) -> None:
    """A loader worker: parse each batch and send it back at once; then compute the facts of every
    page it parsed, a message per batch."""
    from saga_lint.catalog import wire
    from saga_lint.catalog.units import load_batch

    _yield_to_the_main_process()
    try:
        kept: list[list[Resource]] = []
        for batch in batches:
            part = load_batch(batch, files.real_root)
            conn.send_bytes(wire.encode(part))
            files.walked.update(part.other_files)
            kept.append(part.pages)
        for i, pages in enumerate(kept):
            facts = [_facts_or_none(files, res) for res in pages]
            kept[i] = []  # the main process has these pages; this copy is not needed any more
            # a message per batch, as they are computed: the main process reads them as they come
            # (``Workers._drain``), so neither the facts nor their bytes pile up here
            conn.send_bytes(pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException:  # noqa: BLE001 - the main process has gone or stopped us, or this
        # worker failed (out of memory, say): it stops quietly; the main process sees the pipe
        # close and does the work itself, reporting any real failure the usual way
        pass
    finally:
        conn.close()


class Workers:
    """The main process's side of the forked loader workers (see the module's docstring)."""

    def __init__(self, batches: list[list[Unit]], n: int, files: CatalogFiles):
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        self.batches = batches
        self.conns: list[Connection] = []
        self.procs: list[BaseProcess] = []
        self.received: list[list[Resource]] = []  # per batch, the pages as this process holds them
        self.readers: list[threading.Thread] = []  # one per worker, reading its facts (``_drain``)
        # per worker, each batch's pages paired with their facts, as its reader thread decoded them
        self.facts_sent: list[list[list[tuple[Resource, PageFacts]]]] = []
        try:
            for w in range(n):
                recv, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=worker_main, args=(files, batches[w::n], send), daemon=True)
                proc.start()
                send.close()
                self.conns.append(recv)
                self.procs.append(proc)
        except (OSError, AssertionError):  # pragma: no cover - no processes or pipes left; or we are a daemon process
            self.close()

    @property
    def started(self) -> bool:
        return bool(self.procs)

    def results(self, on_pages: Callable[[list[Resource]], None] | None = None) -> list[LoadedPart] | None:
        """Every batch's part, in batch order; None if a worker could not start or failed.
        ``on_pages`` gets each batch's pages as soon as they are here."""
        from multiprocessing.connection import wait

        from saga_lint.catalog import wire

        n = len(self.conns)
        if n == 0 or len(self.procs) != n:
            self.close()
            return None
        inbox: list[list[bytes]] = [[] for _ in range(n)]  # read as they come, so that no worker waits on us
        due = [len(self.batches[w::n]) for w in range(n)]
        out: list[LoadedPart] = []
        while len(out) < len(self.batches):
            w = len(out) % n
            try:
                while not inbox[w]:
                    ready = wait([c for i, c in enumerate(self.conns) if due[i]])
                    for i, conn in enumerate(self.conns):
                        if conn in ready:
                            inbox[i].append(conn.recv_bytes())
                            due[i] -= 1
                part = wire.decode(inbox[w].pop(0))
            except (EOFError, OSError, ValueError):  # a worker that failed, or bytes that are no part
                self.close()
                return None
            out.append(part)
            self.received.append(part.pages)
            if on_pages is not None:
                on_pages(part.pages)  # its own errors are the caller's, not a failed worker's
        self._drain()
        return out

    def _drain(self) -> None:
        """Read the workers' facts messages as they are sent, one thread per worker (the reads
        wait outside the GIL), so that no worker waits on a full pipe, alive with its memory,
        until the rules ask for the facts (``collect``). Each worker sends one message per batch;
        its thread decodes each as it comes and pairs its facts with the batch's pages, while
        this process builds the graph and runs the other rules: what ``collect`` is left to do
        once the last worker is done is to hand the pairs over, with no CPU idle meanwhile."""
        import threading

        n = len(self.conns)

        def read(w: int, conn: Connection) -> None:
            with contextlib.suppress(EOFError, OSError):
                for k in range(len(self.batches[w::n])):
                    sent = conn.recv_bytes()
                    try:
                        per_batch = pickle.loads(sent)
                        pages = self.received[w + k * n]
                        pairs = [(res, fact) for res, fact in zip(pages, per_batch, strict=False) if fact is not None]
                    except (EOFError, pickle.UnpicklingError, TypeError):
                        continue  # this batch's facts are left out: computed in this process when asked
                    self.facts_sent[w].append(pairs)

        self.facts_sent = [[] for _ in self.conns]
        self.readers = [threading.Thread(target=read, args=(w, conn), daemon=True) for w, conn in enumerate(self.conns)]
        for reader in self.readers:
            reader.start()

    def collect(self) -> Iterator[tuple[Resource, PageFacts]]:
        """Wait for the workers' page facts: each page received with its facts (``pagefacts.PendingFacts``).
        The pages of a worker that failed, and those whose facts it could not compute, are left out."""
        try:
            for w, reader in enumerate(self.readers):
                reader.join()
                for pairs in self.facts_sent[w]:
                    yield from pairs
                self.facts_sent[w] = []  # not needed once handed over
        finally:
            self.close()

    def close(self) -> None:
        for conn in self.conns:
            conn.close()
        for proc in self.procs:
            proc.join(timeout=5)
            if proc.is_alive():  # pragma: no cover - a worker that hangs
                proc.kill()
                proc.join()
        self.conns, self.procs = [], []
