"""The offline hand-out: one self-contained HTML file of the 3D hip and its cards.

:func:`write_handout` writes a single page that opens from disk (``file://``) with no server
and no network.  Everything it needs is inside the file:

* the vtk.js build shipped inside Panel (the same build the viewer uses);
* the drawing code of the browser view (``static/sceneview.js``), run against a small
  stand-in for the Panel model, so meshes, colours, picking and highlights behave as in the
  viewer;
* the scene, encoded exactly as the viewer sends it (:func:`viewer.scene.view.encode_plotter`
  over :func:`viewer.scene.build_plotter`: quantized, delta-coded, deflate-compressed);
* the content pack: every card at the three reading levels, pre-rendered to safe HTML with
  :func:`annotations.render_markdown` (through :mod:`viewer.panels.cards`), as JSON in a
  ``<script type="application/json">`` tag;
* the click rules of :mod:`viewer.scene.picking` as tables (actor -> structure, actor -> layer,
  landmark -> layer, snap radius, see-through layers) and the landmark positions, so a click
  resolves to a card in the page.

The page has a keyboard-usable list of structures and a reading-level switch, and shows the
pack's disclaimer.
"""

from __future__ import annotations

import base64
import html
import json
import pathlib
import re
import sys

from viewer.panels import cards
from viewer.scene import picking as selection

_HERE = pathlib.Path(__file__).parent
_VIEWER = _HERE.parent
#: Where each file the hand-out inlines lives (beside the component that uses it).
_FILES = {
    "sceneview.js": _VIEWER / "scene" / "sceneview.js",
    "sceneview.css": _VIEWER / "scene" / "sceneview.css",
    "app.css": _VIEWER / "static" / "app.css",
    "handout.css": _HERE / "handout.css",
    "handout.js": _HERE / "handout.js",
}

#: Largest hand-out written (bytes): small enough to mail or put on a course page.
MAX_BYTES = 8 * 1024 * 1024

#: vtk.js inside the Panel wheel, relative to the ``panel`` package.
VTK_JS_IN_PANEL = pathlib.Path("dist", "bundled", "abstractvtkplot", "vtk.js@30.1.0", "vtk.js")

#: Faded layers (opacity below this) are looked through by clicks, as in the viewer.
SEE_THROUGH_BELOW = selection.SEE_THROUGH_BELOW

TITLE = "Hip anatomy: gluteus medius"

#: Camera buttons above the view: preset name (``viewer.scene.CAMERA_PRESETS``) -> label.
CAMERA_BUTTONS: dict[str, str] = {
    "lateral": "Side",
    "anterior": "Front",
    "posterior": "Back",
    "superior": "Top",
    "reset": "Reset view",
}

WELCOME = (
    '<article class="card" aria-labelledby="card-title">'
    '<h2 id="card-title">Choose a structure</h2>'
    '<div class="card-text"><p>Click a muscle, nerve or landmark in the 3D view, or pick one from the '
    "<strong>Structures</strong> list (Tab to reach it, arrow keys to move, the card follows).</p>"
    "<p>Drag to turn the model, scroll to zoom, Shift-drag to pan.</p></div>"
    "</article>"
)


_CLOSE_TAG = re.compile(r"</(script|style)", re.I)


class HandoutError(RuntimeError):
    """The hand-out could not be written (missing vtk.js, too large)."""


def vtk_js_path() -> pathlib.Path:
    """Where the vtk.js build shipped in the installed Panel wheel lies."""
    import panel

    path = pathlib.Path(panel.__file__).parent / VTK_JS_IN_PANEL
    if not path.is_file():
        raise HandoutError(f"vtk.js not found in the installed Panel package (looked at {path})")
    return path


def _script_text(text: str) -> str:
    """Code safe inside a ``<script>`` (or ``<style>``) element: no ``</script`` can end it
    early and no ``<!--`` can change how the element is parsed.  Only these sequences are
    rewritten (``<\\/script`` means the same in a string, regular expression or comment),
    so regular expressions such as ``/</g`` stay intact."""
    if "<!--" in text:
        raise HandoutError("inline code holds '<!--', which would change how the page is parsed")
    return _CLOSE_TAG.sub(lambda m: "<\\/" + m.group(0)[2:], text)


def _json_for_script(data) -> str:
    """JSON safe inside ``<script type="application/json">``: ``</`` written as ``<\\/``
    (still the same JSON string), and ``<!--`` broken up."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\u0021--")


def _sceneview_classic() -> str:
    """``static/sceneview.js`` (an ES module exporting ``render``) as a classic script that
    sets ``window.HipSceneView.render``: a file:// page cannot import modules."""
    src = _FILES["sceneview.js"].read_text(encoding="utf-8")
    if "export function render" not in src:
        raise HandoutError("static/sceneview.js no longer exports render()")
    body = src.replace("export function render", "function render")
    if "\nexport " in body or "\nimport " in body:
        raise HandoutError("static/sceneview.js has imports or exports a classic script cannot run")
    return "(function () {\n" + body + "\nwindow.HipSceneView = { render };\n})();\n"


def _round(values, nd: int = 2) -> list[float]:
    return [round(float(v), nd) for v in values]


def _cards(pack, landmark_ids, moment_arms) -> tuple[dict, dict]:
    """(entries, missing): every pack entry's card at each reading level, and a card for
    each landmark the pack has no entry for yet."""
    from annotations import READING_LEVELS, render_markdown

    neutral = {"flexion": 0.0, "adduction": 0.0, "rotation": 0.0}

    def sentence(sid: str, level: str) -> str | None:
        if not moment_arms or cards.group_key(sid, moment_arms) is None:
            return None
        return cards.action_line(sid, moment_arms, neutral, with_mm=level != "lay", level=level)

    entries = {}
    for sid, entry in pack.entries.items():
        entries[sid] = {
            "name": entry.name,
            "latin": entry.latin,
            "kind": entry.kind,
            "text": {level: render_markdown(getattr(entry.text, level)) for level in READING_LEVELS},
            "card": {
                level: cards.card_html(entry, pack, level, render_markdown, sentence(sid, level))
                for level in READING_LEVELS
            },
        }
    missing = {
        sid: cards.missing_card_html(sid, pack.disclaimer, sentence(sid, "student"))
        for sid in landmark_ids
        if sid not in pack.entries
    }
    return entries, missing


def handout_data(model, pack, plotter) -> dict:
    """Everything the page needs besides code: scene, click rules, content."""
    from annotations import READING_LEVELS
    from meshes.landmarks import LANDMARKS
    from viewer import scene as _scene
    from viewer.scene.encode import encode_plotter

    encoded = encode_plotter(plotter)
    params = encoded["params"]
    actors = [rec["name"] for rec in params["scene_meta"]["actors"]]

    # Click rules (viewer.scene.picking) as tables over this scene's actors.
    actor_structure = {a: selection.structure_of_actor(a) for a in actors}
    actor_layer = {a: selection.layer_of_actor(a) for a in actors}
    landmarks = {lid: _round(xyz) for lid, xyz in _scene.marker_positions(model).items()}
    layers = sorted({layer for layer in actor_layer.values() if layer} | {"bones", "landmarks"})
    faded: dict[str, float] = {}
    for actor, layer in actor_layer.items():
        if layer:
            faded[layer] = min(faded.get(layer, 1.0), float(params["opacity"].get(actor, 1.0)))
    see_through = sorted(layer for layer, op in faded.items() if op < SEE_THROUGH_BELOW)

    try:
        moment_arms = model.moment_arms()
    except Exception:
        moment_arms = {}
    entries, missing = _cards(pack, [lm.id for lm in LANDMARKS], moment_arms)
    ids = set(entries) | set(missing)
    structures = [
        {"group": group, "options": [[label, sid] for label, sid in opts.items() if sid in ids]}
        for group, opts in cards.structure_options(LANDMARKS, pack.topics).items()
    ]
    return {
        "title": TITLE,
        "scene": {
            "scene_data": base64.b64encode(params["scene_data"]).decode("ascii"),
            "scene_meta": params["scene_meta"],
            "colors": params["colors"],
            "opacity": params["opacity"],
            "visibility": params["visibility"],
            "transforms": params["transforms"],
            "camera": _scene.frame_camera(encoded["focus"], "lateral"),
        },
        "focus": list(encoded["focus"]),
        "cameras": {name: _scene.frame_camera(encoded["focus"], name) for name in CAMERA_BUTTONS},
        "rules": {
            "actor_structure": actor_structure,
            "actor_layer": actor_layer,
            "landmark_layer": {lid: selection.layer_of_landmark(lid) for lid in landmarks},
            "known": sorted(lm.id for lm in LANDMARKS),
            "visible_layers": layers,
            "see_through": see_through,
            "snap_mm": selection.SNAP_MM,
        },
        "landmarks": landmarks,
        "highlight": {sid: selection.highlight_for(sid) for sid in sorted(ids)},
        "levels": [[level, cards.LEVEL_LABELS.get(level, level)] for level in READING_LEVELS],
        "default_level": "student",
        "entries": entries,
        "missing": missing,
        "welcome": WELCOME,
        "structures": structures,
        "disclaimer": pack.disclaimer,
    }


def _level_buttons(levels, default: str) -> str:
    out = ['<fieldset class="levels"><legend>Reading level</legend>']
    for level, label in levels:
        checked = " checked" if level == default else ""
        out.append(
            f'<label><input type="radio" name="level" value="{html.escape(level)}"{checked}> '
            f"{html.escape(label)}</label>"
        )
    out.append("</fieldset>")
    return "".join(out)


def _camera_buttons() -> str:
    buttons = "".join(
        f'<button type="button" data-camera="{html.escape(name)}">{html.escape(label)}</button>'
        for name, label in CAMERA_BUTTONS.items()
    )
    return f'<div class="cameras" role="group" aria-label="View from">{buttons}</div>'


def _structure_select(structures) -> str:
    out = ['<label class="structures-label" for="structures">Structures</label>',
           '<select id="structures" size="14">']
    for group in structures:
        if not group["options"]:
            continue
        out.append(f'<optgroup label="{html.escape(group["group"])}">')
        for label, sid in group["options"]:
            out.append(f'<option value="{html.escape(sid)}">{html.escape(label)}</option>')
        out.append("</optgroup>")
    out.append("</select>")
    return "".join(out)


def handout_html(data: dict) -> str:
    """The whole page as one string."""
    css = "\n".join(
        _FILES[name].read_text(encoding="utf-8") for name in ("sceneview.css", "app.css", "handout.css")
        if _FILES[name].exists()
    )
    vtk_js = vtk_js_path().read_text(encoding="utf-8")
    js = _FILES["handout.js"].read_text(encoding="utf-8")
    title = html.escape(data["title"])
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Nothing may load from elsewhere: inline code and styles, data: and blob: only.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
        "img-src data: blob:; connect-src data: blob:; worker-src blob:\">",
        f"<title>{title}</title>",
        f"<style>\n{_script_text(css)}\n</style>",
        "</head>",
        "<body>",
        '<header class="ho-header">',
        f"<h1>{title}</h1>",
        _level_buttons(data["levels"], data["default_level"]),
        "</header>",
        '<main class="ho-main">',
        '<section class="ho-view-wrap" aria-label="3D model of the hip (drag to turn, scroll to zoom)">',
        _camera_buttons(),
        '<div class="ho-view"><div id="scene" class="ho-scene"></div></div></section>',
        '<aside class="ho-side">',
        _structure_select(data["structures"]),
        f'<div id="card" class="card-region" tabindex="-1" aria-live="polite">{data["welcome"]}</div>',
        "</aside>",
        "</main>",
        f'<footer class="ho-disclaimer"><p>{html.escape(data["disclaimer"])}</p></footer>',
        f'<script type="application/json" id="handout-data">{_json_for_script(data)}</script>',
        f"<script>\n{_script_text(vtk_js)}\n</script>",
        f"<script>\n{_script_text(_sceneview_classic())}\n</script>",
        f"<script>\n{_script_text(js)}\n</script>",
        "</body>",
        "</html>",
    ])


def write_handout(out_path, model=None, pack=None) -> int:
    """Write the hand-out to ``out_path``; returns the number of bytes written.

    ``model`` defaults to a neutral :class:`meshes.model.HipModel`, ``pack`` to the built-in
    content pack.  Raises :class:`HandoutError` if the page would exceed :data:`MAX_BYTES`.
    """
    from viewer import scene as _scene

    if model is None:
        from meshes.model import HipModel

        model = HipModel()
    if pack is None:
        from annotations import builtin_pack

        pack = builtin_pack()
    plotter = _scene.build_plotter(model, off_screen=True)
    try:
        data = handout_data(model, pack, plotter)
    finally:
        plotter.close()
    payload = handout_html(data).encode("utf-8")
    if len(payload) > MAX_BYTES:
        raise HandoutError(f"the hand-out would be {len(payload)} bytes, more than {MAX_BYTES}")
    out = pathlib.Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(payload)
    return len(payload)


def main_export_html(out: str, content_dirs=()) -> int:
    """``hip-viewer [--content DIR] export-html OUT.html``: write the hand-out; returns the
    exit code (0 written, 1 not written).  ``content_dirs`` are content packs laid over the
    built-in one, as for the viewer."""
    pack = None
    if content_dirs:
        from annotations import ContentError, load_pack

        try:
            pack = load_pack(*content_dirs)
        except ContentError as exc:
            print(str(exc), file=sys.stderr)
            return 1
    try:
        size = write_handout(out, pack=pack)
    except (HandoutError, OSError) as exc:
        print(f"hip-viewer: error: could not write {out}: {exc}", file=sys.stderr)
        return 1
    print(f"Wrote {out} ({size / 1e6:.1f} MB): open it in a browser, no server or network needed.")
    return 0
