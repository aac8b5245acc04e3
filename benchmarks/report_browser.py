"""How an HTML report behaves in Chromium (Debian's /usr/bin/chromium, driven by playwright).

    python benchmarks/report_browser.py REPORT.html [--runs 3] [--filter TEXT]

Per run, in a fresh page: the time from navigation to the ``load`` event (parsing the file and
running its script), the time the text filter of the contracts table takes to answer, the time to
open the middle folded saga and see its picture, the number of elements in the page and the script
errors. Prints one line per run and the medians.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]
TIMEOUT = 300_000  # ms


def one_run(browser: Browser, url: str, needle: str) -> dict[str, float]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    t0 = time.perf_counter()
    page.goto(url, timeout=TIMEOUT)
    page.wait_for_load_state("load", timeout=TIMEOUT)
    page.evaluate("1")  # the main thread answers
    t1 = time.perf_counter()
    page.fill('input[data-filter-for="contracts-table"]', needle)
    shown = page.locator("#contracts-table tbody tr:not([hidden])").count()
    t2 = time.perf_counter()
    folded = page.locator("details.saga-more")
    middle = folded.nth(folded.count() // 2)
    middle.locator("summary").click()
    middle.locator("svg.saga-graph").wait_for(timeout=TIMEOUT)
    t3 = time.perf_counter()
    elements = page.evaluate("document.getElementsByTagName('*').length")
    page.close()
    if errors:
        raise SystemExit(f"script errors: {errors}")
    return {"load": t1 - t0, "filter": t2 - t1, "rows": shown, "open saga": t3 - t2, "elements": elements}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("report", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--filter", default="payment-01274", help="text typed into the contracts filter")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    url = args.report.resolve().as_uri()
    runs = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for i in range(args.runs):
            r = one_run(browser, url, args.filter)
            runs.append(r)
            print(f"run {i + 1}: " + ", ".join(f"{k} {v:.2f} s" if isinstance(v, float) else f"{k} {v}"
                                               for k, v in r.items()), flush=True)
        browser.close()
    print("median: " + ", ".join(f"{k} {statistics.median(r[k] for r in runs):.2f} s"
                                 for k in ("load", "filter", "open saga")))


if __name__ == "__main__":
    main()
