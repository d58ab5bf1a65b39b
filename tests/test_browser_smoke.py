"""The viewer opens in a real browser and draws the model.  That nothing is asked from the
internet, on any path through the viewer, is walked in ``tests/test_offline_walk.py``."""

from tests.conftest import (
    canvas_nonblank_fraction,
    new_guarded_page,
    save_shot,
    scene_png,
    wait_for_scene,
)


def test_page_loads_and_draws_the_model(page, viewer_url, page_guard):
    response = page.goto(viewer_url, wait_until="load")
    assert response is not None and response.ok, f"the page answered {response and response.status}"

    png = wait_for_scene(page)
    fraction = canvas_nonblank_fraction(png)
    assert fraction > 0.02, f"the 3D view is blank ({fraction:.4f} of pixels drawn)"
    save_shot(page, "smoke-viewer")

    # Still drawn a moment later (not a first frame that then goes blank).
    page.wait_for_timeout(1000)
    assert canvas_nonblank_fraction(scene_png(page)) > 0.02
    assert not page_guard.problems()


def test_two_visitors_at_once_both_see_the_model(browser, start_viewer, page_guard):
    """Two students open the same URL at the same time, the first two pages a freshly
    started server makes; both see the model."""
    url = start_viewer().url
    pages = [new_guarded_page(browser, page_guard, {"width": 1024, "height": 700}) for _ in range(2)]
    try:
        for p in pages:
            p.goto(url, wait_until="load")
        for p in pages:
            assert canvas_nonblank_fraction(wait_for_scene(p)) > 0.02
    finally:
        for p in pages:
            p.context.close()


TEACHER_TOPIC = """\
entries:
  - id: year2_single_leg_stance
    kind: topic
    name: Year 2 demonstration of single-leg stance
    text:
      lay: >-
        Stand on one leg and feel the side of your hip working to keep your pelvis level.
      student: >-
        In class we pose the model in single-leg stance and watch the middle fibres of
        gluteus medius hold the pelvis level.
      clinician: >-
        Compare the moment arms of the three fibre groups in single-leg stance.
    sources: [grays1918]
    review_status: submitted
    last_updated: 2026-11-24
"""


def test_a_teachers_content_pack_reaches_the_page(tmp_path, start_viewer, page):
    pack = tmp_path / "year2"
    pack.mkdir()
    (pack / "50_class_notes.yaml").write_text(TEACHER_TOPIC)
    server = start_viewer("--content", str(pack))

    page.goto(server.url, wait_until="load")
    wait_for_scene(page)
    option = page.locator("option", has_text="Year 2 demonstration of single-leg stance")
    assert option.count() == 1, "the teacher's topic is not offered on the page"

    page.locator("select").filter(has=option).select_option(value=option.get_attribute("value"))
    page.get_by_text("watch the middle fibres of gluteus medius hold the pelvis level").wait_for()
    save_shot(page, "teacher-pack-topic")
