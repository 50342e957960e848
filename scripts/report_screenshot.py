"""A screenshot of the top of a report.html, taken by headless Chromium (apt install chromium)
through playwright, as a reader's browser shows it; written next to the report and, under
results/, recorded in results/PROVENANCE.json.

    python scripts/report_screenshot.py results/report/report.html
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    from playwright.sync_api import sync_playwright

    from harness.results_provenance import record

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", type=Path)
    parser.add_argument("--out", type=Path, default=None, help="default: screenshot.png beside the page")
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--height", type=int, default=900)
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("report_screenshot: no chromium on PATH; install it (apt install chromium)")
    if not args.html.is_file():
        sys.exit(f"report_screenshot: {args.html} is not a file; build it with selfalign-report first")
    out = args.out or args.html.parent / "screenshot.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": args.width, "height": args.height})
        page.goto(args.html.resolve().as_uri())
        page.screenshot(path=str(out))
        browser.close()
    record([out], "python scripts/report_screenshot.py " + " ".join(sys.argv[1:]))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
