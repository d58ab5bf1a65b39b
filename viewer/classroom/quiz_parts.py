"""The quiz tab's parts that are not the tab itself: its browser components (progress in
``localStorage``, live regions that take the focus), its link parameters and its question bank.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import panel as pn
import param

from annotations.quiz import DEFAULT_ROUND, Quiz, generate_questions
from viewer.page_parts import PagePart
from viewer.state import query_value

HERE = Path(__file__).parent
STATIC = HERE.parent / "static"
QUIZ_CSS = (HERE / "quiz.css").read_text(encoding="utf-8")
APP_CSS = (STATIC / "app.css").read_text(encoding="utf-8")

STORAGE_KEY = "hip-viewer-quiz"
MAX_SEED = 10**9


def esc(text) -> str:
    return html.escape(str(text), quote=True)


_BANKS: dict[int, tuple] = {}


def questions_for(pack) -> tuple:
    """The question bank of a pack (generated once per pack object: packs are loaded once per
    server process and only read)."""
    key = id(pack)
    if key not in _BANKS:
        _BANKS[key] = (pack, tuple(generate_questions(pack)))
    return _BANKS[key][1]


# ---------------------------------------------------------------------------------------
# Browser-side pieces


class ProgressStore(PagePart):
    """The quiz progress in the browser's ``localStorage``.

    On the page it reports what was stored (``stored``, then ``ready``); whatever Python puts
    in ``save`` is written back (an empty ``save`` removes the record).
    """

    part = "store"
    key = param.String(default=STORAGE_KEY)
    stored = param.String(default="")
    ready = param.Boolean(default=False)
    save = param.String(default="")

    _esm = """
    export function render({ model, el }) {
      let text = ""
      try { text = window.localStorage.getItem(model.key) || "" } catch (e) { text = "" }
      model.stored = text
      model.ready = true
      model.on('save', () => {
        try {
          if (model.save) window.localStorage.setItem(model.key, model.save)
          else window.localStorage.removeItem(model.key)
        } catch (e) { /* storage refused (private mode): the quiz still works, without resume */ }
      })
      el.style.display = 'none'
    }
    """


class LiveHTML(pn.custom.JSComponent):
    """A region that keeps its element while its HTML changes, so that ``aria-live`` works
    (a screen reader reads each new feedback).

    Each time Python raises ``focus_token`` the region takes the keyboard focus as soon as the
    focus is lost (the button just pressed is hidden), so that Tab goes on from here; a focus
    elsewhere on the page (the 3D view after a click) is left alone, and so is a region asked
    earlier (the question, while its feedback is the latest to ask)."""

    html = param.String(default="")
    region_class = param.String(default="quiz-region")
    label = param.String(default="")
    live = param.String(default="")  # "polite", "assertive" or "" for none
    focus_token = param.Integer(default=0)

    _esm = """
    function deepActive() {
      let a = document.activeElement
      while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement
      return a
    }
    function lost() {
      const a = deepActive()
      return !a || a === document.body || a.offsetParent === null || a.disabled
    }
    export function render({ model, el }) {
      const region = document.createElement('div')
      region.className = model.region_class
      if (model.live) region.setAttribute('aria-live', model.live)
      if (model.label) { region.setAttribute('role', 'region'); region.setAttribute('aria-label', model.label) }
      region.innerHTML = model.html
      model.on('html', () => { region.innerHTML = model.html })
      let timer = null
      model.on('focus_token', () => {
        if (timer) clearInterval(timer)
        // The latest region asked wins: an earlier region still waiting gives up.
        window.__quizFocusClaim = region
        const until = Date.now() + 2000
        timer = setInterval(() => {
          if (Date.now() > until || !region.isConnected || window.__quizFocusClaim !== region) {
            clearInterval(timer); timer = null; return
          }
          if (lost() && region.offsetParent !== null) {
            clearInterval(timer); timer = null
            region.setAttribute('tabindex', '-1')
            region.focus()
          }
        }, 40)
      })
      el.appendChild(region)
    }
    """

    _stylesheets = [APP_CSS, QUIZ_CSS]


# ---------------------------------------------------------------------------------------
# Query parameters


def parse_quiz_query(query) -> tuple[int | None, int | None, list[str]]:
    """(seed, round length, notices) from the page's query parameters ``quiz_seed`` and
    ``quiz_n``; a malformed value is left out with a notice."""
    seed = length = None
    notices = []
    text = query_value((query or {}).get("quiz_seed"))
    if text:
        if re.fullmatch(r"\d{1,9}", text):
            seed = int(text)
        else:
            notices.append(f"Ignored quiz_seed '{text[:20]}': use a whole number.")
    text = query_value((query or {}).get("quiz_n"))
    if text:
        if re.fullmatch(r"\d{1,4}", text) and int(text) >= 1:
            length = int(text)
        else:
            notices.append(f"Ignored quiz_n '{text[:20]}': use a whole number of questions.")
    return seed, length, notices


def resume_or_start(questions, progress, url_seed: int | None, url_length: int | None):
    """(the round to show, whether it was resumed): the stored ``progress`` if the bank can
    use it and the link asks for no other seed; else the link's round; else none."""
    resumed = Quiz.resume(questions, progress) if questions else None
    if url_seed is not None and (resumed is None or resumed.progress.seed != url_seed
                                 or (url_length and resumed.progress.length != url_length)):
        return Quiz.start(questions, url_seed, url_length or DEFAULT_ROUND), False
    return resumed, resumed is not None


class QuizStart(pn.viewable.Viewer):
    """The quiz's first screen: what it asks, an optional seed and the round's length."""

    def __init__(self, n: int, seed: int | None, length: int | None, notices=(), **params):
        super().__init__(**params)
        from viewer.classroom.quiz_text import intro_html

        self.intro = pn.pane.HTML(intro_html(n, notices), sizing_mode="stretch_width", stylesheets=[QUIZ_CSS])
        self.seed = pn.widgets.TextInput(
            label="Seed (optional: the same seed gives the same order)", placeholder="any whole number",
            value=str(seed) if seed is not None else "", sizing_mode="stretch_width", css_classes=["quiz-seed"],
        )
        self.length = pn.widgets.IntInput(
            label="Questions in a round", value=min(length or DEFAULT_ROUND, max(n, 1)), start=1,
            end=max(n, 1), sizing_mode="stretch_width", css_classes=["quiz-length"],
        )
        self.button = pn.widgets.Button(label="Start the quiz", color="primary", css_classes=["quiz-start"],
                                        disabled=not n)
        self.box = pn.Column(self.intro, self.seed, self.length, self.button, sizing_mode="stretch_width")

    def chosen(self) -> tuple[int | None, int, list[str]]:
        """(seed or None, questions in a round, notices) as the reader typed them."""
        text = (self.seed.value or "").strip()
        seed = int(text) % MAX_SEED if text.isdigit() else None
        notices = [] if seed is not None or not text else [f"Ignored seed '{text[:20]}': use a whole number."]
        return seed, int(self.length.value or DEFAULT_ROUND), notices

    @property
    def visible(self) -> bool:
        return self.box.visible

    @visible.setter
    def visible(self, value: bool) -> None:
        self.box.visible = value

    def __panel__(self):
        return self.box
