"""``saga-lint explain FLOW``: one saga's steps against the six attributes, as text or JSON."""

from __future__ import annotations

import sys

import click

from saga_lint.cli.common import Failure, catalog_path, guard


@click.command()
@click.argument("flow")
@click.argument("path", default=".", type=click.Path(file_okay=False))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False), help="Config file.")
@guard
def explain(flow: str, path: str, fmt: str, config_path: str | None) -> None:
    """Explain one saga FLOW: every step against the six attributes, with evidence and findings."""
    import json as _json

    from saga_lint.config import load_config
    from saga_lint.pipeline import run_check
    from saga_lint.render import explain_text

    path = catalog_path(path)
    result = run_check(path, load_config(path, config_path))
    saga = next((s for s in result.sagas if s.flow.id == flow), None)
    if saga is None:
        flows = sorted({r.id for r in result.catalog.resources if r.type == "flow" and r.id})
        is_flow = flow in flows
        reason = "is no flow of the catalog"
        if is_flow:
            from saga_lint.saga import saga_reason

            page = result.catalog.lookup(("flow",), flow)[1]
            why_not = saga_reason(page, result.config, graph=result.graph)[1] if page is not None else ""
            reason = f"is not a saga: {why_not.rstrip('.')}"
        sagas = ", ".join(str(s.flow.id) for s in result.sagas) or "none"
        raise Failure(f"flow {flow!r} {reason}; sagas here: {sagas}")
    if fmt == "json":
        click.echo(_json.dumps(explain_text.to_json(saga, result.findings), indent=2, ensure_ascii=False, default=str))
    else:
        click.echo(explain_text.render(saga, result.findings), nl=False)
    errors = [f for f in result.findings if f.severity == "error" and f.resource is not None
              and f.resource.type == "flow" and f.resource.id == flow]
    sys.exit(1 if errors else 0)
