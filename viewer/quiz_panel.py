"""The Quiz tab: shows the questions of :mod:`annotations.quiz` and takes the answers.

Everything a quiz decides (questions, order, checking, score, progress) is plain Python in
``annotations/quiz.py``; this module only draws it and wires it to the viewer:

* a click question is answered by the next click in the 3D view (the viewer hands picks to
  :meth:`QuizPanel.take_pick` first), or with the Structures list and the "Answer with"
  button for keyboard users;
* after each answer the viewer selects the structure the question was about (``select``),
  so the 3D view highlights it and its card is shown under the feedback;
* progress lives in the browser's ``localStorage`` (:class:`ProgressStore`), so a reload
  resumes the round; "New round" clears it.

URL parameters: ``quiz_seed=N`` opens the Quiz tab and starts (or resumes) the round with
that seed; ``quiz_n=K`` asks K questions a round.
"""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path

import panel as pn
import param

from annotations.quiz import DEFAULT_ROUND, Progress, Quiz, generate_questions
from viewer.state import query_value

log = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")
QUIZ_CSS = (STATIC / "quiz.css").read_text(encoding="utf-8")
APP_CSS = (STATIC / "app.css").read_text(encoding="utf-8") if (STATIC / "app.css").exists() else ""

STORAGE_KEY = "hip-viewer-quiz"
TAB_TITLE = "Quiz"
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


class ProgressStore(pn.custom.JSComponent):
    """The quiz progress in the browser's ``localStorage``.

    On the page it reports what was stored (``stored``, then ``ready``); whatever Python puts
    in ``save`` is written back (an empty ``save`` removes the record).
    """

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


# ---------------------------------------------------------------------------------------
# The tab


class QuizPanel:
    """The Quiz tab of one viewer session."""

    def __init__(self, app, query=None):
        self.app = app
        self.questions = questions_for(app.pack) if app.pack.entries else ()
        self.quiz: Quiz | None = None
        self.showing_feedback = False
        self.url_seed, self.url_length, self.notices = parse_quiz_query(query)
        self._loaded = False
        self._how = "click"
        self._link_selection = app.state.selection  # what the page's link selected

        self.store = ProgressStore(width=0, height=0, margin=0, sizing_mode="fixed")
        self.store.param.watch(self._on_stored, "ready")

        n = len(self.questions)
        self.intro = pn.pane.HTML(self._intro_html(), sizing_mode="stretch_width", stylesheets=[QUIZ_CSS])
        self.seed_input = pn.widgets.TextInput(
            label="Seed (optional: the same seed gives the same order)", placeholder="any whole number",
            value=str(self.url_seed) if self.url_seed is not None else "", sizing_mode="stretch_width",
            css_classes=["quiz-seed"],
        )
        self.length_input = pn.widgets.IntInput(
            label="Questions in a round", value=min(self.url_length or DEFAULT_ROUND, max(n, 1)), start=1,
            end=max(n, 1), sizing_mode="stretch_width", css_classes=["quiz-length"],
        )
        self.start_button = pn.widgets.Button(label="Start the quiz", color="primary",
                                              css_classes=["quiz-start"], disabled=not n)
        self.status = LiveHTML(region_class="quiz-status", sizing_mode="stretch_width")
        self.question = LiveHTML(region_class="quiz-question", label="Question", live="polite",
                                 sizing_mode="stretch_width")
        self.options = pn.widgets.RadioBoxGroup(label="Your answer", options=[], inline=False,
                                                sizing_mode="stretch_width", css_classes=["quiz-options"])
        self.check_button = pn.widgets.Button(label="Check answer", color="primary",
                                              css_classes=["quiz-check"])
        self.list_button = pn.widgets.Button(label="Answer with the list’s choice", color="default",
                                             disabled=True, css_classes=["quiz-list-answer"])
        self.feedback = LiveHTML(region_class="quiz-feedback", label="Feedback", live="assertive",
                                 sizing_mode="stretch_width")
        self.next_button = pn.widgets.Button(label="Next question", color="primary",
                                             css_classes=["quiz-next"])
        self.posture_button = pn.widgets.Button(label="Show this posture", color="default", visible=False,
                                                css_classes=["quiz-posture"])
        self.new_round_button = pn.widgets.Button(label="New round", color="default",
                                                  css_classes=["quiz-new-round"])
        self.stop_button = pn.widgets.Button(label="End quiz", color="light", css_classes=["quiz-end"])
        self.card = LiveHTML(region_class="card-region quiz-card", label="Card of the answer",
                             sizing_mode="stretch_width")

        self.start_button.on_click(self._on_start)
        self.options.param.watch(self._on_option, "value")
        self.check_button.on_click(self._on_check)
        self.list_button.on_click(self._on_list_answer)
        self.next_button.on_click(lambda e: self._show_current())
        self.posture_button.on_click(self._on_posture)
        self.new_round_button.on_click(self._on_new_round)
        self.stop_button.on_click(self._on_stop)
        app.structures.param.watch(self._on_list_choice, "value")
        app.card.param.watch(self._on_card, "html")
        app.right.param.watch(lambda e: self._update_list_button(), "active")
        for toggle in (*app.layer_toggles.values(), app.isolate):
            toggle.param.watch(self._on_layers, "value")

        self.start_box = pn.Column(self.intro, self.seed_input, self.length_input, self.start_button,
                                   sizing_mode="stretch_width")
        self.play_box = pn.Column(
            self.status, self.question, self.options, pn.Row(self.check_button, self.list_button),
            self.feedback, pn.Row(self.next_button, self.posture_button), self.card,
            pn.Row(self.new_round_button, self.stop_button),
            sizing_mode="stretch_width", visible=False,
        )
        self.layout = pn.Column(self.start_box, self.play_box, scroll=True, sizing_mode="stretch_both",
                                css_classes=["quiz-tab"])
        self._show()

    def __panel__(self):
        return self.layout

    # --------------------------------------------------------------- state

    @property
    def tab_open(self) -> bool:
        tabs = self.app.right
        return 0 <= tabs.active < len(tabs.objects) and tabs.objects[tabs.active] is self.layout

    @property
    def waiting_for_click(self) -> bool:
        """A click question waits for its answer and the Quiz tab is open (with another tab
        open, clicks in the 3D view browse as usual)."""
        q = self.quiz.current() if self.quiz is not None else None
        return q is not None and q.kind == "click" and not self.showing_feedback and self.tab_open

    def _save(self):
        if not self._loaded:
            return
        self.store.save = self.quiz.progress.to_json() if self.quiz is not None else ""

    def _on_stored(self, event):
        """The page reported what it had stored: resume that round, or start the link's."""
        if not event.new or self._loaded:
            return
        self._loaded = True
        progress = Progress.from_json(self.store.stored)
        resumed = Quiz.resume(self.questions, progress) if self.questions else None
        if self.url_seed is not None and (resumed is None or resumed.progress.seed != self.url_seed
                                          or (self.url_length and resumed.progress.length != self.url_length)):
            resumed = None
            self.quiz = Quiz.start(self.questions, self.url_seed, self.url_length or DEFAULT_ROUND)
        elif resumed is not None:
            self.quiz = resumed
        if self.quiz is None:
            if progress is not None:
                self._save()  # a record this bank cannot use: drop it
            self._show()
            return
        self._save()
        self.showing_feedback = False
        if self.url_seed is None and self._foreign_link():
            # A link to something else (not this page reloaded mid-round): show what the link
            # asks for; the round waits in its tab.
            self._show(resumed=True)
            return
        self._show_current(resume=resumed is not None)
        self.open_tab()

    def _foreign_link(self) -> bool:
        """True when the page's link selects a structure other than the card the quiz last
        showed (a reload during feedback keeps that card in the address)."""
        sid = self._link_selection
        if not sid:
            return False
        last = self.quiz.last() if self.quiz is not None else None
        return last is None or last.question.card != sid

    def open_tab(self):
        tabs = self.app.right
        for i, obj in enumerate(tabs.objects):
            if obj is self.layout:
                tabs.active = i
                return

    # --------------------------------------------------------------- actions

    def start(self, seed: int | None = None, length: int | None = None):
        """Start a round (a new seed's deck from the beginning)."""
        self.quiz = Quiz.start(self.questions, seed, length or DEFAULT_ROUND)
        self._save()
        self._show_current()

    def _on_start(self, event=None):
        text = (self.seed_input.value or "").strip()
        seed = int(text) % MAX_SEED if text.isdigit() else None
        self.notices = [] if seed is not None or not text else [f"Ignored seed '{text[:20]}': use a whole number."]
        self.start(seed, int(self.length_input.value or DEFAULT_ROUND))

    def _on_new_round(self, event=None):
        if self.quiz is None:
            return self._on_start()
        self.quiz.new_round()
        self._save()
        self._show_current()

    def _on_stop(self, event=None):
        self.quiz = None
        self.showing_feedback = False
        self._save()
        self.app.select(None)
        self._show()

    def answer(self, given: str, how: str = "click"):
        """Answer the current question and show the feedback and the answer's card.  ``how``
        says how a click question was answered: ``"click"`` in the 3D view or ``"list"``."""
        if self.quiz is None or self.quiz.current() is None or self.showing_feedback:
            return
        self._how = how
        fb = self.quiz.answer(given)
        self._save()
        self.showing_feedback = True
        self.app.select(fb.question.card)
        self._show()
        self.feedback.focus_token += 1

    def take_pick(self, sid: str | None) -> bool:
        """A click in the 3D view: while a click question waits, it is the answer (True: the
        viewer does nothing more with it)."""
        if not self.waiting_for_click:
            return False
        if sid is None:
            self.feedback.html = ('<p class="quiz-hint">That click did not land on a named structure. '
                                  "Turn or zoom the model and try again.</p>")
            return True
        self.answer(sid)
        return True

    def _on_option(self, event):
        if event.new and not self.showing_feedback:
            self.feedback.html = ""

    def _on_check(self, event=None):
        if self.showing_feedback:
            return
        if self.options.value:
            self.answer(self.options.value)
        else:
            self.feedback.html = "<p class='quiz-hint'>Choose one of the answers first.</p>"

    def _on_list_choice(self, event=None):
        self._update_list_button()

    def _on_list_answer(self, event=None):
        sid = self.app.structures.value
        if sid and self.waiting_for_click:
            self.answer(sid, how="list")

    def _on_posture(self, event=None):
        """Move the hip to the posture the last question was about (the card's posture line
        and the 3D view follow)."""
        last = self.quiz.last() if self.quiz is not None else None
        if last is not None and last.question.flexion is not None:
            self.app.model.param.update(flexion=last.question.flexion, adduction=0.0, rotation=0.0)

    def _on_layers(self, event=None):
        q = self.quiz.current() if self.quiz is not None else None
        if q is not None and q.kind == "click" and not self.showing_feedback:
            self.question.html = self._question_html(q)

    def _on_card(self, event):
        """The card of the answer follows the reading level; browsing other structures
        meanwhile leaves it as it is."""
        last = self.quiz.last() if self.quiz is not None else None
        if self.showing_feedback and last is not None and self.app.state.selection == last.question.card:
            self.card.html = event.new

    # --------------------------------------------------------------- drawing

    def _show_current(self, resume: bool = False):
        """Show the question now waiting (or the round's result)."""
        self.showing_feedback = False
        q = self.quiz.current() if self.quiz is not None else None
        if q is not None and q.kind == "click":
            self.app.select(None)  # nothing highlighted that could give the answer away
        self._show(resumed=resume)
        self.question.focus_token += 1

    def _name_of(self, sid: str) -> str:
        entry = self.app.pack.entries.get(sid)
        return entry.name if entry is not None else sid

    def _right_text(self, q) -> str:
        return self._name_of(q.answer) if q.kind == "click" else q.answer

    def _intro_html(self) -> str:
        n = len(self.questions)
        if not n:
            return "<div class='quiz-intro'><p>No quiz questions: the content pack could not be read.</p></div>"
        notes = "".join(f"<li>{esc(t)}</li>" for t in self.notices)
        return (
            "<div class='quiz-intro'><h2>Test yourself</h2>"
            f"<p>{n} questions from the cards: <strong>click questions</strong> (find a structure in "
            "the 3D view) and <strong>multiple choice</strong> (nerves, roots, arteries, attachments, "
            "actions). After each answer you see whether it was right, the right answer, and the "
            "card of that structure.</p>"
            "<p>Every question comes once before any repeats. Your place is kept in this browser, "
            "so you can reload the page and carry on.</p>"
            + (f"<ul class='quiz-notices'>{notes}</ul>" if notes else "")
            + "</div>"
        )

    def _update_list_button(self):
        sid = self.app.structures.value
        waiting = self.waiting_for_click
        self.list_button.visible = waiting
        self.list_button.disabled = not (waiting and sid)
        self.list_button.label = (f"Answer with the list’s choice: {self._name_of(sid)}" if waiting and sid
                                 else "Answer with the list’s choice")

    def _status_html(self, resumed: bool = False) -> str:
        p = self.quiz.progress
        right, asked = self.quiz.score
        where = (f"Question {min(asked + (0 if self.showing_feedback else 1), p.length)} of {p.length}"
                 if not (p.finished and not self.showing_feedback) else f"Round of {p.length} questions")
        back = " <span class='quiz-resumed'>(resumed where you left off)</span>" if resumed else ""
        return (f"<p><span class='quiz-pos'>{where}</span> · <span class='quiz-score'>Score: {right} right "
                f"out of {asked} asked</span> · <span class='quiz-seed-shown'>seed {p.seed}</span>{back}</p>")

    def _hidden_hint(self, sid: str) -> str:
        """A note when the structure asked for is on a layer the reader has hidden."""
        from viewer.selection import layer_of_landmark
        from viewer.state import LAYER_LABELS

        layer = layer_of_landmark(sid)
        try:
            shown = self.app.visible_layers()
        except Exception:  # pragma: no cover - a viewer without layers
            return ""
        if layer in shown:
            return ""
        return (f"<p class='quiz-hint'>The layer “{esc(LAYER_LABELS.get(layer, layer))}” is hidden: "
                "show it under <strong>Layers</strong> to click it.</p>")

    def _question_html(self, q) -> str:
        if q.kind == "click":
            return (f"<h3 class='quiz-prompt'>{esc(q.prompt)}</h3>" + self._hidden_hint(q.answer) +
                    "<p class='quiz-how'>Your next click in the 3D view is your answer. Drag to turn "
                    "the model first if you cannot see it (dragging never answers). Every structure "
                    "also has a small blue marker: clicking the marker is the surest way. "
                    "<span class='quiz-kbd'>Keyboard: choose it in the <strong>Structures</strong> "
                    "list, then press <strong>Answer with the list’s choice</strong>.</span></p>")
        return (f"<h3 class='quiz-prompt'>{esc(q.prompt)}</h3>"
                "<p class='quiz-how'>Choose one answer, then press <strong>Check answer</strong>.</p>")

    def _feedback_html(self) -> str:
        fb = self.quiz.last()
        q = fb.question
        if q.kind == "click":
            right_name = self._name_of(q.answer)
            given = self._name_of(fb.given)
            did = "You chose" if self._how == "list" else "You clicked"
            if fb.right:
                body = f"<p>{did} <strong>{esc(given)}</strong>.</p>"
            else:
                body = (f"<p>{did} <strong>{esc(given)}</strong>. The right answer is "
                        f"<strong>{esc(right_name)}</strong>, now highlighted in the 3D view.</p>")
        else:
            if fb.right:
                body = f"<p>The answer is <strong>{esc(q.answer)}</strong>.</p>"
            else:
                body = (f"<p>You chose {esc(fb.given)}. The right answer is "
                        f"<strong>{esc(q.answer)}</strong>.</p>")
        verdict = ("<p class='quiz-verdict quiz-right'><span aria-hidden='true'>✔ </span>Right.</p>" if fb.right
                   else "<p class='quiz-verdict quiz-wrong'><span aria-hidden='true'>✘ </span>Not right.</p>")
        fact = f"<p class='quiz-fact'><span class='label'>From the card: </span>{esc(q.fact)}</p>" if q.fact else ""
        card = f"<p class='quiz-card-note'>The card of {esc(self._name_of(q.card))} is below.</p>"
        return verdict + body + fact + card

    def _summary_html(self) -> str:
        p = self.quiz.progress
        items = []
        for a in p.answers:
            q = self.quiz.bank[a.question]
            mark = "✔" if a.right else "✘"
            word = "right" if a.right else "not right"
            fix = "" if a.right else f" <span class='quiz-fix'>Answer: {esc(self._right_text(q))}.</span>"
            items.append(f"<li><span aria-hidden='true'>{mark} </span><span class='sr'>{word}: </span>"
                         f"{esc(q.prompt)}{fix}</li>")
        return (f"<h3 class='quiz-prompt'>Round complete: {p.score} right out of {p.length}.</h3>"
                f"<ol class='quiz-summary'>{''.join(items)}</ol>"
                "<p class='quiz-how'>Press <strong>New round</strong> for the next questions of the deck "
                "(the score starts again), or <strong>End quiz</strong> to stop.</p>")

    def _show(self, resumed: bool = False):
        quiz = self.quiz
        self.start_box.visible = quiz is None
        self.play_box.visible = quiz is not None
        if quiz is None:
            self.intro.object = self._intro_html()
            self._update_list_button()
            return
        q = quiz.current()
        self.status.html = self._status_html(resumed)
        if self.showing_feedback:
            last = quiz.last()
            self.question.html = f"<h3 class='quiz-prompt'>{esc(last.question.prompt)}</h3>"
            self.feedback.html = self._feedback_html()
            self.card.html = self.app.card.html
            self.card.visible = True
            self.options.disabled = True
            self.check_button.visible = False
            self.next_button.visible = True
            self.next_button.label = "Next question" if q is not None else "See your score"
            flexion = last.question.flexion
            self.posture_button.visible = flexion is not None
            if flexion is not None:
                self.posture_button.label = f"Show the hip at {flexion:g}° of flexion"
            self.options.visible = last.question.kind == "choice"
        elif q is None:
            self.question.html = self._summary_html()
            self.feedback.html = ""
            self.card.html = ""
            self.card.visible = False
            self.options.visible = False
            self.check_button.visible = False
            self.next_button.visible = False
            self.posture_button.visible = False
        else:
            self.question.html = self._question_html(q)
            self.feedback.html = ""
            self.card.html = ""
            self.card.visible = False
            self.next_button.visible = False
            self.posture_button.visible = False
            if q.kind == "choice":
                self.options.param.update(options=list(q.options), value=None, disabled=False, visible=True)
                self.check_button.visible = True
            else:
                self.options.param.update(options=[], value=None, visible=False)
                self.check_button.visible = False
        self._update_list_button()


def attach_quiz(app, query=None) -> QuizPanel | None:
    """Add the Quiz tab to a viewer session: the tab beside Card, the progress store on the
    page, and the quiz first in line for clicks in the 3D view."""
    try:
        panel = QuizPanel(app, query)
    except Exception:  # the viewer works without its quiz
        log.exception("the quiz could not be built")
        return None
    app.right.append((TAB_TITLE, panel.layout))
    app._layout.append(panel.store)
    app.pick_handlers.append(panel.take_pick)
    return panel
