"""``saga-lint migrate``: the official linter's ``.eventcatalogrc.js`` as a ``saga-lint.yaml``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from saga_lint.cli.common import Failure, guard


def migrated_yaml(rc: Path) -> str:
    """The text of the ``saga-lint.yaml`` equivalent to ``rc`` (rules saga-lint does not have are
    named in a comment; rule options are not carried over)."""
    import yaml

    from saga_lint.config import ConfigError, from_mapping, known_rules
    from saga_lint.rcjs import RcError, read_rc, to_config_mapping

    try:
        data = read_rc(rc)
        mapping, unknown = to_config_mapping(data, known_rules())
        from_mapping(mapping, rc.parent, str(rc))  # the result must be a valid configuration
    except (RcError, ConfigError) as exc:
        raise Failure(f"cannot migrate: {exc}") from None
    doc: dict[str, Any] = {"extends": "default", **mapping}
    if isinstance(doc.get("rules"), dict):
        doc["rules"] = {k: ("warning" if v == "warn" else v) for k, v in doc["rules"].items()}
    head = [f"# saga-lint configuration, migrated from {rc.name} by `saga-lint migrate`."]
    head += [f"# {name}: not a saga-lint rule, left out." for name in unknown]
    if any(isinstance(v, list) and len(v) > 1 for v in (data.get("rules") or {}).values()):
        head.append("# Rule options ([severity, {...}]) are not carried over: saga-lint's rules take none.")
    return "\n".join(head) + "\n" + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


@click.command("migrate")
@click.argument("path", default=".", type=click.Path(file_okay=False))
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the configuration instead of writing saga-lint.yaml.")
@click.option("--force", is_flag=True, help="Overwrite an existing saga-lint.yaml.")
@guard
def migrate_cmd(path: str, to_stdout: bool, force: bool) -> None:
    """Write PATH/saga-lint.yaml from the official linter's PATH/.eventcatalogrc.js (its rule
    severities, ignorePatterns and overrides, under the same rule names), without running it."""
    from saga_lint.rcjs import RC_NAME

    rc = Path(path) / RC_NAME
    if not rc.is_file():
        raise Failure(f"no {RC_NAME} in {path}")
    text = migrated_yaml(rc)
    if to_stdout:
        click.echo(text, nl=False)
        return
    out = Path(path) / "saga-lint.yaml"
    if out.exists() and not force:
        raise Failure(f"{out} exists (--force to overwrite it, --stdout to print the migration)")
    try:
        out.write_text(text, "utf-8")
    except OSError as exc:
        raise Failure(f"cannot write {out}: {exc.strerror or exc}") from None
    click.echo(f"saga-lint: wrote {out} from {rc}", err=True)
