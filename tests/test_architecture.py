"""The shape of ``viewer/``: small modules and classes, views that talk only through the
session state, and every view built from a session alone (no server, no browser).

See docs/architecture.md for the rules these tests hold."""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
VIEWER = ROOT / "viewer"

MAX_MODULE_LINES = 400
MAX_CLASS_LINES = 275  # "about 250": docstrings included

#: Modules that compose views (they may name any view); every other viewer module is held to
#: the rules below.
COMPOSERS = {"viewer/app.py", "viewer/layout.py"}


def modules():
    for path in sorted(VIEWER.rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def viewer_classes(tree) -> list[str]:
    """Names of the classes in a module that are Panel views (``pn.viewable.Viewer``)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                if ast.unparse(base) in ("pn.viewable.Viewer", "Viewer"):
                    out.append(node.name)
    return out


def view_modules() -> dict[str, str]:
    """Dotted module name -> its family (the package below ``viewer``, e.g. ``panels.mechanics``)."""
    out = {}
    for rel, tree in modules():
        if viewer_classes(tree) and rel not in COMPOSERS:
            dotted = rel[:-3].replace("/", ".").removesuffix(".__init__")
            out[dotted] = dotted.rsplit(".", 1)[0]
    return out


@pytest.mark.parametrize("rel,tree", list(modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_modules_and_classes_stay_small(rel, tree):
    lines = len((ROOT / rel).read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{rel} has {lines} lines; split it (docs/architecture.md)"
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            size = node.end_lineno - node.lineno + 1
            assert size <= MAX_CLASS_LINES, f"{rel}: class {node.name} has {size} lines"


def test_no_view_reaches_into_another_view():
    """A view imports no other view (only its own family, e.g. the mechanics panel's
    sections), and touches no private attribute of any object but itself."""
    views = view_modules()
    problems = []
    for rel, tree in modules():
        if rel in COMPOSERS:
            continue
        me = rel[:-3].replace("/", ".").removesuffix(".__init__")
        family = me.rsplit(".", 1)[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                for name in names:
                    if name in views and name != me and views[name] != family and me in views:
                        problems.append(f"{rel} imports the view module {name}")
            # (the server, in viewer/serve/, plugs into Bokeh's own server and may use its parts)
            if rel.startswith("viewer/serve/"):
                continue
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                owner = ast.unparse(node.value)
                if owner not in ("self", "cls", "super()") and not owner.startswith(("pn.", "panel.", "np.")):
                    problems.append(f"{rel}:{node.lineno}: {owner}.{node.attr}")
    assert not problems, "\n".join(problems)


def test_meshes_and_annotations_never_import_the_viewer_or_panel():
    for package in ("meshes", "annotations"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    names = [node.module or ""]
                else:
                    continue
                for name in names:
                    assert not name.startswith(("viewer", "panel", "bokeh")), f"{path}: imports {name}"


def test_every_view_is_built_from_a_session_alone():
    """Each view of the page, made with nothing but a session (no server, no browser), shows
    the session's state and writes its inputs to it."""
    from viewer.classroom.following import ClassroomControls, FollowBanner, Following
    from viewer.panels.camera import CameraButtons
    from viewer.panels.card import CardPanel
    from viewer.panels.layers import LayerControls
    from viewer.panels.level import ReadingLevel
    from viewer.panels.notice import NoticeBox
    from viewer.panels.posture import PostureControls
    from viewer.panels.share import ShareBox
    from viewer.panels.structures import StructureList
    from viewer.session import Session

    session = Session(query={"sel": "gmed_middle", "level": "lay", "flex": "30", "hide": "gmax"})
    state = session.state
    structures, level, posture = StructureList(session), ReadingLevel(session), PostureControls(session)
    layers, camera, card = LayerControls(session), CameraButtons(session), CardPanel(session)
    share, notice = ShareBox(session), NoticeBox(session)
    following = Following(session)
    ClassroomControls(following), FollowBanner(following)
    assert structures.select.value == "gmed_middle" and level.buttons.value == "lay"
    assert posture.value("flexion") == 30 and layers.table.hidden == ["gmax"]
    assert camera.current == "lateral"
    assert "Gluteus medius" in card.html and not notice.alert.visible
    assert "sel=gmed_middle" in share.address.search

    structures.select.value = "superior_gluteal_nerve"  # an input writes the state ...
    assert state.selection == "superior_gluteal_nerve"
    assert "nerve" in card.html.lower()  # ... and the other views follow it
    state.show_preset("posterior")
    assert camera.current == "posterior"
    state.hidden = frozenset()
    assert layers.table.hidden == []
    state.flexion = 0.0
    assert posture.value("flexion") == 0 and session.model.flexion == 0


def test_the_posture_sliders_hold_the_hip_to_its_ranges():
    """A value a page sends past a slider's end moves the hip to that end; one that is not a
    number leaves the angle as it was (a native slider sends neither; a forged message may)."""
    from viewer.panels.posture import PostureControls
    from viewer.session import Session

    session = Session(query={"flex": "30"})
    posture = PostureControls(session)
    posture.box.param.update(flexion=500.0, rotation=float("nan"))
    posture._apply()  # what the 60 ms pause then does in a served page
    assert session.state.flexion == 120.0 and session.state.rotation == 0.0
    assert posture.value("flexion") == 120.0 and posture.value("rotation") == 0.0
