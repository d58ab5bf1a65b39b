"""The tour in one viewer session, without a browser: presentation mode switches the page's
parts, the keys move the tour, a followed presenter's step shows its caption."""

from __future__ import annotations

import pytest

from viewer.state import ViewState
from viewer.tour import step_state


@pytest.fixture
def app():
    from viewer.app import HipViewerApp

    return HipViewerApp(query={}, defer_scene=True)


def test_presentation_mode_hides_the_chrome_and_keys_move_the_tour(app):
    presenter = app.presenter
    assert presenter.stage.visible is False and app.sidebar.visible
    assert not presenter.keys.active  # no tour started, not presenting: keys off
    presenter.action("present")
    assert app.state.present and presenter.stage.visible and presenter.keys.active and presenter.keys.presenting
    assert not app.sidebar.visible and not app.right.visible and not app.header.visible
    assert presenter.stage.step_title == presenter.tour.title and not presenter.stage.started
    presenter.action("next")
    assert app.state.tour_step == 1 and presenter.stage.position == f"Step 1 of {len(presenter.tour)}"
    assert app.state.selection == presenter.tour.steps[0].select
    presenter.action("previous")
    assert app.state.tour_step == 1  # stops at the first step
    presenter.action("labels")
    assert "landmarks" in app.state.hidden and not presenter.stage.show_label
    presenter.action("next")  # labels stay off on the next step
    assert "landmarks" in app.state.hidden
    presenter.action("labels")
    assert "landmarks" not in app.state.hidden and presenter.stage.show_label
    presenter.action("exit")
    assert not app.state.present and app.sidebar.visible and not presenter.stage.visible
    assert presenter.keys.active  # the tour has started: the keys still work in the page
    assert app.state.tour_step == 2


def test_present_the_tour_starts_it(app):
    app.presenter.action("present_tour")
    assert app.state.present and app.state.tour_step == 1


def test_a_followed_presenter_step_shows_its_caption_and_keeps_this_readers_mode(app):
    tour = app.presenter.tour
    teacher = step_state(tour.steps[10], 11, ViewState(present=True))
    app.follow_view(teacher)
    assert app.state.tour_step == 11 and app.state.pelvic_drop == tour.steps[10].posture.pelvic_drop
    assert not app.state.present and app.sidebar.visible
    assert app.presenter.panel.step_title == tour.steps[10].title


def test_a_link_past_the_end_of_the_tour_is_a_notice():
    from viewer.app import HipViewerApp

    app = HipViewerApp(query={"step": "99"}, defer_scene=True)
    assert app.state.tour_step is None
    assert any("Ignored tour step 99" in n for n in app.notices)
