"""report.html in a real browser: headless Chromium (the Debian package, driven by playwright)
opens the page as a reader would and checks that it renders, every image loads, every table has
its rows, and nothing is logged to the console or fetched from anywhere. Skips where Chromium or
playwright is missing; .ci/run installs both."""

from __future__ import annotations

import re
import shutil

import pytest
from test_reporting_build import folder  # noqa: F401 (the report built from hand-made runs)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def page():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM:
        pytest.skip("no chromium on PATH (apt install chromium)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser.new_page(viewport={"width": 1200, "height": 900})
        browser.close()


def test_the_report_renders_in_chromium(folder, page):  # noqa: F811
    out, _ = folder
    events = []
    page.on("console", lambda m: events.append(f"console {m.type}: {m.text}"))
    page.on("pageerror", lambda e: events.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: events.append(f"failed request: {r.url}"))
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((out / "report.html").as_uri())
    page.wait_for_load_state("load")
    assert page.title() == "test report"
    assert page.inner_text("h1") == "test report"
    images = page.eval_on_selector_all("img", "es => es.map(e => [e.complete, e.naturalWidth, e.naturalHeight])")
    assert len(images) == 4 and all(done and w > 100 and h > 100 for done, w, h in images)
    rows = page.eval_on_selector_all("table", "ts => ts.map(t => t.querySelectorAll('tbody tr').length)")
    md = (out / "report.md").read_text()
    expected = [block.count("\n") - 2 for block in re.findall(r"(?:^\|.*\n)+", md, re.MULTILINE)]  # less header and rule
    assert rows == expected and all(n > 0 for n in rows)
    assert events == []
    assert requests == [(out / "report.html").as_uri()]  # the page alone: images are inline
    shot = out / "top.png"
    page.screenshot(path=str(shot))
    assert shot.read_bytes()[:4] == b"\x89PNG"
