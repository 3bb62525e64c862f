"""Screenshots of pages as a user sees them, at laptop and phone widths.

    .venv/bin/python tools/screenshots.py http://127.0.0.1:5000 OUTDIR [--as EMAIL] PATH [PATH ...]

Signs in as a demo user (default alex.morgan@northwind.example) unless --as - is
given, then saves OUTDIR/<name>-laptop.png and -phone.png for each path.
"""

import argparse
import os
import re
import sys

from playwright.sync_api import sync_playwright

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir)))

from app.demo.workspace import DEMO_PASSWORD  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("outdir")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--as", dest="email", default="alex.morgan@northwind.example")
    args = parser.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for label, viewport in (("laptop", {"width": 1366, "height": 900}), ("phone", {"width": 390, "height": 844})):
            context = browser.new_context(viewport=viewport, device_scale_factor=1)
            page = context.new_page()
            if args.email != "-":
                page.goto(args.base + "/signin")
                page.fill("#email", args.email)
                page.fill("#password", DEMO_PASSWORD)
                page.click("button[type=submit]")
            for path in args.paths:
                page.goto(args.base + path)
                name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "index"
                page.screenshot(path=os.path.join(args.outdir, f"{name}-{label}.png"), full_page=True)
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
