"""The Structures list: choose a structure from the keyboard; it follows every other choice.

The section (heading, label and list box) is one browser component (:class:`StructurePicker`)
around a native ``<select>``: one model instead of a heading, a box, a Bokeh select and its
tooltip.
"""

from __future__ import annotations

import panel as pn
import param

from meshes.landmarks import LANDMARKS
from viewer.panels import cards
from viewer.panels.base import APP_CSS

NOTHING = ""  # the list's "nothing selected" value
HINT = "Tab here, then use the arrow keys; the card follows the choice."


def structure_options(pack) -> dict[str, str]:
    """Label -> id of everything the list offers: landmarks and structures, then topics."""
    from meshes.regions import REGIONS

    options = {"(nothing selected)": NOTHING}
    regions = [r for r in REGIONS if r.id in pack.entries]
    for group, opts in cards.structure_options(LANDMARKS, pack.topics, regions).items():
        for label, sid in opts.items():
            options[label if group != "Topics" else f"Topic: {label}"] = sid
    return options


class StructurePicker(pn.custom.JSComponent):
    """A "Find a structure" heading and a labelled list box of ``options`` ([[label, id], ...]);
    ``value`` is the id chosen (``NOTHING`` for none), set by the reader or by Python."""

    options = param.List(default=[])
    value = param.String(default=NOTHING)
    hint = param.String(default=HINT)

    _esm = """
    export function render({ model, el }) {
      const heading = document.createElement('h2')
      heading.className = 'side-h'
      heading.textContent = 'Find a structure'
      const title = document.createElement('div')
      title.className = 'list-title'
      const label = document.createElement('label')
      label.htmlFor = 'structure-select'
      label.textContent = 'Structures'
      const help = document.createElement('span')
      help.className = 'list-help'
      help.textContent = '?'
      help.title = model.hint
      help.setAttribute('aria-hidden', 'true')
      title.append(label, help)
      const hint = document.createElement('span')
      hint.id = 'structure-hint'
      hint.className = 'list-hint'
      hint.textContent = model.hint
      const select = document.createElement('select')
      select.id = 'structure-select'
      select.size = 12
      select.setAttribute('aria-describedby', 'structure-hint')
      for (const [text, id] of model.options) {
        const option = document.createElement('option')
        option.value = id
        option.textContent = text
        select.append(option)
      }
      select.value = model.value
      select.addEventListener('change', () => { model.value = select.value })
      model.on('value', () => { if (select.value !== model.value) select.value = model.value })
      const box = document.createElement('div')
      box.className = 'list-box'
      box.append(title, select, hint)
      el.append(heading, box)
    }
    """

    _stylesheets = [APP_CSS, """
    .list-box { margin: 5px; font-family: var(--bokeh-base-font, Helvetica, Arial, sans-serif); }
    .list-title { font-size: 15px; margin-bottom: 4px; display: flex; align-items: center; gap: 6px; }
    .list-help { display: inline-flex; align-items: center; justify-content: center; width: 14px; height: 14px;
      border: 1px solid #888; border-radius: 50%; font-size: 10px; color: #666; cursor: help; }
    .list-hint { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    select { box-sizing: border-box; width: 100%; font-size: 13px; font-family: inherit; padding: 0;
      border: 1px solid #ccc; border-radius: 4px; background: #fff; color: #212529; }
    option { padding: 0 12px; line-height: 16px; }
    """]


class StructureList(pn.viewable.Viewer):
    """A list box bound to ``state.selection``."""

    def __init__(self, session, **params):
        super().__init__(**params)
        self.session = session
        options = structure_options(session.pack)
        self._ids = set(options.values())
        self.select = StructurePicker(options=[[label, sid] for label, sid in options.items()],
                                      sizing_mode="stretch_width", margin=(0, 5), css_classes=["structure-list"])
        self._show()
        self.select.param.watch(lambda e: session.select(e.new or None) if e.new in self._ids else None, "value")
        session.state.param.watch(lambda e: self._show(), "selection")

    def _show(self) -> None:
        sid = self.session.state.selection
        self.select.value = sid if sid in self._ids else NOTHING

    def __panel__(self):
        return self.select
