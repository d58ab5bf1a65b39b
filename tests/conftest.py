"""Shared test harness: a real viewer server and real Chromium.

Fixtures
--------
``viewer_server``   session: ``python -m viewer --port 0 --no-browser`` in a subprocess; ``.url``
``viewer_url``      session: that server's URL, e.g. ``http://127.0.0.1:40123/``
``start_viewer``    factory: ``start_viewer("--content", DIR)`` starts another server, stopped after the test
``browser``         session: Debian's Chromium driven by Playwright (headless, software WebGL)
``page``            a fresh page; any console error, page error or request leaving the machine fails the test
``page_guard``      the ``PageGuard`` watching ``page`` (``.allow_console(regex)`` for an expected error)
``app_page``        ``page`` already on the viewer with the 3D view drawn

Helpers (``from tests.conftest import ...``)
-------------------------------------------
``new_guarded_page(browser, page_guard)`` another page watched by the same guard
``save_shot(page, name)``          PNG of the page (or ``locator=``) under ``test-artifacts/``
``scene_png(page)``                PNG of the largest canvas on the page (the 3D view)
``wait_for_scene(page)``           waits until the 3D view shows a drawing; returns its PNG
``canvas_nonblank_fraction(png)``  fraction of pixels differing from the background colour

Without Chromium or Playwright the browser tests are skipped, unless
``HIP_VIEWER_REQUIRE_BROWSER=1`` (set by ``./setup.sh test`` and CI): then they fail.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest

from tests.services import stop_process

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def find_chromium() -> str:
    """``HIP_VIEWER_CHROMIUM``, else Debian's ``/usr/bin/chromium``, else one on the PATH."""
    if os.environ.get("HIP_VIEWER_CHROMIUM"):
        return os.environ["HIP_VIEWER_CHROMIUM"]
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return "/usr/bin/chromium"


CHROMIUM = find_chromium()
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]
VIEWPORT = {"width": 1280, "height": 800}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
URL_PATTERN = re.compile(r"http://127\.0\.0\.1:\d+/")
SERVER_START_TIMEOUT_S = 120
SCENE_TIMEOUT_S = 60


def browser_required() -> bool:
    """True where a missing browser must fail the run instead of skipping."""
    return os.environ.get("HIP_VIEWER_REQUIRE_BROWSER", "") not in ("", "0")


def _browser_unavailable(reason: str):
    if browser_required():
        pytest.fail(f"{reason} (HIP_VIEWER_REQUIRE_BROWSER is set, so this is a failure)")
    pytest.skip(reason)


# --------------------------------------------------------------------------- images

def decode_png(png_bytes: bytes) -> np.ndarray:
    """RGB array (H, W, 3) of uint8 from PNG bytes (Pillow, a dependency of pyvista)."""
    from PIL import Image

    with Image.open(io.BytesIO(png_bytes)) as image:
        return np.asarray(image.convert("RGB"))


def background_colour(rgb: np.ndarray) -> np.ndarray:
    """The most common colour on the image's one-pixel border."""
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]).astype(np.int64)
    keys = (border[:, 0] << 16) | (border[:, 1] << 8) | border[:, 2]
    values, counts = np.unique(keys, return_counts=True)
    key = int(values[np.argmax(counts)])
    return np.array([(key >> 16) & 255, (key >> 8) & 255, key & 255], dtype=np.int64)


def canvas_nonblank_fraction(png_bytes: bytes, background=None, tolerance: int = 12) -> float:
    """Fraction of pixels whose colour differs from the background by more than ``tolerance``.

    ``background`` is an RGB triple; by default the most common colour of the image border.
    A blank canvas gives 0.0; a drawing covering a third of it about 0.33.
    """
    rgb = decode_png(png_bytes).astype(np.int64)
    if rgb.size == 0:
        return 0.0
    bg = background_colour(rgb) if background is None else np.asarray(background, dtype=np.int64)[:3]
    differs = np.abs(rgb - bg).max(axis=2) > tolerance
    return float(differs.mean())


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")[:150] or "shot"


def save_shot(page, name: str, locator=None, full_page: bool = False) -> Path:
    """Save a PNG of ``page`` (or of ``locator``) as ``test-artifacts/<name>.png``; returns the path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{_safe_name(name)}.png"
    if locator is not None:
        locator.screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=full_page)
    return path


# --------------------------------------------------------------------------- the 3D view

def scene_box(page) -> dict | None:
    """Bounding box (page pixels) of the largest visible canvas: the 3D view."""
    best, best_area = None, 0.0
    for canvas in page.locator("canvas").all():
        try:
            box = canvas.bounding_box(timeout=2000)
        except Exception:  # the canvas was replaced while we looked
            continue
        if box and box["width"] * box["height"] > best_area:
            best, best_area = box, box["width"] * box["height"]
    return best


def posture_thumb(page, name: str) -> tuple[float, float]:
    """The centre of the ``name`` posture slider's thumb (a native range input, whose thumb
    Chromium draws 16 px wide), where a reader puts the mouse or a finger to drag it."""
    slider = page.locator(f".posture-{name} input[type=range]")
    box = slider.bounding_box()
    value, lo, hi = slider.evaluate("(e) => [Number(e.value), Number(e.min), Number(e.max)]")
    thumb = 16
    return box["x"] + thumb / 2 + (value - lo) / (hi - lo) * (box["width"] - thumb), box["y"] + box["height"] / 2


def scene_png(page, box: dict | None = None) -> bytes:
    """PNG of the 3D view as it is on screen (the page region under the largest canvas, or
    under ``box``).

    The region is captured rather than the element, since the view may replace its canvas.
    """
    box = box or scene_box(page)
    if box is None:
        raise AssertionError("the page shows no canvas (no 3D view)")
    clip = {"x": box["x"], "y": box["y"], "width": max(box["width"], 1), "height": max(box["height"], 1)}
    # The drawing itself: the names laid over it (placed anew each frame) are left out.
    page.evaluate(_LABELS_SHOWN_JS, False)
    try:
        return page.screenshot(clip=clip)
    finally:
        page.evaluate(_LABELS_SHOWN_JS, True)


_LABELS_SHOWN_JS = """(shown) => {
  const walk = (node) => {
    if (!node) return
    if (node.classList && node.classList.contains('hip-labels')) node.style.visibility = shown ? '' : 'hidden'
    for (const child of node.children || []) walk(child)
    if (node.shadowRoot) walk(node.shadowRoot)
  }
  walk(document.body)
}"""


def _overlaps(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def loading_over(page, box: dict) -> bool:
    """True while a Panel loading indicator covers part of ``box``."""
    for element in page.locator(".pn-loading").all():
        try:
            other = element.bounding_box(timeout=1000)
        except Exception:
            continue
        if other and other["width"] > 0 and other["height"] > 0 and _overlaps(box, other):
            return True
    return False


def wait_for_scene(page, timeout: float = SCENE_TIMEOUT_S, min_fraction: float = 0.02) -> bytes:
    """Wait until the 3D view shows a drawing (not a blank canvas, no loading indicator over
    it); returns its PNG."""
    deadline = time.monotonic() + timeout
    last = "no canvas on the page"
    while True:
        box = scene_box(page)
        if box is not None and loading_over(page, box):
            last = "the 3D view was still loading"
        elif box is not None:
            png = scene_png(page, box)
            fraction = canvas_nonblank_fraction(png)
            if fraction >= min_fraction:
                return png
            last = f"the 3D view stayed blank ({fraction:.4f} of pixels drawn)"
        if time.monotonic() > deadline:
            raise AssertionError(f"after {timeout:.0f} s {last}")
        page.wait_for_timeout(250)


# --------------------------------------------------------------------------- server

SERVER_ERROR = re.compile(r"Traceback \(most recent call last\)|\bERROR\b")
CLOSED_SOCKET = re.compile(r"WebSocketClosedError|StreamClosedError")


def drop_closed_socket_reports(lines: list[str]) -> list[str]:
    """``lines`` without the error reports (heading, traceback, exception line) whose
    exception is a socket the browser had already closed."""
    drop: set[int] = set()
    for i, line in enumerate(lines):
        if not line.startswith("Traceback"):
            continue
        j = i + 1
        while j < len(lines) and (not lines[j][:1].strip()
                                  or lines[j].startswith(("Traceback", "During handling", "The above"))):
            j += 1
        if j < len(lines) and CLOSED_SOCKET.search(lines[j]):
            k = i - 1
            while k >= 0 and i - k <= 3 and (SERVER_ERROR.search(lines[k]) or lines[k].startswith(("future:", "Task"))):
                k -= 1
            drop.update(range(k + 1, j + 1))
    return [line for n, line in enumerate(lines) if n not in drop]


RUNNING_SERVERS: list["ViewerServer"] = []


class ViewerServer:
    """``python -m viewer`` in a subprocess on a free port; ``url`` once it listens.

    Its output is kept in ``lines``; an error or traceback it prints while a test runs fails
    that test (a failing callback on the server is as visible to a user as one in the page).
    """

    def __init__(self, *args: str, timeout: float = SERVER_START_TIMEOUT_S):
        self.args = ["--port", "0", "--no-browser", *args]
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "viewer", *self.args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            text=True, cwd=ROOT, env=env,
        )
        self.lines: list[str] = []
        self.url: str | None = None
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        RUNNING_SERVERS.append(self)
        if not self._ready.wait(timeout) or self.url is None:
            self.stop()
            raise RuntimeError(
                f"the viewer did not print its URL within {timeout:.0f} s "
                f"(exit code {self.proc.returncode}):\n{self.output}"
            )

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)
            match = URL_PATTERN.search(line)
            if match and self.url is None:
                self.url = match.group(0)
                self._ready.set()
        self._ready.set()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def errors_since(self, mark: int) -> list[str]:
        """Lines from ``lines[mark:]`` that report an error or a traceback, leaving out the
        one the server cannot prevent: a browser that closed its socket while the server was
        still writing to it (Tornado's ``WebSocketClosedError``/``StreamClosedError``)."""
        return [line.rstrip() for line in drop_closed_socket_reports(self.lines[mark:])
                if SERVER_ERROR.search(line)]

    def stop(self):
        if self in RUNNING_SERVERS:
            RUNNING_SERVERS.remove(self)
        stop_process(self.proc)
        self._reader.join(5)


@pytest.fixture(scope="session")
def drawn():
    """The neutral-posture scene as the page draws it (:class:`tests.click_targets.DrawnScene`),
    for aiming clicks and taps."""
    from meshes.model import HipModel
    from tests.click_targets import DrawnScene
    from viewer.scene import build_plotter

    plotter = build_plotter(HipModel())
    try:
        yield DrawnScene(plotter)
    finally:
        plotter.close()


@pytest.fixture
def redis_server(tmp_path):
    """A ``redis-server`` of the test's own on a free port (:class:`tests.services.RedisServer`)."""
    from tests.services import REDIS_SERVER, RedisServer, require

    require(REDIS_SERVER, "redis-server")
    server = RedisServer(tmp_path / "redis")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def viewer_server():
    server = ViewerServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def viewer_url(viewer_server) -> str:
    return viewer_server.url


@pytest.fixture
def start_viewer():
    """Factory: ``start_viewer(*extra_args)`` serves another viewer; all stopped after the test."""
    started: list[ViewerServer] = []

    def start(*args: str) -> ViewerServer:
        server = ViewerServer(*args)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


# --------------------------------------------------------------------------- browser

@pytest.fixture(scope="session")
def playwright_session():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_unavailable("the playwright package is not installed")
    manager = sync_playwright()
    playwright = manager.start()
    yield playwright
    playwright.stop()


@pytest.fixture(scope="session")
def browser(playwright_session):
    if not os.access(CHROMIUM, os.X_OK):
        _browser_unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    browser = playwright_session.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
    )
    yield browser
    browser.close()


class PageGuard:
    """Records console errors, page errors and requests to hosts other than this machine."""

    def __init__(self):
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.offhost_requests: list[str] = []
        self.requests: list[str] = []
        self.console_log: list[str] = []
        self._allowed: list[re.Pattern] = []

    def allow_console(self, pattern: str):
        """Let console errors matching ``pattern`` (a regex) pass; for tests that provoke one."""
        self._allowed.append(re.compile(pattern))

    def on_console(self, message):
        text = f"{message.type}: {message.text}"
        self.console_log.append(text)
        if message.type == "error" and not any(p.search(message.text) for p in self._allowed):
            self.console_errors.append(message.text)

    def on_page_error(self, error):
        self.console_log.append(f"pageerror: {error}")
        self.page_errors.append(str(error))

    def check_url(self, url: str) -> bool:
        """True if ``url`` stays on this machine; otherwise records it."""
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about", "chrome-error", "file", ""):
            return True
        if (parts.hostname or "") in LOCAL_HOSTS:
            return True
        self.offhost_requests.append(url)
        return False

    def route(self, route):
        url = route.request.url
        self.requests.append(url)
        if self.check_url(url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def on_websocket(self, websocket):
        self.requests.append(websocket.url)
        self.check_url(websocket.url)

    def problems(self) -> list[str]:
        out = [f"console error: {t}" for t in self.console_errors]
        out += [f"page error: {t}" for t in self.page_errors]
        out += [f"request leaving the machine: {u}" for u in self.offhost_requests]
        return out


GUARD_KEY = pytest.StashKey[PageGuard]()
PAGE_KEY = pytest.StashKey[object]()


@pytest.fixture
def page_guard(request) -> PageGuard:
    guard = PageGuard()
    request.node.stash[GUARD_KEY] = guard
    return guard


def new_guarded_page(browser, guard: PageGuard, viewport=None, **options):
    """A page in a fresh browser context, watched by ``guard``; close it with ``page.context.close()``.
    ``options`` go to the context (e.g. ``is_mobile=True, has_touch=True`` for a phone)."""
    options.setdefault("device_scale_factor", 1)
    context = browser.new_context(viewport=viewport or VIEWPORT, **options)
    context.route("**/*", guard.route)
    page = context.new_page()
    page.on("console", guard.on_console)
    page.on("pageerror", guard.on_page_error)
    page.on("websocket", guard.on_websocket)
    page.set_default_timeout(30_000)
    return page


@pytest.fixture
def page(browser, page_guard, request):
    page = new_guarded_page(browser, page_guard)
    request.node.stash[PAGE_KEY] = page
    yield page
    page.context.close()


@pytest.fixture
def app_page(page, viewer_url):
    """``page`` on the viewer with the 3D view drawn."""
    page.goto(viewer_url, wait_until="load")
    wait_for_scene(page)
    return page


# --------------------------------------------------------------------------- hooks

def pytest_collection_modifyitems(items):
    """Mark every test that uses the browser, so ``-m "not browser"`` leaves them out."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail a test whose page logged an error or asked for something off this machine, or
    during which a viewer server printed an error."""
    marks = {id(server): len(server.lines) for server in RUNNING_SERVERS}
    result = yield
    problems = []
    guard = item.stash.get(GUARD_KEY, None)
    if guard is not None:
        problems += guard.problems()
    for server in list(RUNNING_SERVERS):
        problems += [f"server: {line}" for line in server.errors_since(marks.get(id(server), 0))]
    if problems:
        pytest.fail("the page or the server misbehaved:\n  " + "\n  ".join(problems), pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep a screenshot and the console log of every failed browser test under test-artifacts/."""
    report = yield
    if report.failed and report.when in ("setup", "call"):
        page = item.stash.get(PAGE_KEY, None)
        if page is not None:
            name = _safe_name(f"FAILED-{item.nodeid}")
            try:
                if not page.is_closed():
                    save_shot(page, name)
            except Exception as exc:  # the page may have crashed; keep the report anyway
                report.sections.append(("screenshot", f"could not save a screenshot: {exc}"))
            guard = item.stash.get(GUARD_KEY, None)
            log = []
            if guard is not None:
                log += ["console:", *guard.console_log, "", "requests:", *guard.requests, ""]
            for server in RUNNING_SERVERS:
                log += [f"server {server.url} output:", server.output]
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            (ARTIFACTS / f"{name}.log").write_text("\n".join(log) + "\n")
    return report


def drag(page, x: float, y: float, dx: float, dy: float, steps: int = 10) -> None:
    """Press the mouse at (x, y), move it by (dx, dy) in ``steps`` moves, and let go."""
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y + dy, steps=steps)
    page.mouse.up()


def wait_until(predicate, timeout: float = 60.0, what: str = "condition", poll: float = 0.02):
    """Poll ``predicate`` until it returns something truthy (returned), or fail after
    ``timeout`` seconds naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out waiting for {what}")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
