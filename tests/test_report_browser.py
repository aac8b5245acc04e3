"""The report in a real browser (Debian's chromium driven by playwright): it draws the checkout saga,
the filter hides rows, nothing is logged to the console and nothing but the file is requested.

Skips with a reason where /usr/bin/chromium or the playwright package is missing
(`.ci/system-deps` installs chromium; never `playwright install`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import OUR_CATALOG, ROOT, missing_tool

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        missing_tool(f"{CHROMIUM} is not installed (apt-get install -y chromium; .ci/system-deps does it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_tool("the playwright package is not installed (pip install '.[test]')")
    with sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        except Exception as exc:  # a broken browser install is an environment problem, not ours
            missing_tool(f"chromium does not start: {str(exc).splitlines()[0]}")
        yield b
        b.close()


def _write_report(catalog: Path, out: Path) -> Path:
    from saga_lint.pipeline import run_check
    from saga_lint.readiness import report_input
    from saga_lint.render.html import render

    out.write_text(render(report_input(run_check(catalog))), encoding="utf-8")
    return out


def _open(browser, path: Path, scheme="light"):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    log = {"console": [], "requests": [], "errors": []}
    page.on("console", lambda m: log["console"].append((m.type, m.text)))
    page.on("pageerror", lambda e: log["errors"].append(str(e)))
    page.on("request", lambda r: log["requests"].append(r.url))
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("load")
    return page, log


def _check_checkout(page):
    art = page.locator('article[data-saga="checkout-saga"]')
    assert art.count() == 1
    svg = art.locator("svg.saga-graph")
    assert svg.is_visible()
    box = svg.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 200
    for step in ("reserve_inventory", "authorize_payment", "create_order"):
        g = svg.locator(f'g[data-step="{step}"]')
        assert g.count() == 1 and g.is_visible()
        # the step's box is drawn with a real size inside the picture
        assert g.locator("rect").bounding_box()["width"] > 50
    assert svg.locator('g.edge[data-kind="failure"]').count() >= 1
    matrix = art.locator("table.matrix")
    assert matrix.is_visible()
    assert matrix.locator("tbody tr").count() == 3
    assert "✓" in matrix.inner_text() or "✗" in matrix.inner_text()


def _visible_rows(page, table_id):
    return page.locator(f"#{table_id} tbody tr:not([hidden])").count()


def _finish(page, log, name, file_url):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    assert not log["errors"], log["errors"]
    assert not [c for c in log["console"] if c[0] in ("error", "warning")], log["console"]
    assert log["requests"] == [file_url], log["requests"]
    page.close()


def test_our_catalog_in_the_browser(browser, tmp_path):
    path = _write_report(OUR_CATALOG, tmp_path / "report.html")
    page, log = _open(browser, path)
    _check_checkout(page)
    bg = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    assert bg == "rgb(255, 255, 255)"
    # the script ran: filters are shown, the contracts filter hides rows that do not match
    assert page.locator("html.js").count() == 1
    total = _visible_rows(page, "contracts-table")
    assert total == 19  # every message contract of catalog/: 14 events and 5 commands
    page.fill('input[data-filter-for="contracts-table"]', "payment")
    shown = _visible_rows(page, "contracts-table")
    assert 0 < shown < total
    for text in page.locator("#contracts-table tbody tr:not([hidden])").all_inner_texts():
        assert "payment" in text.lower()
    page.fill('input[data-filter-for="contracts-table"]', "")
    assert _visible_rows(page, "contracts-table") == total
    _finish(page, log, "report-catalog.png", path.resolve().as_uri())


def test_corpus_in_the_browser(browser, tmp_path, corpus):
    path = _write_report(corpus, tmp_path / "report.html")
    page, log = _open(browser, path, scheme="dark")
    _check_checkout(page)
    # dark mode: a dark page with light text
    bg = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    fg = page.evaluate("getComputedStyle(document.body).color")
    lum = lambda c: sum(int(x) for x in c[c.index("(") + 1:c.index(")")].split(",")[:3])  # noqa: E731
    assert lum(bg) < 150 < lum(fg), (bg, fg)
    rows = page.locator("#findings-table tbody tr")
    total = rows.count()
    assert total > 5 and _visible_rows(page, "findings-table") == total
    # text filter
    page.fill("#findings-filter input[name=text]", "owner")
    shown = _visible_rows(page, "findings-table")
    assert 0 < shown < total
    for text in page.locator("#findings-table tbody tr:not([hidden])").all_inner_texts():
        assert "owner" in text.lower()
    # severity filter on top of it, then rule filter alone
    page.fill("#findings-filter input[name=text]", "")
    page.select_option("#findings-filter select[name=severity]", "warning")
    sev = page.locator("#findings-table tbody tr:not([hidden])")
    assert 0 < sev.count() < total
    assert all(s == "warning" for s in sev.evaluate_all("rs => rs.map(r => r.dataset.severity)"))
    page.select_option("#findings-filter select[name=severity]", "")
    rule = page.locator("#findings-filter select[name=rule] option").nth(1).get_attribute("value")
    page.select_option("#findings-filter select[name=rule]", rule)
    shown = page.locator("#findings-table tbody tr:not([hidden])")
    assert all(r == rule for r in shown.evaluate_all("rs => rs.map(r => r.dataset.rule)"))
    # an explanation opens
    page.select_option("#findings-filter select[name=rule]", "")
    first = page.locator("#findings-table tbody tr").first.locator("details")
    first.locator("summary").click()
    assert first.locator("pre.doc").is_visible()
    _finish(page, log, "report-corpus.png", path.resolve().as_uri())


def test_long_tables_page_in_the_browser(browser, tmp_path, corpus):
    from saga_lint.pipeline import run_check
    from saga_lint.readiness import report_input
    from saga_lint.render import html as html_report

    old = html_report.PAGE
    html_report.PAGE = 5
    try:
        path = tmp_path / "r.html"
        path.write_text(html_report.render(report_input(run_check(corpus))), encoding="utf-8")
    finally:
        html_report.PAGE = old
    page, log = _open(browser, path)
    assert _visible_rows(page, "contracts-table") == 5
    page.locator("#contracts-table ~ button.more").first.click()
    assert _visible_rows(page, "contracts-table") == 10
    _finish(page, log, "report-paged.png", path.resolve().as_uri())


DENSE = 600  # saga-dense services: 120 sagas, 1,920 message contracts: past every threshold of render.html.lazy


@pytest.fixture(scope="module")
def dense_report(tmp_path_factory):
    """The report of a generated saga-dense catalog large enough to be drawn lazily."""
    import subprocess
    import sys

    base = tmp_path_factory.mktemp("dense")
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--shape", "saga-dense", str(DENSE),
                    str(base / "cat")], check=True, capture_output=True)
    return _write_report(base / "cat", base / "report.html")


def test_large_report_draws_on_demand_in_the_browser(browser, dense_report):
    from saga_lint.render.html import OPEN_SAGAS, PAGE

    page, log = _open(browser, dense_report)
    n_sagas = DENSE // 5
    # the first sagas are HTML; the others are folded and have no picture until opened
    assert page.locator("section#sagas > article.saga").count() == OPEN_SAGAS
    folded = page.locator("details[data-lazy-saga]")
    assert folded.count() == n_sagas - OPEN_SAGAS
    assert page.locator("details[data-lazy-saga] svg").count() == 0
    # a link of the readiness table opens its folded saga, which is drawn from the data
    target = folded.nth(30)
    uid = target.get_attribute("id")
    page.locator(f'#readiness a[href="#{uid}"]').click()
    page.wait_for_selector(f"details#{uid}[open] svg.saga-graph")  # the toggle and hashchange events are async
    svg = target.locator("svg.saga-graph")
    assert svg.is_visible() and svg.bounding_box()["height"] > 200
    assert svg.locator("g.step").count() >= 4 and svg.locator('g.edge[data-kind="failure"]').count() >= 1
    assert target.locator("g.step rect").first.bounding_box()["width"] > 50
    matrix = target.locator("table.matrix")
    assert matrix.is_visible() and matrix.locator("tbody tr").count() == 4
    assert "✓" in matrix.inner_text()
    # opening one by its summary draws it once; closing and opening again does not draw it twice
    other = folded.nth(0)
    other.locator("summary").click()
    other.locator("svg.saga-graph").wait_for()
    other.locator("summary").click()
    page.wait_for_function("d => !d.open", arg=other.element_handle())
    other.locator("summary").click()
    page.wait_for_function("d => d.open", arg=other.element_handle())
    page.evaluate("() => new Promise(r => setTimeout(r, 100))")  # let the toggle event run
    assert other.locator("svg.saga-graph").count() == 1 and other.locator("article").count() == 1
    assert page.locator("details[data-lazy-saga] svg.saga-graph").count() == 2
    # the contracts table holds one page of rows in the DOM; "Show more" draws the next page
    total = DENSE * 16 // 5
    assert page.locator("#contracts-table tbody tr").count() == PAGE
    assert f"of {total} matching rows" in page.locator("#contracts-table ~ div.count").first.inner_text()
    page.locator("#contracts-table ~ button.more").first.click()
    assert page.locator("#contracts-table tbody tr").count() == 2 * PAGE
    # the text filter searches every row of the data, not only the drawn ones
    needle = "-00117-s3"
    page.fill('input[data-filter-for="contracts-table"]', needle)
    shown = page.locator("#contracts-table tbody tr").all_inner_texts()
    assert len(shown) == 4 and all(needle in t for t in shown)  # its command, compensation, ok and failed event
    page.fill('input[data-filter-for="contracts-table"]', "")
    assert page.locator("#contracts-table tbody tr").count() == PAGE
    # a team's list of what it owns is filled when opened, and the teams filter finds what it lists
    k = page.locator("#teams-table details[data-owned]").evaluate_all("ds => ds.findIndex(d => !d.open)")
    team = page.locator("#teams-table details[data-owned]").nth(k)
    assert k >= 0 and team.locator("li").count() == 0
    team.locator("summary").click()
    team.locator("li").first.wait_for()
    assert team.locator("li").count() > 12
    owned = team.locator("li").nth(3).inner_text()
    page.fill('input[data-filter-for="teams-table"]', owned)
    assert 1 <= _visible_rows(page, "teams-table") < page.locator("#teams-table tbody tr").count()
    _finish(page, log, "report-large.png", dense_report.resolve().as_uri())


def test_large_report_keeps_catalog_text_inert_in_the_browser(browser, tmp_path, make_catalog, monkeypatch):
    from test_report import HOSTILE, hostile_files, lazy_everything

    s, img, js = HOSTILE
    lazy_everything(monkeypatch)
    path = _write_report(make_catalog(hostile_files()), tmp_path / "r.html")
    page, log = _open(browser, path)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    saga = page.locator("details[data-lazy-saga]").first
    saga.locator("summary").click()
    art = saga.locator("article")
    art.wait_for()
    assert s in art.locator("h3").inner_text() and js in art.inner_text()
    assert img in art.locator("svg").text_content()
    assert art.locator("img, script").count() == 0 and page.locator("img").count() == 0
    rows = page.locator("#contracts-table tbody tr").all_inner_texts()
    assert any(s in r for r in rows) and any(img in r for r in rows)
    assert not dialogs
    _finish(page, log, "report-large-hostile.png", path.resolve().as_uri())
