"""What every command shares: the exit-2 failure, the guard that turns errors into one line, the
catalog folder check, and the fast exit of a process of its own.

Exit codes: 0 clean, 1 findings at or above the fail level, 2 when saga-lint cannot run (bad
option, unreadable config, missing catalog, internal error) with a one-line reason.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import IO, Any, NoReturn, ParamSpec, TypeVar

import click

P = ParamSpec("P")
R = TypeVar("R")


class Failure(click.ClickException):
    """saga-lint cannot run: the reason on one line of stderr, exit 2."""

    exit_code = 2

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"saga-lint: {self.format_message()}", err=True)


def guard(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a command body: config problems and internal errors become exit 2, one line."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from saga_lint.config import ConfigError

        try:
            return fn(*args, **kwargs)
        except ConfigError as exc:
            raise Failure(f"configuration error: {exc}") from None
        except (click.ClickException, click.exceptions.Exit, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # internal error: one line, exit 2
            if os.environ.get("SAGA_LINT_DEBUG"):
                raise
            raise Failure(f"internal error: {type(exc).__name__}: {exc} (set SAGA_LINT_DEBUG=1 for a traceback)") from None

    return wrapper


def catalog_path(path: str) -> str:
    """``path`` when it is a catalog folder, else exit 2 (saying what was expected, and naming the
    catalogs below it if there are some, or the catalog it is a part of: ``catalog.locate``)."""
    if not os.path.isdir(path):
        raise Failure(f"catalog folder not found: {path}")
    from saga_lint.catalog.locate import enclosing_catalog, is_catalog, not_a_catalog_message, part_of_a_catalog_message

    enclosing = enclosing_catalog(path)
    if enclosing is not None:
        raise Failure(part_of_a_catalog_message(path, *enclosing))
    if not is_catalog(path):
        raise Failure(not_a_catalog_message(path))
    return path


def own_process() -> bool:
    """True when saga-lint runs as a process of its own (the ``saga-lint`` script, ``python -m
    saga_lint``), False when called in-process (tests, ``CliRunner``)."""
    argv0 = sys.argv[0] if sys.argv else ""
    return os.path.basename(argv0) in ("saga-lint", "saga-lint.exe") or argv0.endswith(
        os.path.join("saga_lint", "__main__.py")
    )


def collector_off() -> None:
    """In a process of its own, turn the cyclic garbage collector off until :func:`exit_now`. The
    pipeline turns it off while it builds a catalog's millions of objects (they all live until the
    end); turned back on, its first collection would walk every one of them (0.1 s on 2,000
    services) to free nothing, since the process ends right after rendering."""
    if own_process():
        import gc

        gc.disable()


def exit_now(code: int) -> NoReturn:
    """Exit with ``code``. In a process of its own the interpreter's teardown is skipped: freeing
    a large catalog's millions of objects one by one takes longer than a second, for nothing.
    Called in-process (tests, ``CliRunner``), a plain ``sys.exit``."""
    if own_process():
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os._exit(code)
    sys.exit(code)
