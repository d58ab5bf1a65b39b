"""Click to card in the whole viewer page: from the mouse button's release over a landmark to
the new card in the card pane, timed by the page itself.

Starts ``python -m viewer`` (as a reader would), opens it in headless Chromium (Debian's,
software WebGL), and clicks two landmarks in turn, so that every click changes the card.  The
page records ``performance.now()`` at the release (a capturing ``pointerup`` listener) and
at the first change of the card region (a ``MutationObserver``); the difference is the time
a reader waits: the pick in the page, the websocket to the server, the click's resolution and
the card's HTML in Python, and the way back.

    python -m benchmarks.bench_card
"""

from __future__ import annotations

import statistics

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, ViewerServer, wait_for_scene

CLICKS = 24
#: Pause after each card before the next click (a reader glances at the card).
SETTLE_MS = 600
GOAL_MS = 50.0
#: Two landmarks a reader can click from the lateral preset (see tests/test_app_clicks.py).
PREFERRED = ("greater_trochanter_tip", "asis_right", "iliac_crest_top", "psis_right")

INSTRUMENT = """(region) => {
  window.__clicks = []; window.__cards = [];
  document.addEventListener('pointerup', () => window.__clicks.push(performance.now()), true);
  new MutationObserver(() => window.__cards.push(performance.now()))
    .observe(region, { childList: true, subtree: true, characterData: true });
}"""


def _targets(page) -> list[tuple[str, float, float]]:
    from meshes.model import HipModel
    from tests.click_targets import DrawnScene, targets
    from viewer.scene import build_plotter

    plotter = build_plotter(HipModel())
    try:
        drawn = DrawnScene(plotter)
    finally:
        plotter.close()
    camera = page.evaluate("() => JSON.parse(JSON.stringify(window.__hipScene.model.camera))")
    rect = page.evaluate("() => window.__hipScene.canvasRect()")
    aims = targets(drawn, camera, rect)
    chosen = [lid for lid in PREFERRED if lid in aims][:2]
    return [(lid, *aims[lid]) for lid in chosen]


def rows() -> list[dict]:
    from playwright.sync_api import sync_playwright

    server = ViewerServer()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_context(viewport=VIEWPORT, device_scale_factor=1).new_page()
                page.set_default_timeout(60_000)
                page.goto(server.url, wait_until="load")
                wait_for_scene(page)
                page.wait_for_timeout(1000)
                aims = _targets(page)
                if len(aims) < 2:
                    raise RuntimeError(f"too few clickable landmarks from the lateral preset: {aims}")
                page.locator(".card-region").evaluate(INSTRUMENT)
                waits = []
                for i in range(CLICKS):
                    _, x, y = aims[i % 2]
                    before = page.evaluate("() => window.__cards.length")
                    page.mouse.click(x, y)
                    page.wait_for_function(f"() => window.__cards.length > {before}")
                    page.wait_for_timeout(SETTLE_MS)  # a reader reads the card before the next click
                    waits.append(page.evaluate(
                        "() => { const t = window.__clicks[window.__clicks.length - 1];"
                        " return window.__cards.find((c) => c >= t) - t; }"))
            finally:
                browser.close()
    finally:
        server.stop()
    return [
        {"benchmark": f"Whole page: click to new card shown, in the page (median of {CLICKS}, {SETTLE_MS} ms apart)",
         "value": statistics.median(waits), "unit": "ms", "goal": f"<= {GOAL_MS:g}"},
        {"benchmark": f"Whole page: click to new card shown, in the page (slowest of {CLICKS})",
         "value": max(waits), "unit": "ms", "goal": "(informative)"},
    ]


if __name__ == "__main__":
    from benchmarks.run import markdown_table

    print(markdown_table(rows()))
