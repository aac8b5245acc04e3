"""The one pipeline: load -> graph -> saga model -> rules -> findings.

Every command (check, explain, review, report, verify) starts here.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from saga_lint.results import Result

if TYPE_CHECKING:
    import threading

    from saga_lint.config import Config

__all__ = ["Result", "run_check", "timings_on"]  # Result: the check's result, defined with the other results


class _Background:
    """What the steps after loading need and can get ready while this process waits for the
    loader's workers, on a thread: the config (when it is given as a loader) and the imports
    (the saga model and the rules take about 0.1 s). Started only once the workers are forked: a fork while a
    thread holds a module's import lock could leave a worker waiting on it forever."""

    def __init__(self, config: Config | Callable[[], Config]) -> None:
        self.source = config
        self.config: Config | None = None
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None

    def _run(self) -> None:
        try:
            source = self.source
            self.config = source() if callable(source) else source
            import semantic_version  # noqa: F401

            import saga_lint.graph  # noqa: F401
            import saga_lint.saga  # noqa: F401
            from saga_lint.rules import all_rules

            all_rules()
        except BaseException as exc:  # re-raised in the main thread by result()
            self.error = exc

    def start(self) -> None:
        import threading

        self.thread = threading.Thread(target=self._run, name="saga-lint-prepare", daemon=True)
        self.thread.start()

    def result(self) -> Config:
        """The config, once everything is ready (done here if the thread never started)."""
        if self.thread is None:
            self._run()
        else:
            self.thread.join()
        if self.error is not None:
            raise self.error
        assert self.config is not None  # set by _run when it raised nothing
        return self.config


def timings_on() -> bool:
    """``SAGA_LINT_TIMINGS=1``: say on stderr how long each step took and how a result was made."""
    import os

    return os.environ.get("SAGA_LINT_TIMINGS", "") not in ("", "0")


class _Timings:
    """``SAGA_LINT_TIMINGS=1``: how long each step took, on stderr (for benchmarks and bug reports)."""

    def __init__(self) -> None:
        import time

        self.on = timings_on()
        self.clock = time.perf_counter
        self.last = self.clock()

    def step(self, name: str) -> None:
        if self.on:
            import sys

            now = self.clock()
            print(f"saga-lint timing: {name} {now - self.last:.3f} s", file=sys.stderr)
            self.last = now


def run_check(path: str | Path, config: Config | Callable[[], Config] | None = None) -> Result:
    """Load, graph, saga model, rules. ``config`` is a ``Config``, a function that loads one (then
    it is loaded while the loader's workers parse, and its errors are raised from here), or None
    for the catalog's own.

    On large catalogs the loader's workers go on computing the pages' facts while this process
    builds the graph and the sagas and runs the other rules; the rule runner waits for them
    (``catalog.facts.wait``) before the rules that read them, which run last."""
    timings = _Timings()
    from saga_lint.catalog import load_catalog
    from saga_lint.catalog.refs import prepare
    from saga_lint.config import load_config
    from saga_lint.graph import build_graph
    from saga_lint.rules import Context, run_rules

    root = Path(path)
    background = _Background(config if config is not None else (lambda: load_config(root)))
    # A run builds millions of objects that all live until it ends; the cyclic garbage collector
    # would walk them again and again (half the time of a large catalog) and find nothing to free.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        catalog = load_catalog(root, while_parsing=background.start, on_pages=prepare)
        timings.step("load")
        loaded_config = background.result()
        timings.step("config")
        from saga_lint.saga import build_sagas  # imported by the background thread meanwhile

        graph = build_graph(catalog)
        timings.step("graph")
        sagas = build_sagas(catalog, graph, loaded_config)
        timings.step("sagas")
        from saga_lint.ecversion import detect

        ec = detect(root, loaded_config.eventcatalog_version)
        findings = run_rules(Context(catalog, graph, [s for s in sagas if s.reviewed], eventcatalog=ec), loaded_config)
        timings.step("rules")
    finally:
        if gc_was_enabled:
            gc.enable()
    return Result(root, catalog, graph, sagas, findings, loaded_config, eventcatalog=ec)
