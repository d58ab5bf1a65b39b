"""The Redis presenter hub: the in-process hub's behaviour, and across processes (two hubs in
one test stand for two server processes), through a Redis restart."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from tests.conftest import wait_until
from viewer import follow
from viewer.follow import PresenterHub
from viewer.follow_redis import (
    RedisPresenterHub,
    StateServerError,
    check_state_url,
    decode_view,
    encode_view,
)
from viewer.state import Camera, ViewState

KEY = "class-key-7"


@pytest.fixture(autouse=True)
def no_running_loop():
    """The browser tests' driver (Playwright's sync API) leaves its event loop marked as running
    on this thread.  A hub made here would hand its followers' callbacks to that loop, as a
    server's hub hands them to the server's, and the loop does not run while these tests wait:
    take it off the thread for the test, as in a script."""
    loop = asyncio._get_running_loop()
    asyncio._set_running_loop(None)
    yield
    asyncio._set_running_loop(loop)


@pytest.fixture
def hubs(redis_server):
    """Two hubs on one Redis: two server processes of one class."""
    made = [RedisPresenterHub(KEY, redis_server.url).start() for _ in range(2)]
    for hub in made:
        wait_until(lambda hub=hub: not hub.paused, 10, "the hub to connect")
    yield made
    for hub in made:
        hub.close()


def test_the_same_public_interface_as_the_in_process_hub():
    public = {name for name in dir(PresenterHub) if not name.startswith("_")}
    assert public <= {name for name in dir(RedisPresenterHub) if not name.startswith("_")}
    assert PresenterHub(KEY).paused is False


def test_a_view_travels_as_its_share_link():
    view = ViewState(flexion=35, selection="gmed_posterior", view="posterior", tour_step=3,
                     camera=Camera((300.0, 1.5, 0.0), (0.0, 0.0, 0.0), (0.0, 1.0, 0.0)), hidden=frozenset({"gmax"}))
    back = decode_view(encode_view(view))
    assert back == view
    assert decode_view(encode_view("plain")) == "plain"


def test_within_one_process_as_the_in_process_hub(hubs):
    hub = hubs[0]
    teacher, student, other = hub.new_session(), hub.new_session(), hub.new_session()
    assert not hub.claim(student, "guess") and not hub.claim(student, None)
    assert hub.claim(teacher, KEY)
    assert hub.is_presenter(teacher) and not hub.is_presenter(student) and hub.presenter_connected
    seen = []
    assert hub.follow(student, seen.append) is None
    assert not hub.publish(other, "other's view")
    assert hub.publish(teacher, "view 1")
    assert seen == ["view 1"] and hub.follower_count == 1
    hub.unfollow(student)
    hub.publish(teacher, "view 2")
    assert hub.follow(student, seen.append) == "view 2"
    hub.leave(teacher)
    assert not hub.presenter_connected


def test_followers_on_another_process_see_the_presenter_and_a_late_joiner_starts_from_the_latest(hubs):
    one, two = hubs
    teacher = one.new_session()
    students = [two.new_session() for _ in range(3)]
    seen = {s: [] for s in students}
    two.follow(students[0], seen[students[0]].append)
    two.follow(students[1], seen[students[1]].append)
    changes = []
    one.watch(teacher, lambda: changes.append(one.follower_count))
    assert one.claim(teacher, KEY)
    wait_until(lambda: two.presenter_connected, 10, "the other process to see the presenter")
    wait_until(lambda: one.follower_count == 2, 10, "the presenter's process to count the followers")
    view = ViewState(flexion=40, selection="gmed_middle")
    assert one.publish(teacher, view)
    wait_until(lambda: seen[students[0]] == [view] and seen[students[1]] == [view], 10, "the followers")
    assert changes and changes[-1] == 2
    # A follower arriving later, on another hub, starts from the presenter's latest view.
    late = RedisPresenterHub(KEY, one.url).start()
    try:
        wait_until(lambda: not late.paused and late.view == view, 10, "the late hub to read the view")
        assert late.follow(late.new_session(), lambda v: None) == view
    finally:
        late.close()


def test_a_newer_claim_on_another_process_replaces_the_old_presenter(hubs):
    one, two = hubs
    old, new = one.new_session(), two.new_session()
    one.claim(old, KEY)
    wait_until(lambda: two.presenter_connected, 10, "the claim to travel")
    time.sleep(0.05)
    two.claim(new, KEY)
    wait_until(lambda: not one.is_presenter(old), 10, "the old presenter to lose the role")
    assert not one.publish(old, "stale") and two.publish(new, "fresh")
    assert one.presenter_connected
    two.leave(new)
    wait_until(lambda: not one.presenter_connected, 10, "the presenter's leaving to travel")


def test_a_presenter_whose_process_died_lapses(hubs, monkeypatch):
    import viewer.follow_redis as fr

    one, two = hubs
    one.claim(one.new_session(), KEY)
    wait_until(lambda: two.presenter_connected, 10, "the claim to travel")
    monkeypatch.setattr(fr, "PRESENTER_TTL_S", 0.5)
    one.close()  # no more heartbeats: as if the process were killed
    two._presenter_expiry = time.monotonic() + 0.5
    wait_until(lambda: not two.presenter_connected, 10, "the claim to lapse")


def test_redis_restart_pauses_and_resumes_following(redis_server, hubs, caplog):
    one, two = hubs
    teacher, student = one.new_session(), two.new_session()
    seen, told = [], []
    two.watch(student, lambda: told.append(two.paused))
    two.follow(student, seen.append)
    one.claim(teacher, KEY)
    one.publish(teacher, "before")
    wait_until(lambda: seen == ["before"], 10, "the first view")
    with caplog.at_level(logging.WARNING, logger="viewer.follow_redis"):
        redis_server.stop()
        wait_until(lambda: one.paused and two.paused, 10, "the hubs to notice")
        assert True in told  # the follower's page was told: following is paused
        one.publish(teacher, "during")  # kept, sent once Redis is back
        redis_server.start()
        wait_until(lambda: not one.paused and not two.paused, 15, "the hubs to reconnect")
        assert told[-1] is False
        wait_until(lambda: seen[-1] == "during", 10, "the view made during the outage")
        one.publish(teacher, "after")
        wait_until(lambda: seen[-1] == "after", 10, "the view after the restart")
        assert two.presenter_connected and one.is_presenter(teacher)
    records = [r for r in caplog.records if r.name.startswith("viewer.follow_redis")]
    assert any("paused" in r.getMessage() for r in records)
    assert any("resumed" in r.getMessage() for r in records)
    assert all(r.exc_info is None and r.levelno <= logging.WARNING for r in records)
    assert all(KEY not in r.getMessage() for r in records)


def test_configure_chooses_the_hub(redis_server):
    try:
        assert type(follow.configure("k")) is PresenterHub
        assert follow.hub().key == "k"
        hub = follow.configure("k", redis_server.url)
        assert isinstance(hub, RedisPresenterHub) and follow.hub() is hub
        with pytest.raises(ValueError, match="--state-url"):
            follow.configure("k", None, workers=2)
    finally:
        follow.configure(None)


def test_an_unreachable_state_server_is_one_clear_line(tmp_path):
    from tests.services import free_port

    with pytest.raises(StateServerError, match=r"cannot reach the state server at redis://127\.0\.0\.1"):
        check_state_url(f"redis://127.0.0.1:{free_port()}/0", timeout=1)
    with pytest.raises(StateServerError, match="not a Redis URL"):
        check_state_url("http://example.org/")
