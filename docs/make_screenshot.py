"""Regenerate ``docs/screenshot.png``: the viewer as a browser shows it.

Serves the viewer on a free port, opens it in headless Chromium (Debian's ``/usr/bin/chromium``
driven by the ``playwright`` package of the test extra), waits until the 3D view has drawn,
and saves a screenshot.

    .venv/bin/python docs/make_screenshot.py
    .venv/bin/python docs/make_screenshot.py --query "?view=posterior&flex=40" --out docs/posterior.png
    .venv/bin/python docs/make_screenshot.py --url http://127.0.0.1:5006/   # a running viewer
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import (  # noqa: E402  (the repository root must be importable first)
    CHROMIUM,
    CHROMIUM_ARGS,
    ViewerServer,
    canvas_nonblank_fraction,
    wait_for_scene,
)


#: What a phone's or tablet's browser says it is (the page lays itself out for it at once).
MOBILE_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/126.0.0.0 Mobile Safari/537.36")


def take(url: str, out: Path, width: int, height: int, settle_ms: int, touch: bool = False) -> float:
    """Screenshot ``url`` once its 3D view has drawn; returns the drawn fraction of the view.
    ``touch``: as a phone or tablet shows it (a mobile viewport with a touch screen)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            agent = {"user_agent": MOBILE_AGENT} if touch else {}
            page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1,
                                    is_mobile=touch, has_touch=touch, **agent)
            page.goto(url, wait_until="load")
            fraction = canvas_nonblank_fraction(wait_for_scene(page))
            page.wait_for_timeout(settle_ms)
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
        finally:
            browser.close()
    return fraction


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate the README's screenshot of the viewer.")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    parser.add_argument("--query", default="?sel=gmed_middle",
                        help="appended to the URL: a shared view (default: the middle fibres selected)")
    parser.add_argument("--touch", action="store_true",
                        help="as a phone or tablet shows it (mobile viewport, touch screen)")
    parser.add_argument("--url", help="a viewer that is already running (default: start one)")
    parser.add_argument("--content", action="append", default=[], metavar="DIR",
                        help="content pack to serve with (when starting the viewer)")
    parser.add_argument("--settle", type=int, default=3000, metavar="MS",
                        help="wait this long after the first drawing (default 3000 ms)")
    args = parser.parse_args(argv)

    server = None
    if args.url:
        url = args.url
    else:
        extra = [a for d in args.content for a in ("--content", d)]
        server = ViewerServer(*extra)
        url = server.url
    try:
        fraction = take(url + args.query, args.out, args.width, args.height, args.settle, args.touch)
    finally:
        if server is not None:
            server.stop()
    print(f"saved {args.out} ({fraction:.0%} of the 3D view drawn)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
