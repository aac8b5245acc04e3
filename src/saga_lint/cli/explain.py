"""``saga-lint explain FLOW[@VERSION]``: one saga's steps against the six attributes, as text or JSON."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from saga_lint.cli.common import Failure, catalog_path, guard

if TYPE_CHECKING:
    from saga_lint.catalog.model import Resource
    from saga_lint.results import Result
    from saga_lint.saga.model import Saga


def _versions(result: Result, flow_id: str) -> str:
    """The flow's versions, oldest first (as the catalog compares versions)."""
    from saga_lint.catalog.versions import newest

    left = {str(r.version) for r in result.catalog.resources if r.type == "flow" and r.id == flow_id and r.version}
    found: list[str] = []
    while left:
        found.insert(0, str(newest(sorted(left))))
        left.discard(found[0])
    return ", ".join(found) or "none (no flow page has a version)"


def _not_a_saga(result: Result, flow_id: str, page: Resource | None) -> Failure:
    """Why ``flow_id`` cannot be explained: no flow of that id, or a flow that is no saga."""
    reason = "is no flow of the catalog"
    if page is not None:
        from saga_lint.saga import saga_reason

        why_not = saga_reason(page, result.config, graph=result.graph)[1]
        reason = f"is not a saga: {why_not.rstrip('.')}"
    sagas = ", ".join(str(s.flow.id) for s in result.sagas) or "none"
    return Failure(f"flow {flow_id!r} {reason}; sagas here: {sagas}")


def _select(result: Result, flow: str) -> tuple[Saga, str | None]:
    """The saga of ``FLOW[@VERSION]`` (default: the latest) and, for an older version, the latest
    version (the rules review only that one; the older one is modelled here for explain alone)."""
    flow_id, _, version = flow.partition("@")
    status, page = result.catalog.lookup(("flow",), flow_id, version or None)
    if status == "no-version":
        raise Failure(f"flow {flow_id!r} has no version {version!r}; its versions: {_versions(result, flow_id)}")
    if page is None:
        raise _not_a_saga(result, flow_id, None)
    saga = next((s for s in result.sagas if s.flow is page), None)
    if saga is not None:
        return saga, None
    latest = result.catalog.latest("flow", flow_id)
    if page.versioned_folder is None or latest is None:
        raise _not_a_saga(result, flow_id, page)
    from saga_lint.saga import saga_reason
    from saga_lint.saga.build import build_saga

    why = saga_reason(page, result.config, graph=result.graph)[0]
    if not why:
        raise _not_a_saga(result, flow_id, page)
    return build_saga(result.catalog, result.graph, page, why), str(latest.version)


@click.command()
@click.argument("flow")
@click.argument("path", default=".", type=click.Path(file_okay=False))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False), help="Config file.")
@guard
def explain(flow: str, path: str, fmt: str, config_path: str | None) -> None:
    """Explain one saga FLOW (FLOW@VERSION for an older version; default the latest): every step
    against the six attributes, with evidence and findings."""
    import json as _json

    from saga_lint.config import load_config
    from saga_lint.pipeline import run_check
    from saga_lint.render import explain_text

    path = catalog_path(path)
    result = run_check(path, load_config(path, config_path))
    saga, older = _select(result, flow)
    if fmt == "json":
        click.echo(_json.dumps(explain_text.to_json(saga, result.findings), indent=2, ensure_ascii=False, default=str))
    else:
        click.echo(explain_text.render(saga, result.findings, older, root=result.root), nl=False)
    errors = [f for f in result.findings if f.severity == "error" and f.resource is not None
              and f.resource.type == "flow" and f.resource.id == saga.flow.id and f.resource.version == saga.flow.version]
    sys.exit(1 if errors else 0)
