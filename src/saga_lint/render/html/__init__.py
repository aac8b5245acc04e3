"""``saga-lint report``: one self-contained HTML file for a release review.

Everything is inline (CSS, a small filter/pagination script, the SVG pictures drawn here), so the
file opens from a CI artifact or an e-mail with no network: the page loads nothing from anywhere.
The page is rendered by jinja2 with autoescape on (``templates/``), and every piece of catalog text
reaches the template as plain data (never as pre-built markup): names, summaries and messages show
as text.

The report shows a finished ``results.ReportInput``: the check's result, the readiness verdict of
each saga (``saga_lint.readiness``), the changes since a base revision (the review that
``saga-lint report --base`` ran) and ``saga-lint verify`` results when there are some. Sections:
summary (counts by severity, rule family and owning team; the verdict per saga), one picture
(``picture``) and step x attribute matrix per saga flow, findings (filterable), ownership
(``owners``), contracts, changes since the base, rule explanations, verification (``sections``).

Large catalogs: every table renders at most ``max_rows`` rows (the rest are counted, not shown);
the inline script pages long tables (``page`` rows at a time, "Show more"); without the script
every rendered row is visible. Past the thresholds of ``lazy`` (more than 100 sagas, tables of more
than 1,000 rows), folded sagas, long tables' rows and teams' lists travel as embedded JSON that the
script draws on demand.
"""

from __future__ import annotations

import contextlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from saga_lint.render.html import lazy, sections
from saga_lint.render.html.owners import Owners
from saga_lint.render.html.sagas import SagaSections
from saga_lint.render.html.sections import MAX_ROWS, slug
from saga_lint.render.safe import utf8_safe
from saga_lint.render.safe import visible as clean

if TYPE_CHECKING:
    import jinja2

    from saga_lint.results import ReportInput, Result
    from saga_lint.rules import Rule

__all__ = ["HEAD_SCRIPT", "MAX_ROWS", "OPEN_SAGAS", "PAGE", "build_context", "render", "render_utf8"]

PAGE = 100  # rows shown at a time by the script
OPEN_SAGAS = 25  # saga pictures shown open; later ones are collapsed (<details>)
HEAD_SCRIPT = 'document.documentElement.className = "js";'
TEMPLATES = Path(__file__).parent / "templates"
# stands in the page for the folded sagas' JSON until it is drawn (``sagas``): no NUL reaches the
# page otherwise (``clean`` removes it from catalog text, the JSON parts escape it)
FOLDED_SAGAS = "\x00saga-lint: the folded sagas\x00"


def _owner_rows(result: Result, owners: Owners, max_rows: int) -> list[dict[str, Any]]:
    """Findings by owning team and severity, the most errors first."""
    by_owner: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for f in result.findings:
        for o in owners.of_finding(f) or ["(unowned)"]:
            by_owner[o][f.severity] += 1
    rows: list[dict[str, Any]] = sorted(
        ({"owner": o, "error": c["error"], "warning": c["warning"], "info": c["info"], "total": sum(c.values())}
         for o, c in by_owner.items()),
        key=lambda r: (-r["error"], -r["total"], r["owner"]),
    )
    return rows[:max_rows]


def _rule_docs(result: Result, rules: dict[str, Rule]) -> list[dict[str, Any]]:
    used = sorted({f.rule for f in result.findings})
    return [{"name": clean(n), "anchor": "rule-" + slug(n), "severity": rules[n].severity if n in rules else "",
             "doc": rules[n].doc if n in rules else "(no documentation: unknown rule)"} for n in used]


def _counts(result: Result) -> tuple[dict[str, int], int | None]:
    try:
        summary = result.summary()
        return {k: v for k, v in summary["resources"].items() if v}, summary.get("files")
    except Exception:
        return {}, None


def build_context(report: ReportInput, max_rows: int = MAX_ROWS, title: str | None = None) -> dict[str, Any]:
    """Everything the template shows, as plain data; ``data``: the parts of a large report the
    page's script draws, as JSON (``lazy``)."""
    with _drawing_sagas(report) as saga_part:
        ctx = _context(report, saga_part, max_rows, title)
        if "sagas" in ctx["data"]:
            items = saga_part.folded_items()
            ctx["data"]["sagas"] = f"[{items.decode('utf-8') if isinstance(items, bytes) else items}]"
    return ctx


@contextlib.contextmanager
def _drawing_sagas(report: ReportInput) -> Iterator[SagaSections]:
    """The report's saga sections (``SagaSections`` forks the child that draws the folded ones);
    the child is discarded when the report fails meanwhile."""
    saga_part = SagaSections(report, _folded_from(report))
    try:
        yield saga_part
    except BaseException:
        saga_part.discard()
        raise


def _folded_from(report: ReportInput) -> int | None:
    """The first saga drawn by the page's script (folded), or None: every saga is in the HTML."""
    return OPEN_SAGAS if len(report.readiness) > lazy.LAZY_SAGAS else None


def _context(report: ReportInput, saga_part: SagaSections, max_rows: int, title: str | None) -> dict[str, Any]:
    """``build_context`` with ``FOLDED_SAGAS`` in the place of the folded sagas' JSON."""
    from saga_lint import __version__
    from saga_lint.rules import all_rules

    result = report.check
    rules = all_rules()
    owners = Owners(result)
    ctx = _sections(report, owners, rules, max_rows)
    ctx["sagas"] = saga_part.draw()
    resources, files = _counts(result)
    root = Path(str(result.root))
    sev = Counter(str(f.severity) for f in result.findings)
    family = Counter(f.rule.split("/", 1)[0] for f in result.findings)
    ctx.update({
        "title": clean(title or f"saga-lint report: {root.name or root}", 200),
        "version": __version__,
        "catalog": clean(root.name or str(root), 200),
        "files": files,
        "resources": resources,
        "severity": {"error": sev["error"], "warning": sev["warning"], "info": sev["info"]},
        "total": len(result.findings),
        "families": sorted(family.items(), key=lambda kv: (-kv[1], kv[0])),
        "rule_docs": _rule_docs(result, rules),
        "page": PAGE,
        "open_sagas": OPEN_SAGAS,
        "attrs": list(sections.attributes()),
        "unlocated": max(len(ctx["sagas"]) - lazy.LOCATE_SAGAS, 0),
        "lazy_from": saga_part.folded_from,
    })
    ctx["data"] = _lazy_parts(ctx, saga_part.folded_from is not None)
    return ctx


def _sections(report: ReportInput, owners: Owners, rules: dict[str, Rule], max_rows: int) -> dict[str, Any]:
    """The sections that are not the sagas'."""
    result = report.check
    return {
        "owner_rows": _owner_rows(result, owners, max_rows),
        "findings": sections.findings_section(result, owners, rules, max_rows),
        "ownership": sections.ownership_section(result, owners, max_rows),
        "contracts": sections.contracts_section(result, owners, max_rows),
        "changes": sections.changes_section(report.changes),
        "verification": sections.verification_section(report.verification),
    }


def _lazy_parts(ctx: dict[str, Any], folded_sagas: bool) -> dict[str, str]:
    """What the page's script draws on demand in a large report (``lazy``), as JSON, marked in
    ``ctx`` for the template: the sagas after the open ones (``FOLDED_SAGAS`` until they are
    drawn), long tables' rows, the teams' lists."""
    data: dict[str, str] = {}
    if folded_sagas:
        data["sagas"] = FOLDED_SAGAS
    contracts, ownership = ctx["contracts"], ctx["ownership"]
    contracts["lazy"] = len(contracts["rows"]) > lazy.LAZY_ROWS
    if contracts["lazy"]:
        data["contracts-table"] = lazy.encode(lazy.contract_rows(contracts["rows"]))
    ownership["unowned_lazy"] = len(ownership["unowned"]) > lazy.LAZY_ROWS
    if ownership["unowned_lazy"]:
        data["unowned-table"] = lazy.encode(lazy.resource_rows(ownership["unowned"]))
    ownership["owned_lazy"] = sum(len(t["owned"]) for t in ownership["teams"]) > lazy.LAZY_OWNED
    if ownership["owned_lazy"]:
        data["owned"] = lazy.encode([lazy.owned_items(t["owned"]) for t in ownership["teams"]])
    return data


def _environment() -> jinja2.Environment:
    import jinja2

    class _Env(jinja2.Environment):
        """``row.name`` on the plain dicts this module builds: the key first (fast), then jinja's way."""

        def getattr(self, obj: Any, attribute: str) -> Any:
            if type(obj) is dict and attribute in obj:
                return obj[attribute]
            return super().getattr(obj, attribute)

    env = _Env(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return env


def render(report: ReportInput, max_rows: int = MAX_ROWS, title: str | None = None) -> str:
    """The report as one HTML string (valid UTF-8: undecodable file names show as U+FFFD).

    The cyclic garbage collector is paused while rendering: every escaped string is a GC-tracked
    ``Markup`` object, and with a large catalog in memory each collection walks the whole heap
    (on the 10,000-service benchmark this took rendering from about 1.5 s to 5 s).
    """
    with _collector_paused():
        return _whole_text(*_render(report, max_rows, title))


def render_utf8(report: ReportInput, max_rows: int = MAX_ROWS, title: str | None = None) -> bytes:
    """``render(...)`` encoded as UTF-8 (what ``saga-lint report`` writes), without decoding the
    folded sagas' 20 MB of JSON that a large report's child sends encoded."""
    with _collector_paused():
        pieces, folded = _render(report, max_rows, title)
        if isinstance(folded, bytes):
            at = pieces.index(FOLDED_SAGAS)
            try:
                head, tail = "".join(pieces[:at]).encode("utf-8"), "".join(pieces[at + 1:]).encode("utf-8")
                return b"".join((head, b"[", folded, b"]", tail))
            except UnicodeEncodeError:  # a lone surrogate: judged with the whole page, as render does
                pass
        return _whole_text(pieces, folded).encode("utf-8")


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _whole_text(pieces: list[str], folded: str | bytes | None) -> str:
    """The page as text, the folded sagas' JSON (``folded``) in the place of ``FOLDED_SAGAS``."""
    if folded is not None:
        at = pieces.index(FOLDED_SAGAS)  # the template writes a data part as a piece of its own
        pieces[at:at + 1] = ("[", folded.decode("utf-8") if isinstance(folded, bytes) else folded, "]")
    return utf8_safe("".join(pieces))


def _render(report: ReportInput, max_rows: int, title: str | None) -> tuple[list[str], str | bytes | None]:
    """The template's pieces, with ``FOLDED_SAGAS`` in a large report, and the folded sagas'
    JSON items (``SagaSections.folded_items``; None in a report without folded sagas)."""
    with _drawing_sagas(report) as saga_part:
        pieces = _page(_context(report, saga_part, max_rows, title))
        return pieces, (saga_part.folded_items() if saga_part.folded_from is not None else None)


def _page(ctx: dict[str, Any]) -> list[str]:
    """The template rendered with ``ctx`` and our own script and style, as the pieces it writes."""
    import base64
    import hashlib

    from markupsafe import Markup

    script = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")

    def sha(text: str) -> str:
        return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")

    # our own static text, not catalog text: the only markup that is not escaped. The head script
    # only marks the page as scripted, so that long tables show their first page before they load.
    ctx.update(script=Markup(script), css=Markup(css), script_hash=sha(script),
               head_script=Markup(HEAD_SCRIPT), head_script_hash=sha(HEAD_SCRIPT),
               contract_cols=lazy.CONTRACT_COLS, resource_cols=lazy.RESOURCE_COLS,
               # JSON escaped for a script element by ``lazy.encode``: data, never executed; one
               # element per part, so that opening the page parses only the tables' rows
               data_json={k: Markup(v) for k, v in ctx["data"].items()})
    return list(_environment().get_template("report.html.j2").generate(**ctx))
