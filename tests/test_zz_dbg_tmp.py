from tests.test_sceneview_browser import *
from tests.test_sceneview_browser import model, scene_server  # fixtures

def test_dbg(page, scene_server):
    view = open_view(page, scene_server)
    rect = canvas_rect(page)
    cx, cy = rect["left"] + rect["width"] / 2, rect["top"] + rect["height"] / 2
    print("py cam0", view.camera)
    print("js cam0", page.evaluate("JSON.stringify(window.__hipScene.model.camera)"))
    page.mouse.move(cx - 120, cy)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(cx - 120 + 24 * step, cy + 4 * step)
    page.mouse.up()
    page.wait_for_timeout(1500)
    print("py cam1", view.camera)
    print("js cam1", page.evaluate("JSON.stringify(window.__hipScene.model.camera)"))
    print("js cam1", page.evaluate("JSON.stringify(window.__hipScene.state.lastCamera)"))
