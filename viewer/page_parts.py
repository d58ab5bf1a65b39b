"""The page's invisible parts as one browser component.

A page does several jobs in the browser that draw nothing: it keeps the address bar on the
view (:class:`viewer.panels.share.AddressBar`), listens for the presentation keys, takes a
presenter key from the address, names unnamed controls for screen readers, reports the window's
size and keeps the quiz's progress.  Each is a :class:`PagePart`: parameters and an ES module,
written as if it were a component of its own.  :func:`parts_component` joins part classes into
one Panel ``JSComponent`` class and :class:`PageParts` binds one page's parts to it.

Every Panel component costs the server its models and their messages (about 3 ms of CPU per
session each), whatever it draws: six parts in one component are one model pair, not six.

In the joined component a part's parameter ``x`` is ``{part}_{x}``; in the browser each part
still sees ``model.x``, ``model.on('x', ...)`` and ``model.send_msg(...)`` (through a proxy),
and in Python the part object keeps its own parameters, kept equal to the component's both
ways.  Messages a part's page sends reach its :meth:`PagePart.handle_msg`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

import panel as pn
import param


class PagePart(param.Parameterized):
    """One invisible job of the page: its parameters, and ``_esm``, an ES module whose
    ``export function render({ model, el })`` starts it in the browser."""

    #: The part's name in the joined component (its parameters' prefix).
    part: str = ""
    _esm: str = ""

    def handle_msg(self, data) -> None:
        """A message the part's page sent (``model.send_msg(data)``)."""

    @classmethod
    def part_params(cls) -> list[str]:
        return [name for name in cls.param if name != "name"]


_PROXY = """
function partModel(model, prefix, names) {
  const own = (name) => typeof name === 'string' && names.includes(name)
  return new Proxy(model, {
    get(target, name) {
      if (name === 'on') {
        return (event, callback) => target.on(own(event) ? prefix + event : event, callback)
      }
      if (name === 'send_msg') return (data) => target.send_msg({ part: prefix, data })
      if (own(name)) return target[prefix + name]
      const value = target[name]
      return typeof value === 'function' ? value.bind(target) : value
    },
    set(target, name, value) {
      target[own(name) ? prefix + name : name] = value
      return true
    },
  })
}
"""


def _fresh(parameter: param.Parameter) -> param.Parameter:
    """A new parameter like ``parameter`` (a parameter belongs to one class)."""
    options = {"default": copy.deepcopy(parameter.default), "doc": parameter.doc,
               "allow_None": parameter.allow_None}
    if isinstance(parameter, param.Number):
        options["bounds"] = parameter.bounds
    return type(parameter)(**options)


def _part_module(cls: type[PagePart]) -> str:
    """A part's ES module as an expression giving its ``render`` function."""
    body = cls._esm.replace("export function render(", "function render(", 1)
    if body == cls._esm:
        raise ValueError(f"{cls.__name__}._esm has no 'export function render('")
    names = ", ".join(f"'{name}'" for name in cls.part_params())
    return f"['{cls.part}_', [{names}], (() => {{\n{body}\nreturn render\n}})()]"


def parts_component(name: str, part_classes: Iterable[type[PagePart]]) -> type[pn.custom.JSComponent]:
    """One ``JSComponent`` class carrying ``part_classes``: each part's parameters (prefixed
    with its name) and its module, each started on a ``<div>`` of its own."""
    part_classes = list(part_classes)
    namespace: dict = {}
    for cls in part_classes:
        for pname in cls.part_params():
            namespace[f"{cls.part}_{pname}"] = _fresh(cls.param[pname])
    modules = ",\n".join(_part_module(cls) for cls in part_classes)
    namespace["_esm"] = _PROXY + f"""
const PARTS = [
{modules}
]

export function render({{ model, el }}) {{
  for (const [prefix, names, start] of PARTS) {{
    const box = document.createElement('div')
    el.appendChild(box)
    start({{ model: partModel(model, prefix, names), el: box }})
  }}
}}
"""
    namespace["__doc__"] = "The page's invisible parts: " + ", ".join(cls.__name__ for cls in part_classes)
    return type(name, (PageParts,), namespace)


class PageParts(pn.custom.JSComponent):
    """Base of the classes :func:`parts_component` makes: one page's part objects, bound to
    this component's parameters."""

    def __init__(self, parts: Iterable[PagePart], **params):
        params.update(width=0, height=0, margin=0, sizing_mode="fixed")
        super().__init__(**params)
        self._parts: dict[str, PagePart] = {}
        for part in parts:
            self._parts[part.part] = part
            for pname in part.part_params():
                full = f"{part.part}_{pname}"
                setattr(self, full, getattr(part, pname))
                # Each side takes the other's *current* value, not the event's: a watcher that
                # answers a value (a claimed key is emptied at once) must not be undone by a
                # later watcher of the same change.
                part.param.watch(lambda e, part=part, pname=pname, full=full:
                                 setattr(self, full, getattr(part, pname)), pname)
                self.param.watch(lambda e, part=part, pname=pname, full=full:
                                 setattr(part, pname, getattr(self, full)), full)

    def _handle_msg(self, data) -> None:
        if isinstance(data, dict):
            part = self._parts.get(str(data.get("part", "")).rstrip("_"))
            if part is not None:
                part.handle_msg(data.get("data"))
