"""The options ``check`` offers a team adopting saga-lint in a repository of its own: the
baseline (``--baseline``, ``--write-baseline``), the rule selection (``--select``, ``--ignore``),
``--max-warnings``, ``--color``, ``--show-config`` and ``--fix`` (``saga-lint fix`` first).

``adoption_options`` adds them to a command and hands the command one ``Adoption`` (keyword
``adopt``) that knows how to narrow the configuration, filter the result and decide the exit.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

import click

from saga_lint.cli.common import Failure

if TYPE_CHECKING:
    from saga_lint.cache import Restored
    from saga_lint.config import Config
    from saga_lint.results import Result

F = TypeVar("F", bound=Callable[..., Any])
COLOR_CHOICES = ("auto", "always", "never")


def _names(values: Sequence[str]) -> list[str]:
    """Rule patterns from repeated and comma-separated option values."""
    return [part.strip() for v in values for part in v.split(",") if part.strip()]


@dataclass(frozen=True)
class Adoption:
    baseline: str | None = None
    write_baseline: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    max_warnings: int | None = None
    color: str = "auto"
    show_config: bool = False
    fix: bool = False

    def narrow(self, config: Config) -> Config:
        """``config`` with ``--select`` / ``--ignore`` applied (an unknown rule: exit 2)."""
        from saga_lint.config import with_selection

        return with_selection(config, self.select, self.ignore)

    def filter(self, result: Result | Restored) -> Result | Restored:
        """``result`` after the baseline: written first with ``--write-baseline``, then applied."""
        from saga_lint.baseline import BaselineError, filter_result, write

        path = self.write_baseline or self.baseline
        if path is None:
            return result
        try:
            if self.write_baseline:
                n = write(self.write_baseline, result.findings)
                click.echo(f"saga-lint: wrote {n} baseline entries ({len(result.findings)} findings) to "
                           f"{self.write_baseline}", err=True)
            kept = filter_result(result.findings, path, result.config)
        except BaselineError as exc:
            raise Failure(str(exc)) from None
        known = len(result.findings) - sum(1 for f in kept if f.rule != "baseline/stale")
        if known:  # on stderr: the report (any format) shows what is new, and says nothing of these
            click.echo(f"saga-lint: {known} known finding{'s' if known != 1 else ''} in the baseline {path} "
                       "not shown", err=True)
        return replace(result, findings=kept)

    def fix_first(self, path: str, config_path: str | None = None) -> None:
        """``--fix``: write the x-saga block of the saga flows that have none, as ``saga-lint fix
        PATH`` does (``cli/fix.py``), so that the check that follows sees them."""
        if self.fix:
            from saga_lint.cli.fix import fix_first

            fix_first(path, config_path)

    def use_color(self, stream_isatty: bool) -> bool:
        """Colour when asked (``--color always``), never with ``--color never``; in ``auto``, on a
        terminal unless ``NO_COLOR`` is set (https://no-color.org)."""
        if self.color == "always":
            return True
        if self.color == "never" or os.environ.get("NO_COLOR", ""):
            return False
        return stream_isatty

    def too_many_warnings(self, result: Result | Restored) -> bool:
        """``--max-warnings N``: more than N warnings fail the run (as ESLint's option)."""
        if self.max_warnings is None:
            return False
        return sum(1 for f in result.findings if f.severity == "warning") > self.max_warnings


def stdout_isatty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def adoption_options(fn: F) -> F:
    """Add the adoption options to a click command; it receives them as ``adopt: Adoption``."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("baseline") and kwargs.get("write_baseline"):
            raise Failure("--baseline and --write-baseline exclude each other (--write-baseline also applies "
                          "the baseline it writes)")
        adopt = Adoption(
            baseline=kwargs.pop("baseline"), write_baseline=kwargs.pop("write_baseline"),
            select=tuple(_names(kwargs.pop("select"))), ignore=tuple(_names(kwargs.pop("ignore_rules"))),
            max_warnings=kwargs.pop("max_warnings"), color=kwargs.pop("color"), show_config=kwargs.pop("show_config"),
            fix=kwargs.pop("fix"),
        )
        return fn(*args, adopt=adopt, **kwargs)

    options = [
        click.option("--baseline", type=click.Path(dir_okay=False), metavar="FILE",
                     help="Report only findings not in this baseline file, and its entries that match nothing (stale)."),
        click.option("--write-baseline", type=click.Path(dir_okay=False), metavar="FILE",
                     help="Write the current findings to FILE as the baseline (sorted JSON), then apply it."),
        click.option("--select", multiple=True, metavar="RULES",
                     help="Only these rules: names, family/* or * (repeatable, comma-separated)."),
        click.option("--ignore", "ignore_rules", multiple=True, metavar="RULES",
                     help="Never these rules: names, family/* (repeatable, comma-separated)."),
        click.option("--max-warnings", type=click.IntRange(0), metavar="N",
                     help="Exit 1 when there are more than N warnings."),
        click.option("--color", type=click.Choice(COLOR_CHOICES), default="auto", show_default=True,
                     help="Colour severities in text and concise output (auto: on a terminal, unless NO_COLOR is set)."),
        click.option("--show-config", is_flag=True,
                     help="Print which configuration file applies and the effective configuration, then exit."),
        click.option("--fix", is_flag=True,
                     help="First write the x-saga block of saga flows that have none (as `saga-lint fix PATH`), then check."),
    ]
    out: Callable[..., Any] = wrapper
    for option in reversed(options):
        out = option(out)
    return out  # type: ignore[return-value]  # click's decorators keep the call signature F wraps
