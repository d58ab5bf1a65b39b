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
* the tab's widgets are built when first needed (the tab opened, or a round resumed or
  started by a link): most readers never open the quiz, and a session costs less without them.

URL parameters: ``quiz_seed=N`` opens the Quiz tab and starts (or resumes) the round with
that seed; ``quiz_n=K`` asks K questions a round.
"""

from __future__ import annotations

import logging

import panel as pn

from annotations.quiz import DEFAULT_ROUND, Progress, Quiz
from viewer.classroom import quiz_text as text
from viewer.classroom.quiz_parts import (
    LiveHTML,
    ProgressStore,
    QuizStart,
    parse_quiz_query,
    questions_for,
    resume_or_start,
)

log = logging.getLogger(__name__)

TAB_TITLE = "Quiz"


def button(label: str, color: str, css_class: str, **params) -> pn.widgets.Button:
    return pn.widgets.Button(label=label, color=color, css_classes=[css_class], **params)


class QuizPanel(pn.viewable.Viewer):
    """The Quiz tab of one viewer session."""

    def __init__(self, session, query=None, **params):
        super().__init__(**params)
        self.session = session
        self.state = state = session.state
        self.questions = questions_for(session.pack) if session.pack.entries else ()
        self.quiz: Quiz | None = None
        self.showing_feedback = False
        self.url_seed, self.url_length, self.notices = parse_quiz_query(query)
        self._loaded = False
        self._how = "click"
        self._link_selection = state.selection  # what the page's link selected

        self.store = ProgressStore()
        self.store.param.watch(self._on_stored, "ready")

        state.param.watch(self._on_list_choice, "selection")
        state.param.watch(self._on_card, ["selection", "level", "flexion", "adduction", "rotation"])
        state.param.watch(lambda e: (self._build_view(), self._update_list_button()), "tab")
        state.param.watch(self._on_layers, ["hidden", "isolate"])
        session.pick_handlers.append(self.take_pick)

        self.start_box = self.play_box = self.list_button = None  # the tab's widgets: built when needed
        self.layout = pn.Column(scroll=True, sizing_mode="stretch_both", css_classes=["quiz-tab"])
        self._show()

    def __panel__(self):
        return self.layout

    # --------------------------------------------------------------- state

    def _build_view(self) -> bool:
        """Build the tab's widgets the first time they are needed (the tab opened, or a round
        resumed or started); False while they are not needed yet."""
        if self.start_box is not None:
            return True
        if not (self.tab_open or self.quiz is not None):
            return False
        self.start_box = QuizStart(len(self.questions), self.url_seed, self.url_length, self.notices)
        self.intro = self.start_box.intro
        self.start_box.button.on_click(self._on_start)
        self.status = LiveHTML(region_class="quiz-status", sizing_mode="stretch_width")
        self.question = LiveHTML(region_class="quiz-question", label="Question", live="polite",
                                 sizing_mode="stretch_width")
        self.options = pn.widgets.RadioBoxGroup(label="Your answer", options=[], inline=False,
                                                sizing_mode="stretch_width", css_classes=["quiz-options"])
        self.check_button = button("Check answer", "primary", "quiz-check")
        self.list_button = button("Answer with the list’s choice", "default", "quiz-list-answer", disabled=True)
        self.feedback = LiveHTML(region_class="quiz-feedback", label="Feedback", live="assertive",
                                 sizing_mode="stretch_width")
        self.next_button = button("Next question", "primary", "quiz-next")
        self.posture_button = button("Show this posture", "default", "quiz-posture", visible=False)
        self.new_round_button = button("New round", "default", "quiz-new-round")
        self.stop_button = button("End quiz", "light", "quiz-end")
        self.card = LiveHTML(region_class="card-region quiz-card", label="Card of the answer",
                             sizing_mode="stretch_width")
        self.options.param.watch(self._on_option, "value")
        self.check_button.on_click(self._on_check)
        self.list_button.on_click(self._on_list_answer)
        self.next_button.on_click(lambda e: self._show_current())
        self.posture_button.on_click(self._on_posture)
        self.new_round_button.on_click(self._on_new_round)
        self.stop_button.on_click(self._on_stop)
        self.play_box = pn.Column(
            self.status, self.question, self.options, pn.Row(self.check_button, self.list_button),
            self.feedback, pn.Row(self.next_button, self.posture_button), self.card,
            pn.Row(self.new_round_button, self.stop_button),
            sizing_mode="stretch_width", visible=False,
        )
        self.layout.objects = [self.start_box, self.play_box]
        return True

    @property
    def tab_open(self) -> bool:
        return self.state.tab == TAB_TITLE

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
        self.quiz, resumed = resume_or_start(self.questions, progress, self.url_seed, self.url_length)
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
        self._show_current(resume=resumed)
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
        self.state.tab = TAB_TITLE

    # --------------------------------------------------------------- actions

    def start(self, seed: int | None = None, length: int | None = None):
        """Start a round (a new seed's deck from the beginning)."""
        self.quiz = Quiz.start(self.questions, seed, length or DEFAULT_ROUND)
        self._save()
        self._show_current()

    def _on_start(self, event=None):
        seed, length, self.notices = self.start_box.chosen()
        self.start(seed, length)

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
        self.session.select(None)
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
        self.session.select(fb.question.card)
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
        sid = self.state.selection
        if sid and self.waiting_for_click:
            self.answer(sid, how="list")

    def _on_posture(self, event=None):
        """Move the hip to the posture the last question was about (the card's posture line
        and the 3D view follow)."""
        last = self.quiz.last() if self.quiz is not None else None
        if last is not None and last.question.flexion is not None:
            self.state.param.update(flexion=float(last.question.flexion), adduction=0.0, rotation=0.0)

    def _on_layers(self, *events):
        q = self.quiz.current() if self.quiz is not None else None
        if q is not None and q.kind == "click" and not self.showing_feedback and self.play_box is not None:
            self.question.html = text.question_html(q, hidden_layer(self.state, q.answer))

    def _on_card(self, *events):
        """The card of the answer follows the reading level; browsing other structures
        meanwhile leaves it as it is."""
        last = self.quiz.last() if self.quiz is not None else None
        if self.showing_feedback and last is not None and self.state.selection == last.question.card:
            self.card.html = self.session.card_html()

    # --------------------------------------------------------------- drawing

    def _show_current(self, resume: bool = False):
        """Show the question now waiting (or the round's result)."""
        self.showing_feedback = False
        q = self.quiz.current() if self.quiz is not None else None
        if q is not None and q.kind == "click":
            self.session.select(None)  # nothing highlighted that could give the answer away
        self._show(resumed=resume)
        self.question.focus_token += 1

    def _name_of(self, sid: str) -> str:
        entry = self.session.pack.entries.get(sid)
        return entry.name if entry is not None else sid

    def _update_list_button(self):
        if self.list_button is None:
            return
        sid = self.state.selection
        waiting = self.waiting_for_click
        self.list_button.visible = waiting
        self.list_button.disabled = not (waiting and sid)
        self.list_button.label = (f"Answer with the list’s choice: {self._name_of(sid)}" if waiting and sid
                                 else "Answer with the list’s choice")

    def _show(self, resumed: bool = False):
        if not self._build_view():
            return
        quiz = self.quiz
        self.start_box.visible = quiz is None
        self.play_box.visible = quiz is not None
        if quiz is None:
            self.intro.object = text.intro_html(len(self.questions), self.notices)
            self._update_list_button()
            return
        q, last, feedback = quiz.current(), quiz.last(), self.showing_feedback
        done = q is None and not feedback
        self.status.html = text.status_html(quiz, feedback, resumed)
        if feedback:
            self.question.html = text.prompt_html(last.question)
        elif done:
            self.question.html = text.summary_html(quiz, self._name_of)
        else:
            self.question.html = text.question_html(q, hidden_layer(self.state, q.answer))
        self.feedback.html = text.feedback_html(quiz, self._name_of, self._how) if feedback else ""
        self.card.html = self.session.card_html() if feedback else ""
        self.card.visible = self.next_button.visible = feedback
        self.next_button.label = "Next question" if q is not None else "See your score"
        flexion = last.question.flexion if feedback else None
        self.posture_button.visible = flexion is not None
        if flexion is not None:
            self.posture_button.label = f"Show the hip at {flexion:g}° of flexion"
        choice = not feedback and not done and q.kind == "choice"
        self.check_button.visible = choice
        if feedback:
            self.options.param.update(disabled=True, visible=last.question.kind == "choice")
        elif choice:
            self.options.param.update(options=list(q.options), value=None, disabled=False, visible=True)
        else:
            self.options.param.update(options=[], value=None, visible=False)
        self._update_list_button()


def hidden_layer(state, sid: str) -> str | None:
    """The label of the layer ``sid`` is on, when the reader has hidden it."""
    from viewer.scene.picking import layer_of_landmark, visible_layers
    from viewer.state import LAYER_LABELS

    layer = layer_of_landmark(sid)
    return None if layer in visible_layers(state) else LAYER_LABELS.get(layer, layer)


def make_quiz(session, query=None) -> QuizPanel | None:
    """The Quiz tab of a session (None if it cannot be built: the viewer works without it);
    the quiz is first in line for clicks in the 3D view."""
    try:
        return QuizPanel(session, query)
    except Exception:
        log.exception("the quiz could not be built")
        return None
