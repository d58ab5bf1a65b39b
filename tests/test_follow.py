"""Follow the presenter: the hub on its own, then a presenter and a follower in real Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import (canvas_nonblank_fraction, new_guarded_page, posture_thumb, save_shot, scene_png,
                            wait_for_scene)
from tests.test_app_browser import changed_fraction, query_of
from viewer.follow import PresenterHub, follower_url, presenter_url

KEY = "class-key-7"
PRIMARY = re.compile(r"bk-btn-primary")


# --------------------------------------------------------------------------- the hub


def test_only_the_key_makes_a_presenter():
    hub = PresenterHub(KEY)
    student, teacher = hub.new_session(), hub.new_session()
    assert not hub.claim(student, "guess")
    assert not hub.claim(student, None)
    assert not hub.presenter_connected
    assert hub.claim(teacher, KEY)
    assert hub.is_presenter(teacher) and not hub.is_presenter(student)


def test_followers_receive_only_the_presenters_views():
    hub = PresenterHub(KEY)
    teacher, student, other = hub.new_session(), hub.new_session(), hub.new_session()
    hub.claim(teacher, KEY)
    seen = []
    assert hub.follow(student, seen.append) is None  # nothing presented yet
    assert not hub.publish(other, "other's view")  # a non-presenter never drives
    assert hub.publish(teacher, "view 1")
    assert seen == ["view 1"]
    assert hub.follower_count == 1


def test_a_follower_can_leave_and_rejoin_at_the_presenters_current_view():
    hub = PresenterHub(KEY)
    teacher, student = hub.new_session(), hub.new_session()
    hub.claim(teacher, KEY)
    seen = []
    hub.follow(student, seen.append)
    hub.publish(teacher, "view 1")
    hub.unfollow(student)
    hub.publish(teacher, "view 2")
    assert seen == ["view 1"]
    assert hub.follow(student, seen.append) == "view 2"  # shown at once on rejoining
    hub.publish(teacher, "view 3")
    assert seen == ["view 1", "view 3"]


def test_a_newer_presenter_session_replaces_the_old_one_and_leaving_ends_it():
    hub = PresenterHub(KEY)
    old, new, student = hub.new_session(), hub.new_session(), hub.new_session()
    changes = []
    hub.watch(student, lambda: changes.append(hub.presenter_connected))
    hub.claim(old, KEY)
    hub.claim(new, KEY)
    assert not hub.publish(old, "stale")
    assert hub.publish(new, "fresh")
    hub.leave(old)  # the old tab closing does not end the new presenter's role
    assert hub.presenter_connected
    hub.leave(new)
    assert not hub.presenter_connected
    assert changes[-1] is False


def test_links():
    assert presenter_url("http://10.0.0.5:5006/", "abc") == "http://10.0.0.5:5006/#presenter=abc"
    assert follower_url("http://10.0.0.5:5006/") == "http://10.0.0.5:5006/?follow=1"


# --------------------------------------------------------------------------- in the browser


def status(page):
    return page.locator(".follow-line")


def card_title(page):
    return page.locator(".card-region h2")


def open_view(page, url):
    page.goto(url, wait_until="load")
    png = wait_for_scene(page)
    expect(page.locator(".pn-loading")).to_have_count(0, timeout=30_000)
    return png


def drag_slider(page, name: str, dx: float):
    x, y = posture_thumb(page, name)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y, steps=8)
    page.mouse.up()


@pytest.mark.browser
def test_a_follower_mirrors_the_presenters_selection_posture_and_camera(browser, page, page_guard, start_viewer):
    server = start_viewer("--presenter-key", KEY)
    assert f"#presenter={KEY}" in server.output
    teacher = page
    open_view(teacher, server.url + f"#presenter={KEY}")
    expect(status(teacher)).to_contain_text("You are presenting")
    # The key never stays visible: not in the address bar, the share box or the page's HTML.
    assert KEY not in teacher.url and KEY not in teacher.content()
    assert KEY not in teacher.get_by_label("Link to this view").input_value()
    assert KEY not in "".join(line for line in server.output.splitlines() if "Presenter link" not in line)
    expect(teacher.locator(".follow-switch")).to_be_hidden()

    student = new_guarded_page(browser, page_guard)
    try:
        student_before = open_view(student, server.url + "?follow=1&level=lay")
        expect(status(student)).to_contain_text("follows the presenter")
        expect(status(teacher)).to_contain_text("1 session follows")

        # The presenter chooses a structure, turns the camera and flexes the hip.
        teacher.locator(".structure-list select").select_option("gmed_posterior")
        teacher.locator(".cam-posterior button").click()
        drag_slider(teacher, "flexion", 90)
        expect(card_title(teacher)).to_have_text("Gluteus medius, posterior fibres")
        # The address bar follows the presenter's view after a short pause: read it once settled.
        teacher.wait_for_function("() => window.location.search.includes('flex=')")
        flexion, settled = query_of(teacher).get("flex"), 0
        while settled < 3:
            teacher.wait_for_timeout(300)
            now = query_of(teacher).get("flex")
            settled, flexion = (settled + 1, flexion) if now == flexion else (0, now)
        assert float(flexion) > 20

        expect(card_title(student)).to_have_text("Gluteus medius, posterior fibres")
        expect(student.locator(".posture-flexion")).to_contain_text(str(round(float(flexion))))
        expect(student.locator(".cam-posterior button")).to_have_class(PRIMARY)
        # The student keeps their own reading level.
        expect(student.locator(".card-region .level-tag")).to_contain_text("Everyday words")
        student.wait_for_timeout(800)
        student_after = scene_png(student)
        assert canvas_nonblank_fraction(student_after) > 0.05
        assert changed_fraction(student_before, student_after) > 0.02
        save_shot(teacher, "follow-presenter")
        save_shot(student, "follow-student-mirrors")
        # The student's address and share box give the class's follow link, with their level:
        # a phone that reloads the tab comes back following, at the presenter's view.
        student.wait_for_timeout(600)
        assert query_of(student) == {"follow": "1", "level": "lay"}
        expect(student.get_by_label("Link to follow the class")).to_have_value(re.compile(r"\?follow=1&level=lay$"))
        student.reload()
        expect(status(student)).to_contain_text("follows the presenter")
        expect(card_title(student)).to_have_text("Gluteus medius, posterior fibres")
        expect(student.locator(".cam-posterior button")).to_have_class(PRIMARY)

        # The student explores on their own: the presenter no longer moves their view.
        student.locator(".cam-anterior button").click()
        expect(student.locator(".follow-switch input")).not_to_be_checked()
        expect(status(student)).to_contain_text("exploring on your own")
        # Now the address holds the reader's own view again.
        student.wait_for_function("() => window.location.search.includes('view=anterior')")
        assert "follow" not in query_of(student)
        teacher.locator(".structure-list select").select_option("superior_gluteal_nerve")
        expect(card_title(teacher)).to_contain_text("Superior gluteal nerve")
        teacher.wait_for_timeout(1000)
        expect(card_title(student)).to_have_text("Gluteus medius, posterior fibres")

        # ... and rejoins at the presenter's current view.
        student.locator(".follow-switch input").check()
        expect(card_title(student)).to_contain_text("Superior gluteal nerve")
        expect(student.locator(".cam-posterior button")).to_have_class(PRIMARY)
        save_shot(student, "follow-student-rejoined")
    finally:
        student.context.close()




def test_a_malformed_follow_value_is_ignored_with_a_notice():
    import panel as pn
    from bokeh.document import Document

    from viewer.app import HipViewerApp

    pn.state.curdoc = Document()  # outside a served page
    try:
        app = HipViewerApp(query={"follow": "maybe"}, defer_scene=True)
    finally:
        pn.state.curdoc = None
    assert any("follow 'maybe'" in n for n in app.notices)
    assert not app.follow_switch.value


def test_wrong_keys_are_limited_per_client_and_logged_without_the_key(caplog):
    from viewer.follow import TryLimiter

    now = [0.0]
    hub = PresenterHub(KEY, limiter=TryLimiter(tries=5, window=60.0, clock=lambda: now[0]))
    guest, other = hub.new_session(), hub.new_session()
    with caplog.at_level("WARNING"):
        for i in range(5):
            assert not hub.claim(guest, f"guess{i}", client="10.0.0.9")
        assert not hub.claim(guest, KEY, client="10.0.0.9"), "a sixth try in the minute is refused, right or not"
        assert hub.claim(other, KEY, client="10.0.0.7"), "another client is not held up"
        now[0] = 61.0
        assert hub.claim(guest, KEY, client="10.0.0.9"), "a minute later the client may try again"
    assert "wrong presenter key from 10.0.0.9" in caplog.text and KEY not in caplog.text


def test_an_arrival_or_a_departure_tells_only_the_presenters_page():
    """Only the presenter's page shows how many follow: a follower's arrival must not cost
    every other page an update (a hall of 300 would make 45,000)."""
    from collections import Counter

    hub = PresenterHub("hall-key")
    sessions = [hub.new_session() for _ in range(6)]
    told = Counter()
    for s in sessions:
        hub.watch(s, lambda s=s: told.update([s]))
    assert hub.claim(sessions[0], "hall-key")
    told.clear()
    for s in sessions[1:]:
        hub.follow(s, lambda view: None)
    hub.unfollow(sessions[1])
    hub.leave(sessions[2])
    assert dict(told) == {sessions[0]: 7} and hub.follower_count == 3
    hub.leave(sessions[0])  # the presenter leaves: every page is told
    assert set(told) == set(sessions[1:]) - {sessions[2]} | {sessions[0]}
